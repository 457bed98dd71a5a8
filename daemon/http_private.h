/* http_private: what the HTTP door's files share (http.c: the daemon, its
 * thread, TLS reloads, the routes, the probes and replies; http_token.c:
 * bearer tokens; http_gateway.c: the JSON calls and their jobs;
 * http_metrics.c: /metrics; http_xapi.c: xAPI statements).
 * Everything runs on the door's thread unless its comment says otherwise. */
#ifndef PATHWAYS_HTTP_PRIVATE_H
#define PATHWAYS_HTTP_PRIVATE_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "http.h"
#include "server_private.h"

/* how long http_destroy() lets the last replies go out */
#define HTTP_STOP_LINGER_MS 2000
/* the door's thread goes round its loop at least this often */
#define HTTP_LOOP_MS 200
/* no round for this long: the watchdog stops being fed */
#define HTTP_ALIVE_US 10000000
/* daemons kept after a TLS reload until their connections are done */
#define HTTP_OLD_MAX 4

struct http_token {
	char name[256];
	char methods[CERT_METHODS_MAX];
	char sha256[CERT_SHA256_HEX + 1];
};

enum http_route {
	HTTP_ROUTE_GATEWAY,		/* POST /v1/{Method} */
	HTTP_ROUTE_XAPI,		/* POST /xapi/statements */
};

enum http_state {
	HTTP_CALL_READING,		/* the body arrives */
	HTTP_CALL_WAITING,		/* suspended: its job is with the server */
	HTTP_CALL_ANSWERED,		/* resumed: the reply is in the call */
	HTTP_CALL_REPLIED,		/* a response is queued */
};

/* One HTTP request with a body, from its headers to its response. */
struct http_call {
	struct http *h;
	struct MHD_Connection *conn;
	struct http_call *prev, *next;	/* h->waiting, while WAITING */
	enum http_route route;
	enum http_state state;
	const struct methods_row *m;	/* the gateway's method */
	char *body;
	size_t len, cap;
	bool too_large;			/* over max_request_bytes: dropped */
	size_t dropped;			/* bytes dropped */
	bool has_token;			/* a bearer token named the client */
	char methods[CERT_METHODS_MAX];	/* its methods ("": read methods) */
	char who[64];
	char request_id[128];		/* X-Request-Id, echoed; "" none */
	uint32_t deadline_ms;		/* X-Deadline-Ms; 0 none */
	/* the reply, written by http_answer() */
	int code;
	char message[512];
	uint64_t snapshot_version;
	uint64_t snapshot_lsn;		/* the snapshot's WAL position; 0 none */
	zmq_msg_t resp;
	bool has_resp;
	void *xapi;			/* http_xapi.c's state of the call */
};

/* One libmicrohttpd daemon and the PEM texts it was started with (kept
 * while it lives). */
struct http_gen {
	struct MHD_Daemon *d;
	char *cert_pem, *key_pem;	/* NULL: plain HTTP */
};

struct http {
	struct server *s;
	struct MHD_Daemon *d;		/* accepting: gen.d */
	struct http_gen gen;
	/* after a TLS reload, the daemons that no longer accept but still
	 * serve their connections (the door's thread only) */
	struct http_gen old[HTTP_OLD_MAX];
	size_t old_n;
	unsigned flags;			/* MHD_start_daemon's */
	int wake_fd;			/* eventfd: a call was answered */
	pthread_t thread;
	bool started;
	atomic_bool stop;		/* the thread's loop ends */
	atomic_bool closing;		/* new calls get 503 */
	_Atomic int_fast64_t beat_us;	/* the loop's last round */
	size_t max_request_bytes;
	/* the tokens (the door's thread only); tokens_on: a tokens_dir is
	 * set, and every call needs a token */
	struct http_token *tokens;
	size_t tokens_n;
	bool tokens_on;
	char *mbox_attribute;		/* [http] xapi_mbox_attribute */
	/* SIGHUP: what http_reload() asks the thread to apply */
	pthread_mutex_t lock;		/* guards reload_*, waiting */
	bool reload_wanted;
	char *reload_tokens_dir;
	char *reload_cert_file, *reload_key_file;
	struct http_call *waiting;	/* calls whose job is with the server */
	size_t active;			/* calls not yet completed */
	/* counters for /metrics (any thread) */
	atomic_uint_fast64_t responses[6];	/* by status class, 1xx..5xx */
	atomic_uint_fast64_t xapi_used, xapi_ignored, xapi_repeated;
};

/* ---- http.c ---- */

/* Queues a response of status with body (len bytes, copied) and the
 * content type; the call's X-Request-Id echoed and, when nonzero, the
 * snapshot version in X-Pathways-Snapshot. */
enum MHD_Result http_reply(struct http *h, struct MHD_Connection *c,
			   struct http_call *call, unsigned status,
			   const char *type, const char *body, size_t len);
/* The error body {"code": code, "message": ...} with status. */
enum MHD_Result http_reply_error(struct http *h, struct MHD_Connection *c,
				 struct http_call *call, unsigned status,
				 int code, const char *message);
/* grpc-gateway's HTTP status for a gRPC code. */
unsigned http_status_of(int code);

/* ---- http_token.c ---- */

/* Reads every NAME.token in dir into a new array (*out, *n). 0, or -errno
 * with a log line naming the file at fault. */
int http_tokens_read(const char *dir, struct http_token **out, size_t *n)
	__attribute__((warn_unused_result));
/* Wipes and frees an array of tokens; *v NULL, *n 0. */
void http_tokens_free(struct http_token **v, size_t *n);
/* Names the caller of call (token:NAME, else http:ADDRESS) from its
 * Authorization header. false: a 401 is queued and *ret says how. */
bool http_authenticate(struct http *h, struct MHD_Connection *c,
		       struct http_call *call, enum MHD_Result *ret);
/* May the call's client (its token, or none) call m? */
bool http_token_allows(const struct http_call *call,
		       const struct methods_row *m);

/* ---- http_gateway.c ---- */

/* The call's body is in: build its job (method m, request body of len
 * bytes, malloc'ed, taken over) and hand it to the frontend. 0, or
 * -ENOMEM (the call is then untouched). */
int http_gateway_submit(struct http *h, struct http_call *call,
			const struct methods_row *m, uint8_t *body,
			size_t len) __attribute__((warn_unused_result));
/* /v1/{Method}: the body is in; decode it and submit. */
enum MHD_Result http_gateway_start(struct http *h, struct http_call *call);
/* /v1/{Method}: the answer is in; reply with it. */
enum MHD_Result http_gateway_reply(struct http *h, struct http_call *call);

/* ---- http_metrics.c ---- */

/* The Prometheus text exposition of s and h, malloc'ed into *out. 0 or
 * -ENOMEM. */
int http_metrics_text(struct server *s, struct http *h, char **out,
		      size_t *len) __attribute__((warn_unused_result));

/* ---- http_xapi.c ---- */

/* /xapi/statements: the body is in; check it and submit. */
enum MHD_Result http_xapi_start(struct http *h, struct http_call *call);
/* /xapi/statements: the RecordCompletions answer is in; reply. */
enum MHD_Result http_xapi_reply(struct http *h, struct http_call *call);
/* Frees what the xAPI part of call holds. */
void http_xapi_free(struct http_call *call);
/* An xAPI timestamp (ISO 8601 with a zone) in unix ms. 0 or -EINVAL. */
int http_xapi_time(const char *s, int64_t *out)
	__attribute__((warn_unused_result));

#endif
