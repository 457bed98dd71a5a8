/* server_private: what the server's files share (server.c builds, runs and
 * tears down; server_front.c reads, routes and hands out requests;
 * server_job.c runs one and sends its reply; server_workers.c is the
 * worker threads; server_unread.c counts unread reply bytes per peer;
 * server_status.c is Health, Stats and systemd; server_signal.c is SIGHUP
 * and friends; server_fair.c orders the queue; server_io.c schedules
 * libzmq's I/O thread). Nothing here is for other modules: their contract is
 * server.h. All of it runs on the frontend thread (the one in server_run)
 * unless its comment names another. */
#ifndef PATHWAYS_SERVER_PRIVATE_H
#define PATHWAYS_SERVER_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <zmq.h>

#include "access.h"
#include "config.h"
#include "graph.h"
#include "http.h"
#include "loader.h"
#include "methods.h"
#include "metrics.h"
#include "query/query.h"
#include "security.h"
#include "server.h"
#include "writer.h"

#define SERVER_MAX_WORKERS 32
#define SERVER_JOB_MAX_FRAMES 8
#define SERVER_PENDING_MAX 10000
/* a request body larger than this is a heavy one (a batch of ids): see
 * server_fair.c */
#define SERVER_HEAVY_BYTES 1024
/* after SIGTERM: how long the frontend must stay idle before the exit */
#define SERVER_STOP_QUIET_US 200000
/* after SIGTERM: how long closing the frontend may wait for the replies
 * still queued to reach their peers */
#define SERVER_STOP_LINGER_MS 2000
/* Replies handed to libzmq and not yet written out, per peer: the
 * high-water mark counts messages, not bytes, and a request of a few KB can
 * buy a reply of megabytes, so a peer that sends and never reads would make
 * the daemon hold SNDHWM such replies. Past this many unread bytes, a
 * peer's requests get RESOURCE_EXHAUSTED without being computed. */
#define SERVER_PEER_UNREAD_MAX ((size_t)64 << 20)
/* The same per client (a CURVE key, or a non-loopback address), whatever
 * the number of its connections, and for all clients together: eight
 * clients that never read would otherwise make the daemon hold 8 x 64 MiB.
 * Over any of them, a request gets RESOURCE_EXHAUSTED uncomputed; over the
 * total, only requests of peers that have replies unread themselves. */
#define SERVER_CLIENT_UNREAD_MAX ((size_t)64 << 20)
#define SERVER_UNREAD_MAX ((size_t)192 << 20)
/* once this many unread bytes have piled up, their release gives the
 * memory back to the system (malloc_trim) */
#define SERVER_UNREAD_TRIM_MIN ((size_t)16 << 20)
#define SERVER_UNREAD_BUCKETS 256
/* hazard slots: the frontend's, then one per worker, then the writer's */
#define SERVER_READER_FRONTEND 0
#define SERVER_READER_WRITER (SERVER_MAX_WORKERS + 1)
/* the HTTP door's thread (probes, /metrics) */
#define SERVER_READER_HTTP (SERVER_MAX_WORKERS + 2)
/* the worker id that names the writer thread in server_send_ptr() */
#define SERVER_WRITER_ID 0xffffu
#define SERVER_WORKERS_ENDPOINT "inproc://pathwaysd-workers"
/* how long a request with min_lsn and no deadline waits for the loader */
#define SERVER_LSN_WAIT_US 1000000

/* One request, from the frames read to the reply sent. */
struct server_job {
	struct server_job *next;	/* pending queue, free list */
	zmq_msg_t frames[SERVER_JOB_MAX_FRAMES];
	size_t frames_n;
	size_t routing_n;		/* frames echoed back: identity [+ ""] */
	size_t extra_frames;		/* frames beyond SERVER_JOB_MAX_FRAMES */
	int64_t received_us, deadline_us;	/* deadline 0: none */
	const struct methods_row *m;
	uint64_t request_id;
	char who[64];			/* the client: key fingerprint or peer */
	struct access_ids employees;	/* ids it read, for the access log;
					 * kept (grown) across reuse */
	char trace_id[128];		/* header metadata trace_id, cut */
	bool heavy;			/* queued as heavy (server_fair.c) */
	uint64_t client;		/* heavy: whose (a hash) */
	/* the reply */
	int code;
	char message[512];
	uint64_t snapshot_version;
	uint64_t min_lsn;		/* metadata min_lsn; 0: none */
	uint64_t snapshot_lsn;		/* the reply header's */
	int64_t lsn_until_us;		/* parked for min_lsn until then */
	zmq_msg_t body;
	bool has_body;
	/* NULL: a ZeroMQ request; else the HTTP door's call, which named the
	 * client in who, decides permission (http_permitted) and takes the
	 * reply (http_answer) instead of a socket */
	struct http_call *call;
};

/* libzmq's I/O thread's scheduling ([server] io_batch, server_io.c) */
struct server_io {
	int tid;			/* 0: not looked for yet; -1: left
					 * alone (io_batch off, not found,
					 * refused) */
	bool batched;			/* SCHED_BATCH now */
	int64_t busy_until;		/* batched until then */
};

struct server_worker {
	struct server *s;
	unsigned index;
	bool writer;			/* the one thread that runs writes */
	pthread_t thread;
	bool started;
};

/* A peer's (or a client's) unread reply bytes (see
 * SERVER_PEER_UNREAD_MAX). */
struct server_unread {
	struct server_unread *next;
	size_t bytes;
	size_t refs;			/* replies alive that name it */
	char kind;			/* 'p' peer, 'c' client */
	size_t id_len;
	unsigned char id[];		/* the ROUTER's routing id, or the
					 * client's name */
};

struct server {
	struct config cfg;
	char *cfg_path;
	void *zctx;
	void *front;			/* one ROUTER bound to every endpoint */
	void *back;			/* ROUTER to the workers (inproc) */
	struct server_worker workers[SERVER_MAX_WORKERS];
	unsigned workers_n;
	struct server_worker writer_thread;
	writer_t *writer;
	bool writer_busy;
	struct server_job *wq_head, *wq_tail;	/* writes waiting for the writer */
	size_t wq_n;
	unsigned idle[SERVER_MAX_WORKERS];
	unsigned idle_n;
	unsigned busy_n;
	struct server_job *pending_head, *pending_tail, *free_jobs;
	size_t pending_n;		/* both queues */
	struct server_job *heavy_head, *heavy_tail;	/* server_fair.c */
	unsigned heavy_running;
	uint64_t heavy_last;		/* the client served last */
	struct server_job *lsn_head, *lsn_tail;	/* parked for min_lsn */
	size_t lsn_n;
	struct server_io io;
	struct graph_slot slot;
	struct query_chunk *front_cache;	/* the frontend's arena chunk */
	loader_t *loader;
	persist_t *persist;		/* [cache] snapshot_path; NULL: none */
	security_t *sec;		/* NULL: no CURVE */
	access_log_t *access;		/* NULL: no access log */
	struct metrics_method *stats;	/* one per methods_at() row */
	int64_t started_us;
	int sigfd;
	bool stopping;
	bool ready_sent;
	char last_status[320];
	pthread_mutex_t unread_lock;	/* guards unread[] and the sums */
	size_t unread_total;		/* every peer's, counted */
	size_t unread_peak;		/* the highest since the last trim */
	struct server_unread *unread[SERVER_UNREAD_BUCKETS];
	/* the HTTP door: its jobs reach the frontend through calls, and
	 * call_fd (an eventfd) wakes the frontend's poll */
	http_t *http;			/* NULL: no [http] listen */
	pthread_mutex_t calls_lock;	/* guards calls_head, calls_tail */
	struct server_job *calls_head, *calls_tail;
	int call_fd;
};

static inline int64_t server_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline int64_t server_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- server.c ---- */

/* What server_new() and server_process() both need before anything else:
 * the config taken over from cfg (left freshly initialized), the counters,
 * the locks, an empty snapshot slot. 0 or -ENOMEM (then undo with
 * server_base_fini). */
int server_base_init(struct server *s, struct config *cfg)
	__attribute__((warn_unused_result));
void server_base_fini(struct server *s);

/* ---- server_front.c: reading, routing, handing out ---- */

/* Reads the next request waiting on sock and answers it or passes it on:
 * 0, or -EAGAIN when none was waiting. */
int server_on_request(struct server *s, void *sock);
/* Checks a job's envelope and header and finds its method. false: j
 * carries an error reply. */
bool server_route(struct server *s, struct server_job *j);
/* Names the client in j->who, and may it call j->m? false: j carries
 * PERMISSION_DENIED. */
bool server_permitted(struct server *s, struct server_job *j);
/* Hands queued requests to idle workers, and the next write to the writer
 * when it is free. */
void server_dispatch_pending(struct server *s);
void server_dispatch_writes(struct server *s);
/* A routed, permitted read: answered here (cheap) or queued for the
 * workers. */
void server_dispatch_read(struct server *s, void *sock, struct server_job *j);

/* ---- server_io.c: libzmq's I/O thread while the frontend is behind ---- */

/* how long the I/O thread stays batched after the last wake-up of the
 * frontend that found a backlog */
#define SERVER_IO_CALM_US 100000

/* Whether the I/O thread should be batched after a wake-up of the
 * frontend at now that read `got` requests: from a backlog (more than
 * one) until SERVER_IO_CALM_US after the last one. */
bool server_io_want(struct server_io *io, unsigned got, int64_t now);
/* After each wake-up: switches the I/O thread between SCHED_BATCH and the
 * default when server_io_want() changes its mind. */
void server_io_update(struct server *s, unsigned got, int64_t now);

/* ---- server_fair.c: who goes next ---- */

/* Queues a routed, permitted job for the workers (light or heavy). */
void server_fair_queue(struct server *s, struct server_job *j);
/* The job to hand to an idle worker next, unlinked; NULL when none may go
 * (nothing queued, or only heavy jobs and all but one worker run heavy
 * ones). */
struct server_job *server_fair_next(struct server *s);
/* A worker finished j (before j is recycled). */
void server_fair_done(struct server *s, const struct server_job *j);

/* Hands j (a job of the HTTP door, built on its thread) to the frontend,
 * which runs it as a request off the ROUTER. Any thread. */
void server_call_submit(struct server *s, struct server_job *j);
/* The frontend's side: call_fd is readable, take the jobs submitted. */
void server_on_calls(struct server *s);
/* After the frontend has stopped: the jobs submitted and never taken,
 * answered UNAVAILABLE through http_answer(). */
void server_calls_cancel(struct server *s);

/* ---- server_job.c: one request ---- */

/* Blanks j for a new request. */
void server_job_init(struct server_job *j);
/* A job from the free list (or new), blank; NULL without memory. */
struct server_job *server_job_get(struct server *s);
/* Closes j's frames and body and puts it on the free list. */
void server_job_put(struct server *s, struct server_job *j);
/* Sets j's reply to the error code with a formatted message. */
void server_job_fail(struct server_job *j, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Decodes, computes and packs the reply of a routed job. Runs on the
 * frontend thread or a worker: reader is the caller's hazard slot, cache
 * its spare arena chunk. */
void server_job_run(struct server *s, struct server_job *j, unsigned reader,
		    struct query_chunk **cache);
/* Writes j's access-log line, sends its reply on sock, counts it and
 * recycles j. The line is written before the reply leaves: whoever holds
 * a reply can find its line in the log. */
void server_job_finish(struct server *s, void *sock, struct server_job *j);
/* The ResponseHeader of j's reply, packed into hm (initialized here).
 * 0 or -ENOMEM. */
int server_job_pack_header(const struct server_job *j, zmq_msg_t *hm);

/* ---- server_workers.c ---- */

/* Starts the workers and the writer thread (after the back socket is
 * bound). 0 or -errno. */
int server_workers_start(struct server *s)
	__attribute__((warn_unused_result));
/* Tells every started thread to stop and joins them. */
void server_workers_stop(struct server *s);
/* Sends the job pointer j (NULL: stop) to worker w (SERVER_WRITER_ID: the
 * writer thread). 0 or -errno. */
int server_send_ptr(void *sock, unsigned w, struct server_job *j);
/* A worker answered on the back socket. */
void server_on_worker(struct server *s);

/* ---- server_unread.c: unread reply bytes per peer (any thread) ---- */

/* The name j's client is counted under into out ("key:..." or
 * "addr:...", cut to len - 1 bytes): its length, 0 when it has none
 * (loopback, ipc). */
size_t server_unread_client(struct server *s, const struct server_job *j,
			    char *out, size_t len);
/* Whether j's peer, its client (client, cn: from server_unread_client)
 * or all clients together have more reply bytes unread than their bound:
 * 1 with why set (the reply's message), or 0. */
int server_unread_over(struct server *s, const struct server_job *j,
		       const char *client, size_t cn, char *why, size_t len);
/* A reply body of len bytes for j's peer (and client, cn): a zmq message
 * (initialized here) whose bytes are counted as unread until libzmq
 * releases them. *data is where to pack the body. 0 or -ENOMEM. */
int server_unread_reply(struct server *s, const struct server_job *j,
			const char *client, size_t cn, size_t len,
			zmq_msg_t *msg, uint8_t **data)
	__attribute__((warn_unused_result));

/* ---- server_status.c ---- */

/* sd_notify() without libsystemd; nothing outside systemd. */
void server_notify(const char *msg);
void server_fill_health(struct server *s, const graph_t *g,
			Pathways__V1__HealthResponse *h, char *status,
			size_t status_len);
void server_fill_stats(struct server *s, struct query_ctx *ctx,
		       Pathways__V1__StatsResponse *r);
/* Tells systemd READY=1 after the first snapshot and the status line when
 * it changes. */
void server_update_status(struct server *s);

/* ---- server_lsn.c: min_lsn (read-your-writes) ---- */

/* Reads metadata min_lsn into j. false: j carries INVALID_ARGUMENT. */
bool server_lsn_parse(struct server_job *j,
		      const Pathways__V1__RequestHeader *h);
/* Sets j's snapshot_lsn (read before the snapshot is taken); false when
 * j is a query whose min_lsn is past it: j then carries UNAVAILABLE
 * saying how far behind. Any thread. */
bool server_lsn_reached(struct server *s, struct server_job *j);
/* true when j (a query whose min_lsn is not reached yet) was parked. */
bool server_lsn_park(struct server *s, struct server_job *j);
/* Dispatches the parked jobs whose position was reached or whose wait is
 * over; on every turn of the loop while any are parked. */
void server_lsn_recheck(struct server *s);
/* Frees the parked jobs (at destroy). */
void server_lsn_drop(struct server *s);

/* ---- server_signal.c ---- */

/* Reads the signalfd: 1 when the loop should stop (SIGTERM, SIGINT),
 * after handling any SIGHUP. */
int server_on_signal(struct server *s);

#endif
