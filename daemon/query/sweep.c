#include "sweep.h"

#include <math.h>
#include <string.h>

#include "columns_private.h"

/* competencies one group of roles may span: its byte columns */
#define SWEEP_COMPS 16u
/* the sweep's loops also in AVX2, which an ifunc picks where the CPU has
 * it */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SWEEP_SIMD __attribute__((target_clones("avx2", "default")))
#else
#define SWEEP_SIMD
#endif
/* the grade byte of an employee the vector pass leaves out: inactive, or
 * with an assessment on an expiry boundary day (scored the scalar way) */
#define SWEEP_OUT 255u

/* A role in whole units: requirement i's level l adds min(l, L) × mul[i]
 * (weighted mode) or l ≥ L (binary mode) to an employee's sum v; v's band
 * is read off thr[blocked]: the least v of DEVELOPING, READY_SOON and
 * READY_NOW, vmax + 1 for a band never reached. */
struct unit_role {
	uint16_t mul[SWEEP_COMPS];
	uint8_t col[SWEEP_COMPS];	/* requirement i's byte column */
	uint16_t thr[2][3];
	double den;
	unsigned musts;
	unsigned vmax;			/* the highest sum */
	int shift;			/* v is num × 2^shift */
};

/* the scratch of a sweep, over every employee */
struct sweep {
	uint32_t *pos;		/* per employee: its index in tl + 1, 0 none */
	uint32_t *tl;		/* the group's touched employees, by bucket */
	uint32_t *tmp;		/* the same as found */
	uint32_t *bl;		/* those of them left to the scalar scorer */
	uint8_t *lv;		/* SWEEP_COMPS byte columns of cap levels */
	uint32_t *key;		/* per found: its bucket */
	uint8_t *blk;		/* per touched: must-haves unmet */
	uint16_t *num;		/* per touched: the sum v */
	/* The touched are laid out in buckets by the breakdown attribute's
	 * value (one value without a breakdown), then by grade 0 ..
	 * max_grade, then those left out (inactive, on a boundary day):
	 * bucket v × grades + g starts at start[v × grades + g]. Those a
	 * role considers by value are then one run each: grade at most the
	 * role's (successors) or any. */
	uint32_t *start;
	uint32_t values, grades;
	size_t cap, tn, bn;
	uint32_t comps[SWEEP_COMPS];
	unsigned comps_n;
};

/* The scalar scorer's score of sum v (met requirements met, blocked
 * must-haves unmet): in binary mode v is the count met. */
static void unit_at(const graph_t *g, const struct graph_role *r,
		    const struct unit_role *u, unsigned v, unsigned met,
		    unsigned blocked, struct query_readiness_score *sc)
{
	if (g->settings.readiness_mode == GRAPH_MODE_BINARY)
		query_readiness_finish(g, r, 0, u->den, v, blocked, sc);
	else
		query_readiness_finish(g, r, ldexp(v, -u->shift), u->den, met,
				       blocked, sc);
}

static Pathways__V1__Band unit_band(const graph_t *g,
				    const struct graph_role *r,
				    const struct unit_role *u, unsigned v,
				    unsigned blocked)
{
	struct query_readiness_score sc;

	unit_at(g, r, u, v, 0, blocked, &sc);
	return sc.band;
}

/* Whether role r can be summed in whole units, and those units in u.
 * With every weight w a multiple of 2^-shift, every term the scalar
 * scorer adds, w × min(l, L) × 60 / L, is too, and so is every partial
 * sum: below 2^16 units no double operation rounds, and the scalar num
 * is v × 2^-shift exactly. The band thresholds are then found on the
 * scalar scorer's own finish, so they cannot disagree with it. */
static bool unit_role(const graph_t *g, const struct graph_role *r,
		      struct unit_role *u)
{
	static const unsigned sixtieths[6] = { 0, 60, 30, 20, 15, 12 };
	const struct graph_req *req = g->reqs + r->req_off;
	bool binary = g->settings.readiness_mode == GRAPH_MODE_BINARY;
	unsigned vmax = 0;

	if (!r->req_n || r->req_n > SWEEP_COMPS)
		return false;
	u->den = 0;
	u->musts = 0;
	u->shift = 0;
	for (; !binary; u->shift++) {
		bool whole = true;

		for (uint32_t i = 0; i < r->req_n && whole; i++) {
			double w = ldexp(req[i].weight, u->shift);

			whole = w == floor(w);
		}
		if (whole)
			break;
		if (u->shift == 10)
			return false;
	}
	for (uint32_t i = 0; i < r->req_n; i++) {
		double w = ldexp(req[i].weight, u->shift);

		if (!binary && !(w >= 0 && w <= 1092))
			return false;
		u->mul[i] = binary ? 1 : (uint16_t)(w * sixtieths[req[i].level]);
		vmax += binary ? 1 : (unsigned)w * 60;
		u->den += req[i].weight;
		u->musts += req[i].must_have;
	}
	if (vmax >= UINT16_MAX)
		return false;
	u->vmax = vmax;
	for (unsigned blocked = 0; blocked < 2; blocked++)
		for (unsigned b = 0; b < 3; b++) {
			unsigned lo = 0, hi = vmax + 1;

			/* bands rise with v: the least v at or above b */
			while (lo < hi) {
				unsigned mid = (lo + hi) / 2;

				if (unit_band(g, r, u, mid, blocked) >=
				    PATHWAYS__V1__BAND__DEVELOPING + b)
					hi = mid;
				else
					lo = mid + 1;
			}
			u->thr[blocked][b] = (uint16_t)lo;
		}
	return true;
}

static struct sweep *sweep_new(struct query_columns *qc,
			       const struct graph_columns_attr *a)
{
	struct query_ctx *ctx = qc->ctx;
	size_t n = ctx->g->emps_n ? ctx->g->emps_n : 1;
	struct sweep *s = query_alloc(ctx, 1, sizeof(*s));

	if (!s)
		return NULL;
	s->cap = n;
	s->values = a ? a->values_n : 1;
	s->grades = qc->c->max_grade + 2;
	/* only pos must start zeroed (and is kept so between groups); the
	 * rest is written before it is read */
	s->pos = query_alloc(ctx, n, sizeof(*s->pos));
	s->tl = query_alloc_raw(ctx, n, sizeof(*s->tl));
	s->tmp = query_alloc_raw(ctx, n, sizeof(*s->tmp));
	s->bl = query_alloc_raw(ctx, n, sizeof(*s->bl));
	s->lv = query_alloc_raw(ctx, n, SWEEP_COMPS);
	s->key = query_alloc_raw(ctx, n, sizeof(*s->key));
	s->blk = query_alloc_raw(ctx, n, 1);
	s->num = query_alloc_raw(ctx, n, sizeof(*s->num));
	s->start = query_alloc(ctx, (size_t)s->values * s->grades + 1,
			       sizeof(*s->start));
	if (!s->pos || !s->tl || !s->tmp || !s->bl || !s->lv || !s->key ||
	    !s->blk || !s->num || !s->start)
		return NULL;
	return s;
}

/* Whether column entry j is on an expiry boundary day (od, the day
 * before which assessments have expired): such an employee is scored
 * the scalar way. */
static inline bool on_boundary(const struct graph_columns *c, uint32_t j,
			       unsigned days, int64_t od)
{
	int64_t d = c->day[j];

	return days && (d == od || d == GRAPH_COLUMNS_DAY_LOW ||
			d == GRAPH_COLUMNS_DAY_HIGH);
}

/* Lays the group's columns out: every employee holding a level in one of
 * its competencies, once, in buckets (struct sweep), with their levels
 * (expired ones 0). */
static void sweep_layout(struct query_columns *qc, struct sweep *s,
			 const struct graph_columns_attr *a)
{
	const struct graph_columns *c = qc->c;
	unsigned days = qc->ctx->g->settings.assessment_valid_days;
	int64_t od = query_columns_oldest_day(qc->ctx->now, days);
	size_t found = 0, buckets = (size_t)s->values * s->grades;
	uint32_t sum = 0;

	/* locals the compiler need not reload after each store */
	uint32_t *restrict pos = s->pos, *restrict tmp = s->tmp;
	const uint32_t *restrict emp = c->emp;
	const uint8_t *restrict level = c->level;
	const uint16_t *restrict day = c->day;

	s->bn = 0;
	/* who: pos 1 found, 2 found on a boundary day */
	for (unsigned k = 0; k < s->comps_n; k++) {
		uint32_t lo = c->off[s->comps[k]], hi = c->off[s->comps[k] + 1];

		/* without a branch: half of them are new, at random */
		for (uint32_t j = lo; j < hi; j++) {
			uint32_t e = emp[j], fresh = !pos[e];

			pos[e] += fresh;
			tmp[found] = e;
			found += fresh;
		}
		for (uint32_t j = lo; days && j < hi; j++)
			if (pos[emp[j]] == 1 && on_boundary(c, j, days, od)) {
				pos[emp[j]] = 2;
				s->bl[s->bn++] = emp[j];
			}
	}
	/* where: a counting sort by bucket */
	memset(s->start, 0, (buckets + 1) * sizeof(*s->start));
	for (size_t t = 0; t < found; t++) {
		uint32_t e = s->tmp[t], ga = c->emp_grade_active[e];
		uint32_t gi = s->pos[e] == 2 || !(ga & 1) ? s->grades - 1 :
							 ga >> 1;

		s->key[t] = (a ? a->vid[e] : 0) * s->grades + gi;
		s->start[s->key[t]]++;
	}
	for (size_t b = 0; b <= buckets; b++) {
		uint32_t n = s->start[b];

		s->start[b] = sum;
		sum += n;
	}
	for (size_t t = 0; t < found; t++) {
		uint32_t k = s->start[s->key[t]]++;

		s->tl[k] = tmp[t];
		pos[tmp[t]] = k + 1;
	}
	/* each start moved to its bucket's end: shift back */
	memmove(s->start + 1, s->start, buckets * sizeof(*s->start));
	s->start[0] = 0;
	s->tn = found;
	/* what: the levels, 0 for those without one */
	for (unsigned k = 0; k < s->comps_n; k++) {
		uint32_t lo = c->off[s->comps[k]], hi = c->off[s->comps[k] + 1];
		uint8_t *restrict col = s->lv + (size_t)k * s->cap;

		memset(col, 0, found);
		if (days)
			for (uint32_t j = lo; j < hi; j++)
				col[pos[emp[j]] - 1] = day[j] < od ? 0 : level[j];
		else
			for (uint32_t j = lo; j < hi; j++)
				col[pos[emp[j]] - 1] = level[j];
	}
}

/* Clears the positions sweep_layout set, for the next group. */
static void sweep_clear(struct sweep *s)
{
	for (size_t t = 0; t < s->tn; t++)
		s->pos[s->tl[t]] = 0;
	s->comps_n = 0;
}

/* The sums v and unmet must-haves of role (units u) over the first n
 * touched. */
SWEEP_SIMD
static void sweep_sums(const graph_t *g, const struct graph_role *r,
		       const struct unit_role *u, struct sweep *s, size_t n)
{
	const struct graph_req *req = g->reqs + r->req_off;
	bool binary = g->settings.readiness_mode == GRAPH_MODE_BINARY;
	uint16_t *restrict num = s->num;
	uint8_t *restrict blk = s->blk;

	memset(num, 0, n * sizeof(*num));
	memset(blk, 0, n);
	for (uint32_t i = 0; i < r->req_n; i++) {
		const uint8_t *restrict col = s->lv + (size_t)u->col[i] * s->cap;
		uint8_t l = req[i].level;
		uint16_t m = u->mul[i];

		if (binary)
			for (size_t t = 0; t < n; t++)
				num[t] += col[t] >= l;
		else
			for (size_t t = 0; t < n; t++)
				num[t] += (uint16_t)((col[t] < l ? col[t] : l) * m);
		if (req[i].must_have)
			for (size_t t = 0; t < n; t++)
				blk[t] += col[t] < l;
	}
}

/* the band of sum v with blocked must-haves unmet: 0 NOT_READY ..
 * 3 READY_NOW */
static inline unsigned unit_level(const struct unit_role *u, uint16_t v,
				  uint8_t blocked)
{
	const uint16_t *thr = u->thr[blocked != 0];

	return (v >= thr[0]) + (v >= thr[1]) + (v >= thr[2]);
}

/* Band counts of touched lo .. hi - 1: ge[b] of them at band b + 1 or
 * above. Written in 16-bit lanes without branches, so that it
 * vectorizes: a chunk's counts fit 16 bits. */
SWEEP_SIMD
static void sweep_count(const struct unit_role *u, const struct sweep *s,
			size_t lo, size_t hi, uint32_t ge[3])
{
	const uint16_t *restrict num = s->num;
	const uint8_t *restrict blk = s->blk;
	uint16_t u0 = u->thr[0][0], u1 = u->thr[0][1], u2 = u->thr[0][2];
	/* a blocked employee's threshold: u ^ (x & -1) */
	uint16_t x0 = u0 ^ u->thr[1][0], x1 = u1 ^ u->thr[1][1];
	uint16_t x2 = u2 ^ u->thr[1][2];

	ge[0] = ge[1] = ge[2] = 0;
	for (size_t base = lo; base < hi; base += 32768) {
		size_t end = hi - base < 32768 ? hi : base + 32768;
		uint16_t a = 0, b = 0, c = 0;

		for (size_t t = base; t < end; t++) {
			uint16_t m = (uint16_t)-(blk[t] != 0);
			uint16_t v = num[t];

			a -= (uint16_t)-(v >= (uint16_t)(u0 ^ (x0 & m)));
			b -= (uint16_t)-(v >= (uint16_t)(u1 ^ (x1 & m)));
			c -= (uint16_t)-(v >= (uint16_t)(u2 ^ (x2 & m)));
		}
		ge[0] += a;
		ge[1] += b;
		ge[2] += c;
	}
}

/* One role of a laid-out group: its counts and, with a, rows. */
static int sweep_role(struct query_columns *qc, struct sweep *s,
		      const struct unit_role *u, bool successors_only,
		      const struct graph_columns_attr *a, bool attr,
		      struct query_sweep_role *out)
{
	struct query_ctx *ctx = qc->ctx;
	const graph_t *g = ctx->g;
	const struct graph_columns *c = qc->c;
	uint32_t role = out->role, total, seen = 0;
	const struct graph_role *r = &g->roles[role];
	/* the last grade bucket considered */
	uint32_t top = successors_only ? r->grade : s->grades - 2;
	uint32_t counts[5] = { 0 };
	struct query_readiness_score z;

	/* without a breakdown those considered are a prefix */
	sweep_sums(g, r, u, s, a ? s->tn : s->start[top + 1]);
	if (a && query_columns_attr_scratch(qc, a))
		return -1;
	for (uint32_t v = 0; v < s->values; v++) {
		uint32_t lo = s->start[v * s->grades];
		uint32_t hi = s->start[v * s->grades + top + 1];
		uint32_t ge[3], ok = hi - lo, vc[5];

		if (!ok)
			continue;
		sweep_count(u, s, lo, hi, ge);
		vc[PATHWAYS__V1__BAND__NOT_READY] = ok - ge[0];
		vc[PATHWAYS__V1__BAND__DEVELOPING] = ge[0] - ge[1];
		vc[PATHWAYS__V1__BAND__READY_SOON] = ge[1] - ge[2];
		vc[PATHWAYS__V1__BAND__READY_NOW] = ge[2];
		for (unsigned b = 1; b <= 4; b++) {
			counts[b] += vc[b];
			if (a)
				qc->vcounts[v][b] += vc[b];
		}
		if (a)
			qc->tcons[v] += ok;
		seen += ok;
	}
	/* the role's own holders were counted: take them out */
	for (uint32_t k = c->role_off[role]; k < c->role_off[role + 1]; k++) {
		uint32_t e = c->role_emps[k], t = s->pos[e], v = a ? a->vid[e] : 0;
		unsigned b;

		if (!t || t > s->start[v * s->grades + top + 1])
			continue;
		b = 1 + unit_level(u, s->num[t - 1], s->blk[t - 1]);
		counts[b]--;
		seen--;
		if (a) {
			qc->vcounts[v][b]--;
			qc->tcons[v]--;
		}
	}
	if (s->bn) {
		struct query_role_scorer rs;

		if (query_role_scorer_init(ctx, &rs, role))
			return -1;
		for (size_t k = 0; k < s->bn; k++) {
			const struct graph_employee *e = &g->emps[s->bl[k]];
			struct query_readiness_score sc;

			if (!query_considers(g, e, role, successors_only))
				continue;
			query_role_scorer_score(&rs, e, ctx->now, &sc);
			counts[sc.band]++;
			seen++;
			if (a) {
				qc->vcounts[a->vid[s->bl[k]]][sc.band]++;
				qc->tcons[a->vid[s->bl[k]]]++;
			}
		}
	}
	total = (successors_only ? graph_columns_active_upto(c, r->grade) :
				   c->active) -
		c->active_by_role[role];
	/* everyone else has no level in the group's competencies */
	query_readiness_finish(g, r, 0, u->den, 0, u->musts, &z);
	counts[z.band] += total - seen;
	out->rest = total - seen;
	memcpy(out->counts, counts, sizeof(counts));
	out->considered = total;
	out->done = true;
	if (a) {
		query_columns_attr_considered(qc, g, role, successors_only);
		return query_columns_attr_rows(qc, z.band, &out->rows, &out->rows_n);
	}
	if (attr && total) {
		/* no one has the attribute: one row, "" */
		out->rows = query_alloc(ctx, 1, sizeof(*out->rows));
		if (!out->rows)
			return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
					  "out of memory");
		out->rows->value = "";
		memcpy(out->rows->counts, counts, sizeof(counts));
		out->rows_n = 1;
	}
	return 0;
}

/* the roles of a sweep, in the order groups are made: by area, track,
 * grade */
struct group_order {
	const graph_t *g;
	const struct query_sweep_role *roles;
};

static int cmp_group_order(const void *x, const void *y, void *arg)
{
	const struct group_order *o = arg;
	uint32_t ra = o->roles[*(const uint32_t *)x].role;
	uint32_t rb = o->roles[*(const uint32_t *)y].role;
	const struct graph_role *a = &o->g->roles[ra], *b = &o->g->roles[rb];

	if (a->area != b->area)
		return a->area < b->area ? -1 : 1;
	if (a->track != b->track)
		return a->track < b->track ? -1 : 1;
	if (a->grade != b->grade)
		return a->grade < b->grade ? -1 : 1;
	return ra < rb ? -1 : ra > rb;
}

/* The byte column of comp in the group, added when new; -1 when the
 * group is full. */
static int group_col(struct sweep *s, uint32_t comp)
{
	for (unsigned k = 0; k < s->comps_n; k++)
		if (s->comps[k] == comp)
			return (int)k;
	if (s->comps_n == SWEEP_COMPS)
		return -1;
	s->comps[s->comps_n] = comp;
	return (int)s->comps_n++;
}

/* Whether role r fits the group, its columns then in u->col. */
static bool group_fits(const graph_t *g, const struct graph_role *r,
		       struct sweep *s, struct unit_role *u)
{
	unsigned fresh = 0;

	for (uint32_t i = 0; i < r->req_n; i++) {
		bool have = false;

		for (unsigned k = 0; k < s->comps_n && !have; k++)
			have = s->comps[k] == g->reqs[r->req_off + i].comp;
		fresh += !have;
	}
	if (s->comps_n + fresh > SWEEP_COMPS)
		return false;
	for (uint32_t i = 0; i < r->req_n; i++)
		u->col[i] = (uint8_t)group_col(s, g->reqs[r->req_off + i].comp);
	return true;
}

/* Lays the group out and sweeps its members (indexes into roles). */
static int sweep_group(struct query_columns *qc, struct sweep *s,
		       bool successors_only,
		       const struct graph_columns_attr *a, bool attr,
		       struct query_sweep_role *roles,
		       const uint32_t *members, const struct unit_role *units,
		       size_t n)
{
	int rc = 0;

	if (!n)
		return 0;
	if (query_past_deadline(qc->ctx))
		return -1;
	sweep_layout(qc, s, a);
	for (size_t k = 0; k < n && !rc; k++)
		rc = sweep_role(qc, s, &units[k], successors_only, a, attr,
				&roles[members[k]]);
	sweep_clear(s);
	return rc;
}

int query_sweep_roles(struct query_columns *qc, bool successors_only,
		      const char *attr, struct query_sweep_role *roles,
		      size_t n)
{
	struct query_ctx *ctx = qc->ctx;
	const graph_t *g = ctx->g;
	const struct graph_columns_attr *a = NULL;
	uint32_t *order, *members;
	struct unit_role *units;
	struct sweep *s;
	size_t m = 0;

	if (qc->c->max_grade >= SWEEP_OUT)
		return 1;
	if (attr[0]) {
		a = graph_columns_attr(qc->c, attr);
		if (a && !a->vid)
			return 1;
	}
	order = query_alloc(ctx, n ? n : 1, sizeof(*order));
	members = query_alloc(ctx, n ? n : 1, sizeof(*members));
	units = query_alloc(ctx, n ? n : 1, sizeof(*units));
	s = sweep_new(qc, a);
	if (!order || !members || !units || !s)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t k = 0; k < n; k++) {
		order[k] = (uint32_t)k;
		roles[k].done = false;
	}
	/* positions in roles, by their roles' group order */
	qsort_r(order, n, sizeof(*order), cmp_group_order,
		&(struct group_order){ g, roles });
	for (size_t k = 0; k < n; k++) {
		const struct graph_role *r = &g->roles[roles[order[k]].role];

		if (!unit_role(g, r, &units[m]))
			continue;
		if (!group_fits(g, r, s, &units[m])) {
			struct unit_role u = units[m];

			if (sweep_group(qc, s, successors_only, a, attr[0],
					roles, members, units, m))
				return -1;
			m = 0;
			units[0] = u;
			/* an empty group takes any role of SWEEP_COMPS */
			(void)group_fits(g, r, s, &units[0]);
		}
		members[m++] = order[k];
	}
	return sweep_group(qc, s, successors_only, a, attr[0], roles,
			   members, units, m) ? -1 : 0;
}

/* The least sum v whose readiness is at least min (vmax + 1: none). */
static unsigned unit_floor(const graph_t *g, const struct graph_role *r,
			   const struct unit_role *u, unsigned vmax, double min)
{
	unsigned lo = 0, hi = vmax + 1;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		struct query_readiness_score sc;

		unit_at(g, r, u, mid, 0, 0, &sc);
		if (sc.readiness >= min)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The score of touched t (sum v) as the scalar scorer gives it. */
static void unit_score(const graph_t *g, const struct graph_role *r,
		       const struct unit_role *u, const struct sweep *s,
		       size_t t, struct query_readiness_score *sc)
{
	const struct graph_req *req = g->reqs + r->req_off;
	unsigned met = 0;

	for (uint32_t i = 0; i < r->req_n; i++)
		met += s->lv[(size_t)u->col[i] * s->cap + t] >= req[i].level;
	unit_at(g, r, u, s->num[t], met, s->blk[t], sc);
}

int query_sweep_bench(struct query_columns *qc, bool successors_only,
		      const char *attr, unsigned limit, double min_readiness,
		      struct query_sweep_role *out, query_columns_fn each,
		      void *arg, uint32_t *rest,
		      struct query_readiness_score *rest_score)
{
	struct query_ctx *ctx = qc->ctx;
	const graph_t *g = ctx->g;
	const struct graph_columns *c = qc->c;
	const struct graph_role *r = &g->roles[out->role];
	const struct graph_columns_attr *a = NULL;
	struct unit_role u;
	struct sweep *s;
	uint32_t *hist, top, floor_v, cut, need = limit;

	if (c->max_grade >= SWEEP_OUT || !unit_role(g, r, &u))
		return 1;
	if (attr[0]) {
		a = graph_columns_attr(c, attr);
		if (a && !a->vid)
			return 1;
	}
	s = sweep_new(qc, a);
	hist = query_alloc(ctx, (size_t)u.vmax + 1, sizeof(*hist));
	if (!s || !hist)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
	(void)group_fits(g, r, s, &u);
	sweep_layout(qc, s, a);
	if (sweep_role(qc, s, &u, successors_only, a, attr[0], out))
		return -1;
	/* the candidates: by sum (readiness rises strictly with it), only
	 * the best `limit` sums and those tied with the last of them are
	 * scored and handed to each */
	top = successors_only ? r->grade : s->grades - 2;
	for (uint32_t v = 0; v < s->values; v++)
		for (uint32_t t = s->start[v * s->grades];
		     t < s->start[v * s->grades + top + 1]; t++)
			if (c->emp_role[s->tl[t]] != out->role)
				hist[s->num[t]]++;
	floor_v = unit_floor(g, r, &u, u.vmax, min_readiness);
	cut = limit ? floor_v : u.vmax + 1;
	for (uint32_t v = u.vmax + 1; limit && v-- > floor_v;) {
		if (hist[v] >= need) {
			cut = v;
			break;
		}
		need -= hist[v];
	}
	for (uint32_t v = 0; v < s->values; v++)
		for (uint32_t t = s->start[v * s->grades];
		     t < s->start[v * s->grades + top + 1]; t++) {
			struct query_readiness_score sc;

			if (s->num[t] < cut || c->emp_role[s->tl[t]] == out->role)
				continue;
			unit_score(g, r, &u, s, t, &sc);
			each(arg, s->tl[t], &sc);
		}
	if (s->bn) {
		struct query_role_scorer rs;

		if (query_role_scorer_init(ctx, &rs, out->role))
			return -1;
		for (size_t k = 0; k < s->bn; k++) {
			const struct graph_employee *e = &g->emps[s->bl[k]];
			struct query_readiness_score sc;

			if (!query_considers(g, e, out->role, successors_only))
				continue;
			query_role_scorer_score(&rs, e, ctx->now, &sc);
			each(arg, s->bl[k], &sc);
		}
	}
	query_readiness_finish(g, r, 0, u.den, 0, u.musts, rest_score);
	*rest = out->rest;
	return 0;
}
