/* The write methods (daemon/writer.c) against a real PostgreSQL: records
 * written, unchanged on repeat, per-record errors, all_or_nothing.
 *
 * PATHWAYS_TEST_PG holds the conninfo of a private cluster (superuser):
 * each test creates a database migrated and loaded with the demo bundle
 * and drops it at the end. Without it the tests are skipped. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "bundle.h"
#include "graph.h"
#include "migrate.h"
#include "pgtest.h"
#include "query/query.h"
#include "writer.h"

/* the version of the snapshot the tests publish: it holds every write */
#define VERSION 42

static PGconn *db;
static char dbname[80], conninfo[512];
static struct graph_slot slot;
static writer_t *w;
static struct query_ctx ctx;

static long count(const char *sql)
{
	return pgtest_query_long(db, sql);
}

static void setup(void)
{
	graph_builder_t *b;
	graph_t *g = NULL;

	db = pgtest_create("writer", dbname, sizeof(dbname));
	pgtest_demo(db);
	snprintf(conninfo, sizeof(conninfo),
		 "host=%s port=%s user=%s dbname=%s", PQhost(db), PQport(db),
		 PQuser(db), dbname);

	/* No loader here: a snapshot read "after" every transaction stands
	 * in for the one the loader would publish with the writes. */
	graph_slot_init(&slot);
	b = graph_builder_new();
	cr_assert_not_null(b);
	cr_assert_eq(graph_builder_finish(&b, VERSION, &g), 0);
	g->db_xmin = UINT64_MAX;
	graph_slot_publish(&slot, g);
	cr_assert_eq(writer_new(conninfo, &slot, 0, &w), 0);
	query_ctx_init(&ctx, NULL, 0);
}

static void teardown(void)
{
	if (!dbname[0])
		return;
	query_ctx_reset(&ctx);
	writer_destroy(&w);
	graph_slot_clear(&slot);
	PQfinish(db);
	pgtest_drop(dbname);
}

TestSuite(writer, .init = setup, .fini = teardown, .timeout = 120);

/* ---- requests ---- */

#define MAX_RECORDS 8

static Pathways__V1__AssessmentRecord arec[MAX_RECORDS];
static Pathways__V1__AssessmentRecord *aptr[MAX_RECORDS];
static Pathways__V1__CompletionRecord crec[MAX_RECORDS];
static Pathways__V1__CompletionRecord *cptr[MAX_RECORDS];

static int64_t now_ms(void)
{
	return (int64_t)time(NULL) * 1000;
}

static void assessment(size_t i, const char *emp, const char *comp,
		       unsigned level, const char *source, int64_t at)
{
	pathways__v1__assessment_record__init(&arec[i]);
	arec[i].employee_id = (char *)emp;
	arec[i].competency_key = (char *)comp;
	arec[i].level = level;
	arec[i].source = (char *)source;
	arec[i].assessed_at_unix_ms = at;
	aptr[i] = &arec[i];
}

static void completion(size_t i, const char *emp, const char *module,
		       int64_t at)
{
	pathways__v1__completion_record__init(&crec[i]);
	crec[i].employee_id = (char *)emp;
	crec[i].module_key = (char *)module;
	crec[i].completed_at_unix_ms = at;
	cptr[i] = &crec[i];
}

/* Runs RecordAssessments over the first n records of arec: 0 or the
 * status code. */
static int record_assessments(size_t n, bool all_or_nothing,
			      Pathways__V1__RecordAssessmentsResponse *resp)
{
	Pathways__V1__RecordAssessmentsRequest req;

	pathways__v1__record_assessments_request__init(&req);
	pathways__v1__record_assessments_response__init(resp);
	req.n_records = n;
	req.records = aptr;
	req.all_or_nothing = all_or_nothing;
	query_ctx_reset(&ctx);
	query_ctx_init(&ctx, NULL, 0);
	if (writer_record_assessments(w, &ctx, &req.base, &resp->base))
		return ctx.code;
	return 0;
}

static int record_completions(size_t n, bool all_or_nothing,
			      Pathways__V1__RecordCompletionsResponse *resp)
{
	Pathways__V1__RecordCompletionsRequest req;

	pathways__v1__record_completions_request__init(&req);
	pathways__v1__record_completions_response__init(resp);
	req.n_records = n;
	req.records = cptr;
	req.all_or_nothing = all_or_nothing;
	query_ctx_reset(&ctx);
	query_ctx_init(&ctx, NULL, 0);
	if (writer_record_completions(w, &ctx, &req.base, &resp->base))
		return ctx.code;
	return 0;
}

/* The result for record index, which must be there with words in it. */
static void has_error(Pathways__V1__RecordResult **results, size_t n,
		      uint32_t index, const char *words)
{
	for (size_t i = 0; i < n; i++) {
		if (results[i]->index != index)
			continue;
		cr_assert_neq(strstr(results[i]->error, words), NULL,
			      "record %u: '%s' lacks '%s'", index,
			      results[i]->error, words);
		return;
	}
	cr_assert_fail("no error for record %u", index);
}

/* ---- assessments ---- */

Test(writer, assessments_are_written_then_unchanged_on_repeat)
{
	Pathways__V1__RecordAssessmentsResponse resp;
	int64_t at = now_ms() - 86400000;
	long before = count("SELECT count(*) FROM assessment");

	assessment(0, "E1001", "communication", 3, "manager", at);
	assessment(1, "E1002", "ownership", 4, "certification", at);
	cr_assert_eq(record_assessments(2, false, &resp), 0, "%s",
		     ctx.message);
	cr_assert_eq(resp.written, 2);
	cr_assert_eq(resp.unchanged, 0);
	cr_assert_eq(resp.n_results, 0);
	cr_assert_eq(resp.snapshot_version, VERSION);
	cr_assert_eq(count("SELECT count(*) FROM assessment"), before + 2);
	cr_assert_eq(count("SELECT level FROM assessment a JOIN employee e "
			   "ON e.id = a.employee_id WHERE e.external_id = "
			   "'E1001' AND a.source = 'manager' AND "
			   "a.assessed_at = (SELECT max(assessed_at) FROM "
			   "assessment WHERE employee_id = e.id AND source "
			   "= 'manager')"), 3);

	cr_assert_eq(record_assessments(2, false, &resp), 0, "%s",
		     ctx.message);
	cr_assert_eq(resp.written, 0);
	cr_assert_eq(resp.unchanged, 2);
	cr_assert_eq(resp.snapshot_version, VERSION);
	cr_assert_eq(count("SELECT count(*) FROM assessment"), before + 2);

	/* a new level for the same natural key is an update */
	arec[0].level = 5;
	cr_assert_eq(record_assessments(2, false, &resp), 0);
	cr_assert_eq(resp.written, 1);
	cr_assert_eq(resp.unchanged, 1);
	cr_assert_eq(count("SELECT count(*) FROM assessment"), before + 2);
}

Test(writer, each_bad_assessment_gets_its_error_and_the_rest_is_written)
{
	Pathways__V1__RecordAssessmentsResponse resp;
	int64_t at = now_ms() - 3600000;
	long before = count("SELECT count(*) FROM assessment");

	assessment(0, "E9999", "communication", 3, "manager", at);
	assessment(1, "E1001", "nope", 3, "manager", at);
	assessment(2, "E1001", "communication", 6, "manager", at);
	assessment(3, "E1001", "communication", 3, "boss", at);
	assessment(4, "E1001", "communication", 3, "manager", 0);
	assessment(5, "E1001", "communication", 3, "manager",
		   now_ms() + 24 * 3600000LL);
	assessment(6, "E1003", "communication", 2, "peer", at);
	cr_assert_eq(record_assessments(7, false, &resp), 0, "%s",
		     ctx.message);
	cr_assert_eq(resp.n_results, 6);
	has_error(resp.results, resp.n_results, 0,
		  "unknown employee \"E9999\"");
	has_error(resp.results, resp.n_results, 1,
		  "unknown competency \"nope\"");
	has_error(resp.results, resp.n_results, 2, "level must be 0-5, not 6");
	has_error(resp.results, resp.n_results, 3,
		  "source must be manager, self, peer or certification, not "
		  "\"boss\"");
	has_error(resp.results, resp.n_results, 4, "assessed_at is missing");
	has_error(resp.results, resp.n_results, 5,
		  "assessed_at is in the future");
	cr_assert_eq(resp.written, 1);
	cr_assert_eq(resp.unchanged, 0);
	cr_assert_eq(count("SELECT count(*) FROM assessment"), before + 1);
}

Test(writer, all_or_nothing_writes_nothing_when_one_record_is_bad)
{
	Pathways__V1__RecordAssessmentsResponse resp;
	int64_t at = now_ms() - 3600000;
	long before = count("SELECT count(*) FROM assessment");

	assessment(0, "E1001", "communication", 3, "manager", at);
	assessment(1, "E1001", "communication", 9, "manager", at);
	assessment(2, "E1002", "communication", 3, "manager", at);
	cr_assert_eq(record_assessments(3, true, &resp), 0, "%s",
		     ctx.message);
	cr_assert_eq(resp.n_results, 1);
	has_error(resp.results, resp.n_results, 1, "level must be 0-5");
	cr_assert_eq(resp.written, 0);
	cr_assert_eq(resp.unchanged, 0);
	cr_assert_eq(count("SELECT count(*) FROM assessment"), before);
	/* the same batch made good goes in whole */
	arec[1].level = 4;
	arec[1].source = "self";
	cr_assert_eq(record_assessments(3, true, &resp), 0);
	cr_assert_eq(resp.n_results, 0);
	cr_assert_eq(resp.written, 3);
	cr_assert_eq(count("SELECT count(*) FROM assessment"), before + 3);
}

Test(writer, an_empty_batch_names_the_current_snapshot)
{
	Pathways__V1__RecordAssessmentsResponse resp;

	cr_assert_eq(record_assessments(0, false, &resp), 0);
	cr_assert_eq(resp.written, 0);
	cr_assert_eq(resp.unchanged, 0);
	cr_assert_eq(resp.snapshot_version, VERSION);
}

Test(writer, too_many_records_are_refused_before_any_write)
{
	Pathways__V1__RecordAssessmentsRequest req;
	Pathways__V1__RecordAssessmentsResponse resp;

	pathways__v1__record_assessments_request__init(&req);
	pathways__v1__record_assessments_response__init(&resp);
	req.n_records = 10001;	/* never read: refused on the count */
	req.records = aptr;
	cr_assert_eq(writer_record_assessments(w, &ctx, &req.base, &resp.base),
		     -1);
	cr_assert_eq(ctx.code, QUERY_RESOURCE_EXHAUSTED);
	cr_assert_neq(strstr(ctx.message, "at most 10000"), NULL, "%s",
		      ctx.message);
}

Test(writer, an_unreachable_database_is_unavailable)
{
	Pathways__V1__RecordAssessmentsResponse resp;
	writer_t *down;

	cr_assert_eq(writer_new("host=/nonexistent port=1 connect_timeout=2",
				&slot, 1, &down), 0);
	writer_destroy(&w);
	w = down;
	assessment(0, "E1001", "communication", 3, "manager", now_ms());
	cr_assert_eq(record_assessments(1, false, &resp), QUERY_UNAVAILABLE);
	cr_assert_neq(strstr(ctx.message, "nothing was written"), NULL, "%s",
		      ctx.message);
}

/* ---- completions ---- */

Test(writer, completions_are_written_then_unchanged_on_repeat)
{
	Pathways__V1__RecordCompletionsResponse resp;
	int64_t at = now_ms() - 86400000;
	long before = count("SELECT count(*) FROM module_completion");

	completion(0, "E1001", "comm-foundations", at);
	completion(1, "E1002", "comm-presenting", at);
	cr_assert_eq(record_completions(2, false, &resp), 0, "%s",
		     ctx.message);
	cr_assert_eq(resp.n_results, 0);
	cr_assert_eq(resp.written + resp.unchanged, 2);
	cr_assert_eq(resp.snapshot_version, VERSION);
	long after = count("SELECT count(*) FROM module_completion");

	cr_assert_eq(after, before + resp.written);
	cr_assert_eq(record_completions(2, false, &resp), 0);
	cr_assert_eq(resp.written, 0);
	cr_assert_eq(resp.unchanged, 2);
	/* a new date replaces the old one: one row per employee and module */
	crec[0].completed_at_unix_ms = at + 1000;
	cr_assert_eq(record_completions(2, false, &resp), 0);
	cr_assert_eq(resp.written, 1);
	cr_assert_eq(resp.unchanged, 1);
	cr_assert_eq(count("SELECT count(*) FROM module_completion"), after);
}

Test(writer, each_bad_completion_gets_its_error)
{
	Pathways__V1__RecordCompletionsResponse resp;
	int64_t at = now_ms() - 3600000;
	long before = count("SELECT count(*) FROM module_completion");

	completion(0, "E9999", "comm-foundations", at);
	completion(1, "E1001", "nope", at);
	completion(2, "E1001", "comm-foundations", -5);
	completion(3, "E1001", "comm-foundations", now_ms() + 86400000);
	completion(4, "E1005", "comm-presenting", at);
	cr_assert_eq(record_completions(5, true, &resp), 0, "%s",
		     ctx.message);
	cr_assert_eq(resp.n_results, 4);
	has_error(resp.results, resp.n_results, 0, "unknown employee");
	has_error(resp.results, resp.n_results, 1, "unknown module \"nope\"");
	has_error(resp.results, resp.n_results, 2, "completed_at is missing");
	has_error(resp.results, resp.n_results, 3,
		  "completed_at is in the future");
	/* all_or_nothing: the good one was not written either */
	cr_assert_eq(resp.written, 0);
	cr_assert_eq(count("SELECT count(*) FROM module_completion"), before);
	cr_assert_eq(record_completions(5, false, &resp), 0);
	cr_assert_eq(resp.n_results, 4);
	cr_assert_eq(resp.written + resp.unchanged, 1);
}

/* ---- erasure ---- */

Test(writer, erase_deletes_the_employee_and_their_records)
{
	Pathways__V1__EraseEmployeeRequest req;
	Pathways__V1__EraseEmployeeResponse resp;
	long nasm = count("SELECT count(*) FROM assessment a JOIN employee e "
			  "ON e.id = a.employee_id WHERE e.external_id = "
			  "'E1001'");

	pathways__v1__erase_employee_request__init(&req);
	pathways__v1__erase_employee_response__init(&resp);
	req.employee_id = "E1001";
	ctx.who = "test";
	cr_assert_eq(writer_erase_employee(w, &ctx, &req.base, &resp.base), 0, "%s", ctx.message);
	cr_assert(resp.erased);
	cr_assert_eq(resp.assessments, (uint32_t)nasm);
	cr_assert_eq(count("SELECT count(*) FROM employee WHERE external_id "
			   "= 'E1001'"), 0);
	pathways__v1__erase_employee_response__init(&resp);
	cr_assert_eq(writer_erase_employee(w, &ctx, &req.base, &resp.base), 0);
	cr_assert_not(resp.erased);
	req.employee_id = "";
	cr_assert_eq(writer_erase_employee(w, &ctx, &req.base, &resp.base), -1);
	cr_assert_eq(ctx.code, QUERY_INVALID_ARGUMENT);
}
