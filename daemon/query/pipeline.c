#include "pipeline.h"

#include <string.h>

#include "bench.h"
#include "columns.h"
#include "sweep.h"

static bool selected(const struct graph_role *r, uint32_t track, uint32_t area,
		     const Pathways__V1__PipelineRequest *req)
{
	if (track != GRAPH_NONE && r->track != track)
		return false;
	if (area != GRAPH_NONE && r->area != area)
		return false;
	if (r->grade < req->min_grade)
		return false;
	return !req->max_grade || r->grade <= req->max_grade;
}

static int cmp_scarce(const void *a, const void *b)
{
	const Pathways__V1__ScarceCompetency *x = *(void *const *)a;
	const Pathways__V1__ScarceCompetency *y = *(void *const *)b;

	return strcmp(x->competency_key, y->competency_key);
}

/* Key-person risk: of the competencies the selected roles require, at the
 * highest level any of them asks, those at most one active employee
 * reaches — whoever the benches considered, since losing that one person
 * leaves no one. need[c]: that level, 0 when no selected role asks. */
static int scarce(struct query_ctx *ctx, const uint8_t *need,
		  Pathways__V1__PipelineResponse *resp)
{
	const graph_t *g = ctx->g;
	uint32_t *holders = query_alloc(ctx, g->comps_n ? g->comps_n : 1,
					sizeof(*holders));
	size_t n = 0;

	if (!holders)
		goto oom;
	for (uint32_t i = 0; i < g->emps_n; i++) {
		const struct graph_employee *e = &g->emps[i];

		if (!e->active)
			continue;
		for (uint32_t k = 0; k < e->levels_n; k++) {
			uint32_t c = e->levels[k].comp;

			if (need[c] && holders[c] < 2 &&
			    graph_level_of(g, e, c, ctx->now, NULL) >= need[c])
				holders[c]++;
		}
	}
	for (uint32_t c = 0; c < g->comps_n; c++)
		n += need[c] && holders[c] <= 1;
	resp->scarce = query_alloc(ctx, n ? n : 1, sizeof(*resp->scarce));
	if (!resp->scarce)
		goto oom;
	for (uint32_t c = 0; c < g->comps_n; c++) {
		Pathways__V1__ScarceCompetency *s;

		if (!need[c] || holders[c] > 1)
			continue;
		s = query_alloc(ctx, 1, sizeof(*s));
		if (!s)
			goto oom;
		pathways__v1__scarce_competency__init(s);
		s->competency_key = query_str(g->comps[c].key);
		s->level = need[c];
		s->holders = holders[c];
		resp->scarce[resp->n_scarce++] = s;
	}
	graph_sort(resp->scarce, resp->n_scarce, sizeof(*resp->scarce),
		   cmp_scarce);
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}

/* Every selected role's bench: swept together where the column kernel
 * can, the others one by one as Bench tallies them. */
static int benches(struct query_ctx *ctx, const uint32_t *sel, size_t n,
		   const Pathways__V1__PipelineRequest *req,
		   Pathways__V1__RoleBench **out)
{
	struct query_columns *qc = query_columns_new(ctx);
	struct query_sweep_role *sw = NULL;
	bool succ = !req->include_all;

	if (!qc && ctx->code)
		return -1;
	if (qc) {
		sw = query_alloc(ctx, n, sizeof(*sw));
		if (!sw)
			return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
					  "out of memory");
		for (size_t k = 0; k < n; k++)
			sw[k].role = sel[k];
		if (query_sweep_roles(qc, succ, req->breakdown_attribute, sw,
					n) < 0)
			return -1;
	}
	for (size_t k = 0; k < n; k++) {
		Pathways__V1__RoleBench *rb = out[k];

		if (query_past_deadline(ctx))
			return -1;
		if (sw && sw[k].done) {
			rb->considered = sw[k].considered;
			if (query_bench_messages(ctx, sw[k].counts, sw[k].rows,
						 sw[k].rows_n, &rb->bands,
						 &rb->n_bands, &rb->breakdown,
						 &rb->n_breakdown))
				return -1;
		} else if (query_bench_tally(ctx, qc, sel[k], succ,
					     req->breakdown_attribute,
					     &rb->considered, &rb->bands,
					     &rb->n_bands, &rb->breakdown,
					     &rb->n_breakdown)) {
			return -1;
		}
	}
	return 0;
}

int query_pipeline_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		       ProtobufCMessage *respm)
{
	const Pathways__V1__PipelineRequest *req = (const void *)reqm;
	Pathways__V1__PipelineResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	uint32_t track = GRAPH_NONE, area = GRAPH_NONE, min_ready, *sel;
	size_t n = 0;
	uint8_t *need;

	if (query_track_area(ctx, req->track, req->area, &track, &area))
		return -1;
	if (req->max_grade && req->min_grade > req->max_grade)
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "min_grade %u is above max_grade %u",
				  req->min_grade, req->max_grade);
	min_ready = req->min_ready ? req->min_ready : 2;
	sel = query_alloc(ctx, g->roles_n ? g->roles_n : 1, sizeof(*sel));
	need = query_alloc(ctx, g->comps_n ? g->comps_n : 1, sizeof(*need));
	if (!sel || !need)
		goto oom;
	for (uint32_t k = 0; k < g->roles_n; k++)
		if (selected(&g->roles[g->roles_by_key[k]], track, area, req))
			sel[n++] = g->roles_by_key[k];
	resp->roles = query_alloc(ctx, n ? n : 1, sizeof(*resp->roles));
	if (!resp->roles)
		goto oom;
	for (size_t k = 0; k < n; k++) {
		const struct graph_role *r = &g->roles[sel[k]];
		Pathways__V1__RoleBench *rb = query_alloc(ctx, 1, sizeof(*rb));

		if (!rb)
			goto oom;
		pathways__v1__role_bench__init(rb);
		rb->role_key = query_str(r->key);
		resp->roles[resp->n_roles++] = rb;
		for (uint32_t i = 0; i < r->req_n; i++) {
			const struct graph_req *q = &g->reqs[r->req_off + i];

			if (q->level > need[q->comp])
				need[q->comp] = q->level;
		}
	}
	if (n && benches(ctx, sel, n, req, resp->roles))
		return -1;
	for (size_t k = 0; k < n; k++) {
		Pathways__V1__RoleBench *rb = resp->roles[k];

		for (size_t b = 0; b < rb->n_bands; b++)
			if (rb->bands[b]->band == PATHWAYS__V1__BAND__READY_NOW ||
			    rb->bands[b]->band == PATHWAYS__V1__BAND__READY_SOON)
				rb->ready += rb->bands[b]->count;
		rb->thin = rb->ready < min_ready;
		resp->thin_roles += rb->thin;
	}
	return scarce(ctx, need, resp);
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
