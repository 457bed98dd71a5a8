/* pathwaysctl's commands (client/ctl_cli.c, ctl_query.c and their helpers,
 * compiled in) against the scripted server of pw_mock_server.h. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cli.c"
#include "ctl_json.c"
#include "ctl_query.c"
#include "ctl_table.c"
#include "pw_mock_server.h"

static const struct ctl_cmd test_cmds[] = {
	{ "health", "", "health", ctl_query_health },
	{ "roles", "[--track T] [--area A] [--grade G]", "roles",
	  ctl_query_roles },
	{ "readiness", "EMPLOYEE... [--role R]...", "readiness",
	  ctl_query_readiness },
	{ "gap", "EMPLOYEE ROLE", "gap", ctl_query_gap },
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
	/* Requests go only to connected daemons: one live one is enough. */
	cr_assert_eq(run("-e", "@", "-e", "tcp://127.0.0.1:1", "--timeout",
			 "1000", "health", NULL), 0, "%s", err_buf);
	mock_server_stop(&srv);
	cr_assert_eq(run("-e", "tcp://127.0.0.1:1", "-t", "150", "health",
			 NULL), 3);
	cr_assert_str_eq(err_buf, "pathwaysctl: no reply from "
				  "tcp://127.0.0.1:1 within 150 ms\n");
}

Test(ctl_cli, health_prints_fields)
{
	cr_assert_eq(run("-e", "@", "health", NULL), 0, "%s", err_buf);
	/* The echo server's HealthResponse: version is the method path. */
	cr_assert_not_null(strstr(out_buf, "serving           no\n"));
	cr_assert_not_null(strstr(out_buf, "snapshot loaded   never\n"));
	cr_assert_not_null(strstr(out_buf, "database          disconnected\n"));
	cr_assert_not_null(strstr(out_buf,
		"version           /pathways.v1.Pathways/Health\n"));
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
