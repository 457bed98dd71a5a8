/* The column kernel (query/columns.c over graph_columns.c) against the
 * scalar scorer: on random frameworks, both modes, with and without
 * expiry, every role, successors or everyone — every touched employee's
 * score identical to the bit, every band count equal; Bench's candidates
 * the same whichever pass ranks them (the sweep's Bench pass, the kernel's
 * and the scalar one); and the index rebuilt for a delta. */
#include "fixture.h"
#include "graph_columns.h"
#include "query/bench.h"
#include "query/columns.h"
#include "random_framework.h"

struct seen {
	const graph_t *g;
	struct query_role_scorer *rs;
	uint32_t n;
};

static void same_as_scalar(void *arg, uint32_t emp,
			   const struct query_readiness_score *sc)
{
	struct seen *s = arg;
	struct query_readiness_score want;

	query_role_scorer_score(s->rs, &s->g->emps[emp], T0, &want);
	cr_assert(memcmp(&sc->readiness, &want.readiness, sizeof(double)) == 0,
		  "%s for %s: %.17g, scalar %.17g", s->g->emps[emp].id,
		  s->g->roles[s->rs->role].key, sc->readiness, want.readiness);
	cr_assert_eq(sc->band, want.band);
	cr_assert_eq(sc->blockers, want.blockers);
	cr_assert_eq(sc->met, want.met);
	cr_assert_eq(sc->required, want.required);
	s->n++;
}

/* every role of g: the kernel's counts are the scalar pass's */
static void check_every_role(const graph_t *g)
{
	struct query_ctx ctx;
	struct query_columns *qc;

	query_ctx_init(&ctx, g, T0);
	qc = query_columns_new(&ctx);
	cr_assert_not_null(qc);
	for (uint32_t r = 0; r < g->roles_n; r++)
		for (int succ = 0; succ <= 1; succ++) {
			struct query_role_scorer rs;
			struct query_readiness_score z, sc;
			uint32_t got[5] = { 0 }, want[5] = { 0 }, n = 0, wn = 0;
			uint32_t rest;
			struct seen s = { g, &rs, 0 };

			OK(query_role_scorer_init(&ctx, &rs, r));
			struct query_columns_row *rows = NULL;
			size_t rows_n = 0;

			cr_assert_eq(query_columns_tally(qc, &rs, succ, "", got, &n,
							 same_as_scalar, &s, &rest,
							 &z, &rows, &rows_n), 0);
			cr_assert_eq(rows_n, 0);
			for (uint32_t i = 0; i < g->emps_n; i++) {
				if (!query_considers(g, &g->emps[i], r, succ))
					continue;
				query_role_scorer_score(&rs, &g->emps[i], T0, &sc);
				want[sc.band]++;
				wn++;
			}
			cr_assert_eq(n, wn, "%s", g->roles[r].key);
			cr_assert_eq(s.n + rest, wn);
			for (int b = 0; b < 5; b++)
				cr_assert_eq(got[b], want[b], "%s band %d: %u, scalar %u",
					     g->roles[r].key, b, got[b], want[b]);
		}
	query_ctx_reset(&ctx);
}

Test(columns, every_role_of_random_frameworks_scores_as_the_scalar_scorer)
{
	for (unsigned seed = 1; seed <= 12; seed++) {
		struct random_framework f = {
			.seed = seed, .roles = 30, .comps = 13, .emps = 400,
			.binary = seed % 2 == 0, .expiry = seed % 3 != 0,
		};
		graph_t *g = random_framework(&f);

		cr_assert_not_null(g->columns);
		check_every_role(g);
		graph_unref(&g);
	}
}

/* The index: each column ascending, only non-zero levels, and the active
 * counts. */
Test(columns, the_index_holds_every_current_level)
{
	struct random_framework f = { .seed = 7, .roles = 20, .comps = 9,
				      .emps = 200 };
	graph_t *g = random_framework(&f);
	const struct graph_columns *c = g->columns;
	uint32_t levels = 0, active = 0;

	for (uint32_t i = 0; i < g->emps_n; i++) {
		for (uint32_t k = 0; k < g->emps[i].levels_n; k++)
			levels += g->emps[i].levels[k].level > 0;
		active += g->emps[i].active;
	}
	cr_assert_eq(c->entries, levels);
	cr_assert_eq(c->active, active);
	cr_assert_eq(graph_columns_active_upto(c, 1000), active);
	for (uint32_t k = 0; k < c->comps_n; k++)
		for (uint32_t j = c->off[k]; j < c->off[k + 1]; j++) {
			const struct graph_employee *e = &g->emps[c->emp[j]];

			if (j > c->off[k])
				cr_assert_lt(c->emp[j - 1], c->emp[j]);
			/* no expiry in f: the level graph_level_of reads */
			cr_assert_eq(c->level[j], graph_level_of(g, e, k, T0, NULL));
			cr_assert_geq(c->level[j], 1);
		}
	graph_unref(&g);
}

static void same_bench(const Pathways__V1__BenchResponse *a,
		       const Pathways__V1__BenchResponse *b, const char *what)
{
	cr_assert_eq(a->considered, b->considered, "%s", what);
	cr_assert_eq(a->n_candidates, b->n_candidates, "%s", what);
	for (size_t i = 0; i < a->n_candidates; i++) {
		cr_assert_str_eq(a->candidates[i]->employee_id,
				 b->candidates[i]->employee_id, "%s", what);
		cr_assert_eq(a->candidates[i]->readiness,
			     b->candidates[i]->readiness);
		cr_assert_eq(a->candidates[i]->band, b->candidates[i]->band);
		cr_assert_eq(a->candidates[i]->blockers,
			     b->candidates[i]->blockers);
	}
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(a->bands[i]->count, b->bands[i]->count, "%s", what);
	cr_assert_eq(a->n_breakdown, b->n_breakdown, "%s", what);
	for (size_t k = 0; k < a->n_breakdown; k++) {
		cr_assert_str_eq(a->breakdown[k]->value, b->breakdown[k]->value);
		for (size_t i = 0; i < 4; i++)
			cr_assert_eq(a->breakdown[k]->bands[i]->count,
				     b->breakdown[k]->bands[i]->count, "%s %s",
				     what, a->breakdown[k]->value);
	}
}

/* Bench through the kernel and through the scalar pass (the snapshot's
 * index hidden): the same candidates, bands and breakdowns, by an
 * attribute some have, one nobody has, or none. */
Test(columns, bench_is_the_same_with_or_without_the_index)
{
	static const char *const attrs[] = { "", "loc", "nobody-has-it" };

	for (unsigned seed = 1; seed <= 4; seed++) {
		struct random_framework f = {
			.seed = seed, .roles = 16, .comps = 11, .emps = 300,
			.binary = seed == 2, .expiry = seed >= 3,
			.odd_weights = seed == 4,
		};
		graph_t *g = random_framework(&f);
		const struct graph_columns *index = g->columns;
		static const double mins[] = { 0, 50, 75.25 };

		for (uint32_t r = 0; r < g->roles_n; r++)
			for (unsigned limit = 1; limit <= 400; limit *= 20)
				for (size_t at = 0; at < 3; at++) {
					Pathways__V1__BenchRequest req = PATHWAYS__V1__BENCH_REQUEST__INIT;
					Pathways__V1__BenchResponse a, b;
					struct query_ctx ca, cb;

					req.role_key = (char *)g->roles[r].key;
					req.limit = limit;
					req.min_readiness = mins[(r + at) % 3];
					req.successors_only = (limit + at) % 2;
					req.breakdown_attribute = (char *)attrs[at];
					pathways__v1__bench_response__init(&a);
					pathways__v1__bench_response__init(&b);
					cr_assert_eq(fixture_run(&ca, g, query_bench_run, &req, &a), 0);
					g->columns = NULL;
					cr_assert_eq(fixture_run(&cb, g, query_bench_run, &req, &b), 0);
					g->columns = index;
					same_bench(&a, &b, req.role_key);
					query_ctx_reset(&ca);
					query_ctx_reset(&cb);
				}
		graph_unref(&g);
	}
}

/* An attribute with a value per employee, past what the index holds:
 * Bench breaks it down the scalar way, with the same answer. */
Test(columns, an_attribute_with_too_many_values_is_not_indexed)
{
	graph_builder_t *b = fixture_base();
	Pathways__V1__BenchRequest req = PATHWAYS__V1__BENCH_REQUEST__INIT;
	Pathways__V1__BenchResponse x, y;
	struct query_ctx cx, cy;
	const struct graph_columns *index;
	char id[16];
	graph_t *g;

	OK(graph_builder_role(b, "R", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "T", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "T", "a", 2, 1, false));
	for (unsigned i = 0; i < GRAPH_COLUMNS_MAX_VALUES + 10; i++) {
		snprintf(id, sizeof(id), "E%05u", i);
		OK(graph_builder_employee(b, id, "R", NULL, true));
		OK(graph_builder_attribute(b, id, "badge", id));
		OK(graph_builder_attribute(b, id, "kind", i % 3 ? "a" : "b"));
		OK(graph_builder_assessment(b, id, "a", i % 6, GRAPH_SRC_MANAGER, T0));
	}
	g = fixture_finish(b);
	index = g->columns;
	cr_assert_not_null(graph_columns_attr(index, "badge"));
	cr_assert_null(graph_columns_attr(index, "badge")->vid);
	cr_assert_not_null(graph_columns_attr(index, "kind")->vid);
	req.role_key = "T";
	for (int k = 0; k < 2; k++) {
		req.breakdown_attribute = k ? "kind" : "badge";
		pathways__v1__bench_response__init(&x);
		pathways__v1__bench_response__init(&y);
		cr_assert_eq(fixture_run(&cx, g, query_bench_run, &req, &x), 0);
		g->columns = NULL;
		cr_assert_eq(fixture_run(&cy, g, query_bench_run, &req, &y), 0);
		g->columns = index;
		cr_assert_eq(x.n_breakdown, k ? 2 : GRAPH_COLUMNS_MAX_VALUES + 10);
		same_bench(&x, &y, req.breakdown_attribute);
		query_ctx_reset(&cx);
		query_ctx_reset(&cy);
	}
	graph_unref(&g);
}

/* A delta changes, removes and adds employees: its snapshot has an index
 * of its own, and the kernel still agrees with the scalar scorer. */
Test(columns, a_delta_gets_its_own_index)
{
	struct random_framework f = { .seed = 5, .roles = 12, .comps = 10,
				      .emps = 120, .expiry = true };
	graph_t *old = random_framework(&f), *g = NULL;
	graph_builder_t *b = graph_builder_new_delta(old);
	const char *changed[] = { "E003", "E004", "NEW" };

	cr_assert_not_null(b);
	OK(graph_builder_employee(b, "E003", "R01", NULL, true));
	OK(graph_builder_assessment(b, "E003", "k01", 5, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "E003", "k02", 4, GRAPH_SRC_MANAGER, T0 - DAY));
	OK(graph_builder_employee(b, "NEW", "R02", NULL, true));
	OK(graph_builder_assessment(b, "NEW", "k03", 3, GRAPH_SRC_PEER, T0));
	OK(graph_builder_finish_delta(&b, old, changed, 3, 2, &g));
	/* built on first use, not before it is published */
	cr_assert_null(g->columns);
	cr_assert_not_null(graph_columns_of(g));
	cr_assert_eq(graph_columns_of(g), g->columns);
	cr_assert_neq(g->columns, old->columns);
	check_every_role(g);
	check_every_role(old);
	graph_unref(&old);
	check_every_role(g);
	graph_unref(&g);
}
