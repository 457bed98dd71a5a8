#include "gap.h"

#include "modules.h"
#include "readiness.h"

int query_gap_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		  ProtobufCMessage *respm)
{
	const Pathways__V1__GapRequest *req = (const void *)reqm;
	Pathways__V1__GapResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	const struct graph_employee *e;
	const struct graph_role *r;
	struct query_readiness_score sc;
	struct query_modules_plan plan;
	uint32_t ei, ri, strengths = 0;
	double deficit = 0;
	struct graph_employee view;
	struct graph_level *buf;
	bool past;

	if (query_as_of(ctx, req->as_of_unix_ms, "as_of_unix_ms", &past))
		return -1;

	ei = graph_find_employee(g, req->employee_id);
	if (ei == GRAPH_NONE)
		return query_fail(ctx, QUERY_NOT_FOUND, "unknown employee \"%s\"",
				  req->employee_id);
	ri = graph_find_role(g, req->role_key);
	if (ri == GRAPH_NONE)
		return query_fail(ctx, QUERY_NOT_FOUND, "unknown role \"%s\"",
				  req->role_key);
	e = &g->emps[ei];
	if (past) {
		buf = query_alloc(ctx, e->levels_n ? e->levels_n : 1,
				  sizeof(*buf));
		if (!buf)
			goto oom;
		e = query_employee_at(ctx, e, past, buf, &view);
	}
	r = &g->roles[ri];
	resp->employee_id = query_str(e->id);
	resp->role_key = query_str(r->key);
	resp->gaps = query_alloc(ctx, r->req_n, sizeof(*resp->gaps));
	resp->strengths = query_alloc(ctx, r->req_n, sizeof(*resp->strengths));
	if (!resp->gaps || !resp->strengths)
		goto oom;
	for (uint32_t i = 0; i < r->req_n; i++) {
		const struct graph_req *q = &g->reqs[r->req_off + i];
		Pathways__V1__CompetencyGap *gap = query_alloc(ctx, 1, sizeof(*gap));
		bool stale;
		unsigned cur = graph_level_of(g, e, q->comp, ctx->now, &stale);

		if (!gap)
			goto oom;
		pathways__v1__competency_gap__init(gap);
		gap->competency_key = query_str(g->comps[q->comp].key);
		gap->required = q->level;
		gap->current = cur;
		gap->deficit = cur < q->level ? q->level - cur : 0;
		gap->weight = q->weight;
		gap->must_have = q->must_have;
		gap->met = cur >= q->level;
		gap->stale = stale;
		deficit += q->weight * gap->deficit;
		resp->gaps[resp->n_gaps++] = gap;
		if (cur > q->level)
			resp->strengths[strengths++] = gap;
	}
	resp->n_strengths = strengths;
	resp->weighted_deficit = deficit;
	query_readiness_score(g, e, ri, ctx->now, &sc);
	resp->readiness = query_round1(sc.readiness);
	resp->band = sc.band;
	if (query_modules_plan(ctx, e, ri, 0, 0, &plan))
		return -1;
	resp->estimated_hours = plan.total_hours;
	if (query_modules_uncovered(ctx, &plan, &resp->uncovered,
				    &resp->n_uncovered))
		goto oom;
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
