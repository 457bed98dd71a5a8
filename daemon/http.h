/* http: the HTTP side door ([http] listen), on libmicrohttpd.
 *
 *   GET  /healthz           200 while the process runs
 *   GET  /readyz            200 when serving; 503 {"code","message"} with
 *                           the reason otherwise
 *   GET  /metrics           Prometheus text exposition (http_metrics.c)
 *   POST /v1/{Method}       proto3 JSON in and out (http_gateway.c)
 *   POST /xapi/statements   xAPI completions (http_xapi.c)
 *
 * One thread of its own runs libmicrohttpd's event loop for every
 * connection. A JSON call becomes a job exactly like a request off the
 * ROUTER (header + body frames) and goes through the frontend's path:
 * routing, caps, permission, deadline, the workers or the writer, the
 * access-log line and the metrics; the connection is suspended meanwhile
 * and resumed by http_answer(). So the two doors cannot disagree.
 *
 * Bearer tokens ([http] tokens_dir, cert.h's token files) name the client
 * and its methods as CURVE certificates do; without tokens the door is
 * open (loopback, or allow_insecure) and writes follow [server]
 * allow_writes. The http*.c files are part of the server (they use
 * server_private.h); the server knows the door only through this header. */
#ifndef PATHWAYS_HTTP_H
#define PATHWAYS_HTTP_H

#include <stdbool.h>

#include "config.h"

typedef struct http http_t;
struct http_call;
struct writer_statements;
struct server;
struct server_job;

/* Opens the door on s->cfg.http_listen (TLS when the files are set),
 * reads the tokens and starts its thread. 0, or -errno with a log line
 * saying why. Caller must destroy. */
int http_new(struct server *s, http_t **out)
	__attribute__((warn_unused_result));

/* Closes the door: the calls still waiting are answered (UNAVAILABLE when
 * the frontend has gone), then the thread stops. Call after server_run()
 * has returned, or before it ever ran. *h set to NULL. */
void http_destroy(http_t **h);

/* SIGHUP (frontend thread): re-read the tokens and the TLS files named by
 * cfg (borrowed; copied). Applied by the door's thread; on an error the
 * old ones stay and a log line says why. */
void http_reload(http_t *h, const struct config *cfg);

/* Whether the door's thread has gone round its loop lately (watchdog). */
bool http_is_alive(http_t *h);

/* Frontend: may the door's job j call j->m? false: j carries
 * PERMISSION_DENIED. */
bool http_permitted(struct server *s, struct server_job *j);

/* Frontend (or http_destroy): the door's job j is answered; its code,
 * message, snapshot version and body go to the waiting connection. j
 * itself stays the caller's. */
void http_answer(struct server *s, struct server_job *j);
/* The xAPI statements a call's RecordCompletions carries (writer.h), for
 * the writer; NULL: none (any other call). */
struct writer_statements *http_call_statements(struct http_call *call);

#endif
