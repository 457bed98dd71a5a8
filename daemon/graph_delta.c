/* Deltas: an employee-scoped change on a published snapshot, sharing
 * everything it does not change (graph.h, graph_builder_finish_delta). */
#include "graph_private.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

graph_builder_t *graph_builder_new_delta(const graph_t *base)
{
	graph_builder_t *b = graph_builder_new();

	if (b) {
		b->base = base;
		b->settings = base->settings;
	}
	return b;
}

static const char *str_key(const void *ctx, uint32_t i)
{
	return ((const char *const *)ctx)[i];
}

int graph_builder_finish_delta(graph_builder_t **bp, const graph_t *old,
			       const char *const *changed, size_t changed_n,
			       uint64_t version, graph_t **out)
{
	const struct graph_priv *op = graph_priv(old);
	graph_builder_t *b = *bp;
	struct graph_priv *tp = NULL, *np = NULL;
	graph_t *tmp, *g;
	struct graph_keymap changed_idx = { 0 };
	uint8_t *used = NULL;
	struct timespec ts;
	uint64_t rows;
	int rc = -E2BIG;

	*bp = NULL;
	if (op->owners_n >= GRAPH_MAX_OWNERS)
		goto out;
	rc = -ENOMEM;
	tp = calloc(1, sizeof(*tp));
	np = calloc(1, sizeof(*np));
	if (!tp || !np || changed_n >= UINT32_MAX)
		goto out;
	tmp = &tp->pub;
	g = &np->pub;
	for (size_t i = 0; i < changed_n; i++)
		if (graph_keymap_insert(&changed_idx, str_key, changed,
					(uint32_t)i, (uint32_t)i + 1))
			goto out;
	/* the changed employees, as a small snapshot of their own */
	tp->arena = b->arena.v;
	b->arena.v = NULL;
	tmp->comps_n = old->comps_n;
	rc = graph_finish_people(b, tp);
	if (rc)
		goto out;
	rc = -ENOMEM;
	used = graph_xcalloc(tmp->emps_n, 1);
	/* everything but the reference count, which readers are changing */
	memcpy((char *)np + offsetof(graph_t, version),
	       (const char *)op + offsetof(graph_t, version),
	       sizeof(*np) - offsetof(graph_t, version));
	atomic_init(&g->refs, 1);
	g->columns = NULL;	/* old's; this one's on first use */
	g->columns_lazy = true;
	g->version = version;
	clock_gettime(CLOCK_REALTIME, &ts);
	g->loaded_unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	g->emps = graph_xcalloc((size_t)old->emps_n + tmp->emps_n,
				sizeof(*g->emps));
	memset(&g->emp_idx, 0, sizeof(g->emp_idx));
	np->emp_idx_owner = NULL;
	np->owners_n = 0;
	np->arena = NULL;
	np->levels = NULL;
	np->history = NULL;
	np->completed = NULL;
	np->attrs = NULL;
	if (!used || !g->emps)
		goto out;
	/* untouched employees keep their place; changed ones are replaced in
	 * place or dropped; new ones go at the end. The changed employees are
	 * few: find each in old through its index and copy the rest
	 * wholesale. */
	rows = old->assessments_n;
	memcpy(g->emps, old->emps, (size_t)old->emps_n * sizeof(*g->emps));
	g->emps_n = old->emps_n;
	{
		bool removed = false, added = false;

		for (size_t c = 0; c < changed_n; c++) {
			uint32_t i = graph_keymap_find(&old->emp_idx,
						       graph_emp_key, old,
						       changed[c]);
			uint32_t t = graph_keymap_find(&b->emp_idx,
						       graph_emp_key, tmp,
						       changed[c]);

			if (i != GRAPH_NONE && g->emps[i].id == old->emps[i].id) {
				rows -= old->emps[i].assess_rows;
				if (t == GRAPH_NONE) {
					/* erased: marked now, squeezed out below */
					g->emps[i].id = NULL;
					removed = true;
				} else {
					g->emps[i] = tmp->emps[t];
				}
			}
			if (t != GRAPH_NONE && !used[t]) {
				used[t] = 1;
				rows += tmp->emps[t].assess_rows;
				if (i == GRAPH_NONE) {
					g->emps[g->emps_n++] = tmp->emps[t];
					added = true;
				}
			}
		}
		if (removed) {
			uint32_t w = 0;

			for (uint32_t i = 0; i < g->emps_n; i++)
				if (g->emps[i].id)
					g->emps[w++] = g->emps[i];
			g->emps_n = w;
		}
		g->assessments_n = rows;
		if (!removed && !added) {
			/* same employees at the same places: the index holds */
			g->emp_idx = old->emp_idx;
			np->emp_idx_owner = op->emp_idx_owner;
			atomic_fetch_add_explicit(&np->emp_idx_owner->refs, 1,
						  memory_order_relaxed);
		} else {
			void *idx[1];

			for (uint32_t i = 0; i < g->emps_n; i++)
				if (graph_keymap_insert(&g->emp_idx,
							graph_emp_key, g, i,
							i + 1))
					goto out;
			idx[0] = g->emp_idx.slots;
			np->emp_idx_owner = graph_owner_new(idx, 1);
			if (!np->emp_idx_owner)
				goto out;
		}
	}
	{
		void *parts[] = { tp->arena, tp->levels, tp->completed,
				  tp->attrs, tp->history };
		struct graph_owner *o = graph_owner_new(parts, 5);

		if (!o)
			goto out;
		tp->arena = NULL;
		tp->levels = NULL;
		tp->completed = NULL;
		tp->attrs = NULL;
		tp->history = NULL;
		for (unsigned i = 0; i < op->owners_n; i++) {
			atomic_fetch_add_explicit(&op->owners[i]->refs, 1,
						  memory_order_relaxed);
			np->owners[np->owners_n++] = op->owners[i];
		}
		np->owners[np->owners_n++] = o;
	}
	*out = g;
	np = NULL;
	rc = 0;
out:
	if (np) {
		if (np->owners_n == 0) {
			/* nothing shared yet: only what this delta allocated
			 * (the framework's pointers are old's) */
			graph_free_own(np);
		} else {
			graph_free(np);
		}
	}
	if (tp) {
		free(tp->arena);
		free(tp->levels);
		free(tp->completed);
		free(tp->attrs);
		free(tp->history);
		free(tp->pub.emps);
		free(tp);
	}
	free(used);
	free(changed_idx.slots);
	graph_builder_destroy(&b);
	return rc;
}
