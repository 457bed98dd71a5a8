#include "query.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct query_chunk {
	struct query_chunk *next;
	size_t used, size;
	max_align_t data[];
};

#define QUERY_CHUNK_MIN (64 * 1024)

void query_ctx_init(struct query_ctx *ctx, const graph_t *g, int64_t now)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->g = g;
	ctx->now = now;
}

int query_track_area(struct query_ctx *ctx, const char *track_key,
		     const char *area_key, uint32_t *track, uint32_t *area)
{
	*track = *area = GRAPH_NONE;
	if (track_key[0]) {
		*track = graph_find_track(ctx->g, track_key);
		if (*track == GRAPH_NONE)
			return query_fail(ctx, QUERY_NOT_FOUND,
					  "unknown track \"%s\"", track_key);
	}
	if (area_key[0]) {
		*area = graph_find_area(ctx->g, area_key);
		if (*area == GRAPH_NONE)
			return query_fail(ctx, QUERY_NOT_FOUND,
					  "unknown area \"%s\"", area_key);
	}
	return 0;
}

bool query_past_deadline(struct query_ctx *ctx)
{
	struct timespec ts;

	if (!ctx->deadline_us)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 <= ctx->deadline_us)
		return false;
	query_fail(ctx, QUERY_DEADLINE_EXCEEDED,
		   "past its deadline; stopped before the end");
	return true;
}

void query_ctx_reset(struct query_ctx *ctx)
{
	struct query_chunk *c = ctx->chunks;

	while (c) {
		struct query_chunk *next = c->next;

		/* keep a chunk of the usual size; a huge one goes */
		if (ctx->cache && !*ctx->cache && c->size == QUERY_CHUNK_MIN)
			*ctx->cache = c;
		else
			free(c);
		c = next;
	}
	ctx->chunks = NULL;
}

void query_ctx_use_cache(struct query_ctx *ctx, struct query_chunk **cache)
{
	ctx->cache = cache;
}

void query_cache_free(struct query_chunk **cache)
{
	free(*cache);
	*cache = NULL;
}

static void *pb_alloc(void *data, size_t size)
{
	return query_alloc(data, size, 1);
}

static void pb_free(void *data, void *p)
{
	(void)data;
	(void)p;	/* the arena goes at once */
}

ProtobufCAllocator query_pb_allocator(struct query_ctx *ctx)
{
	ProtobufCAllocator a = { pb_alloc, pb_free, ctx };

	return a;
}

void *query_alloc(struct query_ctx *ctx, size_t n, size_t sz)
{
	void *p = query_alloc_raw(ctx, n, sz);

	if (p)
		memset(p, 0, n * sz);
	return p;
}

void *query_alloc_raw(struct query_ctx *ctx, size_t n, size_t sz)
{
	struct query_chunk *c = ctx->chunks;
	size_t bytes, align = sizeof(max_align_t);
	void *p;

	if (sz && n > SIZE_MAX / sz) {
		ctx->oom = true;
		return NULL;
	}
	bytes = n * sz;
	if (bytes == 0)
		bytes = 1;
	if (bytes > SIZE_MAX - align) {
		ctx->oom = true;
		return NULL;
	}
	bytes = (bytes + align - 1) & ~(align - 1);
	if (!c || c->size - c->used < bytes) {
		size_t size = bytes > QUERY_CHUNK_MIN ? bytes : QUERY_CHUNK_MIN;

		if (size == QUERY_CHUNK_MIN && ctx->cache && *ctx->cache) {
			c = *ctx->cache;
			*ctx->cache = NULL;
		} else {
			c = malloc(sizeof(*c) + size);
		}
		if (!c) {
			ctx->oom = true;
			return NULL;
		}
		c->size = size;
		c->used = 0;
		c->next = ctx->chunks;
		ctx->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += bytes;
	return p;
}

char *query_strdup(struct query_ctx *ctx, const char *s)
{
	size_t len = strlen(s);
	char *p = query_alloc(ctx, len + 1, 1);

	if (p)
		memcpy(p, s, len + 1);
	return p;
}

char *query_printf(struct query_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *out;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	out = query_alloc(ctx, (size_t)n + 1, 1);
	if (!out)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return out;
}

size_t query_utf8_prefix(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, n, cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, cp = c & 0x07;
		else
			break;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return (size_t)(p - (const unsigned char *)s);
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* overlong forms, surrogates and past U+10FFFF are invalid */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			break;
		p += n + 1;
	}
	return (size_t)(p - (const unsigned char *)s);
}

/* Our message types are not recursive, so the depth is bounded by the
 * schema. */
const char *query_bad_string(const ProtobufCMessage *m)
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
			const char *bad;

			if (!items[k])
				continue;
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				if (!query_utf8_valid(items[k]))
					return f->name;
			} else if ((bad = query_bad_string(items[k]))) {
				return bad;
			}
		}
	}
	return NULL;
}

void query_utf8_trim(char *s)
{
	s[query_utf8_prefix(s)] = '\0';
}

int query_fail(struct query_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	ctx->code = code;
	va_start(ap, fmt);
	vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
	va_end(ap);
	query_utf8_trim(ctx->message);
	return -1;
}

double query_round1(double x)
{
	/* Sums of weighted fractions land a few ulps either side of an exact
	 * half (81.25 may come out as 81.2499999999): nudge by far less than
	 * any real difference, so the same score always rounds the same way
	 * and a half rounds away from zero as docs/scoring.md says. */
	double t = x * 10.0;

	return round(t + copysign(1e-9, t)) / 10.0;
}

Pathways__V1__Band query_band(const struct settings *s, double readiness,
			      unsigned blockers)
{
	if (readiness >= s->band_ready_now && blockers == 0)
		return PATHWAYS__V1__BAND__READY_NOW;
	if (readiness >= s->band_ready_soon)
		return PATHWAYS__V1__BAND__READY_SOON;
	if (readiness >= s->band_developing)
		return PATHWAYS__V1__BAND__DEVELOPING;
	return PATHWAYS__V1__BAND__NOT_READY;
}

int query_as_of(struct query_ctx *ctx, int64_t as_of_ms, const char *field,
		bool *past)
{
	*past = false;
	if (as_of_ms == 0)
		return 0;
	if (as_of_ms < INT64_MIN / 1000)
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "%s is out of range", field);
	if (as_of_ms > INT64_MAX / 1000 || as_of_ms * 1000 > ctx->now)
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "%s is in the future", field);
	ctx->now = as_of_ms * 1000;
	*past = true;
	return 0;
}
