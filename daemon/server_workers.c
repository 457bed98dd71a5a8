/* server: the worker threads, and the writer thread (a worker that runs
 * only writes, with the writer's database connection). They talk to the
 * frontend over inproc as job pointers: a worker holds a job from the
 * pointer it receives until it sends the same pointer back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server_private.h"

int server_send_ptr(void *sock, unsigned worker, struct server_job *j)
{
	char id[16];
	int n = worker == SERVER_WRITER_ID ? snprintf(id, sizeof(id), "W0")
				    : snprintf(id, sizeof(id), "w%u", worker);

	if (zmq_send(sock, id, (size_t)n, ZMQ_SNDMORE) < 0 ||
	    zmq_send(sock, &j, sizeof(j), 0) < 0)
		return -errno;
	return 0;
}

static void *worker_main(void *arg)
{
	struct server_worker *w = arg;
	struct server *s = w->s;
	void *sock = zmq_socket(s->zctx, ZMQ_DEALER);
	char id[16];
	int n = snprintf(id, sizeof(id), "%c%u", w->writer ? 'W' : 'w', w->index),
	    zero = 0;
	unsigned reader = w->writer ? SERVER_READER_WRITER : 1 + w->index;
	struct query_chunk *cache = NULL;
	struct server_job *j = NULL;

	if (!sock || zmq_setsockopt(sock, ZMQ_ROUTING_ID, id, (size_t)n) ||
	    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_connect(sock, SERVER_WORKERS_ENDPOINT)) {
		log_err("worker %u: cannot connect (%s)", w->index,
			zmq_strerror(errno));
		if (sock)
			zmq_close(sock);
		return NULL;
	}
	/* "ready": a NULL job pointer */
	if (zmq_send(sock, &j, sizeof(j), 0) < 0)
		goto out;
	for (;;) {
		if (zmq_recv(sock, &j, sizeof(j), 0) != sizeof(j))
			break;
		if (!j)
			break;	/* told to stop */
		server_job_run(s, j, reader, &cache);
		if (zmq_send(sock, &j, sizeof(j), 0) < 0)
			break;
	}
out:
	query_cache_free(&cache);
	zmq_close(sock);
	return NULL;
}

/* A worker answered: [identity, job pointer (NULL: ready)]. */
void server_on_worker(struct server *s)
{
	char id[16];
	struct server_job *j = NULL;
	int n = zmq_recv(s->back, id, sizeof(id) - 1, 0), more = 0;
	size_t ml = sizeof(more);
	unsigned w;

	if (n < 2)
		return;
	id[n] = '\0';
	w = (unsigned)strtoul(id + 1, NULL, 10);
	zmq_getsockopt(s->back, ZMQ_RCVMORE, &more, &ml);
	if (!more || zmq_recv(s->back, &j, sizeof(j), 0) != sizeof(j))
		return;
	if (j) {
		s->busy_n--;
		server_fair_done(s, j);
		server_job_finish(s, s->front, j);
	}
	if (id[0] == 'W') {
		s->writer_busy = false;
		server_dispatch_writes(s);
		return;
	}
	if (s->idle_n < SERVER_MAX_WORKERS)
		s->idle[s->idle_n++] = w;
	server_dispatch_pending(s);
}

int server_workers_start(struct server *s)
{
	int rc;

	s->workers_n = s->cfg.workers ? s->cfg.workers
				      : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (s->workers_n < 1)
		s->workers_n = 1;
	if (s->workers_n > SERVER_MAX_WORKERS)
		s->workers_n = SERVER_MAX_WORKERS;
	for (unsigned i = 0; i < s->workers_n; i++) {
		s->workers[i].s = s;
		s->workers[i].index = i;
		rc = pthread_create(&s->workers[i].thread, NULL, worker_main,
				    &s->workers[i]);
		if (rc)
			return -rc;
		s->workers[i].started = true;
	}

	rc = writer_new(config_write_conninfo(&s->cfg), &s->slot, SERVER_READER_WRITER,
			&s->writer);
	if (rc)
		return rc;
	writer_set_persist(s->writer, s->persist);
	s->writer_thread.s = s;
	s->writer_thread.writer = true;
	s->writer_busy = true;	/* until it says it is ready */
	rc = pthread_create(&s->writer_thread.thread, NULL, worker_main,
			    &s->writer_thread);
	if (rc)
		return -rc;
	s->writer_thread.started = true;
	return 0;
}

void server_workers_stop(struct server *s)
{
	/* a NULL job each, then join */
	for (unsigned i = 0; i < s->workers_n; i++) {
		if (!s->workers[i].started)
			continue;
		if (server_send_ptr(s->back, i, NULL))
			log_err("worker %u: cannot tell it to stop", i);
	}
	if (s->writer_thread.started &&
	    server_send_ptr(s->back, SERVER_WRITER_ID, NULL))
		log_err("writer: cannot tell it to stop");
	for (unsigned i = 0; i < s->workers_n; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	if (s->writer_thread.started)
		pthread_join(s->writer_thread.thread, NULL);
	writer_destroy(&s->writer);
}
