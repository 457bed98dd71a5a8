#include "audit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readiness.h"

struct findings {
	struct query_ctx *ctx;
	Pathways__V1__Finding **v;
	size_t n, cap;
};

static int add(struct findings *f, const char *kind, const char *subject,
	       const char *detail)
{
	Pathways__V1__Finding *x;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		Pathways__V1__Finding **nv = query_alloc(f->ctx, cap, sizeof(*nv));

		if (!nv)
			return -1;
		if (f->n)
			memcpy(nv, f->v, f->n * sizeof(*nv));
		f->v = nv;
		f->cap = cap;
	}
	x = query_alloc(f->ctx, 1, sizeof(*x));
	if (!x)
		return -1;
	pathways__v1__finding__init(x);
	if (!subject || !detail)
		return -1;
	x->kind = query_str(kind);
	x->subject = query_str(subject);
	x->detail = query_str(detail);
	f->v[f->n++] = x;
	return 0;
}

static int cmp_finding(const void *a, const void *b)
{
	const Pathways__V1__Finding *x = *(Pathways__V1__Finding *const *)a;
	const Pathways__V1__Finding *y = *(Pathways__V1__Finding *const *)b;
	int c = strcmp(x->kind, y->kind);

	if (!c)
		c = strcmp(x->subject, y->subject);
	if (!c)
		c = strcmp(x->detail, y->detail);
	return c;
}

/* lowest and highest grade present in role r's track and area */
static void grade_range(const graph_t *g, uint32_t r, uint32_t *lo, uint32_t *hi)
{
	*lo = UINT32_MAX;
	*hi = 0;
	for (uint32_t i = 0; i < g->roles_n; i++) {
		if (g->roles[i].track != g->roles[r].track ||
		    g->roles[i].area != g->roles[r].area)
			continue;
		if (g->roles[i].grade < *lo)
			*lo = g->roles[i].grade;
		if (g->roles[i].grade > *hi)
			*hi = g->roles[i].grade;
	}
}

static const char *area_key(const graph_t *g, uint32_t a)
{
	return a == GRAPH_NONE ? "" : g->areas[a].key;
}

static int cmp_module_key(const void *a, const void *b, void *arg)
{
	const graph_t *g = arg;

	return strcmp(g->modules[*(const uint32_t *)a].key,
		      g->modules[*(const uint32_t *)b].key);
}

int query_audit_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		    ProtobufCMessage *respm)
{
	Pathways__V1__AuditResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	struct findings f = { .ctx = ctx };
	uint8_t *seen = query_alloc(ctx, g->roles_n, 1);
	uint32_t *queue = query_alloc(ctx, g->roles_n, sizeof(*queue));
	uint32_t *lo = query_alloc(ctx, g->roles_n, sizeof(*lo));
	uint32_t *hi = query_alloc(ctx, g->roles_n, sizeof(*hi));
	uint8_t *req_count = query_alloc(ctx, g->comps_n, 1);
	uint32_t qh = 0, qt = 0;
	char *subject, *detail;

	(void)reqm;
	if (!seen || !queue || !lo || !hi || !req_count)
		goto oom;
	for (uint32_t r = 0; r < g->roles_n; r++)
		grade_range(g, r, &lo[r], &hi[r]);

	/* reachability from the entry roles, over every move */
	for (uint32_t r = 0; r < g->roles_n; r++)
		if (g->roles[r].grade == lo[r]) {
			seen[r] = 1;
			queue[qt++] = r;
		}
	while (qh < qt) {
		const struct graph_role *r = &g->roles[queue[qh++]];

		for (uint32_t k = 0; k < r->move_n; k++) {
			uint32_t to = g->moves[r->move_off + k].to;

			if (!seen[to]) {
				seen[to] = 1;
				queue[qt++] = to;
			}
		}
	}

	for (uint32_t k = 0; k < g->roles_n; k++) {
		uint32_t ri = g->roles_by_key[k];
		const struct graph_role *r = &g->roles[ri];

		if (r->req_n < 5 || r->req_n > 8) {
			detail = query_printf(ctx, "%u requirements; a role should have 5 to 8", r->req_n);
			if (add(&f, "requirement_count", r->key, detail))
				goto oom;
		}
		if (!seen[ri]) {
			detail = query_printf(ctx, "no move leads here from an entry role (grade %u) of track %s, area %s",
				 lo[ri], g->tracks[r->track].key, area_key(g, r->area));
			if (add(&f, "unreachable_role", r->key, detail))
				goto oom;
		}
		if (r->move_n == 0 && r->grade < hi[ri]) {
			detail = query_printf(ctx, "no move out of grade %u; the top of track %s, area %s is grade %u",
				 r->grade, g->tracks[r->track].key, area_key(g, r->area),
				 hi[ri]);
			if (add(&f, "dead_end", r->key, detail))
				goto oom;
		}
		for (uint32_t m = 0; m < r->move_n; m++) {
			const struct graph_move *mv = &g->moves[r->move_off + m];
			const struct graph_role *to = &g->roles[mv->to];

			if (mv->kind != GRAPH_MOVE_PROMOTION)
				continue;
			for (uint32_t q = 0; q < to->req_n; q++) {
				const struct graph_req *tq = &g->reqs[to->req_off + q];
				unsigned from = graph_required_level(g, ri, tq->comp);

				if (!from || tq->level >= from)
					continue;
				subject = query_printf(ctx, "%s->%s", r->key, to->key);
				detail = query_printf(ctx, "%s: required %u at %s, only %u after the promotion",
					 g->comps[tq->comp].key, from, r->key, tq->level);
				if (add(&f, "requirement_regression", subject, detail))
					goto oom;
			}
		}
	}

	/* the dual ladder, per area: grades and pay bands across tracks */
	for (uint32_t i = 0; i < g->roles_n; i++) {
		const struct graph_role *ic = &g->roles[i];

		if (g->tracks[ic->track].kind != GRAPH_TRACK_IC)
			continue;
		for (uint32_t j = 0; j < g->roles_n; j++) {
			const struct graph_role *mg = &g->roles[j];

			if (g->tracks[mg->track].kind != GRAPH_TRACK_MANAGEMENT ||
			    mg->area != ic->area || mg->grade != ic->grade ||
			    isnan(ic->pay_min) || isnan(ic->pay_max) ||
			    isnan(mg->pay_min) || isnan(mg->pay_max))
				continue;
			if (ic->pay_min <= mg->pay_max && mg->pay_min <= ic->pay_max)
				continue;
			subject = query_printf(ctx, "%s/%s", ic->key, mg->key);
			detail = query_printf(ctx, "grade %u pay bands do not overlap: %g-%g and %g-%g",
				 ic->grade, ic->pay_min, ic->pay_max, mg->pay_min,
				 mg->pay_max);
			if (add(&f, "pay_band_misaligned", subject, detail))
				goto oom;
		}
	}
	for (uint32_t a = 0; a <= g->areas_n; a++) {
		uint32_t area = a == g->areas_n ? GRAPH_NONE : a;
		bool has_ic = false, has_mgmt = false;

		for (uint32_t i = 0; i < g->roles_n; i++) {
			if (g->roles[i].area != area)
				continue;
			has_ic |= g->tracks[g->roles[i].track].kind == GRAPH_TRACK_IC;
			has_mgmt |= g->tracks[g->roles[i].track].kind ==
				    GRAPH_TRACK_MANAGEMENT;
		}
		if (!has_ic || !has_mgmt)
			continue;
		for (uint32_t i = 0; i < g->roles_n; i++) {
			const struct graph_role *mg = &g->roles[i];
			bool on_ic = false, dup = false;

			if (mg->area != area ||
			    g->tracks[mg->track].kind != GRAPH_TRACK_MANAGEMENT)
				continue;
			for (uint32_t j = 0; j < g->roles_n; j++) {
				const struct graph_role *o = &g->roles[j];

				if (o->area != area || o->grade != mg->grade)
					continue;
				on_ic |= g->tracks[o->track].kind == GRAPH_TRACK_IC;
				/* one finding per grade: the first such role */
				dup |= j < i && g->tracks[o->track].kind ==
							GRAPH_TRACK_MANAGEMENT;
			}
			if (on_ic || dup)
				continue;
			subject = query_printf(ctx, "%s:%u", area_key(g, area),
				 mg->grade);
			detail = query_printf(ctx, "grade %u is on the management ladder (%s) but not on the IC ladder",
				 mg->grade, mg->key);
			if (add(&f, "ladder_parity", subject, detail))
				goto oom;
		}
	}

	/* competencies nothing teaches */
	for (uint32_t i = 0; i < g->reqs_n; i++)
		req_count[g->reqs[i].comp] = 1;
	for (uint32_t c = 0; c < g->comps_n; c++) {
		if (!req_count[c] || g->comps[c].teach_n)
			continue;
		if (add(&f, "untaught_competency", g->comps[c].key,
			"required by a role, developed by no module outcome"))
			goto oom;
	}

	/* prerequisite cycles: one finding per strongly connected group */
	{
		uint32_t *members = query_alloc(ctx, g->modules_n ? g->modules_n : 1,
						sizeof(*members));
		uint8_t *done = query_alloc(ctx, g->modules_n ? g->modules_n : 1, 1);

		if (!members || !done)
			goto oom;
		for (uint32_t m = 0; m < g->modules_n; m++) {
			uint32_t n = 0;
			size_t len = 0;

			if (!g->modules[m].on_cycle || done[m])
				continue;
			for (uint32_t k = m; k < g->modules_n; k++)
				if (g->modules[k].scc == g->modules[m].scc) {
					members[n++] = k;
					done[k] = 1;
				}
			if (n > 1)
				qsort_r(members, n, sizeof(*members),
					cmp_module_key, (void *)g);
			for (uint32_t k = 0; k < n; k++)
				len += strlen(g->modules[members[k]].key) + 1;
			subject = query_alloc(ctx, len + 1, 1);
			if (!subject)
				goto oom;
			for (uint32_t k = 0, at = 0; k < n; k++)
				at += (uint32_t)snprintf(subject + at, len + 1 - at, "%s%s",
							 k ? "," : "",
							 g->modules[members[k]].key);
			detail = query_printf(ctx,
				 "%u modules require each other: none can be taken", n);
			if (add(&f, "prerequisite_cycle", subject, detail))
				goto oom;
		}
	}
	if (f.n)
		graph_sort(f.v, f.n, sizeof(*f.v), cmp_finding);
	resp->findings = f.v;
	resp->n_findings = f.n;
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
