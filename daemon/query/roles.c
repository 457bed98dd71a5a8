#include "roles.h"

int query_roles_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		    ProtobufCMessage *respm)
{
	const Pathways__V1__ListRolesRequest *req = (const void *)reqm;
	Pathways__V1__ListRolesResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	uint32_t track = GRAPH_NONE, area = GRAPH_NONE;

	if (query_track_area(ctx, req->track, req->area, &track, &area))
		return -1;
	resp->roles = query_alloc(ctx, g->roles_n, sizeof(*resp->roles));
	if (!resp->roles)
		goto oom;
	for (uint32_t k = 0; k < g->roles_n; k++) {
		uint32_t ri = g->roles_by_key[k];
		const struct graph_role *r = &g->roles[ri];
		Pathways__V1__RoleInfo *info;

		if ((track != GRAPH_NONE && r->track != track) ||
		    (area != GRAPH_NONE && r->area != area) ||
		    (req->grade && r->grade != req->grade))
			continue;
		info = query_alloc(ctx, 1, sizeof(*info));
		if (!info)
			goto oom;
		pathways__v1__role_info__init(info);
		info->key = query_str(r->key);
		info->title = query_str(r->title);
		info->track = query_str(g->tracks[r->track].key);
		info->grade = r->grade;
		info->area = r->area == GRAPH_NONE ? query_str("")
						   : query_str(g->areas[r->area].key);
		info->pay_min = r->pay_min == r->pay_min ? r->pay_min : 0;
		info->pay_max = r->pay_max == r->pay_max ? r->pay_max : 0;
		info->requirements =
			query_alloc(ctx, r->req_n, sizeof(*info->requirements));
		if (!info->requirements)
			goto oom;
		for (uint32_t i = 0; i < r->req_n; i++) {
			const struct graph_req *q = &g->reqs[r->req_off + i];
			Pathways__V1__CompetencyGap *gap =
				query_alloc(ctx, 1, sizeof(*gap));

			if (!gap)
				goto oom;
			pathways__v1__competency_gap__init(gap);
			gap->competency_key = query_str(g->comps[q->comp].key);
			gap->required = q->level;
			gap->weight = q->weight;
			gap->must_have = q->must_have;
			info->requirements[info->n_requirements++] = gap;
		}
		resp->roles[resp->n_roles++] = info;
	}
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
