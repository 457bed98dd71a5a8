/* The change table (migration 003) and its reader (daemon/feed.c) on a
 * real PostgreSQL: what the triggers write, rows handed out once even when
 * a lower seq commits after a higher one, gaps, pruning, the position.
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
#include "feed.h"
#include "migrate.h"

static PGconn *db;
static char dbname[64];
static char err[2048];
static struct feed feed;

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *connect_to(const char *name)
{
	const char *keys[] = { "dbname", "dbname", NULL };
	const char *vals[] = { getenv("PATHWAYS_TEST_PG"), name, NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	cr_assert(c && PQstatus(c) == CONNECTION_OK, "connect: %s",
		  c ? PQerrorMessage(c) : "out of memory");
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static void exec_on(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);

	cr_assert(res && (PQresultStatus(res) == PGRES_COMMAND_OK ||
			  PQresultStatus(res) == PGRES_TUPLES_OK),
		  "%.200s: %s", sql, PQerrorMessage(c));
	PQclear(res);
}

static long long count(const char *sql)
{
	PGresult *res = PQexec(db, sql);
	long long n;

	cr_assert(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1,
		  "%s: %s", sql, PQerrorMessage(db));
	n = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

/* a new database with the demo organization */
static void setup(void)
{
	const char *src = getenv("PATHWAYS_SOURCE_DIR");
	const char *base = getenv("PATHWAYS_TEST_PG");
	struct bundle_stats st;
	char sql[128], dir[512];
	struct stat sb;
	int applied = -1;

	if (!base || !*base)
		cr_skip_test("PATHWAYS_TEST_PG is not set: no PostgreSQL to "
			     "test against");
	snprintf(dir, sizeof(dir), "%s/sql/demo", src ? src : ".");
	if (!src || stat(dir, &sb) != 0)
		cr_skip_test("no demo bundle (PATHWAYS_SOURCE_DIR unset?)");
	snprintf(dbname, sizeof(dbname), "pathways_feed_%ld_%ld",
		 (long)getpid(), (long)time(NULL));
	db = connect_to(NULL);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
	exec_on(db, sql);
	PQfinish(db);
	db = connect_to(dbname);
	cr_assert_eq(migrate_apply(db, &applied, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(bundle_import(db, dir, false, &st, err, sizeof(err)), 0,
		     "%s", err);
}

static void teardown(void)
{
	char sql[160];

	feed_fini(&feed);
	if (!getenv("PATHWAYS_TEST_PG") || !*getenv("PATHWAYS_TEST_PG"))
		return;
	if (db)
		PQfinish(db);
	db = connect_to(NULL);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
		 dbname);
	exec_on(db, sql);
	PQfinish(db);
	db = NULL;
}

TestSuite(feed, .init = setup, .fini = teardown, .timeout = 120);

/* what feed_read handed out, joined by '|' */
struct seen {
	char text[4096];
	size_t n;
};

static void collect(void *arg, const char *payload)
{
	struct seen *s = arg;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%s%s", len ? "|" : "",
		 payload);
	s->n++;
}

static struct seen read_feed(void)
{
	struct seen s = { { 0 }, 0 };
	size_t n = 99;

	cr_assert_eq(feed_read(&feed, db, collect, &s, &n), 0, "%s",
		     PQerrorMessage(db));
	cr_assert_eq(n, s.n);
	return s;
}

/* an employee-scoped change to the demo's first employee (by id) */
static const char touch_first[] =
	"UPDATE employee SET active = active WHERE id = (SELECT min(id) FROM employee)";

static const char *first_id(void)
{
	static char id[128];
	PGresult *r = PQexec(db, "SELECT external_id FROM employee ORDER BY id LIMIT 1");

	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return id;
}

Test(feed, must_be_marked_before_it_is_read)
{
	size_t n;

	cr_assert_eq(feed_read(&feed, db, collect, NULL, &n), -ESTALE);
}

Test(feed, hands_out_each_change_once_with_the_notify_payload)
{
	char want[160];
	struct seen s;

	cr_assert_eq(feed_mark(&feed, db), 0);
	cr_assert_eq(read_feed().n, 0, "the import is before the mark");
	exec_on(db, touch_first);
	exec_on(db, "UPDATE track SET name = name");
	s = read_feed();
	snprintf(want, sizeof(want), "emp\n%s|framework", first_id());
	cr_assert_str_eq(s.text, want);
	cr_assert_eq(read_feed().n, 0, "nothing twice");
}

Test(feed, a_lower_seq_committed_late_is_not_lost)
{
	PGconn *slow = connect_to(dbname), *fast = connect_to(dbname);
	char want[160];
	struct seen s;

	cr_assert_eq(feed_mark(&feed, db), 0);
	/* slow draws its seq first and commits last */
	exec_on(slow, "BEGIN");
	exec_on(slow, touch_first);
	exec_on(fast, "UPDATE track SET name = name");
	cr_assert_gt(count("SELECT count(*) FROM change_feed"), 0);
	s = read_feed();
	cr_assert_str_eq(s.text, "framework");
	exec_on(slow, "COMMIT");
	s = read_feed();
	snprintf(want, sizeof(want), "emp\n%s", first_id());
	cr_assert_str_eq(s.text, want, "the late commit is handed out");
	cr_assert_eq(read_feed().n, 0, "and only once");
	PQfinish(slow);
	PQfinish(fast);
}

Test(feed, too_many_changes_since_the_last_look_ask_for_a_full_load)
{
	char sql[256];
	size_t n;

	cr_assert_eq(feed_mark(&feed, db), 0);
	snprintf(sql, sizeof(sql),
		 "DO $$ BEGIN FOR i IN 1..%d LOOP "
		 "UPDATE track SET name = name; END LOOP; END $$",
		 FEED_MAX_GAP + 1);
	exec_on(db, sql);
	cr_assert_eq(feed_read(&feed, db, collect, NULL, &n), -ESTALE);
	cr_assert_eq(feed_mark(&feed, db), 0);
	cr_assert_eq(read_feed().n, 0, "a mark starts afresh");
}

Test(feed, rows_pruned_before_they_were_read_ask_for_a_full_load)
{
	size_t n;

	exec_on(db, "UPDATE track SET name = name");
	cr_assert_eq(feed_mark(&feed, db), 0);
	exec_on(db, "UPDATE track SET name = name");
	exec_on(db, "UPDATE track SET name = name");
	/* what the pruner does to rows far enough behind */
	exec_on(db, "DELETE FROM change_feed WHERE seq < (SELECT max(seq) FROM change_feed)");
	cr_assert_eq(feed_read(&feed, db, collect, NULL, &n), -ESTALE);
}

Test(feed, the_table_stays_within_its_bound)
{
	long long keep = count("SELECT pathways_change_feed_keep()");

	cr_assert_eq(keep, 10000);
	/* one row per statement: a long run of changes */
	exec_on(db, "DO $$ BEGIN FOR i IN 1..12500 LOOP "
		    "UPDATE track SET name = name; END LOOP; END $$");
	cr_assert_geq(count("SELECT max(seq) FROM change_feed"), 12500);
	cr_assert_leq(count("SELECT count(*) FROM change_feed"), keep + 100);
	cr_assert_geq(count("SELECT count(*) FROM change_feed"), keep);
	/* and what is kept is the newest */
	cr_assert_eq(count("SELECT max(seq) - min(seq) + 1 - count(*) FROM change_feed"),
		     0);
}

Test(feed, rows_older_than_a_day_are_pruned)
{
	exec_on(db, "UPDATE track SET name = name");
	exec_on(db, "UPDATE change_feed SET at = now() - interval '2 days'");
	exec_on(db, "DO $$ BEGIN FOR i IN 1..100 LOOP "
		    "UPDATE track SET name = name; END LOOP; END $$");
	cr_assert_eq(count("SELECT count(*) FROM change_feed WHERE at < now() - interval '1 day'"),
		     0);
}

Test(feed, a_primary_announces_its_insert_position)
{
	struct feed_pos a, b;

	cr_assert_eq(feed_position(db, &a), 0, "%s", PQerrorMessage(db));
	cr_assert_not(a.standby);
	cr_assert_gt(a.lsn, 0);
	cr_assert_eq(a.lag_ms, 0);
	exec_on(db, touch_first);
	cr_assert_eq(feed_position(db, &b), 0);
	cr_assert_gt(b.lsn, a.lsn, "a commit moves it");
}
