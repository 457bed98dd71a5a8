/* server: libzmq's I/O thread's scheduling ([server] io_batch).
 *
 * The I/O thread carries every request and reply between the network and
 * the frontend. On a CPU it shares with the frontend (one CPU, or more
 * runnable threads than CPUs), a reply wakes it and it preempts the
 * frontend, writes that one reply and sleeps again: a context switch and a
 * write per reply, about 40 % of the throughput of small requests many in
 * flight. Under SCHED_BATCH a wake-up does not preempt: the frontend
 * answers what it has read and the replies leave together once it sleeps.
 * The price is latency when the CPU is busy with another program (the
 * woken I/O thread waits for the end of its slice instead of preempting
 * it), so the I/O thread is batched only while the frontend is behind
 * (it found more than one request waiting when it woke) and returns to
 * the default SERVER_IO_CALM_US after the last such wake-up: one request
 * at a time keeps the latency it had. */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server_private.h"

bool server_io_want(struct server_io *io, unsigned got, int64_t now)
{
	if (got > 1)
		io->busy_until = now + SERVER_IO_CALM_US;
	return now < io->busy_until;
}

/* The thread id of libzmq's (first) I/O thread, found by the name libzmq
 * gives it, "ZMQbg/IO/0": libzmq offers no other way. -1 when none. */
static int find_io_thread(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int tid = -1;

	if (!d)
		return -1;
	while (tid < 0 && (e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    strncmp(comm, "ZMQbg/IO/", 9) == 0)
			tid = atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return tid;
}

/* Looks for the I/O thread once, when it is first to be batched (by then
 * libzmq has named it). false: leave it alone from now on. */
static bool io_thread(struct server *s)
{
	int policy;

	if (s->io.tid > 0)
		return true;
	s->io.tid = find_io_thread();
	if (s->io.tid < 0) {
		log_warn("server: io_batch: libzmq's I/O thread not found (no thread named ZMQbg/IO/): it keeps its scheduling");
		return false;
	}
	policy = sched_getscheduler(s->io.tid);
	if (policy != SCHED_OTHER) {
		/* started under another policy (chrt): someone chose it */
		log_info("server: io_batch: the I/O thread runs under policy %d, not the default: left as it is",
			 policy);
		s->io.tid = -1;
		return false;
	}
	return true;
}

void server_io_update(struct server *s, unsigned got, int64_t now)
{
	struct sched_param p = { 0 };
	bool want;

	if (s->io.tid < 0)
		return;
	want = server_io_want(&s->io, got, now);
	if (want == s->io.batched || !io_thread(s))
		return;
	if (sched_setscheduler(s->io.tid, want ? SCHED_BATCH : SCHED_OTHER,
			       &p)) {
		/* a seccomp filter, say: never ask again */
		log_warn("server: io_batch: cannot set the I/O thread's scheduling (%s): it keeps it",
			 strerror(errno));
		s->io.tid = -1;
		return;
	}
	s->io.batched = want;
}
