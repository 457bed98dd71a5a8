#include "fixture.h"
#include "query/placement.h"

Test(placement, the_highest_grade_met_on_each_track)
{
	graph_builder_t *b = fixture_base();
	struct query_ctx ctx;
	Pathways__V1__PlacementRequest req = PATHWAYS__V1__PLACEMENT_REQUEST__INIT;
	Pathways__V1__PlacementResponse r = PATHWAYS__V1__PLACEMENT_RESPONSE__INIT;
	graph_t *g;

	/* ic 1 (a1), ic 2 (a2), ic 3 (a4 b2); mgmt 2 (a2 d2), mgmt 3 (a3 d3);
	 * E: a3 b1 d2 -> ic grade 2, next ic-3 at 100*(3/4+1/2)/2 = 62.5;
	 * mgmt grade 2, next mgr-3 at 100*(1+2/3)/2 = 83.3 */
	OK(graph_builder_role(b, "ic-1", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "ic-2", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "ic-3", "", "ic", 3, "eng", 0, 0));
	OK(graph_builder_role(b, "mgr-2", "", "mgmt", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "mgr-3", "", "mgmt", 3, "eng", 0, 0));
	OK(graph_builder_role(b, "ops-ic-5", "", "ic", 5, "ops", 0, 0));
	OK(graph_builder_requirement(b, "ic-1", "a", 1, 1, false));
	OK(graph_builder_requirement(b, "ic-2", "a", 2, 1, false));
	OK(graph_builder_requirement(b, "ic-3", "a", 4, 1, false));
	OK(graph_builder_requirement(b, "ic-3", "b", 2, 1, false));
	OK(graph_builder_requirement(b, "mgr-2", "a", 2, 1, false));
	OK(graph_builder_requirement(b, "mgr-2", "d", 2, 1, false));
	OK(graph_builder_requirement(b, "mgr-3", "a", 3, 1, false));
	OK(graph_builder_requirement(b, "mgr-3", "d", 3, 1, false));
	OK(graph_builder_employee(b, "E", "ic-1", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 3, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "E", "b", 1, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "E", "d", 2, GRAPH_SRC_MANAGER, T0));
	g = fixture_finish(b);
	req.employee_id = "E";
	cr_assert_eq(fixture_run(&ctx, g, query_placement_run, &req, &r), 0);
	cr_assert_eq(r.n_tracks, 2);
	cr_assert_str_eq(r.current_role, "ic-1");
	cr_assert_str_eq(r.area, "eng");
	cr_assert_str_eq(r.tracks[0]->track, "ic");
	cr_assert_eq(r.tracks[0]->grade, 2);
	cr_assert_eq(r.tracks[0]->n_roles, 1);
	cr_assert_str_eq(r.tracks[0]->roles[0], "ic-2");
	cr_assert_str_eq(r.tracks[0]->next_role, "ic-3");
	cr_assert_float_eq(r.tracks[0]->next_readiness, 62.5, 1e-12);
	cr_assert_str_eq(r.tracks[1]->track, "mgmt");
	cr_assert_eq(r.tracks[1]->grade, 2);
	cr_assert_str_eq(r.tracks[1]->next_role, "mgr-3");
	cr_assert_float_eq(r.tracks[1]->next_readiness, 83.3, 1e-12);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}
