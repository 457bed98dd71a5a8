#include "path.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "readiness.h"

#define PATH_NONE UINT32_MAX
#define HOPS_NONE 0xff
/* the search vectors start big: a search pushes hundreds of states */
#define PATH_FIRST_CAP 256

struct pstate {
	uint32_t node;
	uint32_t pred;		/* state index, PATH_NONE at the start */
	uint32_t move;		/* g->moves index of the edge taken */
	uint8_t hops;
	double cost;
	double f;		/* cost + the A* bound: the heap's order */
	/* the key ranks of the first LEX_DEPTH roles after the start, 16
	 * bits each, rank + 1 (0: the path is shorter): comparing these is
	 * comparing the key sequences, unless both paths agree that far */
	uint64_t lex;
};

#define LEX_DEPTH 4

struct search {
	struct query_ctx *ctx;
	const graph_t *g;
	const struct graph_employee *emp;	/* origin is an employee */
	uint32_t origin;
	bool kind_ok[4];
	uint8_t *blocked;			/* per role: avoided / in root */
	const uint64_t *cut;			/* removed edges (from << 32 | to) */
	size_t cut_n;
	struct pstate *st;
	size_t st_n, st_cap;
	uint32_t *heap;
	size_t heap_n, heap_cap;
	uint8_t *best_hops;			/* per role */
	const double *h;			/* per role: a lower bound of the
						 * cost to the target (A*), or NULL */
	const uint8_t *rh;			/* per role: fewest steps to the
						 * target (0xff: none), or NULL */
	bool oom;
};

/* The cost of move mi out of role u: from an employee, the first step is
 * measured against the employee's own levels. */
static double edge_cost(const struct search *s, uint32_t u, uint32_t mi)
{
	const graph_t *g = s->g;
	const struct graph_move *mv = &g->moves[mi];
	const struct graph_role *to;
	double c;

	if (!s->emp || u != s->origin)
		return mv->cost;
	to = &g->roles[mv->to];
	c = g->settings.step_penalty;
	for (uint32_t k = 0; k < to->req_n; k++) {
		const struct graph_req *q = &g->reqs[to->req_off + k];
		unsigned cur = graph_level_of(g, s->emp, q->comp, s->ctx->now, NULL);

		if (q->level > cur)
			c += q->weight * (double)(q->level - cur);
	}
	return c;
}

/* role sequence of state i, start first; returns its length */
static unsigned state_path(const struct search *s, uint32_t i, uint32_t *out)
{
	unsigned n = 0;
	uint32_t tmp[QUERY_MAX_STEPS + 2];

	for (; i != PATH_NONE && n < QUERY_MAX_STEPS + 2; i = s->st[i].pred)
		tmp[n++] = s->st[i].node;
	for (unsigned k = 0; k < n; k++)
		out[k] = tmp[n - 1 - k];
	return n;
}

static int cmp_seq(const graph_t *g, const uint32_t *a, unsigned an,
		   const uint32_t *b, unsigned bn)
{
	for (unsigned i = 0; i < an && i < bn; i++)
		if (a[i] != b[i])
			return g->role_rank[a[i]] < g->role_rank[b[i]] ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

static bool state_less(const struct search *s, uint32_t a, uint32_t b)
{
	const struct pstate *x = &s->st[a], *y = &s->st[b];
	uint32_t pa[QUERY_MAX_STEPS + 2], pb[QUERY_MAX_STEPS + 2];
	unsigned na, nb;

	if (x->f != y->f)
		return x->f < y->f;
	/* equal costs are common (whole-number growth): break the tie on the
	 * key sequence, from the packed prefix when it differs there */
	if (x->lex != y->lex)
		return x->lex < y->lex;
	if (x->hops <= LEX_DEPTH && y->hops <= LEX_DEPTH)
		return x->hops < y->hops;	/* one is a prefix of the other */
	na = state_path(s, a, pa);
	nb = state_path(s, b, pb);
	return cmp_seq(s->g, pa, na, pb, nb) < 0;
}

static uint32_t push_state(struct search *s, struct pstate st)
{
	size_t i;

	if (array_grow((void **)&s->st, &s->st_cap, s->st_n + 1,
		       sizeof(*s->st), PATH_FIRST_CAP) ||
	    array_grow((void **)&s->heap, &s->heap_cap, s->heap_n + 1,
		       sizeof(*s->heap), PATH_FIRST_CAP) ||
	    s->st_n >= PATH_NONE) {
		s->oom = true;
		return PATH_NONE;
	}
	s->st[s->st_n] = st;
	i = s->heap_n++;
	s->heap[i] = (uint32_t)s->st_n;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!state_less(s, s->heap[i], s->heap[p]))
			break;
		uint32_t t = s->heap[i];
		s->heap[i] = s->heap[p];
		s->heap[p] = t;
		i = p;
	}
	return (uint32_t)s->st_n++;
}

static uint32_t pop_state(struct search *s)
{
	uint32_t top = s->heap[0];
	size_t i = 0;

	s->heap[0] = s->heap[--s->heap_n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < s->heap_n && state_less(s, s->heap[l], s->heap[m]))
			m = l;
		if (r < s->heap_n && state_less(s, s->heap[r], s->heap[m]))
			m = r;
		if (m == i)
			break;
		uint32_t t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
	return top;
}

static bool is_cut(const struct search *s, uint32_t u, uint32_t v)
{
	uint64_t key = (uint64_t)u << 32 | v;

	for (size_t i = 0; i < s->cut_n; i++)
		if (s->cut[i] == key)
			return true;
	return false;
}

/* Hop-bounded Dijkstra from src. A popped state is kept only if no cheaper
 * (earlier) state reached its role in as few hops: a later one can still
 * matter when it used fewer hops. With target != PATH_NONE, returns the
 * state that reached it first (cheapest, then smallest key sequence);
 * otherwise explores everything and returns PATH_NONE, leaving the settled
 * states in s->st (the first settled per role is marked by best_hops). */
static uint32_t dijkstra(struct search *s, uint32_t src, unsigned max_hops,
			 uint32_t target, double max_cost,
			 void (*visit)(struct search *, uint32_t, void *),
			 void *arg)
{
	const graph_t *g = s->g;

	s->st_n = s->heap_n = 0;
	memset(s->best_hops, HOPS_NONE, g->roles_n);
	push_state(s, (struct pstate){ src, PATH_NONE, PATH_NONE, 0, 0.0,
				       s->h ? s->h[src] : 0.0, 0 });
	while (s->heap_n && !s->oom) {
		uint32_t i = pop_state(s);
		struct pstate cur = s->st[i];
		const struct graph_role *r;

		if (s->best_hops[cur.node] != HOPS_NONE &&
		    s->best_hops[cur.node] <= cur.hops)
			continue;
		if (s->best_hops[cur.node] == HOPS_NONE && visit)
			visit(s, i, arg);
		s->best_hops[cur.node] = cur.hops;
		if (cur.node == target)
			return i;
		if (cur.hops >= max_hops)
			continue;
		r = &g->roles[cur.node];
		for (uint32_t k = 0; k < r->move_n; k++) {
			uint32_t mi = r->move_off + k;
			const struct graph_move *mv = &g->moves[mi];
			double c;

			if (!s->kind_ok[mv->kind] || s->blocked[mv->to] ||
			    mv->to == src ||
			    (s->best_hops[mv->to] != HOPS_NONE &&
			     s->best_hops[mv->to] <= cur.hops + 1) ||
			    (s->cut_n && is_cut(s, cur.node, mv->to)))
				continue;
			/* the target is out of reach from there, or not
			 * within the steps left */
			if (s->h && s->h[mv->to] == INFINITY)
				continue;
			if (s->rh && cur.hops + 1u + s->rh[mv->to] > max_hops)
				continue;
			c = cur.cost + edge_cost(s, cur.node, mi);
			if (max_cost > 0 && c > max_cost)
				continue;
			{
				uint64_t lex = cur.lex;
				unsigned depth = cur.hops + 1u;

				/* ranks past 16 bits: leave it to the walk */
				if (depth <= LEX_DEPTH && g->roles_n < 0xffff)
					lex |= (uint64_t)(g->role_rank[mv->to] + 1u)
					       << (64 - 16 * depth);
				push_state(s, (struct pstate){
					mv->to, i, mi, (uint8_t)depth, c,
					c + (s->h ? s->h[mv->to] : 0.0), lex });
			}
		}
	}
	return PATH_NONE;
}

/* ---- the A* bound ---- */

struct hnode {
	double d;
	uint32_t node;
};

static void hpush(struct hnode *hp, size_t *n, struct hnode x)
{
	size_t i = (*n)++;

	hp[i] = x;
	while (i > 0 && hp[(i - 1) / 2].d > hp[i].d) {
		struct hnode t = hp[i];

		hp[i] = hp[(i - 1) / 2];
		hp[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct hnode hpop(struct hnode *hp, size_t *n)
{
	struct hnode top = hp[0];
	size_t i = 0;

	hp[0] = hp[--*n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < *n && hp[l].d < hp[m].d)
			m = l;
		if (r < *n && hp[r].d < hp[m].d)
			m = r;
		if (m == i)
			break;
		struct hnode t = hp[i];

		hp[i] = hp[m];
		hp[m] = t;
		i = m;
	}
	return top;
}

/* h[v] = the cheapest cost from v to target over the allowed moves and
 * roles, with no bound on the steps (INFINITY: no way). Every search of a
 * query runs on a part of that graph, so h never overestimates and, being
 * exact distances, is consistent: A* ordered by cost + h settles every
 * role at its cheapest, like Dijkstra, but walks towards the target
 * instead of around the origin. (From an employee the first move may cost
 * less than from the role; it leaves the origin, which is settled first
 * whatever its bound.) */
static int reverse_costs(struct search *s, uint32_t target, double *h,
			 uint8_t *rh)
{
	const graph_t *g = s->g;
	uint32_t *in_off = query_alloc(s->ctx, (size_t)g->roles_n + 1, sizeof(*in_off));
	uint32_t *in_from = query_alloc(s->ctx, g->moves_n ? g->moves_n : 1,
					sizeof(*in_from));
	double *in_cost = query_alloc(s->ctx, g->moves_n ? g->moves_n : 1,
				      sizeof(*in_cost));
	struct hnode *hp = query_alloc(s->ctx, (size_t)g->moves_n + 1, sizeof(*hp));
	size_t hn = 0;

	if (!in_off || !in_from || !in_cost || !hp)
		return -1;
	for (uint32_t u = 0; u < g->roles_n; u++) {
		const struct graph_role *r = &g->roles[u];

		h[u] = INFINITY;
		if (s->blocked[u])
			continue;
		for (uint32_t k = 0; k < r->move_n; k++) {
			const struct graph_move *mv = &g->moves[r->move_off + k];

			if (s->kind_ok[mv->kind] && !s->blocked[mv->to])
				in_off[mv->to + 1]++;
		}
	}
	for (uint32_t v = 0; v < g->roles_n; v++)
		in_off[v + 1] += in_off[v];
	{
		uint32_t *pos = query_alloc(s->ctx, (size_t)g->roles_n + 1, sizeof(*pos));

		if (!pos)
			return -1;
		memcpy(pos, in_off, ((size_t)g->roles_n + 1) * sizeof(*pos));
		for (uint32_t u = 0; u < g->roles_n; u++) {
			const struct graph_role *r = &g->roles[u];

			if (s->blocked[u])
				continue;
			for (uint32_t k = 0; k < r->move_n; k++) {
				const struct graph_move *mv = &g->moves[r->move_off + k];

				if (!s->kind_ok[mv->kind] || s->blocked[mv->to])
					continue;
				in_from[pos[mv->to]] = u;
				in_cost[pos[mv->to]++] = mv->cost;
			}
		}
	}
	/* fewest steps to the target: a breadth-first walk back from it */
	{
		uint32_t *queue = query_alloc(s->ctx, g->roles_n ? g->roles_n : 1,
					      sizeof(*queue));
		uint32_t qh = 0, qt = 0;

		if (!queue)
			return -1;
		memset(rh, 0xff, g->roles_n);
		rh[target] = 0;
		queue[qt++] = target;
		while (qh < qt) {
			uint32_t v = queue[qh++];

			for (uint32_t k = in_off[v]; k < in_off[v + 1]; k++) {
				uint32_t u = in_from[k];

				if (rh[u] == 0xff && rh[v] < 0xfe) {
					rh[u] = (uint8_t)(rh[v] + 1);
					queue[qt++] = u;
				}
			}
		}
	}
	h[target] = 0;
	hpush(hp, &hn, (struct hnode){ 0, target });
	while (hn) {
		struct hnode x = hpop(hp, &hn);

		if (x.d > h[x.node])
			continue;
		for (uint32_t k = in_off[x.node]; k < in_off[x.node + 1]; k++) {
			double d = x.d + in_cost[k];

			if (d < h[in_from[k]]) {
				h[in_from[k]] = d;
				if (hn <= g->moves_n)
					hpush(hp, &hn, (struct hnode){ d, in_from[k] });
			}
		}
	}
	return 0;
}

/* ---- routes ---- */

struct route {
	uint32_t nodes[QUERY_MAX_STEPS + 1];
	uint32_t moves[QUERY_MAX_STEPS];
	unsigned n;		/* nodes */
	double cost;
};

static double route_cost(const struct search *s, const struct route *rt)
{
	double c = 0;

	for (unsigned i = 0; i + 1 < rt->n; i++)
		c += edge_cost(s, rt->nodes[i], rt->moves[i]);
	return c;
}

static int route_cmp(const graph_t *g, const struct route *a,
		     const struct route *b)
{
	if (a->cost != b->cost)
		return a->cost < b->cost ? -1 : 1;
	return cmp_seq(g, a->nodes, a->n, b->nodes, b->n);
}

static bool route_same(const struct route *a, const struct route *b)
{
	return a->n == b->n &&
	       memcmp(a->nodes, b->nodes, a->n * sizeof(*a->nodes)) == 0;
}

static void fill_gap(struct query_ctx *ctx, Pathways__V1__CompetencyGap *gap,
		     const struct graph_req *q, unsigned cur)
{
	pathways__v1__competency_gap__init(gap);
	gap->competency_key = query_str(ctx->g->comps[q->comp].key);
	gap->required = q->level;
	gap->current = cur;
	gap->deficit = q->level > cur ? q->level - cur : 0;
	gap->weight = q->weight;
	gap->must_have = q->must_have;
	gap->met = cur >= q->level;
}

static Pathways__V1__Route *route_out(struct search *s, const struct route *rt)
{
	struct query_ctx *ctx = s->ctx;
	const graph_t *g = s->g;
	Pathways__V1__Route *out = query_alloc(ctx, 1, sizeof(*out));

	if (!out)
		return NULL;
	pathways__v1__route__init(out);
	out->steps = query_alloc(ctx, rt->n, sizeof(*out->steps));
	if (!out->steps)
		return NULL;
	for (unsigned i = 0; i + 1 < rt->n; i++) {
		const struct graph_move *mv = &g->moves[rt->moves[i]];
		const struct graph_role *to = &g->roles[mv->to];
		Pathways__V1__PathStep *st = query_alloc(ctx, 1, sizeof(*st));

		if (!st)
			return NULL;
		pathways__v1__path_step__init(st);
		st->from_role = query_str(g->roles[rt->nodes[i]].key);
		st->to_role = query_str(to->key);
		st->kind = (Pathways__V1__MoveKind)mv->kind;
		st->cost = edge_cost(s, rt->nodes[i], rt->moves[i]);
		st->typical_months = mv->months;
		st->grow = query_alloc(ctx, to->req_n, sizeof(*st->grow));
		if (!st->grow)
			return NULL;
		for (uint32_t k = 0; k < to->req_n; k++) {
			const struct graph_req *q = &g->reqs[to->req_off + k];
			unsigned cur = s->emp && i == 0
					       ? graph_level_of(g, s->emp, q->comp,
								ctx->now, NULL)
					       : graph_required_level(g, rt->nodes[i],
								      q->comp);
			Pathways__V1__CompetencyGap *gap;

			if (cur >= q->level)
				continue;
			gap = query_alloc(ctx, 1, sizeof(*gap));
			if (!gap)
				return NULL;
			fill_gap(ctx, gap, q, cur);
			st->grow[st->n_grow++] = gap;
		}
		out->total_months += mv->months;
		out->steps[out->n_steps++] = st;
	}
	out->total_cost = rt->cost;
	return out;
}

static int search_init(struct search *s, struct query_ctx *ctx)
{
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->g = ctx->g;
	s->blocked = query_alloc(ctx, ctx->g->roles_n, 1);
	s->best_hops = query_alloc(ctx, ctx->g->roles_n, 1);
	for (int k = 1; k <= 3; k++)
		s->kind_ok[k] = true;
	return s->blocked && s->best_hops ? 0 : -1;
}

static void search_free(struct search *s)
{
	free(s->st);
	free(s->heap);
}

/* origin: a role or an employee's role; NOT_FOUND / INVALID_ARGUMENT */
static int resolve_origin(struct query_ctx *ctx, struct search *s,
			  int origin_case, const char *from_role,
			  const char *from_employee)
{
	const graph_t *g = ctx->g;

	if (origin_case == 1) {
		s->origin = graph_find_role(g, from_role);
		if (s->origin == GRAPH_NONE)
			return query_fail(ctx, QUERY_NOT_FOUND,
					  "unknown role \"%s\"", from_role);
	} else if (origin_case == 2) {
		uint32_t e = graph_find_employee(g, from_employee);

		if (e == GRAPH_NONE)
			return query_fail(ctx, QUERY_NOT_FOUND,
					  "unknown employee \"%s\"", from_employee);
		s->emp = &g->emps[e];
		s->origin = s->emp->role;
	} else {
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "set from_role or from_employee");
	}
	return 0;
}

/* Yen's algorithm: the k cheapest loopless routes within max_hops. */
static int yen(struct search *s, uint32_t target, unsigned k, unsigned max_hops,
	       struct route *A, unsigned *a_n)
{
	const graph_t *g = s->g;
	struct route *B = NULL;
	size_t b_n = 0, b_cap = 0;
	uint64_t *cut = NULL;
	size_t cut_cap = 0;
	uint8_t *saved = malloc(g->roles_n ? g->roles_n : 1);
	int rc = -ENOMEM;
	uint32_t t;

	*a_n = 0;
	if (!saved)
		goto out;
	memcpy(saved, s->blocked, g->roles_n);
	t = dijkstra(s, s->origin, max_hops, target, 0, NULL, NULL);
	if (s->oom)
		goto out;
	rc = 0;
	if (t == PATH_NONE)
		goto out;
	A[0].n = state_path(s, t, A[0].nodes);
	for (unsigned i = t, j = A[0].n - 1; s->st[i].pred != PATH_NONE;
	     i = s->st[i].pred)
		A[0].moves[--j] = s->st[i].move;
	A[0].cost = route_cost(s, &A[0]);
	*a_n = 1;
	while (*a_n < k) {
		const struct route *prev = &A[*a_n - 1];

		for (unsigned i = 0; i + 1 < prev->n; i++) {
			uint32_t spur = prev->nodes[i];
			struct route cand;

			/* cut the next edge of every accepted route sharing
			 * this root; block the root's other roles */
			s->cut_n = 0;
			for (unsigned a = 0; a < *a_n; a++) {
				if (A[a].n <= i + 1 ||
				    memcmp(A[a].nodes, prev->nodes,
					   (i + 1) * sizeof(uint32_t)))
					continue;
				if (array_grow((void **)&cut, &cut_cap, s->cut_n + 1,
					       sizeof(*cut), PATH_FIRST_CAP))
					goto oom;
				cut[s->cut_n++] = (uint64_t)A[a].nodes[i] << 32 |
						  A[a].nodes[i + 1];
			}
			s->cut = cut;
			memcpy(s->blocked, saved, g->roles_n);
			for (unsigned r = 0; r < i; r++)
				s->blocked[prev->nodes[r]] = 1;
			t = dijkstra(s, spur, max_hops - i, target, 0, NULL, NULL);
			if (s->oom)
				goto oom;
			if (t == PATH_NONE)
				continue;
			cand = *prev;
			cand.n = i;
			{
				uint32_t seq[QUERY_MAX_STEPS + 2];
				unsigned sn = state_path(s, t, seq);
				uint32_t mv[QUERY_MAX_STEPS + 1];
				unsigned j = sn - 1;

				for (uint32_t x = t; s->st[x].pred != PATH_NONE;
				     x = s->st[x].pred)
					mv[--j] = s->st[x].move;
				for (unsigned x = 0; x < sn; x++) {
					cand.nodes[i + x] = seq[x];
					if (x + 1 < sn)
						cand.moves[i + x] = mv[x];
				}
				cand.n = i + sn;
			}
			cand.cost = route_cost(s, &cand);
			bool dup = false;

			for (size_t b = 0; b < b_n && !dup; b++)
				dup = route_same(&B[b], &cand);
			for (unsigned a = 0; a < *a_n && !dup; a++)
				dup = route_same(&A[a], &cand);
			if (dup)
				continue;
			if (array_grow((void **)&B, &b_cap, b_n + 1, sizeof(*B),
				       PATH_FIRST_CAP))
				goto oom;
			B[b_n++] = cand;
		}
		s->cut_n = 0;
		if (b_n == 0)
			break;
		size_t best = 0;

		for (size_t b = 1; b < b_n; b++)
			if (route_cmp(g, &B[b], &B[best]) < 0)
				best = b;
		A[(*a_n)++] = B[best];
		B[best] = B[--b_n];
	}
	rc = 0;
	goto out;
oom:
	rc = -ENOMEM;
out:
	if (saved)
		memcpy(s->blocked, saved, g->roles_n);
	s->cut = NULL;
	s->cut_n = 0;
	free(saved);
	free(B);
	free(cut);
	return rc;
}

int query_path_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		   ProtobufCMessage *respm)
{
	const Pathways__V1__PathRequest *req = (const void *)reqm;
	Pathways__V1__PathResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	unsigned k = req->max_routes ? req->max_routes : 3;
	unsigned hops = req->max_steps ? req->max_steps : 6;
	struct route A[QUERY_MAX_ROUTES];
	struct search s;
	uint32_t target;
	unsigned a_n = 0;
	int rc = -1;

	if (k > QUERY_MAX_ROUTES)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
				  "max_routes %u is over %u", k, QUERY_MAX_ROUTES);
	if (hops > QUERY_MAX_STEPS)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
				  "max_steps %u is over %u", hops, QUERY_MAX_STEPS);
	if (search_init(&s, ctx))
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
	if (resolve_origin(ctx, &s, req->origin_case, req->from_role,
			   req->from_employee))
		goto out;
	target = graph_find_role(g, req->to_role);
	if (target == GRAPH_NONE) {
		query_fail(ctx, QUERY_NOT_FOUND, "unknown role \"%s\"", req->to_role);
		goto out;
	}
	if (target == s.origin) {
		query_fail(ctx, QUERY_INVALID_ARGUMENT,
			   "from and to are the same role \"%s\"", req->to_role);
		goto out;
	}
	if (req->n_allowed_kinds) {
		memset(s.kind_ok, 0, sizeof(s.kind_ok));
		for (size_t i = 0; i < req->n_allowed_kinds; i++) {
			unsigned kind = (unsigned)req->allowed_kinds[i];

			if (kind < 1 || kind > 3) {
				query_fail(ctx, QUERY_INVALID_ARGUMENT,
					   "allowed_kinds: unknown move kind %u", kind);
				goto out;
			}
			s.kind_ok[kind] = true;
		}
	}
	for (size_t i = 0; i < req->n_avoid_roles; i++) {
		uint32_t r = graph_find_role(g, req->avoid_roles[i]);

		if (r == GRAPH_NONE) {
			query_fail(ctx, QUERY_NOT_FOUND, "unknown role \"%s\"",
				   req->avoid_roles[i]);
			goto out;
		}
		if (r != s.origin)
			s.blocked[r] = 1;
	}
	rc = 0;
	if (s.blocked[target])
		goto out;	/* avoiding the target: no route */
	{
		double *h = query_alloc(ctx, g->roles_n, sizeof(*h));
		uint8_t *rh = query_alloc(ctx, g->roles_n, 1);

		if (!h || !rh || reverse_costs(&s, target, h, rh)) {
			rc = query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
			goto out;
		}
		if (h[s.origin] == INFINITY && !s.emp)
			goto out;	/* unreachable at any number of steps */
		s.h = h;
		s.rh = rh;
	}
	if (yen(&s, target, k, hops, A, &a_n)) {
		rc = query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	resp->routes = query_alloc(ctx, a_n ? a_n : 1, sizeof(*resp->routes));
	if (!resp->routes) {
		rc = query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < a_n; i++) {
		resp->routes[i] = route_out(&s, &A[i]);
		if (!resp->routes[i]) {
			rc = query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
			goto out;
		}
		resp->n_routes++;
	}
out:
	search_free(&s);
	return rc;
}

/* ---- Explore ---- */

struct reach {
	uint32_t node;
	uint8_t hops;
	double cost;
};

struct reach_list {
	struct reach *v;
	size_t n;
};

static void collect_reach(struct search *s, uint32_t i, void *arg)
{
	struct reach_list *l = arg;

	if (s->st[i].node == s->origin)
		return;
	l->v[l->n++] = (struct reach){ s->st[i].node, s->st[i].hops,
				       s->st[i].cost };
}

static int cmp_reach(const void *a, const void *b, void *arg)
{
	const struct reach *x = a, *y = b;
	const graph_t *g = arg;

	if (x->cost != y->cost)
		return x->cost < y->cost ? -1 : 1;
	return g->role_rank[x->node] < g->role_rank[y->node] ? -1 : 1;
}

int query_path_explore(struct query_ctx *ctx, const ProtobufCMessage *reqm,
		       ProtobufCMessage *respm)
{
	const Pathways__V1__ExploreRequest *req = (const void *)reqm;
	Pathways__V1__ExploreResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	unsigned hops = req->max_steps ? req->max_steps : 3;
	unsigned limit = req->limit ? req->limit : 50;
	struct reach_list l = { 0 };
	struct search s;
	int rc = -1;

	if (hops > QUERY_MAX_STEPS)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
				  "max_steps %u is over %u", hops, QUERY_MAX_STEPS);
	if (limit > QUERY_MAX_LIMIT)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
				  "limit %u is over %u", limit, QUERY_MAX_LIMIT);
	if (!isfinite(req->max_cost) || req->max_cost < 0)
		return query_fail(ctx, QUERY_INVALID_ARGUMENT,
				  "max_cost must be a finite number >= 0");
	if (search_init(&s, ctx))
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
	if (resolve_origin(ctx, &s, req->origin_case, req->from_role,
			   req->from_employee))
		goto out;
	l.v = query_alloc(ctx, g->roles_n, sizeof(*l.v));
	if (!l.v)
		goto oom;
	dijkstra(&s, s.origin, hops, PATH_NONE, req->max_cost, collect_reach, &l);
	if (s.oom)
		goto oom;
	if (l.n > 1)
		qsort_r(l.v, l.n, sizeof(*l.v), cmp_reach, (void *)g);
	if (l.n > limit)
		l.n = limit;
	resp->roles = query_alloc(ctx, l.n ? l.n : 1, sizeof(*resp->roles));
	if (!resp->roles)
		goto oom;
	for (size_t i = 0; i < l.n; i++) {
		Pathways__V1__Reachable *r = query_alloc(ctx, 1, sizeof(*r));

		if (!r)
			goto oom;
		pathways__v1__reachable__init(r);
		r->role_key = query_str(g->roles[l.v[i].node].key);
		r->cost = l.v[i].cost;
		r->steps = l.v[i].hops;
		if (s.emp) {
			struct query_readiness_score sc;

			query_readiness_score(g, s.emp, l.v[i].node, ctx->now, &sc);
			r->readiness = query_round1(sc.readiness);
			r->band = sc.band;
		}
		resp->roles[resp->n_roles++] = r;
	}
	rc = 0;
	goto out;
oom:
	rc = query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
out:
	search_free(&s);
	return rc;
}
