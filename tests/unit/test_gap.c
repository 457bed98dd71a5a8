/* Gap: per requirement, required against current levels, now and as of an
 * earlier instant. */
#include "fixture.h"
#include "query/gap.h"

/* R requires a L3 and b L2; E: a 2 @-100d then 4 @-10d, b 2 @-80d;
 * ratings valid 60 days. */
static graph_t *gap_graph(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_setting(b, "assessment_valid_days", "60"));
	OK(graph_builder_role(b, "R", "Senior", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "R", "a", 3, 1, false));
	OK(graph_builder_requirement(b, "R", "b", 2, 1, false));
	OK(graph_builder_employee(b, "E", "R", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 2, GRAPH_SRC_MANAGER, T0 - 100 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 4, GRAPH_SRC_MANAGER, T0 - 10 * DAY));
	OK(graph_builder_assessment(b, "E", "b", 2, GRAPH_SRC_MANAGER, T0 - 80 * DAY));
	return fixture_finish(b);
}

static int gap(struct query_ctx *ctx, const graph_t *g, int64_t as_of_ms,
	       Pathways__V1__GapResponse *resp)
{
	Pathways__V1__GapRequest req = PATHWAYS__V1__GAP_REQUEST__INIT;

	req.employee_id = "E";
	req.role_key = "R";
	req.as_of_unix_ms = as_of_ms;
	pathways__v1__gap_response__init(resp);
	return fixture_run(ctx, g, query_gap_run, &req, resp);
}

Test(gap, now_a_is_a_strength_and_b_has_lapsed)
{
	graph_t *g = gap_graph();
	Pathways__V1__GapResponse resp;
	struct query_ctx ctx;

	cr_assert_eq(gap(&ctx, g, 0, &resp), 0, "%s", ctx.message);
	cr_assert_eq(resp.n_gaps, 2);
	cr_assert_eq(resp.gaps[0]->current, 4);
	cr_assert_eq(resp.gaps[1]->current, 0);
	cr_assert(resp.gaps[1]->stale);
	cr_assert_eq(resp.n_strengths, 1);
	cr_assert_float_eq(resp.readiness, 50.0, 1e-12);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(gap, as_of_gives_the_levels_and_staleness_of_that_instant)
{
	graph_t *g = gap_graph();
	Pathways__V1__GapResponse resp;
	struct query_ctx ctx;

	/* T0-50d: a 2 (50 days old), b 2 (30 days) -> 100 * (2/3 + 1) / 2 */
	cr_assert_eq(gap(&ctx, g, (T0 - 50 * DAY) / 1000, &resp), 0);
	cr_assert_eq(resp.gaps[0]->current, 2);
	cr_assert_eq(resp.gaps[0]->deficit, 1);
	cr_assert_not(resp.gaps[0]->stale);
	cr_assert_eq(resp.gaps[1]->current, 2);
	cr_assert_not(resp.gaps[1]->stale);
	cr_assert_eq(resp.n_strengths, 0);
	cr_assert_float_eq(resp.weighted_deficit, 1.0, 1e-12);
	cr_assert_float_eq(resp.readiness, 83.3, 1e-12);
	query_ctx_reset(&ctx);
	/* T0-30d: a's rating is 70 days old: stale */
	cr_assert_eq(gap(&ctx, g, (T0 - 30 * DAY) / 1000, &resp), 0);
	cr_assert_eq(resp.gaps[0]->current, 0);
	cr_assert(resp.gaps[0]->stale);
	query_ctx_reset(&ctx);
	cr_assert_eq(gap(&ctx, g, T0 / 1000 + 1, &resp), QUERY_INVALID_ARGUMENT);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}
