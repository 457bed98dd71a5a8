/* A scripted pathwaysd stand-in for the client tests: a ZeroMQ ROUTER on an
 * ephemeral loopback port, served by a thread of the test.
 *
 * Each request's metadata says how to answer it (the client under test
 * sets it with pw_client_set_metadata()):
 *   delay=MS     sleep before answering (requests behind it wait too)
 *   code=N       answer with that status code, message=TEXT its message
 *   twice        answer twice
 *   wrong_id     first answer as if to request id + 1000
 *   garbage      first send malformed messages (bad header, four frames)
 *   bad_body     answer OK with a body that does not unpack
 *   id0          answer with request_id 0 (as to an undecodable header)
 *   hold=N       keep answers back until N requests are held, then answer
 *                them in reverse order
 *   echo=TEXT    put TEXT into HealthResponse.version
 * Otherwise a canned answer for the method (mock_server_can()), or an echo:
 * a HealthResponse with version = the method path, snapshot_version = the
 * request id, roles = deadline_ms, employees = the number of metadata
 * entries, modules = the size of the request body. The ResponseHeader's
 * snapshot_version is always MOCK_SNAPSHOT.
 */
#ifndef PATHWAYS_TEST_PW_MOCK_SERVER_H
#define PATHWAYS_TEST_PW_MOCK_SERVER_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "pathways/v1/pathways.pb-c.h"

#define MOCK_SNAPSHOT 7
#define MOCK_MAX_HELD 512
#define MOCK_MAX_CANNED 8

struct mock_canned {
	const char *method;		/* short name: "Readiness" */
	int32_t code;
	const char *message;
	const ProtobufCMessage *resp;	/* borrowed; NULL: empty body */
};

struct mock_server {
	void *ctx;
	void *sock;
	char endpoint[128];
	pthread_t thread;
	bool running;
	struct mock_canned canned[MOCK_MAX_CANNED];
	size_t ncanned;
	/* The last request, for assertions once its reply has arrived. */
	char last_method[128];
	uint8_t last_body[65536];
	size_t last_body_len;
	unsigned requests;
};

struct mock_held {
	zmq_msg_t peer;
	uint64_t id;
};

static inline void mock_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static inline void mock_send_frame(struct mock_server *s, const void *data,
				   size_t len, int more)
{
	zmq_send(s->sock, data, len, more ? ZMQ_SNDMORE : 0);
}

static inline void mock_send_peer(struct mock_server *s, zmq_msg_t *peer)
{
	mock_send_frame(s, zmq_msg_data(peer), zmq_msg_size(peer), 1);
}

static inline void mock_send_message(struct mock_server *s,
				     const ProtobufCMessage *m, int more)
{
	size_t len = m ? protobuf_c_message_get_packed_size(m) : 0;
	uint8_t *buf = malloc(len ? len : 1);

	if (m)
		protobuf_c_message_pack(m, buf);
	mock_send_frame(s, buf, len, more);
	free(buf);
}

static inline void mock_reply(struct mock_server *s, zmq_msg_t *peer,
			      uint64_t id, int32_t code, const char *message,
			      const ProtobufCMessage *body)
{
	Pathways__V1__ResponseHeader h = PATHWAYS__V1__RESPONSE_HEADER__INIT;

	h.request_id = id;
	h.code = code;
	h.message = (char *)(message ? message : "");
	h.snapshot_version = MOCK_SNAPSHOT;
	mock_send_peer(s, peer);
	mock_send_message(s, &h.base, 1);
	mock_send_message(s, code == 0 ? body : NULL, 0);
}

static inline const char *mock_meta(const Pathways__V1__RequestHeader *h,
				    const char *key)
{
	for (size_t i = 0; i < h->n_metadata; i++)
		if (strcmp(h->metadata[i]->key, key) == 0)
			return h->metadata[i]->value;
	return NULL;
}

static inline const struct mock_canned *
mock_find_canned(struct mock_server *s, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;

	for (size_t i = 0; i < s->ncanned; i++)
		if (strcmp(s->canned[i].method, name) == 0)
			return &s->canned[i];
	return NULL;
}

/* The normal answer to a request. */
static inline void mock_answer(struct mock_server *s, zmq_msg_t *peer,
			       const Pathways__V1__RequestHeader *h,
			       size_t body_len)
{
	Pathways__V1__HealthResponse echo = PATHWAYS__V1__HEALTH_RESPONSE__INIT;
	const struct mock_canned *canned = mock_find_canned(s, h->method);
	const char *code = mock_meta(h, "code");
	const char *text = mock_meta(h, "echo");

	if (code) {
		mock_reply(s, peer, h->request_id, atoi(code),
			   mock_meta(h, "message"), NULL);
		return;
	}
	if (canned) {
		mock_reply(s, peer, h->request_id, canned->code,
			   canned->message, canned->resp);
		return;
	}
	echo.version = text ? (char *)text : h->method;
	echo.snapshot_version = h->request_id;
	echo.roles = h->deadline_ms;
	echo.employees = (uint32_t)h->n_metadata;
	echo.modules = (uint32_t)body_len;
	mock_reply(s, peer, h->request_id, 0, NULL, &echo.base);
}

static inline void mock_handle(struct mock_server *s, zmq_msg_t *parts,
			       struct mock_held *held, size_t *nheld)
{
	Pathways__V1__RequestHeader *h;
	const char *v;

	h = pathways__v1__request_header__unpack(NULL, zmq_msg_size(&parts[1]),
						 zmq_msg_data(&parts[1]));
	if (!h) {
		mock_reply(s, &parts[0], 0, 3, "bad header", NULL);
		return;
	}
	snprintf(s->last_method, sizeof(s->last_method), "%s", h->method);
	s->last_body_len = zmq_msg_size(&parts[2]);
	if (s->last_body_len > sizeof(s->last_body))
		s->last_body_len = sizeof(s->last_body);
	memcpy(s->last_body, zmq_msg_data(&parts[2]), s->last_body_len);
	s->requests++;

	v = mock_meta(h, "delay");
	if (v)
		mock_sleep_ms(atol(v));
	if (mock_meta(h, "garbage")) {
		mock_send_peer(s, &parts[0]);
		mock_send_frame(s, "\xff\xff\xff", 3, 1);
		mock_send_frame(s, "", 0, 0);
		mock_send_peer(s, &parts[0]);
		mock_send_frame(s, "a", 1, 1);
		mock_send_frame(s, "b", 1, 1);
		mock_send_frame(s, "c", 1, 1);
		mock_send_frame(s, "d", 1, 0);
	}
	if (mock_meta(h, "wrong_id")) {
		uint64_t id = h->request_id;

		h->request_id = id + 1000;
		mock_answer(s, &parts[0], h, zmq_msg_size(&parts[2]));
		h->request_id = id;
	}
	if (mock_meta(h, "id0")) {
		mock_reply(s, &parts[0], 0, 3, "bad header", NULL);
		goto out;
	}
	if (mock_meta(h, "bad_body")) {
		Pathways__V1__ResponseHeader rh =
			PATHWAYS__V1__RESPONSE_HEADER__INIT;

		rh.request_id = h->request_id;
		mock_send_peer(s, &parts[0]);
		mock_send_message(s, &rh.base, 1);
		mock_send_frame(s, "\x0a\x05" "ab", 4, 0);
		goto out;
	}
	v = mock_meta(h, "hold");
	if (v) {
		size_t want = (size_t)atol(v);

		zmq_msg_init(&held[*nheld].peer);
		zmq_msg_copy(&held[*nheld].peer, &parts[0]);
		held[*nheld].id = h->request_id;
		(*nheld)++;
		if (*nheld < want && *nheld < MOCK_MAX_HELD)
			goto out;
		while (*nheld > 0) {
			struct mock_held *x = &held[--(*nheld)];

			h->request_id = x->id;
			mock_answer(s, &x->peer, h, zmq_msg_size(&parts[2]));
			zmq_msg_close(&x->peer);
		}
		goto out;
	}
	mock_answer(s, &parts[0], h, zmq_msg_size(&parts[2]));
	if (mock_meta(h, "twice"))
		mock_answer(s, &parts[0], h, zmq_msg_size(&parts[2]));
out:
	pathways__v1__request_header__free_unpacked(h, NULL);
}

static inline void *mock_server_run(void *arg)
{
	struct mock_server *s = arg;
	struct mock_held held[MOCK_MAX_HELD];
	size_t nheld = 0;

	for (;;) {
		zmq_msg_t parts[3], extra;
		int n = 0, more = 1;
		bool dead = false;

		while (more) {
			zmq_msg_t *m = n < 3 ? &parts[n] : &extra;

			zmq_msg_init(m);
			if (zmq_msg_recv(m, s->sock, 0) < 0) {
				zmq_msg_close(m);
				if (errno == EINTR)
					continue;
				dead = true;
				break;
			}
			more = zmq_msg_more(m);
			if (n >= 3)
				zmq_msg_close(m);
			n++;
		}
		if (!dead && n == 3)
			mock_handle(s, parts, held, &nheld);
		for (int i = 0; i < n && i < 3; i++)
			zmq_msg_close(&parts[i]);
		if (dead)
			break;
	}
	while (nheld > 0)
		zmq_msg_close(&held[--nheld].peer);
	zmq_close(s->sock);
	return NULL;
}

/* Bind (with curve_secret: a CURVE server with that Z85 secret key) and
 * start serving. Returns 0 or -1. */
static inline int mock_server_start(struct mock_server *s,
				    const char *curve_secret)
{
	int zero = 0, one = 1;
	size_t len = sizeof(s->endpoint);

	s->ctx = zmq_ctx_new();
	s->sock = zmq_socket(s->ctx, ZMQ_ROUTER);
	if (!s->sock)
		return -1;
	zmq_setsockopt(s->sock, ZMQ_LINGER, &zero, sizeof(zero));
	if (curve_secret &&
	    (zmq_setsockopt(s->sock, ZMQ_CURVE_SERVER, &one, sizeof(one)) ||
	     zmq_setsockopt(s->sock, ZMQ_CURVE_SECRETKEY, curve_secret, 40)))
		return -1;
	if (zmq_bind(s->sock, "tcp://127.0.0.1:*") != 0 ||
	    zmq_getsockopt(s->sock, ZMQ_LAST_ENDPOINT, s->endpoint, &len) != 0)
		return -1;
	if (pthread_create(&s->thread, NULL, mock_server_run, s) != 0)
		return -1;
	s->running = true;
	return 0;
}

/* Answer method (short name) with code, message and resp from now on.
 * Call before the requests it is for. */
static inline void mock_server_can(struct mock_server *s, const char *method,
				   int32_t code, const char *message,
				   const ProtobufCMessage *resp)
{
	if (s->ncanned < MOCK_MAX_CANNED)
		s->canned[s->ncanned++] = (struct mock_canned){
			method, code, message, resp
		};
}

static inline void mock_server_stop(struct mock_server *s)
{
	if (s->ctx) {
		/* Makes the thread's blocking receive fail with ETERM. */
		zmq_ctx_shutdown(s->ctx);
		if (s->running)
			pthread_join(s->thread, NULL);
		else if (s->sock)
			zmq_close(s->sock);
		zmq_ctx_term(s->ctx);
	}
	memset(s, 0, sizeof(*s));
}

#endif /* PATHWAYS_TEST_PW_MOCK_SERVER_H */
