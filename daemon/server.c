#include "server.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "graph.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "pathways/v1/pathways.pb-c.h"
#include "query/audit.h"
#include "query/bench.h"
#include "query/gap.h"
#include "query/mentors.h"
#include "query/modules.h"
#include "query/path.h"
#include "query/placement.h"
#include "query/query.h"
#include "query/readiness.h"
#include "query/roles.h"
#include "access.h"
#include "security.h"
#include "writer.h"

#define SERVER_MAX_WORKERS 32
#define JOB_MAX_FRAMES 8
#define PENDING_MAX 10000
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
#define UNREAD_BUCKETS 256
#define READER_FRONTEND 0
#define METHOD_PREFIX "/pathways.v1.Pathways/"

struct server;

enum method_kind { M_QUERY, M_HEALTH, M_STATS, M_WRITE };

struct method {
	const char *name;
	const ProtobufCMessageDescriptor *req, *resp;
	enum method_kind kind;
	query_handler_fn fn;
	/* the frontend answers bodies up to this size itself; larger ones
	 * (or any, at 0) go to a worker */
	size_t inline_max;
	int (*wfn)(writer_t *w, struct query_ctx *ctx, const ProtobufCMessage *req,
		   ProtobufCMessage *resp, const char *who);
};

static int write_assessments(writer_t *w, struct query_ctx *ctx,
			     const ProtobufCMessage *req, ProtobufCMessage *resp,
			     const char *who)
{
	(void)who;
	return writer_record_assessments(w, ctx, req, resp);
}

static int write_completions(writer_t *w, struct query_ctx *ctx,
			     const ProtobufCMessage *req, ProtobufCMessage *resp,
			     const char *who)
{
	(void)who;
	return writer_record_completions(w, ctx, req, resp);
}

#define D(x) &pathways__v1__##x##__descriptor
#define QUERY(name, rq, rs, fn, inl) \
	{ name, D(rq), D(rs), M_QUERY, fn, inl, NULL }
#define WRITE(name, rq, rs, wfn) { name, D(rq), D(rs), M_WRITE, NULL, 0, wfn }
static const struct method methods[] = {
	{ "Health", D(health_request), D(health_response), M_HEALTH, NULL,
	  SIZE_MAX, NULL },
	{ "Stats", D(stats_request), D(stats_response), M_STATS, NULL,
	  SIZE_MAX, NULL },
	QUERY("ListRoles", list_roles_request, list_roles_response,
	      query_roles_run, 0),
	QUERY("Path", path_request, path_response, query_path_run, 0),
	QUERY("Explore", explore_request, explore_response, query_path_explore, 0),
	QUERY("Gap", gap_request, gap_response, query_gap_run, SIZE_MAX),
	QUERY("Readiness", readiness_request, readiness_response,
	      query_readiness_run, 256),
	QUERY("RecommendModules", recommend_modules_request,
	      recommend_modules_response, query_modules_run, SIZE_MAX),
	QUERY("Bench", bench_request, bench_response, query_bench_run, 0),
	QUERY("Mentors", mentors_request, mentors_response, query_mentors_run, 0),
	QUERY("Audit", audit_request, audit_response, query_audit_run, 0),
	QUERY("Placement", placement_request, placement_response,
	      query_placement_run, SIZE_MAX),
	WRITE("RecordAssessments", record_assessments_request,
	      record_assessments_response, write_assessments),
	WRITE("RecordCompletions", record_completions_request,
	      record_completions_response, write_completions),
	WRITE("EraseEmployee", erase_employee_request, erase_employee_response,
	      writer_erase_employee),
};
#undef QUERY
#undef WRITE
#undef D
#define METHODS_N (sizeof(methods) / sizeof(*methods))

/* One request, from the frames read to the reply sent. */
struct job {
	struct job *next;		/* pending queue, free list */
	zmq_msg_t frames[JOB_MAX_FRAMES];
	size_t frames_n;
	size_t routing_n;		/* frames echoed back: identity [+ ""] */
	size_t extra_frames;		/* frames beyond JOB_MAX_FRAMES */
	int64_t received_us, deadline_us;	/* deadline 0: none */
	const struct method *m;
	uint64_t request_id;
	char who[64];			/* the client: key fingerprint or peer */
	char employees[512];		/* ids it read, for the access log */
	/* the reply */
	int code;
	char message[512];
	uint64_t snapshot_version;
	zmq_msg_t body;
	bool has_body;
};

struct worker {
	struct server *s;
	unsigned index;
	bool writer;			/* the one thread that runs writes */
	pthread_t thread;
	bool started;
};

/* A peer's unread reply bytes (see SERVER_PEER_UNREAD_MAX). */
struct unread {
	struct unread *next;
	size_t bytes;
	size_t refs;			/* replies alive that name it */
	size_t id_len;
	unsigned char id[];		/* the ROUTER's routing id */
};

/* A reply's body as handed to libzmq, which frees it (reply_release(),
 * on its I/O thread) once it is written out or dropped with the peer. */
struct reply_buf {
	struct server *s;
	struct unread *peer;		/* NULL: not counted (no memory) */
	size_t len;
	max_align_t data[];
};

struct server {
	struct config cfg;
	char *cfg_path;
	void *zctx;
	void *front;			/* one ROUTER bound to every endpoint */
	void *back;			/* ROUTER to the workers (inproc) */
	struct worker workers[SERVER_MAX_WORKERS];
	unsigned workers_n;
	struct worker writer_thread;
	writer_t *writer;
	bool writer_busy;
	struct job *wq_head, *wq_tail;	/* writes waiting for the writer */
	size_t wq_n;
	unsigned idle[SERVER_MAX_WORKERS];
	unsigned idle_n;
	unsigned busy_n;
	struct job *pending_head, *pending_tail, *free_jobs;
	size_t pending_n;
	struct graph_slot slot;
	struct query_chunk *front_cache;	/* the frontend's arena chunk */
	loader_t *loader;
	security_t *sec;		/* NULL: no CURVE */
	access_log_t *access;		/* NULL: no access log */
	struct metrics_method stats[METHODS_N];
	int64_t started_us;
	int sigfd;
	bool stopping;
	bool ready_sent;
	char last_status[320];
	pthread_mutex_t unread_lock;	/* guards unread[] */
	struct unread *unread[UNREAD_BUCKETS];
};

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- systemd notify (sd_notify without libsystemd) ---- */

static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		log_debug("systemd: notify failed (%s)", strerror(errno));
	close(fd);
}

/* ---- validation ---- */

/* Every string in m, nested messages included, is valid UTF-8. Our message
 * types are not recursive, so the depth is bounded by the schema. */
static bool strings_valid(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;
		size_t n = 1;
		void *const *items;

		if (f->type != PROTOBUF_C_TYPE_STRING &&
		    f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			n = *(const size_t *)(base + f->quantifier_offset);
			items = *(void *const *const *)(base + f->offset);
		} else {
			if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
			    *(const uint32_t *)(base + f->quantifier_offset) !=
				    f->id)
				continue;
			items = (void *const *)(base + f->offset);
		}
		for (size_t k = 0; k < n; k++) {
			if (!items[k])
				continue;
			if (f->type == PROTOBUF_C_TYPE_STRING
				    ? !query_utf8_valid(items[k])
				    : !strings_valid(items[k]))
				return false;
		}
	}
	return true;
}

/* ---- unread replies, per peer ---- */

static struct unread **unread_slot(struct server *s, const void *id,
				   size_t len)
{
	const unsigned char *p = id;
	uint32_t h = 2166136261u;
	struct unread **e;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	for (e = &s->unread[h % UNREAD_BUCKETS]; *e; e = &(*e)->next)
		if ((*e)->id_len == len && memcmp((*e)->id, id, len) == 0)
			break;
	return e;
}

/* Unread reply bytes of the peer whose routing id is id. */
static size_t unread_bytes(struct server *s, const zmq_msg_t *id)
{
	struct unread *e;
	size_t n;

	pthread_mutex_lock(&s->unread_lock);
	e = *unread_slot(s, zmq_msg_data((zmq_msg_t *)id),
			 zmq_msg_size((zmq_msg_t *)id));
	n = e ? e->bytes : 0;
	pthread_mutex_unlock(&s->unread_lock);
	return n;
}

/* Counts len more bytes for the peer; NULL (not counted) without memory. */
static struct unread *unread_add(struct server *s, const zmq_msg_t *id,
				 size_t len)
{
	const void *key = zmq_msg_data((zmq_msg_t *)id);
	size_t klen = zmq_msg_size((zmq_msg_t *)id);
	struct unread **slot, *e;

	pthread_mutex_lock(&s->unread_lock);
	slot = unread_slot(s, key, klen);
	e = *slot;
	if (!e && (e = calloc(1, sizeof(*e) + klen))) {
		memcpy(e->id, key, klen);
		e->id_len = klen;
		*slot = e;
	}
	if (e) {
		e->bytes += len;
		e->refs++;
	}
	pthread_mutex_unlock(&s->unread_lock);
	return e;
}

static void unread_sub(struct server *s, struct unread *e, size_t len)
{
	pthread_mutex_lock(&s->unread_lock);
	e->bytes -= len;
	if (--e->refs == 0) {
		struct unread **slot = unread_slot(s, e->id, e->id_len);

		*slot = e->next;
		free(e);
	}
	pthread_mutex_unlock(&s->unread_lock);
}

static void reply_release(void *data, void *hint)
{
	struct reply_buf *rb = hint;

	(void)data;
	if (rb->peer)
		unread_sub(rb->s, rb->peer, rb->len);
	free(rb);
}

/* ---- replies ---- */

static void job_fail(struct job *j, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void job_fail(struct job *j, int code, const char *fmt, ...)
{
	va_list ap;

	j->code = code;
	va_start(ap, fmt);
	vsnprintf(j->message, sizeof(j->message), fmt, ap);
	va_end(ap);
	query_utf8_trim(j->message);
}

/* Sends j's reply on sock: the routing frames, the header, the body. */
static int pack_header(const struct job *j, zmq_msg_t *hm)
{
	Pathways__V1__ResponseHeader h = PATHWAYS__V1__RESPONSE_HEADER__INIT;

	h.request_id = j->request_id;
	h.code = j->code;
	h.message = (char *)(uintptr_t)j->message;
	h.snapshot_version = j->snapshot_version;
	if (zmq_msg_init_size(hm, pathways__v1__response_header__get_packed_size(&h)))
		return -ENOMEM;
	pathways__v1__response_header__pack(&h, zmq_msg_data(hm));
	return 0;
}

static void send_reply(void *sock, struct job *j)
{
	zmq_msg_t hm;

	if (pack_header(j, &hm)) {
		log_err("server: no memory for a reply header");
		return;
	}
	for (size_t i = 0; i < j->routing_n; i++)
		if (zmq_msg_send(&j->frames[i], sock, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
			goto dropped;
	if (zmq_msg_send(&hm, sock, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		goto dropped;
	if (!j->has_body) {
		if (zmq_send(sock, "", 0, ZMQ_DONTWAIT) < 0)
			goto dropped;
	} else {
		if (zmq_msg_send(&j->body, sock, ZMQ_DONTWAIT) < 0)
			goto dropped;
		j->has_body = false;	/* zmq took it */
	}
	return;
dropped:
	/* the peer is gone or over its high-water mark: ROUTER drops the
	 * message, which is what bounds a client that never reads */
	zmq_msg_close(&hm);
	log_debug("server: reply %" PRIu64 " dropped (%s)", j->request_id,
		  zmq_strerror(errno));
}

/* ---- running one request ---- */

static void fill_health(struct server *s, const graph_t *g,
			Pathways__V1__HealthResponse *h, char *status,
			size_t status_len)
{
	struct loader_stats ls;
	int64_t age = g ? (int64_t)time(NULL) * 1000 - g->loaded_unix_ms : 0;

	memset(&ls, 0, sizeof(ls));
	if (s->loader)
		loader_get_stats(s->loader, &ls);
	h->serving = g != NULL;
	h->database_connected = ls.connected;
	h->version = query_str(PATHWAYS_VERSION);
	h->schema_version = ls.schema_version;
	h->expected_schema_version = loader_expected_schema();
	if (g) {
		h->snapshot_version = g->version;
		h->snapshot_loaded_unix_ms = g->loaded_unix_ms;
		h->roles = g->roles_n;
		h->competencies = g->comps_n;
		h->employees = g->emps_n;
		h->assessments = g->assessments_n;
		h->modules = g->modules_n;
	}
	snprintf(status, status_len, "%s; database %s%s; %s",
		 g ? "serving" : "not serving: no snapshot loaded yet",
		 ls.connected ? "connected" : "unreachable",
		 ls.connected && !ls.schema_ok ? " (schema older than expected: run pathwaysctl migrate)" : "",
		 "");
	if (g) {
		size_t n = strlen(status);

		snprintf(status + n, status_len - n,
			 "snapshot %" PRIu64 " is %lld s old", g->version,
			 (long long)(age / 1000));
	}
	h->status = status;
}

static void fill_stats(struct server *s, struct query_ctx *ctx,
		       Pathways__V1__StatsResponse *r)
{
	struct loader_stats ls = { 0 };

	if (s->loader)
		loader_get_stats(s->loader, &ls);
	r->uptime_s = (uint64_t)((mono_us() - s->started_us) / 1000000);
	r->reloads = ls.reloads;
	r->reload_failures = ls.reload_failures;
	r->deltas = ls.deltas;
	r->methods = query_alloc(ctx, METHODS_N, sizeof(*r->methods));
	if (!r->methods)
		return;
	for (size_t i = 0; i < METHODS_N; i++) {
		Pathways__V1__MethodStats *m = query_alloc(ctx, 1, sizeof(*m));

		if (!m)
			return;
		pathways__v1__method_stats__init(m);
		m->method = query_str(methods[i].name);
		m->calls = atomic_load(&s->stats[i].calls);
		m->errors = atomic_load(&s->stats[i].errors);
		m->p50_us = metrics_quantile(&s->stats[i], 0.5);
		m->p99_us = metrics_quantile(&s->stats[i], 0.99);
		m->max_us = atomic_load(&s->stats[i].max_us);
		r->methods[r->n_methods++] = m;
	}
}

static void note_id(struct job *j, const char *id)
{
	size_t n = strlen(j->employees), len = strlen(id);

	if (!id[0])
		return;
	if (n + len + 2 >= sizeof(j->employees) - 8) {
		/* bounded: the line says there were more */
		if (!strstr(j->employees, ",..."))
			snprintf(j->employees + n, sizeof(j->employees) - n, "%s...",
				 n ? "," : "");
		return;
	}
	snprintf(j->employees + n, sizeof(j->employees) - n, "%s%s",
		 n ? "," : "", id);
}

/* The employees a request reads, for the access log. */
static void note_employees(struct job *j, const ProtobufCMessage *req)
{
	const char *name = j->m->name;

	if (strcmp(name, "Readiness") == 0) {
		const Pathways__V1__ReadinessRequest *r = (const void *)req;

		for (size_t i = 0; i < r->n_employee_ids; i++)
			note_id(j, r->employee_ids[i]);
	} else if (strcmp(name, "Gap") == 0) {
		note_id(j, ((const Pathways__V1__GapRequest *)(const void *)req)->employee_id);
	} else if (strcmp(name, "RecommendModules") == 0) {
		note_id(j, ((const Pathways__V1__RecommendModulesRequest *)(const void *)req)->employee_id);
	} else if (strcmp(name, "Mentors") == 0) {
		/* the learner, and everyone looked at as a mentor */
		note_id(j, ((const Pathways__V1__MentorsRequest *)(const void *)req)->employee_id);
		note_id(j, "*");
	} else if (strcmp(name, "Placement") == 0) {
		note_id(j, ((const Pathways__V1__PlacementRequest *)(const void *)req)->employee_id);
	} else if (strcmp(name, "EraseEmployee") == 0) {
		note_id(j, ((const Pathways__V1__EraseEmployeeRequest *)(const void *)req)->employee_id);
	} else if (strcmp(name, "Path") == 0) {
		const Pathways__V1__PathRequest *r = (const void *)req;

		if (r->origin_case == PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_EMPLOYEE)
			note_id(j, r->from_employee);
	} else if (strcmp(name, "Explore") == 0) {
		const Pathways__V1__ExploreRequest *r = (const void *)req;

		if (r->origin_case == PATHWAYS__V1__EXPLORE_REQUEST__ORIGIN_FROM_EMPLOYEE)
			note_id(j, r->from_employee);
	} else if (strcmp(name, "Bench") == 0) {
		note_id(j, "*");
	} else if (strcmp(name, "RecordAssessments") == 0) {
		const Pathways__V1__RecordAssessmentsRequest *r = (const void *)req;

		for (size_t i = 0; i < r->n_records; i++)
			note_id(j, r->records[i]->employee_id);
	} else if (strcmp(name, "RecordCompletions") == 0) {
		const Pathways__V1__RecordCompletionsRequest *r = (const void *)req;

		for (size_t i = 0; i < r->n_records; i++)
			note_id(j, r->records[i]->employee_id);
	}
}

/* Decodes, computes and packs the reply of a routed job. Runs on the
 * frontend thread or a worker; reader is the caller's hazard slot. */
static void run_job(struct server *s, struct job *j, unsigned reader,
		    struct query_chunk **cache)
{
	const struct method *m = j->m;
	zmq_msg_t *body = &j->frames[j->routing_n + 1];
	ProtobufCMessage *req = NULL;
	ProtobufCMessage *resp = NULL;
	struct query_ctx ctx;
	graph_t *g = NULL;
	char status[256];
	union {
		Pathways__V1__HealthResponse health;
		Pathways__V1__StatsResponse stats;
		max_align_t align;
		char space[1024];
	} local;

	ProtobufCAllocator arena;

	query_ctx_init(&ctx, NULL, wall_us());
	query_ctx_use_cache(&ctx, cache);
	arena = query_pb_allocator(&ctx);
	if (j->deadline_us && mono_us() > j->deadline_us) {
		job_fail(j, QUERY_DEADLINE_EXCEEDED,
			 "waited past its deadline; not computed");
		goto out;
	}
	if (unread_bytes(s, &j->frames[0]) > SERVER_PEER_UNREAD_MAX) {
		job_fail(j, QUERY_RESOURCE_EXHAUSTED,
			 "over %zu MiB of replies unread: read them first",
			 SERVER_PEER_UNREAD_MAX >> 20);
		goto out;
	}
	/* into the request's arena: no malloc per field, no free */
	req = protobuf_c_message_unpack(m->req, &arena, zmq_msg_size(body),
					zmq_msg_data(body));
	if (!req) {
		job_fail(j, QUERY_INVALID_ARGUMENT, "cannot decode %s",
			 m->req->name);
		goto out;
	}
	if (!strings_valid(req)) {
		job_fail(j, QUERY_INVALID_ARGUMENT,
			 "a string in %s is not valid UTF-8", m->req->name);
		goto out;
	}
	if (s->access)
		note_employees(j, req);
	g = graph_slot_acquire(&s->slot, reader);
	if (g)
		j->snapshot_version = g->version;
	ctx.g = g;
	if (m->resp->sizeof_message > sizeof(local)) {
		job_fail(j, QUERY_INTERNAL, "response type too large");
		goto out;
	}
	resp = (ProtobufCMessage *)&local;
	m->resp->message_init(resp);
	if (m->kind == M_HEALTH) {
		fill_health(s, g, &local.health, status, sizeof(status));
	} else if (m->kind == M_STATS) {
		fill_stats(s, &ctx, &local.stats);
	} else if (m->kind == M_WRITE) {
		if (!s->writer) {
			job_fail(j, QUERY_UNAVAILABLE, "no database for writes");
			goto out;
		}
		if (m->wfn(s->writer, &ctx, req, resp, j->who)) {
			job_fail(j, ctx.code ? ctx.code : QUERY_INTERNAL, "%s",
				 ctx.message);
			goto out;
		}
	} else if (!g) {
		job_fail(j, QUERY_UNAVAILABLE, "no snapshot loaded yet");
		goto out;
	} else if (m->fn(&ctx, req, resp)) {
		job_fail(j, ctx.code ? ctx.code : QUERY_INTERNAL, "%s",
			 ctx.message);
		goto out;
	}
	if (ctx.oom) {
		job_fail(j, QUERY_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	{
		size_t len = protobuf_c_message_get_packed_size(resp);
		struct reply_buf *rb = malloc(sizeof(*rb) + (len ? len : 1));

		if (!rb) {
			job_fail(j, QUERY_RESOURCE_EXHAUSTED, "out of memory");
			goto out;
		}
		rb->s = s;
		rb->len = len;
		protobuf_c_message_pack(resp, (uint8_t *)rb->data);
		rb->peer = unread_add(s, &j->frames[0], len);
		if (zmq_msg_init_data(&j->body, rb->data, len, reply_release, rb)) {
			reply_release(rb->data, rb);
			job_fail(j, QUERY_RESOURCE_EXHAUSTED, "out of memory");
			goto out;
		}
	}
	j->has_body = true;
	j->code = QUERY_OK;
out:
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

/* ---- the frontend ---- */

static struct job *job_get(struct server *s)
{
	struct job *j = s->free_jobs;

	if (j)
		s->free_jobs = j->next;
	else
		j = malloc(sizeof(*j));
	if (j) {
		j->next = NULL;
		j->frames_n = j->routing_n = j->extra_frames = 0;
		j->deadline_us = 0;
		j->m = NULL;
		j->request_id = 0;
		j->who[0] = '\0';
		j->employees[0] = '\0';
		j->code = QUERY_OK;
		j->message[0] = '\0';
		j->snapshot_version = 0;
		j->has_body = false;
	}
	return j;
}

static void job_put(struct server *s, struct job *j)
{
	for (size_t i = 0; i < j->frames_n; i++)
		zmq_msg_close(&j->frames[i]);
	j->frames_n = 0;
	if (j->has_body)
		zmq_msg_close(&j->body);
	j->has_body = false;
	j->next = s->free_jobs;
	s->free_jobs = j;
}

static void finish(struct server *s, void *sock, struct job *j, int64_t t0)
{
	size_t mi = j->m ? (size_t)(j->m - methods) : METHODS_N;

	uint64_t us = (uint64_t)(mono_us() - t0);

	send_reply(sock, j);
	if (mi < METHODS_N)
		metrics_record(&s->stats[mi], us, j->code != QUERY_OK);
	if (s->access)
		access_write(s->access, j->who[0] ? j->who : "?",
			     j->m ? j->m->name : "?", j->employees, j->code, us);
	job_put(s, j);
}

/* Reads one whole multipart message from sock into a job. */
static struct job *read_request(struct server *s, void *sock)
{
	struct job *j = job_get(s);
	int more = 1;

	if (!j) {
		/* drain the message anyway: it must not wedge the socket */
		zmq_msg_t m;

		while (more) {
			size_t ml = sizeof(more);

			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&m);
				break;
			}
			zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml);
			zmq_msg_close(&m);
		}
		log_err("server: out of memory; a request was dropped");
		return NULL;
	}
	j->received_us = mono_us();
	while (more) {
		size_t ml = sizeof(more);
		zmq_msg_t tmp, *m = j->frames_n < JOB_MAX_FRAMES
					    ? &j->frames[j->frames_n]
					    : &tmp;

		zmq_msg_init(m);
		if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(m);
			break;
		}
		if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml))
			more = 0;
		if (m == &tmp) {
			zmq_msg_close(m);
			j->extra_frames++;
		} else {
			j->frames_n++;
		}
	}
	return j;
}

static const struct method *find_method(const char *path)
{
	size_t plen = strlen(METHOD_PREFIX);

	if (strncmp(path, METHOD_PREFIX, plen) != 0)
		return NULL;
	for (size_t i = 0; i < METHODS_N; i++)
		if (strcmp(path + plen, methods[i].name) == 0)
			return &methods[i];
	return NULL;
}

/* Checks a job's envelope and header. false: j carries an error reply. */
static bool route(struct server *s, struct job *j)
{
	Pathways__V1__RequestHeader *h;
	size_t payload, hlen, blen;
	zmq_msg_t *hm;

	if (j->frames_n == 0)
		return false;
	j->routing_n = 1;	/* the ROUTER's identity frame */
	if (j->frames_n > 1 && zmq_msg_size(&j->frames[1]) == 0)
		j->routing_n = 2;	/* a REQ client's delimiter */
	payload = j->frames_n - j->routing_n + j->extra_frames;
	if (payload != 2) {
		job_fail(j, QUERY_INVALID_ARGUMENT,
			 "expected 2 frames (RequestHeader, request), got %zu",
			 payload);
		return false;
	}
	hm = &j->frames[j->routing_n];
	hlen = zmq_msg_size(hm);
	blen = zmq_msg_size(&j->frames[j->routing_n + 1]);
	if (hlen > s->cfg.max_request_bytes) {
		job_fail(j, QUERY_RESOURCE_EXHAUSTED,
			 "header of %zu bytes is over max_request_bytes (%zu)",
			 hlen, s->cfg.max_request_bytes);
		return false;
	}
	h = pathways__v1__request_header__unpack(NULL, hlen, zmq_msg_data(hm));
	if (!h) {
		job_fail(j, QUERY_INVALID_ARGUMENT, "cannot decode RequestHeader");
		return false;
	}
	j->request_id = h->request_id;
	if (!strings_valid(&h->base)) {
		job_fail(j, QUERY_INVALID_ARGUMENT,
			 "a string in RequestHeader is not valid UTF-8");
		goto fail;
	}
	j->m = find_method(h->method);
	if (!j->m) {
		job_fail(j, QUERY_UNIMPLEMENTED, "unknown method \"%.100s%s\"",
			 h->method, strlen(h->method) > 100 ? "..." : "");
		goto fail;
	}
	if (hlen + blen > s->cfg.max_request_bytes) {
		job_fail(j, QUERY_RESOURCE_EXHAUSTED,
			 "request of %zu bytes is over max_request_bytes (%zu)",
			 hlen + blen, s->cfg.max_request_bytes);
		goto fail;
	}
	if (h->deadline_ms)
		j->deadline_us = j->received_us + (int64_t)h->deadline_ms * 1000;
	pathways__v1__request_header__free_unpacked(h, NULL);
	return true;
fail:
	pathways__v1__request_header__free_unpacked(h, NULL);
	return false;
}

#define WRITER_ID 0xffffu

static int send_ptr(void *sock, unsigned worker, struct job *j)
{
	char id[16];
	int n = worker == WRITER_ID ? snprintf(id, sizeof(id), "W0")
				    : snprintf(id, sizeof(id), "w%u", worker);

	if (zmq_send(sock, id, (size_t)n, ZMQ_SNDMORE) < 0 ||
	    zmq_send(sock, &j, sizeof(j), 0) < 0)
		return -errno;
	return 0;
}

static void dispatch_pending(struct server *s)
{
	while (s->pending_head && s->idle_n) {
		struct job *j = s->pending_head;
		unsigned w = s->idle[--s->idle_n];

		s->pending_head = j->next;
		if (!s->pending_head)
			s->pending_tail = NULL;
		s->pending_n--;
		j->next = NULL;
		if (send_ptr(s->back, w, j)) {
			log_err("server: cannot hand a request to worker %u", w);
			job_fail(j, QUERY_INTERNAL, "cannot reach a worker");
			finish(s, s->front, j, j->received_us);
			continue;
		}
		s->busy_n++;
	}
}

/* Writes run one at a time on the writer thread, in arrival order. */
static void dispatch_writes(struct server *s)
{
	struct job *j = s->wq_head;

	if (s->writer_busy || !j)
		return;
	s->wq_head = j->next;
	if (!s->wq_head)
		s->wq_tail = NULL;
	s->wq_n--;
	j->next = NULL;
	if (send_ptr(s->back, WRITER_ID, j)) {
		job_fail(j, QUERY_INTERNAL, "cannot reach the writer");
		finish(s, s->front, j, j->received_us);
		return;
	}
	s->writer_busy = true;
	s->busy_n++;
}

static void queue_write(struct server *s, struct job *j)
{
	if (s->wq_n >= PENDING_MAX) {
		job_fail(j, QUERY_RESOURCE_EXHAUSTED,
			 "server overloaded: %zu writes queued", s->wq_n);
		finish(s, s->front, j, j->received_us);
		return;
	}
	if (s->wq_tail)
		s->wq_tail->next = j;
	else
		s->wq_head = j;
	s->wq_tail = j;
	s->wq_n++;
	dispatch_writes(s);
}

/* Who is asking (the CURVE key's fingerprint, else the peer address), and
 * may they? false: j carries PERMISSION_DENIED. */
static bool permitted(struct server *s, struct job *j)
{
	zmq_msg_t *last = &j->frames[j->frames_n - 1];
	const char *uid = s->sec ? zmq_msg_gets(last, "User-Id") : NULL;

	/* naming the client costs a metadata lookup and a format: only
	 * for those who read it (access log, writes, CURVE) */
	if (s->access || s->sec || j->m->kind == M_WRITE) {
		const char *peer = zmq_msg_gets(last, "Peer-Address");

		if (uid && uid[0])
			snprintf(j->who, sizeof(j->who), "key:%.12s", uid);
		else
			snprintf(j->who, sizeof(j->who), "%s", peer ? peer : "local");
	}
	if (!s->sec) {
		if (j->m->kind == M_WRITE && !s->cfg.allow_writes) {
			job_fail(j, QUERY_PERMISSION_DENIED,
				 "writes are off: set [server] allow_writes = true");
			return false;
		}
		return true;
	}
	/* Health says nothing about anyone: every known key may ask it */
	if (j->m->kind == M_HEALTH ||
	    security_allows(s->sec, uid, j->m->name, j->m->kind == M_WRITE))
		return true;
	job_fail(j, QUERY_PERMISSION_DENIED,
		 "this client key may not call %s", j->m->name);
	return false;
}

static void on_request(struct server *s, void *sock)
{
	struct job *j = read_request(s, sock);

	if (!j)
		return;
	if (!route(s, j) || s->stopping) {
		if (s->stopping && j->code == QUERY_OK)
			job_fail(j, QUERY_UNAVAILABLE, "server is shutting down");
		finish(s, sock, j, j->received_us);
		return;
	}
	if (!permitted(s, j)) {
		finish(s, sock, j, j->received_us);
		return;
	}
	if (j->m->kind == M_WRITE) {
		queue_write(s, j);
		return;
	}
	if (zmq_msg_size(&j->frames[j->routing_n + 1]) <= j->m->inline_max ||
	    s->workers_n == 0) {
		run_job(s, j, READER_FRONTEND, &s->front_cache);
		finish(s, sock, j, j->received_us);
		return;
	}
	if (s->pending_n >= PENDING_MAX) {
		job_fail(j, QUERY_RESOURCE_EXHAUSTED,
			 "server overloaded: %zu requests queued", s->pending_n);
		finish(s, sock, j, j->received_us);
		return;
	}
	if (s->pending_tail)
		s->pending_tail->next = j;
	else
		s->pending_head = j;
	s->pending_tail = j;
	s->pending_n++;
	dispatch_pending(s);
}

/* ---- workers ---- */

#define WORKERS_ENDPOINT "inproc://pathwaysd-workers"

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct server *s = w->s;
	void *sock = zmq_socket(s->zctx, ZMQ_DEALER);
	char id[16];
	int n = snprintf(id, sizeof(id), "%c%u", w->writer ? 'W' : 'w', w->index),
	    zero = 0;
	unsigned reader = w->writer ? SERVER_MAX_WORKERS + 1 : 1 + w->index;
	struct query_chunk *cache = NULL;
	struct job *j = NULL;

	if (!sock || zmq_setsockopt(sock, ZMQ_ROUTING_ID, id, (size_t)n) ||
	    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_connect(sock, WORKERS_ENDPOINT)) {
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
		run_job(s, j, reader, &cache);
		if (zmq_send(sock, &j, sizeof(j), 0) < 0)
			break;
	}
out:
	query_cache_free(&cache);
	zmq_close(sock);
	return NULL;
}

/* A worker answered: [identity, job pointer (NULL: ready)]. */
static void on_worker(struct server *s)
{
	char id[16];
	struct job *j = NULL;
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
		finish(s, s->front, j, j->received_us);
	}
	if (id[0] == 'W') {
		s->writer_busy = false;
		dispatch_writes(s);
		return;
	}
	if (s->idle_n < SERVER_MAX_WORKERS)
		s->idle[s->idle_n++] = w;
	dispatch_pending(s);
}

/* ---- signals and reload ---- */

static void on_sighup(struct server *s)
{
	struct config nc;
	char err[512];

	notify("RELOADING=1");
	if (config_reread(&s->cfg, s->cfg_path, &nc, err, sizeof(err))) {
		log_err("config: reload failed (%s); keeping the old settings",
			err);
	} else {
		/* what can change without a restart: the log level and the
		 * database; endpoints and workers need a restart */
		log_set_level(nc.log_level);
		free(s->cfg.conninfo);
		s->cfg.conninfo = nc.conninfo;
		nc.conninfo = NULL;
		s->cfg.log_level = nc.log_level;
		config_free(&nc);
		log_notice("config: reloaded");
	}
	if (s->access && access_reopen(s->access))
		log_err("access: cannot reopen the access log (%s)", strerror(errno));
	loader_request_reload(s->loader, s->cfg.conninfo);
	/* the writer thread may be mid-call: it picks the change up from the
	 * config on its next connect */
	notify("READY=1");
}

/* 1 when the loop should stop */
static int on_signal(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("server: %s: stopping",
				   si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			return 1;
		case SIGHUP:
			on_sighup(s);
			break;
		default:
			break;
		}
	}
	return 0;
}

static void update_status(struct server *s)
{
	struct loader_stats ls;
	graph_t *g = graph_slot_acquire(&s->slot, READER_FRONTEND);
	char msg[300];

	loader_get_stats(s->loader, &ls);
	if (g)
		snprintf(msg, sizeof(msg),
			 "STATUS=serving snapshot %" PRIu64 ": %u employees, %u roles; database %s",
			 g->version, g->emps_n, g->roles_n,
			 ls.connected ? "connected" : "unreachable");
	else
		snprintf(msg, sizeof(msg),
			 "STATUS=waiting for the first snapshot; database %s",
			 ls.connected ? "connected" : "unreachable");
	if (g && !s->ready_sent) {
		notify("READY=1");
		s->ready_sent = true;
	}
	graph_unref(&g);
	if (strcmp(msg, s->last_status) != 0) {
		notify(msg);
		snprintf(s->last_status, sizeof(s->last_status), "%s", msg);
	}
}

int server_run(server_t *s)
{
	int64_t stop_at = 0, last_tick = 0, last_request = 0;

	for (;;) {
		zmq_pollitem_t items[3] = {
			{ s->back, 0, ZMQ_POLLIN, 0 },
			{ NULL, s->sigfd, ZMQ_POLLIN, 0 },
			{ s->front, 0, ZMQ_POLLIN, 0 },
		};
		int n = zmq_poll(items, 3, 100);
		int64_t now = mono_us();

		if (n < 0 && errno != EINTR) {
			log_err("server: poll failed (%s)", zmq_strerror(errno));
			return -errno;
		}
		if (items[0].revents & ZMQ_POLLIN)
			on_worker(s);
		if ((items[1].revents & ZMQ_POLLIN) && on_signal(s) &&
		    !s->stopping) {
			/* The endpoints stay bound: zmq_unbind() also closes
			 * every connection accepted on them, and the replies
			 * still owed with them. Requests arriving from now on
			 * are answered UNAVAILABLE instead (on_request). */
			s->stopping = true;
			stop_at = now + (int64_t)s->cfg.shutdown_timeout_ms * 1000;
			last_request = now;
			notify("STOPPING=1");
		}
		/* a batch of requests per wake-up, then the workers again */
		for (int k = 0; k < 64 && (items[2].revents & ZMQ_POLLIN); k++) {
			int ev = 0;
			size_t el = sizeof(ev);

			on_request(s, s->front);
			last_request = now;
			if (zmq_getsockopt(s->front, ZMQ_EVENTS, &ev, &el) ||
			    !(ev & ZMQ_POLLIN))
				break;
		}
		if (now - last_tick > 1000000) {
			last_tick = now;
			notify("WATCHDOG=1");
			update_status(s);
		}
		/* Done when nothing runs and the frontend has been quiet for
		 * a moment: requests sent just before the signal may still
		 * be on their way through libzmq's I/O thread. */
		if (s->stopping && s->busy_n == 0 && s->pending_n == 0 &&
		    s->wq_n == 0 && now - last_request >= SERVER_STOP_QUIET_US) {
			int ev = 0;
			size_t el = sizeof(ev);

			if (zmq_getsockopt(s->front, ZMQ_EVENTS, &ev, &el) ||
			    !(ev & ZMQ_POLLIN))
				break;
		}
		if (s->stopping && now > stop_at) {
			log_warn("server: %u requests still running at the shutdown timeout",
				 s->busy_n + (unsigned)s->pending_n);
			break;
		}
	}
	log_notice("server: stopped");
	return 0;
}

/* ---- construction ---- */

static int set_int(void *sock, int opt, int v)
{
	return zmq_setsockopt(sock, opt, &v, sizeof(v));
}

int server_new(struct config *cfg, const char *cfg_path, server_t **out)
{
	struct server *s = calloc(1, sizeof(*s));
	struct loader_options lo = { 0 };
	sigset_t mask;
	int64_t maxmsg;
	int rc = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->sigfd = -1;
	pthread_mutex_init(&s->unread_lock, NULL);
	/* take over the caller's config: SIGHUP replaces parts of it */
	s->cfg = *cfg;
	config_init(cfg);
	if (cfg_path && !(s->cfg_path = strdup(cfg_path)))
		goto fail;
	s->started_us = mono_us();
	graph_slot_init(&s->slot);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0) {
		rc = -errno;
		log_err("server: signalfd failed (%s)", strerror(errno));
		goto fail;
	}

	s->zctx = zmq_ctx_new();
	if (!s->zctx)
		goto fail;
	s->front = zmq_socket(s->zctx, ZMQ_ROUTER);
	s->back = zmq_socket(s->zctx, ZMQ_ROUTER);
	if (!s->front || !s->back)
		goto fail;
	/* ZMQ_MAXMSGSIZE is 4 x max_request_bytes: a body in between gets
	 * RESOURCE_EXHAUSTED; only a larger frame drops the connection */
	maxmsg = (int64_t)s->cfg.max_request_bytes * 4;
	if (zmq_setsockopt(s->front, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) ||
	    set_int(s->front, ZMQ_LINGER, 0) ||
	    set_int(s->front, ZMQ_SNDHWM, 10000) ||
	    set_int(s->front, ZMQ_RCVHWM, 10000) ||
	    set_int(s->back, ZMQ_LINGER, 0) ||
	    set_int(s->back, ZMQ_SNDHWM, 0) || set_int(s->back, ZMQ_RCVHWM, 0)) {
		rc = -errno;
		log_err("server: socket options failed (%s)", zmq_strerror(errno));
		goto fail;
	}
	if (s->cfg.curve_secret_key_file) {
		char err[512];

		rc = security_new(s->cfg.curve_secret_key_file,
				  s->cfg.allowed_clients_dir, &s->sec, err,
				  sizeof(err));
		if (rc) {
			log_err("security: %s", err);
			goto fail;
		}
		/* the ZAP handler must be there before the ROUTER binds */
		rc = security_start(s->sec, s->zctx);
		if (!rc)
			rc = security_apply(s->sec, s->front);
		if (rc)
			goto fail;
		log_notice("security: CURVE on, %zu client keys allowed",
			   security_clients(s->sec));
	}
	if (s->cfg.access_log) {
		rc = access_open(s->cfg.access_log, &s->access);
		if (rc) {
			log_err("access: cannot open %s (%s)", s->cfg.access_log,
				strerror(-rc));
			goto fail;
		}
	}
	for (size_t i = 0; i < s->cfg.listen_n; i++) {
		if (strchr(s->cfg.listen[i], '['))
			set_int(s->front, ZMQ_IPV6, 1);
		if (zmq_bind(s->front, s->cfg.listen[i])) {
			rc = -errno;
			log_err("server: cannot listen on %s (%s)",
				s->cfg.listen[i], zmq_strerror(errno));
			goto fail;
		}
		log_notice("server: listening on %s", s->cfg.listen[i]);
	}
	if (s->sec) {
		char ep[256];
		size_t len = sizeof(ep);

		/* prove the handler works: an unknown key must not get in */
		if (zmq_getsockopt(s->front, ZMQ_LAST_ENDPOINT, ep, &len) == 0) {
			char *star = strstr(ep, "0.0.0.0");

			if (star && strlen(ep) + 3 < sizeof(ep)) {
				/* bound to every address: probe via loopback */
				memmove(star + 9, star + 7, strlen(star + 7) + 1);
				memcpy(star, "127.0.0.1", 9);
			}
			rc = security_probe(s->sec, s->zctx, ep);
			if (rc) {
				log_err("security: a client with an unknown key got through on %s: refusing to start",
					ep);
				goto fail;
			}
		}
	}
	if (zmq_bind(s->back, WORKERS_ENDPOINT)) {
		rc = -errno;
		goto fail;
	}
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
		if (rc) {
			rc = -rc;
			goto fail;
		}
		s->workers[i].started = true;
	}

	rc = writer_new(s->cfg.conninfo, &s->slot, SERVER_MAX_WORKERS + 1,
			&s->writer);
	if (rc)
		goto fail;
	s->writer_thread.s = s;
	s->writer_thread.writer = true;
	s->writer_busy = true;	/* until it says it is ready */
	rc = pthread_create(&s->writer_thread.thread, NULL, worker_main,
			    &s->writer_thread);
	if (rc) {
		rc = -rc;
		goto fail;
	}
	s->writer_thread.started = true;

	lo.conninfo = s->cfg.conninfo;
	lo.debounce_ms = s->cfg.reload_debounce_ms;
	lo.reconnect_max_ms = s->cfg.reconnect_max_ms;
	lo.snapshot_path = s->cfg.snapshot_path;
	rc = loader_new(&lo, &s->slot, &s->loader);
	if (rc)
		goto fail;
	rc = loader_start(s->loader);
	if (rc)
		goto fail;
	log_notice("server: %u workers; pathwaysd %s", s->workers_n,
		   PATHWAYS_VERSION);
	*out = s;
	return 0;
fail:
	server_destroy(&s);
	return rc;
}

void server_destroy(server_t **sp)
{
	struct server *s = *sp;
	struct job *j;

	if (!s)
		return;
	loader_destroy(&s->loader);
	/* stop the workers: a NULL job each, then join */
	for (unsigned i = 0; i < s->workers_n; i++) {
		if (!s->workers[i].started)
			continue;
		send_ptr(s->back, i, NULL);
	}
	if (s->writer_thread.started)
		send_ptr(s->back, WRITER_ID, NULL);
	for (unsigned i = 0; i < s->workers_n; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	if (s->writer_thread.started)
		pthread_join(s->writer_thread.thread, NULL);
	writer_destroy(&s->writer);
	while ((j = s->wq_head)) {
		s->wq_head = j->next;
		job_put(s, j);
	}
	/* jobs finished after the shutdown timeout are still queued here */
	for (;;) {
		char id[16];

		if (!s->back || zmq_recv(s->back, id, sizeof(id), ZMQ_DONTWAIT) < 0 ||
		    zmq_recv(s->back, &j, sizeof(j), ZMQ_DONTWAIT) != sizeof(j))
			break;
		if (j)
			job_put(s, j);
	}
	while ((j = s->pending_head)) {
		s->pending_head = j->next;
		job_put(s, j);
	}
	while ((j = s->free_jobs)) {
		s->free_jobs = j->next;
		free(j);
	}
	if (s->front) {
		/* the last replies may still be queued: let them go out */
		if (s->stopping &&
		    set_int(s->front, ZMQ_LINGER, SERVER_STOP_LINGER_MS))
			log_warn("server: cannot keep the last replies (%s)",
			         zmq_strerror(errno));
		zmq_close(s->front);
	}
	if (s->back)
		zmq_close(s->back);
	if (s->zctx)
		zmq_ctx_term(s->zctx);
	/* every reply libzmq held is released by now */
	pthread_mutex_destroy(&s->unread_lock);
	security_destroy(&s->sec);
	access_close(&s->access);
	query_cache_free(&s->front_cache);
	graph_slot_clear(&s->slot);
	if (s->sigfd >= 0)
		close(s->sigfd);
	config_free(&s->cfg);
	free(s->cfg_path);
	free(s);
	*sp = NULL;
}

/* ---- without sockets (fuzzing, tests) ---- */

static int copy_msg(zmq_msg_t *m, uint8_t **out, size_t *len)
{
	*len = zmq_msg_size(m);
	*out = malloc(*len ? *len : 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, zmq_msg_data(m), *len);
	return 0;
}

int server_process(graph_t *g, size_t max_request_bytes,
		   const void *const *frames, const size_t *lens, size_t n,
		   uint8_t **hdr, size_t *hlen, uint8_t **body, size_t *blen)
{
	struct server *s = calloc(1, sizeof(*s));
	struct job *j = NULL;
	zmq_msg_t hm;
	int rc = -ENOMEM;

	if (!s)
		return -ENOMEM;
	config_init(&s->cfg);
	pthread_mutex_init(&s->unread_lock, NULL);
	s->cfg.max_request_bytes = max_request_bytes;
	s->started_us = mono_us();
	graph_slot_init(&s->slot);
	if (g) {
		graph_ref(g);
		graph_slot_publish(&s->slot, g);
	}
	j = job_get(s);
	if (!j)
		goto out;
	j->received_us = mono_us();
	/* the identity a ROUTER would have added, then the client's frames */
	if (zmq_msg_init_size(&j->frames[0], 4))
		goto out;
	memcpy(zmq_msg_data(&j->frames[0]), "fuzz", 4);
	j->frames_n = 1;
	for (size_t i = 0; i < n; i++) {
		if (j->frames_n == JOB_MAX_FRAMES) {
			j->extra_frames++;
			continue;
		}
		if (zmq_msg_init_size(&j->frames[j->frames_n], lens[i]))
			goto out;
		if (lens[i])
			memcpy(zmq_msg_data(&j->frames[j->frames_n]), frames[i], lens[i]);
		j->frames_n++;
	}
	if (route(s, j) && permitted(s, j))
		run_job(s, j, READER_FRONTEND, NULL);
	if (pack_header(j, &hm))
		goto out;
	rc = copy_msg(&hm, hdr, hlen);
	zmq_msg_close(&hm);
	if (rc)
		goto out;
	if (j->has_body) {
		rc = copy_msg(&j->body, body, blen);
		if (rc) {
			free(*hdr);
			*hdr = NULL;
		}
	} else {
		*body = NULL;
		*blen = 0;
	}
out:
	if (j) {
		job_put(s, j);
		free(s->free_jobs);
	}
	graph_slot_clear(&s->slot);
	config_free(&s->cfg);
	pthread_mutex_destroy(&s->unread_lock);
	free(s);
	return rc;
}
