#include "graph_columns.h"

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

void graph_columns_destroy(struct graph_columns **cp)
{
	struct graph_columns *c = *cp;

	if (!c)
		return;
	*cp = NULL;
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
	return c;
oom:
	graph_columns_destroy(&c);
	return NULL;
}
