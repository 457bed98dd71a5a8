/* libpathways: the C client of pathwaysd.
 *
 * A request is two ZeroMQ frames, a RequestHeader and the packed
 * <Method>Request; the reply is a ResponseHeader and the packed
 * <Method>Response (empty unless the code is OK). docs/protocol.md gives the
 * framing, request ids, deadlines and CURVE; docs/methods.md the methods.
 *
 * One pw_client_t owns one DEALER socket connected to every endpoint it was
 * given; ZeroMQ spreads requests across the connected daemons. Replies are
 * matched to requests by request_id, so a reply that arrives after its
 * request timed out is discarded instead of answering a later request.
 *
 * A pw_client_t is not thread-safe (neither is a ZeroMQ socket): use one per
 * thread, or serialize calls.
 *
 * Functions that can fail return 0 or a negative errno value; out-parameters
 * are written only on success.
 *
 * Build against the installed library with
 *	cc prog.c $(pkg-config --cflags --libs pathways)
 * The shared library exports the pw_* functions below and the generated
 * protobuf-c code of pathways.proto (pathways__v1__*), nothing else.
 */
#ifndef PATHWAYS_LIBPATHWAYS_H
#define PATHWAYS_LIBPATHWAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "pathways/v1/pathways.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; pw_version() gives the library's. The build
 * checks that these match the project's version. */
#define PW_VERSION_MAJOR 0
#define PW_VERSION_MINOR 1
#define PW_VERSION_PATCH 0
#define PW_VERSION "0.1.0"

#define PW_MUST_CHECK __attribute__((warn_unused_result))

/* The service prefix of every method path: "/pathways.v1.Pathways/Health". */
#define PW_METHOD_PREFIX "/pathways.v1.Pathways/"

/* ResponseHeader.code: gRPC status numbers. */
enum pw_code {
	PW_CODE_OK = 0,
	PW_CODE_CANCELLED = 1,
	PW_CODE_UNKNOWN = 2,
	PW_CODE_INVALID_ARGUMENT = 3,
	PW_CODE_DEADLINE_EXCEEDED = 4,
	PW_CODE_NOT_FOUND = 5,
	PW_CODE_ALREADY_EXISTS = 6,
	PW_CODE_PERMISSION_DENIED = 7,
	PW_CODE_RESOURCE_EXHAUSTED = 8,
	PW_CODE_FAILED_PRECONDITION = 9,
	PW_CODE_ABORTED = 10,
	PW_CODE_OUT_OF_RANGE = 11,
	PW_CODE_UNIMPLEMENTED = 12,
	PW_CODE_INTERNAL = 13,
	PW_CODE_UNAVAILABLE = 14,
	PW_CODE_DATA_LOSS = 15,
	PW_CODE_UNAUTHENTICATED = 16,
};

typedef struct pw_client pw_client_t;

/* A reply. Everything in it is owned by it; release with pw_reply_clear().
 * request_id is 0 when the daemon could not tell which request it answers
 * (it could not decode the request header). */
struct pw_reply {
	uint64_t request_id;
	int32_t code;			/* enum pw_code */
	char *message;			/* never NULL; "" if none was sent */
	uint64_t snapshot_version;
	ProtobufCMessage *response;	/* NULL unless code is PW_CODE_OK */
	void *arena;			/* internal: the response's memory */
};

/* Options for pw_client_new_opts(). Zero-initialize, then set what you
 * need; NULL or 0 leaves a field at its default. */
struct pw_options {
	/* CURVE encryption: the daemon's public key (Z85, 40 characters).
	 * With it, public_key and secret_key are this client's key pair
	 * (Z85); if both are NULL, an ephemeral pair is generated. */
	const char *server_key;
	const char *public_key;
	const char *secret_key;
	/* Requests queued per daemon connection before pw_send() reports
	 * -EAGAIN (ZMQ_SNDHWM; default 1000). */
	int send_queue;
};

/* The version of the library that is running ("0.1.0"): PW_VERSION of the
 * header it was built with. Static storage, never freed. */
const char *pw_version(void);

/* The name of a status code ("NOT_FOUND"), or NULL if the code has none. */
const char *pw_code_name(int32_t code);

/* The method descriptor of a Pathways method, by short name ("Readiness")
 * or full path ("/pathways.v1.Pathways/Readiness"); NULL if the service
 * has no such method. Borrowed from the generated code: never freed. */
const ProtobufCMethodDescriptor *pw_method_find(const char *method);

/* Connect a new client to every endpoint in endpoints[0..n-1] (ZeroMQ
 * syntax, "tcp://host:5555"). Connections are made in the background: a
 * daemon that is not up yet is reached once it is. The caller must destroy
 * *out with pw_client_destroy().
 * Errors: -EINVAL (n is 0, a malformed endpoint, a malformed key),
 * -EPROTONOSUPPORT (unknown transport), -ENOTSUP (CURVE requested but
 * libzmq lacks it), -ENOMEM, other -errno from libzmq. */
int pw_client_new(const char *const *endpoints, size_t n,
		  pw_client_t **out) PW_MUST_CHECK;
int pw_client_new_opts(const char *const *endpoints, size_t n,
		       const struct pw_options *opts,
		       pw_client_t **out) PW_MUST_CHECK;

/* Close the socket (pending requests are dropped: linger 0) and free the
 * client. Accepts a pointer to NULL; sets *c to NULL. */
void pw_client_destroy(pw_client_t **c);

/* Send key = value in the metadata of every later request; a NULL value
 * removes the key. Both strings are copied. Errors: -EINVAL, -ENOMEM. */
int pw_client_set_metadata(pw_client_t *c, const char *key,
			   const char *value) PW_MUST_CHECK;

/* Read-your-writes (opt-in, off by default): when on, each write's reply
 * (RecordAssessments, RecordCompletions, EraseEmployee) that carries a
 * commit_lsn later than the one remembered sets metadata min_lsn to it,
 * so every later read is answered from a snapshot that has the write, by
 * whichever daemon answers (one that is behind waits for it up to the
 * deadline, else answers PW_CODE_UNAVAILABLE). Errors: -EINVAL. */
int pw_client_follow_writes(pw_client_t *c, bool on) PW_MUST_CHECK;

/* One blocking call: send req to method (a short name or a full path),
 * wait for its reply for at most timeout_ms (0: no limit) and unpack the
 * response with resp_desc (NULL: the method's declared response type).
 * timeout_ms is also sent as the request's deadline_ms. req may be NULL for
 * an empty request.
 * Returns 0 when a reply arrived, whatever its code: *out then holds it
 * and the caller must pw_reply_clear() it. -ETIMEDOUT when no reply came in
 * time (the client stays usable: a late reply is discarded). Other errors:
 * -EINVAL (unknown method without resp_desc, req of the wrong type),
 * -EBUSY (pipelined requests are pending on this client), -EPROTO (the
 * reply's body does not unpack as resp_desc), -EINTR (a signal), -ENOMEM,
 * other -errno from libzmq.
 * With several endpoints, a read method that gets no reply within half of
 * timeout_ms is sent once more (ZeroMQ hands it to another connected
 * daemon) within the time left; writes are never resent by the library. */
int pw_call(pw_client_t *c, const char *method, const ProtobufCMessage *req,
	    const ProtobufCMessageDescriptor *resp_desc, unsigned timeout_ms,
	    struct pw_reply *out) PW_MUST_CHECK;

/* Pipelined calls: pw_send() queues a request and returns at once with its
 * request id in *request_id; pw_recv() returns the next reply to any pending
 * request (replies may come in any order: match them by request_id). The
 * response is unpacked with resp_desc (NULL: the method's declared type).
 *
 * deadline_ms is sent as the request's deadline (0: none). If the socket
 * cannot take the request now (no daemon connected yet, or send_queue
 * requests already queued), pw_send() waits for at most deadline_ms, then
 * returns -ETIMEDOUT; with a deadline of 0 it returns -EAGAIN at once.
 * Other errors as pw_call(). */
int pw_send(pw_client_t *c, const char *method, const ProtobufCMessage *req,
	    const ProtobufCMessageDescriptor *resp_desc, unsigned deadline_ms,
	    uint64_t *request_id) PW_MUST_CHECK;

/* Wait for at most timeout_ms (-1: no limit, 0: do not wait) for the reply
 * to a pending request; that request is then no longer pending. Replies to
 * requests that are not pending are discarded. A reply with request_id 0
 * (see struct pw_reply) is returned as is and leaves every request pending.
 * Returns 0 with the reply in *out (clear it with pw_reply_clear()),
 * -ETIMEDOUT when none came in time, -ENOENT when no request is pending,
 * -EPROTO when a reply's body does not unpack (its request is no longer
 * pending), -EINTR, -ENOMEM, other -errno from libzmq. */
int pw_recv(pw_client_t *c, int timeout_ms,
	    struct pw_reply *out) PW_MUST_CHECK;

/* Stop waiting for request_id: its reply, if it ever comes, is discarded.
 * Returns 0, or -ENOENT if it was not pending. */
int pw_cancel(pw_client_t *c, uint64_t request_id);

/* The number of requests sent with pw_send() and not yet received or
 * cancelled. */
size_t pw_pending(const pw_client_t *c);

/* Free what a reply owns and zero it. Accepts a zeroed or cleared reply. */
void pw_reply_clear(struct pw_reply *r);

#ifdef __cplusplus
}
#endif

#endif /* PATHWAYS_LIBPATHWAYS_H */
