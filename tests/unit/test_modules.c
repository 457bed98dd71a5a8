#include "fixture.h"
#include "query/modules.h"

/* Role R: a L4 w2, b L2 w1, c L1 w1, d L3 w1.
 * Modules: a-basics (a 0->2, 10 h), a-advanced (a 2->4, 20 h, needs
 * a-basics), b-course (b 0->2, 5 h), b-workshop (b 0->2, 8 h),
 * x and y (d 0->3, 1 h each) requiring each other: a cycle. */
static graph_builder_t *modules_base(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_role(b, "R", "Senior", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "R", "a", 4, 2, false));
	OK(graph_builder_requirement(b, "R", "b", 2, 1, false));
	OK(graph_builder_requirement(b, "R", "c", 1, 1, false));
	OK(graph_builder_requirement(b, "R", "d", 3, 1, true));
	OK(graph_builder_module(b, "a-basics", "A basics", 0, 10, "LMS-1"));
	OK(graph_builder_module(b, "a-advanced", "A advanced", 0, 20, "LMS-2"));
	OK(graph_builder_module(b, "b-course", "B course", 0, 5, "LMS-3"));
	OK(graph_builder_module(b, "b-workshop", "B workshop", 1, 8, "LMS-4"));
	OK(graph_builder_module(b, "x", "X", 3, 1, ""));
	OK(graph_builder_module(b, "y", "Y", 3, 1, ""));
	OK(graph_builder_outcome(b, "a-basics", "a", 0, 2));
	OK(graph_builder_outcome(b, "a-advanced", "a", 2, 4));
	OK(graph_builder_outcome(b, "b-course", "b", 0, 2));
	OK(graph_builder_outcome(b, "b-workshop", "b", 0, 2));
	OK(graph_builder_outcome(b, "x", "d", 0, 3));
	OK(graph_builder_outcome(b, "y", "d", 0, 3));
	OK(graph_builder_prereq(b, "a-advanced", "a-basics"));
	OK(graph_builder_prereq(b, "x", "y"));
	OK(graph_builder_prereq(b, "y", "x"));
	OK(graph_builder_employee(b, "E", "R", NULL, true));
	OK(graph_builder_assessment(b, "E", "c", 1, GRAPH_SRC_MANAGER, T0));
	return b;
}

static Pathways__V1__RecommendModulesResponse run(struct query_ctx *ctx,
						 graph_t *g, double max_hours,
						 unsigned max_modules, int *code)
{
	Pathways__V1__RecommendModulesRequest req =
		PATHWAYS__V1__RECOMMEND_MODULES_REQUEST__INIT;
	Pathways__V1__RecommendModulesResponse resp =
		PATHWAYS__V1__RECOMMEND_MODULES_RESPONSE__INIT;

	req.employee_id = "E";
	req.role_key = "R";
	req.max_hours = max_hours;
	req.max_modules = max_modules;
	*code = fixture_run(ctx, g, query_modules_run, &req, &resp);
	return resp;
}

static void assert_step(const Pathways__V1__ModuleStep *s, const char *key,
			double hours, double cum, bool prereq)
{
	cr_assert_str_eq(s->module_key, key);
	cr_assert_float_eq(s->hours, hours, 1e-12);
	cr_assert_float_eq(s->cumulative_hours, cum, 1e-12);
	cr_assert_eq(s->prerequisite, prereq, "%s prerequisite", key);
}

/* a=1, b=0: ratios b-course 2/5, b-workshop 2/8, a-basics 2*(2-1)/10;
 * a-advanced is not applicable until a reaches 2 (entry level).
 * -> b-course, then a-basics, then a-advanced (2*(4-2)/20); d stays
 * uncovered: only x and y teach it and they form a prerequisite cycle. */
Test(modules, entry_levels_are_reached_by_earlier_modules)
{
	graph_builder_t *b = modules_base();
	graph_t *g;
	struct query_ctx ctx;
	int code;

	OK(graph_builder_assessment(b, "E", "a", 1, GRAPH_SRC_MANAGER, T0));
	g = fixture_finish(b);
	Pathways__V1__RecommendModulesResponse r = run(&ctx, g, 0, 0, &code);

	cr_assert_eq(code, 0, "%s", ctx.message);
	cr_assert_eq(r.n_modules, 3);
	assert_step(r.modules[0], "b-course", 5, 5, false);
	assert_step(r.modules[1], "a-basics", 10, 15, false);
	assert_step(r.modules[2], "a-advanced", 20, 35, false);
	cr_assert_eq(r.modules[1]->n_closes, 1);
	cr_assert_str_eq(r.modules[1]->closes[0]->competency_key, "a");
	cr_assert_eq(r.modules[1]->closes[0]->from_level, 1);
	cr_assert_eq(r.modules[1]->closes[0]->to_level, 2);
	cr_assert_eq(r.modules[2]->closes[0]->from_level, 2);
	cr_assert_eq(r.modules[2]->closes[0]->to_level, 4);
	cr_assert_str_eq(r.modules[0]->lms_ref, "LMS-3");
	cr_assert_float_eq(r.total_hours, 35, 1e-12);
	cr_assert_eq(r.n_uncovered, 1);
	cr_assert_str_eq(r.uncovered[0]->competency_key, "d");
	cr_assert_eq(r.uncovered[0]->current, 0);
	cr_assert_eq(r.uncovered[0]->required, 3);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

/* a=2: a-basics has no value; a-advanced is worth 2*(4-2) = 4 for
 * 20 + 10 hours (its missing prerequisite counts): it comes after
 * b-course (2/5), with a-basics first, marked as a prerequisite. */
Test(modules, missing_prerequisites_come_first_and_are_marked)
{
	graph_builder_t *b = modules_base();
	graph_t *g;
	struct query_ctx ctx;
	int code;

	OK(graph_builder_assessment(b, "E", "a", 2, GRAPH_SRC_MANAGER, T0));
	g = fixture_finish(b);
	Pathways__V1__RecommendModulesResponse r = run(&ctx, g, 0, 0, &code);

	cr_assert_eq(code, 0);
	cr_assert_eq(r.n_modules, 3);
	assert_step(r.modules[0], "b-course", 5, 5, false);
	assert_step(r.modules[1], "a-basics", 10, 15, true);
	assert_step(r.modules[2], "a-advanced", 20, 35, false);
	cr_assert_eq(r.modules[1]->n_closes, 0);	/* a was already 2 */
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(modules, completed_modules_are_skipped)
{
	graph_builder_t *b = modules_base();
	graph_t *g;
	struct query_ctx ctx;
	int code;

	OK(graph_builder_assessment(b, "E", "a", 2, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_completion(b, "E", "a-basics"));
	OK(graph_builder_completion(b, "E", "b-course"));
	g = fixture_finish(b);
	Pathways__V1__RecommendModulesResponse r = run(&ctx, g, 0, 0, &code);

	/* b-workshop 2/8 = 0.25 beats a-advanced 4/20 = 0.2 */
	cr_assert_eq(code, 0);
	cr_assert_eq(r.n_modules, 2);
	assert_step(r.modules[0], "b-workshop", 8, 8, false);
	assert_step(r.modules[1], "a-advanced", 20, 28, false);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(modules, a_budget_stops_the_pathway)
{
	graph_builder_t *b = modules_base();
	graph_t *g;
	struct query_ctx ctx;
	int code;

	OK(graph_builder_assessment(b, "E", "a", 1, GRAPH_SRC_MANAGER, T0));
	g = fixture_finish(b);
	Pathways__V1__RecommendModulesResponse r = run(&ctx, g, 20, 0, &code);

	/* a-advanced would reach 35 h: passed over */
	cr_assert_eq(code, 0);
	cr_assert_eq(r.n_modules, 2);
	assert_step(r.modules[1], "a-basics", 10, 15, false);
	cr_assert_eq(r.n_uncovered, 2);
	cr_assert_str_eq(r.uncovered[0]->competency_key, "a");
	cr_assert_eq(r.uncovered[0]->current, 2);
	query_ctx_reset(&ctx);

	r = run(&ctx, g, 0, 1, &code);
	cr_assert_eq(r.n_modules, 1);
	assert_step(r.modules[0], "b-course", 5, 5, false);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(modules, a_negative_or_nan_budget_is_invalid)
{
	graph_t *g = fixture_finish(modules_base());
	struct query_ctx ctx;
	int code;

	run(&ctx, g, -1, 0, &code);
	cr_assert_eq(code, QUERY_INVALID_ARGUMENT);
	query_ctx_reset(&ctx);
	run(&ctx, g, __builtin_nan(""), 0, &code);
	cr_assert_eq(code, QUERY_INVALID_ARGUMENT);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(modules, prerequisite_cycles_are_found)
{
	graph_t *g = fixture_finish(modules_base());
	uint32_t x = graph_find_module(g, "x"), y = graph_find_module(g, "y");
	uint32_t a = graph_find_module(g, "a-basics");

	cr_assert(g->modules[x].on_cycle);
	cr_assert(g->modules[y].on_cycle);
	cr_assert_eq(g->modules[x].scc, g->modules[y].scc);
	cr_assert_not(g->modules[a].on_cycle);
	graph_unref(&g);
}
