/* live: how soon an assessment change is visible to readers.
 *
 *   live --db CONNINFO --endpoint EP --size S|M|L [--iterations 100]
 *        [--budget SEC] [--timeout SEC] [--jitter MS]
 *
 * Picks an employee and the next role up their ladder, and that role's
 * first (must-have) requirement. Each iteration UPDATEs the latest trusted
 * assessment of that competency to 5 or 0 in turn (autocommit), then asks
 * the daemon for the pair's readiness every 0.2 ms until the answer
 * changes: the time from COMMIT returning to the first answer that shows
 * the change. The original level is restored at the end.
 * --jitter MS waits a random 0..MS ms before each UPDATE: a daemon that
 * polls (on a hot standby, every poll_ms) sees a change at its next poll,
 * and an UPDATE sent right after the last change showed would always land
 * just after a poll: the worst case every time, not a fair sample.
 * Prints LIVE n=.. p50_ms=.. p99_ms=.. max_ms=.. timeouts=..
 */
#include <errno.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "libpathways.h"
#include "org.h"

static int readiness(pw_client_t *c, char *emp, char *role, double *out)
{
	Pathways__V1__ReadinessRequest m = PATHWAYS__V1__READINESS_REQUEST__INIT;
	struct pw_reply rep = { 0 };
	const Pathways__V1__ReadinessResponse *r;
	int rc;

	m.n_employee_ids = 1;
	m.employee_ids = &emp;
	m.n_role_keys = 1;
	m.role_keys = &role;
	rc = pw_call(c, "Readiness", &m.base, NULL, 5000, &rep);
	if (rc)
		return rc;
	if (rep.code || !rep.response) {
		fprintf(stderr, "live: Readiness: %s\n", rep.message);
		pw_reply_clear(&rep);
		return -EIO;
	}
	r = (const void *)rep.response;
	*out = r->n_results ? r->results[0]->readiness : NAN;
	pw_reply_clear(&rep);
	return 0;
}

static const char sql_update[] =
	"UPDATE assessment SET level = $3 WHERE id = ("
	" SELECT a.id FROM assessment a JOIN employee e ON e.id = a.employee_id"
	" JOIN competency c ON c.id = a.competency_id"
	" WHERE e.external_id = $1 AND c.key = $2 AND a.source <> 'self'"
	" ORDER BY a.assessed_at DESC, a.level DESC LIMIT 1) RETURNING level";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "size", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "budget", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "jitter", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conninfo = NULL, *endpoint = NULL;
	const struct org_size *z = NULL;
	unsigned iterations = 100, n = 0, timeouts = 0, jitter_ms = 0;
	unsigned seed = 41;
	double budget = 60, timeout = 10, *lat, t_start, prev;
	struct org_req q[ORG_MAX_REQS];
	char ek[16], rk[24], ck[24], orig[8] = "";
	pw_client_t *cl = NULL;
	PGconn *db;
	PGresult *r;
	uint32_t e, role;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': conninfo = optarg; break;
		case 'e': endpoint = optarg; break;
		case 's': z = org_size_find(optarg); break;
		case 'n': iterations = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': budget = strtod(optarg, NULL); break;
		case 't': timeout = strtod(optarg, NULL); break;
		case 'j': jitter_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (!conninfo || !endpoint || !z || !iterations) {
		fprintf(stderr, "usage: live --db CONNINFO --endpoint EP --size S|M|L "
				"[--iterations N] [--budget SEC] [--timeout SEC] "
				"[--jitter MS]\n");
		return 2;
	}
	lat = calloc(iterations, sizeof(*lat));
	db = PQconnectdb(conninfo);
	if (!lat || PQstatus(db) != CONNECTION_OK ||
	    pw_client_new(&endpoint, 1, &cl)) {
		fprintf(stderr, "live: cannot connect: %s", PQerrorMessage(db));
		PQfinish(db);
		return 1;
	}
	e = 41;
	role = org_next_role(z, org_emp_role(z, e));
	org_role_reqs(z, role, q);
	org_emp_key(e, ek);
	org_role_key(z, role, rk);
	org_comp_key(z, q[0].comp, ck);
	r = PQexecParams(db,
			 "SELECT a.level FROM assessment a JOIN employee e ON e.id = a.employee_id"
			 " JOIN competency c ON c.id = a.competency_id"
			 " WHERE e.external_id = $1 AND c.key = $2 AND a.source <> 'self'"
			 " ORDER BY a.assessed_at DESC, a.level DESC LIMIT 1",
			 2, NULL, (const char *const[]){ ek, ck }, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		snprintf(orig, sizeof(orig), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!orig[0]) {
		fprintf(stderr, "live: %s has no trusted assessment of %s\n", ek, ck);
		rc = 1;
		goto out;
	}
	if (readiness(cl, ek, rk, &prev)) {
		rc = 1;
		goto out;
	}
	t_start = clock_now_ms();
	for (unsigned i = 0; i < iterations && clock_now_ms() - t_start < budget * 1e3; i++) {
		/* first away from the original: its level may already meet */
		bool met = (unsigned)atoi(orig) >= q[0].level;
		const char *lv = (i % 2 == 0) == met ? "0" : "5";
		const char *p[3] = { ek, ck, lv };
		double t0, cur = prev;

		if (jitter_ms)
			usleep((useconds_t)(rand_r(&seed) % (jitter_ms * 1000)));
		r = PQexecParams(db, sql_update, 3, NULL, p, NULL, NULL, 0);
		t0 = clock_now_ms();
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
			fprintf(stderr, "live: update: %s", PQerrorMessage(db));
			PQclear(r);
			rc = 1;
			break;
		}
		PQclear(r);
		while (cur == prev && clock_now_ms() - t0 < timeout * 1e3) {
			if (readiness(cl, ek, rk, &cur)) {
				rc = 1;
				goto out;
			}
			if (cur == prev)
				usleep(200);
		}
		if (cur == prev) {
			timeouts++;
			fprintf(stderr, "live: change %u not visible after %.0f s\n",
				i, timeout);
			break;	/* the daemon does not follow changes */
		}
		lat[n++] = clock_now_ms() - t0;
		prev = cur;
	}
	{
		const char *p[3] = { ek, ck, orig };

		r = PQexecParams(db, sql_update, 3, NULL, p, NULL, NULL, 0);
		PQclear(r);
	}
	qsort(lat, n, sizeof(*lat), clock_cmp_ms);
	printf("LIVE n=%u p50_ms=%.1f p99_ms=%.1f max_ms=%.1f timeouts=%u "
	       "pair=%s/%s competency=%s\n",
	       n, n ? lat[n / 2] : 0.0,
	       n ? lat[(size_t)(0.99 * n) < n ? (size_t)(0.99 * n) : n - 1] : 0.0,
	       n ? lat[n - 1] : 0.0, timeouts, ek, rk, ck);
	if (timeouts)
		rc = 1;
out:
	pw_client_destroy(&cl);
	PQfinish(db);
	free(lat);
	return rc;
}
