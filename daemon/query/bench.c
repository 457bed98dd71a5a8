#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "sweep.h"
#include "readiness.h"

struct cand {
	uint32_t emp;
	uint32_t blockers;
	double readiness;
	Pathways__V1__Band band;
};

/* ranking: readiness desc, blockers asc, employee id asc */
static bool better(const graph_t *g, const struct cand *a, const struct cand *b)
{
	if (a->readiness != b->readiness)
		return a->readiness > b->readiness;
	if (a->blockers != b->blockers)
		return a->blockers < b->blockers;
	return strcmp(g->emps[a->emp].id, g->emps[b->emp].id) < 0;
}

/* A min-heap (worst on top) of the best `limit` candidates so far. */
static void heap_push(const graph_t *g, struct cand *h, size_t *n, size_t cap,
		      struct cand c)
{
	size_t i;

	if (*n == cap) {
		if (cap == 0 || !better(g, &c, &h[0]))
			return;
		/* replace the worst, sift down */
		h[0] = c;
		i = 0;
		for (;;) {
			size_t l = 2 * i + 1, r = l + 1, m = i;

			if (l < *n && better(g, &h[m], &h[l]))
				m = l;
			if (r < *n && better(g, &h[m], &h[r]))
				m = r;
			if (m == i)
				break;
			struct cand t = h[i];
			h[i] = h[m];
			h[m] = t;
			i = m;
		}
		return;
	}
	i = (*n)++;
	h[i] = c;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!better(g, &h[p], &h[i]))
			break;
		struct cand t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

/* a breakdown row, as the column kernel fills them */
#define brow query_columns_row

static int cmp_cand(const void *a, const void *b, void *g)
{
	return better(g, a, b) ? -1 : better(g, b, a) ? 1 : 0;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct brow *)a)->value,
		      ((const struct brow *)b)->value);
}

static Pathways__V1__BandCount **band_counts(struct query_ctx *ctx,
					     const uint32_t *counts, size_t *n)
{
	Pathways__V1__BandCount **v = query_alloc(ctx, 4, sizeof(*v));

	if (!v)
		return NULL;
	for (int b = 1; b <= 4; b++) {
		v[b - 1] = query_alloc(ctx, 1, sizeof(**v));
		if (!v[b - 1])
			return NULL;
		pathways__v1__band_count__init(v[b - 1]);
		v[b - 1]->band = (Pathways__V1__Band)b;
		v[b - 1]->count = counts[b];
	}
	*n = 4;
	return v;
}

/* the best candidates Bench lists, or none (Pipeline) */
struct top {
	const graph_t *g;
	struct cand *h;
	size_t n, cap;
	double min_readiness;
};

static void push_touched(void *arg, uint32_t emp,
			 const struct query_readiness_score *sc)
{
	struct top *top = arg;

	/* most are below the worst of a full list: out without a call */
	if (top->n == top->cap &&
	    (!top->cap || sc->readiness < top->h[0].readiness))
		return;
	if (sc->readiness >= top->min_readiness)
		heap_push(top->g, top->h, &top->n, top->cap,
			  (struct cand){ emp, sc->blockers, sc->readiness,
					 sc->band });
}

/* Whether one of the rest employees (all scored z, no level in any
 * required competency) could be among the best: then their ids decide,
 * and the scalar pass that visits everyone ranks them. */
static bool rest_may_rank(const struct top *top, uint32_t rest,
			  const struct query_readiness_score *z)
{
	if (!rest || z->readiness < top->min_readiness)
		return false;
	if (top->n < top->cap)
		return true;
	return z->readiness > top->h[0].readiness ||
	       (z->readiness == top->h[0].readiness &&
		z->blockers <= top->h[0].blockers);
}

/* The column kernel's pass (query/columns.h): 1 when the scalar pass
 * must run instead (the rest could rank among top, or attr is not
 * indexed), 0 done, -1 error. */
static int tally_columns(struct query_columns *qc,
			 struct query_role_scorer *rs, bool successors_only,
			 const char *attr, struct top *top, uint32_t counts[5],
			 uint32_t *considered, struct brow **rows,
			 size_t *rows_n)
{
	struct query_readiness_score z;
	uint32_t rest, n = 0, kc[5] = { 0 };
	int rc = 1;

	if (top) {
		struct query_sweep_role one = { .role = rs->role };

		rc = query_sweep_bench(qc, successors_only, attr,
					 (unsigned)top->cap, top->min_readiness,
					 &one, push_touched, top, &rest, &z);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			memcpy(kc, one.counts, sizeof(kc));
			n = one.considered;
			*rows = one.rows;
			*rows_n = one.rows_n;
		}
	}
	if (rc)
		rc = query_columns_tally(qc, rs, successors_only, attr, kc, &n,
					 top ? push_touched : NULL, top, &rest,
					 &z, rows, rows_n);
	if (rc)
		return rc;
	if (top && rest_may_rank(top, rest, &z)) {
		top->n = 0;
		*rows_n = 0;
		return 1;
	}
	memcpy(counts, kc, sizeof(kc));
	*considered += n;
	return 0;
}

/* One pass over the employees considered for role: band counts, the
 * breakdown by attr ("" none) and, with top, the best candidates. With qc
 * and no attr, the column kernel's pass. */
static int tally(struct query_ctx *ctx, struct query_columns *qc,
		 uint32_t role, bool successors_only, const char *attr,
		 struct top *top, uint32_t *considered,
		 Pathways__V1__BandCount ***bands, size_t *n_bands,
		 Pathways__V1__BreakdownRow ***breakdown, size_t *n_breakdown)
{
	const graph_t *g = ctx->g;
	struct query_role_scorer rs;
	uint32_t counts[5] = { 0 };
	struct brow *rows = NULL;
	uint32_t *slots = NULL;
	size_t rows_n = 0, rows_cap = 0, mask = 0;

	if (query_role_scorer_init(ctx, &rs, role))
		return -1;
	if (qc) {
		int rc = tally_columns(qc, &rs, successors_only, attr, top,
				       counts, considered, &rows, &rows_n);

		if (rc < 0)
			return -1;
		if (rc == 0)
			goto bands;
	}
	if (attr[0]) {
		rows_cap = 64;
		mask = 127;
		rows = query_alloc(ctx, rows_cap, sizeof(*rows));
		slots = query_alloc(ctx, mask + 1, sizeof(*slots));
		if (!rows || !slots)
			goto oom;
	}
	for (uint32_t i = 0; i < g->emps_n; i++) {
		const struct graph_employee *e = &g->emps[i];
		struct query_readiness_score sc;

		if (!query_considers(g, e, role, successors_only))
			continue;
		query_role_scorer_score(&rs, e, ctx->now, &sc);
		(*considered)++;
		counts[sc.band]++;
		if (top && sc.readiness >= top->min_readiness)
			heap_push(g, top->h, &top->n, top->cap,
				  (struct cand){ i, sc.blockers, sc.readiness,
						 sc.band });
		if (!attr[0])
			continue;
		const char *v = "";

		for (uint32_t k = 0; k < e->attrs_n; k++)
			if (strcmp(e->attrs[k].key, attr) == 0)
				v = e->attrs[k].value;
		size_t h = graph_hash_str(v) & mask;

		while (slots[h] && strcmp(rows[slots[h] - 1].value, v) != 0)
			h = (h + 1) & mask;
		if (!slots[h]) {
			if (rows_n == rows_cap) {
				/* grow both: rows double, the table rehashes */
				struct brow *nr = query_alloc(ctx, rows_cap * 2, sizeof(*nr));
				uint32_t *ns = query_alloc(ctx, (mask + 1) * 2, sizeof(*ns));

				if (!nr || !ns)
					goto oom;
				memcpy(nr, rows, rows_n * sizeof(*rows));
				rows = nr;
				rows_cap *= 2;
				mask = mask * 2 + 1;
				slots = ns;
				for (size_t r = 0; r < rows_n; r++) {
					size_t x = graph_hash_str(rows[r].value) & mask;

					while (slots[x])
						x = (x + 1) & mask;
					slots[x] = (uint32_t)r + 1;
				}
				h = graph_hash_str(v) & mask;
				while (slots[h])
					h = (h + 1) & mask;
			}
			rows[rows_n].value = v;
			slots[h] = (uint32_t)++rows_n;
		}
		rows[slots[h] - 1].counts[sc.band]++;
	}
bands:
	return query_bench_messages(ctx, counts, rows, rows_n, bands, n_bands,
				    breakdown, n_breakdown);
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}

int query_bench_messages(struct query_ctx *ctx, const uint32_t counts[5],
			 struct query_columns_row *rows, size_t rows_n,
			 Pathways__V1__BandCount ***bands, size_t *n_bands,
			 Pathways__V1__BreakdownRow ***breakdown,
			 size_t *n_breakdown)
{
	*bands = band_counts(ctx, counts, n_bands);
	if (!*bands)
		goto oom;
	if (rows_n) {
		/* the kernel's rows come sorted; sorting again is cheap */
		graph_sort(rows, rows_n, sizeof(*rows), cmp_row);
		*breakdown = query_alloc(ctx, rows_n, sizeof(**breakdown));
		if (!*breakdown)
			goto oom;
		for (size_t i = 0; i < rows_n; i++) {
			Pathways__V1__BreakdownRow *row = query_alloc(ctx, 1, sizeof(*row));

			if (!row)
				goto oom;
			pathways__v1__breakdown_row__init(row);
			row->value = query_str(rows[i].value);
			row->bands = band_counts(ctx, rows[i].counts, &row->n_bands);
			if (!row->bands)
				goto oom;
			(*breakdown)[(*n_breakdown)++] = row;
		}
	}
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}

int query_bench_tally(struct query_ctx *ctx, struct query_columns *qc,
		      uint32_t role, bool successors_only, const char *attr,
		      uint32_t *considered, Pathways__V1__BandCount ***bands,
		      size_t *n_bands, Pathways__V1__BreakdownRow ***breakdown,
		      size_t *n_breakdown)
{
	return tally(ctx, qc, role, successors_only, attr, NULL, considered,
		     bands, n_bands, breakdown, n_breakdown);
}

int query_bench_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		    ProtobufCMessage *respm)
{
	const Pathways__V1__BenchRequest *req = (const void *)reqm;
	Pathways__V1__BenchResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	unsigned limit = req->limit ? req->limit : 10;
	struct top top = { .g = g, .cap = limit,
			   .min_readiness = req->min_readiness };
	struct query_columns *qc = NULL;
	uint32_t role;

	if (limit > QUERY_MAX_LIMIT)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
				  "limit %u is over %u", limit, QUERY_MAX_LIMIT);
	if (isnan(req->min_readiness))
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "min_readiness is not a number");
	role = graph_find_role(g, req->role_key);
	if (role == GRAPH_NONE)
		return query_fail(ctx, QUERY_NOT_FOUND, "unknown role \"%s\"",
				  req->role_key);
	top.h = query_alloc(ctx, limit, sizeof(*top.h));
	if (!top.h)
		goto oom;
	qc = query_columns_new(ctx);
	if (!qc && ctx->code)
		return -1;
	if (tally(ctx, qc, role, req->successors_only, req->breakdown_attribute,
		  &top, &resp->considered, &resp->bands, &resp->n_bands,
		  &resp->breakdown, &resp->n_breakdown))
		return -1;
	if (top.n > 1)
		qsort_r(top.h, top.n, sizeof(*top.h), cmp_cand, (void *)g);
	resp->candidates = query_alloc(ctx, top.n ? top.n : 1,
				       sizeof(*resp->candidates));
	if (!resp->candidates)
		goto oom;
	for (size_t i = 0; i < top.n; i++) {
		const struct cand *t = &top.h[i];
		Pathways__V1__BenchCandidate *c = query_alloc(ctx, 1, sizeof(*c));

		if (!c)
			goto oom;
		pathways__v1__bench_candidate__init(c);
		c->employee_id = query_str(g->emps[t->emp].id);
		c->current_role = query_str(g->roles[g->emps[t->emp].role].key);
		c->readiness = query_round1(t->readiness);
		c->band = t->band;
		c->blockers = t->blockers;
		resp->candidates[resp->n_candidates++] = c;
	}
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
