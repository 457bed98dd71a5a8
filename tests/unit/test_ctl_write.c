/* pathwaysctl's write commands (client/ctl_write.c, compiled in):
 * record-assessment, record-completion and erase-employee against the
 * scripted server of pw_mock_server.h, and the parsing of times. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_admin.c"
#include "ctl_cli.c"
#include "ctl_json.c"
#include "ctl_keys.c"
#include "ctl_table.c"
#include "ctl_write.c"
#include "pw_mock_server.h"

static const struct ctl_cmd test_cmds[] = {
	{ "record-assessment", "(EMPLOYEE COMPETENCY LEVEL | --file F.csv)",
	  "record-assessment", ctl_write_assessment },
	{ "record-completion", "(EMPLOYEE MODULE | --file F.csv)",
	  "record-completion", ctl_write_completion },
	{ "erase-employee", "ID", "erase-employee", ctl_write_erase },
};

static struct mock_server srv;
static char *out_buf, *err_buf;
static char tmpdir[] = "/tmp/test_ctl_write.XXXXXX";

static void setup(void)
{
	cr_assert_eq(mock_server_start(&srv, NULL), 0);
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	mock_server_stop(&srv);
	free(out_buf);
	free(err_buf);
	out_buf = err_buf = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		cr_log_warn("cannot remove %s", tmpdir);
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

/* A file in tmpdir with text; returns its path (static buffer). */
static const char *file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	return path;
}

TestSuite(ctl_write, .init = setup, .fini = teardown, .timeout = 30);

/* ---- times ---- */

Test(ctl_write, times_are_iso_8601_or_unix_milliseconds)
{
	int64_t ms = 0;

	cr_assert_eq(ctl_write_parse_time("1709285400000", &ms), 0);
	cr_assert_eq(ms, INT64_C(1709285400000));
	cr_assert_eq(ctl_write_parse_time("2024-03-01T09:30:00Z", &ms), 0);
	cr_assert_eq(ms, INT64_C(1709285400000));
	cr_assert_eq(ctl_write_parse_time("2024-03-01 10:30:00+01:00", &ms), 0);
	cr_assert_eq(ms, INT64_C(1709285400000));
	/* no offset: UTC; a date alone: midnight */
	cr_assert_eq(ctl_write_parse_time("2024-03-01T09:30:00", &ms), 0);
	cr_assert_eq(ms, INT64_C(1709285400000));
	cr_assert_eq(ctl_write_parse_time("2024-03-01", &ms), 0);
	cr_assert_eq(ms, INT64_C(1709251200000));
	/* milliseconds kept, a finer fraction dropped */
	cr_assert_eq(ctl_write_parse_time("2024-03-01T09:30:00.123Z", &ms), 0);
	cr_assert_eq(ms, INT64_C(1709285400123));
	cr_assert_eq(ctl_write_parse_time("2024-03-01T09:30:00.1239Z", &ms), 0);
	cr_assert_eq(ms, INT64_C(1709285400123));
	cr_assert_eq(ctl_write_parse_time("1", &ms), 0);
	cr_assert_eq(ms, 1);
}

Test(ctl_write, times_that_are_not_times_are_rejected)
{
	static const char *const bad[] = {
		"", "now", "yesterday", "-5", "+5", " 1709285400000",
		"1709285400000 ", "17092854e5", "2024-13-01", "2024-02-30",
		"2024-03-01T25:00:00Z", "0x10", "1.5", "2024-03-01Tnoon",
	};
	int64_t ms = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(ctl_write_parse_time(bad[i], &ms), -EINVAL,
			     "'%s'", bad[i]);
	cr_assert_eq(ms, 42, "written on error");
	cr_assert_eq(ctl_write_parse_time(NULL, &ms), -EINVAL);
}

Test(ctl_write, times_outside_1970_to_9999_are_out_of_range)
{
	int64_t ms = 42;

	cr_assert_eq(ctl_write_parse_time("0", &ms), -ERANGE);
	cr_assert_eq(ctl_write_parse_time("1970-01-01T00:00:00Z", &ms),
		     -ERANGE);
	cr_assert_eq(ctl_write_parse_time("1969-12-31T23:59:59.999Z", &ms),
		     -ERANGE);
	cr_assert_eq(ctl_write_parse_time("253402300800000", &ms), -ERANGE);
	cr_assert_eq(ctl_write_parse_time("99999999999999999999999", &ms),
		     -ERANGE);
	cr_assert_eq(ms, 42);
	cr_assert_eq(ctl_write_parse_time("253402300799999", &ms), 0);
	cr_assert_eq(ctl_write_parse_time("9999-12-31T23:59:59.999Z", &ms),
		     0);
	cr_assert_eq(ms, INT64_C(253402300799999));
}

/* ---- record-assessment ---- */

static Pathways__V1__RecordAssessmentsRequest *last_assessments(void)
{
	Pathways__V1__RecordAssessmentsRequest *req;

	cr_assert_str_eq(srv.last_method,
			 "/pathways.v1.Pathways/RecordAssessments");
	req = pathways__v1__record_assessments_request__unpack(
		NULL, srv.last_body_len, srv.last_body);
	cr_assert_not_null(req);
	return req;
}

static Pathways__V1__RecordAssessmentsResponse aresp;
static Pathways__V1__RecordResult results[2];
static Pathways__V1__RecordResult *resultp[2] = { &results[0], &results[1] };

/* The daemon's answer to every RecordAssessments: written, unchanged,
 * snapshot 9, and these failures (index, error; n of them). */
static void can_assessments(uint32_t written, uint32_t unchanged, size_t n,
			    ...)
{
	va_list ap;

	pathways__v1__record_assessments_response__init(&aresp);
	aresp.written = written;
	aresp.unchanged = unchanged;
	aresp.snapshot_version = 9;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		pathways__v1__record_result__init(&results[i]);
		results[i].index = va_arg(ap, unsigned);
		results[i].error = va_arg(ap, char *);
	}
	va_end(ap);
	aresp.results = resultp;
	aresp.n_results = n;
	mock_server_can(&srv, "RecordAssessments", 0, NULL, &aresp.base);
}

Test(ctl_write, one_assessment_is_sent_with_its_defaults)
{
	Pathways__V1__RecordAssessmentsRequest *req;
	int64_t before = ctl_write_now_ms();

	can_assessments(1, 0, 0);
	cr_assert_eq(run("-e", "@", "record-assessment", "E1", "sql", "4",
			 NULL), 0, "%s", err_buf);
	cr_assert_str_eq(out_buf, "written 1, unchanged 0, snapshot 9\n");
	cr_assert_str_eq(err_buf, "");
	req = last_assessments();
	cr_assert_eq(req->n_records, 1);
	cr_assert_str_eq(req->records[0]->employee_id, "E1");
	cr_assert_str_eq(req->records[0]->competency_key, "sql");
	cr_assert_eq(req->records[0]->level, 4);
	cr_assert_str_eq(req->records[0]->source, "manager");
	cr_assert_geq(req->records[0]->assessed_at_unix_ms, before);
	cr_assert_leq(req->records[0]->assessed_at_unix_ms,
		      ctl_write_now_ms());
	cr_assert_not(req->all_or_nothing);
	pathways__v1__record_assessments_request__free_unpacked(req, NULL);
}

Test(ctl_write, source_time_and_all_or_nothing_are_sent)
{
	Pathways__V1__RecordAssessmentsRequest *req;

	can_assessments(0, 1, 0);
	cr_assert_eq(run("record-assessment", "E1", "sql", "0", "--source",
			 "peer", "--at", "2024-03-01T09:30:00Z",
			 "--all-or-nothing", "-e", "@", NULL), 0, "%s",
		     err_buf);
	cr_assert_str_eq(out_buf, "written 0, unchanged 1, snapshot 9\n");
	req = last_assessments();
	cr_assert_eq(req->records[0]->level, 0);
	cr_assert_str_eq(req->records[0]->source, "peer");
	cr_assert_eq(req->records[0]->assessed_at_unix_ms,
		     INT64_C(1709285400000));
	cr_assert(req->all_or_nothing);
	pathways__v1__record_assessments_request__free_unpacked(req, NULL);
}

Test(ctl_write, a_refused_record_is_reported_and_exits_3)
{
	can_assessments(0, 0, 1, 0u, "unknown employee \"E9\"\x1b[31m");
	cr_assert_eq(run("-e", "@", "record-assessment", "E9", "sql", "4",
			 NULL), 3);
	cr_assert_str_eq(out_buf, "written 0, unchanged 0, snapshot 9\n");
	/* control characters from the daemon are not passed through */
	cr_assert_str_eq(err_buf, "record 1: unknown employee \"E9\"?[31m\n");
}

Test(ctl_write, a_daemon_error_exits_3_with_its_message)
{
	mock_server_can(&srv, "RecordAssessments", PW_CODE_PERMISSION_DENIED,
			"writes are off", NULL);
	cr_assert_eq(run("-e", "@", "record-assessment", "E1", "sql", "4",
			 NULL), 3);
	cr_assert_str_eq(err_buf,
			 "pathwaysctl: PERMISSION_DENIED: writes are off\n");
}

Test(ctl_write, bad_arguments_are_usage_errors_and_send_nothing)
{
	static const char *const cases[][8] = {
		{ "record-assessment", NULL },
		{ "record-assessment", "E1", "sql", NULL },
		{ "record-assessment", "E1", "sql", "6", NULL },
		{ "record-assessment", "E1", "sql", "-1", NULL },
		{ "record-assessment", "E1", "sql", "4", "5", NULL },
		{ "record-assessment", "", "sql", "4", NULL },
		{ "record-assessment", "E1", "sql", "4", "--at", "soon", NULL },
		{ "record-assessment", "E1", "sql", "4", "--source", "", NULL },
		{ "record-assessment", "--file", "f.csv", "E1", NULL },
		{ "record-completion", "E1", NULL },
		{ "record-completion", "E1", "m", "--source", "self", NULL },
		{ "erase-employee", NULL },
		{ "erase-employee", "", NULL },
		{ "erase-employee", "E1", "E2", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *c = cases[i];

		cr_assert_eq(run("-e", "@", c[0], c[1], c[2], c[3], c[4], c[5],
				 c[6], NULL), 2, "case %zu: %s", i, err_buf);
		cr_assert_neq(strstr(err_buf, "usage: pathwaysctl"), NULL,
			      "case %zu: %s", i, err_buf);
	}
	cr_assert_eq(srv.requests, 0);
}

Test(ctl_write, a_file_reports_rows_by_line)
{
	Pathways__V1__RecordAssessmentsRequest *req;
	const char *f;
	char want[1024];

	f = file("a.csv",
		 "assessed_at,level,competency,employee\n"	/* any order */
		 "2024-03-01T09:30:00Z,3,sql,E1\n"		/* 2: sent 0 */
		 "2024-03-01T09:30:00Z,x,sql,E1\n"		/* 3: bad level */
		 ",2,sql,E2\n"					/* 4: sent 1 */
		 "\"2024-03-02\",1,sql,\n"			/* 5: no employee */
		 "2024-03-01T09:30:00Z,5,,E3\n"			/* 6: no competency */
		 "1709285400000,5,\"multi\nline\",E4\n"		/* 7: sent 2 */
		 "2024-03-01T09:30:00Z,5,sql,E5\n");		/* 9: sent 3 */
	/* the daemon refuses the second and the fourth it was sent */
	can_assessments(2, 0, 2, 1u, "unknown employee \"E2\"", 3u,
			"unknown competency");
	cr_assert_eq(run("-e", "@", "record-assessment", "--file", f,
			 "--source", "self", "--at", "1709000000000", NULL), 3);
	cr_assert_str_eq(out_buf, "written 2, unchanged 0, snapshot 9\n");
	snprintf(want, sizeof(want),
		 "%s:3: level: \"x\" is not a whole number from 0 to 5\n"
		 "%s:5: employee: required\n"
		 "%s:6: competency: required\n"
		 "%s:4: unknown employee \"E2\"\n"
		 "%s:9: unknown competency\n", f, f, f, f, f);
	cr_assert_str_eq(err_buf, want);
	cr_assert_eq(srv.requests, 1);
	req = last_assessments();
	cr_assert_eq(req->n_records, 4);
	cr_assert_str_eq(req->records[0]->employee_id, "E1");
	cr_assert_str_eq(req->records[0]->source, "self");
	cr_assert_eq(req->records[0]->assessed_at_unix_ms,
		     INT64_C(1709285400000));
	/* an empty time: --at */
	cr_assert_eq(req->records[1]->assessed_at_unix_ms,
		     INT64_C(1709000000000));
	cr_assert_str_eq(req->records[2]->competency_key, "multi\nline");
	cr_assert_str_eq(req->records[3]->employee_id, "E5");
	pathways__v1__record_assessments_request__free_unpacked(req, NULL);
}

Test(ctl_write, json_gives_the_counts)
{
	const char *f = file("j.csv", "employee,competency,level\n"
				      "E1,sql,3\nE1,sql,9\n");

	can_assessments(1, 0, 0);
	cr_assert_eq(run("-e", "@", "--json", "record-assessment", "--file", f,
			 NULL), 3);
	cr_assert_str_eq(out_buf, "{\n"
				  "  \"records\": 2,\n"
				  "  \"written\": 1,\n"
				  "  \"unchanged\": 0,\n"
				  "  \"failed\": 1,\n"
				  "  \"snapshot_version\": 9\n"
				  "}\n");
}

Test(ctl_write, all_or_nothing_sends_nothing_when_a_row_is_bad_here)
{
	const char *f = file("b.csv", "employee,competency,level\n"
				      "E1,sql,3\nE1,sql,9\n");

	can_assessments(1, 0, 0);
	cr_assert_eq(run("-e", "@", "record-assessment", "--all-or-nothing",
			 "--file", f, NULL), 3);
	cr_assert_eq(srv.requests, 0);
	cr_assert_str_eq(out_buf, "written 0, unchanged 0, snapshot 0\n");
	cr_assert_neq(strstr(err_buf, "nothing sent (1 bad record)"), NULL,
		      "%s", err_buf);
}

Test(ctl_write, a_file_that_cannot_be_read_sends_nothing)
{
	const char *f;

	f = file("c.csv", "employee,competency,level,grade\nE1,sql,3,1\n");
	cr_assert_eq(run("-e", "@", "record-assessment", "--file", f, NULL),
		     3);
	cr_assert_neq(strstr(err_buf, "grade"), NULL, "%s", err_buf);
	f = file("d.csv", "employee,competency\nE1,sql\n");
	cr_assert_eq(run("-e", "@", "record-assessment", "--file", f, NULL),
		     3);
	cr_assert_neq(strstr(err_buf, "level"), NULL, "%s", err_buf);
	f = file("e.csv", "employee,competency,level\nE1,sql,3\n\"E2,sql,3\n");
	cr_assert_eq(run("-e", "@", "record-assessment", "--file", f, NULL),
		     3);
	cr_assert_eq(run("-e", "@", "record-assessment", "--file",
			 "/nonexistent/x.csv", NULL), 3);
	cr_assert_neq(strstr(err_buf, "/nonexistent/x.csv"), NULL, "%s",
		      err_buf);
	cr_assert_eq(srv.requests, 0);
	cr_assert_str_eq(out_buf, "");
}

Test(ctl_write, an_empty_file_writes_nothing)
{
	const char *f = file("h.csv", "employee,competency,level\n");

	cr_assert_eq(run("-e", "@", "record-assessment", "--file", f, NULL),
		     0, "%s", err_buf);
	cr_assert_eq(srv.requests, 0);
	cr_assert_str_eq(out_buf, "written 0, unchanged 0, snapshot 0\n");
}

/* CTL_WRITE_BATCH + 1 records: two calls, the second with one record. */
static const char *big_file(void)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/big.csv", tmpdir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("employee,competency,level,source\n", f);
	for (unsigned i = 0; i <= CTL_WRITE_BATCH; i++)
		fprintf(f, "E%u,c,1,self\n", i);
	cr_assert_eq(fclose(f), 0);
	return path;
}

Test(ctl_write, a_large_file_is_sent_in_batches)
{
	Pathways__V1__RecordAssessmentsRequest *req;
	const char *f = big_file();

	/* each answer refuses the first record of its call */
	can_assessments(7, 1, 1, 0u, "no");
	cr_assert_eq(run("-e", "@", "record-assessment", "--file", f, NULL),
		     3);
	cr_assert_eq(srv.requests, 2);
	cr_assert_str_eq(out_buf, "written 14, unchanged 2, snapshot 9\n");
	/* the second batch starts at record CTL_WRITE_BATCH: line + 2 */
	cr_assert_str_eq(strchr(err_buf, '\n') + 1 + strlen(f),
			 ":10002: no\n");
	req = last_assessments();
	cr_assert_eq(req->n_records, 1);
	cr_assert_str_eq(req->records[0]->employee_id, "E10000");
	pathways__v1__record_assessments_request__free_unpacked(req, NULL);
	/* one call only with --all-or-nothing: too many */
	cr_assert_eq(run("-e", "@", "record-assessment", "--file", f,
			 "--all-or-nothing", NULL), 2);
	cr_assert_neq(strstr(err_buf, "more than one call takes (10000)"),
		      NULL, "%s", err_buf);
	cr_assert_eq(srv.requests, 2);
}

Test(ctl_write, batches_stay_under_the_request_size)
{
	char *name = malloc(1001);
	FILE *f;
	char path[256];

	cr_assert_not_null(name);
	memset(name, 'x', 1000);
	name[1000] = '\0';
	snprintf(path, sizeof(path), "%s/wide.csv", tmpdir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("employee,competency,level\n", f);
	/* about 1 KiB each: 900 records make 2 calls of at most 512 KiB */
	for (int i = 0; i < 900; i++)
		fprintf(f, "E%d,%s,1\n", i, name);
	cr_assert_eq(fclose(f), 0);
	free(name);
	can_assessments(0, 0, 0);
	cr_assert_eq(run("-e", "@", "record-assessment", "--file", path, NULL),
		     0, "%s", err_buf);
	cr_assert_eq(srv.requests, 2, "%u", srv.requests);
}

Test(ctl_write, a_failed_batch_stops_and_says_where)
{
	const char *f = big_file();

	mock_server_can(&srv, "RecordAssessments", PW_CODE_UNAVAILABLE,
			"database down", NULL);
	cr_assert_eq(run("-e", "@", "record-assessment", "--file", f, NULL),
		     3);
	cr_assert_eq(srv.requests, 1);
	cr_assert_neq(strstr(err_buf, "UNAVAILABLE: database down\n"), NULL);
	cr_assert_neq(strstr(err_buf, ":2 on may not have been written"),
		      NULL, "%s", err_buf);
	cr_assert_str_eq(out_buf, "written 0, unchanged 0, snapshot 0\n");
}

/* ---- record-completion ---- */

Test(ctl_write, completions_from_the_command_line_and_a_file)
{
	Pathways__V1__RecordCompletionsResponse resp =
		PATHWAYS__V1__RECORD_COMPLETIONS_RESPONSE__INIT;
	Pathways__V1__RecordCompletionsRequest *req;
	const char *f;

	resp.written = 1;
	resp.snapshot_version = 4;
	mock_server_can(&srv, "RecordCompletions", 0, NULL, &resp.base);
	cr_assert_eq(run("-e", "@", "record-completion", "E1", "sql-101",
			 "--at", "2024-03-01", NULL), 0, "%s", err_buf);
	cr_assert_str_eq(out_buf, "written 1, unchanged 0, snapshot 4\n");
	req = pathways__v1__record_completions_request__unpack(
		NULL, srv.last_body_len, srv.last_body);
	cr_assert_not_null(req);
	cr_assert_eq(req->n_records, 1);
	cr_assert_str_eq(req->records[0]->employee_id, "E1");
	cr_assert_str_eq(req->records[0]->module_key, "sql-101");
	cr_assert_eq(req->records[0]->completed_at_unix_ms,
		     INT64_C(1709251200000));
	pathways__v1__record_completions_request__free_unpacked(req, NULL);

	f = file("m.csv", "\xef\xbb\xbf" "employee,module,completed_at\r\n"
			  "E1,sql-101,2024-03-01\r\nE2,,2024-03-01\r\n"
			  "E3,sql-102,\r\n");
	cr_assert_eq(run("-e", "@", "record-completion", "--file", f, NULL),
		     3);
	req = pathways__v1__record_completions_request__unpack(
		NULL, srv.last_body_len, srv.last_body);
	cr_assert_not_null(req);
	cr_assert_eq(req->n_records, 2);
	cr_assert_str_eq(req->records[1]->module_key, "sql-102");
	cr_assert_gt(req->records[1]->completed_at_unix_ms,
		     INT64_C(1709251200000));
	pathways__v1__record_completions_request__free_unpacked(req, NULL);
	cr_assert_neq(strstr(err_buf, ":3: module: required\n"), NULL, "%s",
		      err_buf);
}

/* ---- erase-employee ---- */

Test(ctl_write, erase_through_the_daemon)
{
	Pathways__V1__EraseEmployeeResponse resp =
		PATHWAYS__V1__ERASE_EMPLOYEE_RESPONSE__INIT;
	Pathways__V1__EraseEmployeeRequest *req;

	resp.erased = true;
	resp.assessments = 1;
	resp.completions = 2;
	mock_server_can(&srv, "EraseEmployee", 0, NULL, &resp.base);
	cr_assert_eq(run("-e", "@", "erase-employee", "E7", NULL), 0, "%s",
		     err_buf);
	cr_assert_str_eq(out_buf, "erased E7: 1 assessment, 2 completions\n");
	req = pathways__v1__erase_employee_request__unpack(
		NULL, srv.last_body_len, srv.last_body);
	cr_assert_not_null(req);
	cr_assert_str_eq(req->employee_id, "E7");
	pathways__v1__erase_employee_request__free_unpacked(req, NULL);
	resp.erased = false;
	resp.assessments = resp.completions = 0;
	cr_assert_eq(run("-e", "@", "erase-employee", "E8", NULL), 0);
	cr_assert_str_eq(out_buf, "no employee E8\n");
	cr_assert_eq(run("-e", "@", "--json", "erase-employee", "E8", NULL), 0);
	cr_assert_str_eq(out_buf, "{\n  \"erased\": false,\n"
				  "  \"assessments\": 0,\n"
				  "  \"completions\": 0\n}\n");
}

Test(ctl_write, erase_with_db_does_not_call_the_daemon)
{
	/* --db with --endpoint: which one is meant? */
	cr_assert_eq(run("-e", "@", "--db", "dbname=x", "erase-employee", "E7",
			 NULL), 2);
	/* a database that is not there: exit 3, the conninfo not shown */
	cr_assert_eq(run("--db", "host=/nonexistent password=sekrit",
			 "erase-employee", "E7", NULL), 3);
	cr_assert_eq(strstr(err_buf, "sekrit"), NULL, "%s", err_buf);
	cr_assert_eq(srv.requests, 0);
}
