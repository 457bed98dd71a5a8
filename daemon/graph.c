#include "graph_private.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- key maps ---- */

uint64_t graph_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

uint32_t graph_keymap_find(const struct graph_keymap *m, graph_key_fn f,
			   const void *ctx, const char *key)
{
	uint64_t i;

	if (!m->slots || !key)
		return GRAPH_NONE;
	for (i = graph_hash_str(key) & m->mask;; i = (i + 1) & m->mask) {
		uint32_t s = m->slots[i];

		if (s == 0)
			return GRAPH_NONE;
		if (strcmp(f(ctx, s - 1), key) == 0)
			return s - 1;
	}
}

static void km_place(struct graph_keymap *m, const char *key, uint32_t idx)
{
	uint64_t i = graph_hash_str(key) & m->mask;

	while (m->slots[i])
		i = (i + 1) & m->mask;
	m->slots[i] = idx + 1;
}

int graph_keymap_insert(struct graph_keymap *m, graph_key_fn f,
			const void *ctx, uint32_t idx, uint32_t count)
{
	if (!m->slots || (uint64_t)count * 2 > (uint64_t)m->mask + 1) {
		size_t size = m->slots ? ((size_t)m->mask + 1) * 2 : 64;
		struct graph_keymap nm;

		while ((uint64_t)count * 2 > size)
			size *= 2;
		if (size > UINT32_MAX)
			return -ENOMEM;
		nm.slots = calloc(size, sizeof(*nm.slots));
		if (!nm.slots)
			return -ENOMEM;
		nm.mask = (uint32_t)(size - 1);
		if (m->slots) {
			for (size_t i = 0; i <= m->mask; i++)
				if (m->slots[i])
					km_place(&nm, f(ctx, m->slots[i] - 1),
						 m->slots[i] - 1);
			free(m->slots);
		}
		*m = nm;
	}
	km_place(m, f(ctx, idx), idx);
	return 0;
}

/* ---- lookups ---- */

#define KEYFN(name, arr, field) \
	static const char *name(const void *ctx, uint32_t i) \
	{ \
		return ((const graph_t *)ctx)->arr[i].field; \
	}
KEYFN(track_key, tracks, key)
KEYFN(area_key, areas, key)
KEYFN(comp_key, comps, key)
KEYFN(role_key, roles, key)
KEYFN(module_key, modules, key)

const char *graph_emp_key(const void *ctx, uint32_t i)
{
	return ((const graph_t *)ctx)->emps[i].id;
}

uint32_t graph_find_track(const graph_t *g, const char *key)
{
	return graph_keymap_find(&g->track_idx, track_key, g, key);
}

uint32_t graph_find_area(const graph_t *g, const char *key)
{
	return graph_keymap_find(&g->area_idx, area_key, g, key);
}

uint32_t graph_find_comp(const graph_t *g, const char *key)
{
	return graph_keymap_find(&g->comp_idx, comp_key, g, key);
}

uint32_t graph_find_role(const graph_t *g, const char *key)
{
	return graph_keymap_find(&g->role_idx, role_key, g, key);
}

uint32_t graph_find_module(const graph_t *g, const char *key)
{
	return graph_keymap_find(&g->module_idx, module_key, g, key);
}

uint32_t graph_find_employee(const graph_t *g, const char *id)
{
	return graph_keymap_find(&g->emp_idx, graph_emp_key, g, id);
}

unsigned graph_level_of(const graph_t *g, const struct graph_employee *e,
			uint32_t comp, int64_t now, bool *stale)
{
	uint32_t lo = 0, hi = e->levels_n;

	if (stale)
		*stale = false;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct graph_level *l = &e->levels[mid];

		if (l->comp < comp) {
			lo = mid + 1;
		} else if (l->comp > comp) {
			hi = mid;
		} else {
			unsigned days = g->settings.assessment_valid_days;

			if (days && now - l->assessed_at > (int64_t)days * GRAPH_US_PER_DAY) {
				if (stale)
					*stale = true;
				return 0;
			}
			return l->level;
		}
	}
	return 0;
}

void graph_employee_as_of(const struct graph_employee *e, int64_t t,
			  struct graph_level *buf, struct graph_employee *out)
{
	/* the last entry at or before (t, any level) */
	int64_t key = graph_hist_pack(t, 7);
	const int64_t *h = e->history;
	uint32_t n = 0;

	for (uint32_t i = 0; i < e->levels_n; i++) {
		uint32_t lo = 0, hi = e->levels[i].hist_n;

		/* lo = the number of entries <= key */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (h[mid] <= key)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0)
			buf[n++] = (struct graph_level){
				.comp = e->levels[i].comp,
				.level = (uint8_t)graph_hist_level(h[lo - 1]),
				.assessed_at = graph_hist_at(h[lo - 1]),
			};
		h += e->levels[i].hist_n;
	}
	*out = *e;
	out->levels = buf;
	out->levels_n = n;
	out->history = NULL;
	out->history_n = 0;
}

unsigned graph_required_level(const graph_t *g, uint32_t role, uint32_t comp)
{
	const struct graph_role *r = &g->roles[role];

	for (uint32_t i = 0; i < r->req_n; i++)
		if (g->reqs[r->req_off + i].comp == comp)
			return g->reqs[r->req_off + i].level;
	return 0;
}

int graph_source_parse(const char *s, unsigned *out)
{
	return settings_source_parse(s, out);
}

/* ---- references ---- */

void graph_ref(graph_t *g)
{
	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
}

struct graph_owner *graph_owner_new(void *const *ptrs, unsigned n)
{
	struct graph_owner *o = malloc(sizeof(*o) + n * sizeof(void *));

	if (!o)
		return NULL;
	atomic_init(&o->refs, 1);
	o->n = n;
	memcpy(o->p, ptrs, n * sizeof(void *));
	return o;
}

void graph_owner_unref(struct graph_owner *o)
{
	if (!o || atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (unsigned i = 0; i < o->n; i++)
		free(o->p[i]);
	free(o);
}

void graph_free_own(struct graph_priv *p)
{
	struct graph_columns *c = (struct graph_columns *)(uintptr_t)
		atomic_load_explicit(&p->pub.columns, memory_order_acquire);

	graph_columns_destroy(&c);
	free(p->pub.emps);
	if (p->emp_idx_owner)
		graph_owner_unref(p->emp_idx_owner);
	else
		free(p->pub.emp_idx.slots);
	free(p);
}

void graph_free(struct graph_priv *p)
{
	if (p->owners_n) {
		for (unsigned i = 0; i < p->owners_n; i++)
			graph_owner_unref(p->owners[i]);
	} else {
		/* a snapshot that failed to build owns its parts directly */
		void *parts[] = { GRAPH_FULL_ALLOCS(p) };

		for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++)
			free(parts[i]);
	}
	graph_free_own(p);
}

void graph_unref(graph_t **gp)
{
	graph_t *g = *gp;

	if (!g)
		return;
	*gp = NULL;
	if (atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1)
		graph_free(graph_priv(g));
}

