#include "placement.h"

#include <stdbool.h>
#include <string.h>

#include "readiness.h"

static bool meets_all(const graph_t *g, const struct graph_employee *e,
		      uint32_t role, int64_t now)
{
	const struct graph_role *r = &g->roles[role];

	for (uint32_t i = 0; i < r->req_n; i++)
		if (graph_level_of(g, e, g->reqs[r->req_off + i].comp, now, NULL) <
		    g->reqs[r->req_off + i].level)
			return false;
	return true;
}

int query_placement_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
			ProtobufCMessage *respm)
{
	const Pathways__V1__PlacementRequest *req = (const void *)reqm;
	Pathways__V1__PlacementResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	const struct graph_employee *e;
	uint32_t ei, area;
	uint32_t *tracks_by_key;

	ei = graph_find_employee(g, req->employee_id);
	if (ei == GRAPH_NONE)
		return query_fail(ctx, QUERY_NOT_FOUND, "unknown employee \"%s\"",
				  req->employee_id);
	e = &g->emps[ei];
	area = g->roles[e->role].area;
	resp->employee_id = query_str(e->id);
	resp->current_role = query_str(g->roles[e->role].key);
	resp->area = query_str(area == GRAPH_NONE ? "" : g->areas[area].key);
	resp->tracks = query_alloc(ctx, g->tracks_n ? g->tracks_n : 1,
				   sizeof(*resp->tracks));
	tracks_by_key = query_alloc(ctx, g->tracks_n ? g->tracks_n : 1,
				    sizeof(*tracks_by_key));
	if (!resp->tracks || !tracks_by_key)
		goto oom;
	/* tracks by key: a tiny insertion sort */
	for (uint32_t t = 0; t < g->tracks_n; t++) {
		uint32_t k = t;

		while (k > 0 && strcmp(g->tracks[tracks_by_key[k - 1]].key,
				       g->tracks[t].key) > 0) {
			tracks_by_key[k] = tracks_by_key[k - 1];
			k--;
		}
		tracks_by_key[k] = t;
	}
	for (uint32_t ti = 0; ti < g->tracks_n; ti++) {
		uint32_t t = tracks_by_key[ti];
		uint32_t best = 0, next_grade = UINT32_MAX, next = GRAPH_NONE;
		double next_ready = -1;
		bool any = false;
		Pathways__V1__TrackPlacement *tp;

		for (uint32_t r = 0; r < g->roles_n; r++) {
			if (g->roles[r].track != t || g->roles[r].area != area)
				continue;
			any = true;
			if (g->roles[r].grade > best && meets_all(g, e, r, ctx->now))
				best = g->roles[r].grade;
		}
		if (!any)
			continue;
		tp = query_alloc(ctx, 1, sizeof(*tp));
		if (!tp)
			goto oom;
		pathways__v1__track_placement__init(tp);
		tp->track = query_str(g->tracks[t].key);
		tp->grade = best;
		tp->roles = query_alloc(ctx, g->roles_n, sizeof(*tp->roles));
		if (!tp->roles)
			goto oom;
		for (uint32_t k = 0; k < g->roles_n; k++) {
			uint32_t r = g->roles_by_key[k];
			const struct graph_role *role = &g->roles[r];

			if (role->track != t || role->area != area)
				continue;
			if (best && role->grade == best && meets_all(g, e, r, ctx->now))
				tp->roles[tp->n_roles++] = query_str(role->key);
			if (role->grade > best && role->grade < next_grade)
				next_grade = role->grade;
		}
		/* the next grade's best-fitting role (ties by key) */
		for (uint32_t k = 0; k < g->roles_n && next_grade != UINT32_MAX; k++) {
			uint32_t r = g->roles_by_key[k];
			struct query_readiness_score sc;

			if (g->roles[r].track != t || g->roles[r].area != area ||
			    g->roles[r].grade != next_grade)
				continue;
			query_readiness_score(g, e, r, ctx->now, &sc);
			if (sc.readiness > next_ready) {
				next_ready = sc.readiness;
				next = r;
			}
		}
		if (next != GRAPH_NONE) {
			tp->next_role = query_str(g->roles[next].key);
			tp->next_readiness = query_round1(next_ready);
		}
		resp->tracks[resp->n_tracks++] = tp;
	}
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
