/* Bundle import and migrations against a real PostgreSQL
 * (client/admin/bundle.c, client/admin/migrate.c).
 *
 * PATHWAYS_TEST_PG holds the conninfo of a private cluster (superuser):
 * each test creates its own database and drops it at the end. Without it
 * the tests are skipped. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <pthread.h>

#include "bundle.h"
#include "migrate.h"
#include "migrations.h"
#include "pgtest.h"

static PGconn *db;
static char dbname[80];
static char dir[64];
static char err[2048];

static void setup(void)
{
	db = pgtest_create("bundle", dbname, sizeof(dbname));
	snprintf(dir, sizeof(dir), "/tmp/pathways_bundle_XXXXXX");
	cr_assert(mkdtemp(dir), "mkdtemp");
}

static void clear_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static void teardown(void)
{
	if (!pgtest_available())
		return;
	if (db)
		PQfinish(db);
	db = NULL;
	clear_dir();
	rmdir(dir);
	pgtest_drop(dbname);
}

TestSuite(bundle, .init = setup, .fini = teardown, .timeout = 120);

/* ---- helpers ---- */

static void write_file(const char *name, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	cr_assert_eq(fputs(content, f) >= 0, true);
	cr_assert_eq(fclose(f), 0);
}

static void migrate(void)
{
	pgtest_migrate(db);
}

/* The single value SQL returns, as a string (caller frees). */
static char *query(const char *sql)
{
	return pgtest_query(db, sql);
}

static long query_long(const char *sql)
{
	return pgtest_query_long(db, sql);
}

#define assert_query(sql, want)                                              \
	do {                                                                 \
		char *got_ = query(sql);                                     \
		cr_assert_str_eq(got_, (want), "%s", (sql));                 \
		free(got_);                                                  \
	} while (0)

/* Every row of every table, hashed: equal fingerprints, equal data. */
static char *fingerprint(void)
{
	static const char *const tables[] = {
		"track", "functional_area", "competency", "role",
		"role_requirement", "role_move", "module", "module_outcome",
		"module_prereq", "employee", "assessment", "module_completion",
		"framework_setting",
	};
	char sql[4096];
	size_t o = 0;

	o += (size_t)snprintf(sql + o, sizeof(sql) - o, "SELECT concat_ws(' '");
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
				      ", (SELECT count(*) || ':' || coalesce("
				      "md5(string_agg(x::text, '|' ORDER BY "
				      "x::text)), '-') FROM %s x)",
				      tables[i]);
	snprintf(sql + o, sizeof(sql) - o, ")");
	return query(sql);
}

/* The version (xmin) of every row: a rewritten row gets a new one. */
static char *versions(void)
{
	static const char *const tables[] = {
		"track", "functional_area", "competency", "role",
		"role_requirement", "role_move", "module", "module_outcome",
		"module_prereq", "employee", "assessment", "module_completion",
		"framework_setting",
	};
	char sql[4096];
	size_t o = 0;

	o += (size_t)snprintf(sql + o, sizeof(sql) - o, "SELECT concat_ws(' '");
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
				      ", (SELECT md5(string_agg(xmin::text || "
				      "ctid::text, ',' ORDER BY ctid)) "
				      "FROM %s)", tables[i]);
	snprintf(sql + o, sizeof(sql) - o, ")");
	return query(sql);
}

static int import(bool replace)
{
	struct bundle_stats st;

	err[0] = '\0';
	return bundle_import(db, dir, replace, &st, err, sizeof(err));
}

static void import_ok(bool replace)
{
	int rc = import(replace);

	cr_assert_eq(rc, 0, "import failed (%d): %s", rc, err);
}

/* A small, valid bundle: every file. */
static void write_base(void)
{
	write_file("tracks.csv", "key,name,kind\n"
				 "ic,Individual contributor,ic\n"
				 "mgmt,Management,management\n");
	write_file("areas.csv", "key,name\n"
				"eng,Engineering\n"
				"ops,Operations\n");
	write_file("competencies.csv",
		   "key,name,kind,area,description\n"
		   "comm,Communication,core,,\"Writes clearly, "
		   "\"\"always\"\"\"\n"
		   "code,Coding,functional,eng,Writes code\n"
		   "lead,Leadership,leadership,,\n");
	write_file("roles.csv",
		   "key,title,track,grade,area,pay_min,pay_max,scope,"
		   "complexity,volume,drive,influence\n"
		   "eng-1,Engineer I,ic,1,eng,50000,70000,1,1,1,1,1\n"
		   "eng-2,Engineer II,ic,2,eng,65000,90000,2,2,2,2,2\n"
		   "eng-m2,Engineering Manager,mgmt,2,eng,70000,95000,,,,,\n"
		   "ops-1,Operations Associate,ic,1,ops,,,,,,,\n");
	write_file("requirements.csv",
		   "role,competency,level,weight,must_have\n"
		   "eng-1,code,2,,\n"
		   "eng-1,comm,1,0.5,false\n"
		   "eng-2,code,3,2,true\n"
		   "eng-2,comm,2,1,false\n"
		   "eng-m2,lead,3,1,true\n");
	write_file("moves.csv", "from,to,kind,typical_months\n"
				"eng-1,eng-2,promotion,18\n"
				"eng-2,eng-m2,track_switch,\n");
	write_file("modules.csv", "key,title,kind,hours,lms_ref\n"
				  "c101,Coding 101,course,8,LMS-1\n"
				  "c201,Coding 201,course,16,LMS-2\n"
				  "lead1,Leading people,workshop,12,\n");
	write_file("module_outcomes.csv",
		   "module,competency,entry_level,level\n"
		   "c101,code,0,2\n"
		   "c201,code,2,3\n"
		   "lead1,lead,,3\n");
	write_file("module_prereqs.csv", "module,requires\n"
					 "c201,c101\n");
	/* a report before its manager */
	write_file("employees.csv",
		   "id,role,manager,attributes,active\n"
		   "E1,eng-1,E3,\"{\"\"location\"\": \"\"Berlin\"\"}\",true\n"
		   "E2,eng-2,E3,,\n"
		   "E3,eng-m2,,\"{\"\"location\"\": \"\"Lisbon\"\"}\",true\n"
		   "E4,ops-1,,,false\n");
	write_file("assessments.csv",
		   "employee,competency,level,source,assessed_at\n"
		   "E1,code,2,manager,2024-03-01T09:30:00Z\n"
		   "E1,code,3,self,2024-03-01T09:30:00Z\n"
		   "E1,comm,1,peer,2024-03-01 10:00:00\n"
		   "E2,code,3,certification,2024-03-02T12:00:00+02:00\n"
		   "E1,code,3,manager,2024-06-01\n");
	write_file("completions.csv", "employee,module,completed_at\n"
				      "E1,c101,2024-02-01T00:00:00Z\n");
	write_file("settings.csv", "key,value\n"
				   "band_ready_now,85\n"
				   "trusted_sources,\"manager, peer\"\n"
				   "infer_lateral,true\n");
}

/* Imports the base bundle, then starts a fresh folder for the next one. */
static char *base_imported(void)
{
	migrate();
	write_base();
	import_ok(false);
	clear_dir();
	return fingerprint();
}

/* Imports a bundle that must fail with an error starting with PREFIX,
 * leaving the database as it was. */
static void expect_bad(const char *before, const char *prefix)
{
	int rc = import(false);
	char *after;

	cr_assert_neq(rc, 0, "import succeeded, expected \"%s\"", prefix);
	cr_assert(strncmp(err, prefix, strlen(prefix)) == 0,
		  "error \"%s\", expected it to start with \"%s\"", err,
		  prefix);
	cr_assert_eq(PQtransactionStatus(db), PQTRANS_IDLE);
	after = fingerprint();
	cr_assert_str_eq(after, before, "the database changed");
	free(after);
}

/* ---- migrations ---- */

Test(bundle, migrate_applies_everything_once)
{
	int applied = -1, version = -1;

	cr_assert_eq(migrate_db_version(db, &version, err, sizeof(err)), 0);
	cr_assert_eq(version, 0);
	cr_assert_eq(migrate_apply(db, &applied, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_gt(applied, 0);
	cr_assert_eq(migrate_db_version(db, &version, err, sizeof(err)), 0);
	cr_assert_eq(version, migrate_latest_version());
	cr_assert_eq(migrate_apply(db, &applied, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(applied, 0);
	cr_assert_eq(query_long("SELECT count(*) FROM schema_migration"),
		     (long)sql_migrations_count);
	assert_query("SELECT name FROM schema_migration WHERE version = 1",
		     "001_schema");
}

struct migrate_run {
	int rc, applied;
	char err[512];
};

static void *migrate_thread(void *arg)
{
	struct migrate_run *r = arg;
	PGconn *c = pgtest_connect(dbname);

	r->rc = migrate_apply(c, &r->applied, r->err, sizeof(r->err));
	PQfinish(c);
	return NULL;
}

Test(bundle, concurrent_migrates_apply_each_migration_once)
{
	struct migrate_run runs[3] = { { 0 } };
	pthread_t t[3];
	int total = 0;

	for (int i = 0; i < 3; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, migrate_thread,
					    &runs[i]), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(runs[i].rc, 0, "%s", runs[i].err);
		total += runs[i].applied;
	}
	cr_assert_eq(total, (int)sql_migrations_count);
	cr_assert_eq(query_long("SELECT count(*) FROM schema_migration"),
		     (long)sql_migrations_count);
}

Test(bundle, import_refuses_an_old_schema)
{
	write_base();
	cr_assert_eq(import(false), -EPROTO);
	cr_assert(strstr(err, "pathwaysctl migrate"), "%s", err);
}

/* ---- a valid bundle ---- */

Test(bundle, imports_a_small_bundle)
{
	struct bundle_stats st;

	migrate();
	write_base();
	cr_assert_eq(bundle_import(db, dir, false, &st, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(st.nfiles, 13);
	cr_assert_str_eq(st.files[0], "tracks.csv");
	cr_assert_eq(st.rows[0], 2);
	cr_assert_str_eq(st.files[10], "assessments.csv");
	cr_assert_eq(st.rows[10], 5);
	cr_assert_str_eq(st.files[12], "settings.csv");

	assert_query("SELECT count(*) FROM role", "4");
	assert_query("SELECT t.key || ' ' || r.grade || ' ' || a.key FROM "
		     "role r JOIN track t ON t.id = r.track_id JOIN "
		     "functional_area a ON a.id = r.area_id WHERE r.key = "
		     "'eng-m2'",
		     "mgmt 2 eng");
	assert_query("SELECT coalesce(pay_min::text, 'none') || ' ' || "
		     "coalesce(scope::text, 'none') FROM role WHERE key = "
		     "'ops-1'", "none none");
	assert_query("SELECT description FROM competency WHERE key = 'comm'",
		     "Writes clearly, \"always\"");
	assert_query("SELECT coalesce(area_id::text, 'none') FROM competency "
		     "WHERE key = 'lead'", "none");
	/* defaults: weight 1, must_have false */
	assert_query("SELECT q.weight || ' ' || q.must_have FROM "
		     "role_requirement q JOIN role r ON r.id = q.role_id JOIN "
		     "competency c ON c.id = q.competency_id WHERE r.key = "
		     "'eng-1' AND c.key = 'code'", "1 false");
	assert_query("SELECT q.weight || ' ' || q.must_have FROM "
		     "role_requirement q JOIN role r ON r.id = q.role_id JOIN "
		     "competency c ON c.id = q.competency_id WHERE r.key = "
		     "'eng-2' AND c.key = 'code'", "2 true");
	assert_query("SELECT coalesce(typical_months::text, 'none') || kind "
		     "FROM role_move WHERE kind = 'track_switch'",
		     "nonetrack_switch");
	assert_query("SELECT entry_level || '-' || level FROM module_outcome o "
		     "JOIN module m ON m.id = o.module_id WHERE m.key = "
		     "'lead1'",
		     "0-3");
	assert_query("SELECT count(*) FROM module_prereq", "1");
	/* managers set after every employee exists */
	assert_query("SELECT string_agg(e.external_id || '>' || "
		     "coalesce(m.external_id, '-'), ' ' ORDER BY "
		     "e.external_id) FROM employee e LEFT JOIN employee m ON "
		     "m.id = e.manager_id", "E1>E3 E2>E3 E3>- E4>-");
	assert_query("SELECT attributes->>'location' FROM employee WHERE "
		     "external_id = 'E1'", "Berlin");
	assert_query("SELECT attributes::text || active FROM employee WHERE "
		     "external_id = 'E2'", "{}true");
	assert_query("SELECT active::text FROM employee WHERE external_id = "
		     "'E4'", "false");
	/* timestamps: an offset is honoured, none means UTC */
	assert_query("SELECT count(*) FROM assessment", "5");
	assert_query("SELECT extract(epoch FROM assessed_at)::bigint FROM "
		     "assessment a JOIN competency c ON c.id = a.competency_id "
		     "WHERE c.key = 'comm'", "1709287200");
	assert_query("SELECT extract(epoch FROM assessed_at)::bigint FROM "
		     "assessment WHERE source = 'certification'", "1709373600");
	assert_query("SELECT count(*) FROM module_completion", "1");
	assert_query("SELECT string_agg(key || '=' || value, ' ' ORDER BY key) "
		     "FROM framework_setting",
		     "band_ready_now=85 infer_lateral=true "
		     "trusted_sources=manager,peer");
}

Test(bundle, importing_twice_changes_nothing)
{
	char *first, *second, *v1, *v2;

	migrate();
	write_base();
	import_ok(false);
	first = fingerprint();
	v1 = versions();
	import_ok(false);
	second = fingerprint();
	v2 = versions();
	cr_assert_str_eq(first, second);
	/* and the second import rewrote no row */
	cr_assert_str_eq(v1, v2);
	free(first);
	free(second);
	free(v1);
	free(v2);
}

Test(bundle, accepts_a_bom_and_crlf)
{
	migrate();
	write_file("tracks.csv", "\xef\xbb\xbfkey,name,kind\r\n"
				 "ic,\"Individual\r\ncontributor\",ic\r\n"
				 "mgmt,Management,management\r\n");
	write_file("roles.csv", "\xef\xbb\xbf"
				"key,track,grade\r\n"
				"r1,ic,1\r\n"
				"r2,mgmt,2");
	import_ok(false);
	assert_query("SELECT count(*) FROM role", "2");
	assert_query("SELECT name FROM track WHERE key = 'ic'",
		     "Individual\r\ncontributor");
	/* line numbers stay physical after the quoted line break */
	write_file("roles.csv", "\xef\xbb\xbfkey,track,grade\r\n"
				"r1,ic,1\r\n"
				"r2,mgmt,x\r\n");
	cr_assert_eq(import(false), -EINVAL);
	cr_assert(strncmp(err, "roles.csv:3: grade: expected a whole number "
			  "from 1 to 1000, got \"x\"", 60) == 0, "%s", err);
}

Test(bundle, accepts_a_prerequisite_cycle)
{
	migrate();
	write_file("modules.csv", "key,kind,hours\n"
				  "a,course,1\n"
				  "b,course,2\n"
				  "c,project,3\n");
	write_file("module_prereqs.csv", "module,requires\n"
					 "a,b\n"
					 "b,c\n"
					 "c,a\n");
	import_ok(false);
	assert_query("SELECT count(*) FROM module_prereq", "3");
}

Test(bundle, takes_rows_in_any_order_and_upserts_assessments_by_key)
{
	char *before;

	before = base_imported();
	free(before);
	/* the same assessment key with a new level updates it */
	write_file("assessments.csv",
		   "assessed_at,source,level,competency,employee\n"
		   "2024-03-01T10:30:00+01:00,manager,4,code,E1\n");
	import_ok(false);
	assert_query("SELECT count(*) FROM assessment", "5");
	assert_query("SELECT level FROM assessment a JOIN employee e ON e.id = "
		     "a.employee_id JOIN competency c ON c.id = "
		     "a.competency_id WHERE e.external_id = 'E1' AND c.key = "
		     "'code' AND source = 'manager' AND assessed_at = "
		     "'2024-03-01T09:30:00Z'",
		     "4");
}

Test(bundle, leaves_columns_a_file_omits_as_they_are)
{
	char *before = base_imported();

	free(before);
	write_file("employees.csv", "id,role\n"
				    "E1,eng-2\n"
				    "E5,ops-1\n");
	import_ok(false);
	assert_query("SELECT r.key || ' ' || m.external_id || ' ' || "
		     "(e.attributes->>'location') FROM employee e JOIN role r "
		     "ON r.id = e.role_id JOIN employee m ON m.id = "
		     "e.manager_id WHERE e.external_id = 'E1'",
		     "eng-2 E3 Berlin");
	assert_query("SELECT coalesce(manager_id::text, 'none') || "
		     "attributes::text || active FROM employee WHERE "
		     "external_id = 'E5'", "none{}true");
	assert_query("SELECT active::text FROM employee WHERE external_id = "
		     "'E4'", "false");
}

Test(bundle, empty_setting_value_restores_the_default)
{
	char *before = base_imported();

	free(before);
	write_file("settings.csv", "key,value\n"
				   "band_ready_now,\n"
				   "readiness_mode,binary\n");
	import_ok(false);
	assert_query("SELECT string_agg(key || '=' || value, ' ' ORDER BY key) "
		     "FROM framework_setting",
		     "infer_lateral=true readiness_mode=binary "
		     "trusted_sources=manager,peer");
}

/* ---- bad rows: the error names file:line: column, nothing changes ---- */

Test(bundle, rejects_a_level_out_of_range)
{
	char *before = base_imported();

	write_file("roles.csv", "key,track,grade\neng-1,ic,3\n");
	write_file("assessments.csv",
		   "employee,competency,level,source,assessed_at\n"
		   "E1,code,2,manager,2024-01-01\n"
		   "E1,comm,7,manager,2024-01-01\n");
	expect_bad(before, "assessments.csv:3: level: must be 0-5");
	free(before);
}

Test(bundle, rejects_a_grade_that_is_not_a_number)
{
	char *before = base_imported();

	write_file("roles.csv", "key,track,grade\n"
				"eng-1,ic,1\n"
				"eng-9,ic,x\n");
	expect_bad(before, "roles.csv:3: grade: expected a whole number from "
			   "1 to 1000, got \"x\"");
	free(before);
}

Test(bundle, rejects_an_unknown_key)
{
	char *before = base_imported();

	write_file("competencies.csv", "key,kind\nnew,core\n");
	write_file("requirements.csv", "role,competency,level\n"
				       "eng-1,new,1\n"
				       "eng-1,foo,2\n");
	expect_bad(before, "requirements.csv:3: competency: unknown "
			   "competency \"foo\"");
	free(before);
}

Test(bundle, rejects_an_unknown_employee_in_assessments)
{
	char *before = base_imported();

	write_file("assessments.csv",
		   "employee,competency,level,source,assessed_at\n"
		   "E404,code,2,manager,2024-01-01\n");
	expect_bad(before, "assessments.csv:2: employee: unknown employee "
			   "\"E404\"");
	free(before);
}

Test(bundle, rejects_a_bad_enum)
{
	char *before = base_imported();

	write_file("tracks.csv", "key,kind\nic,ic\nx,IC\n");
	expect_bad(before, "tracks.csv:3: kind: must be one of ic, "
			   "management, other, got \"IC\"");
	write_file("tracks.csv", "key,kind\nic,ic\n");
	write_file("assessments.csv",
		   "employee,competency,level,source,assessed_at\n"
		   "E1,code,2,boss,2024-01-01\n");
	expect_bad(before, "assessments.csv:2: source: must be one of");
	free(before);
}

Test(bundle, rejects_a_bad_boolean)
{
	char *before = base_imported();

	write_file("requirements.csv", "role,competency,level,must_have\n"
				       "eng-1,code,2,yes\n");
	expect_bad(before, "requirements.csv:2: must_have: expected true or "
			   "false, got \"yes\"");
	free(before);
}

Test(bundle, rejects_a_bad_timestamp)
{
	char *before = base_imported();

	write_file("assessments.csv",
		   "employee,competency,level,source,assessed_at\n"
		   "E1,code,2,manager,2024-01-01\n"
		   "E1,code,2,manager,\n"
		   "E1,code,2,peer,01/02/2024\n");
	expect_bad(before, "assessments.csv:3: assessed_at: required");
	write_file("assessments.csv",
		   "employee,competency,level,source,assessed_at\n"
		   "E1,code,2,peer,01/02/2024\n");
	expect_bad(before, "assessments.csv:2: assessed_at: not an ISO 8601 "
			   "timestamp");
	free(before);
}

Test(bundle, rejects_a_duplicate_key_naming_both_lines)
{
	char *before = base_imported();

	write_file("roles.csv", "key,track,grade\n"
				"a,ic,1\n"
				"b,ic,1\n"
				"a,ic,2\n");
	expect_bad(before, "roles.csv:4: key: duplicate key \"a\" (also on "
			   "line 2)");
	free(before);
}

Test(bundle, rejects_a_duplicate_link_row)
{
	char *before = base_imported();

	write_file("requirements.csv", "role,competency,level\n"
				       "eng-1,code,1\n"
				       "eng-2,code,1\n"
				       "eng-1,code,3\n");
	expect_bad(before, "requirements.csv:4: competency: duplicate of line "
			   "2");
	free(before);
}

Test(bundle, rejects_a_duplicate_assessment_naming_both_lines)
{
	char *before = base_imported();

	/* the same instant written two ways */
	write_file("assessments.csv",
		   "employee,competency,level,source,assessed_at\n"
		   "E1,code,2,manager,2024-05-01T10:00:00Z\n"
		   "E2,code,2,manager,2024-05-01T10:00:00Z\n"
		   "E1,code,3,manager,2024-05-01T12:00:00+02:00\n");
	expect_bad(before, "assessments.csv:4: assessed_at: duplicate of line "
			   "2");
	free(before);
}

Test(bundle, rejects_a_duplicate_employee)
{
	char *before = base_imported();

	write_file("employees.csv", "id,role\nE7,eng-1\nE8,eng-1\nE7,eng-2\n");
	expect_bad(before, "employees.csv:4: id: duplicate key \"E7\" (also "
			   "on line 2)");
	free(before);
}

Test(bundle, rejects_a_manager_cycle_naming_the_ids)
{
	char *before = base_imported();

	/* E3 (managed by nobody so far) gets E1 as manager: E1 > E3 > E1 */
	write_file("employees.csv", "id,role,manager\n"
				    "E9,eng-1,E1\n"
				    "E3,eng-m2,E1\n");
	expect_bad(before, "employees.csv:3: manager: manager cycle: E3 -> E1 "
			   "-> E3");
	write_file("employees.csv", "id,role,manager\n"
				    "X1,eng-1,X2\n"
				    "X2,eng-1,X3\n"
				    "X3,eng-1,X1\n");
	expect_bad(before, "employees.csv:2: manager: manager cycle: X1 -> X2 "
			   "-> X3 -> X1");
	write_file("employees.csv", "id,role,manager\nX1,eng-1,X1\n");
	expect_bad(before, "employees.csv:2: manager: manager cycle: X1 -> X1");
	free(before);
}

Test(bundle, rejects_an_unknown_manager)
{
	char *before = base_imported();

	write_file("employees.csv", "id,role,manager\nX1,eng-1,nobody\n");
	expect_bad(before, "employees.csv:2: manager: unknown employee "
			   "\"nobody\"");
	free(before);
}

Test(bundle, rejects_bad_json_at_its_line)
{
	char *before = base_imported();
	char *text = malloc(1 << 20);
	size_t o = 0;

	/* enough rows that the line is found by bisection */
	o += (size_t)sprintf(text + o, "id,role,attributes\n");
	for (int i = 0; i < 3000; i++)
		o += (size_t)sprintf(text + o, "N%d,eng-1,\"%s\"\n", i,
				     i == 2344 ? "{\"\"a\"\": }"
					       : "{\"\"a\"\": 1}");
	write_file("employees.csv", text);
	expect_bad(before, "employees.csv:2346: attributes: invalid input "
			   "syntax for type json");
	write_file("employees.csv", "id,role,attributes\nN1,eng-1,[1]\n");
	expect_bad(before, "employees.csv:2: attributes: must be a JSON "
			   "object");
	free(text);
	free(before);
}

Test(bundle, rejects_an_unknown_column)
{
	char *before = base_imported();

	write_file("roles.csv", "key,track,grade,colour\nx,ic,1,red\n");
	expect_bad(before, "roles.csv:1: colour: unknown column");
	free(before);
}

Test(bundle, rejects_a_missing_required_column)
{
	char *before = base_imported();

	write_file("roles.csv", "key,title\nx,X\n");
	expect_bad(before, "roles.csv:1: track, grade: required columns "
			   "missing");
	free(before);
}

Test(bundle, rejects_an_unterminated_quote)
{
	char *before = base_imported();

	write_file("tracks.csv", "key,kind\nnew,other\n");
	write_file("competencies.csv", "key,kind,description\n"
				       "x,core,fine\n"
				       "y,core,\"never closed\n"
				       "z,core,more\n");
	expect_bad(before, "competencies.csv:3: description: quoted field is "
			   "never closed");
	free(before);
}

Test(bundle, rejects_invalid_utf8)
{
	char *before = base_imported();

	write_file("areas.csv", "key,name\nx,Caf\xe9\n");
	expect_bad(before, "areas.csv:2: name: invalid UTF-8");
	free(before);
}

Test(bundle, rejects_pay_min_above_pay_max)
{
	char *before = base_imported();

	write_file("roles.csv", "key,track,grade,pay_min,pay_max\n"
				"x,ic,1,100,50\n");
	expect_bad(before, "roles.csv:2: pay_max: must not be below pay_min");
	write_file("roles.csv", "key,track,grade,pay_min\nx,ic,1,-1\n");
	expect_bad(before, "roles.csv:2: pay_min: expected a number >= 0");
	free(before);
}

Test(bundle, rejects_an_outcome_not_above_its_entry_level)
{
	char *before = base_imported();

	write_file("module_outcomes.csv",
		   "module,competency,entry_level,level\n"
		   "c101,comm,2,2\n");
	expect_bad(before, "module_outcomes.csv:2: level: must be above "
			   "entry_level (2)");
	free(before);
}

Test(bundle, rejects_bad_settings)
{
	char *before = base_imported();

	write_file("settings.csv", "key,value\ncolour,red\n");
	expect_bad(before, "settings.csv:2: key: unknown setting \"colour\"");
	write_file("settings.csv", "key,value\nreadiness_mode,Binary\n");
	expect_bad(before, "settings.csv:2: value: readiness_mode: must be one "
			   "of proportional, binary");
	write_file("settings.csv", "key,value\nmentor_min_level,9\n");
	expect_bad(before, "settings.csv:2: value: mentor_min_level: expected "
			   "a whole number from 1 to 5");
	write_file("settings.csv", "key,value\ntrusted_sources,manager;peer\n");
	expect_bad(before, "settings.csv:2: value: trusted_sources:");
	write_file("settings.csv", "key,value\nstep_penalty,1\n"
				   "step_penalty,2\n");
	expect_bad(before, "settings.csv:3: key: duplicate key "
			   "\"step_penalty\" (also on line 2)");
	/* band_ready_now is 85 in the database */
	write_file("settings.csv", "key,value\nband_ready_soon,88\n");
	expect_bad(before, "settings.csv:2: value: band_ready_soon (88) must "
			   "not be above band_ready_now (85)");
	free(before);
}

Test(bundle, rejects_a_wrong_field_count)
{
	char *before = base_imported();

	write_file("areas.csv", "key,name\nx,X\ny\n");
	expect_bad(before, "areas.csv:3: expected 2 fields, found 1");
	free(before);
}

Test(bundle, rejects_a_file_that_is_not_part_of_a_bundle)
{
	char *before = base_imported();

	write_file("areas.csv", "key,name\nx,X\n");
	write_file("role.csv", "key,track,grade\nx,ic,1\n");
	expect_bad(before, dir);
	cr_assert(strstr(err, "role.csv: not a bundle file"), "%s", err);
	free(before);
}

Test(bundle, reports_a_missing_folder)
{
	migrate();
	cr_assert_eq(bundle_import(db, "/nonexistent/bundle", false, NULL, err,
				   sizeof(err)),
		     -ENOENT);
}

/* ---- --replace ---- */

Test(bundle, replace_deletes_framework_rows_the_bundle_does_not_name)
{
	char *before = base_imported();

	free(before);
	/* ops-1 still has E4: move E4 in the same bundle, drop ops-1 */
	write_file("roles.csv", "key,title,track,grade,area\n"
				"eng-1,Engineer I,ic,1,eng\n"
				"eng-2,Engineer II,ic,2,eng\n"
				"eng-m2,Engineering Manager,mgmt,2,eng\n");
	write_file("employees.csv", "id,role\nE4,eng-1\n");
	write_file("requirements.csv", "role,competency,level\n"
				       "eng-1,code,2\n");
	import_ok(true);
	assert_query("SELECT string_agg(key, ' ' ORDER BY key) FROM role",
		     "eng-1 eng-2 eng-m2");
	assert_query("SELECT count(*) FROM role_requirement", "1");
	/* absent files leave their tables alone */
	assert_query("SELECT count(*) FROM competency", "3");
	assert_query("SELECT count(*) FROM role_move", "2");
	assert_query("SELECT count(*) FROM assessment", "5");
	assert_query("SELECT count(*) FROM framework_setting", "3");
}

Test(bundle, replace_refuses_to_delete_a_role_employees_hold)
{
	char *before = base_imported(), *after;

	write_file("roles.csv", "key,track,grade\n"
				"eng-1,ic,1\n"
				"eng-m2,mgmt,2\n"
				"ops-1,ic,1\n");
	cr_assert_neq(import(true), 0);
	cr_assert(strstr(err, "roles.csv: ") == err, "%s", err);
	cr_assert(strstr(err, "\"eng-2\""), "%s", err);
	cr_assert(strstr(err, "employees still hold it: E2"), "%s", err);
	after = fingerprint();
	cr_assert_str_eq(after, before);
	free(after);
	free(before);
}

Test(bundle, replace_only_resolves_keys_the_bundle_lists)
{
	char *before = base_imported();

	write_file("competencies.csv", "key,kind\ncode,functional\n");
	write_file("requirements.csv", "role,competency,level\n"
				       "eng-1,comm,1\n");
	cr_assert_eq(import(true), -EINVAL);
	cr_assert(strstr(err, "requirements.csv:2: competency: unknown "
			      "competency \"comm\" (competencies.csv does not "
			      "list it") == err, "%s", err);
	free(before);
}

Test(bundle, replace_with_settings_drops_unlisted_settings)
{
	char *before = base_imported();

	free(before);
	write_file("settings.csv", "key,value\nstep_penalty,2.5\n");
	import_ok(true);
	assert_query("SELECT string_agg(key || '=' || value, ' ') FROM "
		     "framework_setting", "step_penalty=2.5");
}

/* ---- the demo organization ---- */

Test(bundle, imports_the_demo_bundle_cleanly_and_idempotently)
{
	const char *src = getenv("PATHWAYS_SOURCE_DIR");
	char demo[512], *first, *second;
	struct bundle_stats st;
	struct stat sb;

	snprintf(demo, sizeof(demo), "%s/sql/demo", src ? src : ".");
	if (!src || stat(demo, &sb) != 0)
		cr_skip_test("no demo bundle (PATHWAYS_SOURCE_DIR unset?)");
	migrate();
	cr_assert_eq(bundle_import(db, demo, false, &st, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_gt(st.nfiles, 0);
	first = fingerprint();
	cr_assert_eq(bundle_import(db, demo, true, &st, err, sizeof(err)), 0,
		     "%s", err);
	second = fingerprint();
	cr_assert_str_eq(first, second);
	free(first);
	free(second);
}
