/* The sweep (query/sweep.c) against the scalar pass: every role of
 * random frameworks at once, both modes, with and without expiry, weights
 * it can and cannot take, by value or not, successors or everyone. */
#include "fixture.h"
#include "query/bench.h"
#include "query/columns.h"
#include "query/sweep.h"
#include "random_framework.h"

/* whether some weight of role r is not a multiple of a power of two */
static bool odd_weight(const graph_t *g, uint32_t r)
{
	for (uint32_t i = 0; i < g->roles[r].req_n; i++)
		if (g->reqs[g->roles[r].req_off + i].weight == 0.3)
			return true;
	return false;
}

/* Every role of random frameworks swept at once (more competencies than
 * one group holds, so groups are cut), both modes, with and without
 * expiry, weights in halves and quarters or not: each role the sweep
 * does counts what the scalar pass counts, overall and per value; it
 * does every role with requirements whose weights are multiples of a
 * power of two, and leaves the others. */
Test(sweep, every_role_at_once_counts_as_the_scalar_pass)
{
	static const char *const attrs[] = { "", "loc", "nobody-has-it" };

	for (unsigned seed = 1; seed <= 8; seed++) {
		struct random_framework f = {
			.seed = seed, .roles = 60, .comps = 40, .emps = 400,
			.binary = seed % 2 == 0, .expiry = seed % 3 != 0,
			.odd_weights = seed > 4,
		};
		graph_t *g = random_framework(&f);
		uint32_t swept = 0;

		for (unsigned ai = 0; ai < 3; ai++)
			for (int succ = 0; succ <= 1; succ++) {
				struct query_ctx ctx;
				struct query_columns *qc;
				struct query_sweep_role *sw;

				query_ctx_init(&ctx, g, T0);
				qc = query_columns_new(&ctx);
				cr_assert_not_null(qc);
				sw = query_alloc(&ctx, g->roles_n, sizeof(*sw));
				cr_assert_not_null(sw);
				/* in reverse: the sweep orders them itself */
				for (uint32_t k = 0; k < g->roles_n; k++)
					sw[k].role = g->roles_n - 1 - k;
				cr_assert_eq(query_sweep_roles(qc, succ,
								 attrs[ai], sw,
								 g->roles_n), 0);
				for (uint32_t k = 0; k < g->roles_n; k++) {
					uint32_t r = sw[k].role, considered = 0;
					const char *key = g->roles[r].key;
					Pathways__V1__BandCount **bands;
					Pathways__V1__BreakdownRow **rows = NULL;
					size_t nb = 0, nr = 0;
					bool can = g->roles[r].req_n &&
						   (f.binary || !odd_weight(g, r));

					cr_assert_eq(sw[k].done, can, "%s", key);
					if (!sw[k].done)
						continue;
					swept++;
					OK(query_bench_tally(&ctx, NULL, r, succ,
							     attrs[ai],
							     &considered, &bands,
							     &nb, &rows, &nr));
					cr_assert_eq(sw[k].considered, considered,
						     "%s", key);
					for (size_t b = 0; b < nb; b++)
						cr_assert_eq(sw[k].counts[bands[b]->band],
							     bands[b]->count,
							     "%s band %d", key,
							     bands[b]->band);
					cr_assert_eq(sw[k].rows_n, nr, "%s", key);
					for (size_t v = 0; v < nr; v++) {
						cr_assert_str_eq(sw[k].rows[v].value,
								 rows[v]->value);
						for (size_t b = 0; b < 4; b++)
							cr_assert_eq(
								sw[k].rows[v].counts[rows[v]->bands[b]->band],
								rows[v]->bands[b]->count,
								"%s %s", key,
								rows[v]->value);
					}
				}
				query_ctx_reset(&ctx);
			}
		cr_assert_gt(swept, 0);
		graph_unref(&g);
	}
}
