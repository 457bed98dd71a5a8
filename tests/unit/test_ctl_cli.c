/* pathwaysctl's commands (client/ctl_cli.c, ctl_query.c, ctl_path.c,
 * ctl_map.c, ctl_people.c, ctl_ops.c and their helpers, compiled in)
 * against the scripted server of pw_mock_server.h. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_admin.c"
#include "ctl_cli.c"
#include "ctl_dot.c"
#include "ctl_fmt.c"
#include "ctl_json.c"
#include "ctl_keys.c"
#include "ctl_map.c"
#include "ctl_ops.c"
#include "ctl_path.c"
#include "ctl_people.c"
#include "ctl_prom.c"
#include "ctl_query.c"
#include "ctl_table.c"
#include "ctl_write.c"
#include "pw_mock_server.h"

static const struct ctl_cmd test_cmds[] = {
	{ "health", "", "health", ctl_query_health },
	{ "roles", "[--track T] [--area A] [--grade G]", "roles",
	  ctl_query_roles },
	{ "readiness", "EMPLOYEE... [--role R]...", "readiness",
	  ctl_query_readiness },
	{ "gap", "EMPLOYEE ROLE", "gap", ctl_query_gap },
	{ "path", "(--from-role R | --from-employee E) --to R", "path",
	  ctl_path_path },
	{ "explore", "(--from-role R | --from-employee E)", "explore",
	  ctl_path_explore },
	{ "modules", "EMPLOYEE ROLE", "modules", ctl_people_modules },
	{ "mentors", "EMPLOYEE (--role R | --competency C)", "mentors",
	  ctl_people_mentors },
	{ "bench", "ROLE", "bench", ctl_people_bench },
	{ "placement", "EMPLOYEE", "placement", ctl_people_placement },
	{ "audit", "", "audit", ctl_ops_audit },
	{ "stats", "[--prometheus]", "stats", ctl_ops_stats },
	{ "map", "[--area A] [--employee E]", "map", ctl_map_framework },
};

static struct mock_server srv;
static char *out_buf, *err_buf;

static void setup(void)
{
	cr_assert_eq(mock_server_start(&srv, NULL), 0);
}

static void teardown(void)
{
	mock_server_stop(&srv);
	free(out_buf);
	free(err_buf);
	out_buf = err_buf = NULL;
}

/* Run pathwaysctl with these arguments (NULL-terminated) as main() does;
 * "@" stands for the mock server's endpoint. Output in out_buf/err_buf. */
static int run(const char *arg, ...)
{
	char *argv[32];
	int argc = 0, status = CTL_EXIT_ERROR, i;
	size_t olen, elen;
	struct ctl_cli cli;
	FILE *out, *err;
	va_list ap;

	free(out_buf);
	free(err_buf);
	out = open_memstream(&out_buf, &olen);
	err = open_memstream(&err_buf, &elen);
	argv[argc++] = strdup("pathwaysctl");
	va_start(ap, arg);
	for (; arg; arg = va_arg(ap, const char *))
		argv[argc++] = strdup(strcmp(arg, "@") ? arg : srv.endpoint);
	va_end(ap);
	argv[argc] = NULL;

	cr_assert_eq(ctl_cli_init(&cli, out, err), 0);
	cli.cmds = test_cmds;
	cli.ncmds = sizeof(test_cmds) / sizeof(test_cmds[0]);
	i = ctl_cli_parse_globals(&cli, argc, argv, &status);
	if (i >= 0 && i < argc) {
		for (size_t k = 0; k < cli.ncmds; k++)
			if (strcmp(argv[i], cli.cmds[k].name) == 0)
				cli.cmd = &cli.cmds[k];
		cr_assert_not_null(cli.cmd, "unknown command %s", argv[i]);
		status = cli.cmd->run(&cli, argc - i, argv + i);
	}
	ctl_cli_fini(&cli);
	fclose(out);
	fclose(err);
	for (int k = 0; k < argc; k++)
		free(argv[k]);
	return status;
}

TestSuite(ctl_cli, .init = setup, .fini = teardown, .timeout = 20);

/* A canned ReadinessResponse: one row ready, one with blockers, one
 * unknown employee. */
static Pathways__V1__ReadinessResult rr[3];
static Pathways__V1__ReadinessResult *rrp[3] = { &rr[0], &rr[1], &rr[2] };
static Pathways__V1__ReadinessResponse readiness_resp;
static char *blockers[] = { "sql", "system-design" };

static void can_readiness(void)
{
	pathways__v1__readiness_response__init(&readiness_resp);
	for (int i = 0; i < 3; i++)
		pathways__v1__readiness_result__init(&rr[i]);
	rr[0].employee_id = "E1";
	rr[0].role_key = "eng-ic-3";
	rr[0].readiness = 92.5;
	rr[0].band = PATHWAYS__V1__BAND__READY_NOW;
	rr[0].met = 5;
	rr[0].required = 5;
	rr[1].employee_id = "E1";
	rr[1].role_key = "eng-mgr-1";
	rr[1].readiness = 61;
	rr[1].band = PATHWAYS__V1__BAND__DEVELOPING;
	rr[1].met = 3;
	rr[1].required = 6;
	rr[1].blockers = blockers;
	rr[1].n_blockers = 2;
	rr[2].employee_id = "E9";
	rr[2].role_key = "eng-ic-3";
	rr[2].error = "unknown employee E9";
	readiness_resp.results = rrp;
	readiness_resp.n_results = 3;
	mock_server_can(&srv, "Readiness", 0, NULL, &readiness_resp.base);
}

Test(ctl_cli, readiness_prints_a_table_and_sends_the_request)
{
	Pathways__V1__ReadinessRequest *req;

	can_readiness();
	cr_assert_eq(run("-e", "@", "readiness", "E1", "--role", "eng-ic-3",
			 "E9", "--skip-unknown", "--role", "eng-mgr-1", NULL),
		     0, "%s", err_buf);
	cr_assert_str_eq(out_buf,
		"EMPLOYEE  ROLE       READINESS  BAND        MET  BLOCKERS           ERROR\n"
		"E1        eng-ic-3        92.5  READY_NOW   5/5\n"
		"E1        eng-mgr-1       61.0  DEVELOPING  3/6  sql,system-design\n"
		"E9        eng-ic-3           -  -             -  -                  unknown employee E9\n");
	cr_assert_str_eq(err_buf, "");

	req = pathways__v1__readiness_request__unpack(NULL, srv.last_body_len,
						      srv.last_body);
	cr_assert_not_null(req);
	cr_assert_eq(req->n_employee_ids, 2);
	cr_assert_str_eq(req->employee_ids[0], "E1");
	cr_assert_str_eq(req->employee_ids[1], "E9");
	cr_assert_eq(req->n_role_keys, 2);
	cr_assert_str_eq(req->role_keys[0], "eng-ic-3");
	cr_assert_str_eq(req->role_keys[1], "eng-mgr-1");
	cr_assert(req->skip_unknown);
	cr_assert_not(req->with_estimates);
	pathways__v1__readiness_request__free_unpacked(req, NULL);
}

Test(ctl_cli, readiness_estimates_add_columns)
{
	Pathways__V1__ReadinessRequest *req;

	can_readiness();
	readiness_resp.n_results = 2;
	rr[0].estimated_hours = 12.5;
	rr[1].estimated_hours = 40;
	rr[1].uncovered_needs = 1;
	cr_assert_eq(run("-e", "@", "readiness", "--estimates", "E1", NULL),
		     0, "%s", err_buf);
	cr_assert_str_eq(out_buf,
		"EMPLOYEE  ROLE       READINESS  BAND        MET  BLOCKERS           EST_HOURS  UNCOVERED\n"
		"E1        eng-ic-3        92.5  READY_NOW   5/5                          12.5          0\n"
		"E1        eng-mgr-1       61.0  DEVELOPING  3/6  sql,system-design         40          1\n");
	req = pathways__v1__readiness_request__unpack(NULL, srv.last_body_len,
						      srv.last_body);
	cr_assert_not_null(req);
	cr_assert(req->with_estimates);
	cr_assert_eq(req->n_role_keys, 0);
	pathways__v1__readiness_request__free_unpacked(req, NULL);
}

Test(ctl_cli, json_prints_the_response_fields)
{
	can_readiness();
	cr_assert_eq(run("readiness", "--json", "E1", "-e", "@", NULL), 0,
		     "%s", err_buf);
	cr_assert_not_null(strstr(out_buf, "\"readiness\": 92.5,"));
	cr_assert_not_null(strstr(out_buf, "\"band\": \"READY_NOW\","));
	cr_assert_not_null(strstr(out_buf, "\"readiness\": 61,"));
	cr_assert_not_null(strstr(out_buf,
		"\"blockers\": [\n        \"sql\",\n        \"system-design\"\n"
		"      ],"));
	cr_assert_eq(out_buf[0], '{');
	cr_assert_str_eq(out_buf + strlen(out_buf) - 2, "}\n");
}

Test(ctl_cli, daemon_error_exits_3_with_code_name)
{
	mock_server_can(&srv, "Gap", PW_CODE_NOT_FOUND, "unknown role r9",
			NULL);
	cr_assert_eq(run("--endpoint", "@", "gap", "E1", "r9", NULL), 3);
	cr_assert_str_eq(err_buf, "pathwaysctl: NOT_FOUND: unknown role r9\n");
	cr_assert_str_eq(out_buf, "");
}

Test(ctl_cli, unknown_code_is_named_by_number)
{
	mock_server_can(&srv, "Health", 99, "", NULL);
	cr_assert_eq(run("-e", "@", "health", NULL), 3);
	cr_assert_str_eq(err_buf, "pathwaysctl: CODE_99\n");
}

Test(ctl_cli, no_reply_exits_3)
{
	/* Requests go only to connected daemons: one live one is enough
	 * (the echo's HealthResponse says not serving: exit 4, a reply). */
	cr_assert_eq(run("-e", "@", "-e", "tcp://127.0.0.1:1", "--timeout",
			 "1000", "health", NULL), CTL_EXIT_NOT_SERVING, "%s",
		     err_buf);
	mock_server_stop(&srv);
	cr_assert_eq(run("-e", "tcp://127.0.0.1:1", "-t", "150", "health",
			 NULL), 3);
	cr_assert_str_eq(err_buf, "pathwaysctl: no reply from "
				  "tcp://127.0.0.1:1 within 150 ms\n");
}

Test(ctl_cli, health_prints_fields)
{
	/* not serving: printed, and exit status 4 for an exec probe */
	cr_assert_eq(run("-e", "@", "health", NULL), CTL_EXIT_NOT_SERVING,
		     "%s", err_buf);
	/* The echo server's HealthResponse: version is the method path. */
	cr_assert_not_null(strstr(out_buf, "serving                no\n"));
	cr_assert_not_null(strstr(out_buf, "snapshot loaded        never\n"));
	cr_assert_not_null(strstr(out_buf, "snapshot WAL position  unknown\n"));
	cr_assert_not_null(strstr(out_buf, "database               disconnected\n"));
	cr_assert_null(strstr(out_buf, "replay lag"));
	cr_assert_not_null(strstr(out_buf,
		"version                /pathways.v1.Pathways/Health\n"));
}

Test(ctl_cli, health_says_standby_and_its_lag)
{
	Pathways__V1__HealthResponse h = PATHWAYS__V1__HEALTH_RESPONSE__INIT;

	h.serving = true;
	h.database_connected = true;
	h.loads_from_standby = true;
	h.snapshot_lsn = "16/B374D848";
	h.replay_lag_ms = 250;
	mock_server_can(&srv, "Health", 0, NULL, &h.base);
	cr_assert_eq(run("-e", "@", "health", NULL), 0, "%s", err_buf);
	cr_assert_not_null(strstr(out_buf, "snapshot WAL position  16/B374D848\n"));
	cr_assert_not_null(strstr(out_buf,
		"database               connected, a hot standby\n"));
	cr_assert_not_null(strstr(out_buf, "standby replay lag     250 ms\n"),
			   "%s", out_buf);
	h.replay_lag_ms = -1;
	cr_assert_eq(run("-e", "@", "health", NULL), 0, "%s", err_buf);
	cr_assert_not_null(strstr(out_buf, "standby replay lag     unknown\n"));
}

Test(ctl_cli, roles_table_and_filters)
{
	Pathways__V1__ListRolesResponse resp =
		PATHWAYS__V1__LIST_ROLES_RESPONSE__INIT;
	Pathways__V1__RoleInfo r = PATHWAYS__V1__ROLE_INFO__INIT;
	Pathways__V1__RoleInfo *rs[] = { &r };
	Pathways__V1__ListRolesRequest *req;

	r.key = "eng-ic-3";
	r.title = "Senior Engineer";
	r.track = "ic";
	r.grade = 3;
	r.area = "eng";
	r.pay_min = 90000;
	r.pay_max = 120000.5;
	resp.roles = rs;
	resp.n_roles = 1;
	mock_server_can(&srv, "ListRoles", 0, NULL, &resp.base);
	cr_assert_eq(run("-e", "@", "roles", "--track", "ic", "--grade", "3",
			 NULL), 0, "%s", err_buf);
	cr_assert_str_eq(out_buf,
		"KEY       TITLE            TRACK  GRADE  AREA             PAY  REQUIREMENTS\n"
		"eng-ic-3  Senior Engineer  ic         3  eng   90000-120000.5             0\n");
	req = pathways__v1__list_roles_request__unpack(NULL, srv.last_body_len,
						       srv.last_body);
	cr_assert_not_null(req);
	cr_assert_str_eq(req->track, "ic");
	cr_assert_str_eq(req->area, "");
	cr_assert_eq(req->grade, 3);
	pathways__v1__list_roles_request__free_unpacked(req, NULL);
}

Test(ctl_cli, gap_prints_header_table_and_strengths)
{
	Pathways__V1__GapResponse g = PATHWAYS__V1__GAP_RESPONSE__INIT;
	Pathways__V1__CompetencyGap a = PATHWAYS__V1__COMPETENCY_GAP__INIT;
	Pathways__V1__CompetencyGap b = PATHWAYS__V1__COMPETENCY_GAP__INIT;
	Pathways__V1__CompetencyGap *gaps[] = { &a, &b }, *str[] = { &b };

	a.competency_key = "sql";
	a.required = 4;
	a.current = 2;
	a.deficit = 2;
	a.weight = 1.5;
	a.must_have = true;
	b.competency_key = "go";
	b.required = 3;
	b.current = 4;
	b.weight = 1;
	b.met = true;
	g.employee_id = "E1";
	g.role_key = "eng-ic-4";
	g.gaps = gaps;
	g.n_gaps = 2;
	g.strengths = str;
	g.n_strengths = 1;
	g.weighted_deficit = 3;
	g.readiness = 72.46;
	g.band = PATHWAYS__V1__BAND__READY_SOON;
	mock_server_can(&srv, "Gap", 0, NULL, &g.base);
	cr_assert_eq(run("-e", "@", "gap", "E1", "eng-ic-4", NULL), 0, "%s",
		     err_buf);
	cr_assert_str_eq(out_buf,
		"E1 -> eng-ic-4: readiness 72.5, READY_SOON, weighted deficit 3\n"
		"\n"
		"COMPETENCY  REQUIRED  CURRENT  DEFICIT  WEIGHT  MUST-HAVE  MET\n"
		"sql                4        2        2     1.5  yes        no\n"
		"go                 3        4        0       1  no         yes\n"
		"\n"
		"strengths:\n"
		"COMPETENCY  REQUIRED  CURRENT\n"
		"go                 3        4\n");
}

Test(ctl_cli, usage_errors_exit_2)
{
	cr_assert_eq(run("-e", "@", "readiness", NULL), 2);
	cr_assert_not_null(strstr(err_buf, "readiness: no employee given"));
	cr_assert_not_null(strstr(err_buf, "usage: pathwaysctl [OPTION]... "
					   "readiness EMPLOYEE..."));
	cr_assert_eq(run("-e", "@", "gap", "E1", NULL), 2);
	cr_assert_eq(run("-e", "@", "gap", "E1", "r", "x", NULL), 2);
	cr_assert_eq(run("-e", "@", "health", "--bogus", NULL), 2);
	cr_assert_not_null(strstr(err_buf, "unknown option '--bogus'"));
	cr_assert_eq(run("-e", "@", "roles", "--grade", "x", NULL), 2);
	cr_assert_eq(run("-e", "@", "roles", "--grade", NULL), 2);
	cr_assert_not_null(strstr(err_buf, "needs an argument"));
	cr_assert_eq(run("--timeout", "0", "health", NULL), 2);
	cr_assert_eq(run("--timeout", "-5", "health", NULL), 2);
	cr_assert_eq(run("-q", "health", NULL), 2);
	cr_assert_eq(run("-e", "not-an-endpoint", "health", NULL), 2);
	cr_assert_not_null(strstr(err_buf, "invalid endpoint 'not-an-endpoint'"));
	cr_assert_eq(srv.requests, 0, "nothing was sent");
}

Test(ctl_cli, help_and_version_exit_0)
{
	cr_assert_eq(run("--help", NULL), 0);
	cr_assert_not_null(strstr(out_buf, "usage: pathwaysctl [OPTION]... "
					   "COMMAND [ARG]..."));
	cr_assert_not_null(strstr(out_buf, "  gap EMPLOYEE ROLE\n"));
	cr_assert_eq(run("gap", "--help", NULL), 0);
	cr_assert_str_eq(out_buf, "usage: pathwaysctl [OPTION]... gap "
				  "EMPLOYEE ROLE\ngap\n");
	cr_assert_eq(run("--version", NULL), 0);
	cr_assert_str_eq(out_buf, "pathwaysctl " PATHWAYS_VERSION "\n");
}

Test(ctl_cli, health_shows_schema_versions_and_status)
{
	Pathways__V1__HealthResponse h = PATHWAYS__V1__HEALTH_RESPONSE__INIT;

	h.serving = true;
	h.schema_version = 1;
	h.expected_schema_version = 2;
	h.status = "serving; database connected";
	mock_server_can(&srv, "Health", 0, NULL, &h.base);
	cr_assert_eq(run("-e", "@", "health", NULL), 0, "%s", err_buf);
	cr_assert_not_null(strstr(out_buf, "\nschema version         1 (expected 2): "
					   "run pathwaysctl migrate\n"));
	cr_assert_not_null(strstr(out_buf, "\nstatus                 serving; "
					   "database connected\n"));
	h.schema_version = 0;
	cr_assert_eq(run("-e", "@", "health", NULL), 0, "%s", err_buf);
	cr_assert_not_null(strstr(out_buf, "\nschema version         unknown "
					   "(expected 2)\n"));
}

static Pathways__V1__Finding findings[3];
static Pathways__V1__Finding *findingp[3] = {
	&findings[0], &findings[1], &findings[2],
};
static Pathways__V1__AuditResponse audit_resp;

static void can_audit(size_t n)
{
	pathways__v1__audit_response__init(&audit_resp);
	for (int i = 0; i < 3; i++)
		pathways__v1__finding__init(&findings[i]);
	findings[0].kind = "dead_end";
	findings[0].subject = "ops-ic-2";
	findings[0].detail = "no outgoing move";
	findings[1].kind = "dead_end";
	findings[1].subject = "ops-ic-4";
	findings[2].kind = "untaught_competency";
	findings[2].subject = "sql";
	findings[2].detail = "no module teaches it";
	audit_resp.findings = findingp;
	audit_resp.n_findings = n;
	mock_server_can(&srv, "Audit", 0, NULL, &audit_resp.base);
}

Test(ctl_cli, audit_groups_findings_by_kind_and_exits_1)
{
	can_audit(3);
	cr_assert_eq(run("-e", "@", "audit", NULL), 1, "%s", err_buf);
	cr_assert_str_eq(out_buf,
		"dead_end (2)\n"
		"  ops-ic-2 — no outgoing move\n"
		"  ops-ic-4\n"
		"\n"
		"untaught_competency (1)\n"
		"  sql — no module teaches it\n"
		"\n"
		"3 findings\n");
	cr_assert_str_eq(err_buf, "");
}

Test(ctl_cli, audit_exit_status_is_the_same_with_json)
{
	can_audit(1);
	cr_assert_eq(run("-e", "@", "--json", "audit", NULL), 1);
	cr_assert_not_null(strstr(out_buf, "\"kind\": \"dead_end\""));
	can_audit(0);
	cr_assert_eq(run("-e", "@", "--json", "audit", NULL), 0);
	cr_assert_eq(run("-e", "@", "audit", NULL), 0);
	cr_assert_str_eq(out_buf, "no findings\n");
}

Test(ctl_cli, path_prints_a_staircase_and_sends_the_filters)
{
	Pathways__V1__PathResponse resp = PATHWAYS__V1__PATH_RESPONSE__INIT;
	Pathways__V1__Route r = PATHWAYS__V1__ROUTE__INIT;
	Pathways__V1__PathStep st = PATHWAYS__V1__PATH_STEP__INIT;
	Pathways__V1__Route *rs[] = { &r };
	Pathways__V1__PathStep *sts[] = { &st };
	Pathways__V1__PathRequest *req;

	st.from_role = "ops-ic-3";
	st.to_role = "ops-mgr-3";
	st.kind = PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH;
	st.cost = 9;
	st.typical_months = 12;
	r.steps = sts;
	r.n_steps = 1;
	r.total_cost = 9;
	r.total_months = 12;
	resp.routes = rs;
	resp.n_routes = 1;
	mock_server_can(&srv, "Path", 0, NULL, &resp.base);
	cr_assert_eq(run("-e", "@", "path", "--from-employee", "E1", "--to",
			 "ops-mgr-3", "--kinds", "track_switch,promotion",
			 "--avoid", "a", "--avoid", "b", "--routes", "2",
			 "--max-steps", "4", NULL), 0, "%s", err_buf);
	cr_assert_str_eq(out_buf,
		"route 1: cost 9, ~12 months, 1 step\n"
		"  ops-ic-3 ──track_switch──▶ ops-mgr-3   cost 9  ~12 months\n");
	req = pathways__v1__path_request__unpack(NULL, srv.last_body_len,
						 srv.last_body);
	cr_assert_not_null(req);
	cr_assert_eq(req->origin_case,
		     PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_EMPLOYEE);
	cr_assert_str_eq(req->from_employee, "E1");
	cr_assert_str_eq(req->to_role, "ops-mgr-3");
	cr_assert_eq(req->max_routes, 2);
	cr_assert_eq(req->max_steps, 4);
	cr_assert_eq(req->n_allowed_kinds, 2);
	cr_assert_eq(req->allowed_kinds[0],
		     PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH);
	cr_assert_eq(req->allowed_kinds[1], PATHWAYS__V1__MOVE_KIND__PROMOTION);
	cr_assert_eq(req->n_avoid_roles, 2);
	cr_assert_str_eq(req->avoid_roles[1], "b");
	pathways__v1__path_request__free_unpacked(req, NULL);

	resp.n_routes = 0;
	cr_assert_eq(run("-e", "@", "path", "--from-role", "x", "--to", "y",
			 NULL), 0, "%s", err_buf);
	cr_assert_str_eq(out_buf, "No route from x to y within 6 steps\n");
}

Test(ctl_cli, bench_counts_and_breakdown)
{
	Pathways__V1__BenchResponse b = PATHWAYS__V1__BENCH_RESPONSE__INIT;
	Pathways__V1__BenchCandidate c = PATHWAYS__V1__BENCH_CANDIDATE__INIT;
	Pathways__V1__BenchCandidate *cs[] = { &c };
	Pathways__V1__BandCount b1 = PATHWAYS__V1__BAND_COUNT__INIT;
	Pathways__V1__BandCount b2 = PATHWAYS__V1__BAND_COUNT__INIT;
	Pathways__V1__BandCount r1 = PATHWAYS__V1__BAND_COUNT__INIT;
	Pathways__V1__BandCount *bands[] = { &b1, &b2 }, *rb[] = { &r1 };
	Pathways__V1__BreakdownRow row1 = PATHWAYS__V1__BREAKDOWN_ROW__INIT;
	Pathways__V1__BreakdownRow row2 = PATHWAYS__V1__BREAKDOWN_ROW__INIT;
	Pathways__V1__BreakdownRow *rows[] = { &row1, &row2 };
	Pathways__V1__BenchRequest *req;

	c.employee_id = "E7";
	c.current_role = "ops-ic-3";
	c.readiness = 91.3;
	c.band = PATHWAYS__V1__BAND__READY_NOW;
	b1.band = PATHWAYS__V1__BAND__NOT_READY;
	b1.count = 2;
	b2.band = PATHWAYS__V1__BAND__READY_NOW;
	b2.count = 1;
	r1.band = PATHWAYS__V1__BAND__NOT_READY;
	r1.count = 2;
	row1.value = "";
	row1.bands = rb;
	row1.n_bands = 1;
	row2.value = "full_time";
	b.candidates = cs;
	b.n_candidates = 1;
	b.bands = bands;
	b.n_bands = 2;
	b.breakdown = rows;
	b.n_breakdown = 2;
	b.considered = 3;
	mock_server_can(&srv, "Bench", 0, NULL, &b.base);
	cr_assert_eq(run("-e", "@", "bench", "ops-ic-4", "--by", "type",
			 "--min-readiness", "50.5", "--limit", "3", NULL), 0,
		     "%s", err_buf);
	cr_assert_str_eq(out_buf,
		"RANK  EMPLOYEE  CURRENT ROLE  READINESS  BAND       BLOCKERS\n"
		"   1  E7        ops-ic-3           91.3  READY_NOW         0\n"
		"\n"
		"3 considered\n"
		"BAND       EMPLOYEES\n"
		"NOT_READY          2\n"
		"READY_NOW          1\n"
		"\n"
		"type       NOT_READY  READY_NOW  TOTAL\n"
		"(none)             2          0      2\n"
		"full_time          0          0      0\n");
	req = pathways__v1__bench_request__unpack(NULL, srv.last_body_len,
						  srv.last_body);
	cr_assert_not_null(req);
	cr_assert_str_eq(req->breakdown_attribute, "type");
	cr_assert_eq(req->min_readiness, 50.5);
	cr_assert_eq(req->limit, 3);
	pathways__v1__bench_request__free_unpacked(req, NULL);
}

Test(ctl_cli, new_commands_reject_bad_usage_without_calling)
{
	cr_assert_eq(run("-e", "@", "path", "--to", "r", NULL), 2);
	cr_assert_not_null(strstr(err_buf, "give --from-role or --from-employee"));
	cr_assert_eq(run("-e", "@", "path", "--from-role", "a",
			 "--from-employee", "e", "--to", "r", NULL), 2);
	cr_assert_eq(run("-e", "@", "path", "--from-role", "a", NULL), 2);
	cr_assert_not_null(strstr(err_buf, "give --to ROLE"));
	cr_assert_eq(run("-e", "@", "path", "--from-role", "a", "--to", "b",
			 "--kinds", "sideways", NULL), 2);
	cr_assert_eq(run("-e", "@", "path", "--from-role", "a", "--to", "b",
			 "--routes", "0", NULL), 2);
	cr_assert_eq(run("-e", "@", "--json", "path", "--from-role", "a",
			 "--to", "b", "--dot", NULL), 2);
	cr_assert_eq(run("-e", "@", "explore", NULL), 2);
	cr_assert_eq(run("-e", "@", "explore", "--from-role", "a",
			 "--max-cost", "nan", NULL), 2);
	cr_assert_eq(run("-e", "@", "explore", "--from-role", "a",
			 "--max-cost", "-1", NULL), 2);
	cr_assert_eq(run("-e", "@", "modules", "E1", NULL), 2);
	cr_assert_eq(run("-e", "@", "modules", "E1", "r", "--max-hours", "x",
			 NULL), 2);
	cr_assert_eq(run("-e", "@", "mentors", "E1", NULL), 2);
	cr_assert_eq(run("-e", "@", "mentors", "E1", "--role", "r",
			 "--competency", "c", NULL), 2);
	cr_assert_eq(run("-e", "@", "bench", NULL), 2);
	cr_assert_eq(run("-e", "@", "bench", "r", "--min-readiness", "101",
			 NULL), 2);
	cr_assert_eq(run("-e", "@", "placement", NULL), 2);
	cr_assert_eq(run("-e", "@", "audit", "x", NULL), 2);
	cr_assert_eq(run("-e", "@", "--json", "stats", "--prometheus", NULL), 2);
	cr_assert_eq(run("-e", "@", "map", "extra", NULL), 2);
	cr_assert_eq(srv.requests, 0, "nothing was sent");
}

Test(ctl_cli, parse_double_takes_plain_finite_numbers_only)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "nan", "inf", "-inf", "0x10", "1e999", "-",
		".", "1.5x", "+2",
	};
	double v = 0;

	cr_assert_eq(ctl_cli_parse_double("12", 0, 100, &v), 0);
	cr_assert_eq(v, 12);
	cr_assert_eq(ctl_cli_parse_double("7.5", 0, 100, &v), 0);
	cr_assert_eq(v, 7.5);
	cr_assert_eq(ctl_cli_parse_double(".5", 0, 100, &v), 0);
	cr_assert_eq(v, 0.5);
	cr_assert_eq(ctl_cli_parse_double("100", 0, 100, &v), 0);
	cr_assert_eq(ctl_cli_parse_double("100.01", 0, 100, &v), -EINVAL);
	cr_assert_eq(ctl_cli_parse_double("-1", 0, 100, &v), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(ctl_cli_parse_double(bad[i], -1e300, 1e300, &v),
			     -EINVAL, "accepted [%s]", bad[i]);
	cr_assert_eq(v, 100, "untouched on error");
}

/* A framework of two roles and one move a -> b, as ListRoles, Explore and
 * Path answer it (the mock gives every Explore the same answer: b, one
 * step; map must skip b's own). */
static Pathways__V1__RoleInfo fw_roles[2];
static Pathways__V1__RoleInfo *fw_rolep[2] = { &fw_roles[0], &fw_roles[1] };
static Pathways__V1__ListRolesResponse fw_list;
static Pathways__V1__Reachable fw_reach;
static Pathways__V1__Reachable *fw_reachp[1] = { &fw_reach };
static Pathways__V1__ExploreResponse fw_explore;
static Pathways__V1__PathStep fw_step;
static Pathways__V1__PathStep *fw_stepp[1] = { &fw_step };
static Pathways__V1__Route fw_route;
static Pathways__V1__Route *fw_routep[1] = { &fw_route };
static Pathways__V1__PathResponse fw_path;

static void can_framework(void)
{
	pathways__v1__list_roles_response__init(&fw_list);
	for (int i = 0; i < 2; i++) {
		pathways__v1__role_info__init(&fw_roles[i]);
		fw_roles[i].track = "ic";
		fw_roles[i].area = "ops";
		fw_roles[i].grade = (uint32_t)i + 1;
	}
	fw_roles[0].key = "a";
	fw_roles[0].title = "Role \"A\"";
	fw_roles[1].key = "b";
	fw_list.roles = fw_rolep;
	fw_list.n_roles = 2;
	pathways__v1__explore_response__init(&fw_explore);
	pathways__v1__reachable__init(&fw_reach);
	fw_reach.role_key = "b";
	fw_reach.steps = 1;
	fw_reach.cost = 3;
	fw_explore.roles = fw_reachp;
	fw_explore.n_roles = 1;
	pathways__v1__path_response__init(&fw_path);
	pathways__v1__route__init(&fw_route);
	pathways__v1__path_step__init(&fw_step);
	fw_step.from_role = "a";
	fw_step.to_role = "b";
	fw_step.kind = PATHWAYS__V1__MOVE_KIND__PROMOTION;
	fw_step.cost = 3;
	fw_step.typical_months = 18;
	fw_route.steps = fw_stepp;
	fw_route.n_steps = 1;
	fw_route.total_cost = 3;
	fw_route.total_months = 18;
	fw_path.routes = fw_routep;
	fw_path.n_routes = 1;
	mock_server_can(&srv, "ListRoles", 0, NULL, &fw_list.base);
	mock_server_can(&srv, "Explore", 0, NULL, &fw_explore.base);
	mock_server_can(&srv, "Path", 0, NULL, &fw_path.base);
}

Test(ctl_cli, map_draws_roles_and_the_moves_explore_and_path_find)
{
	can_framework();
	cr_assert_eq(run("-e", "@", "map", NULL), 0, "%s", err_buf);
	/* ListRoles, an Explore per role, a Path per move. */
	cr_assert_eq(srv.requests, 4);
	cr_assert(strncmp(out_buf, "digraph pathways {\n", 19) == 0);
	cr_assert_not_null(strstr(out_buf, "\"r:a\" [label=\"a\\nRole \\\"A\\\"\""));
	cr_assert_not_null(strstr(out_buf, "\"r:b\" [label=\"b\""));
	cr_assert_not_null(strstr(out_buf, "\"r:a\" -> \"r:b\" [style=solid"));
	cr_assert_null(strstr(out_buf, "\"r:b\" -> \"r:b\""));
	cr_assert_not_null(strstr(out_buf, "{ rank=same; \"g:1\"; \"r:a\"; }"));
	cr_assert_str_eq(err_buf, "");
}

Test(ctl_cli, map_json_lists_roles_and_moves)
{
	can_framework();
	cr_assert_eq(run("-e", "@", "--json", "map", "--area", "ops", NULL), 0,
		     "%s", err_buf);
	cr_assert_not_null(strstr(out_buf,
		"\"moves\": [\n"
		"    {\n"
		"      \"from_role\": \"a\",\n"
		"      \"to_role\": \"b\",\n"
		"      \"kind\": \"PROMOTION\",\n"
		"      \"typical_months\": 18,\n"
		"      \"cost\": 3\n"
		"    }\n"
		"  ]\n"));
	cr_assert_not_null(strstr(out_buf, "\"key\": \"a\""));
	cr_assert_null(strstr(out_buf, "current_role"));
}

Test(ctl_cli, path_dot_draws_the_routes_roles_only)
{
	can_framework();
	fw_list.n_roles = 2;
	cr_assert_eq(run("-e", "@", "path", "--from-role", "a", "--to", "b",
			 "--dot", NULL), 0, "%s", err_buf);
	cr_assert_eq(srv.requests, 2, "Path, then ListRoles");
	cr_assert_not_null(strstr(out_buf, "label=\"a to b: 1 route\""));
	cr_assert_not_null(strstr(out_buf, "label=\"cost 3, ~18 mo\\nroute 1\""));
	cr_assert_not_null(strstr(out_buf, "\\nstart\""));
	cr_assert_not_null(strstr(out_buf, "\\ngoal\""));
}
