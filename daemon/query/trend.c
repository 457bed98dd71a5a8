#include "trend.h"

#include <stdlib.h>
#include <string.h>

#include "readiness.h"

/* the first whole millisecond at or after us: the first as_of that sees
 * what happened at us */
static int64_t ms_ceil(int64_t us)
{
	return us / 1000 + (us % 1000 > 0);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* What one series needs of the employee: per requirement, its run of
 * history entries (none: never assessed). */
struct runs {
	const int64_t **h;
	uint32_t *n;
};

static int find_runs(struct query_ctx *ctx, const struct graph_employee *e,
		     const struct graph_role *r, struct runs *out)
{
	const graph_t *g = ctx->g;

	out->h = query_alloc(ctx, r->req_n ? r->req_n : 1, sizeof(*out->h));
	out->n = query_alloc(ctx, r->req_n ? r->req_n : 1, sizeof(*out->n));
	if (!out->h || !out->n)
		return -1;
	for (uint32_t q = 0; q < r->req_n; q++) {
		uint32_t comp = g->reqs[r->req_off + q].comp;
		const int64_t *h = e->history;

		/* levels are by competency, their runs in the same order */
		for (uint32_t i = 0; i < e->levels_n; i++) {
			if (e->levels[i].comp == comp) {
				out->h[q] = h;
				out->n[q] = e->levels[i].hist_n;
				break;
			}
			h += e->levels[i].hist_n;
		}
	}
	return 0;
}

/* The first instant an assessment of a requirement shows at (runs are
 * oldest first); INT64_MAX when there is none. */
static int64_t first_instant(const struct graph_role *r, const struct runs *rn)
{
	int64_t first = INT64_MAX;

	for (uint32_t q = 0; q < r->req_n; q++)
		if (rn->n[q] && ms_ceil(graph_hist_at(rn->h[q][0])) < first)
			first = ms_ceil(graph_hist_at(rn->h[q][0]));
	return first;
}

/* The instants in (from, to] where a requirement's level may change: each
 * assessment, and with expiry each assessment's first expired instant;
 * sorted, without duplicates. */
static int64_t *candidates(struct query_ctx *ctx, const struct graph_role *r,
			   const struct runs *rn, int64_t from, int64_t to,
			   size_t *n_out)
{
	unsigned days = ctx->g->settings.assessment_valid_days;
	int64_t valid = (int64_t)days * GRAPH_US_PER_DAY;
	size_t total = 0, n = 0;
	int64_t *v;

	for (uint32_t q = 0; q < r->req_n; q++)
		total += rn->n[q];
	v = query_alloc(ctx, total ? 2 * total : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (uint32_t q = 0; q < r->req_n; q++)
		for (uint32_t k = 0; k < rn->n[q]; k++) {
			int64_t at = graph_hist_at(rn->h[q][k]);
			int64_t t[2] = { ms_ceil(at), ms_ceil(at + valid + 1) };

			for (int j = 0; j < (days ? 2 : 1); j++)
				if (t[j] > from && t[j] <= to)
					v[n++] = t[j];
		}
	graph_sort(v, n, sizeof(*v), cmp_i64);
	{
		size_t w = 0;

		for (size_t i = 0; i < n; i++)
			if (w == 0 || v[w - 1] != v[i])
				v[w++] = v[i];
		n = w;
	}
	*n_out = n;
	return v;
}

/* A point at t (ms): Readiness as of t, and the requirements whose level
 * differs from prev (updated to the levels at t). NULL on out of memory. */
static Pathways__V1__TrendPoint *point_at(struct query_ctx *ctx,
					  const struct graph_employee *e,
					  uint32_t role, int64_t t,
					  struct graph_level *buf,
					  uint8_t *prev, bool first,
					  bool *changed_any)
{
	const graph_t *g = ctx->g;
	const struct graph_role *r = &g->roles[role];
	Pathways__V1__TrendPoint *p = query_alloc(ctx, 1, sizeof(*p));
	struct graph_employee view;
	struct query_readiness_score sc;
	uint8_t cur[GRAPH_MAX_ROLE_REQS];
	uint32_t changed = 0;

	if (!p)
		return NULL;
	pathways__v1__trend_point__init(p);
	graph_employee_as_of(e, t * 1000, buf, &view);
	for (uint32_t q = 0; q < r->req_n; q++) {
		cur[q] = (uint8_t)graph_level_of(g, &view,
						 g->reqs[r->req_off + q].comp,
						 t * 1000, NULL);
		changed += !first && cur[q] != prev[q];
	}
	*changed_any = changed > 0;
	if (!first && !changed)
		return p;
	if (changed) {
		p->changed = query_alloc(ctx, changed, sizeof(*p->changed));
		if (!p->changed)
			return NULL;
	}
	for (uint32_t q = 0; q < r->req_n; q++) {
		Pathways__V1__CompetencyGain *c;

		if (!first && cur[q] != prev[q]) {
			c = query_alloc(ctx, 1, sizeof(*c));
			if (!c)
				return NULL;
			pathways__v1__competency_gain__init(c);
			c->competency_key =
				query_str(g->comps[g->reqs[r->req_off + q].comp].key);
			c->from_level = prev[q];
			c->to_level = cur[q];
			p->changed[p->n_changed++] = c;
		}
		prev[q] = cur[q];
	}
	query_readiness_score(g, &view, role, t * 1000, &sc);
	p->at_unix_ms = t;
	p->readiness = query_round1(sc.readiness);
	p->band = sc.band;
	p->met = sc.met;
	return p;
}

static int series(struct query_ctx *ctx, const struct graph_employee *e,
		  uint32_t role, int64_t from, int64_t to,
		  struct graph_level *buf, Pathways__V1__TrendSeries *s)
{
	const graph_t *g = ctx->g;
	const struct graph_role *r = &g->roles[role];
	uint8_t prev[GRAPH_MAX_ROLE_REQS];
	struct runs rn;
	int64_t *t;
	size_t n;
	bool changed;

	if (find_runs(ctx, e, r, &rn))
		return -1;
	if (from == 0) {
		/* from the first assessment the role cares about */
		int64_t first = first_instant(r, &rn);

		from = first < to ? first : to;
	}
	t = candidates(ctx, r, &rn, from, to, &n);
	if (!t)
		return -1;
	s->points = query_alloc(ctx, n + 1, sizeof(*s->points));
	if (!s->points)
		return -1;
	s->role_key = query_str(r->key);
	s->points[0] = point_at(ctx, e, role, from, buf, prev, true, &changed);
	if (!s->points[0])
		return -1;
	s->n_points = 1;
	for (size_t i = 0; i < n; i++) {
		Pathways__V1__TrendPoint *p =
			point_at(ctx, e, role, t[i], buf, prev, false, &changed);

		if (!p)
			return -1;
		if (changed)
			s->points[s->n_points++] = p;
	}
	return 0;
}

int query_trend_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		    ProtobufCMessage *respm)
{
	const Pathways__V1__TrendRequest *req = (const void *)reqm;
	Pathways__V1__TrendResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	const struct graph_employee *e;
	struct graph_level *buf;
	uint32_t ei, *roles, n = 0;
	int64_t from = req->from_unix_ms, to;
	bool past;

	if (query_as_of(ctx, req->to_unix_ms, "to_unix_ms", &past))
		return -1;
	/* now in whole milliseconds, as a point's instant is */
	to = past ? req->to_unix_ms : ctx->now / 1000;
	if (from < INT64_MIN / 1000)
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "from_unix_ms is out of range");
	if (from > to)
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "from_unix_ms is after to_unix_ms");
	ei = graph_find_employee(g, req->employee_id);
	if (ei == GRAPH_NONE)
		return query_fail(ctx, QUERY_NOT_FOUND, "unknown employee \"%s\"",
				  req->employee_id);
	e = &g->emps[ei];
	roles = query_alloc(ctx, req->n_role_keys + g->roles_n + 1,
			    sizeof(*roles));
	buf = query_alloc(ctx, e->levels_n ? e->levels_n : 1, sizeof(*buf));
	if (!roles || !buf)
		goto oom;
	for (size_t i = 0; i < req->n_role_keys; i++) {
		roles[n] = graph_find_role(g, req->role_keys[i]);
		if (roles[n] == GRAPH_NONE)
			return query_fail(ctx, QUERY_NOT_FOUND,
					  "unknown role \"%s\"",
					  req->role_keys[i]);
		n++;
	}
	if (req->n_role_keys == 0) {
		/* the employee's own role, then the roles one move away */
		uint32_t k = query_readiness_next_roles(g, e->role, roles + 1,
							g->roles_n);

		roles[n++] = e->role;
		for (uint32_t i = 0; i < k; i++)
			if (roles[1 + i] != e->role)
				roles[n++] = roles[1 + i];
	}
	resp->series = query_alloc(ctx, n ? n : 1, sizeof(*resp->series));
	if (!resp->series)
		goto oom;
	for (uint32_t i = 0; i < n; i++) {
		Pathways__V1__TrendSeries *s = query_alloc(ctx, 1, sizeof(*s));

		if (!s)
			goto oom;
		pathways__v1__trend_series__init(s);
		if (series(ctx, e, roles[i], from, to, buf, s))
			goto oom;
		resp->series[resp->n_series++] = s;
	}
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
