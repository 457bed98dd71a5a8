#include "graph_columns.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint16_t day_of(int64_t at)
{
	int64_t d = at / GRAPH_US_PER_DAY;

	if (at < 0 || d <= GRAPH_COLUMNS_DAY_LOW)
		return GRAPH_COLUMNS_DAY_LOW;
	if (d >= GRAPH_COLUMNS_DAY_HIGH)
		return GRAPH_COLUMNS_DAY_HIGH;
	return (uint16_t)d;
}

static void attr_free(struct graph_columns_attr *a)
{
	free(a->values);
	free(a->by_value);
	free(a->vid);
	free(a->active);
	free(a->active_upto);
	a->values = NULL;
	a->by_value = a->vid = a->active = a->active_upto = NULL;
}

const struct graph_columns_attr *graph_columns_attr(const struct graph_columns *c,
						   const char *key)
{
	for (uint32_t k = 0; k < c->attrs_n; k++)
		if (strcmp(c->attrs[k].key, key) == 0)
			return &c->attrs[k];
	return NULL;
}

static int cmp_value(const void *a, const void *b, void *values)
{
	const char *const *v = values;

	return strcmp(v[*(const uint32_t *)a], v[*(const uint32_t *)b]);
}

/* The id of value in a (added when new) through the hash table slots
 * (id + 1, 0 empty; GRAPH_COLUMNS_MAX_VALUES * 2 of them); -1 past
 * GRAPH_COLUMNS_MAX_VALUES values. */
static int64_t value_id(struct graph_columns_attr *a, uint32_t *slots,
			const char *value)
{
	uint32_t mask = GRAPH_COLUMNS_MAX_VALUES * 2 - 1;
	uint32_t h = (uint32_t)graph_hash_str(value) & mask;

	if (!value[0])
		return 0;
	while (slots[h]) {
		if (strcmp(a->values[slots[h] - 1], value) == 0)
			return slots[h] - 1;
		h = (h + 1) & mask;
	}
	if (a->values_n == GRAPH_COLUMNS_MAX_VALUES)
		return -1;
	a->values[a->values_n] = value;
	slots[h] = ++a->values_n;
	return a->values_n - 1;
}

/* Indexes attribute key: 0, or -ENOMEM. Past GRAPH_COLUMNS_MAX_VALUES
 * values the key stays, without an index. */
static int index_attr(struct graph_columns *c, const graph_t *g,
		      struct graph_columns_attr *a)
{
	size_t grades = (size_t)c->max_grade + 1;
	uint32_t *slots = calloc(GRAPH_COLUMNS_MAX_VALUES * 2, sizeof(*slots));

	a->values = calloc(GRAPH_COLUMNS_MAX_VALUES, sizeof(*a->values));
	a->vid = calloc(g->emps_n ? g->emps_n : 1, sizeof(*a->vid));
	if (!slots || !a->values || !a->vid)
		goto oom;
	a->values[0] = "";
	a->values_n = 1;
	for (uint32_t i = 0; i < g->emps_n; i++) {
		const struct graph_employee *e = &g->emps[i];

		for (uint32_t k = 0; k < e->attrs_n; k++) {
			int64_t id;

			if (strcmp(e->attrs[k].key, a->key) != 0)
				continue;
			id = value_id(a, slots, e->attrs[k].value);
			if (id < 0) {
				/* too many values: no index */
				free(slots);
				attr_free(a);
				return 0;
			}
			a->vid[i] = (uint32_t)id;
		}
	}
	free(slots);
	a->by_value = malloc(a->values_n * sizeof(*a->by_value));
	a->active = calloc(a->values_n, sizeof(*a->active));
	a->active_upto = calloc(a->values_n * grades, sizeof(*a->active_upto));
	if (!a->by_value || !a->active || !a->active_upto)
		goto oom;
	for (uint32_t v = 0; v < a->values_n; v++)
		a->by_value[v] = v;
	qsort_r(a->by_value, a->values_n, sizeof(*a->by_value), cmp_value,
		a->values);
	for (uint32_t i = 0; i < g->emps_n; i++)
		if (g->emps[i].active) {
			a->active[a->vid[i]]++;
			a->active_upto[a->vid[i] * grades +
				       g->roles[g->emps[i].role].grade]++;
		}
	for (uint32_t v = 0; v < a->values_n; v++)
		for (size_t k = 1; k < grades; k++)
			a->active_upto[v * grades + k] +=
				a->active_upto[v * grades + k - 1];
	c->bytes += a->values_n * (sizeof(*a->values) + 2 * sizeof(uint32_t) +
				   grades * sizeof(uint32_t)) +
		    (size_t)g->emps_n * sizeof(*a->vid);
	return 0;
oom:
	free(slots);
	return -ENOMEM;
}

/* the employees by role, and every attribute key an employee has */
static int index_people(struct graph_columns *c, const graph_t *g)
{
	uint32_t *at;

	c->emp_role = malloc((g->emps_n ? g->emps_n : 1) * sizeof(*c->emp_role));
	c->emp_grade_active = malloc((g->emps_n ? g->emps_n : 1) *
				     sizeof(*c->emp_grade_active));
	if (!c->emp_role || !c->emp_grade_active)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->emps_n; i++) {
		c->emp_role[i] = g->emps[i].role;
		c->emp_grade_active[i] = g->roles[g->emps[i].role].grade << 1 |
					 g->emps[i].active;
	}
	c->bytes += (size_t)g->emps_n * 2 * sizeof(uint32_t);
	c->role_off = calloc((size_t)g->roles_n + 1, sizeof(*c->role_off));
	c->role_emps = malloc((g->emps_n ? g->emps_n : 1) * sizeof(*c->role_emps));
	at = malloc(((size_t)g->roles_n + 1) * sizeof(*at));
	if (!c->role_off || !c->role_emps || !at) {
		free(at);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < g->emps_n; i++)
		c->role_off[g->emps[i].role + 1]++;
	for (uint32_t r = 0; r < g->roles_n; r++)
		c->role_off[r + 1] += c->role_off[r];
	memcpy(at, c->role_off, ((size_t)g->roles_n + 1) * sizeof(*at));
	for (uint32_t i = 0; i < g->emps_n; i++)
		c->role_emps[at[g->emps[i].role]++] = i;
	free(at);
	c->bytes += ((size_t)g->roles_n + 1 + g->emps_n) * sizeof(uint32_t);
	for (uint32_t i = 0; i < g->emps_n; i++)
		for (uint32_t k = 0; k < g->emps[i].attrs_n; k++) {
			const char *key = g->emps[i].attrs[k].key;
			struct graph_columns_attr *n;

			if (graph_columns_attr(c, key))
				continue;
			n = realloc(c->attrs, (c->attrs_n + 1) * sizeof(*n));
			if (!n)
				return -ENOMEM;
			c->attrs = n;
			memset(&n[c->attrs_n], 0, sizeof(*n));
			n[c->attrs_n++].key = key;
			if (index_attr(c, g, &n[c->attrs_n - 1]))
				return -ENOMEM;
		}
	return 0;
}

const struct graph_columns *graph_columns_of(const graph_t *g)
{
	/* the snapshot is otherwise immutable: the index is derived data,
	 * set once, atomically */
	graph_t *m = (graph_t *)(uintptr_t)g;
	const struct graph_columns *c, *none = NULL;
	struct graph_columns *n;

	c = atomic_load_explicit(&m->columns, memory_order_acquire);
	if (c || !g->columns_lazy)
		return c;
	n = graph_columns_new(g);
	if (!n)
		return NULL;
	if (atomic_compare_exchange_strong_explicit(&m->columns, &none, n,
						    memory_order_acq_rel,
						    memory_order_acquire))
		return n;
	graph_columns_destroy(&n);
	return none;
}

void graph_columns_destroy(struct graph_columns **cp)
{
	struct graph_columns *c = *cp;

	if (!c)
		return;
	*cp = NULL;
	for (uint32_t k = 0; k < c->attrs_n; k++)
		attr_free(&c->attrs[k]);
	free(c->attrs);
	free(c->role_off);
	free(c->role_emps);
	free(c->emp_role);
	free(c->emp_grade_active);
	free(c->off);
	free(c->emp);
	free(c->level);
	free(c->day);
	free(c->active_by_role);
	free(c->active_upto_grade);
	free(c);
}

struct graph_columns *graph_columns_new(const graph_t *g)
{
	struct graph_columns *c = calloc(1, sizeof(*c));
	uint32_t n = 0;

	if (!c)
		return NULL;
	c->comps_n = g->comps_n;
	for (uint32_t r = 0; r < g->roles_n; r++)
		if (g->roles[r].grade > c->max_grade)
			c->max_grade = g->roles[r].grade;
	c->off = calloc((size_t)g->comps_n + 1, sizeof(*c->off));
	c->active_by_role = calloc(g->roles_n ? g->roles_n : 1,
				   sizeof(*c->active_by_role));
	c->active_upto_grade = calloc((size_t)c->max_grade + 1,
				      sizeof(*c->active_upto_grade));
	if (!c->off || !c->active_by_role || !c->active_upto_grade)
		goto oom;
	/* counting sort by competency: employees are visited in order, so
	 * each column comes out ascending by employee */
	for (uint32_t i = 0; i < g->emps_n; i++) {
		const struct graph_employee *e = &g->emps[i];

		for (uint32_t k = 0; k < e->levels_n; k++)
			if (e->levels[k].level) {
				c->off[e->levels[k].comp + 1]++;
				n++;
			}
		if (e->active) {
			c->active++;
			c->active_by_role[e->role]++;
			c->active_upto_grade[g->roles[e->role].grade]++;
		}
	}
	for (uint32_t k = 1; k <= c->max_grade; k++)
		c->active_upto_grade[k] += c->active_upto_grade[k - 1];
	for (uint32_t k = 0; k < g->comps_n; k++)
		c->off[k + 1] += c->off[k];
	c->entries = n;
	c->emp = malloc((n ? n : 1) * sizeof(*c->emp));
	c->level = malloc(n ? n : 1);
	c->day = malloc((n ? n : 1) * sizeof(*c->day));
	if (!c->emp || !c->level || !c->day)
		goto oom;
	{
		uint32_t *at = malloc(((size_t)g->comps_n + 1) * sizeof(*at));

		if (!at)
			goto oom;
		memcpy(at, c->off, ((size_t)g->comps_n + 1) * sizeof(*at));
		for (uint32_t i = 0; i < g->emps_n; i++) {
			const struct graph_employee *e = &g->emps[i];

			for (uint32_t k = 0; k < e->levels_n; k++) {
				const struct graph_level *l = &e->levels[k];
				uint32_t j;

				if (!l->level)
					continue;
				j = at[l->comp]++;
				c->emp[j] = i;
				c->level[j] = l->level;
				c->day[j] = day_of(l->assessed_at);
			}
		}
		free(at);
	}
	c->bytes = sizeof(*c) + ((size_t)g->comps_n + 1) * sizeof(*c->off) +
		   (size_t)n * (sizeof(*c->emp) + 1 + sizeof(*c->day)) +
		   (size_t)g->roles_n * sizeof(*c->active_by_role) +
		   ((size_t)c->max_grade + 1) * sizeof(*c->active_upto_grade);
	if (index_people(c, g))
		goto oom;
	return c;
oom:
	graph_columns_destroy(&c);
	return NULL;
}
