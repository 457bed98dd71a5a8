#include "modules.h"

#include <math.h>
#include <string.h>

/* Planning state; module state bits live in one byte per module. */
enum { M_DONE = 1, M_PICKED = 2, M_SEEN = 4, M_BLOCKED = 8 };

struct plan_state {
	struct query_ctx *ctx;
	const graph_t *g;
	uint8_t *mstate;		/* per module */
	int32_t *need_of;		/* per competency: need index or -1 */
	struct query_modules_plan *p;
	uint32_t *set;			/* a module and its missing prereqs */
	uint32_t set_n;
};

/* Collects m's missing prerequisites (transitively, not completed, not
 * picked) into st->set, m last; false when one of them can never be taken
 * (on a prerequisite cycle). */
static bool collect(struct plan_state *st, uint32_t m)
{
	const graph_t *g = st->g;
	const struct graph_module *mod = &g->modules[m];

	if (st->mstate[m] & (M_DONE | M_PICKED | M_SEEN))
		return true;
	if (mod->on_cycle)
		return false;
	st->mstate[m] |= M_SEEN;
	for (uint32_t i = 0; i < mod->pre_n; i++)
		if (!collect(st, g->prereqs[mod->pre_off + i]))
			return false;
	st->set[st->set_n++] = m;
	return true;
}

static void clear_seen(struct plan_state *st)
{
	for (uint32_t i = 0; i < st->set_n; i++)
		st->mstate[st->set[i]] &= (uint8_t)~M_SEEN;
}

/* value of module m's own outcomes at the simulated levels */
static double module_value(const struct plan_state *st, uint32_t m)
{
	const graph_t *g = st->g;
	const struct graph_module *mod = &g->modules[m];
	double v = 0;

	for (uint32_t i = 0; i < mod->out_n; i++) {
		const struct graph_outcome *o = &g->outcomes[mod->out_off + i];
		int32_t n = st->need_of[o->comp];
		const struct query_modules_need *need;

		if (n < 0)
			continue;
		need = &st->p->needs[n];
		if (need->current >= o->entry_level && need->current < o->level &&
		    need->current < need->required) {
			unsigned to = o->level < need->required ? o->level
								: need->required;

			v += need->weight * (double)(to - need->current);
		}
	}
	return v;
}

static double set_hours(const struct plan_state *st)
{
	double h = 0;

	for (uint32_t i = 0; i < st->set_n; i++)
		h += st->g->modules[st->set[i]].hours;
	return h;
}

/* Orders st->set: prerequisite before dependant, ties by module key. The
 * chosen module itself is last in the set as collected; a plain Kahn pass
 * over this small set keeps it after everything it needs. */
static void order_set(struct plan_state *st, uint32_t *out)
{
	const graph_t *g = st->g;
	uint32_t n = st->set_n, emitted = 0;

	while (emitted < n) {
		uint32_t best = UINT32_MAX;

		for (uint32_t i = 0; i < n; i++) {
			uint32_t m = st->set[i];
			const struct graph_module *mod = &g->modules[m];
			bool ready = !(st->mstate[m] & M_PICKED);

			for (uint32_t j = 0; ready && j < mod->pre_n; j++) {
				uint32_t p = g->prereqs[mod->pre_off + j];

				if (!(st->mstate[p] & (M_DONE | M_PICKED)))
					ready = false;
			}
			if (ready && (best == UINT32_MAX ||
				      strcmp(mod->key, g->modules[best].key) < 0)) {
				best = m;
			}
		}
		if (best == UINT32_MAX)
			break;	/* cannot happen: the set is acyclic */
		st->mstate[best] |= M_PICKED;
		out[emitted++] = best;
	}
}

static void apply_module(struct plan_state *st, uint32_t m)
{
	const graph_t *g = st->g;
	const struct graph_module *mod = &g->modules[m];

	for (uint32_t i = 0; i < mod->out_n; i++) {
		const struct graph_outcome *o = &g->outcomes[mod->out_off + i];
		int32_t n = st->need_of[o->comp];

		if (n < 0)
			continue;
		struct query_modules_need *need = &st->p->needs[n];

		if (need->current >= o->entry_level && need->current < o->level)
			need->current = o->level;
	}
}

int query_modules_plan(struct query_ctx *ctx, const struct graph_employee *e,
		       uint32_t role, double max_hours, uint32_t max_modules,
		       struct query_modules_plan *out)
{
	const graph_t *g = ctx->g;
	const struct graph_role *r = &g->roles[role];
	struct query_modules_plan *p = out;
	struct plan_state st = { .ctx = ctx, .g = g, .p = p };
	uint32_t *cands, cands_n = 0, *order;
	double total = 0;

	memset(p, 0, sizeof(*p));
	p->needs = query_alloc(ctx, r->req_n, sizeof(*p->needs));
	st.mstate = query_alloc(ctx, g->modules_n, 1);
	st.need_of = query_alloc(ctx, g->comps_n, sizeof(*st.need_of));
	st.set = query_alloc(ctx, g->modules_n, sizeof(*st.set));
	order = query_alloc(ctx, g->modules_n, sizeof(*order));
	p->steps = query_alloc(ctx, g->modules_n, sizeof(*p->steps));
	cands = query_alloc(ctx, g->modules_n, sizeof(*cands));
	if (ctx->oom)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
	memset(st.need_of, 0xff, (size_t)g->comps_n * sizeof(*st.need_of));
	for (uint32_t i = 0; i < r->req_n; i++) {
		const struct graph_req *q = &g->reqs[r->req_off + i];
		bool stale;
		unsigned cur = graph_level_of(g, e, q->comp, ctx->now, &stale);

		if (cur >= q->level)
			continue;
		st.need_of[q->comp] = (int32_t)p->needs_n;
		p->needs[p->needs_n++] = (struct query_modules_need){
			.comp = q->comp, .required = q->level,
			.current = (uint8_t)cur, .start = (uint8_t)cur,
			.must_have = q->must_have, .stale = stale,
			.weight = q->weight };
		/* candidates: the modules teaching a needed competency */
		for (uint32_t k = 0; k < g->comps[q->comp].teach_n; k++) {
			uint32_t m = g->teachers[g->comps[q->comp].teach_off + k];

			if (!(st.mstate[m] & M_SEEN)) {
				st.mstate[m] |= M_SEEN;
				cands[cands_n++] = m;
			}
		}
	}
	for (uint32_t i = 0; i < cands_n; i++)
		st.mstate[cands[i]] &= (uint8_t)~M_SEEN;
	for (uint32_t i = 0; i < e->completed_n; i++)
		st.mstate[e->completed[i]] |= M_DONE;

	for (;;) {
		uint32_t best = UINT32_MAX;
		double best_ratio = 0;

		for (uint32_t i = 0; i < cands_n; i++) {
			uint32_t m = cands[i];
			double v, cost, ratio;

			if (st.mstate[m] & (M_DONE | M_PICKED | M_BLOCKED))
				continue;
			v = module_value(&st, m);
			if (v <= 0)
				continue;
			st.set_n = 0;
			if (!collect(&st, m)) {
				clear_seen(&st);
				st.mstate[m] |= M_BLOCKED;
				continue;
			}
			clear_seen(&st);
			cost = set_hours(&st);
			if ((max_hours > 0 && total + cost > max_hours) ||
			    (max_modules > 0 &&
			     p->steps_n + st.set_n > max_modules))
				continue;	/* passed over; try the next best */
			ratio = cost > 0 ? v / cost : INFINITY;
			if (best == UINT32_MAX || ratio > best_ratio ||
			    (ratio == best_ratio &&
			     strcmp(g->modules[m].key, g->modules[best].key) < 0)) {
				best = m;
				best_ratio = ratio;
			}
		}
		if (best == UINT32_MAX)
			break;
		st.set_n = 0;
		collect(&st, best);
		clear_seen(&st);
		order_set(&st, order);
		for (uint32_t i = 0; i < st.set_n; i++) {
			uint32_t m = order[i];

			total += g->modules[m].hours;
			apply_module(&st, m);
			p->steps[p->steps_n++] = (struct query_modules_step){
				.module = m, .prerequisite = m != best,
				.cumulative_hours = total };
		}
	}
	p->total_hours = total;
	for (uint32_t i = 0; i < p->needs_n; i++)
		if (p->needs[i].current < p->needs[i].required)
			p->uncovered_n++;
	return 0;
}

static Pathways__V1__CompetencyGap *need_gap(struct query_ctx *ctx,
					      const struct query_modules_need *n)
{
	Pathways__V1__CompetencyGap *gap = query_alloc(ctx, 1, sizeof(*gap));

	if (!gap)
		return NULL;
	pathways__v1__competency_gap__init(gap);
	gap->competency_key = query_str(ctx->g->comps[n->comp].key);
	gap->required = n->required;
	gap->current = n->current;
	gap->deficit = n->required > n->current ? n->required - n->current : 0;
	gap->weight = n->weight;
	gap->must_have = n->must_have;
	gap->met = n->current >= n->required;
	gap->stale = n->stale;
	return gap;
}

/* The needs of plan p still unmet, as CompetencyGaps. */
int query_modules_uncovered(struct query_ctx *ctx,
			    const struct query_modules_plan *p,
			    Pathways__V1__CompetencyGap ***out, size_t *n_out)
{
	Pathways__V1__CompetencyGap **v =
		query_alloc(ctx, p->uncovered_n, sizeof(*v));
	size_t k = 0;

	if (!v)
		return -1;
	for (uint32_t i = 0; i < p->needs_n; i++) {
		if (p->needs[i].current >= p->needs[i].required)
			continue;
		v[k] = need_gap(ctx, &p->needs[i]);
		if (!v[k++])
			return -1;
	}
	*out = v;
	*n_out = k;
	return 0;
}

int query_modules_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		      ProtobufCMessage *respm)
{
	const Pathways__V1__RecommendModulesRequest *req = (const void *)reqm;
	Pathways__V1__RecommendModulesResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	struct query_modules_plan p;
	uint32_t e, r;
	uint8_t *levels;

	if (!isfinite(req->max_hours) || req->max_hours < 0)
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "max_hours must be a finite number >= 0");
	e = graph_find_employee(g, req->employee_id);
	if (e == GRAPH_NONE)
		return query_fail(ctx, QUERY_NOT_FOUND, "unknown employee \"%s\"",
				  req->employee_id);
	r = graph_find_role(g, req->role_key);
	if (r == GRAPH_NONE)
		return query_fail(ctx, QUERY_NOT_FOUND, "unknown role \"%s\"",
				  req->role_key);
	if (query_modules_plan(ctx, &g->emps[e], r, req->max_hours,
			       req->max_modules, &p))
		return -1;
	resp->modules = query_alloc(ctx, p.steps_n, sizeof(*resp->modules));
	/* replay the levels to tell what each step advanced */
	levels = query_alloc(ctx, p.needs_n ? p.needs_n : 1, 1);
	if (!resp->modules || !levels)
		goto oom;
	for (uint32_t i = 0; i < p.needs_n; i++)
		levels[i] = p.needs[i].start;
	for (uint32_t s = 0; s < p.steps_n; s++) {
		const struct graph_module *mod = &g->modules[p.steps[s].module];
		Pathways__V1__ModuleStep *ms = query_alloc(ctx, 1, sizeof(*ms));

		if (!ms)
			goto oom;
		pathways__v1__module_step__init(ms);
		ms->module_key = query_str(mod->key);
		ms->title = query_str(mod->title);
		ms->lms_ref = query_str(mod->lms_ref);
		ms->hours = mod->hours;
		ms->cumulative_hours = p.steps[s].cumulative_hours;
		ms->prerequisite = p.steps[s].prerequisite;
		ms->closes = query_alloc(ctx, mod->out_n ? mod->out_n : 1,
					 sizeof(*ms->closes));
		if (!ms->closes)
			goto oom;
		for (uint32_t i = 0; i < mod->out_n; i++) {
			const struct graph_outcome *o =
				&g->outcomes[mod->out_off + i];
			Pathways__V1__CompetencyGain *gain;
			uint32_t n;

			for (n = 0; n < p.needs_n; n++)
				if (p.needs[n].comp == o->comp)
					break;
			if (n == p.needs_n || levels[n] < o->entry_level ||
			    levels[n] >= o->level ||
			    levels[n] >= p.needs[n].required)
				continue;
			gain = query_alloc(ctx, 1, sizeof(*gain));
			if (!gain)
				goto oom;
			pathways__v1__competency_gain__init(gain);
			gain->competency_key = query_str(g->comps[o->comp].key);
			gain->from_level = levels[n];
			gain->to_level = o->level;
			levels[n] = o->level;
			ms->closes[ms->n_closes++] = gain;
		}
		resp->modules[resp->n_modules++] = ms;
	}
	if (query_modules_uncovered(ctx, &p, &resp->uncovered,
				    &resp->n_uncovered))
		goto oom;
	resp->total_hours = p.total_hours;
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
