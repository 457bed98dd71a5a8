#include "mentors.h"

#include <stdlib.h>
#include <string.h>

struct need {
	uint32_t comp;
	unsigned level;		/* required */
	unsigned bar;		/* max(level, mentor_min_level) */
};

struct mentor {
	uint32_t emp;
	unsigned top;		/* highest level among covered needs */
	unsigned covered;
};

static int cmp_mentor(const void *a, const void *b, void *arg)
{
	const struct mentor *x = a, *y = b;
	const graph_t *g = arg;

	if (x->top != y->top)
		return x->top > y->top ? -1 : 1;
	if (x->covered != y->covered)
		return x->covered > y->covered ? -1 : 1;
	return strcmp(g->emps[x->emp].id, g->emps[y->emp].id);
}

int query_mentors_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		      ProtobufCMessage *respm)
{
	const Pathways__V1__MentorsRequest *req = (const void *)reqm;
	Pathways__V1__MentorsResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	unsigned limit = req->limit ? req->limit : 5;
	unsigned min_level = g->settings.mentor_min_level;
	const struct graph_employee *learner;
	struct need needs[GRAPH_MAX_ROLE_REQS];
	unsigned needs_n = 0;
	struct mentor *m;
	size_t m_n = 0;
	uint32_t li;

	if (limit > QUERY_MAX_LIMIT)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
				  "limit %u is over %u", limit, QUERY_MAX_LIMIT);
	li = graph_find_employee(g, req->employee_id);
	if (li == GRAPH_NONE)
		return query_fail(ctx, QUERY_NOT_FOUND, "unknown employee \"%s\"",
				  req->employee_id);
	learner = &g->emps[li];
	if (req->target_case == PATHWAYS__V1__MENTORS_REQUEST__TARGET_ROLE_KEY) {
		uint32_t r = graph_find_role(g, req->role_key);
		const struct graph_role *role;

		if (r == GRAPH_NONE)
			return query_fail(ctx, QUERY_NOT_FOUND,
					  "unknown role \"%s\"", req->role_key);
		role = &g->roles[r];
		for (uint32_t i = 0; i < role->req_n; i++) {
			const struct graph_req *q = &g->reqs[role->req_off + i];

			if (graph_level_of(g, learner, q->comp, ctx->now, NULL) >=
			    q->level)
				continue;
			needs[needs_n++] = (struct need){ q->comp, q->level, 0 };
		}
	} else if (req->target_case ==
		   PATHWAYS__V1__MENTORS_REQUEST__TARGET_COMPETENCY_KEY) {
		uint32_t c = graph_find_comp(g, req->competency_key);
		unsigned cur;

		if (c == GRAPH_NONE)
			return query_fail(ctx, QUERY_NOT_FOUND,
					  "unknown competency \"%s\"",
					  req->competency_key);
		cur = graph_level_of(g, learner, c, ctx->now, NULL);
		needs[needs_n++] = (struct need){ c, cur + 1 > 5 ? 5 : cur + 1, 0 };
	} else {
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "set role_key or competency_key");
	}
	for (unsigned i = 0; i < needs_n; i++)
		needs[i].bar = needs[i].level > min_level ? needs[i].level : min_level;
	m = query_alloc(ctx, g->emps_n, sizeof(*m));
	if (!m)
		goto oom;
	for (uint32_t i = 0; i < g->emps_n && needs_n; i++) {
		const struct graph_employee *e = &g->emps[i];
		struct mentor cand = { i, 0, 0 };

		if (!e->active || i == li)
			continue;
		for (unsigned k = 0; k < needs_n; k++) {
			unsigned lv = graph_level_of(g, e, needs[k].comp, ctx->now, NULL);

			if (lv < needs[k].bar)
				continue;
			cand.covered++;
			if (lv > cand.top)
				cand.top = lv;
		}
		if (cand.covered)
			m[m_n++] = cand;
	}
	if (m_n > 1)
		qsort_r(m, m_n, sizeof(*m), cmp_mentor, (void *)g);
	if (m_n > limit)
		m_n = limit;
	resp->mentors = query_alloc(ctx, m_n ? m_n : 1, sizeof(*resp->mentors));
	if (!resp->mentors)
		goto oom;
	for (size_t i = 0; i < m_n; i++) {
		const struct graph_employee *e = &g->emps[m[i].emp];
		Pathways__V1__Mentor *out = query_alloc(ctx, 1, sizeof(*out));

		if (!out)
			goto oom;
		pathways__v1__mentor__init(out);
		out->employee_id = query_str(e->id);
		out->role_key = query_str(g->roles[e->role].key);
		out->covers = query_alloc(ctx, needs_n, sizeof(*out->covers));
		if (!out->covers)
			goto oom;
		for (unsigned k = 0; k < needs_n; k++) {
			unsigned lv = graph_level_of(g, e, needs[k].comp, ctx->now, NULL);
			Pathways__V1__CompetencyGain *gain;

			if (lv < needs[k].bar)
				continue;
			gain = query_alloc(ctx, 1, sizeof(*gain));
			if (!gain)
				goto oom;
			pathways__v1__competency_gain__init(gain);
			gain->competency_key = query_str(g->comps[needs[k].comp].key);
			gain->from_level = needs[k].level;
			gain->to_level = lv;
			out->covers[out->n_covers++] = gain;
		}
		resp->mentors[resp->n_mentors++] = out;
	}
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
