#include "fixture.h"
#include "query/bench.h"
#include "query/mentors.h"

/* T requires a L2 and b L2 (must-have).
 *   E1 holds T: not considered     E6 inactive: not considered
 *   E2 a2 b2 -> 100 READY_NOW     (ft)
 *   E0 a1 b2 ->  75 READY_SOON, 0 blockers (ft)
 *   E4 a1 b2 ->  75 READY_SOON, 0 blockers (ft)
 *   E3 a2 b1 ->  75 READY_SOON, 1 blocker  (pt)
 *   E7 a1 b1 ->  50 DEVELOPING            (pt)
 *   E5 none  ->   0 NOT_READY             (no attribute) */
static graph_t *bench_graph(void)
{
	graph_builder_t *b = fixture_base();
	struct { const char *id; unsigned a, bl; bool active; const char *type; } e[] = {
		{ "E1", 2, 2, true, "ft" }, { "E2", 2, 2, true, "ft" },
		{ "E0", 1, 2, true, "ft" }, { "E4", 1, 2, true, "ft" },
		{ "E3", 2, 1, true, "pt" }, { "E7", 1, 1, true, "pt" },
		{ "E5", 0, 0, true, NULL }, { "E6", 2, 2, false, "ft" },
	};

	OK(graph_builder_role(b, "R", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "T", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "T", "a", 2, 1, false));
	OK(graph_builder_requirement(b, "T", "b", 2, 1, true));
	for (size_t i = 0; i < sizeof(e) / sizeof(*e); i++) {
		OK(graph_builder_employee(b, e[i].id, i == 0 ? "T" : "R", NULL, e[i].active));
		if (e[i].type)
			OK(graph_builder_attribute(b, e[i].id, "employment_type", e[i].type));
		OK(graph_builder_attribute(b, e[i].id, "location", "Berlin"));
		if (e[i].a)
			OK(graph_builder_assessment(b, e[i].id, "a", e[i].a, GRAPH_SRC_MANAGER, T0));
		if (e[i].bl)
			OK(graph_builder_assessment(b, e[i].id, "b", e[i].bl, GRAPH_SRC_MANAGER, T0));
	}
	return fixture_finish(b);
}

static int bench(struct query_ctx *ctx, const graph_t *g, unsigned limit,
		 const char *attr, double min, Pathways__V1__BenchResponse *r)
{
	Pathways__V1__BenchRequest req = PATHWAYS__V1__BENCH_REQUEST__INIT;

	req.role_key = "T";
	req.limit = limit;
	req.breakdown_attribute = (char *)attr;
	req.min_readiness = min;
	pathways__v1__bench_response__init(r);
	return fixture_run(ctx, g, query_bench_run, &req, r);
}

Test(bench, ranks_by_readiness_then_blockers_then_id)
{
	graph_t *g = bench_graph();
	struct query_ctx ctx;
	Pathways__V1__BenchResponse r;
	const char *want[] = { "E2", "E0", "E4", "E3", "E7", "E5" };

	cr_assert_eq(bench(&ctx, g, 0, "", 0, &r), 0);
	cr_assert_eq(r.considered, 6);
	cr_assert_eq(r.n_candidates, 6);
	for (size_t i = 0; i < 6; i++)
		cr_assert_str_eq(r.candidates[i]->employee_id, want[i]);
	cr_assert_float_eq(r.candidates[1]->readiness, 75, 1e-12);
	cr_assert_eq(r.candidates[3]->blockers, 1);
	cr_assert_str_eq(r.candidates[0]->current_role, "R");
	/* bands in enum order: NOT_READY, DEVELOPING, READY_SOON, READY_NOW */
	cr_assert_eq(r.n_bands, 4);
	cr_assert_eq(r.bands[0]->count, 1);
	cr_assert_eq(r.bands[1]->count, 1);
	cr_assert_eq(r.bands[2]->count, 3);
	cr_assert_eq(r.bands[3]->count, 1);
	cr_assert_eq(r.n_breakdown, 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(bench, limit_and_min_readiness_filter_only_the_candidates)
{
	graph_t *g = bench_graph();
	struct query_ctx ctx;
	Pathways__V1__BenchResponse r;

	cr_assert_eq(bench(&ctx, g, 2, "", 0, &r), 0);
	cr_assert_eq(r.n_candidates, 2);
	cr_assert_str_eq(r.candidates[1]->employee_id, "E0");
	query_ctx_reset(&ctx);
	cr_assert_eq(bench(&ctx, g, 0, "", 75, &r), 0);
	cr_assert_eq(r.n_candidates, 4);
	cr_assert_eq(r.considered, 6);
	cr_assert_eq(r.bands[0]->count, 1);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(bench, the_breakdown_counts_bands_per_attribute_value)
{
	graph_t *g = bench_graph();
	struct query_ctx ctx;
	Pathways__V1__BenchResponse r;

	cr_assert_eq(bench(&ctx, g, 1, "employment_type", 0, &r), 0);
	cr_assert_eq(r.n_breakdown, 3);
	cr_assert_str_eq(r.breakdown[0]->value, "");
	cr_assert_str_eq(r.breakdown[1]->value, "ft");
	cr_assert_str_eq(r.breakdown[2]->value, "pt");
	/* "": NOT_READY 1; ft: READY_SOON 2, READY_NOW 1; pt: DEVELOPING 1, READY_SOON 1 */
	cr_assert_eq(r.breakdown[0]->bands[0]->count, 1);
	cr_assert_eq(r.breakdown[1]->bands[2]->count, 2);
	cr_assert_eq(r.breakdown[1]->bands[3]->count, 1);
	cr_assert_eq(r.breakdown[1]->bands[0]->count, 0);
	cr_assert_eq(r.breakdown[2]->bands[1]->count, 1);
	cr_assert_eq(r.breakdown[2]->bands[2]->count, 1);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(bench, many_distinct_values_grow_the_breakdown)
{
	graph_builder_t *b = fixture_base();
	struct query_ctx ctx;
	Pathways__V1__BenchResponse r;
	graph_t *g;
	char id[16], v[16];

	OK(graph_builder_role(b, "R", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "T", "", "ic", 2, "eng", 0, 0));
	for (int i = 0; i < 500; i++) {
		snprintf(id, sizeof(id), "E%03d", i);
		snprintf(v, sizeof(v), "v%03d", i % 300);
		OK(graph_builder_employee(b, id, "R", NULL, true));
		OK(graph_builder_attribute(b, id, "team", v));
	}
	g = fixture_finish(b);
	cr_assert_eq(bench(&ctx, g, 3, "team", 0, &r), 0);
	cr_assert_eq(r.n_breakdown, 300);
	cr_assert_str_eq(r.breakdown[299]->value, "v299");
	cr_assert_eq(r.breakdown[0]->bands[3]->count, 2);	/* v000: E000, E300 */
	cr_assert_eq(r.breakdown[299]->bands[3]->count, 1);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(bench, errors)
{
	graph_t *g = bench_graph();
	struct query_ctx ctx;
	Pathways__V1__BenchRequest req = PATHWAYS__V1__BENCH_REQUEST__INIT;
	Pathways__V1__BenchResponse r = PATHWAYS__V1__BENCH_RESPONSE__INIT;

	req.role_key = "nope";
	cr_assert_eq(fixture_run(&ctx, g, query_bench_run, &req, &r), QUERY_NOT_FOUND);
	query_ctx_reset(&ctx);
	req.role_key = "T";
	req.limit = 10001;
	cr_assert_eq(fixture_run(&ctx, g, query_bench_run, &req, &r),
		     QUERY_RESOURCE_EXHAUSTED);
	query_ctx_reset(&ctx);
	req.limit = 0;
	req.min_readiness = __builtin_nan("");
	cr_assert_eq(fixture_run(&ctx, g, query_bench_run, &req, &r),
		     QUERY_INVALID_ARGUMENT);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

/* T is grade 2 on ic. V (mgmt 3) outranks it and, at 100, sits on the
 * bench beside S (mgmt 2, a step across); E2 (R, ic 1) is a step up. */
Test(bench, successors_only_leaves_out_everyone_above_the_grade)
{
	graph_builder_t *b = fixture_base();
	Pathways__V1__BenchRequest req = PATHWAYS__V1__BENCH_REQUEST__INIT;
	Pathways__V1__BenchResponse r;
	struct query_ctx ctx;
	const char *want_all[] = { "S", "V", "E2" }, *want_succ[] = { "S", "E2" };
	graph_t *g;

	OK(graph_builder_role(b, "R", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "T", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "M2", "", "mgmt", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "M3", "", "mgmt", 3, "eng", 0, 0));
	OK(graph_builder_requirement(b, "T", "a", 2, 1, false));
	OK(graph_builder_employee(b, "V", "M3", NULL, true));
	OK(graph_builder_employee(b, "S", "M2", NULL, true));
	OK(graph_builder_employee(b, "E2", "R", NULL, true));
	OK(graph_builder_employee(b, "H", "T", NULL, true));
	OK(graph_builder_assessment(b, "V", "a", 3, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "S", "a", 2, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "E2", "a", 1, GRAPH_SRC_MANAGER, T0));
	g = fixture_finish(b);
	req.role_key = "T";
	for (int succ = 0; succ <= 1; succ++) {
		const char **want = succ ? want_succ : want_all;
		size_t n = succ ? 2 : 3;

		req.successors_only = succ;
		pathways__v1__bench_response__init(&r);
		cr_assert_eq(fixture_run(&ctx, g, query_bench_run, &req, &r), 0);
		cr_assert_eq(r.considered, n);
		cr_assert_eq(r.n_candidates, n);
		for (size_t i = 0; i < n; i++)
			cr_assert_str_eq(r.candidates[i]->employee_id, want[i]);
		/* READY_NOW: V and S, or S alone */
		cr_assert_eq(r.bands[3]->count, succ ? 1 : 2);
		query_ctx_reset(&ctx);
	}
	graph_unref(&g);
}

/* ---- mentors ----
 * learner L (a1) for T (a L2, b L2): needs a and b; bar max(2, 4) = 4.
 *   M1 a5 -> top 5, covers 1      M3 b5 -> top 5, covers 1
 *   M2 a4 b4 -> top 4, covers 2   M4 a3 -> not qualified
 *   M5 a5 b5 inactive             L itself a1 */
static graph_t *mentor_graph(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_role(b, "R", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "T", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "T", "a", 2, 1, false));
	OK(graph_builder_requirement(b, "T", "b", 2, 1, false));
	OK(graph_builder_employee(b, "L", "R", NULL, true));
	OK(graph_builder_employee(b, "M1", "T", NULL, true));
	OK(graph_builder_employee(b, "M2", "T", NULL, true));
	OK(graph_builder_employee(b, "M3", "R", NULL, true));
	OK(graph_builder_employee(b, "M4", "R", NULL, true));
	OK(graph_builder_employee(b, "M5", "R", NULL, false));
	OK(graph_builder_assessment(b, "L", "a", 1, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "M1", "a", 5, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "M2", "a", 4, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "M2", "b", 4, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "M3", "b", 5, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "M4", "a", 3, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "M5", "a", 5, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "M5", "b", 5, GRAPH_SRC_MANAGER, T0));
	return fixture_finish(b);
}

Test(mentors, ranked_by_level_then_coverage_never_the_learner)
{
	graph_t *g = mentor_graph();
	struct query_ctx ctx;
	Pathways__V1__MentorsRequest req = PATHWAYS__V1__MENTORS_REQUEST__INIT;
	Pathways__V1__MentorsResponse r = PATHWAYS__V1__MENTORS_RESPONSE__INIT;

	req.employee_id = "L";
	req.target_case = PATHWAYS__V1__MENTORS_REQUEST__TARGET_ROLE_KEY;
	req.role_key = "T";
	cr_assert_eq(fixture_run(&ctx, g, query_mentors_run, &req, &r), 0);
	cr_assert_eq(r.n_mentors, 3);
	cr_assert_str_eq(r.mentors[0]->employee_id, "M1");
	cr_assert_str_eq(r.mentors[1]->employee_id, "M3");
	cr_assert_str_eq(r.mentors[2]->employee_id, "M2");
	cr_assert_eq(r.mentors[2]->n_covers, 2);
	cr_assert_str_eq(r.mentors[2]->covers[0]->competency_key, "a");
	cr_assert_eq(r.mentors[2]->covers[0]->from_level, 2);
	cr_assert_eq(r.mentors[2]->covers[0]->to_level, 4);
	cr_assert_str_eq(r.mentors[0]->role_key, "T");
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(mentors, one_competency_asks_for_the_next_level)
{
	graph_t *g = mentor_graph();
	struct query_ctx ctx;
	Pathways__V1__MentorsRequest req = PATHWAYS__V1__MENTORS_REQUEST__INIT;
	Pathways__V1__MentorsResponse r = PATHWAYS__V1__MENTORS_RESPONSE__INIT;

	req.employee_id = "L";
	req.target_case = PATHWAYS__V1__MENTORS_REQUEST__TARGET_COMPETENCY_KEY;
	req.competency_key = "a";
	req.limit = 1;
	cr_assert_eq(fixture_run(&ctx, g, query_mentors_run, &req, &r), 0);
	cr_assert_eq(r.n_mentors, 1);
	cr_assert_str_eq(r.mentors[0]->employee_id, "M1");
	cr_assert_eq(r.mentors[0]->covers[0]->from_level, 2);	/* L = 1 + 1 */
	query_ctx_reset(&ctx);
	req.competency_key = "zz";
	pathways__v1__mentors_response__init(&r);
	cr_assert_eq(fixture_run(&ctx, g, query_mentors_run, &req, &r), QUERY_NOT_FOUND);
	query_ctx_reset(&ctx);
	req.employee_id = "nobody";
	cr_assert_eq(fixture_run(&ctx, g, query_mentors_run, &req, &r), QUERY_NOT_FOUND);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}
