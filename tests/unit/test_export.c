/* Bundle export and employee erasure against a real PostgreSQL
 * (client/admin/bundle_export.c, client/admin/erase.c).
 *
 * PATHWAYS_TEST_PG holds the conninfo of a private cluster (superuser):
 * each test creates the databases it needs and drops them at the end.
 * Without it the tests are skipped. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "bundle.h"
#include "erase.h"
#include "migrate.h"
#include "pgtest.h"

#define MAX_DBS 3

static struct {
	PGconn *conn;
	char name[80];
} dbs[MAX_DBS];
static size_t ndbs;
static char tmp[64];
static char err[2048];

static const char *const files[] = {
	"tracks.csv", "areas.csv", "competencies.csv", "roles.csv",
	"requirements.csv", "moves.csv", "modules.csv", "module_outcomes.csv",
	"module_prereqs.csv", "employees.csv", "assessments.csv",
	"completions.csv", "settings.csv",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static const char *const headers[NFILES] = {
	"key,name,kind",
	"key,name",
	"key,name,kind,area,description",
	"key,title,track,grade,area,pay_min,pay_max,scope,complexity,volume,"
	"drive,influence",
	"role,competency,level,weight,must_have",
	"from,to,kind,typical_months",
	"key,title,kind,hours,lms_ref",
	"module,competency,entry_level,level",
	"module,requires",
	"id,role,manager,attributes,active",
	"employee,competency,level,source,assessed_at",
	"employee,module,completed_at",
	"key,value",
};

static void exec_ok(PGconn *c, const char *sql)
{
	pgtest_exec(c, sql);
}

/* A new database (migrated if MIGRATED), dropped at teardown. */
static PGconn *new_db(bool migrated)
{
	size_t i = ndbs;

	cr_assert_lt(i, (size_t)MAX_DBS);
	dbs[i].conn = pgtest_create("export", dbs[i].name,
				    sizeof(dbs[i].name));
	ndbs++;
	if (migrated)
		pgtest_migrate(dbs[i].conn);
	/* the canonical dumps below compare text: make it exact */
	exec_ok(dbs[i].conn, "SET TimeZone = 'UTC'");
	exec_ok(dbs[i].conn, "SET extra_float_digits = 3");
	return dbs[i].conn;
}

static void setup(void)
{
	pgtest_require();
	snprintf(tmp, sizeof(tmp), "/tmp/pathways_export_XXXXXX");
	cr_assert(mkdtemp(tmp), "mkdtemp");
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	if (!pgtest_available())
		return;
	for (size_t i = 0; i < ndbs; i++)
		if (dbs[i].conn)
			PQfinish(dbs[i].conn);
	if (tmp[0]) {
		/* a test may have made a folder read-only */
		chmod(tmp, 0700);
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	for (size_t i = 0; i < ndbs; i++)
		pgtest_drop(dbs[i].name);
}

TestSuite(export, .init = setup, .fini = teardown, .timeout = 300);
TestSuite(erase, .init = setup, .fini = teardown, .timeout = 120);

/* ---- helpers ---- */

/* The single value SQL returns, as a string (caller frees). */
static char *query(PGconn *c, const char *sql)
{
	return pgtest_query(c, sql);
}

static long query_long(PGconn *c, const char *sql)
{
	return pgtest_query_long(c, sql);
}

/* Each table's rows as text, keys in place of surrogate ids, ordered by
 * natural keys: equal dumps, equal data. */
static const struct {
	const char *table;
	const char *sql;
} dumps[] = {
	{ "track", "SELECT string_agg(row(key, name, kind)::text, E'\\n' "
		   "ORDER BY key COLLATE \"C\") FROM track" },
	{ "functional_area", "SELECT string_agg(row(key, name)::text, E'\\n' "
			     "ORDER BY key COLLATE \"C\") FROM "
			     "functional_area" },
	{ "competency",
	  "SELECT string_agg(row(c.key, c.name, c.kind, a.key, "
	  "c.description)::text, E'\\n' ORDER BY c.key COLLATE \"C\") FROM "
	  "competency c LEFT JOIN functional_area a ON a.id = c.area_id" },
	{ "role",
	  "SELECT string_agg(row(r.key, r.title, t.key, r.grade, a.key, "
	  "r.pay_min, r.pay_max, r.scope, r.complexity, r.volume, r.drive, "
	  "r.influence)::text, E'\\n' ORDER BY r.key COLLATE \"C\") FROM role "
	  "r "
	  "JOIN track t ON t.id = r.track_id LEFT JOIN functional_area a ON "
	  "a.id = r.area_id" },
	{ "role_requirement",
	  "SELECT string_agg(row(r.key, c.key, q.level, q.weight, "
	  "q.must_have)::text, E'\\n' ORDER BY r.key COLLATE \"C\", c.key "
	  "COLLATE \"C\") FROM role_requirement q JOIN role r ON r.id = "
	  "q.role_id JOIN competency c ON c.id = q.competency_id" },
	{ "role_move",
	  "SELECT string_agg(row(f.key, t.key, m.kind, "
	  "m.typical_months)::text, "
	  "E'\\n' ORDER BY f.key COLLATE \"C\", t.key COLLATE \"C\") FROM "
	  "role_move m JOIN role f ON f.id = m.from_role_id JOIN role t ON "
	  "t.id = m.to_role_id" },
	{ "module", "SELECT string_agg(row(key, title, kind, hours, "
		    "lms_ref)::text, E'\\n' ORDER BY key COLLATE \"C\") FROM "
		    "module" },
	{ "module_outcome",
	  "SELECT string_agg(row(m.key, c.key, o.entry_level, o.level)::text, "
	  "E'\\n' ORDER BY m.key COLLATE \"C\", c.key COLLATE \"C\") FROM "
	  "module_outcome o JOIN module m ON m.id = o.module_id JOIN "
	  "competency c ON c.id = o.competency_id" },
	{ "module_prereq",
	  "SELECT string_agg(row(m.key, r.key)::text, E'\\n' ORDER BY m.key "
	  "COLLATE \"C\", r.key COLLATE \"C\") FROM module_prereq p JOIN "
	  "module "
	  "m ON m.id = p.module_id JOIN module r ON r.id = p.requires_id" },
	{ "employee",
	  "SELECT string_agg(row(e.external_id, r.key, m.external_id, "
	  "e.attributes, e.active)::text, E'\\n' ORDER BY e.external_id "
	  "COLLATE \"C\") FROM employee e JOIN role r ON r.id = e.role_id "
	  "LEFT JOIN employee m ON m.id = e.manager_id" },
	{ "assessment",
	  "SELECT string_agg(row(e.external_id, c.key, a.level, a.source, "
	  "a.assessed_at)::text, E'\\n' ORDER BY e.external_id COLLATE \"C\", "
	  "c.key COLLATE \"C\", a.source, a.assessed_at) FROM assessment a "
	  "JOIN employee e ON e.id = a.employee_id JOIN competency c ON c.id = "
	  "a.competency_id" },
	{ "module_completion",
	  "SELECT string_agg(row(e.external_id, m.key, x.completed_at)::text, "
	  "E'\\n' ORDER BY e.external_id COLLATE \"C\", m.key COLLATE \"C\") "
	  "FROM module_completion x JOIN employee e ON e.id = x.employee_id "
	  "JOIN module m ON m.id = x.module_id" },
	{ "framework_setting",
	  "SELECT string_agg(row(key, value)::text, E'\\n' ORDER BY key "
	  "COLLATE \"C\") FROM framework_setting" },
};
#define NDUMPS (sizeof(dumps) / sizeof(dumps[0]))

static void assert_same_tables(PGconn *a, PGconn *b)
{
	for (size_t i = 0; i < NDUMPS; i++) {
		char *x = query(a, dumps[i].sql), *y = query(b, dumps[i].sql);

		cr_assert_str_eq(x, y, "table %s differs:\n%s\n---\n%s",
				 dumps[i].table, x, y);
		free(x);
		free(y);
	}
}

/* A file's whole content (caller frees); *len its length. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[512], *buf;
	struct stat sb;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fstat(fileno(f), &sb), 0);
	buf = malloc((size_t)sb.st_size + 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)sb.st_size, f), (size_t)sb.st_size);
	buf[sb.st_size] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)sb.st_size;
	return buf;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	cr_assert(fputs(text, f) >= 0);
	cr_assert_eq(fclose(f), 0);
}

static void assert_same_folders(const char *d1, const char *d2)
{
	for (size_t i = 0; i < NFILES; i++) {
		size_t n1, n2;
		char *a = slurp(d1, files[i], &n1);
		char *b = slurp(d2, files[i], &n2);

		cr_assert(n1 == n2 && !memcmp(a, b, n1),
			  "%s differs between the exports:\n%s\n---\n%s",
			  files[i], a, b);
		free(a);
		free(b);
	}
}

/* The names in DIR other than "." and "..", sorted, comma-separated. */
static char *listing(const char *dir)
{
	struct dirent **names;
	char *out;
	size_t o = 0;
	int n = scandir(dir, &names, NULL, alphasort);

	cr_assert_geq(n, 0, "%s: %s", dir, strerror(errno));
	out = calloc(1, 4096);
	cr_assert(out);
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") &&
		    strcmp(names[i]->d_name, ".."))
			o += (size_t)snprintf(out + o, 4096 - o, "%s%s",
					      o ? "," : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return out;
}

static void export_ok(PGconn *c, const char *dir, struct bundle_stats *st)
{
	struct bundle_stats local;
	int rc;

	err[0] = '\0';
	rc = bundle_export(c, dir, st ? st : &local, err, sizeof(err));
	cr_assert_eq(rc, 0, "export to %s failed (%d): %s", dir, rc, err);
	cr_assert_eq(PQtransactionStatus(c), PQTRANS_IDLE);
}

static void import_ok(PGconn *c, const char *dir)
{
	struct bundle_stats st;
	int rc;

	err[0] = '\0';
	rc = bundle_import(c, dir, false, &st, err, sizeof(err));
	cr_assert_eq(rc, 0, "import of %s failed (%d): %s", dir, rc, err);
}

static size_t stat_rows(const struct bundle_stats *st, const char *file)
{
	for (size_t i = 0; i < st->nfiles; i++)
		if (!strcmp(st->files[i], file))
			return st->rows[i];
	cr_assert_fail("no %s in the export's stats", file);
	return 0;
}

/* A → export 1 → B → export 2: same tables, same bytes. Returns the
 * folder of export 1 (static). */
static const char *round_trip(PGconn *a)
{
	static char d1[128];
	char d2[128];
	PGconn *b;

	snprintf(d1, sizeof(d1), "%s/first", tmp);
	snprintf(d2, sizeof(d2), "%s/second/nested", tmp);
	export_ok(a, d1, NULL);
	b = new_db(true);
	import_ok(b, d1);
	assert_same_tables(a, b);
	export_ok(b, d2, NULL);
	assert_same_folders(d1, d2);
	return d1;
}

/* ---- export ---- */

Test(export, round_trips_the_demo_bundle_exactly)
{
	const char *src = getenv("PATHWAYS_SOURCE_DIR");
	struct bundle_stats st;
	char demo[512], d[128];
	struct stat sb;
	PGconn *a;

	snprintf(demo, sizeof(demo), "%s/sql/demo", src ? src : ".");
	if (!src || stat(demo, &sb) != 0)
		cr_skip_test("no demo bundle (PATHWAYS_SOURCE_DIR unset?)");
	a = new_db(true);
	import_ok(a, demo);
	round_trip(a);

	/* the stats count every file's rows */
	snprintf(d, sizeof(d), "%s/third", tmp);
	export_ok(a, d, &st);
	cr_assert_eq(st.nfiles, NFILES);
	for (size_t i = 0; i < NFILES; i++)
		cr_assert_str_eq(st.files[i], files[i]);
	cr_assert_eq((long)stat_rows(&st, "assessments.csv"),
		     query_long(a, "SELECT count(*) FROM assessment"));
	cr_assert_eq((long)stat_rows(&st, "employees.csv"),
		     query_long(a, "SELECT count(*) FROM employee"));
	cr_assert_gt(stat_rows(&st, "assessments.csv"), 100);
}

/* Every awkward value the tables can hold. */
static void load_awkward(PGconn *c)
{
	exec_ok(c,
		"INSERT INTO track (key, name, kind) VALUES "
		"('ic', 'Individual, \"Contributor\"', 'ic'), "
		"('mgmt', E'Manage\\nment', 'management'), "
		"('x,\"y\"', ' spaced ', 'other')");
	exec_ok(c,
		"INSERT INTO functional_area (key, name) VALUES "
		"('ops', 'Opérations — ünïcode 日本語'), ('fin', '')");
	exec_ok(c,
		"INSERT INTO competency (key, name, kind, area_id, "
		"description) "
		"VALUES ('comm', 'Communication', 'core', NULL, "
		"E'Line one,\\r\\nline \"two\"\\nline three\\r'), "
		"('fin-model', 'Modeling', 'functional', (SELECT id FROM "
		"functional_area WHERE key = 'fin'), ''), "
		"('lead', E'Tab\\there', 'leadership', (SELECT id FROM "
		"functional_area WHERE key = 'ops'), 'trailing space '), "
		"('ünï', '\"', 'core', NULL, ',')");
	exec_ok(c,
		"INSERT INTO role (key, title, track_id, grade, area_id, "
		"pay_min, pay_max, scope, complexity, volume, drive, "
		"influence) "
		"SELECT v.key, v.title, t.id, v.grade, a.id, v.pmin, v.pmax, "
		"v.s, v.c, v.v, v.d, v.i FROM (VALUES "
		"('r1', 'Associate, Ops', 'ic', 1, 'ops', 38000.5::float8, "
		"50000.25::float8, 1::smallint, NULL::smallint, 2::smallint, "
		"NULL::smallint, 1::smallint), "
		"('r2', E'Senior \"Analyst\"\\nline', 'ic', 2, NULL, NULL, "
		"NULL, "
		"NULL, NULL, NULL, NULL, NULL), "
		"('r,3', 'Mgr', 'mgmt', 3, 'fin', 0.1, 1e15, 5, 5, 5, 5, 5), "
		"('r4', '', 'x,\"y\"', 1000, NULL, 1.0 / 3, "
		"123456789.123456789, "
		"3, 3, 3, 3, 3), "
		"('r5', 'tiny', 'ic', 7, 'ops', 1e-7, 2.5e-7, NULL, NULL, "
		"NULL, "
		"NULL, NULL)"
		") v(key, title, track, grade, area, pmin, pmax, s, c, v, d, "
		"i) "
		"JOIN track t ON t.key = v.track LEFT JOIN functional_area a "
		"ON "
		"a.key = v.area");
	exec_ok(c,
		"INSERT INTO role_requirement (role_id, competency_id, level, "
		"weight, must_have) SELECT r.id, c.id, v.level, v.w, v.m FROM "
		"(VALUES ('r1', 'comm', 1, 0.1::float8, false), "
		"('r1', 'lead', 2, 1.0 / 3, true), "
		"('r2', 'comm', 3, 2.5, false), "
		"('r,3', 'ünï', 5, 1000, true), "
		"('r,3', 'fin-model', 4, 0.001, false), "
		"('r4', 'comm', 2, 0.30000000000000004, true)) "
		"v(role, comp, level, w, m) JOIN role r ON r.key = v.role JOIN "
		"competency c ON c.key = v.comp");
	exec_ok(c,
		"INSERT INTO role_move (from_role_id, to_role_id, kind, "
		"typical_months) SELECT f.id, t.id, v.kind, v.months FROM "
		"(VALUES ('r1', 'r2', 'promotion', 18), "
		"('r2', 'r,3', 'track_switch', NULL), "
		"('r,3', 'r4', 'lateral', 0), ('r2', 'r1', 'lateral', 600)) "
		"v(f, t, kind, months) JOIN role f ON f.key = v.f JOIN role t "
		"ON "
		"t.key = v.t");
	exec_ok(c,
		"INSERT INTO module (key, title, kind, hours, lms_ref) VALUES "
		"('m1', 'Intro, part \"1\"', 'course', 0.1::float8 + "
		"0.2::float8, "
		"'LMS,1'), "
		"('m2', E'Two\\nlines', 'workshop', 12.75, ''), "
		"('m\"3', '  ', 'project', 0, ' x'), "
		"('m4', 'Big', 'mentorship', 100000, 'LMS-4')");
	exec_ok(c,
		"INSERT INTO module_outcome (module_id, competency_id, "
		"entry_level, level) SELECT m.id, c.id, v.e, v.l FROM (VALUES "
		"('m1', 'comm', 0, 2), ('m2', 'lead', 2, 5), "
		"('m\"3', 'ünï', 4, 5)) v(m, c, e, l) JOIN module m ON m.key = "
		"v.m JOIN competency c ON c.key = v.c");
	/* module_prereq stays empty */
	exec_ok(c,
		"INSERT INTO employee (external_id, role_id, attributes, "
		"active) "
		"SELECT v.id, r.id, v.attrs::jsonb, v.active FROM (VALUES "
		"('E1', 'r1', '{\"note\": \"he said \\\"hi\\\", then left\", "
		"\"nested\": {\"a\": [1, \"x,y\", 2.50], \"b\": null}, "
		"\"ünï\": \"ç\\n\"}', true), "
		"('E,2', 'r2', '{}', false), "
		"('É3', 'r,3', '{\"k\": \" spaced \", \"q\": \"\\\"\"}', "
		"true), "
		"('E4', 'r4', '{\"big\": 12345678901234567890}', true)) "
		"v(id, role, attrs, active) JOIN role r ON r.key = v.role");
	exec_ok(c,
		"UPDATE employee e SET manager_id = m.id FROM (VALUES "
		"('E,2', 'E1'), ('É3', 'E,2'), ('E4', 'E1')) v(e, m) JOIN "
		"employee m ON m.external_id = v.m WHERE e.external_id = v.e");
	exec_ok(c,
		"INSERT INTO assessment (employee_id, competency_id, level, "
		"source, assessed_at) SELECT e.id, c.id, v.level, v.source, "
		"v.at::timestamptz FROM (VALUES "
		"('E1', 'comm', 3, 'manager', '2024-03-01 "
		"09:30:00.123456+05:30'), "
		"('E1', 'comm', 4, 'self', '2024-03-01 "
		"09:30:00.123456+05:30'), "
		"('E1', 'comm', 2, 'manager', '2023-12-31 23:59:59.5-08:00'), "
		"('E1', 'lead', 5, 'peer', '2024-03-01 04:00:00.12+00'), "
		"('E,2', 'lead', 0, 'peer', '2020-02-29T12:00:00Z'), "
		"('É3', 'fin-model', 5, 'certification', "
		"'1999-01-01 00:00:00.000001+14'), "
		"('É3', 'ünï', 1, 'self', '0999-06-15 12:00:00+00')) "
		"v(emp, comp, level, source, at) JOIN employee e ON "
		"e.external_id = v.emp JOIN competency c ON c.key = v.comp");
	exec_ok(c,
		"INSERT INTO module_completion (employee_id, module_id, "
		"completed_at) SELECT e.id, m.id, v.at::timestamptz FROM "
		"(VALUES "
		"('E1', 'm1', '2024-06-30 18:45:12.654321-03:30'), "
		"('É3', 'm2', '2024-01-01 00:00:00+00'), "
		"('E1', 'm\"3', '2024-01-01 00:00:00.1+01')) v(emp, m, at) "
		"JOIN employee e ON e.external_id = v.emp JOIN module m ON "
		"m.key "
		"= v.m");
	exec_ok(c,
		"INSERT INTO framework_setting (key, value) VALUES "
		"('trusted_sources', 'manager,peer'), "
		"('band_ready_now', '85.5'), ('readiness_mode', 'binary')");
}

Test(export, round_trips_awkward_values_exactly)
{
	PGconn *a = new_db(true);
	const char *d;
	char *text;

	load_awkward(a);
	d = round_trip(a);

	/* and the text is what a person or a spreadsheet expects */
	text = slurp(d, "tracks.csv", NULL);
	cr_assert_str_eq(text, "key,name,kind\n"
			       "ic,\"Individual, \"\"Contributor\"\"\",ic\n"
			       "mgmt,\"Manage\nment\",management\n"
			       "\"x,\"\"y\"\"\",\" spaced \",other\n");
	free(text);
	text = slurp(d, "roles.csv", NULL);
	cr_assert(strstr(text, "\"r,3\",Mgr,mgmt,3,fin,0.1,1e+15,5,5,5,5,5\n"),
		  "%s", text);
	cr_assert(strstr(text, "r2,\"Senior \"\"Analyst\"\"\nline\",ic,2,,,,,,"
			       ",,\n"),
		  "%s", text);
	cr_assert(strstr(text, "r4,,\"x,\"\"y\"\"\",1000,,0.3333333333333333,"
			       "123456789.12345679,3,3,3,3,3\n"),
		  "%s", text);
	free(text);
	text = slurp(d, "requirements.csv", NULL);
	cr_assert(strstr(text, "r1,comm,1,0.1,false\n"), "%s", text);
	cr_assert(strstr(text, "r4,comm,2,0.30000000000000004,true\n"), "%s",
		  text);
	free(text);
	text = slurp(d, "assessments.csv", NULL);
	cr_assert_str_eq(text,
			 "employee,competency,level,source,assessed_at\n"
			 "\"E,2\",lead,0,peer,2020-02-29T12:00:00Z\n"
			 "E1,comm,2,manager,2024-01-01T07:59:59.5Z\n"
			 "E1,comm,3,manager,2024-03-01T04:00:00.123456Z\n"
			 "E1,comm,4,self,2024-03-01T04:00:00.123456Z\n"
			 "E1,lead,5,peer,2024-03-01T04:00:00.12Z\n"
			 "É3,fin-model,5,certification,"
			 "1998-12-31T10:00:00.000001Z\n"
			 "É3,ünï,1,self,0999-06-15T12:00:00Z\n");
	free(text);
	text = slurp(d, "employees.csv", NULL);
	cr_assert(strstr(text, "\"E,2\",r2,E1,{},false\n"), "%s", text);
	free(text);
	text = slurp(d, "module_prereqs.csv", NULL);
	cr_assert_str_eq(text, "module,requires\n");
	free(text);
	text = slurp(d, "settings.csv", NULL);
	cr_assert_str_eq(text, "key,value\n"
			       "band_ready_now,85.5\n"
			       "readiness_mode,binary\n"
			       "trusted_sources,\"manager,peer\"\n");
	free(text);
}

Test(export, guards_spreadsheet_formulas_and_round_trips_exactly)
{
	PGconn *a = new_db(true);
	const char *d;
	char *text;

	exec_ok(a,
		"INSERT INTO track (key, name, kind) VALUES "
		"('=cmd', '+1+1', 'ic'), ('@sum', E'\\tTab', 'other'), "
		"('-minus', E'\\rCR', 'management')");
	exec_ok(a,
		"INSERT INTO module (key, title, kind, hours, lms_ref) VALUES "
		"('m1', '''=quoted', 'course', 1, '''plain'), "
		"('m2', '''''+two', 'course', 2, ''''), "
		"('m3', '=HYPERLINK(\"http://x\",\"y\")', 'course', 3, "
		"'-2+3+cmd|'' /C calc''!A0')");
	d = round_trip(a);
	text = slurp(d, "tracks.csv", NULL);
	cr_assert_str_eq(text, "key,name,kind\n"
			       "'-minus,\"'\rCR\",management\n"
			       "'=cmd,'+1+1,ic\n"
			       "'@sum,\"'\tTab\",other\n");
	free(text);
	text = slurp(d, "modules.csv", NULL);
	cr_assert_str_eq(text, "key,title,kind,hours,lms_ref\n"
			       "m1,''=quoted,course,1,'plain\n"
			       "m2,'''+two,course,2,'\n"
			       "m3,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",course,3,"
			       "'-2+3+cmd|' /C calc'!A0\n");
	free(text);
}

Test(export, writes_utf8_whatever_the_client_encoding)
{
	PGconn *a = new_db(true), *b;
	char d[128], *text;

	exec_ok(a, "INSERT INTO track (key, name, kind) VALUES ('ïc', "
		   "'Ünïcödé, çà', 'ic')");
	/* a session in Latin-1: the bundle is UTF-8 all the same, both ways,
	 * and the session keeps its encoding */
	exec_ok(a, "SET client_encoding = 'LATIN1'");
	snprintf(d, sizeof(d), "%s/out", tmp);
	export_ok(a, d, NULL);
	cr_assert_str_eq(PQparameterStatus(a, "client_encoding"), "LATIN1");
	text = slurp(d, "tracks.csv", NULL);
	cr_assert_str_eq(text, "key,name,kind\nïc,\"Ünïcödé, çà\",ic\n");
	free(text);
	b = new_db(true);
	exec_ok(b, "SET client_encoding = 'LATIN1'");
	import_ok(b, d);
	exec_ok(a, "SET client_encoding = 'UTF8'");
	exec_ok(b, "SET client_encoding = 'UTF8'");
	assert_same_tables(a, b);
}

Test(export, writes_every_file_with_its_header_when_the_database_is_empty)
{
	PGconn *a = new_db(true);
	struct bundle_stats st;
	char d[128];

	snprintf(d, sizeof(d), "%s/a/b/c/", tmp);
	export_ok(a, d, &st);
	cr_assert_eq(st.nfiles, NFILES);
	for (size_t i = 0; i < NFILES; i++) {
		char want[256], *got = slurp(d, files[i], NULL);

		snprintf(want, sizeof(want), "%s\n", headers[i]);
		cr_assert_str_eq(got, want, "%s", files[i]);
		cr_assert_eq(st.rows[i], 0);
		free(got);
	}
	/* nothing else: no temporary files left behind */
	{
		char *names = listing(d);

		cr_assert_str_eq(names,
				 "areas.csv,assessments.csv,competencies.csv,"
				 "completions.csv,employees.csv,"
				 "module_outcomes.csv,module_prereqs.csv,"
				 "modules.csv,moves.csv,requirements.csv,"
				 "roles.csv,settings.csv,tracks.csv");
		free(names);
	}
	/* and an empty bundle imports */
	import_ok(a, d);
}

Test(export, files_about_people_are_readable_by_their_owner_only)
{
	static const char *personal[] = {
		"employees.csv", "assessments.csv", "completions.csv",
	};
	PGconn *a = new_db(true);
	struct stat st;
	mode_t old = umask(022);
	char d[128], p[256];

	snprintf(d, sizeof(d), "%s/out", tmp);
	export_ok(a, d, NULL);
	umask(old);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", d, personal[i]);
		cr_assert_eq(stat(p, &st), 0, "%s", p);
		cr_assert_eq(st.st_mode & 0777, 0600, "%s: mode %o", p,
			     st.st_mode & 0777);
	}
	snprintf(p, sizeof(p), "%s/roles.csv", d);
	cr_assert_eq(stat(p, &st), 0, "%s", p);
	cr_assert_eq(st.st_mode & 0777, 0644, "%s: mode %o", p,
		     st.st_mode & 0777);
}

Test(export, overwrites_an_earlier_export_and_leaves_other_files_alone)
{
	PGconn *a = new_db(true);
	char d[128], *text;

	snprintf(d, sizeof(d), "%s/out", tmp);
	cr_assert_eq(mkdir(d, 0700), 0);
	write_file(d, "tracks.csv", "key,name,kind\nold,Old,ic\n");
	write_file(d, "README.txt", "notes");
	exec_ok(a, "INSERT INTO track (key, name, kind) VALUES ('ic', 'IC', "
		   "'ic')");
	export_ok(a, d, NULL);
	text = slurp(d, "tracks.csv", NULL);
	cr_assert_str_eq(text, "key,name,kind\nic,IC,ic\n");
	free(text);
	text = slurp(d, "README.txt", NULL);
	cr_assert_str_eq(text, "notes");
	free(text);
}

Test(export, fails_clearly_when_the_folder_cannot_be_created)
{
	PGconn *a = new_db(true);
	char file[128], d[160];
	int rc;

	snprintf(file, sizeof(file), "%s/plain-file", tmp);
	write_file(tmp, "plain-file", "x");
	snprintf(d, sizeof(d), "%s/sub/dir", file);
	err[0] = '\0';
	rc = bundle_export(a, d, NULL, err, sizeof(err));
	cr_assert_lt(rc, 0);
	cr_assert(strstr(err, d) && strstr(err, "cannot create"), "%s", err);
	cr_assert_eq(PQtransactionStatus(a), PQTRANS_IDLE);

	/* the folder itself a file */
	err[0] = '\0';
	rc = bundle_export(a, file, NULL, err, sizeof(err));
	cr_assert_eq(rc, -ENOTDIR, "%d: %s", rc, err);
	cr_assert(strstr(err, file), "%s", err);
}

Test(export, leaves_the_folder_as_it_was_when_it_fails_midway)
{
	PGconn *a = new_db(true);
	char d[128], *text, *names;
	int rc;

	/* infinity is a timestamptz, but no bundle can hold it; tracks and
	 * the rest are written first */
	exec_ok(a, "INSERT INTO track (key, name, kind) VALUES ('ic', 'IC', "
		   "'ic')");
	exec_ok(a, "INSERT INTO functional_area (key) VALUES ('a')");
	exec_ok(a, "INSERT INTO role (key, track_id, grade) SELECT 'r', id, 1 "
		   "FROM track");
	exec_ok(a, "INSERT INTO competency (key, kind) VALUES ('c', 'core')");
	exec_ok(a, "INSERT INTO employee (external_id, role_id) SELECT 'E1', "
		   "id FROM role");
	exec_ok(a, "INSERT INTO assessment (employee_id, competency_id, level, "
		   "source, assessed_at) SELECT e.id, c.id, 3, 'self', "
		   "'infinity' FROM employee e, competency c");
	snprintf(d, sizeof(d), "%s/out", tmp);
	cr_assert_eq(mkdir(d, 0700), 0);
	write_file(d, "tracks.csv", "key,name,kind\nold,Old,ic\n");
	err[0] = '\0';
	rc = bundle_export(a, d, NULL, err, sizeof(err));
	cr_assert_eq(rc, -ERANGE, "%d: %s", rc, err);
	cr_assert(strstr(err, "assessments.csv") && strstr(err, "infinity"),
		  "%s", err);
	cr_assert_eq(PQtransactionStatus(a), PQTRANS_IDLE);
	names = listing(d);
	cr_assert_str_eq(names, "tracks.csv");
	free(names);
	text = slurp(d, "tracks.csv", NULL);
	cr_assert_str_eq(text, "key,name,kind\nold,Old,ic\n");
	free(text);
	/* the connection is still usable */
	cr_assert_eq(query_long(a, "SELECT count(*) FROM track"), 1);
}

Test(export, refuses_a_database_without_the_schema)
{
	PGconn *a = new_db(false);
	char d[128];
	int rc;

	snprintf(d, sizeof(d), "%s/out", tmp);
	rc = bundle_export(a, d, NULL, err, sizeof(err));
	cr_assert_eq(rc, -EPROTO, "%d: %s", rc, err);
	cr_assert(strstr(err, "migrate"), "%s", err);
}

Test(export, refuses_a_connection_inside_a_transaction)
{
	PGconn *a = new_db(true);
	char d[128];

	snprintf(d, sizeof(d), "%s/out", tmp);
	exec_ok(a, "BEGIN");
	cr_assert_eq(bundle_export(a, d, NULL, err, sizeof(err)), -EINVAL);
	exec_ok(a, "ROLLBACK");
}

/* employee, competency and source of an assessments.csv line */
#define FIELDS "%63[^,],%63[^,],%*[^,],%63[^,]"

Test(export, streams_a_large_table_in_key_order)
{
	PGconn *a = new_db(true);
	struct bundle_stats st;
	char d[128], *text, *p, *prev = NULL;
	size_t len, lines = 0;

	exec_ok(a, "INSERT INTO track (key, kind) VALUES ('ic', 'ic')");
	exec_ok(a, "INSERT INTO role (key, track_id, grade) SELECT 'r', id, 1 "
		   "FROM track");
	exec_ok(a, "INSERT INTO competency (key, kind) SELECT 'c' || i, "
		   "'core' FROM generate_series(1, 10) i");
	exec_ok(a, "INSERT INTO employee (external_id, role_id) SELECT 'E' || "
		   "i, r.id FROM generate_series(1, 2000) i, role r");
	exec_ok(a, "INSERT INTO assessment (employee_id, competency_id, level, "
		   "source, assessed_at) SELECT e.id, c.id, (e.id + c.id) % 6, "
		   "s, timestamptz '2024-01-01' + (e.id * 7 + c.id) * interval "
		   "'1 second' + e.id * interval '1 microsecond' FROM employee "
		   "e, competency c, unnest(ARRAY['self', 'manager']) s");
	snprintf(d, sizeof(d), "%s/big", tmp);
	export_ok(a, d, &st);
	cr_assert_eq(stat_rows(&st, "assessments.csv"), 40000);
	text = slurp(d, "assessments.csv", &len);
	/* one line per row after the header, sorted bytewise by the key
	 * columns (no field here needs quotes) */
	for (p = strchr(text, '\n') + 1; *p; lines++) {
		char *end = strchr(p, '\n');

		cr_assert(end);
		*end = '\0';
		if (prev) {
			char x[3][64], y[3][64];
			int cmp;

			cr_assert_eq(sscanf(prev, FIELDS, x[0], x[1], x[2]),
				     3);
			cr_assert_eq(sscanf(p, FIELDS, y[0], y[1], y[2]), 3);
			cmp = strcmp(x[0], y[0]);
			if (!cmp)
				cmp = strcmp(x[1], y[1]);
			if (!cmp)
				cmp = strcmp(x[2], y[2]);
			cr_assert_lt(cmp, 0, "%s before %s", prev, p);
		}
		prev = p;
		p = end + 1;
	}
	cr_assert_eq(lines, 40000);
	free(text);
}

/* ---- erase ---- */

static PGconn *erase_fixture(void)
{
	PGconn *a = new_db(true);

	load_awkward(a);
	return a;
}

Test(erase, deletes_the_employee_with_every_record_and_counts_them)
{
	PGconn *a = erase_fixture();
	unsigned nasm = 99, ncmp = 99;
	bool erased = false;
	long total_asm = query_long(a, "SELECT count(*) FROM assessment");
	long total_cmp = query_long(a, "SELECT count(*) FROM "
					  "module_completion");

	cr_assert_eq(erase_employee(a, "E1", &erased, &nasm, &ncmp, err,
				    sizeof(err)),
		     0, "%s", err);
	cr_assert(erased);
	cr_assert_eq(nasm, 4);
	cr_assert_eq(ncmp, 2);
	cr_assert_eq(PQtransactionStatus(a), PQTRANS_IDLE);
	cr_assert_eq(query_long(a, "SELECT count(*) FROM employee WHERE "
				   "external_id = 'E1'"),
		     0);
	cr_assert_eq(query_long(a, "SELECT count(*) FROM assessment"),
		     total_asm - 4);
	cr_assert_eq(query_long(a, "SELECT count(*) FROM module_completion"),
		     total_cmp - 2);
	/* the people E1 managed have no manager now; others are untouched */
	cr_assert_eq(query_long(a, "SELECT count(*) FROM employee WHERE "
				   "manager_id IS NULL AND external_id IN "
				   "('E,2', 'E4')"),
		     2);
	cr_assert_eq(query_long(a, "SELECT count(*) FROM employee e JOIN "
				   "employee m ON m.id = e.manager_id WHERE "
				   "e.external_id = 'É3' AND m.external_id = "
				   "'E,2'"),
		     1);

	/* a second time: nothing left, not an error */
	erased = true;
	nasm = ncmp = 99;
	cr_assert_eq(erase_employee(a, "E1", &erased, &nasm, &ncmp, err,
				    sizeof(err)),
		     0, "%s", err);
	cr_assert(!erased);
	cr_assert_eq(nasm, 0);
	cr_assert_eq(ncmp, 0);
}

Test(erase, treats_an_unknown_id_as_nothing_to_do)
{
	PGconn *a = erase_fixture();
	unsigned nasm = 99, ncmp = 99;
	bool erased = true;
	long before = query_long(a, "SELECT count(*) FROM employee");

	cr_assert_eq(erase_employee(a, "nobody'; DROP TABLE employee; --",
				    &erased, &nasm, &ncmp, err, sizeof(err)),
		     0, "%s", err);
	cr_assert(!erased);
	cr_assert_eq(nasm, 0);
	cr_assert_eq(ncmp, 0);
	cr_assert_eq(query_long(a, "SELECT count(*) FROM employee"), before);
}

Test(erase, erases_an_employee_without_records)
{
	PGconn *a = erase_fixture();
	unsigned nasm = 99, ncmp = 99;
	bool erased = false;

	cr_assert_eq(erase_employee(a, "E4", &erased, &nasm, &ncmp, err,
				    sizeof(err)),
		     0, "%s", err);
	cr_assert(erased);
	cr_assert_eq(nasm, 0);
	cr_assert_eq(ncmp, 0);
}

Test(erase, rejects_an_empty_id_and_a_busy_connection)
{
	PGconn *a = erase_fixture();
	unsigned nasm = 99, ncmp = 99;
	bool erased = true;

	cr_assert_eq(erase_employee(a, "", &erased, &nasm, &ncmp, err,
				    sizeof(err)),
		     -EINVAL);
	exec_ok(a, "BEGIN");
	cr_assert_eq(erase_employee(a, "E1", &erased, &nasm, &ncmp, err,
				    sizeof(err)),
		     -EINVAL);
	exec_ok(a, "ROLLBACK");
	/* out-parameters untouched on error */
	cr_assert(erased);
	cr_assert_eq(nasm, 99);
	cr_assert_eq(ncmp, 99);
}
