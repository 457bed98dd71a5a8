/* Pipeline: every role's counts equal Bench's for it, the selection, the
 * scarce competencies, the errors and the deadline. */
#include "fixture.h"
#include "query/bench.h"
#include "query/pipeline.h"
#include "random_framework.h"

static int pipeline(struct query_ctx *ctx, const graph_t *g,
		    Pathways__V1__PipelineRequest *req,
		    Pathways__V1__PipelineResponse *r)
{
	pathways__v1__pipeline_response__init(r);
	return fixture_run(ctx, g, query_pipeline_run, req, r);
}

static void same_bands(Pathways__V1__BandCount **a, size_t na,
		       Pathways__V1__BandCount **b, size_t nb, const char *what)
{
	cr_assert_eq(na, nb, "%s", what);
	for (size_t i = 0; i < na; i++) {
		cr_assert_eq(a[i]->band, b[i]->band, "%s", what);
		cr_assert_eq(a[i]->count, b[i]->count, "%s band %d", what,
			     a[i]->band);
	}
}

/* For every role of random frameworks, both modes, with and without
 * expiry, successors or everyone: Pipeline's row is Bench's answer. */
Test(pipeline, every_role_counts_what_bench_counts)
{
	for (unsigned seed = 1; seed <= 6; seed++) {
		struct random_framework f = {
			.seed = seed, .roles = 24, .comps = 11, .emps = 300,
			.binary = seed % 2 == 0, .expiry = seed % 3 != 0,
		};
		graph_t *g = random_framework(&f);

		for (int all = 0; all <= 1; all++) {
			Pathways__V1__PipelineRequest req =
				PATHWAYS__V1__PIPELINE_REQUEST__INIT;
			Pathways__V1__PipelineResponse r;
			struct query_ctx ctx;
			uint32_t thin = 0;

			req.include_all = all;
			req.breakdown_attribute = "loc";
			cr_assert_eq(pipeline(&ctx, g, &req, &r), 0);
			cr_assert_eq(r.n_roles, g->roles_n);
			for (size_t i = 0; i < r.n_roles; i++) {
				const Pathways__V1__RoleBench *rb = r.roles[i];
				Pathways__V1__BenchRequest breq =
					PATHWAYS__V1__BENCH_REQUEST__INIT;
				Pathways__V1__BenchResponse b;
				struct query_ctx bctx;
				uint32_t ready;

				if (i > 0)
					cr_assert_lt(strcmp(r.roles[i - 1]->role_key,
							    rb->role_key), 0);
				breq.role_key = rb->role_key;
				breq.successors_only = !all;
				breq.breakdown_attribute = "loc";
				pathways__v1__bench_response__init(&b);
				cr_assert_eq(fixture_run(&bctx, g, query_bench_run,
							 &breq, &b), 0);
				cr_assert_eq(rb->considered, b.considered, "%s",
					     rb->role_key);
				same_bands(rb->bands, rb->n_bands, b.bands,
					   b.n_bands, rb->role_key);
				cr_assert_eq(rb->n_breakdown, b.n_breakdown);
				for (size_t k = 0; k < b.n_breakdown; k++) {
					cr_assert_str_eq(rb->breakdown[k]->value,
							 b.breakdown[k]->value);
					same_bands(rb->breakdown[k]->bands,
						   rb->breakdown[k]->n_bands,
						   b.breakdown[k]->bands,
						   b.breakdown[k]->n_bands,
						   rb->role_key);
				}
				ready = b.bands[2]->count + b.bands[3]->count;
				cr_assert_eq(b.bands[3]->band,
					     PATHWAYS__V1__BAND__READY_NOW);
				cr_assert_eq(rb->ready, ready);
				cr_assert_eq(rb->thin, ready < 2);
				thin += rb->thin;
				query_ctx_reset(&bctx);
			}
			cr_assert_eq(r.thin_roles, thin);
			query_ctx_reset(&ctx);
		}
		graph_unref(&g);
	}
}

/* R1 ic 1 eng · R2 ic 2 eng · M3 mgmt 3 ops: a L2 (R1), a L4 b L1 (R2),
 * c L3 (M3). X (R1) a5 b1 · Y (R2) a3 c3 · Z (M3) a4 c1 inactive W a5. */
static graph_t *small_graph(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_role(b, "R1", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "R2", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "M3", "", "mgmt", 3, "ops", 0, 0));
	OK(graph_builder_requirement(b, "R1", "a", 2, 1, false));
	OK(graph_builder_requirement(b, "R2", "a", 4, 1, false));
	OK(graph_builder_requirement(b, "R2", "b", 1, 1, true));
	OK(graph_builder_requirement(b, "M3", "c", 3, 1, false));
	OK(graph_builder_employee(b, "X", "R1", NULL, true));
	OK(graph_builder_employee(b, "Y", "R2", NULL, true));
	OK(graph_builder_employee(b, "Z", "M3", NULL, true));
	OK(graph_builder_employee(b, "W", "R1", NULL, false));
	OK(graph_builder_assessment(b, "X", "a", 5, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "X", "b", 1, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "Y", "a", 3, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "Y", "c", 3, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "Z", "a", 4, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "Z", "c", 1, GRAPH_SRC_MANAGER, T0));
	OK(graph_builder_assessment(b, "W", "a", 5, GRAPH_SRC_MANAGER, T0));
	return fixture_finish(b);
}

Test(pipeline, selects_by_track_area_and_grade)
{
	graph_t *g = small_graph();
	Pathways__V1__PipelineRequest req = PATHWAYS__V1__PIPELINE_REQUEST__INIT;
	Pathways__V1__PipelineResponse r;
	struct query_ctx ctx;

	cr_assert_eq(pipeline(&ctx, g, &req, &r), 0);
	cr_assert_eq(r.n_roles, 3);
	cr_assert_str_eq(r.roles[0]->role_key, "M3");
	cr_assert_str_eq(r.roles[1]->role_key, "R1");
	cr_assert_str_eq(r.roles[2]->role_key, "R2");
	/* successors of R1 (grade 1): Y (2) and Z (3) are above it */
	cr_assert_eq(r.roles[1]->considered, 0);
	/* M3: X and Y; Y meets c3 */
	cr_assert_eq(r.roles[0]->considered, 2);
	cr_assert_eq(r.roles[0]->ready, 1);
	cr_assert_eq(r.thin_roles, 3);
	query_ctx_reset(&ctx);

	req.track = "ic";
	req.min_grade = 2;
	cr_assert_eq(pipeline(&ctx, g, &req, &r), 0);
	cr_assert_eq(r.n_roles, 1);
	cr_assert_str_eq(r.roles[0]->role_key, "R2");
	query_ctx_reset(&ctx);

	req.track = "";
	req.min_grade = 0;
	req.area = "eng";
	req.max_grade = 1;
	req.include_all = true;
	req.min_ready = 1;
	cr_assert_eq(pipeline(&ctx, g, &req, &r), 0);
	cr_assert_eq(r.n_roles, 1);
	cr_assert_str_eq(r.roles[0]->role_key, "R1");
	/* everyone: Y (a3) and Z (a4) are ready, X holds it, W inactive */
	cr_assert_eq(r.roles[0]->considered, 2);
	cr_assert_eq(r.roles[0]->ready, 2);
	cr_assert(!r.roles[0]->thin);
	cr_assert_eq(r.thin_roles, 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

/* Over every role, a at L4 is reached by X (a5) and Z (a4): not scarce
 * (W's a5 does not count, W is inactive); b L1 by X alone; c L3 by Y
 * alone. Over R1 alone, a L2 has three holders. */
Test(pipeline, scarce_competencies_count_every_active_holder)
{
	graph_t *g = small_graph();
	Pathways__V1__PipelineRequest req = PATHWAYS__V1__PIPELINE_REQUEST__INIT;
	Pathways__V1__PipelineResponse r;
	struct query_ctx ctx;

	cr_assert_eq(pipeline(&ctx, g, &req, &r), 0);
	cr_assert_eq(r.n_scarce, 2);
	cr_assert_str_eq(r.scarce[0]->competency_key, "b");
	cr_assert_eq(r.scarce[0]->level, 1);
	cr_assert_eq(r.scarce[0]->holders, 1);
	cr_assert_str_eq(r.scarce[1]->competency_key, "c");
	cr_assert_eq(r.scarce[1]->level, 3);
	cr_assert_eq(r.scarce[1]->holders, 1);
	query_ctx_reset(&ctx);

	req.area = "ops";
	req.track = "mgmt";
	cr_assert_eq(pipeline(&ctx, g, &req, &r), 0);
	cr_assert_eq(r.n_scarce, 1);
	cr_assert_str_eq(r.scarce[0]->competency_key, "c");
	query_ctx_reset(&ctx);

	req.area = "eng";
	req.track = "";
	req.max_grade = 1;
	cr_assert_eq(pipeline(&ctx, g, &req, &r), 0);
	cr_assert_eq(r.n_scarce, 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(pipeline, errors_and_an_empty_selection)
{
	graph_t *g = small_graph();
	Pathways__V1__PipelineRequest req = PATHWAYS__V1__PIPELINE_REQUEST__INIT;
	Pathways__V1__PipelineResponse r;
	struct query_ctx ctx;

	req.track = "nope";
	cr_assert_eq(pipeline(&ctx, g, &req, &r), QUERY_NOT_FOUND);
	cr_assert(strstr(ctx.message, "nope"), "%s", ctx.message);
	query_ctx_reset(&ctx);
	req.track = "";
	req.area = "elsewhere";
	cr_assert_eq(pipeline(&ctx, g, &req, &r), QUERY_NOT_FOUND);
	cr_assert(strstr(ctx.message, "elsewhere"), "%s", ctx.message);
	query_ctx_reset(&ctx);
	req.area = "";
	req.min_grade = 3;
	req.max_grade = 2;
	cr_assert_eq(pipeline(&ctx, g, &req, &r), QUERY_INVALID_ARGUMENT);
	query_ctx_reset(&ctx);
	/* no upper bound */
	req.max_grade = 0;
	cr_assert_eq(pipeline(&ctx, g, &req, &r), 0);
	cr_assert_eq(r.n_roles, 1);
	query_ctx_reset(&ctx);
	/* nothing at grade 9: empty lists, not an error */
	req.min_grade = 9;
	cr_assert_eq(pipeline(&ctx, g, &req, &r), 0);
	cr_assert_eq(r.n_roles, 0);
	cr_assert_eq(r.n_scarce, 0);
	cr_assert_eq(r.thin_roles, 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(pipeline, stops_at_the_deadline)
{
	graph_t *g = small_graph();
	Pathways__V1__PipelineRequest req = PATHWAYS__V1__PIPELINE_REQUEST__INIT;
	Pathways__V1__PipelineResponse r = PATHWAYS__V1__PIPELINE_RESPONSE__INIT;
	struct query_ctx ctx;

	query_ctx_init(&ctx, g, T0);
	ctx.deadline_us = 1;	/* long past on the monotonic clock */
	cr_assert_eq(query_pipeline_run(&ctx, &req.base, &r.base), -1);
	cr_assert_eq(ctx.code, QUERY_DEADLINE_EXCEEDED);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}
