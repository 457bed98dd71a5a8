/* server: the ZeroMQ frontend, the workers, dispatch, deadlines.
 *
 * One ROUTER per listen endpoint, read by the thread that calls
 * server_run(). Cheap requests are answered by that thread itself (a
 * hand-off between cores costs more than they do); heavy ones go to worker
 * threads over inproc, as a pointer to the request's frames, and come back
 * the same way. Every message that reaches the daemon gets exactly one reply.
 *
 * The server owns the snapshot slot and the loader. */
#ifndef PATHWAYS_SERVER_H
#define PATHWAYS_SERVER_H

#include <stdint.h>

#include "config.h"
#include "graph.h"

typedef struct server server_t;

/* Builds the server: takes ownership of cfg's contents (*cfg is left
 * freshly initialized, on failure too); cfg_path is re-read on SIGHUP (NULL:
 * none). Binds the endpoints, starts the workers and the loader. 0, or
 * -errno with a log line saying why. Caller must destroy. */
int server_new(struct config *cfg, const char *cfg_path, server_t **out)
	__attribute__((warn_unused_result));

/* Serves until SIGTERM or SIGINT (which the caller must have blocked in
 * every thread: they arrive through a signalfd). Returns 0 after a clean
 * stop: requests in flight answered, STOPPING=1 sent. */
int server_run(server_t *s) __attribute__((warn_unused_result));

void server_destroy(server_t **s);

/* The whole request path without sockets, for fuzzing and tests: the
 * frames a client sent (after the ROUTER's identity: an optional empty
 * delimiter, then header and body), through envelope checks, decoding,
 * dispatch and encoding, against snapshot g (borrowed; NULL: none loaded).
 * Writes answer PERMISSION_DENIED or UNAVAILABLE (no database). On success
 * the reply frames are malloc'ed into *hdr and *body reply frames (*body NULL when empty): caller
 * frees. -ENOMEM otherwise. */
int server_process(graph_t *g, size_t max_request_bytes,
		   const void *const *frames, const size_t *lens, size_t n,
		   uint8_t **hdr, size_t *hlen, uint8_t **body, size_t *blen)
	__attribute__((warn_unused_result));

#endif
