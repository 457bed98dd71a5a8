/* Finishing a builder into a snapshot: arrays grouped by owner and sorted
 * by key, inferred moves and their costs, modules' prerequisite cycles,
 * each employee's current levels and history (graph.h,
 * graph_builder_finish). */
#include "graph_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The comparators that order by key take the snapshot being finished as
 * qsort_r()'s context. */

static int cmp_req(const void *a, const void *b, void *ctx)
{
	const graph_t *g = ctx;
	const struct graph_req *x = a, *y = b;

	return strcmp(g->comps[x->comp].key, g->comps[y->comp].key);
}

static int cmp_move_from_to(const void *a, const void *b, void *ctx)
{
	const graph_t *g = ctx;
	const struct b_move *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return strcmp(g->roles[x->to].key, g->roles[y->to].key);
}

static int cmp_role_key(const void *a, const void *b, void *ctx)
{
	const graph_t *g = ctx;
	return strcmp(g->roles[*(const uint32_t *)a].key,
		      g->roles[*(const uint32_t *)b].key);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_level(const void *a, const void *b)
{
	const struct graph_level *x = a, *y = b;

	if (x->comp != y->comp)
		return x->comp < y->comp ? -1 : 1;
	/* latest first; ties on assessed_at: the higher level first */
	if (x->assessed_at != y->assessed_at)
		return x->assessed_at > y->assessed_at ? -1 : 1;
	return (int)y->level - (int)x->level;
}

/* An employee has a few dozen levels: insertion sort beats qsort's
 * indirect calls by far, and this runs once per employee per load. */
static void sort_levels(struct graph_level *l, uint32_t n)
{
	if (n > 64) {
		graph_sort(l, n, sizeof(*l), cmp_level);
		return;
	}
	for (uint32_t i = 1; i < n; i++) {
		struct graph_level x = l[i];
		uint32_t j = i;

		while (j > 0 && cmp_level(&l[j - 1], &x) > 0) {
			l[j] = l[j - 1];
			j--;
		}
		l[j] = x;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* roles ordered by (track, area, grade): promotions go to the next grade
 * present in a role's group */
static int cmp_role_group(const void *a, const void *b, void *ctx)
{
	const graph_t *g = ctx;
	const struct graph_role *x = &g->roles[*(const uint32_t *)a];
	const struct graph_role *y = &g->roles[*(const uint32_t *)b];

	if (x->track != y->track)
		return x->track < y->track ? -1 : 1;
	if (x->area != y->area)
		return x->area < y->area ? -1 : 1;
	if (x->grade != y->grade)
		return x->grade < y->grade ? -1 : 1;
	return cmp_u32(a, b);
}

static int push_inferred(graph_builder_t *b, const uint64_t *pairs,
			 size_t pairs_n, uint32_t from, uint32_t to,
			 enum graph_move_kind kind)
{
	struct b_move m = { .from = from, .to = to, .kind = (uint8_t)kind,
			    .inferred = true,
			    .months = b->settings.inferred_move_months };
	uint64_t key = (uint64_t)from << 32 | to;

	if (bsearch(&key, pairs, pairs_n, sizeof(*pairs), cmp_u64))
		return 0;	/* explicit rows win */
	return ARRAY_PUSH(b->moves, m);
}

/* Adds inferred moves (docs/scoring.md, paths) to b->moves. */
static int infer_moves(graph_builder_t *b, const graph_t *g)
{
	const struct settings *s = &b->settings;
	size_t pairs_n = b->moves.n;
	uint64_t *pairs = NULL;
	uint32_t *order = NULL;
	int rc = -ENOMEM;

	if (!s->infer_promotions && !s->infer_lateral)
		return 0;
	pairs = graph_xcalloc(pairs_n, sizeof(*pairs));
	order = graph_xcalloc(g->roles_n, sizeof(*order));
	if (!pairs || !order)
		goto out;
	for (size_t i = 0; i < pairs_n; i++)
		pairs[i] = (uint64_t)b->moves.v[i].from << 32 | b->moves.v[i].to;
	graph_sort(pairs, pairs_n, sizeof(*pairs), cmp_u64);
	for (uint32_t i = 0; i < g->roles_n; i++)
		order[i] = i;
	graph_sort_r(order, g->roles_n, sizeof(*order), cmp_role_group,
		     (void *)g);
	rc = 0;
	for (uint32_t i = 0; s->infer_promotions && i < g->roles_n && !rc; i++) {
		const struct graph_role *r = &g->roles[order[i]];
		uint32_t j = i + 1, next;

		while (j < g->roles_n && g->roles[order[j]].grade == r->grade &&
		       g->roles[order[j]].track == r->track &&
		       g->roles[order[j]].area == r->area)
			j++;
		if (j == g->roles_n || g->roles[order[j]].track != r->track ||
		    g->roles[order[j]].area != r->area)
			continue;
		next = g->roles[order[j]].grade;
		for (; j < g->roles_n && !rc; j++) {
			const struct graph_role *t = &g->roles[order[j]];

			if (t->track != r->track || t->area != r->area ||
			    t->grade != next)
				break;
			rc = push_inferred(b, pairs, pairs_n, order[i],
					   order[j], GRAPH_MOVE_PROMOTION);
		}
	}
	/* Same-grade moves are quadratic in the roles of one grade, which is
	 * what they are: every such pair is a move. */
	for (uint32_t f = 0; s->infer_lateral && f < g->roles_n && !rc; f++) {
		const struct graph_role *r = &g->roles[f];

		for (uint32_t t = 0; t < g->roles_n && !rc; t++) {
			const struct graph_role *o = &g->roles[t];

			if (t == f || o->grade != r->grade)
				continue;
			if (o->track != r->track && o->area == r->area)
				rc = push_inferred(b, pairs, pairs_n, f, t,
						   GRAPH_MOVE_TRACK_SWITCH);
			else if (o->track == r->track && o->area != r->area)
				rc = push_inferred(b, pairs, pairs_n, f, t,
						   GRAPH_MOVE_LATERAL);
		}
	}
out:
	free(pairs);
	free(order);
	return rc;
}

/* Groups n items by an owner index < owners (counting sort): fills
 * off[owners+1] and perm (item indexes, grouped, stable). */
static int group_by(size_t n, uint32_t owners,
		    uint32_t (*owner)(const void *items, size_t i),
		    const void *items, uint32_t **off_out, uint32_t **perm_out)
{
	uint32_t *off = graph_xcalloc((size_t)owners + 1, sizeof(*off));
	uint32_t *perm = graph_xcalloc(n, sizeof(*perm));
	uint32_t *pos = graph_xcalloc((size_t)owners + 1, sizeof(*pos));

	if (!off || !perm || !pos || n >= UINT32_MAX) {
		free(off);
		free(perm);
		free(pos);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		off[owner(items, i) + 1]++;
	for (uint32_t o = 0; o < owners; o++)
		off[o + 1] += off[o];
	memcpy(pos, off, ((size_t)owners + 1) * sizeof(*pos));
	for (size_t i = 0; i < n; i++)
		perm[pos[owner(items, i)]++] = (uint32_t)i;
	free(pos);
	*off_out = off;
	*perm_out = perm;
	return 0;
}

static uint32_t req_owner(const void *v, size_t i)
{
	return ((const struct b_req *)v)[i].role;
}

static uint32_t move_owner(const void *v, size_t i)
{
	return ((const struct b_move *)v)[i].from;
}

static uint32_t outcome_owner(const void *v, size_t i)
{
	return ((const struct b_outcome *)v)[i].module;
}

static uint32_t pair_owner(const void *v, size_t i)
{
	return ((const struct b_pair *)v)[i].a;
}

static uint32_t attr_owner(const void *v, size_t i)
{
	return ((const struct b_attr *)v)[i].emp;
}

static uint32_t assess_owner(const void *v, size_t i)
{
	return ((const struct b_assess *)v)[i].emp;
}

static int cmp_module_key(const void *a, const void *b, void *ctx)
{
	const graph_t *g = ctx;
	return strcmp(g->modules[*(const uint32_t *)a].key,
		      g->modules[*(const uint32_t *)b].key);
}

/* Tarjan's strongly connected components over the prerequisite edges,
 * iteratively (a long chain must not overflow the stack). */
static int module_sccs(graph_t *g)
{
	uint32_t n = g->modules_n, counter = 0, scc_n = 0, sp = 0, cs = 0;
	uint32_t *index = graph_xcalloc(n, sizeof(*index));
	uint32_t *low = graph_xcalloc(n, sizeof(*low));
	uint32_t *stack = graph_xcalloc(n, sizeof(*stack));
	uint32_t *call = graph_xcalloc(n, sizeof(*call));	/* DFS call stack */
	uint32_t *edge = graph_xcalloc(n, sizeof(*edge));	/* next edge per node */
	bool *on = graph_xcalloc(n, sizeof(*on));
	int rc = -ENOMEM;

	if (!index || !low || !stack || !call || !edge || !on)
		goto out;
	for (uint32_t root = 0; root < n; root++) {
		if (index[root])
			continue;
		call[cs++] = root;
		index[root] = low[root] = ++counter;
		stack[sp++] = root;
		on[root] = true;
		while (cs) {
			uint32_t v = call[cs - 1];
			const struct graph_module *m = &g->modules[v];

			if (edge[v] < m->pre_n) {
				uint32_t w = g->prereqs[m->pre_off + edge[v]++];

				if (!index[w]) {
					index[w] = low[w] = ++counter;
					stack[sp++] = w;
					on[w] = true;
					call[cs++] = w;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			cs--;
			if (cs && low[v] < low[call[cs - 1]])
				low[call[cs - 1]] = low[v];
			if (low[v] == index[v]) {
				uint32_t w, size = 0, first = sp;

				do {
					w = stack[--first];
					size++;
				} while (w != v);
				for (uint32_t i = first; i < sp; i++) {
					on[stack[i]] = false;
					g->modules[stack[i]].scc = scc_n;
					g->modules[stack[i]].on_cycle = size > 1;
				}
				sp = first;
				scc_n++;
			}
		}
	}
	rc = 0;
out:
	free(index);
	free(low);
	free(stack);
	free(call);
	free(edge);
	free(on);
	return rc;
}

/* per competency, the modules teaching it (by key); modules by key */
static int finish_modules(graph_t *g)
{
	uint32_t *cnt = graph_xcalloc((size_t)g->comps_n + 1, sizeof(*cnt));
	int rc = -ENOMEM;

	g->teachers = graph_xcalloc(g->outcomes_n, sizeof(*g->teachers));
	g->modules_by_key = graph_xcalloc(g->modules_n, sizeof(*g->modules_by_key));
	if (!cnt || !g->teachers || !g->modules_by_key)
		goto out;
	for (uint32_t i = 0; i < g->modules_n; i++)
		g->modules_by_key[i] = i;
	graph_sort_r(g->modules_by_key, g->modules_n, sizeof(uint32_t),
		     cmp_module_key, g);
	for (uint32_t i = 0; i < g->outcomes_n; i++)
		cnt[g->outcomes[i].comp + 1]++;
	for (uint32_t c = 0; c < g->comps_n; c++) {
		g->comps[c].teach_off = cnt[c];
		cnt[c + 1] += cnt[c];
	}
	for (uint32_t k = 0; k < g->modules_n; k++) {
		uint32_t m = g->modules_by_key[k];
		const struct graph_module *mod = &g->modules[m];

		for (uint32_t i = 0; i < mod->out_n; i++) {
			uint32_t c = g->outcomes[mod->out_off + i].comp;

			g->teachers[g->comps[c].teach_off + g->comps[c].teach_n++] = m;
		}
	}
	rc = module_sccs(g);
out:
	free(cnt);
	return rc;
}

static int finish_framework(graph_builder_t *b, struct graph_priv *p)
{
	graph_t *g = &p->pub;
	const char *A = p->arena;
	uint32_t *off = NULL, *perm = NULL;
	int rc = -ENOMEM;

	g->tracks_n = (uint32_t)b->tracks.n;
	g->areas_n = (uint32_t)b->areas.n;
	g->comps_n = (uint32_t)b->comps.n;
	g->roles_n = (uint32_t)b->roles.n;
	g->modules_n = (uint32_t)b->modules.n;
	g->tracks = graph_xcalloc(g->tracks_n, sizeof(*g->tracks));
	g->areas = graph_xcalloc(g->areas_n, sizeof(*g->areas));
	g->comps = graph_xcalloc(g->comps_n, sizeof(*g->comps));
	g->roles = graph_xcalloc(g->roles_n, sizeof(*g->roles));
	g->modules = graph_xcalloc(g->modules_n, sizeof(*g->modules));
	g->roles_by_key = graph_xcalloc(g->roles_n, sizeof(*g->roles_by_key));
	if (!g->tracks || !g->areas || !g->comps || !g->roles ||
	    !g->modules || !g->roles_by_key)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->tracks_n; i++) {
		g->tracks[i].key = A + b->tracks.v[i].key;
		g->tracks[i].name = A + b->tracks.v[i].name;
		g->tracks[i].kind = (enum graph_track_kind)b->tracks.v[i].kind;
	}
	for (uint32_t i = 0; i < g->areas_n; i++) {
		g->areas[i].key = A + b->areas.v[i].key;
		g->areas[i].name = A + b->areas.v[i].name;
	}
	for (uint32_t i = 0; i < g->comps_n; i++) {
		g->comps[i].key = A + b->comps.v[i].key;
		g->comps[i].name = A + b->comps.v[i].name;
		g->comps[i].description = A;
		g->comps[i].kind = (uint8_t)b->comps.v[i].kind;
		g->comps[i].area = b->comps.v[i].area;
	}
	for (uint32_t i = 0; i < g->roles_n; i++) {
		struct graph_role *r = &g->roles[i];
		const struct b_role *br = &b->roles.v[i];

		r->key = A + br->key;
		r->title = A + br->title;
		r->track = br->track;
		r->area = br->area;
		r->grade = br->grade;
		r->pay_min = br->pay_min;
		r->pay_max = br->pay_max;
		g->roles_by_key[i] = i;
	}
	graph_sort_r(g->roles_by_key, g->roles_n, sizeof(uint32_t),
		     cmp_role_key, g);
	g->role_rank = graph_xcalloc(g->roles_n, sizeof(*g->role_rank));
	if (!g->role_rank)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->roles_n; i++)
		g->role_rank[g->roles_by_key[i]] = i;

	/* requirements, grouped by role, sorted by competency key */
	g->reqs_n = (uint32_t)b->reqs.n;
	g->reqs = graph_xcalloc(g->reqs_n, sizeof(*g->reqs));
	if (!g->reqs || group_by(b->reqs.n, g->roles_n, req_owner, b->reqs.v,
				 &off, &perm))
		goto out;
	for (uint32_t i = 0; i < g->reqs_n; i++) {
		const struct b_req *br = &b->reqs.v[perm[i]];

		g->reqs[i] = (struct graph_req){ br->comp, br->level, br->must,
						 br->weight };
	}
	rc = -EEXIST;
	for (uint32_t r = 0; r < g->roles_n; r++) {
		g->roles[r].req_off = off[r];
		g->roles[r].req_n = off[r + 1] - off[r];
		if (g->roles[r].req_n > GRAPH_MAX_ROLE_REQS) {
			rc = -E2BIG;
			goto out;
		}
		graph_sort_r(g->reqs + off[r], g->roles[r].req_n,
			     sizeof(*g->reqs), cmp_req, g);
		for (uint32_t i = off[r] + 1; i < off[r + 1]; i++)
			if (g->reqs[i].comp == g->reqs[i - 1].comp)
				goto out;
	}
	free(off);
	free(perm);
	off = perm = NULL;

	/* moves: explicit, then inferred; grouped by source, by target key */
	graph_sort_r(b->moves.v, b->moves.n, sizeof(*b->moves.v),
		     cmp_move_from_to, g);
	for (size_t i = 1; i < b->moves.n; i++)
		if (b->moves.v[i].from == b->moves.v[i - 1].from &&
		    b->moves.v[i].to == b->moves.v[i - 1].to)
			goto out;
	rc = infer_moves(b, g);
	if (rc)
		goto out;
	rc = -ENOMEM;
	graph_sort_r(b->moves.v, b->moves.n, sizeof(*b->moves.v),
		     cmp_move_from_to, g);
	g->moves_n = (uint32_t)b->moves.n;
	g->moves = graph_xcalloc(g->moves_n, sizeof(*g->moves));
	if (!g->moves || group_by(b->moves.n, g->roles_n, move_owner,
				  b->moves.v, &off, &perm))
		goto out;
	for (uint32_t i = 0; i < g->moves_n; i++) {
		const struct b_move *bm = &b->moves.v[perm[i]];

		/* a move without typical_months takes the inferred default */
		g->moves[i] = (struct graph_move){
			bm->to, bm->kind, bm->inferred,
			bm->months == UINT32_MAX ? b->settings.inferred_move_months
						 : bm->months, 0 };
	}
	for (uint32_t r = 0; r < g->roles_n; r++) {
		g->roles[r].move_off = off[r];
		g->roles[r].move_n = off[r + 1] - off[r];
	}
	/* edge costs from role to role are fixed by the framework */
	for (uint32_t r = 0; r < g->roles_n; r++) {
		for (uint32_t i = 0; i < g->roles[r].move_n; i++) {
			struct graph_move *mv = &g->moves[g->roles[r].move_off + i];
			const struct graph_role *to = &g->roles[mv->to];
			double c = b->settings.step_penalty;

			for (uint32_t k = 0; k < to->req_n; k++) {
				const struct graph_req *q = &g->reqs[to->req_off + k];
				unsigned from = graph_required_level(g, r, q->comp);

				if (q->level > from)
					c += q->weight * (double)(q->level - from);
			}
			mv->cost = c;
		}
	}
	free(off);
	free(perm);
	off = perm = NULL;

	/* modules with their outcomes and prerequisites */
	for (uint32_t i = 0; i < g->modules_n; i++) {
		const struct b_module *bm = &b->modules.v[i];

		g->modules[i].key = A + bm->key;
		g->modules[i].title = A + bm->title;
		g->modules[i].lms_ref = A + bm->lms;
		g->modules[i].kind = (uint8_t)bm->kind;
		g->modules[i].hours = bm->hours;
	}
	g->outcomes_n = (uint32_t)b->outcomes.n;
	g->outcomes = graph_xcalloc(g->outcomes_n, sizeof(*g->outcomes));
	if (!g->outcomes || group_by(b->outcomes.n, g->modules_n,
				     outcome_owner, b->outcomes.v, &off, &perm))
		goto out;
	for (uint32_t i = 0; i < g->outcomes_n; i++) {
		const struct b_outcome *bo = &b->outcomes.v[perm[i]];

		g->outcomes[i] = (struct graph_outcome){ bo->comp, bo->entry,
							 bo->level };
	}
	for (uint32_t m = 0; m < g->modules_n; m++) {
		g->modules[m].out_off = off[m];
		g->modules[m].out_n = off[m + 1] - off[m];
	}
	free(off);
	free(perm);
	off = perm = NULL;
	g->prereqs_n = (uint32_t)b->prereqs.n;
	g->prereqs = graph_xcalloc(g->prereqs_n, sizeof(*g->prereqs));
	if (!g->prereqs || group_by(b->prereqs.n, g->modules_n, pair_owner,
				    b->prereqs.v, &off, &perm))
		goto out;
	for (uint32_t i = 0; i < g->prereqs_n; i++)
		g->prereqs[i] = b->prereqs.v[perm[i]].b;
	for (uint32_t m = 0; m < g->modules_n; m++) {
		g->modules[m].pre_off = off[m];
		g->modules[m].pre_n = off[m + 1] - off[m];
		graph_sort(g->prereqs + off[m], g->modules[m].pre_n,
		      sizeof(uint32_t), cmp_u32);
	}
	rc = finish_modules(g);
out:
	free(off);
	free(perm);
	return rc;
}

int graph_finish_people(graph_builder_t *b, struct graph_priv *p)
{
	graph_t *g = &p->pub;
	const char *A = p->arena;
	uint32_t *off = NULL, *perm = NULL;
	int rc = -ENOMEM;

	g->emps_n = (uint32_t)b->emps.n;
	g->emps = graph_xcalloc(g->emps_n, sizeof(*g->emps));
	if (!g->emps)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->emps_n; i++) {
		const struct b_emp *be = &b->emps.v[i];
		struct graph_employee *e = &g->emps[i];

		e->id = A + be->id;
		e->manager_id = A + be->manager;
		e->role = be->role;
		e->active = be->active;
		e->assess_rows = be->rows;
	}
	/* a full load checks that managers exist (a delta's managers are
	 * mostly outside it: the database's foreign key vouches for them);
	 * the builder's arena now belongs to g: resolve through g's keys */
	for (uint32_t i = 0; i < g->emps_n && !b->base; i++)
		if (b->emps.v[i].has_manager &&
		    graph_keymap_find(&b->emp_idx, graph_emp_key, g,
				      g->emps[i].manager_id) == GRAPH_NONE)
			return -ENOENT;

	/* attributes */
	p->attrs = graph_xcalloc(b->attrs.n, sizeof(*p->attrs));
	if (!p->attrs || group_by(b->attrs.n, g->emps_n, attr_owner,
				  b->attrs.v, &off, &perm))
		goto out;
	for (size_t i = 0; i < b->attrs.n; i++) {
		p->attrs[i].key = A + b->attrs.v[perm[i]].key;
		p->attrs[i].value = A + b->attrs.v[perm[i]].value;
	}
	for (uint32_t e = 0; e < g->emps_n; e++) {
		g->emps[e].attrs = p->attrs + off[e];
		g->emps[e].attrs_n = off[e + 1] - off[e];
	}
	free(off);
	free(perm);
	off = perm = NULL;

	/* completions: sorted, duplicates folded */
	p->completed = graph_xcalloc(b->completions.n, sizeof(*p->completed));
	if (!p->completed || group_by(b->completions.n, g->emps_n, pair_owner,
				      b->completions.v, &off, &perm))
		goto out;
	for (size_t i = 0; i < b->completions.n; i++)
		p->completed[i] = b->completions.v[perm[i]].b;
	for (uint32_t e = 0; e < g->emps_n; e++) {
		uint32_t *c = p->completed + off[e], n = off[e + 1] - off[e], k = 0;

		graph_sort(c, n, sizeof(*c), cmp_u32);
		for (uint32_t i = 0; i < n; i++)
			if (k == 0 || c[k - 1] != c[i])
				c[k++] = c[i];
		g->emps[e].completed = c;
		g->emps[e].completed_n = k;
	}
	free(off);
	free(perm);
	off = perm = NULL;

	/* levels: per employee, the latest trusted assessment per competency;
	 * history: all of them, oldest first */
	g->assessments_n = b->assessments_seen;
	p->levels = graph_xcalloc(b->assess.n, sizeof(*p->levels));
	p->history = graph_xcalloc(b->assess.n, sizeof(*p->history));
	if (!p->levels || !p->history ||
	    group_by(b->assess.n, g->emps_n, assess_owner, b->assess.v, &off,
		     &perm))
		goto out;
	for (size_t i = 0; i < b->assess.n; i++) {
		const struct b_assess *ba = &b->assess.v[perm[i]];

		p->levels[i] = (struct graph_level){ .comp = ba->comp,
						     .level = ba->level,
						     .assessed_at = ba->at };
	}
	free(perm);
	perm = NULL;
	{
		uint32_t w = 0, hw = 0;

		for (uint32_t e = 0; e < g->emps_n; e++) {
			struct graph_level *l = p->levels + off[e];
			uint32_t n = off[e + 1] - off[e], start = w;
			uint32_t hstart = hw;

			sort_levels(l, n);
			for (uint32_t i = 0, j; i < n; i = j) {
				struct graph_level latest = l[i];
				uint32_t run;

				for (j = i + 1; j < n && l[j].comp == l[i].comp; j++)
					;
				/* the run is latest first: reversed, oldest
				 * first, keeping the newest if it is huge */
				run = j - i < GRAPH_HIST_MAX_RUN ? j - i
								 : GRAPH_HIST_MAX_RUN;
				for (uint32_t k = i + run; k-- > i;)
					p->history[hw++] = graph_hist_pack(
						l[k].assessed_at, l[k].level);
				latest.hist_n = run;
				p->levels[w++] = latest;
			}
			g->emps[e].levels_n = w - start;
			g->emps[e].history_n = hw - hstart;
			/* pointers fixed below, once the arrays stop moving */
			g->emps[e].levels = (const struct graph_level *)(uintptr_t)start;
			g->emps[e].history = (const int64_t *)(uintptr_t)hstart;
		}
		if (w < b->assess.n && w > 0) {
			struct graph_level *shrunk =
				realloc(p->levels, (size_t)w * sizeof(*p->levels));

			if (shrunk)
				p->levels = shrunk;
		}
		for (uint32_t e = 0; e < g->emps_n; e++) {
			g->emps[e].levels =
				p->levels + (uintptr_t)g->emps[e].levels;
			g->emps[e].history =
				p->history + (uintptr_t)g->emps[e].history;
		}
	}
	rc = 0;
out:
	free(off);
	free(perm);
	return rc;
}

int graph_builder_finish(graph_builder_t **bp, uint64_t version, graph_t **out)
{
	graph_builder_t *b = *bp;
	struct graph_priv *p = calloc(1, sizeof(*p));
	graph_t *g;
	struct timespec ts;
	int rc = -ENOMEM;

	*bp = NULL;
	if (!p)
		goto out;
	g = &p->pub;
	atomic_init(&g->refs, 1);
	g->version = version;
	clock_gettime(CLOCK_REALTIME, &ts);
	g->loaded_unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	g->settings = b->settings;
	p->arena = b->arena.v;
	p->arena_len = b->arena.n;
	b->arena.v = NULL;
	rc = finish_framework(b, p);
	if (rc == 0)
		rc = graph_finish_people(b, p);
	if (rc)
		goto out;
	/* the builder's key indexes hold the same indexes and keys */
	g->track_idx = b->track_idx;
	g->area_idx = b->area_idx;
	g->comp_idx = b->comp_idx;
	g->role_idx = b->role_idx;
	g->module_idx = b->module_idx;
	g->emp_idx = b->emp_idx;
	memset(&b->track_idx, 0, sizeof(b->track_idx));
	memset(&b->area_idx, 0, sizeof(b->area_idx));
	memset(&b->comp_idx, 0, sizeof(b->comp_idx));
	memset(&b->role_idx, 0, sizeof(b->role_idx));
	memset(&b->module_idx, 0, sizeof(b->module_idx));
	memset(&b->emp_idx, 0, sizeof(b->emp_idx));
	{
		void *parts[] = { GRAPH_FULL_ALLOCS(p) };
		void *idx[] = { g->emp_idx.slots };

		p->owners[0] = graph_owner_new(parts,
					       sizeof(parts) / sizeof(*parts));
		if (!p->owners[0]) {
			rc = -ENOMEM;
			goto out;
		}
		p->owners_n = 1;
		p->emp_idx_owner = graph_owner_new(idx, 1);
		if (!p->emp_idx_owner) {
			rc = -ENOMEM;
			goto out;
		}
	}
	g->columns = graph_columns_new(g);	/* NULL: scalar scoring */
	*out = g;
	p = NULL;
out:
	if (p)
		graph_free(p);
	graph_builder_destroy(&b);
	return rc;
}
