/* Small hand-built snapshots for the query tests. */
#ifndef PATHWAYS_TEST_FIXTURE_H
#define PATHWAYS_TEST_FIXTURE_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "graph.h"
#include "query/query.h"

#define T0 1700000000000000LL	/* a fixed "now" for the tests (unix µs) */
#define DAY GRAPH_US_PER_DAY

#define OK(expr) cr_assert_eq((expr), 0, "%s failed", #expr)

/* two areas, ic and management tracks, a few competencies */
static inline graph_builder_t *fixture_base(void)
{
	graph_builder_t *b = graph_builder_new();

	cr_assert_not_null(b);
	OK(graph_builder_track(b, "ic", "Individual contributor", GRAPH_TRACK_IC));
	OK(graph_builder_track(b, "mgmt", "Management", GRAPH_TRACK_MANAGEMENT));
	OK(graph_builder_area(b, "eng", "Engineering"));
	OK(graph_builder_area(b, "ops", "Operations"));
	OK(graph_builder_competency(b, "a", "A", 0, NULL));
	OK(graph_builder_competency(b, "b", "B", 0, NULL));
	OK(graph_builder_competency(b, "c", "C", 1, "eng"));
	OK(graph_builder_competency(b, "d", "D", 2, NULL));
	return b;
}

static inline graph_t *fixture_finish(graph_builder_t *b)
{
	graph_t *g = NULL;

	OK(graph_builder_finish(&b, 1, &g));
	cr_assert_not_null(g);
	return g;
}

/* Runs a handler on a packed-free request message; returns the status. */
static inline int fixture_run(struct query_ctx *ctx, const graph_t *g,
			      query_handler_fn fn, const void *req, void *resp)
{
	query_ctx_init(ctx, g, T0);
	if (fn(ctx, req, resp))
		return ctx->code;
	return 0;
}

#endif
