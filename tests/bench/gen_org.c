/* gen_org: writes the deterministic benchmark organization (org.h).
 *
 *   gen_org --size S|M|L --db CONNINFO [--truncate] [--no-vacuum]
 *       COPY FROM STDIN straight into the schema's tables (the database must
 *       be migrated: pathwaysctl migrate). Foreign-key triggers are skipped
 *       (session_replication_role = replica) when the role may do that: the
 *       rows are consistent by construction, and at L it halves the load.
 *   gen_org --size S|M|L --csv DIR
 *       a framework bundle (docs/bundle.md) for pathwaysctl import.
 *
 * The same size always yields the same rows.
 */
#include <errno.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "org.h"

#define BASE_EPOCH 1609459200	/* 2021-01-01T00:00:00Z */
#define BUF_FLUSH (1u << 20)

enum { K_MODULE = 3, K_EMP_ATTR = 4, K_ASSESS = 5, K_COMPLETE = 6,
       K_MOVE = 7 };

struct sink {
	PGconn *db;			/* COPY mode */
	const char *dir;		/* CSV mode */
	FILE *f;
	char *buf;
	size_t len;
	size_t rows;
	const char *table;
	struct timespec t0;
	int err;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void flush(struct sink *s)
{
	if (!s->len || s->err)
		return;
	if (s->db) {
		if (PQputCopyData(s->db, s->buf, (int)s->len) != 1) {
			fprintf(stderr, "gen_org: COPY %s: %s", s->table,
				PQerrorMessage(s->db));
			s->err = -EIO;
		}
	} else if (fwrite(s->buf, 1, s->len, s->f) != s->len) {
		fprintf(stderr, "gen_org: writing %s: %s\n", s->table,
			strerror(errno));
		s->err = -EIO;
	}
	s->len = 0;
}

static void out(struct sink *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->len, BUF_FLUSH * 2 - s->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len += (size_t)n;
	if (s->len >= BUF_FLUSH)
		flush(s);
}

static void row_done(struct sink *s)
{
	s->rows++;
}

/* Opens a table: COPY ... FROM STDIN, or DIR/file.csv with its header. */
static int begin(struct sink *s, const char *table, const char *copy_cols,
		 const char *csv_file, const char *csv_header)
{
	s->table = table;
	s->rows = 0;
	s->len = 0;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	if (s->db) {
		char sql[512];
		PGresult *r;

		snprintf(sql, sizeof(sql), "COPY %s (%s) FROM STDIN", table,
			 copy_cols);
		r = PQexec(s->db, sql);
		if (PQresultStatus(r) != PGRES_COPY_IN) {
			fprintf(stderr, "gen_org: %s: %s", sql,
				PQerrorMessage(s->db));
			PQclear(r);
			return s->err = -EIO;
		}
		PQclear(r);
	} else {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", s->dir, csv_file);
		s->f = fopen(path, "w");
		if (!s->f) {
			fprintf(stderr, "gen_org: %s: %s\n", path,
				strerror(errno));
			return s->err = -errno;
		}
		out(s, "%s\n", csv_header);
	}
	return 0;
}

static int end(struct sink *s)
{
	struct timespec t1;

	flush(s);
	if (s->db) {
		PGresult *r;

		if (PQputCopyEnd(s->db, s->err ? "generator failed" : NULL) != 1)
			s->err = -EIO;
		r = PQgetResult(s->db);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "gen_org: COPY %s: %s", s->table,
				PQerrorMessage(s->db));
			s->err = -EIO;
		}
		PQclear(r);
		while ((r = PQgetResult(s->db)))
			PQclear(r);
	} else if (s->f) {
		if (fclose(s->f) && !s->err)
			s->err = -errno;
		s->f = NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "gen_org: %-18s %9zu rows %7.2f s\n", s->table, s->rows,
		(double)(t1.tv_sec - s->t0.tv_sec) +
			(t1.tv_nsec - s->t0.tv_nsec) / 1e9);
	return s->err;
}

static bool csv(const struct sink *s)
{
	return s->db == NULL;
}

/* timestamps: COPY text or ISO 8601 for CSV */
static void out_time(struct sink *s, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (csv(s))
		out(s, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		out(s, "%04d-%02d-%02d %02d:%02d:%02d+00", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- the framework ---- */

static int gen_tracks(struct sink *s, const struct org_size *z)
{
	if (begin(s, "track", "id, key, name, kind", "tracks.csv",
		  "key,name,kind"))
		return s->err;
	if (csv(s))
		out(s, "ic,Individual Contributor,ic\nmgmt,Management,management\n");
	else
		out(s, "1\tic\tIndividual Contributor\tic\n"
		       "2\tmgmt\tManagement\tmanagement\n");
	s->rows = 2;
	(void)z;
	return end(s);
}

static int gen_areas(struct sink *s, const struct org_size *z)
{
	if (begin(s, "functional_area", "id, key, name", "areas.csv",
		  "key,name"))
		return s->err;
	for (uint32_t a = 0; a < org_areas(z); a++) {
		if (csv(s))
			out(s, "a%04u,Area %u\n", a + 1, a + 1);
		else
			out(s, "%u\ta%04u\tArea %u\n", a + 1, a + 1, a + 1);
		row_done(s);
	}
	return end(s);
}

static int gen_comps(struct sink *s, const struct org_size *z)
{
	static const char *const kinds[] = { "core", "functional", "leadership" };

	if (begin(s, "competency", "id, key, name, kind, area_id, description",
		  "competencies.csv", "key,name,kind,area,description"))
		return s->err;
	for (uint32_t c = 0; c < z->comps; c++) {
		char key[24];
		uint32_t a = org_comp_area(z, c);
		const char *kind = kinds[org_comp_kind(z, c)];

		org_comp_key(z, c, key);
		if (csv(s)) {
			out(s, "%s,Competency %s,%s,", key, key, kind);
			if (a != UINT32_MAX)
				out(s, "a%04u", a + 1);
			out(s, ",Generated competency %u\n", c + 1);
		} else {
			out(s, "%u\t%s\tCompetency %s\t%s\t", c + 1, key, key, kind);
			if (a != UINT32_MAX)
				out(s, "%u", a + 1);
			else
				out(s, "\\N");
			out(s, "\tGenerated competency %u\n", c + 1);
		}
		row_done(s);
	}
	return end(s);
}

static int gen_roles(struct sink *s, const struct org_size *z)
{
	if (begin(s, "role",
		  "id, key, title, track_id, grade, area_id, pay_min, pay_max, "
		  "scope, complexity, volume, drive, influence",
		  "roles.csv",
		  "key,title,track,grade,area,pay_min,pay_max,scope,complexity,"
		  "volume,drive,influence"))
		return s->err;
	for (uint32_t i = 0; i < z->roles; i++) {
		struct org_role r;
		char key[24];
		unsigned pmin, pmax, d;

		org_role(z, i, &r);
		org_role_key(z, i, key);
		pmin = 30000 + r.grade * 12000 + (r.mgmt ? 8000 : 0);
		pmax = pmin + pmin / 3;
		d = 1 + (r.grade - 1) * 4 / 7;
		if (csv(s))
			out(s, "%s,%s grade %u in area %u,%s,%u,a%04u,%u,%u,"
			       "%u,%u,%u,%u,%u\n",
			    key, r.mgmt ? "Manager" : "Specialist", r.grade,
			    r.area + 1, r.mgmt ? "mgmt" : "ic", r.grade,
			    r.area + 1, pmin, pmax, d, d, d > 1 ? d - 1 : 1,
			    d, r.mgmt ? (d < 5 ? d + 1 : 5) : d);
		else
			out(s, "%u\t%s\t%s grade %u in area %u\t%u\t%u\t%u\t%u\t"
			       "%u\t%u\t%u\t%u\t%u\t%u\n",
			    i + 1, key, r.mgmt ? "Manager" : "Specialist",
			    r.grade, r.area + 1, r.mgmt ? 2 : 1, r.grade,
			    r.area + 1, pmin, pmax, d, d, d > 1 ? d - 1 : 1,
			    d, r.mgmt ? (d < 5 ? d + 1 : 5) : d);
		row_done(s);
	}
	return end(s);
}

static int gen_reqs(struct sink *s, const struct org_size *z)
{
	if (begin(s, "role_requirement",
		  "role_id, competency_id, level, weight, must_have",
		  "requirements.csv", "role,competency,level,weight,must_have"))
		return s->err;
	for (uint32_t i = 0; i < z->roles; i++) {
		struct org_req q[ORG_MAX_REQS];
		unsigned n = org_role_reqs(z, i, q);
		char rk[24], ck[24];

		org_role_key(z, i, rk);
		for (unsigned j = 0; j < n; j++) {
			if (csv(s))
				out(s, "%s,%s,%u,%g,%s\n", rk,
				    org_comp_key(z, q[j].comp, ck), q[j].level,
				    q[j].weight, q[j].must_have ? "true" : "false");
			else
				out(s, "%u\t%u\t%u\t%g\t%s\n", i + 1,
				    q[j].comp + 1, q[j].level, q[j].weight,
				    q[j].must_have ? "t" : "f");
			row_done(s);
		}
	}
	return end(s);
}

static void move_row(struct sink *s, const struct org_size *z, uint32_t from,
		     uint32_t to, const char *kind, unsigned months)
{
	char a[24], b[24];

	if (csv(s))
		out(s, "%s,%s,%s,%u\n", org_role_key(z, from, a),
		    org_role_key(z, to, b), kind, months);
	else
		out(s, "%u\t%u\t%s\t%u\n", from + 1, to + 1, kind, months);
	row_done(s);
}

/* Explicit moves, in this order until z->moves rows: every promotion up a
 * ladder, every track switch (both ways, grades 4..8), then rounds of
 * laterals to the same track and grade in other areas. */
static int gen_moves(struct sink *s, const struct org_size *z)
{
	uint32_t areas = org_areas(z), want = z->moves;
	uint32_t *used = NULL;		/* per role: target areas taken */
	unsigned rounds = areas > 1 ? areas - 1 : 0;

	if (rounds > 32)
		rounds = 32;
	if (begin(s, "role_move", "from_role_id, to_role_id, kind, typical_months",
		  "moves.csv", "from,to,kind,typical_months"))
		return s->err;
	for (uint32_t i = 0; i < z->roles && s->rows < want; i++) {
		uint32_t n = org_next_role(z, i);

		if (n != i)
			move_row(s, z, i, n, "promotion", 18 + (i % 4) * 4);
	}
	for (uint32_t a = 0; a < areas && s->rows < want; a++)
		for (uint32_t g = 4; g <= 8 && s->rows < want; g++) {
			uint32_t ic = org_role_index(z, a, false, g);
			uint32_t m = org_role_index(z, a, true, g);

			if (ic == UINT32_MAX || m == UINT32_MAX)
				continue;
			move_row(s, z, ic, m, "track_switch", 12);
			if (s->rows < want)
				move_row(s, z, m, ic, "track_switch", 12);
		}
	if (rounds)
		used = calloc((size_t)z->roles * rounds, sizeof(*used));
	if (rounds && !used) {
		s->err = -ENOMEM;
		return end(s);
	}
	for (unsigned k = 0; k < rounds && s->rows < want; k++)
		for (uint32_t i = 0; i < z->roles && s->rows < want; i++) {
			struct org_role r;
			struct org_rng rng;
			uint32_t *u = used + (size_t)i * rounds, ta, to;
			bool dup;

			org_role(z, i, &r);
			org_rng_init(&rng, K_MOVE, (uint64_t)i * 64 + k);
			do {
				ta = (r.area + 1 + org_rng_below(&rng, areas - 1)) %
				     areas;
				dup = false;
				for (unsigned j = 0; j < k; j++)
					dup |= u[j] == ta + 1;
			} while (dup);
			u[k] = ta + 1;
			to = org_role_index(z, ta, r.mgmt, r.grade);
			if (to == UINT32_MAX)
				continue;
			move_row(s, z, i, to, "lateral", 6 + k % 7);
		}
	free(used);
	if (s->rows < want)
		fprintf(stderr, "gen_org: only %zu distinct moves fit (asked %u)\n",
			s->rows, want);
	return end(s);
}

struct module_gen {
	unsigned outcomes_n;
	uint32_t comp[ORG_MAX_OUTCOMES];
	uint8_t entry[ORG_MAX_OUTCOMES], level[ORG_MAX_OUTCOMES];
	unsigned prereqs_n;
	uint32_t prereq[ORG_MAX_PREREQS];
	unsigned kind, hours;
};

static void module_gen(const struct org_size *z, uint32_t m,
		       struct module_gen *g)
{
	struct org_rng rng;
	uint32_t base;

	org_rng_init(&rng, K_MODULE, m);
	g->kind = org_rng_below(&rng, 4);
	g->hours = 4 + org_rng_below(&rng, 37);
	g->outcomes_n = 1 + org_rng_below(&rng, ORG_MAX_OUTCOMES);
	base = org_rng_below(&rng, z->comps);
	for (unsigned k = 0; k < g->outcomes_n; k++) {
		unsigned e = org_rng_below(&rng, 4);
		unsigned top = e + 2 > 5 ? 5 : e + 2;

		g->comp[k] = (base + k * 13) % z->comps;
		g->entry[k] = (uint8_t)e;
		g->level[k] = (uint8_t)(e + 1 + org_rng_below(&rng, top - e));
	}
	g->prereqs_n = 0;
	if (m >= 5 && org_rng_below(&rng, 100) < 30) {
		uint32_t lo = m > 50 ? m - 50 : 0;

		g->prereq[g->prereqs_n++] = lo + org_rng_below(&rng, m - lo);
		if (org_rng_below(&rng, 2)) {
			uint32_t p = lo + org_rng_below(&rng, m - lo);

			if (p != g->prereq[0])
				g->prereq[g->prereqs_n++] = p;
		}
	}
}

static int gen_modules(struct sink *s, const struct org_size *z)
{
	static const char *const kinds[] = { "course", "workshop",
					     "mentorship", "project" };

	if (begin(s, "module", "id, key, title, kind, hours, lms_ref",
		  "modules.csv", "key,title,kind,hours,lms_ref"))
		return s->err;
	for (uint32_t m = 0; m < z->modules; m++) {
		struct module_gen g;

		module_gen(z, m, &g);
		if (csv(s))
			out(s, "mod-%04u,Module %u,%s,%u,LMS-%05u\n", m + 1,
			    m + 1, kinds[g.kind], g.hours, m + 1);
		else
			out(s, "%u\tmod-%04u\tModule %u\t%s\t%u\tLMS-%05u\n",
			    m + 1, m + 1, m + 1, kinds[g.kind], g.hours, m + 1);
		row_done(s);
	}
	if (end(s))
		return s->err;
	if (begin(s, "module_outcome",
		  "module_id, competency_id, entry_level, level",
		  "module_outcomes.csv", "module,competency,entry_level,level"))
		return s->err;
	for (uint32_t m = 0; m < z->modules; m++) {
		struct module_gen g;
		char ck[24];

		module_gen(z, m, &g);
		for (unsigned k = 0; k < g.outcomes_n; k++) {
			if (csv(s))
				out(s, "mod-%04u,%s,%u,%u\n", m + 1,
				    org_comp_key(z, g.comp[k], ck), g.entry[k],
				    g.level[k]);
			else
				out(s, "%u\t%u\t%u\t%u\n", m + 1, g.comp[k] + 1,
				    g.entry[k], g.level[k]);
			row_done(s);
		}
	}
	if (end(s))
		return s->err;
	if (begin(s, "module_prereq", "module_id, requires_id",
		  "module_prereqs.csv", "module,requires"))
		return s->err;
	for (uint32_t m = 0; m < z->modules; m++) {
		struct module_gen g;

		module_gen(z, m, &g);
		for (unsigned k = 0; k < g.prereqs_n; k++) {
			if (csv(s))
				out(s, "mod-%04u,mod-%04u\n", m + 1,
				    g.prereq[k] + 1);
			else
				out(s, "%u\t%u\n", m + 1, g.prereq[k] + 1);
			row_done(s);
		}
	}
	return end(s);
}

/* ---- people ---- */

static int gen_employees(struct sink *s, const struct org_size *z)
{
	static const char *const types[] = { "full_time", "part_time",
					     "contractor", "intern" };
	static const char *const places[] = { "Berlin", "Hamburg", "Munich",
					      "Cologne", "Vienna", "Zurich",
					      "Lisbon", "Remote" };

	if (begin(s, "employee",
		  "id, external_id, role_id, manager_id, attributes, active",
		  "employees.csv", "id,role,manager,attributes,active"))
		return s->err;
	for (uint32_t i = 0; i < z->employees; i++) {
		struct org_rng rng;
		unsigned t, p = 0;
		bool active;
		char rk[24];

		org_rng_init(&rng, K_EMP_ATTR, i);
		t = org_rng_below(&rng, 100);
		t = t < 80 ? 0 : t < 90 ? 1 : t < 98 ? 2 : 3;
		p = org_rng_below(&rng, 8);
		active = org_rng_below(&rng, 100) < 97;
		org_role_key(z, org_emp_role(z, i), rk);
		if (csv(s)) {
			out(s, "E%07u,%s,", i + 1, rk);
			if (i)
				out(s, "E%07u", (i - 1) / 8 + 1);
			out(s, ",\"{\"\"employment_type\"\":\"\"%s\"\","
			       "\"\"location\"\":\"\"%s\"\"}\",%s\n",
			    types[t], places[p], active ? "true" : "false");
		} else {
			out(s, "%u\tE%07u\t%u\t", i + 1, i + 1,
			    org_emp_role(z, i) + 1);
			if (i)
				out(s, "%u", (i - 1) / 8 + 1);
			else
				out(s, "\\N");
			out(s, "\t{\"employment_type\": \"%s\", \"location\": \"%s\"}\t%s\n",
			    types[t], places[p], active ? "t" : "f");
		}
		row_done(s);
	}
	return end(s);
}

static int gen_assessments(struct sink *s, const struct org_size *z)
{
	static const char *const srcs[] = { "manager", "self", "peer",
					    "certification" };

	if (begin(s, "assessment",
		  "employee_id, competency_id, level, source, assessed_at",
		  "assessments.csv", "employee,competency,level,source,assessed_at"))
		return s->err;
	for (uint32_t i = 0; i < z->employees; i++) {
		struct org_req q[2][ORG_MAX_REQS];
		uint32_t role = org_emp_role(z, i), pool[16];
		uint8_t target[16];
		unsigned nq[2], pool_n = 0, want;
		struct org_rng rng;
		char ek[16], ck[24];

		org_rng_init(&rng, K_ASSESS, i);
		nq[0] = org_role_reqs(z, role, q[0]);
		nq[1] = org_role_reqs(z, org_next_role(z, role), q[1]);
		want = 10 + org_rng_below(&rng, 3);
		for (unsigned w = 0; w < 2; w++)
			for (unsigned j = 0; j < nq[w]; j++) {
				bool have = false;

				for (unsigned k = 0; k < pool_n; k++)
					have |= pool[k] == q[w][j].comp;
				if (!have && pool_n < want) {
					target[pool_n] = q[w][j].level;
					pool[pool_n++] = q[w][j].comp;
				}
			}
		while (pool_n < want) {
			uint32_t c = org_rng_below(&rng, z->comps);
			bool have = false;

			for (unsigned k = 0; k < pool_n; k++)
				have |= pool[k] == c;
			if (have)
				continue;
			target[pool_n] = 2;
			pool[pool_n++] = c;
		}
		org_emp_key(i, ek);
		for (unsigned k = 0; k < z->assessments_per_emp; k++) {
			unsigned p = k % pool_n, src, x = org_rng_below(&rng, 100);
			int lv;
			int64_t at;

			if (k < pool_n)	/* every competency gets a trusted one */
				src = x < 60 ? 0 : x < 85 ? 2 : 3;
			else
				src = x < 40 ? 0 : x < 75 ? 1 : x < 90 ? 2 : 3;
			lv = (int)target[p] + (int)org_rng_below(&rng, 4) - 2 +
			     (src == 1);
			lv = lv < 0 ? 0 : lv > 5 ? 5 : lv;
			at = BASE_EPOCH +
			     (int64_t)org_rng_below(&rng, 1800) * 86400 +
			     k * 61 + org_rng_below(&rng, 60);
			if (csv(s))
				out(s, "%s,%s,%d,%s,", ek,
				    org_comp_key(z, pool[p], ck), lv, srcs[src]);
			else
				out(s, "%u\t%u\t%d\t%s\t", i + 1, pool[p] + 1, lv,
				    srcs[src]);
			out_time(s, at);
			out(s, "\n");
			row_done(s);
		}
	}
	return end(s);
}

static int gen_completions(struct sink *s, const struct org_size *z)
{
	if (begin(s, "module_completion", "employee_id, module_id, completed_at",
		  "completions.csv", "employee,module,completed_at"))
		return s->err;
	for (uint32_t i = 0; i < z->employees; i++) {
		struct org_rng rng;
		unsigned n;
		uint32_t first = UINT32_MAX;

		org_rng_init(&rng, K_COMPLETE, i);
		n = org_rng_below(&rng, 3);
		for (unsigned k = 0; k < n; k++) {
			uint32_t m = org_rng_below(&rng, z->modules);
			int64_t at = BASE_EPOCH +
				     (int64_t)org_rng_below(&rng, 1500) * 86400;

			if (m == first)
				continue;
			first = m;
			if (csv(s))
				out(s, "E%07u,mod-%04u,", i + 1, m + 1);
			else
				out(s, "%u\t%u\t", i + 1, m + 1);
			out_time(s, at);
			out(s, "\n");
			row_done(s);
		}
	}
	return end(s);
}

static int exec(PGconn *db, const char *sql, bool quiet)
{
	PGresult *r = PQexec(db, sql);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ||
			 PQresultStatus(r) == PGRES_TUPLES_OK
		 ? 0
		 : -EIO;

	if (rc && !quiet)
		fprintf(stderr, "gen_org: %s: %s", sql, PQerrorMessage(db));
	PQclear(r);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gen_org --size S|M|L (--db CONNINFO | --csv DIR)\n"
		   "               [--truncate] [--no-vacuum]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "csv", required_argument, NULL, 'c' },
		{ "truncate", no_argument, NULL, 't' },
		{ "no-vacuum", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct org_size *z = NULL;
	const char *conninfo = NULL;
	struct sink s = { 0 };
	bool truncate = false, vacuum = true;
	double t0 = now_s();
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			z = org_size_find(optarg);
			if (!z) {
				fprintf(stderr, "gen_org: unknown size %s\n", optarg);
				return 2;
			}
			break;
		case 'd': conninfo = optarg; break;
		case 'c': s.dir = optarg; break;
		case 't': truncate = true; break;
		case 'V': vacuum = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!z || !conninfo == !s.dir || optind < argc) {
		usage(stderr);
		return 2;
	}
	s.buf = malloc(BUF_FLUSH * 2);
	if (!s.buf)
		return 1;
	if (conninfo) {
		s.db = PQconnectdb(conninfo);
		if (PQstatus(s.db) != CONNECTION_OK) {
			fprintf(stderr, "gen_org: %s", PQerrorMessage(s.db));
			PQfinish(s.db);
			free(s.buf);
			return 1;
		}
		if (truncate &&
		    exec(s.db, "TRUNCATE module_completion, assessment, employee, "
			       "module_prereq, module_outcome, module, role_move, "
			       "role_requirement, role, competency, "
			       "functional_area, track RESTART IDENTITY",
			 false)) {
			rc = 1;
			goto out;
		}
		if (exec(s.db, "SET session_replication_role = replica", true))
			fprintf(stderr, "gen_org: foreign keys stay checked "
					"(not allowed to skip them)\n");
	} else if (mkdir(s.dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "gen_org: %s: %s\n", s.dir, strerror(errno));
		free(s.buf);
		return 1;
	}
	fprintf(stderr, "gen_org: size %c: %u employees, %u roles, %u competencies, "
			"%u assessments each, %u moves, %u modules\n",
		z->name, z->employees, z->roles, z->comps,
		z->assessments_per_emp, z->moves, z->modules);
	if (gen_tracks(&s, z) || gen_areas(&s, z) || gen_comps(&s, z) ||
	    gen_roles(&s, z) || gen_reqs(&s, z) || gen_moves(&s, z) ||
	    gen_modules(&s, z) || gen_employees(&s, z) ||
	    gen_assessments(&s, z) || gen_completions(&s, z)) {
		rc = 1;
		goto out;
	}
	if (s.db) {
		static const char *const seqs[] = { "track", "functional_area",
						    "competency", "role",
						    "module", "employee" };
		char sql[256];

		exec(s.db, "RESET session_replication_role", true);
		for (size_t i = 0; i < sizeof(seqs) / sizeof(*seqs); i++) {
			snprintf(sql, sizeof(sql),
				 "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
				 "coalesce(max(id), 0) + 1, false) FROM %s",
				 seqs[i], seqs[i]);
			if (exec(s.db, sql, false))
				rc = 1;
		}
		if (vacuum) {
			double tv = now_s();

			if (exec(s.db, "VACUUM (ANALYZE)", false))
				rc = 1;
			fprintf(stderr, "gen_org: %-18s %17.2f s\n", "vacuum analyze",
				now_s() - tv);
		}
	}
	fprintf(stderr, "gen_org: done in %.2f s\n", now_s() - t0);
out:
	if (s.f)
		fclose(s.f);
	PQfinish(s.db);
	free(s.buf);
	return rc;
}
