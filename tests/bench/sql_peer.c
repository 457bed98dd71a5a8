/* sql_peer: the same questions answered by one SQL query each, from libpq.
 *
 *   sql_peer --db CONNINFO --size S|M|L [--runs N] [--batch-emps 1000]
 *            [--batch-roles 10] [--check ENDPOINT] [--only WHAT]
 *
 * Readiness of one pair, Readiness of a batch (batch-emps x batch-roles
 * pairs) and Bench (every active employee not in the role, scored for one
 * role: top 10, band counts, breakdown by employment_type), each one
 * prepared statement computing docs/scoring.md's rules: the latest assessment
 * from a trusted source per competency (ties on assessed_at: the higher
 * level), readiness = 100 x sum(w min(cur, L)/L) / sum(w), bands from the
 * thresholds in framework_setting (defaults when absent). Proportional
 * mode and no expiry: what the benchmark organization uses.
 *
 * The session sets work_mem to 256 MB so that sorts stay in memory.
 *
 * With --check, the daemon at ENDPOINT answers the same requests and every
 * readiness (rounded to one decimal as the wire does), band, met, required
 * and blocker count, and the Bench answer, must agree; and Pipeline's
 * row for a sample of roles (every twentieth, both scopes, by
 * employment_type) must be what Bench answers for each in the same run.
 *
 * Prints RESULT lines like loadgen's (kind=sql_readiness, sql_batch,
 * sql_bench) and a CHECK line. Exit status 1 when a check disagrees.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libpathways.h"
#include "org.h"

#define SETTINGS_CTE                                                          \
	"s AS (SELECT "                                                       \
	"regexp_split_to_array(coalesce(max(value) FILTER (WHERE key = "      \
	"'trusted_sources'), 'manager,peer,certification'), '\\s*,\\s*') "    \
	"AS trusted, "                                                        \
	"coalesce(max(value) FILTER (WHERE key = 'band_ready_now'), '90')"    \
	"::float8 AS b_now, "                                                 \
	"coalesce(max(value) FILTER (WHERE key = 'band_ready_soon'), '70')"   \
	"::float8 AS b_soon, "                                                \
	"coalesce(max(value) FILTER (WHERE key = 'band_developing'), '40')"   \
	"::float8 AS b_dev FROM framework_setting)"

#define BAND_EXPR                                                             \
	"CASE WHEN readiness >= s.b_now AND blockers = 0 THEN 4 "             \
	"WHEN readiness >= s.b_soon THEN 3 WHEN readiness >= s.b_dev THEN 2 " \
	"ELSE 1 END"

/* One pair: $1 employee id, $2 role key. The latest trusted level per
 * requirement by an index probe on (employee_id, competency_id, ...). */
static const char sql_one[] =
	"WITH " SETTINGS_CTE ", "
	"e AS (SELECT id FROM employee WHERE external_id = $1), "
	"req AS (SELECT rr.competency_id, rr.level, rr.weight, rr.must_have "
	"  FROM role_requirement rr JOIN role r ON r.id = rr.role_id "
	"  WHERE r.key = $2), "
	"lv AS (SELECT req.*, coalesce((SELECT a.level FROM assessment a, s "
	"  WHERE a.employee_id = (SELECT id FROM e) "
	"  AND a.competency_id = req.competency_id "
	"  AND a.source = ANY (s.trusted) "
	"  ORDER BY a.assessed_at DESC, a.level DESC LIMIT 1), 0) AS cur "
	"  FROM req), "
	"sc AS (SELECT CASE WHEN count(*) = 0 THEN 100.0::float8 ELSE "
	"  100.0 * sum(weight * least(cur, level)::float8 / level) / sum(weight) "
	"  END AS readiness, "
	"  count(*) FILTER (WHERE cur >= level) AS met, count(*) AS required, "
	"  count(*) FILTER (WHERE must_have AND cur < level) AS blockers "
	"  FROM lv) "
	"SELECT readiness, " BAND_EXPR ", met, required, blockers FROM sc, s";

/* A batch: $1 employee ids, $2 role keys; every pair, employee by employee
 * in request order, each with its roles in request order. The latest
 * levels of the employees named, once, then joined. */
static const char sql_batch[] =
	"WITH " SETTINGS_CTE ", "
	"pe AS (SELECT e.id AS emp, u.eo FROM unnest($1::text[]) "
	"  WITH ORDINALITY u(ext, eo) JOIN employee e ON e.external_id = u.ext), "
	"pr AS (SELECT r.id AS role, u.ro FROM unnest($2::text[]) "
	"  WITH ORDINALITY u(key, ro) JOIN role r ON r.key = u.key), "
	"latest AS (SELECT DISTINCT ON (a.employee_id, a.competency_id) "
	"  a.employee_id, a.competency_id, a.level FROM assessment a, s "
	"  WHERE a.employee_id IN (SELECT emp FROM pe) "
	"  AND a.source = ANY (s.trusted) "
	"  ORDER BY a.employee_id, a.competency_id, a.assessed_at DESC, "
	"  a.level DESC), "
	"lv AS (SELECT pe.eo, pr.ro, rr.level, rr.weight, rr.must_have, "
	"  coalesce(l.level, 0) AS cur FROM pe CROSS JOIN pr "
	"  JOIN role_requirement rr ON rr.role_id = pr.role "
	"  LEFT JOIN latest l ON l.employee_id = pe.emp "
	"  AND l.competency_id = rr.competency_id), "
	"sc AS (SELECT eo, ro, "
	"  100.0 * sum(weight * least(cur, level)::float8 / level) / sum(weight) "
	"  AS readiness, count(*) FILTER (WHERE cur >= level) AS met, "
	"  count(*) AS required, "
	"  count(*) FILTER (WHERE must_have AND cur < level) AS blockers "
	"  FROM lv GROUP BY eo, ro) "
	"SELECT readiness, " BAND_EXPR ", met, required, blockers "
	"FROM sc, s ORDER BY eo, ro";

/* Bench: $1 role key, $2 breakdown attribute, $3 limit. One row: the top
 * candidates, the band counts, the breakdown (JSON) and the count. */
static const char sql_bench[] =
	"WITH " SETTINGS_CTE ", "
	"t AS (SELECT id FROM role WHERE key = $1), "
	"req AS (SELECT rr.competency_id, rr.level, rr.weight, rr.must_have "
	"  FROM role_requirement rr WHERE rr.role_id = (SELECT id FROM t)), "
	"latest AS (SELECT DISTINCT ON (a.employee_id, a.competency_id) "
	"  a.employee_id, a.competency_id, a.level FROM assessment a, s "
	"  WHERE a.competency_id IN (SELECT competency_id FROM req) "
	"  AND a.source = ANY (s.trusted) "
	"  ORDER BY a.employee_id, a.competency_id, a.assessed_at DESC, "
	"  a.level DESC), "
	"cand AS (SELECT e.id, e.external_id, "
	"  coalesce(e.attributes ->> $2, '') AS attr FROM employee e "
	"  WHERE e.active AND e.role_id <> (SELECT id FROM t)), "
	"sc AS (SELECT c.external_id, c.attr, "
	"  CASE WHEN count(r.competency_id) = 0 THEN 100.0::float8 ELSE "
	"  100.0 * sum(r.weight * least(coalesce(l.level, 0), r.level)::float8 "
	"  / r.level) / sum(r.weight) END AS readiness, "
	"  count(*) FILTER (WHERE r.must_have AND coalesce(l.level, 0) < r.level) "
	"  AS blockers "
	"  FROM cand c LEFT JOIN req r ON true "
	"  LEFT JOIN latest l ON l.employee_id = c.id "
	"  AND l.competency_id = r.competency_id "
	"  GROUP BY c.id, c.external_id, c.attr), "
	"b AS (SELECT sc.*, " BAND_EXPR " AS band FROM sc, s) "
	"SELECT (SELECT string_agg(external_id || ':' || "
	"    round(readiness::numeric, 1) || ':' || band || ':' || blockers, ' ' "
	"    ORDER BY readiness DESC, blockers, external_id) FROM "
	"    (SELECT * FROM b ORDER BY readiness DESC, blockers, external_id "
	"    LIMIT $3) x), "
	"  (SELECT string_agg(band || '=' || n, ' ' ORDER BY band) FROM "
	"    (SELECT band, count(*) AS n FROM b GROUP BY band) x), "
	"  (SELECT string_agg(attr || ':' || band || '=' || n, ' ' "
	"    ORDER BY attr, band) FROM "
	"    (SELECT attr, band, count(*) AS n FROM b GROUP BY attr, band) x), "
	"  (SELECT count(*) FROM b)";

struct opts {
	const char *conninfo, *endpoint, *only;
	const struct org_size *z;
	unsigned runs, batch_emps, batch_roles;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *kind, uint64_t *v, size_t n, uint64_t items)
{
	double sum = 0;
	size_t i50, i99, i999;
	int cpu = sched_getcpu();

	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	i50 = n / 2;
	i99 = (size_t)(0.99 * (double)n);
	i999 = (size_t)(0.999 * (double)n);
	if (i99 >= n)
		i99 = n - 1;
	if (i999 >= n)
		i999 = n - 1;
	/* rates from the median: a run of one query is not a throughput */
	printf("RESULT label=peer kind=%s n=%zu errors=0 p50_us=%.1f p99_us=%.1f"
	       " p999_us=%.1f max_us=%.1f mean_us=%.1f rps=%.1f items_per_s=%.0f"
	       " inflight=1 client_cpu=%d:100%% client_threads=- server_threads=-\n",
	       kind, n, v[i50] / 1e3, v[i99] / 1e3, v[i999] / 1e3,
	       v[n - 1] / 1e3, sum / (double)n / 1e3, 1e9 / (double)v[i50],
	       (double)items * 1e9 / (double)v[i50], cpu);
}

static PGresult *run(PGconn *db, const char *name, int n, const char *const *p,
		     uint64_t *ns)
{
	uint64_t t0 = now_ns();
	PGresult *r = PQexecPrepared(db, name, n, p, NULL, NULL, 0);

	*ns = now_ns() - t0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "sql_peer: %s: %s", name, PQerrorMessage(db));
		PQclear(r);
		return NULL;
	}
	return r;
}

/* round to one decimal, half away from zero (as the daemon) */
static double round1(double v)
{
	return round(v * 10.0) / 10.0;
}

struct pair_result {
	double readiness;
	int band, met, required, blockers;
};

static void row_result(PGresult *r, int i, struct pair_result *out)
{
	out->readiness = strtod(PQgetvalue(r, i, 0), NULL);
	out->band = atoi(PQgetvalue(r, i, 1));
	out->met = atoi(PQgetvalue(r, i, 2));
	out->required = atoi(PQgetvalue(r, i, 3));
	out->blockers = atoi(PQgetvalue(r, i, 4));
}

/* readiness exactly on a band threshold: double sums in another order may
 * land either side of it, so the band may differ (reported, not failed) */
static bool on_threshold(double v)
{
	static const double t[] = { 40, 70, 90 };

	for (size_t i = 0; i < 3; i++)
		if (fabs(v - t[i]) < 1e-9)
			return true;
	return false;
}

static bool same(const struct pair_result *p, const Pathways__V1__ReadinessResult *d)
{
	return fabs(round1(p->readiness) - d->readiness) < 1e-9 &&
	       p->band == (int)d->band && p->met == (int)d->met &&
	       p->required == (int)d->required &&
	       p->blockers == (int)d->n_blockers;
}

static int daemon_readiness(pw_client_t *c, char **emps, size_t ne, char **roles,
			    size_t nr, struct pw_reply *out)
{
	Pathways__V1__ReadinessRequest m = PATHWAYS__V1__READINESS_REQUEST__INIT;

	m.n_employee_ids = ne;
	m.employee_ids = emps;
	m.n_role_keys = nr;
	m.role_keys = roles;
	if (pw_call(c, "Readiness", &m.base, NULL, 60000, out))
		return -EIO;
	if (out->code) {
		fprintf(stderr, "sql_peer: daemon: %s\n", out->message);
		pw_reply_clear(out);
		return -EIO;
	}
	return 0;
}

struct check {
	pw_client_t *c;
	uint64_t pairs, mismatches, boundary;
	bool bench_ok, ran_bench;
	unsigned pipeline_roles, pipeline_differs;
};

static void mismatch(struct check *ck, const char *what, const char *e,
		     const char *r, const struct pair_result *p,
		     const Pathways__V1__ReadinessResult *d)
{
	if (on_threshold(p->readiness) &&
	    fabs(round1(p->readiness) - d->readiness) < 1e-9) {
		if (ck->boundary++ < 3)
			fprintf(stderr,
				"sql_peer: %s %s/%s: readiness %.1f is on a band "
				"threshold: sql band %d, daemon band %d\n",
				what, e, r, p->readiness, p->band, d->band);
		return;
	}
	if (ck->mismatches++ < 5)
		fprintf(stderr,
			"sql_peer: %s %s/%s: sql %.4f band %d met %d/%d blockers %d;"
			" daemon %.1f band %d met %u/%u blockers %zu\n",
			what, e, r, p->readiness, p->band, p->met, p->required,
			p->blockers, d->readiness, d->band, d->met, d->required,
			d->n_blockers);
}

static int bench_one_pair(const struct opts *o, PGconn *db, struct check *ck)
{
	const struct org_size *z = o->z;
	unsigned n = o->runs * 20;
	uint64_t *v = calloc(n, sizeof(*v));
	struct org_rng rng;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	org_rng_init(&rng, 200, 1);
	for (unsigned i = 0; i < n && !rc; i++) {
		uint32_t e = org_rng_below(&rng, z->employees);
		char ek[16], rk[24];
		const char *p[2] = { org_emp_key(e, ek),
				     org_role_key(z, org_next_role(z, org_emp_role(z, e)), rk) };
		PGresult *r = run(db, "one", 2, p, &v[i]);
		struct pair_result pr;
		struct pw_reply rep = { 0 };
		char *ep = ek, *rp = rk;

		if (!r) {
			rc = -EIO;
			break;
		}
		row_result(r, 0, &pr);
		PQclear(r);
		if (ck->c && i < 200) {
			if (daemon_readiness(ck->c, &ep, 1, &rp, 1, &rep)) {
				rc = -EIO;
				break;
			}
			const Pathways__V1__ReadinessResponse *d = (const void *)rep.response;

			ck->pairs++;
			if (d->n_results != 1 || !same(&pr, d->results[0]))
				mismatch(ck, "pair", ek, rk, &pr,
					 d->n_results ? d->results[0]
						      : &(Pathways__V1__ReadinessResult)
							      PATHWAYS__V1__READINESS_RESULT__INIT);
			pw_reply_clear(&rep);
		}
	}
	if (!rc)
		report("sql_readiness", v, n, 1);
	free(v);
	return rc;
}

/* "{a,b,c}" */
static char *pg_array(char **items, size_t n)
{
	size_t len = 3;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", items[i]);
	*p++ = '}';
	*p = '\0';
	return s;
}

static int bench_batch(const struct opts *o, PGconn *db, struct check *ck)
{
	const struct org_size *z = o->z;
	unsigned ne = o->batch_emps, nr = o->batch_roles, runs = o->runs;
	char **emps = calloc(ne, sizeof(*emps)), **roles = calloc(nr, sizeof(*roles));
	char *store = malloc((size_t)ne * 16 + (size_t)nr * 24);
	char *ea = NULL, *ra = NULL;
	uint64_t *v = calloc(runs, sizeof(*v));
	struct org_rng rng;
	int rc = -ENOMEM;

	if (!emps || !roles || !store || !v)
		goto out;
	org_rng_init(&rng, 201, 1);
	for (unsigned j = 0; j < ne; j++)
		emps[j] = org_emp_key(org_rng_below(&rng, z->employees),
				      store + (size_t)j * 16);
	for (unsigned j = 0; j < nr; j++)
		roles[j] = org_role_key(z, org_rng_below(&rng, z->roles),
					store + (size_t)ne * 16 + (size_t)j * 24);
	ea = pg_array(emps, ne);
	ra = pg_array(roles, nr);
	if (!ea || !ra)
		goto out;
	rc = 0;
	for (unsigned i = 0; i < runs && !rc; i++) {
		const char *p[2] = { ea, ra };
		PGresult *r = run(db, "batch", 2, p, &v[i]);

		if (!r) {
			rc = -EIO;
			break;
		}
		if (PQntuples(r) != (int)(ne * nr)) {
			fprintf(stderr, "sql_peer: batch: %d rows for %u pairs\n",
				PQntuples(r), ne * nr);
			rc = -EPROTO;
		}
		if (!rc && ck->c && i == 0) {
			struct pw_reply rep = { 0 };
			const Pathways__V1__ReadinessResponse *d;

			if (daemon_readiness(ck->c, emps, ne, roles, nr, &rep)) {
				rc = -EIO;
			} else {
				d = (const void *)rep.response;
				for (size_t k = 0; k < d->n_results && k < ne * nr; k++) {
					struct pair_result pr;

					row_result(r, (int)k, &pr);
					ck->pairs++;
					if (!same(&pr, d->results[k]))
						mismatch(ck, "batch", d->results[k]->employee_id,
							 d->results[k]->role_key, &pr,
							 d->results[k]);
				}
				if (d->n_results != ne * nr)
					ck->mismatches++;
				pw_reply_clear(&rep);
			}
		}
		PQclear(r);
	}
	if (!rc)
		report("sql_batch", v, runs, (uint64_t)ne * nr);
out:
	free(emps);
	free(roles);
	free(store);
	free(ea);
	free(ra);
	free(v);
	return rc;
}

static int check_bench(struct check *ck, const char *role, PGresult *r)
{
	Pathways__V1__BenchRequest m = PATHWAYS__V1__BENCH_REQUEST__INIT;
	const Pathways__V1__BenchResponse *d;
	struct pw_reply rep = { 0 };
	char top[4096] = "", bands[256] = "", rows[4096] = "";
	size_t off = 0;

	m.role_key = (char *)role;
	m.limit = 10;
	m.breakdown_attribute = "employment_type";
	if (pw_call(ck->c, "Bench", &m.base, NULL, 60000, &rep))
		return -EIO;
	if (rep.code) {
		fprintf(stderr, "sql_peer: daemon Bench: %s\n", rep.message);
		pw_reply_clear(&rep);
		return -EIO;
	}
	d = (const void *)rep.response;
	for (size_t i = 0; i < d->n_candidates; i++)
		off += (size_t)snprintf(top + off, sizeof(top) - off, "%s%s:%.1f:%d:%u",
					i ? " " : "", d->candidates[i]->employee_id,
					d->candidates[i]->readiness,
					d->candidates[i]->band,
					d->candidates[i]->blockers);
	off = 0;
	for (size_t i = 0; i < d->n_bands; i++)
		if (d->bands[i]->count)
			off += (size_t)snprintf(bands + off, sizeof(bands) - off,
						"%s%d=%u", off ? " " : "",
						d->bands[i]->band, d->bands[i]->count);
	off = 0;
	for (size_t i = 0; i < d->n_breakdown; i++)
		for (size_t j = 0; j < d->breakdown[i]->n_bands; j++)
			if (d->breakdown[i]->bands[j]->count)
				off += (size_t)snprintf(
					rows + off, sizeof(rows) - off, "%s%s:%d=%u",
					off ? " " : "", d->breakdown[i]->value,
					d->breakdown[i]->bands[j]->band,
					d->breakdown[i]->bands[j]->count);
	ck->ran_bench = true;
	/* SQL's round(numeric) is half away from zero, like the daemon; its
	 * text drops a trailing ".0" only for integers: normalize */
	{
		char sqltop[4096] = "", *save = NULL, *tok;
		char *dup = strdup(PQgetvalue(r, 0, 0));

		off = 0;
		for (tok = dup ? strtok_r(dup, " ", &save) : NULL; tok;
		     tok = strtok_r(NULL, " ", &save)) {
			char id[64];
			double rd;
			int band, bl;

			if (sscanf(tok, "%63[^:]:%lf:%d:%d", id, &rd, &band, &bl) == 4)
				off += (size_t)snprintf(sqltop + off, sizeof(sqltop) - off,
							"%s%s:%.1f:%d:%d", off ? " " : "",
							id, rd, band, bl);
		}
		free(dup);
		ck->bench_ok = strcmp(sqltop, top) == 0 &&
			       strcmp(PQgetvalue(r, 0, 1), bands) == 0 &&
			       strcmp(PQgetvalue(r, 0, 2), rows) == 0 &&
			       (uint32_t)atoi(PQgetvalue(r, 0, 3)) == d->considered;
		if (!ck->bench_ok)
			fprintf(stderr, "sql_peer: bench %s differs:\n sql:    %s | %s | %s | %s\n"
					" daemon: %s | %s | %s | %u\n",
				role, sqltop, PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
				PQgetvalue(r, 0, 3), top, bands, rows, d->considered);
	}
	pw_reply_clear(&rep);
	return 0;
}

/* call method with request m into *rep: 0, or -EIO with the reason said */
static int daemon_call(struct check *ck, const char *method,
		       const ProtobufCMessage *m, struct pw_reply *rep)
{
	if (pw_call(ck->c, method, m, NULL, 120000, rep))
		return -EIO;
	if (rep->code) {
		fprintf(stderr, "sql_peer: daemon %s: %s\n", method, rep->message);
		pw_reply_clear(rep);
		return -EIO;
	}
	return 0;
}

static bool same_bands(Pathways__V1__BandCount **a, size_t na,
		       Pathways__V1__BandCount **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i]->band != b[i]->band || a[i]->count != b[i]->count)
			return false;
	return true;
}

/* Pipeline over every role, successors only and everyone, by
 * employment_type: for a sample of roles spread over the organization,
 * its row must be what Bench answers for that role in the same run. */
static int check_pipeline(const struct opts *o, struct check *ck)
{
	const struct org_size *z = o->z;
	unsigned step = z->roles / 20 ? z->roles / 20 : 1;

	for (int all = 0; all <= 1; all++) {
		Pathways__V1__PipelineRequest m = PATHWAYS__V1__PIPELINE_REQUEST__INIT;
		const Pathways__V1__PipelineResponse *p;
		struct pw_reply rep = { 0 };

		m.include_all = all;
		m.breakdown_attribute = "employment_type";
		if (daemon_call(ck, "Pipeline", &m.base, &rep))
			return -EIO;
		p = (const void *)rep.response;
		for (size_t i = 0; i < p->n_roles; i += step) {
			Pathways__V1__BenchRequest bm = PATHWAYS__V1__BENCH_REQUEST__INIT;
			const Pathways__V1__RoleBench *rb = p->roles[i];
			const Pathways__V1__BenchResponse *b;
			struct pw_reply brep = { 0 };
			bool same;

			bm.role_key = rb->role_key;
			bm.successors_only = !all;
			bm.breakdown_attribute = "employment_type";
			bm.limit = 1;
			if (daemon_call(ck, "Bench", &bm.base, &brep)) {
				pw_reply_clear(&rep);
				return -EIO;
			}
			b = (const void *)brep.response;
			same = rb->considered == b->considered &&
			       same_bands(rb->bands, rb->n_bands, b->bands,
					  b->n_bands) &&
			       rb->n_breakdown == b->n_breakdown;
			for (size_t k = 0; same && k < b->n_breakdown; k++)
				same = strcmp(rb->breakdown[k]->value,
					      b->breakdown[k]->value) == 0 &&
				       same_bands(rb->breakdown[k]->bands,
						  rb->breakdown[k]->n_bands,
						  b->breakdown[k]->bands,
						  b->breakdown[k]->n_bands);
			ck->pipeline_roles++;
			if (!same && ck->pipeline_differs++ < 3)
				fprintf(stderr, "sql_peer: Pipeline (%s) and Bench "
					"differ for %s\n",
					all ? "everyone" : "successors",
					rb->role_key);
			pw_reply_clear(&brep);
		}
		pw_reply_clear(&rep);
	}
	return 0;
}

static int bench_bench(const struct opts *o, PGconn *db, struct check *ck)
{
	const struct org_size *z = o->z;
	unsigned runs = o->runs;
	uint64_t *v = calloc(runs, sizeof(*v));
	int rc = 0;

	if (!v)
		return -ENOMEM;
	for (unsigned i = 0; i < runs && !rc; i++) {
		char rk[24];
		/* a grade-5 IC role, a different area each run */
		uint32_t role = org_role_index(z, i % org_areas(z), false, 5);
		const char *p[3] = { org_role_key(z, role == UINT32_MAX ? 4 : role, rk),
				     "employment_type", "10" };
		PGresult *r = run(db, "bench", 3, p, &v[i]);

		if (!r) {
			rc = -EIO;
			break;
		}
		if (ck->c && i == 0)
			rc = check_bench(ck, rk, r);
		PQclear(r);
	}
	if (!rc && ck->c)
		rc = check_pipeline(o, ck);
	if (!rc)
		report("sql_bench", v, runs, 1);
	free(v);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sql_peer --db CONNINFO --size S|M|L [--runs N]\n"
		   "                [--batch-emps N] [--batch-roles N]\n"
		   "                [--check ENDPOINT] [--only one|batch|bench]\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "runs", required_argument, NULL, 'r' },
		{ "batch-emps", required_argument, NULL, 'E' },
		{ "batch-roles", required_argument, NULL, 'R' },
		{ "check", required_argument, NULL, 'c' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .runs = 10, .batch_emps = 1000, .batch_roles = 10 };
	struct check ck = { 0 };
	PGconn *db;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.conninfo = optarg; break;
		case 's': o.z = org_size_find(optarg); break;
		case 'r': o.runs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'E': o.batch_emps = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': o.batch_roles = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': o.endpoint = optarg; break;
		case 'o': o.only = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!o.conninfo || !o.z || !o.runs || !o.batch_emps || !o.batch_roles) {
		usage(stderr);
		return 2;
	}
	db = PQconnectdb(o.conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "sql_peer: %s", PQerrorMessage(db));
		PQfinish(db);
		return 1;
	}
	{
		/* a fair peer sorts in memory: Bench sorts every latest level */
		PGresult *r = PQexec(db, "SET work_mem = '256MB'");

		PQclear(r);
	}
	if (o.endpoint && pw_client_new(&o.endpoint, 1, &ck.c)) {
		fprintf(stderr, "sql_peer: cannot connect to %s\n", o.endpoint);
		PQfinish(db);
		return 1;
	}
	{
		static const struct { const char *name, *sql; } st[] = {
			{ "one", sql_one }, { "batch", sql_batch }, { "bench", sql_bench },
		};

		for (size_t i = 0; i < 3; i++) {
			PGresult *r = PQprepare(db, st[i].name, st[i].sql, 0, NULL);

			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				fprintf(stderr, "sql_peer: preparing %s: %s", st[i].name,
					PQerrorMessage(db));
				rc = 1;
			}
			PQclear(r);
		}
	}
	if (!rc && (!o.only || !strcmp(o.only, "one")) && bench_one_pair(&o, db, &ck))
		rc = 1;
	if (!rc && (!o.only || !strcmp(o.only, "batch")) && bench_batch(&o, db, &ck))
		rc = 1;
	if (!rc && (!o.only || !strcmp(o.only, "bench")) && bench_bench(&o, db, &ck))
		rc = 1;
	if (ck.c) {
		printf("CHECK pairs=%" PRIu64 " mismatches=%" PRIu64
		       " threshold_band_differs=%" PRIu64 " bench=%s"
		       " pipeline_roles=%u pipeline_differs=%u\n",
		       ck.pairs, ck.mismatches, ck.boundary,
		       !ck.ran_bench ? "n/a" : ck.bench_ok ? "same" : "differs",
		       ck.pipeline_roles, ck.pipeline_differs);
		if (ck.mismatches || (ck.ran_bench && !ck.bench_ok) ||
		    ck.pipeline_differs)
			rc = 1;
	}
	pw_client_destroy(&ck.c);
	PQfinish(db);
	return rc;
}
