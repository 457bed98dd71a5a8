/* Trend against hand-worked histories, and each point against Readiness
 * as of its instant. */
#include "fixture.h"
#include "query/readiness.h"
#include "query/trend.h"

#define MS(us) ((us) / 1000)

/* Role R requires a L4 and b L2 (weight 1 each, proportional). E holds
 * eng-ic-1 (next: R by an explicit promotion) and was rated:
 *   a: manager 2 @-300d, peer 3 @-200d, self 5 @-150d (untrusted),
 *      manager 3 @-100d (a re-rating at the same level), manager 4 and
 *      peer 2 both @-50d (a tie: 4), manager 1 @-20d (a later lower one)
 *   b: manager 2 @-250d
 * Without expiry the readiness for R is
 *   -300d 25 (a 2/4) · -250d 75 (b) · -200d 87.5 · -50d 100 · -20d 62.5
 * With assessment_valid_days 60 each rating counts 0 from 60 days and a
 * microsecond after it, so the series is
 *   -300d 25 · -250d 75 · -240d 50 (a's expires) · -200d 87.5 ·
 *   -190d 37.5 (b's expires) · -140d 0 (a's) · -100d 37.5 (a re-rated 3
 *   after it lapsed is a change) · -50d 50 · -20d 12.5
 *   (-40d: the -100d rating lapses, but -50d's is the latest: no point) */
static graph_t *trend_graph(unsigned valid_days)
{
	graph_builder_t *b = fixture_base();
	char days[16];

	snprintf(days, sizeof(days), "%u", valid_days);
	OK(graph_builder_setting(b, "assessment_valid_days", days));
	OK(graph_builder_role(b, "eng-ic-1", "Engineer", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "R", "Senior", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "Q", "Other", "mgmt", 3, "ops", 0, 0));
	OK(graph_builder_requirement(b, "R", "a", 4, 1, false));
	OK(graph_builder_requirement(b, "R", "b", 2, 1, false));
	OK(graph_builder_requirement(b, "Q", "c", 1, 1, false));
	OK(graph_builder_requirement(b, "eng-ic-1", "b", 1, 1, false));
	OK(graph_builder_employee(b, "E", "eng-ic-1", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 2, GRAPH_SRC_MANAGER, T0 - 300 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 3, GRAPH_SRC_PEER, T0 - 200 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 5, GRAPH_SRC_SELF, T0 - 150 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 3, GRAPH_SRC_MANAGER, T0 - 100 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 4, GRAPH_SRC_MANAGER, T0 - 50 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 2, GRAPH_SRC_PEER, T0 - 50 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 1, GRAPH_SRC_MANAGER, T0 - 20 * DAY));
	OK(graph_builder_assessment(b, "E", "b", 2, GRAPH_SRC_MANAGER, T0 - 250 * DAY));
	return fixture_finish(b);
}

static int trend(struct query_ctx *ctx, const graph_t *g, const char *role,
		 int64_t from, int64_t to, Pathways__V1__TrendResponse *resp)
{
	Pathways__V1__TrendRequest req = PATHWAYS__V1__TREND_REQUEST__INIT;
	char *roles[] = { (char *)role };

	req.employee_id = "E";
	req.n_role_keys = role ? 1 : 0;
	req.role_keys = roles;
	req.from_unix_ms = from;
	req.to_unix_ms = to;
	pathways__v1__trend_response__init(resp);
	return fixture_run(ctx, g, query_trend_run, &req, resp);
}

struct want {
	int64_t at;		/* µs */
	double readiness;
	const char *changed;	/* "a:2>3 b:0>2" */
};

static void changed_str(const Pathways__V1__TrendPoint *p, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < p->n_changed; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s:%u>%u",
					i ? " " : "",
					p->changed[i]->competency_key,
					p->changed[i]->from_level,
					p->changed[i]->to_level);
}

static void check_series(const Pathways__V1__TrendSeries *s,
			 const struct want *w, size_t n)
{
	char got[128];

	cr_assert_eq(s->n_points, n, "%zu points, not %zu", s->n_points, n);
	for (size_t i = 0; i < n; i++) {
		const Pathways__V1__TrendPoint *p = s->points[i];

		cr_assert_eq(p->at_unix_ms, MS(w[i].at), "point %zu at %lld", i,
			     (long long)p->at_unix_ms);
		cr_assert_float_eq(p->readiness, w[i].readiness, 1e-9,
				   "point %zu: %f", i, p->readiness);
		changed_str(p, got, sizeof(got));
		cr_assert_str_eq(got, w[i].changed, "point %zu", i);
	}
}

/* Readiness with as_of at each point's instant gives the point. */
static void check_against_readiness(const graph_t *g,
				    const Pathways__V1__TrendSeries *s)
{
	for (size_t i = 0; i < s->n_points; i++) {
		Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
		Pathways__V1__ReadinessResponse resp =
			PATHWAYS__V1__READINESS_RESPONSE__INIT;
		char *ids[] = { "E" }, *roles[] = { s->role_key };
		struct query_ctx ctx;

		req.n_employee_ids = 1;
		req.employee_ids = ids;
		req.n_role_keys = 1;
		req.role_keys = roles;
		req.as_of_unix_ms = s->points[i]->at_unix_ms;
		cr_assert_eq(fixture_run(&ctx, g, query_readiness_run, &req,
					 &resp), 0, "%s", ctx.message);
		cr_assert_float_eq(resp.results[0]->readiness,
				   s->points[i]->readiness, 1e-12, "point %zu", i);
		cr_assert_eq(resp.results[0]->band, s->points[i]->band);
		cr_assert_eq(resp.results[0]->met, s->points[i]->met);
		query_ctx_reset(&ctx);
	}
}

Test(trend, a_point_per_change_from_the_first_assessment)
{
	graph_t *g = trend_graph(0);
	Pathways__V1__TrendResponse resp = PATHWAYS__V1__TREND_RESPONSE__INIT;
	struct query_ctx ctx;
	static const struct want w[] = {
		{ T0 - 300 * DAY, 25.0, "" },
		{ T0 - 250 * DAY, 75.0, "b:0>2" },
		{ T0 - 200 * DAY, 87.5, "a:2>3" },
		{ T0 - 50 * DAY, 100.0, "a:3>4" },
		{ T0 - 20 * DAY, 62.5, "a:4>1" },
	};

	cr_assert_eq(trend(&ctx, g, "R", 0, 0, &resp), 0, "%s", ctx.message);
	cr_assert_eq(resp.n_series, 1);
	cr_assert_str_eq(resp.series[0]->role_key, "R");
	check_series(resp.series[0], w, 5);
	cr_assert_eq(resp.series[0]->points[3]->band,
		     PATHWAYS__V1__BAND__READY_NOW);
	cr_assert_eq(resp.series[0]->points[3]->met, 2);
	check_against_readiness(g, resp.series[0]);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(trend, expiry_passing_mid_series_is_a_point)
{
	graph_t *g = trend_graph(60);
	Pathways__V1__TrendResponse resp = PATHWAYS__V1__TREND_RESPONSE__INIT;
	struct query_ctx ctx;
	/* a lapse shows at the first whole millisecond after 60 days */
	static const struct want w[] = {
		{ T0 - 300 * DAY, 25.0, "" },
		{ T0 - 250 * DAY, 75.0, "b:0>2" },
		{ T0 - 240 * DAY + 1000, 50.0, "a:2>0" },
		{ T0 - 200 * DAY, 87.5, "a:0>3" },
		{ T0 - 190 * DAY + 1000, 37.5, "b:2>0" },
		{ T0 - 140 * DAY + 1000, 0.0, "a:3>0" },
		{ T0 - 100 * DAY, 37.5, "a:0>3" },
		{ T0 - 50 * DAY, 50.0, "a:3>4" },
		{ T0 - 20 * DAY, 12.5, "a:4>1" },
	};

	cr_assert_eq(trend(&ctx, g, "R", 0, 0, &resp), 0, "%s", ctx.message);
	check_series(resp.series[0], w, 9);
	check_against_readiness(g, resp.series[0]);
	/* a millisecond before the lapse it still counted */
	query_ctx_reset(&ctx);
	cr_assert_eq(trend(&ctx, g, "R", MS(T0 - 240 * DAY), MS(T0 - 240 * DAY),
			   &resp), 0);
	cr_assert_float_eq(resp.series[0]->points[0]->readiness, 75.0, 1e-12);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(trend, from_and_to_bound_the_series)
{
	graph_t *g = trend_graph(0);
	Pathways__V1__TrendResponse resp = PATHWAYS__V1__TREND_RESPONSE__INIT;
	struct query_ctx ctx;
	/* from -210d: a 2, b 2; the change at -200d; to -60d stops before
	 * -50d */
	static const struct want w[] = {
		{ T0 - 210 * DAY, 75.0, "" },
		{ T0 - 200 * DAY, 87.5, "a:2>3" },
	};

	cr_assert_eq(trend(&ctx, g, "R", MS(T0 - 210 * DAY), MS(T0 - 60 * DAY),
			   &resp), 0, "%s", ctx.message);
	check_series(resp.series[0], w, 2);
	query_ctx_reset(&ctx);
	/* a change exactly at `to` is in, one exactly at `from` is the
	 * first point's own */
	cr_assert_eq(trend(&ctx, g, "R", MS(T0 - 250 * DAY), MS(T0 - 200 * DAY),
			   &resp), 0);
	cr_assert_eq(resp.series[0]->n_points, 2);
	cr_assert_float_eq(resp.series[0]->points[0]->readiness, 75.0, 1e-12);
	cr_assert_eq(resp.series[0]->points[0]->n_changed, 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(trend, no_roles_means_the_own_role_then_the_next_by_key)
{
	graph_t *g = trend_graph(0);
	Pathways__V1__TrendResponse resp = PATHWAYS__V1__TREND_RESPONSE__INIT;
	struct query_ctx ctx;

	cr_assert_eq(trend(&ctx, g, NULL, 0, 0, &resp), 0, "%s", ctx.message);
	/* eng-ic-1 (own), then R (the inferred promotion) */
	cr_assert_eq(resp.n_series, 2);
	cr_assert_str_eq(resp.series[0]->role_key, "eng-ic-1");
	cr_assert_str_eq(resp.series[1]->role_key, "R");
	/* eng-ic-1 requires only b: from b's first rating, one point */
	cr_assert_eq(resp.series[0]->n_points, 1);
	cr_assert_eq(resp.series[0]->points[0]->at_unix_ms, MS(T0 - 250 * DAY));
	cr_assert_float_eq(resp.series[0]->points[0]->readiness, 100.0, 1e-12);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(trend, a_role_never_assessed_has_one_point_at_to)
{
	graph_t *g = trend_graph(0);
	Pathways__V1__TrendResponse resp = PATHWAYS__V1__TREND_RESPONSE__INIT;
	struct query_ctx ctx;

	cr_assert_eq(trend(&ctx, g, "Q", 0, 0, &resp), 0, "%s", ctx.message);
	cr_assert_eq(resp.series[0]->n_points, 1);
	cr_assert_eq(resp.series[0]->points[0]->at_unix_ms, MS(T0));
	cr_assert_float_eq(resp.series[0]->points[0]->readiness, 0.0, 1e-12);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(trend, bad_instants_are_invalid_and_unknown_names_not_found)
{
	graph_t *g = trend_graph(0);
	Pathways__V1__TrendResponse resp = PATHWAYS__V1__TREND_RESPONSE__INIT;
	Pathways__V1__TrendRequest req = PATHWAYS__V1__TREND_REQUEST__INIT;
	struct query_ctx ctx;
	char *roles[] = { "R", "nope" };

	cr_assert_eq(trend(&ctx, g, "R", 0, MS(T0) + 1, &resp),
		     QUERY_INVALID_ARGUMENT, "to in the future");
	query_ctx_reset(&ctx);
	cr_assert_eq(trend(&ctx, g, "R", MS(T0 - DAY), MS(T0 - 2 * DAY), &resp),
		     QUERY_INVALID_ARGUMENT, "from after to");
	query_ctx_reset(&ctx);
	cr_assert_eq(trend(&ctx, g, "R", MS(T0), 0, &resp), 0, "from = now");
	query_ctx_reset(&ctx);
	req.employee_id = "E404";
	cr_assert_eq(fixture_run(&ctx, g, query_trend_run, &req, &resp),
		     QUERY_NOT_FOUND);
	cr_assert(strstr(ctx.message, "E404"), "%s", ctx.message);
	query_ctx_reset(&ctx);
	req.employee_id = "E";
	req.n_role_keys = 2;
	req.role_keys = roles;
	cr_assert_eq(fixture_run(&ctx, g, query_trend_run, &req, &resp),
		     QUERY_NOT_FOUND);
	cr_assert(strstr(ctx.message, "nope"), "%s", ctx.message);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}
