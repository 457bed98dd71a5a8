#include <stdlib.h>

#include "fixture.h"
#include "query/path.h"

static graph_builder_t *no_inference(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_setting(b, "infer_promotions", "false"));
	return b;
}

/* Runs Path; returns the status and fills *resp. */
static int path(struct query_ctx *ctx, const graph_t *g, const char *from_role,
		const char *from_emp, const char *to, unsigned routes,
		unsigned steps, Pathways__V1__PathResponse *resp)
{
	Pathways__V1__PathRequest req = PATHWAYS__V1__PATH_REQUEST__INIT;

	if (from_role) {
		req.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_ROLE;
		req.from_role = (char *)from_role;
	} else {
		req.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_EMPLOYEE;
		req.from_employee = (char *)from_emp;
	}
	req.to_role = (char *)to;
	req.max_routes = routes;
	req.max_steps = steps;
	pathways__v1__path_response__init(resp);
	return fixture_run(ctx, g, query_path_run, &req, resp);
}

static void assert_route(const Pathways__V1__Route *r, double cost,
			 const char *const *roles)
{
	size_t n = 0;

	while (roles[n + 1])
		n++;
	cr_assert_eq(r->n_steps, n, "steps %zu != %zu", r->n_steps, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(r->steps[i]->from_role, roles[i]);
		cr_assert_str_eq(r->steps[i]->to_role, roles[i + 1]);
	}
	cr_assert_float_eq(r->total_cost, cost, 1e-9);
}

Test(path, a_diamond_orders_equal_routes_by_role_keys)
{
	graph_builder_t *b = no_inference();
	struct query_ctx ctx;
	Pathways__V1__PathResponse r;
	graph_t *g;

	OK(graph_builder_role(b, "S", "S", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "B", "B", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "A", "A", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "T", "T", "ic", 3, "eng", 0, 0));
	OK(graph_builder_move(b, "S", "B", GRAPH_MOVE_PROMOTION, 12));
	OK(graph_builder_move(b, "S", "A", GRAPH_MOVE_PROMOTION, 12));
	OK(graph_builder_move(b, "B", "T", GRAPH_MOVE_PROMOTION, 12));
	OK(graph_builder_move(b, "A", "T", GRAPH_MOVE_PROMOTION, 24));
	g = fixture_finish(b);
	cr_assert_eq(path(&ctx, g, "S", NULL, "T", 3, 0, &r), 0);
	cr_assert_eq(r.n_routes, 2);
	/* no requirements: each step costs the step penalty */
	assert_route(r.routes[0], 2, (const char *[]){ "S", "A", "T", NULL });
	assert_route(r.routes[1], 2, (const char *[]){ "S", "B", "T", NULL });
	cr_assert_eq(r.routes[0]->total_months, 36);
	cr_assert_eq(r.routes[1]->total_months, 24);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

/* S (ic-2: a2) -> U (ic-3: a5 b1) -> T (mgr-3: a2 b3): 5 + 3 = 8
 * S -> L (mgr-2: a2 b2) -> T: 3 + 2 = 5, cheaper across the ladder */
static graph_t *lateral_graph(void)
{
	graph_builder_t *b = no_inference();

	OK(graph_builder_role(b, "S", "S", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "U", "U", "ic", 3, "eng", 0, 0));
	OK(graph_builder_role(b, "L", "L", "mgmt", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "T", "T", "mgmt", 3, "eng", 0, 0));
	OK(graph_builder_requirement(b, "S", "a", 2, 1, false));
	OK(graph_builder_requirement(b, "U", "a", 5, 1, false));
	OK(graph_builder_requirement(b, "U", "b", 1, 1, false));
	OK(graph_builder_requirement(b, "L", "a", 2, 1, false));
	OK(graph_builder_requirement(b, "L", "b", 2, 1, false));
	OK(graph_builder_requirement(b, "T", "a", 2, 1, false));
	OK(graph_builder_requirement(b, "T", "b", 3, 1, false));
	OK(graph_builder_move(b, "S", "U", GRAPH_MOVE_PROMOTION, 12));
	OK(graph_builder_move(b, "U", "T", GRAPH_MOVE_TRACK_SWITCH, 6));
	OK(graph_builder_move(b, "S", "L", GRAPH_MOVE_TRACK_SWITCH, 6));
	OK(graph_builder_move(b, "L", "T", GRAPH_MOVE_PROMOTION, 18));
	OK(graph_builder_employee(b, "E", "S", NULL, true));
	OK(graph_builder_assessment(b, "E", "a", 4, GRAPH_SRC_MANAGER, T0));
	return fixture_finish(b);
}

Test(path, a_lateral_move_can_be_cheaper_than_straight_up)
{
	graph_t *g = lateral_graph();
	struct query_ctx ctx;
	Pathways__V1__PathResponse r;

	cr_assert_eq(path(&ctx, g, "S", NULL, "T", 3, 0, &r), 0);
	cr_assert_eq(r.n_routes, 2);
	assert_route(r.routes[0], 5, (const char *[]){ "S", "L", "T", NULL });
	assert_route(r.routes[1], 8, (const char *[]){ "S", "U", "T", NULL });
	cr_assert_eq(r.routes[0]->steps[0]->kind, PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH);
	cr_assert_float_eq(r.routes[0]->steps[0]->cost, 3, 1e-12);
	/* S -> L grows b from 0 to 2 */
	cr_assert_eq(r.routes[0]->steps[0]->n_grow, 1);
	cr_assert_str_eq(r.routes[0]->steps[0]->grow[0]->competency_key, "b");
	cr_assert_eq(r.routes[0]->steps[0]->grow[0]->current, 0);
	cr_assert_eq(r.routes[0]->steps[0]->grow[0]->deficit, 2);
	cr_assert_eq(r.routes[0]->total_months, 24);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(path, avoid_roles_removes_the_best_route)
{
	graph_t *g = lateral_graph();
	struct query_ctx ctx;
	Pathways__V1__PathRequest req = PATHWAYS__V1__PATH_REQUEST__INIT;
	Pathways__V1__PathResponse r = PATHWAYS__V1__PATH_RESPONSE__INIT;
	char *avoid[] = { "L" };

	req.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_ROLE;
	req.from_role = "S";
	req.to_role = "T";
	req.n_avoid_roles = 1;
	req.avoid_roles = avoid;
	cr_assert_eq(fixture_run(&ctx, g, query_path_run, &req, &r), 0);
	cr_assert_eq(r.n_routes, 1);
	assert_route(r.routes[0], 8, (const char *[]){ "S", "U", "T", NULL });
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(path, allowed_kinds_filter_the_moves)
{
	graph_t *g = lateral_graph();
	struct query_ctx ctx;
	Pathways__V1__PathRequest req = PATHWAYS__V1__PATH_REQUEST__INIT;
	Pathways__V1__PathResponse r = PATHWAYS__V1__PATH_RESPONSE__INIT;
	Pathways__V1__MoveKind kinds[] = { PATHWAYS__V1__MOVE_KIND__PROMOTION };

	req.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_ROLE;
	req.from_role = "S";
	req.to_role = "T";
	req.n_allowed_kinds = 1;
	req.allowed_kinds = kinds;
	cr_assert_eq(fixture_run(&ctx, g, query_path_run, &req, &r), 0);
	cr_assert_eq(r.n_routes, 0);	/* every route needs a track switch */
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(path, max_steps_cuts_a_route)
{
	graph_t *g = lateral_graph();
	struct query_ctx ctx;
	Pathways__V1__PathResponse r;

	cr_assert_eq(path(&ctx, g, "S", NULL, "T", 3, 1, &r), 0);
	cr_assert_eq(r.n_routes, 0);
	query_ctx_reset(&ctx);
	cr_assert_eq(path(&ctx, g, "S", NULL, "T", 3, 13, &r),
		     QUERY_RESOURCE_EXHAUSTED);
	query_ctx_reset(&ctx);
	cr_assert_eq(path(&ctx, g, "S", NULL, "T", 21, 0, &r),
		     QUERY_RESOURCE_EXHAUSTED);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(path, the_first_step_from_an_employee_uses_their_levels)
{
	graph_t *g = lateral_graph();
	struct query_ctx ctx;
	Pathways__V1__PathResponse r;

	/* E holds S with a = 4: S -> U costs (5-4) + (1-0) + 1 = 3, so
	 * S-U-T = 3 + 3 = 6; S -> L costs 0 + 2 + 1 = 3, S-L-T = 5 */
	cr_assert_eq(path(&ctx, g, NULL, "E", "T", 3, 0, &r), 0);
	cr_assert_eq(r.n_routes, 2);
	assert_route(r.routes[0], 5, (const char *[]){ "S", "L", "T", NULL });
	assert_route(r.routes[1], 6, (const char *[]){ "S", "U", "T", NULL });
	cr_assert_float_eq(r.routes[1]->steps[0]->cost, 3, 1e-12);
	cr_assert_eq(r.routes[1]->steps[0]->grow[0]->current, 4);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(path, errors_name_what_is_wrong)
{
	graph_t *g = lateral_graph();
	struct query_ctx ctx;
	Pathways__V1__PathResponse r;

	cr_assert_eq(path(&ctx, g, "S", NULL, "S", 3, 0, &r), QUERY_INVALID_ARGUMENT);
	query_ctx_reset(&ctx);
	cr_assert_eq(path(&ctx, g, "S", NULL, "nowhere", 3, 0, &r), QUERY_NOT_FOUND);
	cr_assert(strstr(ctx.message, "nowhere"));
	query_ctx_reset(&ctx);
	cr_assert_eq(path(&ctx, g, NULL, "E404", "T", 3, 0, &r), QUERY_NOT_FOUND);
	cr_assert(strstr(ctx.message, "E404"));
	query_ctx_reset(&ctx);
	/* unreachable: OK, no routes */
	cr_assert_eq(path(&ctx, g, "T", NULL, "S", 3, 0, &r), 0);
	cr_assert_eq(r.n_routes, 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(path, routes_never_loop_through_a_cycle)
{
	graph_builder_t *b = no_inference();
	struct query_ctx ctx;
	Pathways__V1__PathResponse r;
	graph_t *g;

	OK(graph_builder_role(b, "A", "A", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "B", "B", "ic", 1, "ops", 0, 0));
	OK(graph_builder_role(b, "T", "T", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "T", "a", 5, 3, false));
	OK(graph_builder_move(b, "A", "B", GRAPH_MOVE_LATERAL, 1));
	OK(graph_builder_move(b, "B", "A", GRAPH_MOVE_LATERAL, 1));
	OK(graph_builder_move(b, "A", "T", GRAPH_MOVE_PROMOTION, 1));
	OK(graph_builder_move(b, "B", "T", GRAPH_MOVE_PROMOTION, 1));
	g = fixture_finish(b);
	cr_assert_eq(path(&ctx, g, "A", NULL, "T", 5, 0, &r), 0);
	cr_assert_eq(r.n_routes, 2);
	assert_route(r.routes[0], 16, (const char *[]){ "A", "T", NULL });
	assert_route(r.routes[1], 17, (const char *[]){ "A", "B", "T", NULL });
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

/* ic grades 1, 2, 4 (no 3): the next grade after 2 is 4 */
static graph_t *inference_graph(bool promotions, bool lateral)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_setting(b, "infer_promotions", promotions ? "true" : "false"));
	OK(graph_builder_setting(b, "infer_lateral", lateral ? "true" : "false"));
	OK(graph_builder_setting(b, "inferred_move_months", "9"));
	OK(graph_builder_role(b, "eng-ic-1", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "eng-ic-2", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "eng-ic-4", "", "ic", 4, "eng", 0, 0));
	OK(graph_builder_role(b, "eng-mgr-4", "", "mgmt", 4, "eng", 0, 0));
	OK(graph_builder_role(b, "ops-ic-4", "", "ic", 4, "ops", 0, 0));
	/* an explicit row wins over the inferred move */
	OK(graph_builder_move(b, "eng-ic-1", "eng-ic-2", GRAPH_MOVE_LATERAL, 3));
	return fixture_finish(b);
}

Test(path, inferred_moves_follow_the_settings)
{
	struct query_ctx ctx;
	Pathways__V1__PathResponse r;
	graph_t *g = inference_graph(true, false);

	cr_assert_eq(path(&ctx, g, "eng-ic-1", NULL, "eng-ic-4", 3, 0, &r), 0);
	cr_assert_eq(r.n_routes, 1);
	assert_route(r.routes[0], 2, (const char *[]){ "eng-ic-1", "eng-ic-2", "eng-ic-4", NULL });
	cr_assert_eq(r.routes[0]->steps[0]->kind, PATHWAYS__V1__MOVE_KIND__LATERAL);
	cr_assert_eq(r.routes[0]->steps[0]->typical_months, 3);
	cr_assert_eq(r.routes[0]->steps[1]->kind, PATHWAYS__V1__MOVE_KIND__PROMOTION);
	cr_assert_eq(r.routes[0]->steps[1]->typical_months, 9);
	query_ctx_reset(&ctx);
	/* no lateral inference: the manager ladder is out of reach */
	cr_assert_eq(path(&ctx, g, "eng-ic-4", NULL, "eng-mgr-4", 3, 0, &r), 0);
	cr_assert_eq(r.n_routes, 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);

	g = inference_graph(false, false);
	cr_assert_eq(path(&ctx, g, "eng-ic-1", NULL, "eng-ic-4", 3, 0, &r), 0);
	cr_assert_eq(r.n_routes, 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);

	g = inference_graph(true, true);
	cr_assert_eq(path(&ctx, g, "eng-ic-4", NULL, "eng-mgr-4", 3, 0, &r), 0);
	cr_assert_eq(r.n_routes, 1);
	cr_assert_eq(r.routes[0]->steps[0]->kind, PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH);
	query_ctx_reset(&ctx);
	cr_assert_eq(path(&ctx, g, "eng-ic-4", NULL, "ops-ic-4", 3, 0, &r), 0);
	cr_assert_eq(r.n_routes, 1);
	cr_assert_eq(r.routes[0]->steps[0]->kind, PATHWAYS__V1__MOVE_KIND__LATERAL);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(explore, reachable_roles_cheapest_first_with_readiness)
{
	graph_t *g = lateral_graph();
	struct query_ctx ctx;
	Pathways__V1__ExploreRequest req = PATHWAYS__V1__EXPLORE_REQUEST__INIT;
	Pathways__V1__ExploreResponse r = PATHWAYS__V1__EXPLORE_RESPONSE__INIT;

	req.origin_case = PATHWAYS__V1__EXPLORE_REQUEST__ORIGIN_FROM_EMPLOYEE;
	req.from_employee = "E";
	cr_assert_eq(fixture_run(&ctx, g, query_path_explore, &req, &r), 0);
	/* from E: U 3, L 3, T 5 (via L); ties by key */
	cr_assert_eq(r.n_roles, 3);
	cr_assert_str_eq(r.roles[0]->role_key, "L");
	cr_assert_str_eq(r.roles[1]->role_key, "U");
	cr_assert_str_eq(r.roles[2]->role_key, "T");
	cr_assert_float_eq(r.roles[2]->cost, 5, 1e-12);
	cr_assert_eq(r.roles[2]->steps, 2);
	/* E (a4) for L (a2 b2): 100 * (1 + 0) / 2 = 50 */
	cr_assert_float_eq(r.roles[0]->readiness, 50, 1e-12);
	cr_assert_eq(r.roles[0]->band, PATHWAYS__V1__BAND__DEVELOPING);
	query_ctx_reset(&ctx);
	req.max_cost = 4;
	pathways__v1__explore_response__init(&r);
	cr_assert_eq(fixture_run(&ctx, g, query_path_explore, &req, &r), 0);
	cr_assert_eq(r.n_roles, 2);
	query_ctx_reset(&ctx);
	req.max_cost = 0;
	req.max_steps = 1;
	req.limit = 1;
	pathways__v1__explore_response__init(&r);
	cr_assert_eq(fixture_run(&ctx, g, query_path_explore, &req, &r), 0);
	cr_assert_eq(r.n_roles, 1);
	cr_assert_str_eq(r.roles[0]->role_key, "L");
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

/* ---- property: Yen against brute force on random graphs ---- */

struct bf_route {
	uint32_t nodes[8];
	unsigned n;
	double cost;
};

static const graph_t *bf_g;

static int bf_cmp(const void *a, const void *b)
{
	const struct bf_route *x = a, *y = b;

	if (x->cost != y->cost)
		return x->cost < y->cost ? -1 : 1;
	for (unsigned i = 0; i < x->n && i < y->n; i++) {
		int c = strcmp(bf_g->roles[x->nodes[i]].key, bf_g->roles[y->nodes[i]].key);

		if (c)
			return c;
	}
	return x->n < y->n ? -1 : x->n > y->n;
}

static void bf(const graph_t *g, uint32_t t, unsigned max, struct bf_route *cur,
	       struct bf_route *out, size_t *n)
{
	uint32_t u = cur->nodes[cur->n - 1];

	if (u == t) {
		out[(*n)++] = *cur;
		return;
	}
	if (cur->n - 1 >= max)
		return;
	for (uint32_t k = 0; k < g->roles[u].move_n; k++) {
		const struct graph_move *mv = &g->moves[g->roles[u].move_off + k];
		bool seen = false;

		for (unsigned i = 0; i < cur->n; i++)
			seen |= cur->nodes[i] == mv->to;
		if (seen)
			continue;
		struct bf_route next = *cur;

		next.nodes[next.n++] = mv->to;
		next.cost += mv->cost;
		bf(g, t, max, &next, out, n);
	}
}

Test(path, yen_matches_brute_force_on_random_graphs, .timeout = 120)
{
	static struct bf_route all[200000];
	unsigned seed = 12345;
	size_t compared = 0;

	for (int round = 0; round < 300; round++) {
		graph_builder_t *b = no_inference();
		unsigned nroles = 5 + (unsigned)(rand_r(&seed) % 5);
		char key[16], key2[16];
		graph_t *g;

		for (unsigned i = 0; i < nroles; i++) {
			snprintf(key, sizeof(key), "r%u", i);
			OK(graph_builder_role(b, key, "", "ic", 1 + i % 3, "eng", 0, 0));
			for (unsigned c = 0; c < 4; c++)
				if (rand_r(&seed) % 2)
					OK(graph_builder_requirement(
						b, key, (const char *[]){ "a", "b", "c", "d" }[c],
						1 + (unsigned)(rand_r(&seed) % 5),
						(double)(1 + rand_r(&seed) % 2), false));
		}
		for (unsigned i = 0; i < nroles; i++)
			for (unsigned j = 0; j < nroles; j++)
				if (i != j && rand_r(&seed) % 3 == 0) {
					snprintf(key, sizeof(key), "r%u", i);
					snprintf(key2, sizeof(key2), "r%u", j);
					OK(graph_builder_move(b, key, key2, GRAPH_MOVE_LATERAL, 1));
				}
		g = fixture_finish(b);
		bf_g = g;
		for (int q = 0; q < 5; q++) {
			uint32_t s = (uint32_t)(rand_r(&seed) % nroles);
			uint32_t t = (uint32_t)(rand_r(&seed) % nroles);
			unsigned steps = 1 + (unsigned)(rand_r(&seed) % 6);
			struct bf_route start = { .nodes = { s }, .n = 1 };
			struct query_ctx ctx;
			Pathways__V1__PathResponse r;
			size_t n = 0;

			if (s == t)
				continue;
			bf(g, t, steps, &start, all, &n);
			qsort(all, n, sizeof(*all), bf_cmp);
			cr_assert_eq(path(&ctx, g, g->roles[s].key, NULL, g->roles[t].key,
					  5, steps, &r), 0);
			cr_assert_eq(r.n_routes, n < 5 ? n : 5, "round %d: %zu routes, brute force %zu",
				     round, r.n_routes, n);
			for (size_t i = 0; i < r.n_routes; i++) {
				const Pathways__V1__Route *rt = r.routes[i];

				/* same cost as the i-th cheapest; the first is
				 * exactly the brute force's first */
				cr_assert_float_eq(rt->total_cost, all[i].cost, 1e-9);
				if (i > 0)
					cr_assert_geq(rt->total_cost, r.routes[i - 1]->total_cost);
				for (size_t j = 0; j < rt->n_steps; j++)
					for (size_t k = j + 1; k < rt->n_steps; k++)
						cr_assert_str_neq(rt->steps[j]->from_role,
								  rt->steps[k]->from_role);
				for (size_t j = 0; j < i; j++) {
					bool same = r.routes[j]->n_steps == rt->n_steps;

					for (size_t k = 0; same && k < rt->n_steps; k++)
						same = strcmp(r.routes[j]->steps[k]->to_role,
							      rt->steps[k]->to_role) == 0;
					cr_assert_not(same, "duplicate route");
				}
			}
			/* with ties broken by key sequence the k routes are
			 * exactly the brute force's first k */
			compared += r.n_routes;
			for (size_t i = 0; i < r.n_routes; i++) {
				cr_assert_eq(r.routes[i]->n_steps + 1, all[i].n,
					     "round %d route %zu", round, i);
				for (size_t k = 0; k < r.routes[i]->n_steps; k++)
					cr_assert_str_eq(r.routes[i]->steps[k]->to_role,
							 g->roles[all[i].nodes[k + 1]].key,
							 "round %d route %zu", round, i);
			}
			query_ctx_reset(&ctx);
		}
		graph_unref(&g);
	}
	cr_assert_gt(compared, 1000, "only %zu routes compared", compared);
}
