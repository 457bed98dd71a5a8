/* server: one request — decoding, running, the reply, the access-log line
 * and the counters — and the whole path without sockets
 * (server_process). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lsn.h"
#include "server_private.h"

void server_job_init(struct server_job *j)
{
	j->next = NULL;
	j->frames_n = j->routing_n = j->extra_frames = 0;
	j->deadline_us = 0;
	j->m = NULL;
	j->request_id = 0;
	j->who[0] = '\0';
	access_ids_clear(&j->employees);
	j->trace_id[0] = '\0';
	j->code = QUERY_OK;
	j->message[0] = '\0';
	j->snapshot_version = 0;
	j->min_lsn = j->snapshot_lsn = 0;
	j->has_body = false;
	j->heavy = false;
	j->call = NULL;
}

struct server_job *server_job_get(struct server *s)
{
	struct server_job *j = s->free_jobs;

	if (j)
		s->free_jobs = j->next;
	else
		j = calloc(1, sizeof(*j));
	if (j)
		server_job_init(j);
	return j;
}

void server_job_put(struct server *s, struct server_job *j)
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

void server_job_fail(struct server_job *j, int code, const char *fmt, ...)
{
	va_list ap;

	j->code = code;
	va_start(ap, fmt);
	vsnprintf(j->message, sizeof(j->message), fmt, ap);
	va_end(ap);
	query_utf8_trim(j->message);
}

int server_job_pack_header(const struct server_job *j, zmq_msg_t *hm)
{
	Pathways__V1__ResponseHeader h = PATHWAYS__V1__RESPONSE_HEADER__INIT;
	char lsn[LSN_TEXT_MAX];

	h.snapshot_lsn = lsn_format(j->snapshot_lsn, lsn);
	h.request_id = j->request_id;
	h.code = j->code;
	h.message = (char *)(uintptr_t)j->message;
	h.snapshot_version = j->snapshot_version;
	if (zmq_msg_init_size(hm, pathways__v1__response_header__get_packed_size(&h)))
		return -ENOMEM;
	pathways__v1__response_header__pack(&h, zmq_msg_data(hm));
	return 0;
}

/* Sends j's reply on sock: the routing frames, the header, the body. */
static void send_reply(void *sock, struct server_job *j)
{
	zmq_msg_t hm;

	if (server_job_pack_header(j, &hm)) {
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

/* methods_note_fn: one more id in the job's access-log list */
static void note_id(void *arg, const char *id)
{
	struct server_job *j = arg;

	access_ids_add(&j->employees, id);
}

void server_job_run(struct server *s, struct server_job *j, unsigned reader,
		    struct query_chunk **cache)
{
	const struct methods_row *m = j->m;
	zmq_msg_t *body = &j->frames[j->routing_n + 1];
	ProtobufCMessage *req = NULL;
	ProtobufCMessage *resp = NULL;
	struct query_ctx ctx;
	graph_t *g = NULL;
	char status[256], lsn[LSN_TEXT_MAX], client[128];
	size_t cn;
	union {
		Pathways__V1__HealthResponse health;
		Pathways__V1__StatsResponse stats;
		max_align_t align;
		char space[1024];
	} local;
	ProtobufCAllocator arena;
	const char *bad;
	uint8_t *data;
	size_t len;

	query_ctx_init(&ctx, NULL, server_wall_us());
	query_ctx_use_cache(&ctx, cache);
	ctx.who = j->who[0] ? j->who : NULL;
	ctx.deadline_us = j->deadline_us;
	ctx.statements = j->call ? http_call_statements(j->call) : NULL;
	arena = query_pb_allocator(&ctx);
	/* before the deadline: a client that waited for a position is better
	 * told how far behind we are, and tries another daemon */
	if (!server_lsn_reached(s, j))
		goto out;
	if (j->deadline_us && server_mono_us() > j->deadline_us) {
		server_job_fail(j, QUERY_DEADLINE_EXCEEDED,
				"waited past its deadline; not computed");
		goto out;
	}
	/* named once: both the check and the reply count under it */
	cn = server_unread_client(s, j, client, sizeof(client));
	if (server_unread_over(s, j, client, cn, status, sizeof(status))) {
		server_job_fail(j, QUERY_RESOURCE_EXHAUSTED, "%s", status);
		goto out;
	}
	/* into the request's arena: no malloc per field, no free */
	req = protobuf_c_message_unpack(m->req, &arena, zmq_msg_size(body),
					zmq_msg_data(body));
	if (!req) {
		server_job_fail(j, QUERY_INVALID_ARGUMENT, "cannot decode %s",
				m->req->name);
		goto out;
	}
	bad = query_bad_string(req);
	if (bad) {
		server_job_fail(j, QUERY_INVALID_ARGUMENT,
				"a string in %s is not valid UTF-8", m->req->name);
		goto out;
	}
	if (s->access)
		m->employees(req, note_id, j);
	g = graph_slot_acquire(&s->slot, reader);
	if (g)
		j->snapshot_version = g->version;
	ctx.g = g;
	if (m->resp->sizeof_message > sizeof(local)) {
		server_job_fail(j, QUERY_INTERNAL, "response type too large");
		goto out;
	}
	resp = (ProtobufCMessage *)&local;
	m->resp->message_init(resp);
	if (m->kind == METHODS_HEALTH) {
		server_fill_health(s, g, &local.health, status, sizeof(status));
		local.health.snapshot_lsn = lsn_format(j->snapshot_lsn, lsn);
	} else if (m->kind == METHODS_STATS) {
		server_fill_stats(s, &ctx, &local.stats);
	} else if (m->kind == METHODS_WRITE) {
		if (!s->writer) {
			server_job_fail(j, QUERY_UNAVAILABLE,
					"no database for writes");
			goto out;
		}
		if (m->write(s->writer, &ctx, req, resp)) {
			server_job_fail(j, ctx.code ? ctx.code : QUERY_INTERNAL,
					"%s", ctx.message);
			goto out;
		}
	} else if (!g) {
		server_job_fail(j, QUERY_UNAVAILABLE, "no snapshot loaded yet");
		goto out;
	} else if (m->run(&ctx, req, resp)) {
		server_job_fail(j, ctx.code ? ctx.code : QUERY_INTERNAL, "%s",
				ctx.message);
		goto out;
	}
	if (ctx.oom) {
		server_job_fail(j, QUERY_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	len = protobuf_c_message_get_packed_size(resp);
	if (server_unread_reply(s, j, client, cn, len, &j->body, &data)) {
		server_job_fail(j, QUERY_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	protobuf_c_message_pack(resp, data);
	j->has_body = true;
	j->code = QUERY_OK;
out:
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

void server_job_finish(struct server *s, void *sock, struct server_job *j)
{
	uint64_t us = (uint64_t)(server_mono_us() - j->received_us);

	/* before the reply: a client that has its answer must be able to
	 * find the line (an accountability log that lags its replies misses
	 * the reads of whoever checks it right away) */
	if (s->access) {
		struct access_line l = {
			.client = j->who[0] ? j->who : "?",
			.method = j->m ? j->m->name : "?",
			.request_id = j->request_id,
			.trace_id = j->trace_id,
			.employees = &j->employees,
			.code = j->code,
			.us = us,
		};

		access_write(s->access, &l);
	}
	if (j->call)
		http_answer(s, j);
	else
		send_reply(sock, j);
	if (j->m) {
		metrics_record(&s->stats[methods_index(j->m)], us,
			       j->code != QUERY_OK);
		metrics_code(&s->stats[methods_index(j->m)], j->code);
	}
	server_job_put(s, j);
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
	struct server_job *j = NULL;
	struct config cfg;
	zmq_msg_t hm;
	int rc = -ENOMEM;

	if (!s)
		return -ENOMEM;
	config_init(&cfg);
	cfg.max_request_bytes = max_request_bytes;
	if (server_base_init(s, &cfg))
		goto out;
	if (g) {
		graph_ref(g);
		graph_slot_publish(&s->slot, g);
	}
	j = server_job_get(s);
	if (!j)
		goto out;
	j->received_us = server_mono_us();
	/* the identity a ROUTER would have added, then the client's frames */
	if (zmq_msg_init_size(&j->frames[0], 4))
		goto out;
	memcpy(zmq_msg_data(&j->frames[0]), "fuzz", 4);
	j->frames_n = 1;
	for (size_t i = 0; i < n; i++) {
		if (j->frames_n == SERVER_JOB_MAX_FRAMES) {
			j->extra_frames++;
			continue;
		}
		if (zmq_msg_init_size(&j->frames[j->frames_n], lens[i]))
			goto out;
		if (lens[i])
			memcpy(zmq_msg_data(&j->frames[j->frames_n]), frames[i], lens[i]);
		j->frames_n++;
	}
	if (server_route(s, j) && server_permitted(s, j))
		server_job_run(s, j, SERVER_READER_FRONTEND, NULL);
	if (server_job_pack_header(j, &hm))
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
		server_job_put(s, j);
		access_ids_free(&s->free_jobs->employees);
		free(s->free_jobs);
	}
	server_base_fini(s);
	free(s);
	return rc;
}
