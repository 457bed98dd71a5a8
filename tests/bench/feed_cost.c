/* feed_cost: what the change feed (migration 003) costs writers on the
 * primary: WAL bytes and wall time for ROWS assessment rows, written as one
 * INSERT and as ROWS single-row INSERTs (autocommit: each its own
 * transaction, as separate writers would), with the feed and without it,
 * in one run.
 *
 *   feed_cost --db CONNINFO [--rows 10000] [--runs 3]
 *
 * CONNINFO names a scratch database at the latest migration, alone in its
 * cluster: the WAL position is the cluster's, so nothing else may write
 * meanwhile (autovacuum is turned off on the tables written here). The tool
 * seeds it (a track, a role, a competency, ROWS employees) and TRUNCATEs
 * the assessments before each timed load.
 *
 * Without the feed = migration 002's behaviour: 003 only moved the NOTIFY
 * into pathways_change() and added the feed INSERT and its pruning there,
 * so "off" replaces pathways_change() with its NOTIFY alone and "on" puts
 * back the definition found in the database. The feed is first filled to
 * its bound (pathways_change_feed_keep()), so the pruning runs as on a busy
 * primary.
 *
 * Each of the four loads runs --runs times, "on" and "off" alternating
 * which goes first; the medians are printed, one line per load:
 *   FEED mode=one|single feed=on|off rows=.. wal_bytes=.. ms=.. db_cpu_ms=..
 * ms is wall time; db_cpu_ms the backend's CPU time (/proc/PID/schedstat),
 * steadier than wall time on a shared machine.
 * Exit status: 0, 1 on a database error, 2 on usage errors.
 */
#include <getopt.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

#define MAX_RUNS 15

static const char sql_feed_off[] =
	"CREATE OR REPLACE FUNCTION pathways_change(what text) RETURNS void"
	" LANGUAGE plpgsql AS $$ BEGIN"
	" PERFORM pg_notify('pathways_changed', what); END $$";

static const char sql_seed[] =
	"INSERT INTO track (key, kind) VALUES ('feed-bench', 'ic')"
	" ON CONFLICT DO NOTHING;"
	"INSERT INTO role (key, track_id, grade)"
	" SELECT 'feed-bench', id, 1 FROM track WHERE key = 'feed-bench'"
	" ON CONFLICT DO NOTHING;"
	"INSERT INTO competency (key, kind) VALUES ('feed-bench', 'core')"
	" ON CONFLICT DO NOTHING;"
	"ALTER TABLE assessment SET (autovacuum_enabled = off);"
	"ALTER TABLE change_feed SET (autovacuum_enabled = off);"
	"ALTER TABLE employee SET (autovacuum_enabled = off);"
	"INSERT INTO change_feed (payload)"
	" SELECT 'bulk' FROM generate_series(1, pathways_change_feed_keep());";

static const char sql_one[] =
	"INSERT INTO assessment (employee_id, competency_id, level, source,"
	" assessed_at) SELECT e.id, c.id, 1 + e.id % 5, 'manager', now()"
	" FROM employee e, competency c WHERE c.key = 'feed-bench'"
	" AND e.external_id LIKE 'feed-bench-%' ORDER BY e.id LIMIT $1";

static const char sql_single[] =
	"INSERT INTO assessment (employee_id, competency_id, level, source,"
	" assessed_at) VALUES ($1, $2, $3, 'manager', now())";

struct load {
	const char *mode;
	bool feed;
	double ms[MAX_RUNS];
	double wal[MAX_RUNS];
	double cpu[MAX_RUNS];
};

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), clock_cmp_ms);
	return v[n / 2];
}

/* Runs a command (or several, no parameters); 0 or -1 with the error
 * printed. */
static int exec_ok(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "feed_cost: %s\n  in: %.80s\n",
			PQerrorMessage(db), sql);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

/* One value of a one-row query into buf; 0 or -1. */
static int query_one(PGconn *db, const char *sql, char *buf, size_t len)
{
	PGresult *r = PQexec(db, sql);
	int rc = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		snprintf(buf, len, "%s", PQgetvalue(r, 0, 0));
		rc = 0;
	} else {
		fprintf(stderr, "feed_cost: %s\n  in: %.80s\n",
			PQerrorMessage(db), sql);
	}
	PQclear(r);
	return rc;
}

static int wal_diff(PGconn *db, const char *a, const char *b, double *out)
{
	const char *p[2] = { b, a };
	PGresult *r = PQexecParams(db, "SELECT pg_wal_lsn_diff($1, $2)", 2,
				   NULL, p, NULL, NULL, 0);
	int rc = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		*out = strtod(PQgetvalue(r, 0, 0), NULL);
		rc = 0;
	}
	PQclear(r);
	return rc;
}

/* The ROWS single-row INSERTs, one transaction each. */
static int write_single(PGconn *db, char **emp, const char *comp,
			unsigned rows)
{
	for (unsigned i = 0; i < rows; i++) {
		char lv[4];
		const char *p[3] = { emp[i], comp, lv };
		PGresult *r;

		snprintf(lv, sizeof(lv), "%u", 1 + i % 5);
		r = PQexecPrepared(db, "single", 3, p, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "feed_cost: insert: %s",
				PQerrorMessage(db));
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	return 0;
}

static int write_one(PGconn *db, unsigned rows)
{
	char n[16];
	const char *p[1] = { n };
	PGresult *r;
	int rc = 0;

	snprintf(n, sizeof(n), "%u", rows);
	r = PQexecPrepared(db, "one", 1, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK ||
	    strtoul(PQcmdTuples(r), NULL, 10) != rows) {
		fprintf(stderr, "feed_cost: insert of %u rows: %s (%s rows)\n",
			rows, PQerrorMessage(db), PQcmdTuples(r));
		rc = -1;
	}
	PQclear(r);
	return rc;
}

/* One timed load: the feed switched on or off, the assessments emptied,
 * then the rows written between two WAL positions. */
static int run_load(PGconn *db, const char *feed_on_sql, struct load *l,
		    unsigned run, char **emp, const char *comp, unsigned rows)
{
	char a[32], b[32];
	double t0, t1, c0, c1;

	if (exec_ok(db, l->feed ? feed_on_sql : sql_feed_off) ||
	    exec_ok(db, "TRUNCATE assessment") || exec_ok(db, "CHECKPOINT") ||
	    query_one(db, "SELECT pg_current_wal_insert_lsn()", a, sizeof(a)))
		return -1;
	c0 = clock_cpu_ms(PQbackendPID(db));
	t0 = clock_now_ms();
	if (strcmp(l->mode, "one") == 0 ? write_one(db, rows)
					: write_single(db, emp, comp, rows))
		return -1;
	t1 = clock_now_ms();
	c1 = clock_cpu_ms(PQbackendPID(db));
	if (query_one(db, "SELECT pg_current_wal_insert_lsn()", b, sizeof(b)) ||
	    wal_diff(db, a, b, &l->wal[run]))
		return -1;
	l->ms[run] = t1 - t0;
	l->cpu[run] = c0 < 0 || c1 < 0 ? -1 : c1 - c0;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "rows", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct load loads[4] = {
		{ .mode = "one", .feed = true },
		{ .mode = "one", .feed = false },
		{ .mode = "single", .feed = true },
		{ .mode = "single", .feed = false },
	};
	const char *conninfo = NULL;
	unsigned rows = 10000, runs = 3;
	char comp[16], sql[256], **emp = NULL, *feed_on_sql = NULL;
	PGconn *db;
	PGresult *r = NULL;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': conninfo = optarg; break;
		case 'n': rows = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': runs = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (!conninfo || !rows || rows > 10000000 || !runs || runs > MAX_RUNS) {
		fprintf(stderr, "usage: feed_cost --db CONNINFO [--rows N] "
				"[--runs 1..%d]\n", MAX_RUNS);
		return 2;
	}
	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "feed_cost: %s", PQerrorMessage(db));
		goto out;
	}
	r = PQexec(db, "SELECT pg_get_functiondef("
		       "'pathways_change(text)'::regprocedure)");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		fprintf(stderr, "feed_cost: no change feed here (migration 003): %s",
			PQerrorMessage(db));
		goto out;
	}
	feed_on_sql = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	snprintf(sql, sizeof(sql),
		 "INSERT INTO employee (external_id, role_id)"
		 " SELECT 'feed-bench-' || g, r.id FROM generate_series(1, %u) g,"
		 " role r WHERE r.key = 'feed-bench' ON CONFLICT DO NOTHING",
		 rows);
	if (!feed_on_sql || exec_ok(db, "SET client_min_messages = warning") ||
	    exec_ok(db, sql_seed) || exec_ok(db, sql) ||
	    query_one(db, "SELECT id FROM competency WHERE key = 'feed-bench'",
		      comp, sizeof(comp)))
		goto out;
	r = PQexec(db, "SELECT id FROM employee"
		       " WHERE external_id LIKE 'feed-bench-%' ORDER BY id");
	if (PQresultStatus(r) != PGRES_TUPLES_OK ||
	    (unsigned)PQntuples(r) < rows) {
		fprintf(stderr, "feed_cost: seeding employees failed: %s",
			PQerrorMessage(db));
		goto out;
	}
	emp = calloc(rows, sizeof(*emp));
	if (!emp)
		goto out;
	for (unsigned i = 0; i < rows; i++)
		emp[i] = PQgetvalue(r, (int)i, 0);	/* r lives to the end */
	{
		PGresult *p1 = PQprepare(db, "one", sql_one, 1, NULL);
		PGresult *p2 = PQprepare(db, "single", sql_single, 3, NULL);
		bool ok = PQresultStatus(p1) == PGRES_COMMAND_OK &&
			  PQresultStatus(p2) == PGRES_COMMAND_OK;

		PQclear(p1);
		PQclear(p2);
		if (!ok) {
			fprintf(stderr, "feed_cost: prepare: %s",
				PQerrorMessage(db));
			goto out;
		}
	}
	for (unsigned run = 0; run < runs; run++) {
		for (unsigned k = 0; k < 4; k++) {
			/* odd runs take "off" first: neither arm always
			 * follows the other */
			struct load *l = &loads[k ^ (run & 1)];

			if (run_load(db, feed_on_sql, l, run, emp, comp, rows))
				goto out;
		}
	}
	for (unsigned k = 0; k < 4; k++)
		printf("FEED mode=%s feed=%s rows=%u wal_bytes=%.0f ms=%.1f "
		       "db_cpu_ms=%.1f\n",
		       loads[k].mode, loads[k].feed ? "on" : "off", rows,
		       median(loads[k].wal, runs), median(loads[k].ms, runs),
		       median(loads[k].cpu, runs));
	rc = 0;
out:
	/* leave the feed as migrated */
	if (feed_on_sql && PQstatus(db) == CONNECTION_OK)
		exec_ok(db, feed_on_sql);
	free(emp);
	PQclear(r);
	free(feed_on_sql);
	PQfinish(db);
	return rc;
}
