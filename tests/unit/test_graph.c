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

/* ---- history ---- */

/* E's ratings in a, in the order they are added (not time order):
 *   manager 3 @-10d, manager 1 @-100d, peer 4 @-50d, manager 2 @-50d (a tie:
 *   the higher level, 4, wins), self 5 @-5d (untrusted: not kept),
 *   certification 1 @-1d (a later lower rating: the latest wins). */
static graph_t *history_graph(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_role(b, "R", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_employee(b, "E", "R", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 3, GRAPH_SRC_MANAGER, T0 - 10 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 1, GRAPH_SRC_MANAGER, T0 - 100 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 4, GRAPH_SRC_PEER, T0 - 50 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 2, GRAPH_SRC_MANAGER, T0 - 50 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 5, GRAPH_SRC_SELF, T0 - 5 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 1, GRAPH_SRC_CERTIFICATION, T0 - DAY));
	OK(graph_builder_assessment(b, "E", "c", 2, GRAPH_SRC_MANAGER, T0 - 20 * DAY));
	return fixture_finish(b);
}

static unsigned level_as_of(const graph_t *g, const char *emp,
			    const char *comp, int64_t t)
{
	const struct graph_employee *e = &g->emps[graph_find_employee(g, emp)];
	struct graph_level buf[8];
	struct graph_employee view;

	cr_assert_leq(e->levels_n, 8);
	graph_employee_as_of(e, t, buf, &view);
	return graph_level_of(g, &view, graph_find_comp(g, comp), t, NULL);
}

Test(graph, the_history_keeps_every_trusted_rating_oldest_first)
{
	graph_t *g = history_graph();
	const struct graph_employee *e = &g->emps[0];
	static const struct { int64_t at; unsigned level; } want[] = {
		{ T0 - 100 * DAY, 1 }, { T0 - 50 * DAY, 2 }, { T0 - 50 * DAY, 4 },
		{ T0 - 10 * DAY, 3 }, { T0 - DAY, 1 }, { T0 - 20 * DAY, 2 },
	};

	cr_assert_eq(e->levels_n, 2);
	cr_assert_eq(e->levels[0].comp, graph_find_comp(g, "a"));
	cr_assert_eq(e->levels[0].hist_n, 5);
	cr_assert_eq(e->levels[1].hist_n, 1);
	cr_assert_eq(e->history_n, 6);
	for (unsigned i = 0; i < 6; i++) {
		cr_assert_eq(graph_hist_at(e->history[i]), want[i].at, "entry %u", i);
		cr_assert_eq(graph_hist_level(e->history[i]), want[i].level,
			     "entry %u", i);
	}
	/* the current level is the history's last word */
	cr_assert_eq(e->levels[0].level, 1);
	cr_assert_eq(e->levels[0].assessed_at, T0 - DAY);
	graph_unref(&g);
}

Test(graph, as_of_takes_the_latest_rating_at_or_before_the_instant)
{
	graph_t *g = history_graph();

	cr_assert_eq(level_as_of(g, "E", "a", T0 - 101 * DAY), 0, "before any");
	cr_assert_eq(level_as_of(g, "E", "a", T0 - 100 * DAY), 1, "at the instant");
	cr_assert_eq(level_as_of(g, "E", "a", T0 - 100 * DAY - 1), 0);
	cr_assert_eq(level_as_of(g, "E", "a", T0 - 50 * DAY), 4, "tie: higher");
	cr_assert_eq(level_as_of(g, "E", "a", T0 - 11 * DAY), 4);
	cr_assert_eq(level_as_of(g, "E", "a", T0 - 10 * DAY), 3);
	cr_assert_eq(level_as_of(g, "E", "a", T0 - 3 * DAY), 3, "self ignored");
	cr_assert_eq(level_as_of(g, "E", "a", T0), 1, "a later lower rating");
	cr_assert_eq(level_as_of(g, "E", "c", T0 - 21 * DAY), 0);
	cr_assert_eq(level_as_of(g, "E", "c", T0 - 20 * DAY), 2);
	graph_unref(&g);
}

Test(graph, negative_times_pack_and_unpack_exactly)
{
	static const int64_t at[] = { -1, -8, -1000001, 0, 7,
				      GRAPH_HIST_MAX_US, -GRAPH_HIST_MAX_US };

	for (unsigned i = 0; i < sizeof(at) / sizeof(*at); i++)
		for (unsigned l = 0; l <= 5; l++) {
			int64_t h = graph_hist_pack(at[i], l);

			cr_assert_eq(graph_hist_at(h), at[i]);
			cr_assert_eq(graph_hist_level(h), l);
		}
	cr_assert(graph_hist_pack(-1, 5) < graph_hist_pack(0, 0));
	cr_assert_eq(graph_hist_at(graph_hist_pack(INT64_MAX, 1)),
		     GRAPH_HIST_MAX_US, "clamped");
}

Test(graph, a_delta_carries_the_history_of_the_employees_it_replaces)
{
	graph_t *old = history_graph(), *g = NULL;
	graph_builder_t *b = graph_builder_new_delta(old);
	const char *changed[] = { "E" };

	OK(graph_builder_employee(b, "E", "R", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 1, GRAPH_SRC_MANAGER, T0 - 100 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 3, GRAPH_SRC_MANAGER, T0 - 10 * DAY));
	OK(graph_builder_assessment(b, "E", "a", 5, GRAPH_SRC_MANAGER, T0 - 2 * DAY));
	OK(graph_builder_finish_delta(&b, old, changed, 1, 2, &g));
	graph_unref(&old);
	cr_assert_eq(g->emps[0].history_n, 3);
	cr_assert_eq(level_as_of(g, "E", "a", T0 - 50 * DAY), 1);
	cr_assert_eq(level_as_of(g, "E", "a", T0 - 5 * DAY), 3);
	cr_assert_eq(level_as_of(g, "E", "a", T0), 5);
	cr_assert_eq(level_as_of(g, "E", "c", T0), 0, "c is gone");
	graph_unref(&g);
}
