/* The loader thread (daemon/loader.c) against a real PostgreSQL: it
 * publishes a first snapshot, applies an employee's change as a delta and
 * a framework change as a full reload, reloads on request, and reconnects
 * after its connection is killed. Waits end on the event, bounded by a
 * minute that only a hang reaches. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph.h"
#include "loader.h"
#include "pgtest.h"

#define HANG_MS 60000

static PGconn *db;
static char dbname[80], conninfo[512];
static struct graph_slot slot;
static loader_t *l;

static void setup(void)
{
	struct loader_options opt = { 0 };

	db = pgtest_create("loader", dbname, sizeof(dbname));
	pgtest_demo(db);
	snprintf(conninfo, sizeof(conninfo),
		 "host=%s port=%s user=%s dbname=%s application_name=loader",
		 PQhost(db), PQport(db), PQuser(db), dbname);
	graph_slot_init(&slot);
	opt.conninfo = conninfo;
	opt.debounce_ms = 10;
	opt.reconnect_max_ms = 200;
	cr_assert_eq(loader_new(&opt, &slot, &l), 0);
	cr_assert_eq(loader_start(l), 0);
}

static void teardown(void)
{
	if (!dbname[0])
		return;
	loader_destroy(&l);
	cr_assert_null(l);
	graph_slot_clear(&slot);
	PQfinish(db);
	pgtest_drop(dbname);
}

TestSuite(loader, .init = setup, .fini = teardown, .timeout = 240);

static void nap(void)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* The current snapshot once pred(g, arg) holds for it (a reference the
 * caller releases); fails the test after HANG_MS. */
static graph_t *wait_snapshot(bool (*pred)(const graph_t *, const void *),
			      const void *arg, const char *what)
{
	for (int waited = 0; waited < HANG_MS; waited += 5) {
		graph_t *g = graph_slot_acquire(&slot, 0);

		if (g && pred(g, arg))
			return g;
		graph_unref(&g);
		nap();
	}
	cr_assert_fail("no snapshot where %s within %d ms", what, HANG_MS);
	return NULL;
}

static bool any(const graph_t *g, const void *arg)
{
	(void)g;
	(void)arg;
	return true;
}

static bool newer(const graph_t *g, const void *arg)
{
	return g->version > *(const uint64_t *)arg;
}

static struct loader_stats stats(void)
{
	struct loader_stats st;

	loader_get_stats(l, &st);
	return st;
}

/* E1001's level in communication, as the snapshot has it */
static unsigned level(const graph_t *g)
{
	uint32_t e = graph_find_employee(g, "E1001");
	uint32_t c = graph_find_comp(g, "communication");

	cr_assert_neq(e, GRAPH_NONE);
	cr_assert_neq(c, GRAPH_NONE);
	return graph_level_of(g, &g->emps[e], c, (int64_t)time(NULL) * 1000000,
			      NULL);
}

struct want_level {
	unsigned level;
};

static bool has_level(const graph_t *g, const void *arg)
{
	return level(g) == ((const struct want_level *)arg)->level;
}

Test(loader, publishes_the_database_as_it_is)
{
	graph_t *g = wait_snapshot(any, NULL, "anything was loaded");

	cr_assert_eq(g->emps_n, (uint32_t)pgtest_query_long(
					db, "SELECT count(*) FROM employee"));
	cr_assert_eq(g->roles_n, (uint32_t)pgtest_query_long(
					 db, "SELECT count(*) FROM role"));
	cr_assert_eq(g->assessments_n,
		     (uint64_t)pgtest_query_long(
			     db, "SELECT count(*) FROM assessment"));
	cr_assert(stats().connected);
	cr_assert(stats().schema_ok);
	graph_unref(&g);
}

Test(loader, applies_an_employee_change_as_a_delta)
{
	graph_t *g = wait_snapshot(any, NULL, "anything was loaded");
	struct want_level want = { level(g) == 5 ? 1 : 5 };
	uint64_t deltas = stats().deltas, reloads = stats().reloads;
	char sql[512];

	graph_unref(&g);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO assessment (employee_id, competency_id, level, "
		 "source, assessed_at) SELECT e.id, c.id, %u, 'certification', "
		 "now() FROM employee e, competency c WHERE e.external_id = "
		 "'E1001' AND c.key = 'communication'", want.level);
	pgtest_exec(db, sql);
	g = wait_snapshot(has_level, &want, "the new rating counts");
	graph_unref(&g);
	cr_assert_gt(stats().deltas, deltas);
	cr_assert_eq(stats().reloads, reloads, "an employee's change is a delta");
}

Test(loader, reloads_in_full_on_a_framework_change_and_on_request)
{
	graph_t *g = wait_snapshot(any, NULL, "anything was loaded");
	uint64_t v = g->version, reloads = stats().reloads;

	graph_unref(&g);
	pgtest_exec(db, "UPDATE role SET title = title || ' (renamed)' "
			"WHERE key = (SELECT min(key) FROM role)");
	g = wait_snapshot(newer, &v, "the framework change was loaded");
	cr_assert_gt(stats().reloads, reloads);
	v = g->version;
	reloads = stats().reloads;
	graph_unref(&g);
	loader_request_reload(l, NULL);
	g = wait_snapshot(newer, &v, "the requested reload was published");
	cr_assert_gt(stats().reloads, reloads);
	graph_unref(&g);
}

Test(loader, reconnects_after_its_connection_is_killed)
{
	graph_t *g = wait_snapshot(any, NULL, "anything was loaded");
	uint64_t v = g->version;
	struct want_level want = { level(g) == 5 ? 1 : 5 };
	char sql[512];
	long killed;
	int waited;

	graph_unref(&g);
	killed = pgtest_query_long(db, "SELECT count(pg_terminate_backend(pid)) "
				       "FROM pg_stat_activity WHERE "
				       "application_name = 'loader'");
	cr_assert_geq(killed, 1);
	/* a change made while it may be away is not lost: the reload after
	 * the reconnect reads it */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO assessment (employee_id, competency_id, level, "
		 "source, assessed_at) SELECT e.id, c.id, %u, 'certification', "
		 "now() FROM employee e, competency c WHERE e.external_id = "
		 "'E1001' AND c.key = 'communication'", want.level);
	pgtest_exec(db, sql);
	g = wait_snapshot(has_level, &want, "the change made across the "
			  "reconnect counts");
	cr_assert_gt(g->version, v);
	graph_unref(&g);
	for (waited = 0; waited < HANG_MS && !stats().connected; waited += 5)
		nap();
	cr_assert(stats().connected, "connected again");
}
