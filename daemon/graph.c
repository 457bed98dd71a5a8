#include "graph.h"

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- small helpers ---- */

/* Grows *p (of *cap elements of size sz) to hold at least need elements.
 * Sizes are checked before they are multiplied. */
static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / sz)
		return -ENOMEM;
	np = realloc(*p, ncap * sz);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

#define VEC(type) struct { type *v; size_t n, cap; }
#define VEC_PUSH(vec, item) \
	(grow((void **)&(vec).v, &(vec).cap, (vec).n + 1, sizeof(*(vec).v)) \
		 ? -ENOMEM \
		 : ((vec).v[(vec).n++] = (item), 0))

uint64_t graph_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

typedef const char *(*key_fn)(const void *ctx, uint32_t i);

static uint32_t km_find(const struct graph_keymap *m, key_fn f,
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

/* Inserts idx (whose key f(ctx, idx) gives); count = entries after insert. */
static int km_insert(struct graph_keymap *m, key_fn f, const void *ctx,
		     uint32_t idx, uint32_t count)
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

/* ---- settings ---- */

void graph_settings_default(struct graph_settings *s)
{
	s->band_ready_now = 90;
	s->band_ready_soon = 70;
	s->band_developing = 40;
	s->step_penalty = 1;
	s->infer_promotions = true;
	s->infer_lateral = false;
	s->trusted_sources = GRAPH_SRC_MANAGER | GRAPH_SRC_PEER |
			     GRAPH_SRC_CERTIFICATION;
	s->mentor_min_level = 4;
	s->inferred_move_months = 12;
	s->readiness_mode = GRAPH_MODE_PROPORTIONAL;
	s->assessment_valid_days = 0;
}

static int parse_double(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(d) || d < lo || d > hi)
		return -EINVAL;
	*out = d;
	return 0;
}

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long u;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	u = strtoul(v, &end, 10);
	if (errno || *end || u < lo || u > hi)
		return -EINVAL;
	*out = (unsigned)u;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "true") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0)
		*out = false;
	else
		return -EINVAL;
	return 0;
}

int graph_source_parse(const char *s, unsigned *out)
{
	static const char *const names[] = { "manager", "self", "peer",
					     "certification" };

	for (unsigned i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = 1u << i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_sources(const char *v, unsigned *out)
{
	unsigned bits = 0;
	char buf[128], *save, *tok;

	if (strlen(v) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, v);
	for (tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		unsigned bit;

		if (graph_source_parse(tok, &bit))
			return -EINVAL;
		bits |= bit;
	}
	*out = bits;
	return 0;
}

int graph_settings_apply(struct graph_settings *s, const char *key,
			 const char *value)
{
	if (strcmp(key, "band_ready_now") == 0)
		return parse_double(value, 0, 100, &s->band_ready_now);
	if (strcmp(key, "band_ready_soon") == 0)
		return parse_double(value, 0, 100, &s->band_ready_soon);
	if (strcmp(key, "band_developing") == 0)
		return parse_double(value, 0, 100, &s->band_developing);
	if (strcmp(key, "step_penalty") == 0)
		return parse_double(value, 0, 1e6, &s->step_penalty);
	if (strcmp(key, "infer_promotions") == 0)
		return parse_bool(value, &s->infer_promotions);
	if (strcmp(key, "infer_lateral") == 0)
		return parse_bool(value, &s->infer_lateral);
	if (strcmp(key, "trusted_sources") == 0)
		return parse_sources(value, &s->trusted_sources);
	if (strcmp(key, "mentor_min_level") == 0)
		return parse_uint(value, 0, 5, &s->mentor_min_level);
	if (strcmp(key, "inferred_move_months") == 0)
		return parse_uint(value, 0, 600, &s->inferred_move_months);
	if (strcmp(key, "assessment_valid_days") == 0)
		return parse_uint(value, 0, 100000, &s->assessment_valid_days);
	if (strcmp(key, "readiness_mode") == 0) {
		if (strcmp(value, "proportional") == 0)
			s->readiness_mode = GRAPH_MODE_PROPORTIONAL;
		else if (strcmp(value, "binary") == 0)
			s->readiness_mode = GRAPH_MODE_BINARY;
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/* ---- lookups ---- */

#define KEYFN(name, type, arr, field) \
	static const char *name(const void *ctx, uint32_t i) \
	{ \
		return ((const graph_t *)ctx)->arr[i].field; \
	}
KEYFN(track_key, struct graph_track, tracks, key)
KEYFN(area_key, struct graph_area, areas, key)
KEYFN(comp_key, struct graph_competency, comps, key)
KEYFN(role_key, struct graph_role, roles, key)
KEYFN(module_key, struct graph_module, modules, key)
KEYFN(emp_key, struct graph_employee, emps, id)

uint32_t graph_find_track(const graph_t *g, const char *key)
{
	return km_find(&g->track_idx, track_key, g, key);
}

uint32_t graph_find_area(const graph_t *g, const char *key)
{
	return km_find(&g->area_idx, area_key, g, key);
}

uint32_t graph_find_comp(const graph_t *g, const char *key)
{
	return km_find(&g->comp_idx, comp_key, g, key);
}

uint32_t graph_find_role(const graph_t *g, const char *key)
{
	return km_find(&g->role_idx, role_key, g, key);
}

uint32_t graph_find_module(const graph_t *g, const char *key)
{
	return km_find(&g->module_idx, module_key, g, key);
}

uint32_t graph_find_employee(const graph_t *g, const char *id)
{
	return km_find(&g->emp_idx, emp_key, g, id);
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

unsigned graph_required_level(const graph_t *g, uint32_t role, uint32_t comp)
{
	const struct graph_role *r = &g->roles[role];

	for (uint32_t i = 0; i < r->req_n; i++)
		if (g->reqs[r->req_off + i].comp == comp)
			return g->reqs[r->req_off + i].level;
	return 0;
}

/* ---- references ---- */

void graph_ref(graph_t *g)
{
	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
}

struct graph_owner {
	atomic_uint refs;
	unsigned n;
	void *p[];
};

static struct graph_owner *owner_new(void *const *ptrs, unsigned n)
{
	struct graph_owner *o = malloc(sizeof(*o) + n * sizeof(void *));

	if (!o)
		return NULL;
	atomic_init(&o->refs, 1);
	o->n = n;
	memcpy(o->p, ptrs, n * sizeof(void *));
	return o;
}

static void owner_unref(struct graph_owner *o)
{
	if (!o || atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (unsigned i = 0; i < o->n; i++)
		free(o->p[i]);
	free(o);
}

/* every allocation of a snapshot built in full except emps and emp_idx */
#define FULL_ALLOCS(g) \
	(g)->tracks, (g)->areas, (g)->comps, (g)->roles, (g)->reqs, \
	(g)->moves, (g)->modules, (g)->outcomes, (g)->prereqs, \
	(g)->teachers, (g)->modules_by_key, (g)->roles_by_key, \
	(g)->role_rank, \
	(g)->track_idx.slots, (g)->area_idx.slots, (g)->comp_idx.slots, \
	(g)->role_idx.slots, (g)->module_idx.slots, (g)->arena, \
	(g)->levels, (g)->completed, (g)->attrs

static void graph_free(graph_t *g)
{
	if (g->owners_n) {
		for (unsigned i = 0; i < g->owners_n; i++)
			owner_unref(g->owners[i]);
	} else {
		/* a snapshot that failed to build owns its parts directly */
		void *p[] = { FULL_ALLOCS(g) };

		for (size_t i = 0; i < sizeof(p) / sizeof(*p); i++)
			free(p[i]);
	}
	free(g->emps);
	if (g->emp_idx_owner)
		owner_unref(g->emp_idx_owner);
	else
		free(g->emp_idx.slots);
	free(g);
}

void graph_unref(graph_t **gp)
{
	graph_t *g = *gp;

	if (!g)
		return;
	*gp = NULL;
	if (atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1)
		graph_free(g);
}

/* ---- builder ---- */

struct b_named { size_t key, name; unsigned kind; uint32_t area; };
struct b_role {
	size_t key, title;
	uint32_t track, area, grade;
	double pay_min, pay_max;
};
struct b_req { uint32_t role, comp; uint8_t level; bool must; double weight; };
struct b_move { uint32_t from, to; uint8_t kind; bool inferred; uint32_t months; };
struct b_module { size_t key, title, lms; unsigned kind; double hours; };
struct b_outcome { uint32_t module, comp; uint8_t entry, level; };
struct b_pair { uint32_t a, b; };
struct b_emp { size_t id, manager; uint32_t role, rows; bool active; bool has_manager; };
struct b_attr { uint32_t emp; size_t key, value; };
struct b_assess { uint32_t emp, comp; uint8_t level; int64_t at; };

struct graph_builder {
	VEC(char) arena;
	VEC(struct b_named) tracks, areas, comps;
	VEC(struct b_role) roles;
	VEC(struct b_req) reqs;
	VEC(struct b_move) moves;
	VEC(struct b_module) modules;
	VEC(struct b_outcome) outcomes;
	VEC(struct b_pair) prereqs, completions;
	VEC(struct b_emp) emps;
	VEC(struct b_attr) attrs;
	VEC(struct b_assess) assess;
	uint64_t assessments_seen;
	struct graph_settings settings;
	struct graph_keymap track_idx, area_idx, comp_idx, role_idx,
		module_idx, emp_idx;
	const graph_t *base;		/* a delta's snapshot, else NULL */
};

graph_builder_t *graph_builder_new(void)
{
	graph_builder_t *b = calloc(1, sizeof(*b));

	if (b) {
		graph_settings_default(&b->settings);
		/* offset 0 is the empty string */
		if (VEC_PUSH(b->arena, '\0')) {
			free(b);
			return NULL;
		}
	}
	return b;
}

void graph_builder_destroy(graph_builder_t **bp)
{
	graph_builder_t *b = *bp;

	if (!b)
		return;
	free(b->arena.v);
	free(b->tracks.v);
	free(b->areas.v);
	free(b->comps.v);
	free(b->roles.v);
	free(b->reqs.v);
	free(b->moves.v);
	free(b->modules.v);
	free(b->outcomes.v);
	free(b->prereqs.v);
	free(b->completions.v);
	free(b->emps.v);
	free(b->attrs.v);
	free(b->assess.v);
	free(b->track_idx.slots);
	free(b->area_idx.slots);
	free(b->comp_idx.slots);
	free(b->role_idx.slots);
	free(b->module_idx.slots);
	free(b->emp_idx.slots);
	free(b);
	*bp = NULL;
}

static int b_str(graph_builder_t *b, const char *s, size_t *off)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0) {
		*off = 0;
		return 0;
	}
	if (grow((void **)&b->arena.v, &b->arena.cap, b->arena.n + len + 1, 1))
		return -ENOMEM;
	*off = b->arena.n;
	memcpy(b->arena.v + b->arena.n, s, len + 1);
	b->arena.n += len + 1;
	return 0;
}

#define BKEYFN(name, vec, field) \
	static const char *name(const void *ctx, uint32_t i) \
	{ \
		const graph_builder_t *b = ctx; \
		return b->arena.v + b->vec.v[i].field; \
	}
BKEYFN(b_track_key, tracks, key)
BKEYFN(b_area_key, areas, key)
BKEYFN(b_comp_key, comps, key)
BKEYFN(b_role_key, roles, key)
BKEYFN(b_module_key, modules, key)
BKEYFN(b_emp_key, emps, id)

/* a delta resolves the framework against its base snapshot */
static uint32_t b_find_role(const graph_builder_t *b, const char *key)
{
	return b->base ? graph_find_role(b->base, key)
		       : km_find(&b->role_idx, b_role_key, b, key);
}

static uint32_t b_find_comp(const graph_builder_t *b, const char *key)
{
	return b->base ? graph_find_comp(b->base, key)
		       : km_find(&b->comp_idx, b_comp_key, b, key);
}

static uint32_t b_find_module(const graph_builder_t *b, const char *key)
{
	return b->base ? graph_find_module(b->base, key)
		       : km_find(&b->module_idx, b_module_key, b, key);
}

static int b_named(graph_builder_t *b, struct graph_keymap *idx, key_fn f,
		   void *vecp, const char *key, const char *name, unsigned kind,
		   uint32_t area)
{
	VEC(struct b_named) *vec = vecp;
	struct b_named n = { .kind = kind, .area = area };

	if (!key || !*key)
		return -EINVAL;
	if (km_find(idx, f, b, key) != GRAPH_NONE)
		return -EEXIST;
	if (vec->n >= UINT32_MAX - 1 || b_str(b, key, &n.key) ||
	    b_str(b, name, &n.name) || VEC_PUSH(*vec, n))
		return -ENOMEM;
	return km_insert(idx, f, b, (uint32_t)(vec->n - 1), (uint32_t)vec->n);
}

int graph_builder_track(graph_builder_t *b, const char *key, const char *name,
			enum graph_track_kind kind)
{
	if (b->base)
		return -EINVAL;
	if ((unsigned)kind > GRAPH_TRACK_OTHER)
		return -EINVAL;
	return b_named(b, &b->track_idx, b_track_key, &b->tracks, key, name,
		       kind, GRAPH_NONE);
}

int graph_builder_area(graph_builder_t *b, const char *key, const char *name)
{
	if (b->base)
		return -EINVAL;
	return b_named(b, &b->area_idx, b_area_key, &b->areas, key, name, 0,
		       GRAPH_NONE);
}

static int b_opt_area(graph_builder_t *b, const char *area, uint32_t *out)
{
	*out = GRAPH_NONE;
	if (area && *area) {
		*out = km_find(&b->area_idx, b_area_key, b, area);
		if (*out == GRAPH_NONE)
			return -ENOENT;
	}
	return 0;
}

int graph_builder_competency(graph_builder_t *b, const char *key,
			     const char *name, unsigned kind, const char *area)
{
	uint32_t a;

	if (b->base)
		return -EINVAL;

	if (kind > 2)
		return -EINVAL;
	if (b_opt_area(b, area, &a))
		return -ENOENT;
	return b_named(b, &b->comp_idx, b_comp_key, &b->comps, key, name, kind,
		       a);
}

int graph_builder_role(graph_builder_t *b, const char *key, const char *title,
		       const char *track, unsigned grade, const char *area,
		       double pay_min, double pay_max)
{
	if (b->base)
		return -EINVAL;
	struct b_role r = { .grade = grade, .pay_min = pay_min,
			    .pay_max = pay_max };

	if (!key || !*key || grade > 100000)
		return -EINVAL;
	if (km_find(&b->role_idx, b_role_key, b, key) != GRAPH_NONE)
		return -EEXIST;
	r.track = km_find(&b->track_idx, b_track_key, b, track);
	if (r.track == GRAPH_NONE || b_opt_area(b, area, &r.area))
		return -ENOENT;
	if (b->roles.n >= UINT32_MAX - 1 || b_str(b, key, &r.key) ||
	    b_str(b, title, &r.title) || VEC_PUSH(b->roles, r))
		return -ENOMEM;
	return km_insert(&b->role_idx, b_role_key, b,
			 (uint32_t)(b->roles.n - 1), (uint32_t)b->roles.n);
}

int graph_builder_requirement(graph_builder_t *b, const char *role,
			      const char *comp, unsigned level, double weight,
			      bool must_have)
{
	if (b->base)
		return -EINVAL;
	struct b_req r = { .level = (uint8_t)level, .must = must_have,
			   .weight = weight };

	if (level < 1 || level > 5 || !(weight > 0) || !isfinite(weight))
		return -EINVAL;
	r.role = km_find(&b->role_idx, b_role_key, b, role);
	r.comp = km_find(&b->comp_idx, b_comp_key, b, comp);
	if (r.role == GRAPH_NONE || r.comp == GRAPH_NONE)
		return -ENOENT;
	return VEC_PUSH(b->reqs, r);
}

int graph_builder_move(graph_builder_t *b, const char *from, const char *to,
		       enum graph_move_kind kind, unsigned months)
{
	struct b_move m = { .kind = (uint8_t)kind, .months = months };

	if (b->base)
		return -EINVAL;

	if (kind < GRAPH_MOVE_PROMOTION || kind > GRAPH_MOVE_TRACK_SWITCH)
		return -EINVAL;
	m.from = km_find(&b->role_idx, b_role_key, b, from);
	m.to = km_find(&b->role_idx, b_role_key, b, to);
	if (m.from == GRAPH_NONE || m.to == GRAPH_NONE)
		return -ENOENT;
	if (m.from == m.to)
		return -EINVAL;
	return VEC_PUSH(b->moves, m);
}

int graph_builder_module(graph_builder_t *b, const char *key, const char *title,
			 unsigned kind, double hours, const char *lms_ref)
{
	struct b_module m = { .kind = kind, .hours = hours };

	if (b->base)
		return -EINVAL;

	if (!key || !*key || kind > 3 || !(hours >= 0) || !isfinite(hours))
		return -EINVAL;
	if (km_find(&b->module_idx, b_module_key, b, key) != GRAPH_NONE)
		return -EEXIST;
	if (b->modules.n >= UINT32_MAX - 1 || b_str(b, key, &m.key) ||
	    b_str(b, title, &m.title) || b_str(b, lms_ref, &m.lms) ||
	    VEC_PUSH(b->modules, m))
		return -ENOMEM;
	return km_insert(&b->module_idx, b_module_key, b,
			 (uint32_t)(b->modules.n - 1), (uint32_t)b->modules.n);
}

int graph_builder_outcome(graph_builder_t *b, const char *module,
			  const char *comp, unsigned entry_level, unsigned level)
{
	if (b->base)
		return -EINVAL;
	struct b_outcome o = { .entry = (uint8_t)entry_level,
			       .level = (uint8_t)level };

	if (level < 1 || level > 5 || entry_level >= level)
		return -EINVAL;
	o.module = km_find(&b->module_idx, b_module_key, b, module);
	o.comp = km_find(&b->comp_idx, b_comp_key, b, comp);
	if (o.module == GRAPH_NONE || o.comp == GRAPH_NONE)
		return -ENOENT;
	return VEC_PUSH(b->outcomes, o);
}

int graph_builder_prereq(graph_builder_t *b, const char *module,
			 const char *requires_key)
{
	struct b_pair p;

	if (b->base)
		return -EINVAL;

	p.a = km_find(&b->module_idx, b_module_key, b, module);
	p.b = km_find(&b->module_idx, b_module_key, b, requires_key);
	if (p.a == GRAPH_NONE || p.b == GRAPH_NONE)
		return -ENOENT;
	if (p.a == p.b)
		return -EINVAL;
	return VEC_PUSH(b->prereqs, p);
}

int graph_builder_setting(graph_builder_t *b, const char *key,
			  const char *value)
{
	if (b->base)
		return -EINVAL;
	return graph_settings_apply(&b->settings, key, value);
}

int graph_builder_employee(graph_builder_t *b, const char *id, const char *role,
			   const char *manager, bool active)
{
	struct b_emp e = { .active = active };

	if (!id || !*id)
		return -EINVAL;
	if (km_find(&b->emp_idx, b_emp_key, b, id) != GRAPH_NONE)
		return -EEXIST;
	e.role = b_find_role(b, role);
	if (e.role == GRAPH_NONE)
		return -ENOENT;
	e.has_manager = manager && *manager;
	if (b->emps.n >= UINT32_MAX - 1 || b_str(b, id, &e.id) ||
	    b_str(b, manager, &e.manager) || VEC_PUSH(b->emps, e))
		return -ENOMEM;
	return km_insert(&b->emp_idx, b_emp_key, b,
			 (uint32_t)(b->emps.n - 1), (uint32_t)b->emps.n);
}

int graph_builder_attribute(graph_builder_t *b, const char *employee,
			    const char *key, const char *value)
{
	struct b_attr a;

	a.emp = km_find(&b->emp_idx, b_emp_key, b, employee);
	if (a.emp == GRAPH_NONE)
		return -ENOENT;
	if (b_str(b, key, &a.key) || b_str(b, value, &a.value))
		return -ENOMEM;
	return VEC_PUSH(b->attrs, a);
}

int graph_builder_assessment_idx(graph_builder_t *b, uint32_t emp,
				 uint32_t comp, unsigned level, unsigned source,
				 int64_t at)
{
	struct b_assess a = { emp, comp, (uint8_t)level, at };

	if (emp >= b->emps.n ||
	    comp >= (b->base ? b->base->comps_n : b->comps.n))
		return -ENOENT;
	if (level > 5)
		return -EINVAL;
	b->assessments_seen++;
	b->emps.v[emp].rows++;
	/* Untrusted sources never count: drop them now, so the transient
	 * array holds only rows that can matter. */
	if (!(source & b->settings.trusted_sources))
		return 0;
	return VEC_PUSH(b->assess, a);
}

int graph_builder_level(graph_builder_t *b, uint32_t emp, uint32_t comp,
			unsigned level, int64_t at)
{
	struct b_assess a = { emp, comp, (uint8_t)level, at };

	if (emp >= b->emps.n || comp >= b->comps.n)
		return -ENOENT;
	if (level > 5)
		return -EINVAL;
	return VEC_PUSH(b->assess, a);
}

int graph_builder_assessment(graph_builder_t *b, const char *employee,
			     const char *comp, unsigned level, unsigned source,
			     int64_t at)
{
	return graph_builder_assessment_idx(
		b, km_find(&b->emp_idx, b_emp_key, b, employee),
		b_find_comp(b, comp), level, source, at);
}

int graph_builder_completion(graph_builder_t *b, const char *employee,
			     const char *module)
{
	struct b_pair p;

	p.a = km_find(&b->emp_idx, b_emp_key, b, employee);
	p.b = b_find_module(b, module);
	if (p.a == GRAPH_NONE || p.b == GRAPH_NONE)
		return -ENOENT;
	return VEC_PUSH(b->completions, p);
}

/* ---- finish ---- */

/* qsort has no context argument: the comparators below read the snapshot
 * being finished through this per-thread pointer. */
static _Thread_local const graph_t *sort_g;

static int cmp_req(const void *a, const void *b)
{
	const struct graph_req *x = a, *y = b;

	return strcmp(sort_g->comps[x->comp].key, sort_g->comps[y->comp].key);
}

static int cmp_move_from_to(const void *a, const void *b)
{
	const struct b_move *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return strcmp(sort_g->roles[x->to].key, sort_g->roles[y->to].key);
}

static int cmp_role_key(const void *a, const void *b)
{
	return strcmp(sort_g->roles[*(const uint32_t *)a].key,
		      sort_g->roles[*(const uint32_t *)b].key);
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

static void *xcalloc(size_t n, size_t sz)
{
	return calloc(n ? n : 1, sz);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* roles ordered by (track, area, grade): promotions go to the next grade
 * present in a role's group */
static int cmp_role_group(const void *a, const void *b)
{
	const struct graph_role *x = &sort_g->roles[*(const uint32_t *)a];
	const struct graph_role *y = &sort_g->roles[*(const uint32_t *)b];

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
	return VEC_PUSH(b->moves, m);
}

/* Adds inferred moves (DESIGN.md, Paths) to b->moves. */
static int infer_moves(graph_builder_t *b, const graph_t *g)
{
	const struct graph_settings *s = &b->settings;
	size_t pairs_n = b->moves.n;
	uint64_t *pairs = NULL;
	uint32_t *order = NULL;
	int rc = -ENOMEM;

	if (!s->infer_promotions && !s->infer_lateral)
		return 0;
	pairs = xcalloc(pairs_n, sizeof(*pairs));
	order = xcalloc(g->roles_n, sizeof(*order));
	if (!pairs || !order)
		goto out;
	for (size_t i = 0; i < pairs_n; i++)
		pairs[i] = (uint64_t)b->moves.v[i].from << 32 | b->moves.v[i].to;
	graph_sort(pairs, pairs_n, sizeof(*pairs), cmp_u64);
	for (uint32_t i = 0; i < g->roles_n; i++)
		order[i] = i;
	graph_sort(order, g->roles_n, sizeof(*order), cmp_role_group);
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
	uint32_t *off = xcalloc((size_t)owners + 1, sizeof(*off));
	uint32_t *perm = xcalloc(n, sizeof(*perm));
	uint32_t *pos = xcalloc((size_t)owners + 1, sizeof(*pos));

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

static int cmp_module_key(const void *a, const void *b)
{
	return strcmp(sort_g->modules[*(const uint32_t *)a].key,
		      sort_g->modules[*(const uint32_t *)b].key);
}

/* Tarjan's strongly connected components over the prerequisite edges,
 * iteratively (a long chain must not overflow the stack). */
static int module_sccs(graph_t *g)
{
	uint32_t n = g->modules_n, counter = 0, scc_n = 0, sp = 0, cs = 0;
	uint32_t *index = xcalloc(n, sizeof(*index));
	uint32_t *low = xcalloc(n, sizeof(*low));
	uint32_t *stack = xcalloc(n, sizeof(*stack));
	uint32_t *call = xcalloc(n, sizeof(*call));	/* DFS call stack */
	uint32_t *edge = xcalloc(n, sizeof(*edge));	/* next edge per node */
	bool *on = xcalloc(n, sizeof(*on));
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
	uint32_t *cnt = xcalloc((size_t)g->comps_n + 1, sizeof(*cnt));
	int rc = -ENOMEM;

	g->teachers = xcalloc(g->outcomes_n, sizeof(*g->teachers));
	g->modules_by_key = xcalloc(g->modules_n, sizeof(*g->modules_by_key));
	if (!cnt || !g->teachers || !g->modules_by_key)
		goto out;
	for (uint32_t i = 0; i < g->modules_n; i++)
		g->modules_by_key[i] = i;
	graph_sort(g->modules_by_key, g->modules_n, sizeof(uint32_t), cmp_module_key);
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

static int finish_framework(graph_builder_t *b, graph_t *g)
{
	const char *A = g->arena;
	uint32_t *off = NULL, *perm = NULL;
	int rc = -ENOMEM;

	g->tracks_n = (uint32_t)b->tracks.n;
	g->areas_n = (uint32_t)b->areas.n;
	g->comps_n = (uint32_t)b->comps.n;
	g->roles_n = (uint32_t)b->roles.n;
	g->modules_n = (uint32_t)b->modules.n;
	g->tracks = xcalloc(g->tracks_n, sizeof(*g->tracks));
	g->areas = xcalloc(g->areas_n, sizeof(*g->areas));
	g->comps = xcalloc(g->comps_n, sizeof(*g->comps));
	g->roles = xcalloc(g->roles_n, sizeof(*g->roles));
	g->modules = xcalloc(g->modules_n, sizeof(*g->modules));
	g->roles_by_key = xcalloc(g->roles_n, sizeof(*g->roles_by_key));
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
	graph_sort(g->roles_by_key, g->roles_n, sizeof(uint32_t), cmp_role_key);
	g->role_rank = xcalloc(g->roles_n, sizeof(*g->role_rank));
	if (!g->role_rank)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->roles_n; i++)
		g->role_rank[g->roles_by_key[i]] = i;

	/* requirements, grouped by role, sorted by competency key */
	g->reqs_n = (uint32_t)b->reqs.n;
	g->reqs = xcalloc(g->reqs_n, sizeof(*g->reqs));
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
		graph_sort(g->reqs + off[r], g->roles[r].req_n, sizeof(*g->reqs),
		      cmp_req);
		for (uint32_t i = off[r] + 1; i < off[r + 1]; i++)
			if (g->reqs[i].comp == g->reqs[i - 1].comp)
				goto out;
	}
	free(off);
	free(perm);
	off = perm = NULL;

	/* moves: explicit, then inferred; grouped by source, by target key */
	graph_sort(b->moves.v, b->moves.n, sizeof(*b->moves.v), cmp_move_from_to);
	for (size_t i = 1; i < b->moves.n; i++)
		if (b->moves.v[i].from == b->moves.v[i - 1].from &&
		    b->moves.v[i].to == b->moves.v[i - 1].to)
			goto out;
	rc = infer_moves(b, g);
	if (rc)
		goto out;
	rc = -ENOMEM;
	graph_sort(b->moves.v, b->moves.n, sizeof(*b->moves.v), cmp_move_from_to);
	g->moves_n = (uint32_t)b->moves.n;
	g->moves = xcalloc(g->moves_n, sizeof(*g->moves));
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
	g->outcomes = xcalloc(g->outcomes_n, sizeof(*g->outcomes));
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
	g->prereqs = xcalloc(g->prereqs_n, sizeof(*g->prereqs));
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

static int finish_people(graph_builder_t *b, graph_t *g)
{
	const char *A = g->arena;
	uint32_t *off = NULL, *perm = NULL;
	int rc = -ENOMEM;

	g->emps_n = (uint32_t)b->emps.n;
	g->emps = xcalloc(g->emps_n, sizeof(*g->emps));
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
		    km_find(&b->emp_idx, emp_key, g, g->emps[i].manager_id) ==
			    GRAPH_NONE)
			return -ENOENT;

	/* attributes */
	g->attrs = xcalloc(b->attrs.n, sizeof(*g->attrs));
	if (!g->attrs || group_by(b->attrs.n, g->emps_n, attr_owner,
				  b->attrs.v, &off, &perm))
		goto out;
	for (size_t i = 0; i < b->attrs.n; i++) {
		g->attrs[i].key = A + b->attrs.v[perm[i]].key;
		g->attrs[i].value = A + b->attrs.v[perm[i]].value;
	}
	for (uint32_t e = 0; e < g->emps_n; e++) {
		g->emps[e].attrs = g->attrs + off[e];
		g->emps[e].attrs_n = off[e + 1] - off[e];
	}
	free(off);
	free(perm);
	off = perm = NULL;

	/* completions: sorted, duplicates folded */
	g->completed = xcalloc(b->completions.n, sizeof(*g->completed));
	if (!g->completed || group_by(b->completions.n, g->emps_n, pair_owner,
				      b->completions.v, &off, &perm))
		goto out;
	for (size_t i = 0; i < b->completions.n; i++)
		g->completed[i] = b->completions.v[perm[i]].b;
	for (uint32_t e = 0; e < g->emps_n; e++) {
		uint32_t *c = g->completed + off[e], n = off[e + 1] - off[e], k = 0;

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

	/* levels: per employee, the latest trusted assessment per competency */
	g->assessments_n = b->assessments_seen;
	g->levels = xcalloc(b->assess.n, sizeof(*g->levels));
	if (!g->levels || group_by(b->assess.n, g->emps_n, assess_owner,
				   b->assess.v, &off, &perm))
		goto out;
	for (size_t i = 0; i < b->assess.n; i++) {
		const struct b_assess *ba = &b->assess.v[perm[i]];

		g->levels[i] = (struct graph_level){ ba->comp, ba->level, ba->at };
	}
	free(perm);
	perm = NULL;
	{
		uint32_t w = 0;

		for (uint32_t e = 0; e < g->emps_n; e++) {
			struct graph_level *l = g->levels + off[e];
			uint32_t n = off[e + 1] - off[e], start = w;

			sort_levels(l, n);
			for (uint32_t i = 0; i < n; i++)
				if (i == 0 || l[i].comp != l[i - 1].comp)
					g->levels[w++] = l[i];
			g->emps[e].levels_n = w - start;
			/* pointers fixed below, once the array stops moving */
			g->emps[e].levels = (const struct graph_level *)(uintptr_t)start;
		}
		if (w < b->assess.n && w > 0) {
			struct graph_level *shrunk =
				realloc(g->levels, (size_t)w * sizeof(*g->levels));

			if (shrunk)
				g->levels = shrunk;
		}
		for (uint32_t e = 0; e < g->emps_n; e++)
			g->emps[e].levels =
				g->levels + (uintptr_t)g->emps[e].levels;
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
	graph_t *g = calloc(1, sizeof(*g));
	struct timespec ts;
	int rc = -ENOMEM;

	*bp = NULL;
	if (!g)
		goto out;
	atomic_init(&g->refs, 1);
	g->version = version;
	clock_gettime(CLOCK_REALTIME, &ts);
	g->loaded_unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	g->settings = b->settings;
	g->arena = b->arena.v;
	g->arena_len = b->arena.n;
	b->arena.v = NULL;
	sort_g = g;
	rc = finish_framework(b, g);
	if (rc == 0)
		rc = finish_people(b, g);
	sort_g = NULL;
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
		void *parts[] = { FULL_ALLOCS(g) };

		void *idx[] = { g->emp_idx.slots };

		g->owners[0] = owner_new(parts, sizeof(parts) / sizeof(*parts));
		if (!g->owners[0]) {
			rc = -ENOMEM;
			goto out;
		}
		g->owners_n = 1;
		g->emp_idx_owner = owner_new(idx, 1);
		if (!g->emp_idx_owner) {
			rc = -ENOMEM;
			goto out;
		}
	}
	*out = g;
	g = NULL;
out:
	if (g)
		graph_free(g);
	graph_builder_destroy(&b);
	return rc;
}

/* ---- publication ---- */

void graph_slot_init(struct graph_slot *s)
{
	atomic_init(&s->current, NULL);
	for (unsigned i = 0; i < GRAPH_SLOT_READERS; i++)
		atomic_init(&s->hazard[i], NULL);
}

graph_t *graph_slot_acquire(struct graph_slot *s, unsigned reader)
{
	_Atomic(graph_t *) *hz = &s->hazard[reader % GRAPH_SLOT_READERS];
	graph_t *g;

	for (;;) {
		g = atomic_load(&s->current);
		if (!g)
			return NULL;
		atomic_store(hz, g);
		if (atomic_load(&s->current) == g)
			break;
	}
	graph_ref(g);
	atomic_store_explicit(hz, NULL, memory_order_release);
	return g;
}

static void slot_retire(struct graph_slot *s, graph_t *old)
{
	if (!old)
		return;
	for (unsigned i = 0; i < GRAPH_SLOT_READERS; i++) {
		while (atomic_load(&s->hazard[i]) == old) {
			struct timespec ts = { 0, 1000 };

			nanosleep(&ts, NULL);
		}
	}
	graph_unref(&old);
}

void graph_slot_publish(struct graph_slot *s, graph_t *g)
{
	slot_retire(s, atomic_exchange(&s->current, g));
}

void graph_slot_clear(struct graph_slot *s)
{
	slot_retire(s, atomic_exchange(&s->current, NULL));
}

/* ---- deltas ---- */

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
	graph_builder_t *b = *bp;
	graph_t *tmp = NULL, *g = NULL;
	struct graph_keymap changed_idx = { 0 };
	uint8_t *used = NULL;
	struct timespec ts;
	uint64_t rows;
	int rc = -E2BIG;

	*bp = NULL;
	if (old->owners_n >= GRAPH_MAX_OWNERS)
		goto out;
	rc = -ENOMEM;
	tmp = calloc(1, sizeof(*tmp));
	g = calloc(1, sizeof(*g));
	if (!tmp || !g || changed_n >= UINT32_MAX)
		goto out;
	for (size_t i = 0; i < changed_n; i++)
		if (km_insert(&changed_idx, str_key, changed, (uint32_t)i,
			      (uint32_t)i + 1))
			goto out;
	/* the changed employees, as a small snapshot of their own */
	tmp->arena = b->arena.v;
	b->arena.v = NULL;
	tmp->comps_n = old->comps_n;
	sort_g = tmp;
	rc = finish_people(b, tmp);
	sort_g = NULL;
	if (rc)
		goto out;
	rc = -ENOMEM;
	used = xcalloc(tmp->emps_n, 1);
	/* everything but the reference count, which readers are changing */
	memcpy((char *)g + offsetof(graph_t, version),
	       (const char *)old + offsetof(graph_t, version),
	       sizeof(*g) - offsetof(graph_t, version));
	atomic_init(&g->refs, 1);
	g->version = version;
	clock_gettime(CLOCK_REALTIME, &ts);
	g->loaded_unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	g->emps = xcalloc((size_t)old->emps_n + tmp->emps_n, sizeof(*g->emps));
	memset(&g->emp_idx, 0, sizeof(g->emp_idx));
	g->emp_idx_owner = NULL;
	g->owners_n = 0;
	g->arena = NULL;
	g->levels = NULL;
	g->completed = NULL;
	g->attrs = NULL;
	if (!used || !g->emps)
		goto out;
	/* untouched employees keep their place; changed ones are replaced in
	 * place or dropped; new ones go at the end */
	g->emps_n = 0;
	g->emp_idx_owner = NULL;
	rows = old->assessments_n;
	/* the changed employees are few: find each in old through its index
	 * and copy the rest wholesale */
	memcpy(g->emps, old->emps, (size_t)old->emps_n * sizeof(*g->emps));
	g->emps_n = old->emps_n;
	{
		bool removed = false, added = false;

		for (size_t c = 0; c < changed_n; c++) {
			uint32_t i = km_find(&old->emp_idx, emp_key, old, changed[c]);
			uint32_t t = km_find(&b->emp_idx, emp_key, tmp, changed[c]);

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
			g->emp_idx_owner = old->emp_idx_owner;
			atomic_fetch_add_explicit(&g->emp_idx_owner->refs, 1,
						  memory_order_relaxed);
		} else {
			void *idx[1];

			for (uint32_t i = 0; i < g->emps_n; i++)
				if (km_insert(&g->emp_idx, emp_key, g, i, i + 1))
					goto out;
			idx[0] = g->emp_idx.slots;
			g->emp_idx_owner = owner_new(idx, 1);
			if (!g->emp_idx_owner)
				goto out;
		}
	}
	{
		void *parts[] = { tmp->arena, tmp->levels, tmp->completed,
				  tmp->attrs };
		struct graph_owner *o = owner_new(parts, 4);

		if (!o)
			goto out;
		tmp->arena = NULL;
		tmp->levels = NULL;
		tmp->completed = NULL;
		tmp->attrs = NULL;
		for (unsigned i = 0; i < old->owners_n; i++) {
			atomic_fetch_add_explicit(&old->owners[i]->refs, 1,
						  memory_order_relaxed);
			g->owners[g->owners_n++] = old->owners[i];
		}
		g->owners[g->owners_n++] = o;
	}
	*out = g;
	g = NULL;
	rc = 0;
out:
	if (g) {
		if (g->owners_n == 0) {
			/* nothing shared yet: only what this delta allocated */
			free(g->emps);
			if (g->emp_idx_owner)
				owner_unref(g->emp_idx_owner);
			else
				free(g->emp_idx.slots);
			free(g);
		} else {
			graph_free(g);
		}
	}
	if (tmp) {
		free(tmp->arena);
		free(tmp->levels);
		free(tmp->completed);
		free(tmp->attrs);
		free(tmp->emps);
		free(tmp);
	}
	free(used);
	free(changed_idx.slots);
	graph_builder_destroy(&b);
	return rc;
}
