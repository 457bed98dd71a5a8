/* server: the frontend — reading a request off the ROUTER, checking its
 * envelope and its client, and answering it here or queueing it for the
 * workers or the writer. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server_private.h"

/* Reads one whole multipart message from sock into *out: 0, -EAGAIN when
 * none is waiting, or -ENOMEM (the message was drained and dropped). */
static int read_request(struct server *s, void *sock, struct server_job **out)
{
	struct server_job *j = server_job_get(s);
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
		return -ENOMEM;
	}
	j->received_us = server_mono_us();
	while (more) {
		size_t ml = sizeof(more);
		zmq_msg_t tmp, *m = j->frames_n < SERVER_JOB_MAX_FRAMES
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
	if (j->frames_n == 0) {
		server_job_put(s, j);
		return -EAGAIN;
	}
	*out = j;
	return 0;
}

/* The caller's trace_id (header metadata) for the access log, cut at a
 * character boundary to what a job keeps. */
static void take_trace_id(struct server_job *j,
			    const Pathways__V1__RequestHeader *h)
{
	for (size_t i = 0; i < h->n_metadata; i++)
		if (strcmp(h->metadata[i]->key, "trace_id") == 0) {
			snprintf(j->trace_id, sizeof(j->trace_id), "%s",
				 h->metadata[i]->value);
			query_utf8_trim(j->trace_id);
		}
}

/* The RequestHeader is unpacked into this much of the stack, and malloc
 * beyond: a header is a method name and a few metadata pairs, and a
 * malloc and a free per field were a few per cent of a small request. */
#define SERVER_HEADER_STACK 1024

struct header_arena {
	size_t used;
	max_align_t buf[SERVER_HEADER_STACK / sizeof(max_align_t)];
};

static void *header_alloc(void *data, size_t size)
{
	struct header_arena *a = data;
	size_t n = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) *
		   sizeof(max_align_t);
	void *p;

	if (n < size || n > sizeof(a->buf) - a->used)
		return malloc(size);
	p = (char *)a->buf + a->used;
	a->used += n;
	return p;
}

static void header_free(void *data, void *p)
{
	struct header_arena *a = data;
	uintptr_t at = (uintptr_t)p, lo = (uintptr_t)a->buf;

	if (at < lo || at >= lo + sizeof(a->buf))
		free(p);
}

/* Checks a job's envelope and header. false: j carries an error reply. */
bool server_route(struct server *s, struct server_job *j)
{
	Pathways__V1__RequestHeader *h;
	struct header_arena arena;
	ProtobufCAllocator alloc = { header_alloc, header_free, &arena };
	size_t payload, hlen, blen;
	zmq_msg_t *hm;

	if (j->frames_n == 0)
		return false;
	j->routing_n = 1;	/* the ROUTER's identity frame */
	if (j->frames_n > 1 && zmq_msg_size(&j->frames[1]) == 0)
		j->routing_n = 2;	/* a REQ client's delimiter */
	payload = j->frames_n - j->routing_n + j->extra_frames;
	if (payload != 2) {
		server_job_fail(j, QUERY_INVALID_ARGUMENT,
			 "expected 2 frames (RequestHeader, request), got %zu",
			 payload);
		return false;
	}
	hm = &j->frames[j->routing_n];
	hlen = zmq_msg_size(hm);
	blen = zmq_msg_size(&j->frames[j->routing_n + 1]);
	if (hlen > s->cfg.max_request_bytes) {
		server_job_fail(j, QUERY_RESOURCE_EXHAUSTED,
			 "header of %zu bytes is over max_request_bytes (%zu)",
			 hlen, s->cfg.max_request_bytes);
		return false;
	}
	arena.used = 0;
	h = pathways__v1__request_header__unpack(&alloc, hlen, zmq_msg_data(hm));
	if (!h) {
		server_job_fail(j, QUERY_INVALID_ARGUMENT, "cannot decode RequestHeader");
		return false;
	}
	j->request_id = h->request_id;
	if (query_bad_string(&h->base)) {
		server_job_fail(j, QUERY_INVALID_ARGUMENT,
			 "a string in RequestHeader is not valid UTF-8");
		goto fail;
	}
	take_trace_id(j, h);
	if (strncmp(h->method, METHODS_PREFIX, strlen(METHODS_PREFIX)) == 0)
		j->m = methods_find(h->method + strlen(METHODS_PREFIX));
	if (!j->m) {
		server_job_fail(j, QUERY_UNIMPLEMENTED, "unknown method \"%.100s%s\"",
			 h->method, strlen(h->method) > 100 ? "..." : "");
		goto fail;
	}
	if (hlen + blen > s->cfg.max_request_bytes) {
		server_job_fail(j, QUERY_RESOURCE_EXHAUSTED,
			 "request of %zu bytes is over max_request_bytes (%zu)",
			 hlen + blen, s->cfg.max_request_bytes);
		goto fail;
	}
	if (h->deadline_ms)
		j->deadline_us = j->received_us + (int64_t)h->deadline_ms * 1000;
	if (!server_lsn_parse(j, h))
		goto fail;
	pathways__v1__request_header__free_unpacked(h, &alloc);
	return true;
fail:
	pathways__v1__request_header__free_unpacked(h, &alloc);
	return false;
}

void server_dispatch_pending(struct server *s)
{
	struct server_job *j;

	while (s->idle_n && (j = server_fair_next(s))) {
		unsigned w = s->idle[--s->idle_n];

		if (server_send_ptr(s->back, w, j)) {
			log_err("server: cannot hand a request to worker %u", w);
			server_job_fail(j, QUERY_INTERNAL, "cannot reach a worker");
			server_fair_done(s, j);
			server_job_finish(s, s->front, j);
			continue;
		}
		s->busy_n++;
	}
}

/* Writes run one at a time on the writer thread, in arrival order. */
void server_dispatch_writes(struct server *s)
{
	struct server_job *j = s->wq_head;

	if (s->writer_busy || !j)
		return;
	s->wq_head = j->next;
	if (!s->wq_head)
		s->wq_tail = NULL;
	s->wq_n--;
	j->next = NULL;
	if (server_send_ptr(s->back, SERVER_WRITER_ID, j)) {
		server_job_fail(j, QUERY_INTERNAL, "cannot reach the writer");
		server_job_finish(s, s->front, j);
		return;
	}
	s->writer_busy = true;
	s->busy_n++;
}

static void queue_write(struct server *s, struct server_job *j)
{
	if (s->wq_n >= SERVER_PENDING_MAX) {
		server_job_fail(j, QUERY_RESOURCE_EXHAUSTED,
			 "server overloaded: %zu writes queued", s->wq_n);
		server_job_finish(s, s->front, j);
		return;
	}
	if (s->wq_tail)
		s->wq_tail->next = j;
	else
		s->wq_head = j;
	s->wq_tail = j;
	s->wq_n++;
	server_dispatch_writes(s);
}

/* Who is asking (the CURVE key's fingerprint, else the peer address), and
 * may they? false: j carries PERMISSION_DENIED. */
bool server_permitted(struct server *s, struct server_job *j)
{
	zmq_msg_t *last = &j->frames[j->frames_n - 1];
	const char *uid;

	if (j->call)
		return http_permitted(s, j);
	uid = s->sec ? zmq_msg_gets(last, "User-Id") : NULL;
	/* naming the client costs a metadata lookup and a format: only
	 * for those who read it (access log, writes, CURVE) */
	if (s->access || s->sec || j->m->kind == METHODS_WRITE) {
		const char *peer = zmq_msg_gets(last, "Peer-Address");

		if (uid && uid[0])
			snprintf(j->who, sizeof(j->who), "key:%.12s", uid);
		else
			snprintf(j->who, sizeof(j->who), "%s", peer ? peer : "local");
	}
	if (!s->sec) {
		if (j->m->kind == METHODS_WRITE && !s->cfg.allow_writes) {
			server_job_fail(j, QUERY_PERMISSION_DENIED,
				 "writes are off: set [server] allow_writes = true");
			return false;
		}
		return true;
	}
	/* Health says nothing about anyone: every known key may ask it */
	if (j->m->kind == METHODS_HEALTH ||
	    security_allows(s->sec, uid, j->m->name, j->m->kind == METHODS_WRITE))
		return true;
	server_job_fail(j, QUERY_PERMISSION_DENIED,
		 "this client key may not call %s", j->m->name);
	return false;
}

/* A request read (off sock, or from the HTTP door): route it, check its
 * client, and answer it here or queue it. */
static void take(struct server *s, void *sock, struct server_job *j)
{
	if (!server_route(s, j) || s->stopping) {
		if (s->stopping && j->code == QUERY_OK)
			server_job_fail(j, QUERY_UNAVAILABLE, "server is shutting down");
		server_job_finish(s, sock, j);
		return;
	}
	if (!server_permitted(s, j)) {
		server_job_finish(s, sock, j);
		return;
	}
	if (j->m->kind == METHODS_WRITE) {
		queue_write(s, j);
		return;
	}
	if (server_lsn_park(s, j))
		return;
	server_dispatch_read(s, sock, j);
}

void server_dispatch_read(struct server *s, void *sock, struct server_job *j)
{
	/* inline_max 0: always a worker, even for an empty body (a Pipeline
	 * over everything with every field at its default is one) */
	if ((j->m->inline_max &&
	     zmq_msg_size(&j->frames[j->routing_n + 1]) <= j->m->inline_max) ||
	    s->workers_n == 0) {
		server_job_run(s, j, SERVER_READER_FRONTEND, &s->front_cache);
		server_job_finish(s, sock, j);
		return;
	}
	if (s->pending_n >= SERVER_PENDING_MAX) {
		server_job_fail(j, QUERY_RESOURCE_EXHAUSTED,
			 "server overloaded: %zu requests queued", s->pending_n);
		server_job_finish(s, sock, j);
		return;
	}
	server_fair_queue(s, j);
	server_dispatch_pending(s);
}

int server_on_request(struct server *s, void *sock)
{
	struct server_job *j;
	int rc = read_request(s, sock, &j);

	if (rc == 0)
		take(s, sock, j);
	return rc == -EAGAIN ? rc : 0;
}

void server_call_submit(struct server *s, struct server_job *j)
{
	uint64_t one = 1;

	j->next = NULL;
	pthread_mutex_lock(&s->calls_lock);
	if (s->calls_tail)
		s->calls_tail->next = j;
	else
		s->calls_head = j;
	s->calls_tail = j;
	pthread_mutex_unlock(&s->calls_lock);
	/* a full counter (2^64 - 2) still wakes the poll: nothing to do */
	if (write(s->call_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("server: cannot wake the frontend (%s)", strerror(errno));
}

static struct server_job *calls_take_all(struct server *s)
{
	struct server_job *j;

	pthread_mutex_lock(&s->calls_lock);
	j = s->calls_head;
	s->calls_head = s->calls_tail = NULL;
	pthread_mutex_unlock(&s->calls_lock);
	return j;
}

void server_on_calls(struct server *s)
{
	uint64_t n;
	struct server_job *j, *next;

	if (read(s->call_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_err("server: eventfd read failed (%s)", strerror(errno));
	for (j = calls_take_all(s); j; j = next) {
		next = j->next;
		j->next = NULL;
		take(s, s->front, j);
	}
}

void server_calls_cancel(struct server *s)
{
	struct server_job *j, *next;

	for (j = calls_take_all(s); j; j = next) {
		next = j->next;
		server_job_fail(j, QUERY_UNAVAILABLE, "server is shutting down");
		http_answer(s, j);
		server_job_put(s, j);
	}
}
