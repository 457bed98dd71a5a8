#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

struct brow {
	const char *value;
	uint32_t counts[5];
};

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

int query_bench_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		    ProtobufCMessage *respm)
{
	const Pathways__V1__BenchRequest *req = (const void *)reqm;
	Pathways__V1__BenchResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	unsigned limit = req->limit ? req->limit : 10;
	const char *attr = req->breakdown_attribute;
	struct query_role_scorer rs;
	uint32_t counts[5] = { 0 }, role;
	struct cand *top;
	struct brow *rows = NULL;
	uint32_t *slots = NULL;
	size_t top_n = 0, rows_n = 0, rows_cap = 0, mask = 0;

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
	if (query_role_scorer_init(ctx, &rs, role))
		return -1;
	top = query_alloc(ctx, limit, sizeof(*top));
	if (!top)
		goto oom;
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

		if (!e->active || e->role == role)
			continue;
		query_role_scorer_score(&rs, e, ctx->now, &sc);
		resp->considered++;
		counts[sc.band]++;
		if (sc.readiness >= req->min_readiness)
			heap_push(g, top, &top_n, limit,
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
	if (top_n > 1)
		qsort_r(top, top_n, sizeof(*top), cmp_cand, (void *)g);
	resp->candidates = query_alloc(ctx, top_n ? top_n : 1,
				       sizeof(*resp->candidates));
	if (!resp->candidates)
		goto oom;
	for (size_t i = 0; i < top_n; i++) {
		Pathways__V1__BenchCandidate *c = query_alloc(ctx, 1, sizeof(*c));

		if (!c)
			goto oom;
		pathways__v1__bench_candidate__init(c);
		c->employee_id = query_str(g->emps[top[i].emp].id);
		c->current_role = query_str(g->roles[g->emps[top[i].emp].role].key);
		c->readiness = query_round1(top[i].readiness);
		c->band = top[i].band;
		c->blockers = top[i].blockers;
		resp->candidates[resp->n_candidates++] = c;
	}
	resp->bands = band_counts(ctx, counts, &resp->n_bands);
	if (!resp->bands)
		goto oom;
	if (rows_n) {
		graph_sort(rows, rows_n, sizeof(*rows), cmp_row);
		resp->breakdown = query_alloc(ctx, rows_n, sizeof(*resp->breakdown));
		if (!resp->breakdown)
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
			resp->breakdown[resp->n_breakdown++] = row;
		}
	}
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
