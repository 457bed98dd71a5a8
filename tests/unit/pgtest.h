/* pgtest: databases for the unit tests that need a real PostgreSQL.
 *
 * PATHWAYS_TEST_PG holds the conninfo of a private cluster (a superuser;
 * scripts/test.sh starts one). A test makes databases of its own with
 * pgtest_create() and drops them with pgtest_drop() in its .fini; without
 * PATHWAYS_TEST_PG, pgtest_require() skips the test (scripts/test.sh fails
 * a database test skipped beside a database). Every helper asserts: a
 * failure is the test's failure, with the database's message. */
#ifndef PATHWAYS_TEST_PGTEST_H
#define PATHWAYS_TEST_PGTEST_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "bundle.h"
#include "migrate.h"

static inline bool pgtest_available(void)
{
	const char *base = getenv("PATHWAYS_TEST_PG");

	return base && *base;
}

/* Skips the test when there is no PostgreSQL to test against. */
static inline void pgtest_require(void)
{
	if (!pgtest_available())
		cr_skip_test("PATHWAYS_TEST_PG is not set: no PostgreSQL to "
			     "test against");
}

static inline void pgtest_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* A connection to database NAME of the cluster (NULL: the conninfo's
 * own), notices silenced. */
static inline PGconn *pgtest_connect(const char *name)
{
	const char *keys[] = { "dbname", "dbname", NULL };
	const char *vals[] = { getenv("PATHWAYS_TEST_PG"), name, NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	cr_assert(c && PQstatus(c) == CONNECTION_OK, "connect: %s",
		  c ? PQerrorMessage(c) : "out of memory");
	PQsetNoticeProcessor(c, pgtest_quiet, NULL);
	return c;
}

static inline void pgtest_exec(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);

	cr_assert(res && (PQresultStatus(res) == PGRES_COMMAND_OK ||
			  PQresultStatus(res) == PGRES_TUPLES_OK),
		  "%.200s: %s", sql, PQerrorMessage(c));
	PQclear(res);
}

/* The single value SQL returns, as a string ("NULL" for null; caller
 * frees). */
static inline char *pgtest_query(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	char *v;

	cr_assert(res && PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
		  PQerrorMessage(c));
	cr_assert_eq(PQntuples(res), 1, "%s: %d rows", sql, PQntuples(res));
	v = strdup(PQgetisnull(res, 0, 0) ? "NULL" : PQgetvalue(res, 0, 0));
	PQclear(res);
	cr_assert_not_null(v);
	return v;
}

static inline long pgtest_query_long(PGconn *c, const char *sql)
{
	char *v = pgtest_query(c, sql);
	long n = atol(v);

	free(v);
	return n;
}

/* Creates an empty database named pathways_TAG_PID_TIME_N into name (len
 * bytes) and returns a connection to it. Skips without PostgreSQL. */
static inline PGconn *pgtest_create(const char *tag, char *name, size_t len)
{
	static unsigned n;
	char sql[160];
	PGconn *admin;

	pgtest_require();
	snprintf(name, len, "pathways_%s_%ld_%ld_%u", tag, (long)getpid(),
		 (long)time(NULL), n++);
	admin = pgtest_connect(NULL);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	pgtest_exec(admin, sql);
	PQfinish(admin);
	return pgtest_connect(name);
}

/* Drops database name (nothing when name is empty or there is no
 * PostgreSQL), closing every connection to it. */
static inline void pgtest_drop(const char *name)
{
	char sql[200];
	PGconn *admin;

	if (!name || !*name || !pgtest_available())
		return;
	admin = pgtest_connect(NULL);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
		 name);
	pgtest_exec(admin, sql);
	PQfinish(admin);
}

/* Applies every embedded migration. */
static inline void pgtest_migrate(PGconn *c)
{
	char err[2048];
	int applied = -1;

	cr_assert_eq(migrate_apply(c, &applied, err, sizeof(err)), 0, "%s",
		     err);
}

/* The demo bundle's folder (sql/demo/ under PATHWAYS_SOURCE_DIR) into dir;
 * skips the test when it is not there. */
static inline void pgtest_demo_dir(char *dir, size_t len)
{
	const char *src = getenv("PATHWAYS_SOURCE_DIR");
	struct stat sb;

	snprintf(dir, len, "%s/sql/demo", src ? src : ".");
	if (!src || stat(dir, &sb) != 0)
		cr_skip_test("no demo bundle (PATHWAYS_SOURCE_DIR unset?)");
}

/* Migrates c and imports the demo organization into it. */
static inline void pgtest_demo(PGconn *c)
{
	struct bundle_stats st;
	char dir[512], err[2048];

	pgtest_demo_dir(dir, sizeof(dir));
	pgtest_migrate(c);
	cr_assert_eq(bundle_import(c, dir, false, &st, err, sizeof(err)), 0,
		     "%s", err);
}

#endif
