/* query: what every query shares — the per-request context with its bump
 * arena, status codes, rounding and bands.
 *
 * Queries are pure functions of (snapshot, request, now) → response: they
 * never touch sockets or the database, so tests drive them directly.
 * Response sub-messages and arrays are allocated from the request's arena
 * and strings point into the snapshot, so a response is freed by resetting
 * the arena, never with protobuf-c's free_unpacked. */
#ifndef PATHWAYS_QUERY_H
#define PATHWAYS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.h"
#include "pathways/v1/pathways.pb-c.h"

/* gRPC status numbers used on the wire */
enum query_code {
	QUERY_OK = 0,
	QUERY_INVALID_ARGUMENT = 3,
	QUERY_DEADLINE_EXCEEDED = 4,
	QUERY_NOT_FOUND = 5,
	QUERY_ALREADY_EXISTS = 6,
	QUERY_PERMISSION_DENIED = 7,
	QUERY_RESOURCE_EXHAUSTED = 8,
	QUERY_UNIMPLEMENTED = 12,
	QUERY_INTERNAL = 13,
	QUERY_UNAVAILABLE = 14,
};

/* request caps (docs/methods.md): RESOURCE_EXHAUSTED above them */
#define QUERY_MAX_READINESS_PAIRS 100000u
/* with_estimates plans a learning pathway per pair, some fifty times the
 * cost of a score: the cap bounds a request's CPU, not just its count */
#define QUERY_MAX_ESTIMATE_PAIRS 2000u
#define QUERY_MAX_ROUTES 20u
#define QUERY_MAX_STEPS 12u
#define QUERY_MAX_LIMIT 10000u

struct query_chunk;
struct writer_statements;

struct query_ctx {
	const graph_t *g;
	int64_t now;			/* unix microseconds, for expiry */
	int code;			/* enum query_code */
	char message[512];
	struct query_chunk *chunks;	/* the arena */
	struct query_chunk **cache;	/* the caller's spare chunk, or NULL */
	bool oom;
	/* the client (key fingerprint or peer address), for the log lines
	 * that must name it; NULL: unknown */
	const char *who;
	/* CLOCK_MONOTONIC microseconds past which a long query stops with
	 * DEADLINE_EXCEEDED (query_past_deadline); 0: none */
	int64_t deadline_us;
	/* RecordCompletions from the HTTP door's xAPI statements: the
	 * statements, stored in the same transaction (writer.h); NULL: none */
	struct writer_statements *statements;
};

/* Initializes ctx for one request against g at time now. */
void query_ctx_init(struct query_ctx *ctx, const graph_t *g, int64_t now);
/* Frees everything allocated from the arena (the response's parts); with a
 * cache, one chunk is kept there for the next request. */
void query_ctx_reset(struct query_ctx *ctx);

/* A thread's spare arena chunk, reused request after request so a small
 * request allocates nothing. *cache starts NULL; query_cache_free() at the
 * thread's end. */
void query_ctx_use_cache(struct query_ctx *ctx, struct query_chunk **cache);
void query_cache_free(struct query_chunk **cache);

/* A protobuf-c allocator over ctx's arena: unpack a request into it and
 * never free_unpacked it (query_ctx_reset frees it). */
ProtobufCAllocator query_pb_allocator(struct query_ctx *ctx);

/* Zeroed memory from the arena for n items of size sz; NULL (and ctx->oom)
 * on overflow or out of memory. Valid until query_ctx_reset(). */
void *query_alloc(struct query_ctx *ctx, size_t n, size_t sz);
/* The same, not zeroed: for scratch written before it is read (zeroing
 * megabytes a request costs more than the work in them). */
void *query_alloc_raw(struct query_ctx *ctx, size_t n, size_t sz);
/* A copy of s in the arena. */
char *query_strdup(struct query_ctx *ctx, const char *s);

/* A formatted string in the arena, as long as it needs to be (NULL on
 * out of memory). */
char *query_printf(struct query_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Records an error status and message; returns -1 for "return
 * query_fail(...)" in handlers. */
int query_fail(struct query_ctx *ctx, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The length of the longest prefix of s that is valid UTF-8 (all of s,
 * strlen(s), when s is valid). */
size_t query_utf8_prefix(const char *s);

static inline bool query_utf8_valid(const char *s)
{
	return s[query_utf8_prefix(s)] == '\0';
}

/* Every string in m, nested messages included: the name of the first
 * field holding one that is not valid UTF-8, or NULL when all are valid
 * (what a request must pass before any handler sees it). */
const char *query_bad_string(const ProtobufCMessage *m);

/* Cuts s at the first byte that does not continue valid UTF-8, so a
 * message truncated by a bounded buffer (or quoting a client's bad string)
 * still encodes as a protobuf string. */
void query_utf8_trim(char *s);

/* A selection by track and area keys ("": any) as indexes (GRAPH_NONE:
 * any); -1 with NOT_FOUND naming an unknown one. */
int query_track_area(struct query_ctx *ctx, const char *track_key,
		     const char *area_key, uint32_t *track, uint32_t *area);

/* True (and ctx status DEADLINE_EXCEEDED) once ctx->deadline_us has passed:
 * a query over many roles asks between roles, so a client that gave up does
 * not keep a worker busy. */
bool query_past_deadline(struct query_ctx *ctx);

/* Rounds to one decimal, half away from zero (every readiness on the wire). */
double query_round1(double x);

/* docs/scoring.md bands; blockers = number of unmet must-haves. */
Pathways__V1__Band query_band(const struct settings *s, double readiness,
			      unsigned blockers);

/* A request's as_of_unix_ms (docs/scoring.md, "The past"). 0 leaves ctx->now and
 * sets *past false; an instant at or before now becomes ctx->now (expiry
 * then counts from it) and sets *past. An instant in the future, or one
 * too far out to count in microseconds, fails with INVALID_ARGUMENT
 * naming field (returns -1). */
int query_as_of(struct query_ctx *ctx, int64_t as_of_ms, const char *field,
		bool *past);

/* Employee e as the request sees it: e itself now, or with past (from
 * query_as_of) e as of ctx->now, its levels in buf (at least e->levels_n
 * entries) and *view. */
static inline const struct graph_employee *
query_employee_at(const struct query_ctx *ctx, const struct graph_employee *e,
		  bool past, struct graph_level *buf, struct graph_employee *view)
{
	/* inline: "now" stays a test and a branch on the hot path */
	if (!past)
		return e;
	graph_employee_as_of(e, ctx->now, buf, view);
	return view;
}

/* The snapshot's strings are const; protobuf-c's fields are not. The
 * response never frees or writes them. */
static inline char *query_str(const char *s)
{
	return (char *)(uintptr_t)s;
}

/* A handler fills resp (already initialized) from req; returns 0 or -1 with
 * ctx->code/message set. */
typedef int (*query_handler_fn)(struct query_ctx *ctx,
				const ProtobufCMessage *req,
				ProtobufCMessage *resp);

#endif
