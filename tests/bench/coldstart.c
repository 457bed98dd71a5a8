/* coldstart: how long pathwaysd takes from start to serving, what its
 * snapshot weighs, and what merely reading the same rows costs.
 *
 *   coldstart start --daemon PATH --db CONNINFO --listen EP [--workers N]
 *                   [--log FILE] [--keep] [--timeout SEC]
 *       Starts the daemon (stdout and stderr to FILE, default /dev/null),
 *       polls Health every 2 ms until it says serving, then reads VmRSS and
 *       VmHWM from /proc/PID/status. Prints
 *         COLD serve_ms=.. cpu_ms=.. db_cpu_ms=.. rss_kb=.. hwm_kb=..
 *              employees=.. assessments=.. pid=..
 *       cpu_ms: the daemon's CPU time until then (all threads); db_cpu_ms:
 *       the CPU time of the database backends serving it (the load).
 *       and, unless --keep, stops the daemon (SIGTERM) and waits for it.
 *   coldstart copy --db CONNINFO
 *       COPY every table the daemon loads TO STDOUT, written to /dev/null,
 *       in one REPEATABLE READ transaction (as the loader reads). Prints
 *         COPY total_ms=.. assessment_ms=.. db_cpu_ms=.. cpu_ms=.. bytes=..
 *              rows=..
 *       db_cpu_ms: the backend's CPU time; cpu_ms: this client's.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "clock.h"
#include "pathways/v1/pathways.pb-c.h"

static long status_kb(int pid, const char *field)
{
	char path[64], line[256];
	size_t fl = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			v = strtol(line + fl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* CPU time of every thread of pid, ms (schedstat: nanoseconds on a CPU) */
static double task_cpu_ms(int pid)
{
	char path[64];
	struct dirent *de;
	double ms = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		unsigned long long run;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/schedstat", pid,
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &run) == 1)
			ms += (double)run / 1e6;
		fclose(f);
	}
	closedir(d);
	return ms;
}

/* CPU of the database backends serving other sessions than ours (after a
 * load: the daemon's), ms; -1 if unknown */
static double backends_cpu_ms(const char *conninfo)
{
	PGconn *db = PQconnectdb(conninfo);
	PGresult *r;
	double ms = -1;

	if (PQstatus(db) == CONNECTION_OK) {
		r = PQexec(db, "SELECT pid FROM pg_stat_activity WHERE "
			       "datname = current_database() AND "
			       "pid <> pg_backend_pid() AND "
			       "backend_type = 'client backend'");
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			ms = 0;
			for (int i = 0; i < PQntuples(r); i++) {
				double v = clock_cpu_ms(atoi(PQgetvalue(r, i, 0)));

				if (v > 0)
					ms += v;
			}
		}
		PQclear(r);
	}
	PQfinish(db);
	return ms;
}

static int cmd_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", required_argument, NULL, 'D' },
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "log", required_argument, NULL, 'L' },
		{ "keep", no_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *daemon = NULL, *db = NULL, *listen = NULL;
	const char *workers = "0", *log = "/dev/null";
	bool keep = false;
	double timeout_s = 600, t0, t1 = 0;
	void *zctx, *sock;
	int one = 1, zero = 0;
	uint32_t emps = 0;
	uint64_t assessments = 0;
	pid_t pid;
	int c, st;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'D': daemon = optarg; break;
		case 'd': db = optarg; break;
		case 'l': listen = optarg; break;
		case 'w': workers = optarg; break;
		case 'L': log = optarg; break;
		case 'k': keep = true; break;
		case 't': timeout_s = strtod(optarg, NULL); break;
		default: return 2;
		}
	}
	if (!daemon || !db || !listen) {
		fprintf(stderr, "usage: coldstart start --daemon PATH --db CONNINFO "
				"--listen EP [--workers N] [--log FILE] [--keep]\n");
		return 2;
	}
	zctx = zmq_ctx_new();
	sock = zctx ? zmq_socket(zctx, ZMQ_DEALER) : NULL;
	/* reconnect fast: the default 100 ms would be the resolution */
	if (!sock || zmq_setsockopt(sock, ZMQ_RECONNECT_IVL, &one, sizeof(one)) ||
	    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_connect(sock, listen)) {
		fprintf(stderr, "coldstart: %s: %s\n", listen, zmq_strerror(errno));
		return 1;
	}
	t0 = clock_now_ms();
	pid = fork();
	if (pid < 0) {
		perror("coldstart: fork");
		return 1;
	}
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execl(daemon, daemon, "--db", db, "--listen", listen,
		      "--workers", workers, "--log-level", "info", (char *)NULL);
		_exit(127);
	}
	for (uint64_t id = 1;; id++) {
		Pathways__V1__RequestHeader h = PATHWAYS__V1__REQUEST_HEADER__INIT;
		uint8_t hb[128];
		size_t hl;
		zmq_pollitem_t it = { sock, 0, ZMQ_POLLIN, 0 };

		h.method = "/pathways.v1.Pathways/Health";
		h.request_id = id;
		hl = pathways__v1__request_header__pack(&h, hb);
		if (zmq_send(sock, hb, hl, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
			(void)zmq_send(sock, "", 0, ZMQ_DONTWAIT);
		while (zmq_poll(&it, 1, 2) > 0) {
			zmq_msg_t hm, bm;
			int more = 0;
			size_t ml = sizeof(more);
			Pathways__V1__ResponseHeader *rh;
			Pathways__V1__HealthResponse *hr = NULL;

			zmq_msg_init(&hm);
			zmq_msg_init(&bm);
			if (zmq_msg_recv(&hm, sock, 0) >= 0 &&
			    !zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml) && more &&
			    zmq_msg_recv(&bm, sock, 0) >= 0) {
				rh = pathways__v1__response_header__unpack(
					NULL, zmq_msg_size(&hm), zmq_msg_data(&hm));
				if (rh && rh->code == 0)
					hr = pathways__v1__health_response__unpack(
						NULL, zmq_msg_size(&bm), zmq_msg_data(&bm));
				if (hr && hr->serving && !t1) {
					t1 = clock_now_ms();
					emps = hr->employees;
					assessments = hr->assessments;
				}
				if (hr)
					pathways__v1__health_response__free_unpacked(hr, NULL);
				if (rh)
					pathways__v1__response_header__free_unpacked(rh, NULL);
			}
			zmq_msg_close(&hm);
			zmq_msg_close(&bm);
		}
		if (t1)
			break;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "coldstart: the daemon exited (see %s)\n", log);
			return 1;
		}
		if (clock_now_ms() - t0 > timeout_s * 1e3) {
			fprintf(stderr, "coldstart: not serving after %.0f s\n", timeout_s);
			kill(pid, SIGTERM);
			waitpid(pid, &st, 0);
			return 1;
		}
	}
	zmq_close(sock);
	zmq_ctx_term(zctx);
	printf("COLD serve_ms=%.1f cpu_ms=%.1f db_cpu_ms=%.1f rss_kb=%ld "
	       "hwm_kb=%ld employees=%u assessments=%" PRIu64 " pid=%d\n",
	       t1 - t0, task_cpu_ms(pid), backends_cpu_ms(db),
	       status_kb(pid, "VmRSS"), status_kb(pid, "VmHWM"), emps,
	       assessments, (int)pid);
	fflush(stdout);
	if (!keep) {
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	}
	return 0;
}

static int exec_ok(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "coldstart: %s: %s", sql, PQerrorMessage(db));
	PQclear(r);
	return ok ? 0 : -EIO;
}

static int cmd_copy(int argc, char **argv)
{
	static const char *const tables[] = {
		"framework_setting", "track", "functional_area", "competency",
		"role", "role_requirement", "role_move", "module",
		"module_outcome", "module_prereq", "employee", "assessment",
		"module_completion",
	};
	const char *conninfo = NULL;
	double t0, ta = 0, b0, c0;
	uint64_t bytes = 0, rows = 0;
	int backend = 0;
	PGconn *db;
	FILE *out;
	int rc = 0;

	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--db") == 0)
			conninfo = argv[i + 1];
	if (!conninfo) {
		fprintf(stderr, "usage: coldstart copy --db CONNINFO\n");
		return 2;
	}
	/* buffered, as psql writes: a syscall per row would be our cost */
	out = fopen("/dev/null", "w");
	db = PQconnectdb(conninfo);
	if (!out || setvbuf(out, NULL, _IOFBF, 1 << 16) ||
	    PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "coldstart: %s", PQerrorMessage(db));
		PQfinish(db);
		if (out)
			fclose(out);
		return 1;
	}
	{
		PGresult *r = PQexec(db, "SELECT pg_backend_pid()");

		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			backend = atoi(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	b0 = clock_cpu_ms(backend);
	c0 = task_cpu_ms(getpid());
	t0 = clock_now_ms();
	if (exec_ok(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables) && !rc; i++) {
		char sql[128], *buf = NULL;
		double ts = clock_now_ms();
		PGresult *r;
		int n;

		snprintf(sql, sizeof(sql), "COPY %s TO STDOUT", tables[i]);
		r = PQexec(db, sql);
		if (PQresultStatus(r) != PGRES_COPY_OUT) {
			fprintf(stderr, "coldstart: %s: %s", sql, PQerrorMessage(db));
			PQclear(r);
			rc = 1;
			break;
		}
		PQclear(r);
		while ((n = PQgetCopyData(db, &buf, 0)) > 0) {
			if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
				rc = 1;
			bytes += (uint64_t)n;
			rows++;
			PQfreemem(buf);
		}
		r = PQgetResult(db);
		if (n == -2 || PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "coldstart: %s: %s", sql, PQerrorMessage(db));
			rc = 1;
		}
		PQclear(r);
		while ((r = PQgetResult(db)))
			PQclear(r);
		if (strcmp(tables[i], "assessment") == 0)
			ta = clock_now_ms() - ts;
	}
	if (!rc && exec_ok(db, "COMMIT"))
		rc = 1;
	if (!rc)
		printf("COPY total_ms=%.1f assessment_ms=%.1f db_cpu_ms=%.1f "
		       "cpu_ms=%.1f bytes=%" PRIu64 " rows=%" PRIu64 "\n",
		       clock_now_ms() - t0, ta, clock_cpu_ms(backend) - b0,
		       task_cpu_ms(getpid()) - c0, bytes, rows);
out:
	PQfinish(db);
	if (fclose(out))
		rc = 1;
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "start") == 0)
		return cmd_start(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "copy") == 0)
		return cmd_copy(argc - 1, argv + 1);
	fprintf(stderr, "usage: coldstart start|copy ...\n");
	return 2;
}
