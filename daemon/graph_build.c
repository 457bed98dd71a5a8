/* The builder: rows in, checked and indexed by key as they come
 * (graph.h, "building"); graph_finish.c turns it into a snapshot. */
#include "graph_private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

graph_builder_t *graph_builder_new(void)
{
	graph_builder_t *b = calloc(1, sizeof(*b));

	if (b) {
		settings_default(&b->settings);
		/* offset 0 is the empty string */
		if (ARRAY_PUSH(b->arena, '\0')) {
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
	if (array_grow((void **)&b->arena.v, &b->arena.cap,
		       b->arena.n + len + 1, 1, 0))
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
		       : graph_keymap_find(&b->role_idx, b_role_key, b, key);
}

static uint32_t b_find_comp(const graph_builder_t *b, const char *key)
{
	return b->base ? graph_find_comp(b->base, key)
		       : graph_keymap_find(&b->comp_idx, b_comp_key, b, key);
}

static uint32_t b_find_module(const graph_builder_t *b, const char *key)
{
	return b->base ? graph_find_module(b->base, key)
		       : graph_keymap_find(&b->module_idx, b_module_key, b, key);
}

static int b_named(graph_builder_t *b, struct graph_keymap *idx,
		   graph_key_fn f, graph_named_vec *vec, const char *key,
		   const char *name, unsigned kind, uint32_t area)
{
	struct b_named n = { .kind = kind, .area = area };

	if (!key || !*key)
		return -EINVAL;
	if (graph_keymap_find(idx, f, b, key) != GRAPH_NONE)
		return -EEXIST;
	if (vec->n >= UINT32_MAX - 1 || b_str(b, key, &n.key) ||
	    b_str(b, name, &n.name) || ARRAY_PUSH(*vec, n))
		return -ENOMEM;
	return graph_keymap_insert(idx, f, b, (uint32_t)(vec->n - 1),
				   (uint32_t)vec->n);
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
		*out = graph_keymap_find(&b->area_idx, b_area_key, b, area);
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
	if (graph_keymap_find(&b->role_idx, b_role_key, b, key) != GRAPH_NONE)
		return -EEXIST;
	r.track = graph_keymap_find(&b->track_idx, b_track_key, b, track);
	if (r.track == GRAPH_NONE || b_opt_area(b, area, &r.area))
		return -ENOENT;
	if (b->roles.n >= UINT32_MAX - 1 || b_str(b, key, &r.key) ||
	    b_str(b, title, &r.title) || ARRAY_PUSH(b->roles, r))
		return -ENOMEM;
	return graph_keymap_insert(&b->role_idx, b_role_key, b,
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
	r.role = graph_keymap_find(&b->role_idx, b_role_key, b, role);
	r.comp = graph_keymap_find(&b->comp_idx, b_comp_key, b, comp);
	if (r.role == GRAPH_NONE || r.comp == GRAPH_NONE)
		return -ENOENT;
	return ARRAY_PUSH(b->reqs, r);
}

int graph_builder_move(graph_builder_t *b, const char *from, const char *to,
		       enum graph_move_kind kind, unsigned months)
{
	struct b_move m = { .kind = (uint8_t)kind, .months = months };

	if (b->base)
		return -EINVAL;

	if (kind < GRAPH_MOVE_PROMOTION || kind > GRAPH_MOVE_TRACK_SWITCH)
		return -EINVAL;
	m.from = graph_keymap_find(&b->role_idx, b_role_key, b, from);
	m.to = graph_keymap_find(&b->role_idx, b_role_key, b, to);
	if (m.from == GRAPH_NONE || m.to == GRAPH_NONE)
		return -ENOENT;
	if (m.from == m.to)
		return -EINVAL;
	return ARRAY_PUSH(b->moves, m);
}

int graph_builder_module(graph_builder_t *b, const char *key, const char *title,
			 unsigned kind, double hours, const char *lms_ref)
{
	struct b_module m = { .kind = kind, .hours = hours };

	if (b->base)
		return -EINVAL;

	if (!key || !*key || kind > 3 || !(hours >= 0) || !isfinite(hours))
		return -EINVAL;
	if (graph_keymap_find(&b->module_idx, b_module_key, b, key) != GRAPH_NONE)
		return -EEXIST;
	if (b->modules.n >= UINT32_MAX - 1 || b_str(b, key, &m.key) ||
	    b_str(b, title, &m.title) || b_str(b, lms_ref, &m.lms) ||
	    ARRAY_PUSH(b->modules, m))
		return -ENOMEM;
	return graph_keymap_insert(&b->module_idx, b_module_key, b,
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
	o.module = graph_keymap_find(&b->module_idx, b_module_key, b, module);
	o.comp = graph_keymap_find(&b->comp_idx, b_comp_key, b, comp);
	if (o.module == GRAPH_NONE || o.comp == GRAPH_NONE)
		return -ENOENT;
	return ARRAY_PUSH(b->outcomes, o);
}

int graph_builder_prereq(graph_builder_t *b, const char *module,
			 const char *requires_key)
{
	struct b_pair p;

	if (b->base)
		return -EINVAL;

	p.a = graph_keymap_find(&b->module_idx, b_module_key, b, module);
	p.b = graph_keymap_find(&b->module_idx, b_module_key, b, requires_key);
	if (p.a == GRAPH_NONE || p.b == GRAPH_NONE)
		return -ENOENT;
	if (p.a == p.b)
		return -EINVAL;
	return ARRAY_PUSH(b->prereqs, p);
}

int graph_builder_setting(graph_builder_t *b, const char *key,
			  const char *value)
{
	if (b->base)
		return -EINVAL;
	return settings_apply(&b->settings, key, value, NULL, 0);
}

int graph_builder_employee(graph_builder_t *b, const char *id, const char *role,
			   const char *manager, bool active)
{
	struct b_emp e = { .active = active };

	if (!id || !*id)
		return -EINVAL;
	if (graph_keymap_find(&b->emp_idx, b_emp_key, b, id) != GRAPH_NONE)
		return -EEXIST;
	e.role = b_find_role(b, role);
	if (e.role == GRAPH_NONE)
		return -ENOENT;
	e.has_manager = manager && *manager;
	if (b->emps.n >= UINT32_MAX - 1 || b_str(b, id, &e.id) ||
	    b_str(b, manager, &e.manager) || ARRAY_PUSH(b->emps, e))
		return -ENOMEM;
	return graph_keymap_insert(&b->emp_idx, b_emp_key, b,
			 (uint32_t)(b->emps.n - 1), (uint32_t)b->emps.n);
}

int graph_builder_attribute(graph_builder_t *b, const char *employee,
			    const char *key, const char *value)
{
	struct b_attr a;

	a.emp = graph_keymap_find(&b->emp_idx, b_emp_key, b, employee);
	if (a.emp == GRAPH_NONE)
		return -ENOENT;
	if (b_str(b, key, &a.key) || b_str(b, value, &a.value))
		return -ENOMEM;
	return ARRAY_PUSH(b->attrs, a);
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
	return ARRAY_PUSH(b->assess, a);
}

int graph_builder_level(graph_builder_t *b, uint32_t emp, uint32_t comp,
			unsigned level, int64_t at)
{
	struct b_assess a = { emp, comp, (uint8_t)level, at };

	if (emp >= b->emps.n || comp >= b->comps.n)
		return -ENOENT;
	if (level > 5)
		return -EINVAL;
	return ARRAY_PUSH(b->assess, a);
}

int graph_builder_assessment(graph_builder_t *b, const char *employee,
			     const char *comp, unsigned level, unsigned source,
			     int64_t at)
{
	return graph_builder_assessment_idx(
		b, graph_keymap_find(&b->emp_idx, b_emp_key, b, employee),
		b_find_comp(b, comp), level, source, at);
}

int graph_builder_completion(graph_builder_t *b, const char *employee,
			     const char *module)
{
	struct b_pair p;

	p.a = graph_keymap_find(&b->emp_idx, b_emp_key, b, employee);
	p.b = b_find_module(b, module);
	if (p.a == GRAPH_NONE || p.b == GRAPH_NONE)
		return -ENOENT;
	return ARRAY_PUSH(b->completions, p);
}

