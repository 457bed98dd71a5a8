#include "query.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void query_ctx_reset(struct query_ctx *ctx)
{
	struct query_chunk *c = ctx->chunks;

	while (c) {
		struct query_chunk *next = c->next;

		free(c);
		c = next;
	}
	ctx->chunks = NULL;
}

void *query_alloc(struct query_ctx *ctx, size_t n, size_t sz)
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

		c = malloc(sizeof(*c) + size);
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
	memset(p, 0, bytes);
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

int query_fail(struct query_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	ctx->code = code;
	va_start(ap, fmt);
	vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
	va_end(ap);
	return -1;
}

double query_round1(double x)
{
	/* Sums of weighted fractions land a few ulps either side of an exact
	 * half (81.25 may come out as 81.2499999999): nudge by far less than
	 * any real difference, so the same score always rounds the same way
	 * and a half rounds away from zero as DESIGN.md says. */
	double t = x * 10.0;

	return round(t + copysign(1e-9, t)) / 10.0;
}

Pathways__V1__Band query_band(const struct graph_settings *s, double readiness,
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
