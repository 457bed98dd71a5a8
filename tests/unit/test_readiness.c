#include <math.h>

#include "fixture.h"
#include "query/readiness.h"

/* Role R: a L4 w2 must-have, b L2 w1, c L3 w1, d L5 w1.
 * Employee E (manager-rated unless said):
 *   a: manager 3 @T0-100d, self 5 @T0-10d (self is not trusted) -> 3
 *   b: manager 2 -> 2 (met)
 *   c: peer 3 @T0-50d, then manager 1 @T0-40d: the latest wins -> 1
 *   d: never assessed -> 0
 * readiness = 100 * (2*3/4 + 1*2/2 + 1*1/3 + 1*0/5) / (2+1+1+1)
 *           = 100 * 2.8333.../5 = 56.666... -> 56.7 on the wire
 * met 1 of 4; blocker: a (must-have, 3 < 4); band DEVELOPING. */
static graph_t *scoring_graph(const char *mode, unsigned valid_days)
{
	graph_builder_t *b = fixture_base();
	char days[16];

	snprintf(days, sizeof(days), "%u", valid_days);
	OK(graph_builder_setting(b, "readiness_mode", mode));
	OK(graph_builder_setting(b, "assessment_valid_days", days));
	OK(graph_builder_role(b, "eng-ic-1", "Engineer", "ic", 1, "eng", 50, 60));
	OK(graph_builder_role(b, "R", "Senior", "ic", 2, "eng", 60, 80));
	OK(graph_builder_requirement(b, "R", "a", 4, 2, true));
	OK(graph_builder_requirement(b, "R", "b", 2, 1, false));
	OK(graph_builder_requirement(b, "R", "c", 3, 1, false));
	OK(graph_builder_requirement(b, "R", "d", 5, 1, false));
	OK(graph_builder_employee(b, "E", "eng-ic-1", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 3, GRAPH_SRC_MANAGER, T0 - 100 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 5, GRAPH_SRC_SELF, T0 - 10 * DAY));
	OK(graph_builder_assessment(b, "E", "b", 2, GRAPH_SRC_MANAGER, T0 - 20 * DAY));
	OK(graph_builder_assessment(b, "E", "c", 3, GRAPH_SRC_PEER, T0 - 50 * DAY));
	OK(graph_builder_assessment(b, "E", "c", 1, GRAPH_SRC_MANAGER, T0 - 40 * DAY));
	return fixture_finish(b);
}

static void score(const graph_t *g, const char *emp, const char *role,
		  struct query_readiness_score *sc)
{
	uint32_t e = graph_find_employee(g, emp), r = graph_find_role(g, role);

	cr_assert_neq(e, GRAPH_NONE);
	cr_assert_neq(r, GRAPH_NONE);
	query_readiness_score(g, &g->emps[e], r, T0, sc);
}

Test(readiness, weights_must_haves_missing_and_self_assessments)
{
	graph_t *g = scoring_graph("proportional", 0);
	struct query_readiness_score sc;

	score(g, "E", "R", &sc);
	cr_assert_float_eq(sc.readiness, 100.0 * (1.5 + 1.0 + 1.0 / 3.0) / 5.0, 1e-9);
	cr_assert_eq(sc.met, 1);
	cr_assert_eq(sc.required, 4);
	cr_assert_eq(sc.blockers, 1);
	cr_assert_eq(sc.band, PATHWAYS__V1__BAND__DEVELOPING);
	cr_assert_float_eq(query_round1(sc.readiness), 56.7, 1e-12);
	graph_unref(&g);
}

Test(readiness, self_assessments_count_when_trusted)
{
	graph_builder_t *b = fixture_base();
	graph_t *g;
	struct query_readiness_score sc;

	OK(graph_builder_setting(b, "trusted_sources", "manager,self"));
	OK(graph_builder_role(b, "R", "Senior", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "R", "a", 4, 1, false));
	OK(graph_builder_employee(b, "E", "R", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 3, GRAPH_SRC_MANAGER, T0 - 100 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 4, GRAPH_SRC_SELF, T0 - 10 * DAY));
	g = fixture_finish(b);
	score(g, "E", "R", &sc);
	cr_assert_float_eq(sc.readiness, 100.0, 1e-12);
	cr_assert_eq(sc.band, PATHWAYS__V1__BAND__READY_NOW);
	graph_unref(&g);
}

Test(readiness, same_timestamp_the_higher_level_wins)
{
	graph_builder_t *b = fixture_base();
	graph_t *g;
	struct query_readiness_score sc;

	OK(graph_builder_role(b, "R", "Senior", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "R", "a", 4, 1, false));
	OK(graph_builder_employee(b, "E", "R", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 2, GRAPH_SRC_MANAGER, T0 - DAY));
	OK(graph_builder_assessment(b, "E", "a", 3, GRAPH_SRC_PEER, T0 - DAY));
	OK(graph_builder_assessment(b, "E", "a", 1, GRAPH_SRC_CERTIFICATION, T0 - DAY));
	g = fixture_finish(b);
	score(g, "E", "R", &sc);
	cr_assert_float_eq(sc.readiness, 75.0, 1e-12);	/* 3 of 4 */
	graph_unref(&g);
}

Test(readiness, a_role_without_requirements_is_100)
{
	graph_builder_t *b = fixture_base();
	graph_t *g;
	struct query_readiness_score sc;

	OK(graph_builder_role(b, "R", "Open", "ic", 1, NULL, 0, 0));
	OK(graph_builder_employee(b, "E", "R", NULL, true));
	g = fixture_finish(b);
	score(g, "E", "R", &sc);
	cr_assert_float_eq(sc.readiness, 100.0, 1e-12);
	cr_assert_eq(sc.required, 0);
	cr_assert_eq(sc.band, PATHWAYS__V1__BAND__READY_NOW);
	graph_unref(&g);
}

/* weights w_met (met at level 1) and w_miss (level 0 of 1) put readiness
 * exactly at 100 * w_met / (w_met + w_miss) */
static double edge(double w_met, double w_miss, bool must_miss,
		   Pathways__V1__Band *band)
{
	graph_builder_t *b = fixture_base();
	graph_t *g;
	struct query_readiness_score sc;

	OK(graph_builder_role(b, "R", "Senior", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "R", "a", 1, w_met, false));
	OK(graph_builder_requirement(b, "R", "b", 1, w_miss, must_miss));
	OK(graph_builder_employee(b, "E", "R", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 1, GRAPH_SRC_MANAGER, T0));
	g = fixture_finish(b);
	score(g, "E", "R", &sc);
	*band = sc.band;
	graph_unref(&g);
	return sc.readiness;
}

Test(readiness, band_edges_exactly_at_90_70_40)
{
	Pathways__V1__Band band;

	cr_assert_float_eq(edge(9, 1, false, &band), 90.0, 1e-12);
	cr_assert_eq(band, PATHWAYS__V1__BAND__READY_NOW);
	cr_assert_float_eq(edge(7, 3, false, &band), 70.0, 1e-12);
	cr_assert_eq(band, PATHWAYS__V1__BAND__READY_SOON);
	cr_assert_float_eq(edge(4, 6, false, &band), 40.0, 1e-12);
	cr_assert_eq(band, PATHWAYS__V1__BAND__DEVELOPING);
	/* just below each edge */
	cr_assert_lt(edge(8.99, 1, false, &band), 90.0);
	cr_assert_eq(band, PATHWAYS__V1__BAND__READY_SOON);
	cr_assert_lt(edge(6.99, 3, false, &band), 70.0);
	cr_assert_eq(band, PATHWAYS__V1__BAND__DEVELOPING);
	cr_assert_lt(edge(3.99, 6, false, &band), 40.0);
	cr_assert_eq(band, PATHWAYS__V1__BAND__NOT_READY);
}

Test(readiness, a_blocker_caps_the_band_at_ready_soon)
{
	Pathways__V1__Band band;

	/* 95 with an unmet must-have */
	cr_assert_float_eq(edge(19, 1, true, &band), 95.0, 1e-12);
	cr_assert_eq(band, PATHWAYS__V1__BAND__READY_SOON);
}

Test(readiness, binary_mode_counts_met_requirements)
{
	graph_t *g = scoring_graph("binary", 0);
	struct query_readiness_score sc;

	score(g, "E", "R", &sc);
	cr_assert_float_eq(sc.readiness, 25.0, 1e-12);	/* 1 of 4 met */
	cr_assert_eq(sc.band, PATHWAYS__V1__BAND__NOT_READY);
	graph_unref(&g);
}

Test(readiness, expired_assessments_count_as_missing)
{
	/* valid 30 days: a (100 days old) and c (40 days) expire, b (20) stays:
	 * 100 * (0 + 1 + 0 + 0) / 5 = 20 */
	graph_t *g = scoring_graph("proportional", 30);
	struct query_readiness_score sc;
	bool stale;
	uint32_t e = graph_find_employee(g, "E");

	score(g, "E", "R", &sc);
	cr_assert_float_eq(sc.readiness, 20.0, 1e-12);
	cr_assert_eq(graph_level_of(g, &g->emps[e], graph_find_comp(g, "a"), T0,
				    &stale), 0);
	cr_assert(stale);
	cr_assert_eq(graph_level_of(g, &g->emps[e], graph_find_comp(g, "b"), T0,
				    &stale), 2);
	cr_assert_not(stale);
	graph_unref(&g);
}

Test(readiness, rounding_is_half_away_from_zero)
{
	cr_assert_float_eq(query_round1(81.25), 81.3, 1e-12);
	cr_assert_float_eq(query_round1(81.24999999999999), 81.3, 1e-12);
	cr_assert_float_eq(query_round1(93.75), 93.8, 1e-12);
	cr_assert_float_eq(query_round1(81.2), 81.2, 1e-12);
	cr_assert_float_eq(query_round1(56.66666), 56.7, 1e-12);
	cr_assert_float_eq(query_round1(0.0), 0.0, 1e-12);
}

/* ---- the Readiness method ---- */

static graph_t *method_graph(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_role(b, "eng-ic-1", "Engineer", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "eng-ic-2", "Senior", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "eng-mgr-2", "Manager", "mgmt", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "ops-ic-1", "Ops", "ic", 1, "ops", 0, 0));
	OK(graph_builder_requirement(b, "eng-ic-2", "a", 2, 1, false));
	OK(graph_builder_requirement(b, "eng-mgr-2", "d", 2, 1, true));
	OK(graph_builder_move(b, "eng-ic-1", "ops-ic-1", GRAPH_MOVE_LATERAL, 6));
	OK(graph_builder_move(b, "eng-ic-1", "eng-mgr-2", GRAPH_MOVE_TRACK_SWITCH, 18));
	OK(graph_builder_employee(b, "E1", "eng-ic-1", NULL, true));
	OK(graph_builder_employee(b, "E2", "eng-ic-2", "E1", true));
	OK(graph_builder_assessment(b, "E1", "a", 1, GRAPH_SRC_MANAGER, T0));
	return fixture_finish(b);
}

Test(readiness_method, no_roles_means_the_roles_one_move_away_by_key)
{
	graph_t *g = method_graph();
	Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
	Pathways__V1__ReadinessResponse resp = PATHWAYS__V1__READINESS_RESPONSE__INIT;
	char *ids[] = { "E1" };
	struct query_ctx ctx;

	req.n_employee_ids = 1;
	req.employee_ids = ids;
	cr_assert_eq(fixture_run(&ctx, g, query_readiness_run, &req, &resp), 0);
	/* explicit: ops-ic-1, eng-mgr-2; inferred promotion: eng-ic-2 */
	cr_assert_eq(resp.n_results, 3);
	cr_assert_str_eq(resp.results[0]->role_key, "eng-ic-2");
	cr_assert_str_eq(resp.results[1]->role_key, "eng-mgr-2");
	cr_assert_str_eq(resp.results[2]->role_key, "ops-ic-1");
	cr_assert_float_eq(resp.results[0]->readiness, 50.0, 1e-12);
	cr_assert_eq(resp.results[1]->n_blockers, 1);
	cr_assert_str_eq(resp.results[1]->blockers[0], "d");
	cr_assert_eq(resp.results[1]->band, PATHWAYS__V1__BAND__NOT_READY);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(readiness_method, unknown_employee_is_not_found_naming_it)
{
	graph_t *g = method_graph();
	Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
	Pathways__V1__ReadinessResponse resp = PATHWAYS__V1__READINESS_RESPONSE__INIT;
	char *ids[] = { "E1", "E404" };
	struct query_ctx ctx;

	req.n_employee_ids = 2;
	req.employee_ids = ids;
	cr_assert_eq(fixture_run(&ctx, g, query_readiness_run, &req, &resp),
		     QUERY_NOT_FOUND);
	cr_assert(strstr(ctx.message, "E404"), "%s", ctx.message);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(readiness_method, skip_unknown_reports_errors_per_pair_in_request_order)
{
	graph_t *g = method_graph();
	Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
	Pathways__V1__ReadinessResponse resp = PATHWAYS__V1__READINESS_RESPONSE__INIT;
	char *ids[] = { "E404", "E1" }, *roles[] = { "eng-ic-2", "nope" };
	struct query_ctx ctx;

	req.n_employee_ids = 2;
	req.employee_ids = ids;
	req.n_role_keys = 2;
	req.role_keys = roles;
	req.skip_unknown = true;
	cr_assert_eq(fixture_run(&ctx, g, query_readiness_run, &req, &resp), 0);
	cr_assert_eq(resp.n_results, 4);
	cr_assert_str_eq(resp.results[0]->employee_id, "E404");
	cr_assert_str_neq(resp.results[0]->error, "");
	cr_assert_str_eq(resp.results[2]->employee_id, "E1");
	cr_assert_str_eq(resp.results[2]->role_key, "eng-ic-2");
	cr_assert_str_eq(resp.results[2]->error, "");
	cr_assert_float_eq(resp.results[2]->readiness, 50.0, 1e-12);
	cr_assert_str_eq(resp.results[3]->role_key, "nope");
	cr_assert_str_neq(resp.results[3]->error, "");
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(readiness_method, more_than_100000_pairs_is_resource_exhausted)
{
	graph_t *g = method_graph();
	Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
	Pathways__V1__ReadinessResponse resp = PATHWAYS__V1__READINESS_RESPONSE__INIT;
	static char *ids[50001];
	char *roles[] = { "eng-ic-2", "eng-mgr-2" };
	struct query_ctx ctx;

	for (size_t i = 0; i < 50001; i++)
		ids[i] = "E1";
	req.n_employee_ids = 50001;
	req.employee_ids = ids;
	req.n_role_keys = 2;
	req.role_keys = roles;
	cr_assert_eq(fixture_run(&ctx, g, query_readiness_run, &req, &resp),
		     QUERY_RESOURCE_EXHAUSTED);
	query_ctx_reset(&ctx);
	req.n_employee_ids = 50000;
	cr_assert_eq(fixture_run(&ctx, g, query_readiness_run, &req, &resp), 0);
	cr_assert_eq(resp.n_results, 100000);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(readiness_method, estimates_have_a_far_lower_cap)
{
	graph_t *g = method_graph();
	Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
	Pathways__V1__ReadinessResponse resp = PATHWAYS__V1__READINESS_RESPONSE__INIT;
	static char *ids[1001];
	char *roles[] = { "eng-ic-2", "eng-mgr-2" };
	struct query_ctx ctx;

	for (size_t i = 0; i < 1001; i++)
		ids[i] = "E1";
	req.n_employee_ids = 1001;
	req.employee_ids = ids;
	req.n_role_keys = 2;
	req.role_keys = roles;
	req.with_estimates = true;
	cr_assert_eq(fixture_run(&ctx, g, query_readiness_run, &req, &resp),
		     QUERY_RESOURCE_EXHAUSTED);
	cr_assert(strstr(ctx.message, "with estimates"), "%s", ctx.message);
	query_ctx_reset(&ctx);
	req.n_employee_ids = 1000;
	cr_assert_eq(fixture_run(&ctx, g, query_readiness_run, &req, &resp), 0);
	cr_assert_eq(resp.n_results, QUERY_MAX_ESTIMATE_PAIRS);
	query_ctx_reset(&ctx);
	/* the same count without estimates is fine */
	req.n_employee_ids = 1001;
	req.with_estimates = false;
	cr_assert_eq(fixture_run(&ctx, g, query_readiness_run, &req, &resp), 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(readiness, a_score_exactly_on_a_threshold_is_exact)
{
	/* a 3 of 3 (w1), b 1 of 1 (w2), c 3 of 5 (w1), d 2 of 2 (w2),
	 * e 4 of 5 (w2): 100 * (1 + 2 + 3/5 + 2 + 2*4/5) / 8 = 90 exactly,
	 * which a plain sum of the fractions in this order gets as
	 * 89.99999999999999 -- READY_SOON instead of READY_NOW */
	graph_builder_t *b = fixture_base();
	const char *comps[] = { "a", "b", "c", "d", "e" };
	unsigned level[] = { 3, 1, 5, 2, 5 }, weight[] = { 1, 2, 1, 2, 2 };
	unsigned cur[] = { 5, 4, 3, 4, 4 };
	graph_t *g;
	struct query_readiness_score sc;

	OK(graph_builder_competency(b, "e", "E", 0, NULL));
	OK(graph_builder_role(b, "R", "", "ic", 1, NULL, 0, 0));
	OK(graph_builder_employee(b, "E", "R", NULL, true));
	for (int i = 0; i < 5; i++) {
		OK(graph_builder_requirement(b, "R", comps[i], level[i], weight[i], false));
		OK(graph_builder_assessment(b, "E", comps[i], cur[i], GRAPH_SRC_MANAGER, T0));
	}
	g = fixture_finish(b);
	score(g, "E", "R", &sc);
	cr_assert_eq(sc.readiness, 90.0, "%.17g", sc.readiness);
	cr_assert_eq(sc.band, PATHWAYS__V1__BAND__READY_NOW);
	graph_unref(&g);
}

Test(readiness, a_rating_half_a_second_later_is_the_latest)
{
	/* 5 then, half a second later, 2: times are kept to the microsecond,
	 * so this is no tie (a tie would go to the higher level) */
	graph_builder_t *b = fixture_base();
	graph_t *g;
	struct query_readiness_score sc;

	OK(graph_builder_role(b, "R", "", "ic", 1, NULL, 0, 0));
	OK(graph_builder_requirement(b, "R", "a", 4, 1, false));
	OK(graph_builder_employee(b, "E", "R", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 5, GRAPH_SRC_MANAGER, T0 - 1000000));
	OK(graph_builder_assessment(b, "E", "a", 2, GRAPH_SRC_MANAGER, T0 - 500000));
	g = fixture_finish(b);
	score(g, "E", "R", &sc);
	cr_assert_float_eq(sc.readiness, 50.0, 1e-12);
	graph_unref(&g);
}

/* ---- as of an instant ---- */

static int readiness_as_of(struct query_ctx *ctx, const graph_t *g,
			   int64_t as_of_ms,
			   Pathways__V1__ReadinessResponse *resp)
{
	Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
	static char *ids[] = { "E" }, *roles[] = { "R" };

	req.n_employee_ids = 1;
	req.employee_ids = ids;
	req.n_role_keys = 1;
	req.role_keys = roles;
	req.as_of_unix_ms = as_of_ms;
	pathways__v1__readiness_response__init(resp);
	return fixture_run(ctx, g, query_readiness_run, &req, resp);
}

/* scoring_graph's E (see above) at earlier instants, ratings valid for
 * 45 days; only ratings at or before the instant count, and their age is
 * counted from it:
 *   T0-45d: a 3 @-100d is 55 days old (0), b's -20d rating is later (0),
 *           c peer 3 @-50d (the -40d one is later) -> 3
 *           -> 100 * (0 + 0 + 1*3/3 + 0) / 5 = 20, a blocks
 *   T0-60d: a 3 is 40 days old -> 100 * (2*3/4) / 5 = 30
 *   T0:     a lapsed, b 2, c 1 -> 100 * (1 + 1/3) / 5 = 26.7 */
Test(readiness_method, as_of_reads_the_levels_and_expiry_of_that_instant)
{
	graph_t *g = scoring_graph("proportional", 45);
	Pathways__V1__ReadinessResponse resp;
	struct query_ctx ctx;

	cr_assert_eq(readiness_as_of(&ctx, g, (T0 - 45 * DAY) / 1000, &resp), 0);
	cr_assert_float_eq(resp.results[0]->readiness, 20.0, 1e-12);
	cr_assert_eq(resp.results[0]->n_blockers, 1);
	query_ctx_reset(&ctx);
	cr_assert_eq(readiness_as_of(&ctx, g, (T0 - 60 * DAY) / 1000, &resp), 0);
	cr_assert_float_eq(resp.results[0]->readiness, 30.0, 1e-12);
	query_ctx_reset(&ctx);
	/* the instant now is now */
	cr_assert_eq(readiness_as_of(&ctx, g, T0 / 1000, &resp), 0);
	cr_assert_float_eq(resp.results[0]->readiness,
			   query_round1(100.0 * (1.0 + 1.0 / 3.0) / 5.0), 1e-12);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(readiness_method, as_of_in_the_future_is_invalid)
{
	graph_t *g = scoring_graph("proportional", 0);
	Pathways__V1__ReadinessResponse resp;
	struct query_ctx ctx;

	cr_assert_eq(readiness_as_of(&ctx, g, T0 / 1000 + 1, &resp),
		     QUERY_INVALID_ARGUMENT);
	cr_assert(strstr(ctx.message, "as_of_unix_ms"), "%s", ctx.message);
	query_ctx_reset(&ctx);
	cr_assert_eq(readiness_as_of(&ctx, g, INT64_MAX, &resp),
		     QUERY_INVALID_ARGUMENT);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}
