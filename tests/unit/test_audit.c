#include "fixture.h"
#include "query/audit.h"

enum broken {
	CLEAN, FEW_REQS, UNREACHABLE, DEAD_END, REGRESSION, PARITY, PAY,
	UNTAUGHT, CYCLE,
};

static void five(graph_builder_t *b, const char *role, unsigned base,
		 unsigned n, unsigned a_level)
{
	const char *comps[] = { "a", "b", "c", "d", "e" };

	for (unsigned i = 0; i < n; i++)
		OK(graph_builder_requirement(b, role, comps[i],
					     i == 0 ? a_level : base, 1, false));
}

/* clean: eng-ic-1 -> eng-ic-2 (inferred promotion), eng-ic-2 <-> eng-mgr-2
 * (track switch), five requirements each, pay bands overlapping, every
 * competency taught */
static graph_t *framework(enum broken what)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_competency(b, "e", "E", 0, NULL));
	if (what == UNREACHABLE || what == DEAD_END)
		OK(graph_builder_setting(b, "infer_promotions", "false"));
	OK(graph_builder_role(b, "eng-ic-1", "", "ic", 1, "eng", 50, 70));
	OK(graph_builder_role(b, "eng-ic-2", "", "ic", 2, "eng", 60, 90));
	OK(graph_builder_role(b, "eng-mgr-2", "", "mgmt", 2, "eng",
			      what == PAY ? 95 : 70, what == PAY ? 120 : 100));
	five(b, "eng-ic-1", 1, 5, 2);
	five(b, "eng-ic-2", 2, what == FEW_REQS ? 4 : 5, what == REGRESSION ? 1 : 2);
	five(b, "eng-mgr-2", 2, 5, 2);
	OK(graph_builder_move(b, "eng-ic-2", "eng-mgr-2", GRAPH_MOVE_TRACK_SWITCH, 6));
	OK(graph_builder_move(b, "eng-mgr-2", "eng-ic-2", GRAPH_MOVE_TRACK_SWITCH, 6));
	if (what == UNREACHABLE || what == DEAD_END) {
		OK(graph_builder_role(b, "eng-ic-3", "", "ic", 3, "eng", 80, 110));
		five(b, "eng-ic-3", 3, 5, 3);
		OK(graph_builder_move(b, "eng-ic-1", "eng-ic-2", GRAPH_MOVE_PROMOTION, 12));
	}
	if (what == DEAD_END) {
		/* eng-ic-3 reached straight from eng-ic-1; eng-ic-2 and
		 * eng-mgr-2 only lead to each other: no way up */
		OK(graph_builder_move(b, "eng-ic-1", "eng-ic-3", GRAPH_MOVE_PROMOTION, 12));
	}
	if (what == PARITY) {
		OK(graph_builder_role(b, "eng-mgr-3", "", "mgmt", 3, "eng", 90, 130));
		five(b, "eng-mgr-3", 3, 5, 3);
	}
	OK(graph_builder_module(b, "m-a", "", 0, 10, ""));
	OK(graph_builder_module(b, "m-b", "", 0, 10, ""));
	OK(graph_builder_outcome(b, "m-a", "a", 0, 3));
	OK(graph_builder_outcome(b, "m-a", "b", 0, 3));
	OK(graph_builder_outcome(b, "m-b", "c", 0, 3));
	OK(graph_builder_outcome(b, "m-b", "d", 0, 3));
	if (what != UNTAUGHT)
		OK(graph_builder_outcome(b, "m-b", "e", 0, 3));
	if (what == CYCLE) {
		OK(graph_builder_module(b, "m-y", "", 0, 1, ""));
		OK(graph_builder_module(b, "m-x", "", 0, 1, ""));
		OK(graph_builder_prereq(b, "m-x", "m-y"));
		OK(graph_builder_prereq(b, "m-y", "m-x"));
		OK(graph_builder_prereq(b, "m-a", "m-b"));
	}
	return fixture_finish(b);
}

static Pathways__V1__AuditResponse audit(struct query_ctx *ctx, graph_t *g)
{
	Pathways__V1__AuditRequest req = PATHWAYS__V1__AUDIT_REQUEST__INIT;
	Pathways__V1__AuditResponse r = PATHWAYS__V1__AUDIT_RESPONSE__INIT;

	cr_assert_eq(fixture_run(ctx, g, query_audit_run, &req, &r), 0);
	return r;
}

static void expect_one(enum broken what, const char *kind, const char *subject,
		       const char *detail_has)
{
	graph_t *g = framework(what);
	struct query_ctx ctx;
	Pathways__V1__AuditResponse r = audit(&ctx, g);

	for (size_t i = 0; i < r.n_findings; i++)
		cr_log_info("%s %s %s", r.findings[i]->kind, r.findings[i]->subject,
			    r.findings[i]->detail);
	cr_assert_eq(r.n_findings, 1, "%s: %zu findings", kind, r.n_findings);
	cr_assert_str_eq(r.findings[0]->kind, kind);
	cr_assert_str_eq(r.findings[0]->subject, subject);
	if (detail_has)
		cr_assert(strstr(r.findings[0]->detail, detail_has), "%s",
			  r.findings[0]->detail);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(audit, a_clean_framework_has_no_findings)
{
	graph_t *g = framework(CLEAN);
	struct query_ctx ctx;
	Pathways__V1__AuditResponse r = audit(&ctx, g);

	for (size_t i = 0; i < r.n_findings; i++)
		cr_log_error("%s %s %s", r.findings[i]->kind, r.findings[i]->subject,
			     r.findings[i]->detail);
	cr_assert_eq(r.n_findings, 0);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(audit, requirement_count)
{
	expect_one(FEW_REQS, "requirement_count", "eng-ic-2", "4 requirements");
}

Test(audit, unreachable_role)
{
	expect_one(UNREACHABLE, "unreachable_role", "eng-ic-3", NULL);
}

Test(audit, dead_end_is_a_role_without_a_move_out_not_a_closed_loop)
{
	graph_builder_t *b = fixture_base();
	struct query_ctx ctx;
	graph_t *g;
	size_t dead = 0;

	/* docs/scoring.md, Audit: dead_end = no outgoing move, below the top grade of its
	 * track and area. eng-ic-2 and eng-mgr-2 only lead to each other (no
	 * way up), but each has a move out: not dead ends. eng-ic-2b, reached
	 * from eng-ic-1 and leading nowhere, is: the check is live here. */
	OK(graph_builder_setting(b, "infer_promotions", "false"));
	OK(graph_builder_role(b, "eng-ic-1", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "eng-ic-2", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "eng-ic-2b", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "eng-mgr-2", "", "mgmt", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "eng-ic-3", "", "ic", 3, "eng", 0, 0));
	OK(graph_builder_move(b, "eng-ic-1", "eng-ic-2", GRAPH_MOVE_PROMOTION, 12));
	OK(graph_builder_move(b, "eng-ic-1", "eng-ic-2b", GRAPH_MOVE_PROMOTION, 12));
	OK(graph_builder_move(b, "eng-ic-1", "eng-ic-3", GRAPH_MOVE_PROMOTION, 12));
	OK(graph_builder_move(b, "eng-ic-2", "eng-mgr-2", GRAPH_MOVE_TRACK_SWITCH, 6));
	OK(graph_builder_move(b, "eng-mgr-2", "eng-ic-2", GRAPH_MOVE_TRACK_SWITCH, 6));
	g = fixture_finish(b);
	Pathways__V1__AuditResponse r = audit(&ctx, g);

	for (size_t i = 0; i < r.n_findings; i++) {
		if (strcmp(r.findings[i]->kind, "dead_end") != 0)
			continue;
		cr_assert_str_eq(r.findings[i]->subject, "eng-ic-2b");
		dead++;
	}
	cr_assert_eq(dead, 1, "%zu dead_end findings", dead);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(audit, dead_end_without_any_move_out)
{
	graph_builder_t *b = fixture_base();
	struct query_ctx ctx;
	graph_t *g;

	OK(graph_builder_setting(b, "infer_promotions", "false"));
	OK(graph_builder_role(b, "x-1", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "x-2", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_role(b, "x-3", "", "ic", 3, "eng", 0, 0));
	OK(graph_builder_move(b, "x-1", "x-2", GRAPH_MOVE_PROMOTION, 12));
	OK(graph_builder_move(b, "x-1", "x-3", GRAPH_MOVE_PROMOTION, 12));
	g = fixture_finish(b);
	Pathways__V1__AuditResponse r = audit(&ctx, g);
	bool found = false;

	for (size_t i = 0; i < r.n_findings; i++)
		if (strcmp(r.findings[i]->kind, "dead_end") == 0) {
			cr_assert_str_eq(r.findings[i]->subject, "x-2");
			found = true;
		}
	cr_assert(found);
	query_ctx_reset(&ctx);
	graph_unref(&g);
}

Test(audit, requirement_regression)
{
	expect_one(REGRESSION, "requirement_regression", "eng-ic-1->eng-ic-2", "a:");
}

Test(audit, ladder_parity)
{
	expect_one(PARITY, "ladder_parity", "eng:3", "eng-mgr-3");
}

Test(audit, pay_band_misaligned)
{
	expect_one(PAY, "pay_band_misaligned", "eng-ic-2/eng-mgr-2", NULL);
}

Test(audit, untaught_competency)
{
	expect_one(UNTAUGHT, "untaught_competency", "e", NULL);
}

Test(audit, prerequisite_cycle_names_every_member)
{
	expect_one(CYCLE, "prerequisite_cycle", "m-x,m-y", "2 modules");
}
