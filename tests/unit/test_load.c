/* Loading a snapshot from a real PostgreSQL (daemon/load.c, the loader
 * thread's building block): a full load of the demo bundle, deltas, the
 * schema check.
 *
 * PATHWAYS_TEST_PG holds the conninfo of a private cluster (superuser):
 * each test creates a database, migrates it, imports sql/demo/ and drops
 * it at the end. Without it the tests are skipped. */
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
#include "load.h"
#include "migrate.h"
#include "pgtest.h"

static PGconn *db;
static char dbname[80];
static char err[2048];

static void exec_ok(const char *sql)
{
	pgtest_exec(db, sql);
}

static long long count(const char *sql)
{
	return pgtest_query_long(db, sql);
}

/* a new, empty database */
static void setup(void)
{
	db = pgtest_create("load", dbname, sizeof(dbname));
}

static void teardown(void)
{
	if (db)
		PQfinish(db);
	db = NULL;
	pgtest_drop(dbname);
}

TestSuite(load, .init = setup, .fini = teardown, .timeout = 120);

static void migrate(void)
{
	pgtest_migrate(db);
}

/* the demo organization, migrated and imported */
static void demo(void)
{
	pgtest_demo(db);
}

static graph_t *full(uint64_t version)
{
	graph_t *g = NULL;

	cr_assert_eq(load_full(db, version, &g, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_not_null(g);
	return g;
}

static const struct graph_employee *emp(const graph_t *g, const char *id)
{
	uint32_t e = graph_find_employee(g, id);

	cr_assert_neq(e, GRAPH_NONE, "%s not in the snapshot", id);
	return &g->emps[e];
}

static const char *attr(const struct graph_employee *e, const char *key)
{
	for (uint32_t i = 0; i < e->attrs_n; i++)
		if (strcmp(e->attrs[i].key, key) == 0)
			return e->attrs[i].value;
	return NULL;
}

/* ---- full loads ---- */

Test(load, full_load_counts_equal_the_tables)
{
	graph_t *g;
	uint64_t attrs = 0, completed = 0, assess = 0, explicit_moves = 0;

	demo();
	g = full(7);
	cr_assert_eq(g->version, 7);
	cr_assert_eq(g->tracks_n, count("SELECT count(*) FROM track"));
	cr_assert_eq(g->areas_n, count("SELECT count(*) FROM functional_area"));
	cr_assert_eq(g->comps_n, count("SELECT count(*) FROM competency"));
	cr_assert_eq(g->roles_n, count("SELECT count(*) FROM role"));
	cr_assert_eq(g->reqs_n, count("SELECT count(*) FROM role_requirement"));
	cr_assert_eq(g->modules_n, count("SELECT count(*) FROM module"));
	cr_assert_eq(g->outcomes_n, count("SELECT count(*) FROM module_outcome"));
	cr_assert_eq(g->prereqs_n, count("SELECT count(*) FROM module_prereq"));
	cr_assert_eq(g->emps_n, count("SELECT count(*) FROM employee"));
	cr_assert_eq(g->assessments_n, count("SELECT count(*) FROM assessment"));
	for (uint32_t i = 0; i < g->moves_n; i++)
		explicit_moves += !g->moves[i].inferred;
	cr_assert_eq(explicit_moves, count("SELECT count(*) FROM role_move"));
	for (uint32_t i = 0; i < g->emps_n; i++) {
		attrs += g->emps[i].attrs_n;
		completed += g->emps[i].completed_n;
		assess += g->emps[i].assess_rows;
	}
	cr_assert_eq(attrs, count("SELECT count(*) FROM employee, "
				  "jsonb_each(attributes)"));
	cr_assert_eq(completed, count("SELECT count(*) FROM module_completion"));
	cr_assert_eq(assess, g->assessments_n);
	cr_assert_gt(g->emps_n, 0);
	cr_assert_gt(g->assessments_n, 0);
	/* the transaction's snapshot xmin: a transaction id, never 0 */
	cr_assert_gt(g->db_xmin, 0);
	graph_unref(&g);
}

Test(load, full_load_reads_managers_roles_and_activity)
{
	PGresult *r;
	graph_t *g;

	demo();
	exec_ok("UPDATE employee SET active = false WHERE external_id = 'E1002'");
	g = full(1);
	r = PQexec(db, "SELECT e.external_id, ro.key, "
		       "coalesce(m.external_id, ''), e.active "
		       "FROM employee e JOIN role ro ON ro.id = e.role_id "
		       "LEFT JOIN employee m ON m.id = e.manager_id");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	for (int i = 0; i < PQntuples(r); i++) {
		const struct graph_employee *e = emp(g, PQgetvalue(r, i, 0));

		cr_assert_str_eq(g->roles[e->role].key, PQgetvalue(r, i, 1));
		cr_assert_str_eq(e->manager_id, PQgetvalue(r, i, 2));
		cr_assert_eq(e->active, PQgetvalue(r, i, 3)[0] == 't');
	}
	PQclear(r);
	cr_assert_not(emp(g, "E1002")->active);
	graph_unref(&g);
}

/* every attribute as jsonb_each_text() gives it, the awkward ones too:
 * the jsonb text reader against PostgreSQL's own output */
Test(load, full_load_reads_attributes_as_jsonb_each_text)
{
	PGresult *r;
	graph_t *g;
	int n;

	demo();
	exec_ok("UPDATE employee SET attributes = '{"
		"\"quote\": \"a \\\"b\\\", c\\\\d\", "
		"\"uni\": \"Zoë 日本 \\ud83d\\ude00\", "
		"\"ctl\": \"tab\\there\\nnl\\u0001\", "
		"\"none\": null, \"num\": 1.50, \"yes\": true, "
		"\"nested\": {\"x\": [1, \"},\", {\"y\": null}]}, "
		"\"key, with \\\"quotes\\\"\": \"\"}' "
		"WHERE external_id = 'E1001'");
	g = full(1);
	r = PQexec(db, "SELECT e.external_id, kv.key, coalesce(kv.value, '') "
		       "FROM employee e, jsonb_each_text(e.attributes) kv");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s",
		     PQerrorMessage(db));
	n = PQntuples(r);
	cr_assert_gt(n, 8);
	for (int i = 0; i < n; i++) {
		const char *v = attr(emp(g, PQgetvalue(r, i, 0)),
				     PQgetvalue(r, i, 1));

		cr_assert_not_null(v, "%s: no attribute %s",
				   PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		cr_assert_str_eq(v, PQgetvalue(r, i, 2), "%s.%s",
				 PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
	}
	PQclear(r);
	cr_assert_eq(emp(g, "E1001")->attrs_n, 8);
	cr_assert_str_eq(attr(emp(g, "E1001"), "uni"), "Zoë 日本 😀");
	cr_assert_str_eq(attr(emp(g, "E1001"), "none"), "");
	graph_unref(&g);
}

/* external ids the CSV rows must quote */
Test(load, full_load_reads_ids_with_commas_and_quotes)
{
	graph_t *g;

	demo();
	exec_ok("UPDATE employee SET external_id = 'E,\"1\"\n2' "
		"WHERE external_id = 'E1001'");
	g = full(1);
	cr_assert_eq(emp(g, "E,\"1\"\n2")->attrs_n, 2);
	cr_assert_eq(graph_find_employee(g, "E1001"), GRAPH_NONE);
	graph_unref(&g);
}

Test(load, full_load_of_an_empty_database_is_empty)
{
	graph_t *g;

	migrate();
	g = full(1);
	cr_assert_eq(g->emps_n, 0);
	cr_assert_eq(g->roles_n, 0);
	cr_assert_eq(g->assessments_n, 0);
	graph_unref(&g);
}

/* ---- the schema ---- */

Test(load, refuses_a_database_without_the_schema)
{
	graph_t *g = NULL;
	int v = -1;

	cr_assert_eq(load_schema_version(db, &v), -EIO);
	cr_assert_eq(load_full(db, 1, &g, err, sizeof(err)), -EPROTO);
	cr_assert_null(g);
	cr_assert(strstr(err, "no pathways schema"), "%s", err);
	/* the connection is still usable: the transaction was rolled back */
	cr_assert_eq(count("SELECT 1"), 1);
}

Test(load, refuses_a_schema_older_than_expected)
{
	graph_t *g = NULL;
	char want[32];
	int v = -1;

	demo();
	cr_assert_eq(load_schema_version(db, &v), 0);
	cr_assert_eq(v, load_expected_schema());
	exec_ok("DELETE FROM schema_migration WHERE version = "
		"(SELECT max(version) FROM schema_migration)");
	cr_assert_eq(load_full(db, 1, &g, err, sizeof(err)), -EPROTO);
	cr_assert_null(g);
	snprintf(want, sizeof(want), "older than %d", load_expected_schema());
	cr_assert(strstr(err, want), "%s", err);
	cr_assert(strstr(err, "pathwaysctl migrate"), "%s", err);
}

/* ---- deltas ---- */

Test(load, delta_replaces_one_employee)
{
	char *ids[] = { "E1001" };
	graph_t *base, *g = NULL, *ref;
	const struct graph_employee *e, *r;

	demo();
	base = full(1);
	exec_ok("UPDATE employee SET attributes = '{\"location\": \"Lyon\", "
		"\"x\": [1]}', active = false WHERE external_id = 'E1001'");
	exec_ok("INSERT INTO assessment (employee_id, competency_id, level, "
		"source, assessed_at) SELECT e.id, c.id, 5, 'certification', "
		"'2026-06-01T00:00:00Z' FROM employee e, competency c "
		"WHERE e.external_id = 'E1001' ORDER BY c.id LIMIT 1");
	cr_assert_eq(load_delta(db, base, ids, 1, 2, &g, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(g->version, 2);
	cr_assert_gt(g->db_xmin, 0);
	ref = full(3);
	cr_assert_eq(g->emps_n, ref->emps_n);
	cr_assert_eq(g->assessments_n, base->assessments_n + 1);
	cr_assert_eq(g->assessments_n, ref->assessments_n);
	e = emp(g, "E1001");
	r = emp(ref, "E1001");
	cr_assert_not(e->active);
	cr_assert_eq(e->attrs_n, 2);
	cr_assert_str_eq(attr(e, "location"), "Lyon");
	cr_assert_str_eq(attr(e, "x"), "[1]");
	cr_assert_eq(e->assess_rows, r->assess_rows);
	cr_assert_eq(e->levels_n, r->levels_n);
	for (uint32_t i = 0; i < e->levels_n; i++) {
		cr_assert_eq(e->levels[i].comp, r->levels[i].comp);
		cr_assert_eq(e->levels[i].level, r->levels[i].level);
		cr_assert_eq(e->levels[i].assessed_at, r->levels[i].assessed_at);
	}
	cr_assert_eq(e->completed_n, r->completed_n);
	cr_assert_str_eq(e->manager_id, r->manager_id);
	/* the others are untouched */
	cr_assert(emp(base, "E1001")->active);
	cr_assert_str_eq(attr(emp(g, "E1002"), "location"),
			 attr(emp(base, "E1002"), "location"));
	graph_unref(&ref);
	graph_unref(&g);
	graph_unref(&base);
}

Test(load, delta_adds_and_removes_employees)
{
	char *ids[] = { "E1001", "N1" };
	graph_t *base, *g = NULL;

	demo();
	base = full(1);
	exec_ok("DELETE FROM employee WHERE external_id = 'E1001'");
	exec_ok("INSERT INTO employee (external_id, role_id) "
		"SELECT 'N1', min(id) FROM role");
	cr_assert_eq(load_delta(db, base, ids, 2, 2, &g, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(g->emps_n, base->emps_n);
	cr_assert_eq(graph_find_employee(g, "E1001"), GRAPH_NONE);
	cr_assert_eq(emp(g, "N1")->attrs_n, 0);
	cr_assert_eq(g->assessments_n,
		     (uint64_t)count("SELECT count(*) FROM assessment"));
	graph_unref(&g);
	graph_unref(&base);
}

Test(load, delta_naming_what_the_snapshot_lacks_asks_for_a_full_load)
{
	char *ids[] = { "E1001" };
	graph_t *base, *g = NULL;
	int rc;

	demo();
	base = full(1);
	exec_ok("INSERT INTO role (key, title, track_id, grade) "
		"SELECT 'new-role', 'New', min(id), 1 FROM track");
	exec_ok("UPDATE employee SET role_id = "
		"(SELECT id FROM role WHERE key = 'new-role') "
		"WHERE external_id = 'E1001'");
	rc = load_delta(db, base, ids, 1, 2, &g, err, sizeof(err));
	cr_assert(rc == -ENOENT || rc == -EINVAL, "%d: %s", rc, err);
	cr_assert_null(g);
	cr_assert(strstr(err, "does not have"), "%s", err);
	/* rolled back: the connection takes the full load */
	g = full(2);
	cr_assert_str_eq(g->roles[emp(g, "E1001")->role].key, "new-role");
	graph_unref(&g);
	graph_unref(&base);
}
