#include "fixture.h"
#include "query/readiness.h"

static graph_t *base_graph(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_role(b, "R", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "T", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "T", "a", 4, 1, false));
	OK(graph_builder_module(b, "m", "", 0, 3, ""));
	OK(graph_builder_employee(b, "E1", "R", NULL, true));
	OK(graph_builder_employee(b, "E2", "R", "E1", true));
	OK(graph_builder_employee(b, "E3", "R", "E1", true));
	OK(graph_builder_assessment(b, "E1", "a", 4, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "E2", "a", 1, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "E2", "a", 5, GRAPH_SRC_SELF, T0));
	OK(graph_builder_assessment(b, "E3", "a", 2, GRAPH_SRC_MANAGER, T0));
	return fixture_finish(b);
}

static double readiness(const graph_t *g, const char *emp)
{
	struct query_readiness_score sc;
	uint32_t e = graph_find_employee(g, emp);

	cr_assert_neq(e, GRAPH_NONE, "%s missing", emp);
	query_readiness_score(g, &g->emps[e], graph_find_role(g, "T"), T0, &sc);
	return sc.readiness;
}

Test(graph, keys_index_everything)
{
	graph_t *g = base_graph();

	cr_assert_eq(g->emps_n, 3);
	cr_assert_eq(g->assessments_n, 4);
	cr_assert_neq(graph_find_role(g, "T"), GRAPH_NONE);
	cr_assert_eq(graph_find_role(g, "nope"), GRAPH_NONE);
	cr_assert_str_eq(g->emps[graph_find_employee(g, "E2")].manager_id, "E1");
	cr_assert_str_eq(g->emps[graph_find_employee(g, "E1")].manager_id, "");
	graph_unref(&g);
}

Test(graph, the_builder_rejects_bad_rows)
{
	graph_builder_t *b = fixture_base();

	cr_assert_eq(graph_builder_track(b, "ic", "", GRAPH_TRACK_IC), -EEXIST);
	cr_assert_eq(graph_builder_role(b, "R", "", "nope", 1, NULL, 0, 0), -ENOENT);
	OK(graph_builder_role(b, "R", "", "ic", 1, NULL, 0, 0));
	cr_assert_eq(graph_builder_requirement(b, "R", "a", 6, 1, false), -EINVAL);
	cr_assert_eq(graph_builder_requirement(b, "R", "zz", 3, 1, false), -ENOENT);
	cr_assert_eq(graph_builder_move(b, "R", "R", GRAPH_MOVE_LATERAL, 1), -EINVAL);
	cr_assert_eq(graph_builder_setting(b, "band_ready_now", "abc"), -EINVAL);
	cr_assert_eq(graph_builder_setting(b, "no_such_setting", "1"), -EINVAL);
	graph_builder_destroy(&b);
	cr_assert_null(b);
}

Test(graph, a_manager_that_does_not_exist_fails_the_build)
{
	graph_builder_t *b = fixture_base();
	graph_t *g = NULL;

	OK(graph_builder_role(b, "R", "", "ic", 1, NULL, 0, 0));
	OK(graph_builder_employee(b, "E1", "R", "GHOST", true));
	cr_assert_eq(graph_builder_finish(&b, 1, &g), -ENOENT);
	cr_assert_null(g);
	cr_assert_null(b);
}

Test(graph, a_delta_replaces_removes_and_adds_employees)
{
	graph_t *old = base_graph(), *g = NULL;
	graph_builder_t *b = graph_builder_new_delta(old);
	const char *changed[] = { "E2", "E3", "E4" };

	cr_assert_not_null(b);
	cr_assert_eq(graph_builder_role(b, "X", "", "ic", 1, NULL, 0, 0), -EINVAL);
	OK(graph_builder_employee(b, "E2", "T", "E1", true));
	OK(graph_builder_employee(b, "E4", "R", "E2", false));
	OK(graph_builder_assessment(b, "E2", "a", 3, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "E4", "a", 2, GRAPH_SRC_PEER, T0));
	OK(graph_builder_completion(b, "E4", "m"));
	OK(graph_builder_finish_delta(&b, old, changed, 3, 2, &g));
	cr_assert_null(b);
	cr_assert_eq(g->version, 2);
	cr_assert_eq(g->emps_n, 3);	/* E1, E2, E4 */
	cr_assert_eq(graph_find_employee(g, "E3"), GRAPH_NONE);
	cr_assert_float_eq(readiness(g, "E2"), 75, 1e-12);
	cr_assert_float_eq(readiness(g, "E4"), 50, 1e-12);
	cr_assert_float_eq(readiness(g, "E1"), 100, 1e-12);
	cr_assert_eq(g->emps[graph_find_employee(g, "E2")].role,
		     graph_find_role(g, "T"));
	cr_assert_not(g->emps[graph_find_employee(g, "E4")].active);
	cr_assert_eq(g->emps[graph_find_employee(g, "E4")].completed_n, 1);
	/* 4 rows - E2's 2 - E3's 1 + 1 + 1 */
	cr_assert_eq(g->assessments_n, 3);
	/* the old snapshot is untouched */
	cr_assert_float_eq(readiness(old, "E2"), 25, 1e-12);
	cr_assert_neq(graph_find_employee(old, "E3"), GRAPH_NONE);
	cr_assert_eq(graph_find_employee(old, "E4"), GRAPH_NONE);
	/* the old one can go first: the new one shares its framework */
	graph_unref(&old);
	cr_assert_float_eq(readiness(g, "E1"), 100, 1e-12);
	graph_unref(&g);
}

Test(graph, deltas_stack_until_the_owner_limit)
{
	graph_t *g = base_graph();
	const char *changed[] = { "E1" };
	int rc = 0;
	unsigned n = 0;

	while (rc == 0) {
		graph_builder_t *b = graph_builder_new_delta(g);
		graph_t *next = NULL;

		OK(graph_builder_employee(b, "E1", "R", NULL, true));
		OK(graph_builder_assessment(b, "E1", "a", n % 5, GRAPH_SRC_MANAGER, T0));
		rc = graph_builder_finish_delta(&b, g, changed, 1, 2 + n, &next);
		if (rc == 0) {
			cr_assert_float_eq(readiness(next, "E1"), 100.0 * (n % 5) / 4.0, 1e-12);
			cr_assert_eq(next->emps_n, 3);
			graph_unref(&g);
			g = next;
			n++;
		}
	}
	cr_assert_eq(rc, -E2BIG);
	cr_assert_eq(n, GRAPH_MAX_OWNERS - 1);
	graph_unref(&g);
}

Test(graph, publication_hands_out_references)
{
	struct graph_slot slot;
	graph_t *a = base_graph(), *b2 = base_graph(), *r1, *r2;

	graph_slot_init(&slot);
	cr_assert_null(graph_slot_acquire(&slot, 0));
	graph_slot_publish(&slot, a);
	r1 = graph_slot_acquire(&slot, 0);
	cr_assert_eq(r1, a);
	graph_slot_publish(&slot, b2);	/* a lives on through r1 */
	r2 = graph_slot_acquire(&slot, 1);
	cr_assert_eq(r2, b2);
	cr_assert_float_eq(readiness(r1, "E2"), 25, 1e-12);
	graph_unref(&r1);
	graph_unref(&r2);
	graph_slot_clear(&slot);
	cr_assert_null(graph_slot_acquire(&slot, 0));
}
