/* graph_columns: a derived index of a snapshot for scoring one role over
 * everyone — each competency's current levels as a column (the employees
 * that hold a level in it, ascending, with the level as a byte and the day
 * it was assessed), and the active employees counted per role and per
 * grade. Scoring a role then reads only its requirements' columns
 * (query/columns.c) instead of every employee's levels.
 *
 * It is built from the snapshot's employees (their levels as
 * graph_level_of reads them) when a full load is finished, and for a delta
 * on its first use (graph_columns_of), so a change is published without
 * waiting for it; the per-employee levels stay the source of truth. A
 * snapshot without one (out of memory) is scored the scalar way. */
#ifndef PATHWAYS_GRAPH_COLUMNS_H
#define PATHWAYS_GRAPH_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* day values that do not say which side of a day boundary the
 * assessment lies: before 1970-01-02 or after 2149 */
#define GRAPH_COLUMNS_DAY_LOW 0
#define GRAPH_COLUMNS_DAY_HIGH UINT16_MAX

/* an attribute with more distinct values is not indexed (a breakdown by
 * it is scored the scalar way) */
#define GRAPH_COLUMNS_MAX_VALUES 4096u

/* One employee attribute key: each employee's value as an id (0: "",
 * also for those without it; the last of several wins, as the scalar
 * breakdown reads it) and the active employees per value. vid NULL: the
 * key has too many values to index. */
struct graph_columns_attr {
	const char *key;
	uint32_t values_n;
	const char **values;		/* by id; values[0] = "" */
	uint32_t *by_value;		/* ids in strcmp order of their values */
	uint32_t *vid;			/* per employee */
	uint32_t *active;		/* per value */
	uint32_t *active_upto;		/* per value, max_grade + 1 each:
					 * with a role of grade at most g */
};

struct graph_columns {
	uint32_t comps_n;
	/* column c is entries off[c] .. off[c + 1] - 1 */
	uint32_t *off;
	uint32_t *emp;			/* employee index, ascending */
	uint8_t *level;			/* 1..5: level 0 is not stored */
	uint16_t *day;			/* floor(assessed_at / day), clamped */
	uint32_t entries;
	/* active employees: in all, per role, and with a role of grade at
	 * most g (g = 0 .. max_grade) */
	uint32_t active;
	uint32_t *active_by_role;
	uint32_t *active_upto_grade;
	uint32_t max_grade;
	/* employee indexes by role: role r's are role_emps[role_off[r] ..
	 * role_off[r + 1] - 1] */
	uint32_t *role_off, *role_emps;
	/* per employee, packed for the kernel's random accesses: their role,
	 * and their role's grade << 1 | active */
	uint32_t *emp_role, *emp_grade_active;
	struct graph_columns_attr *attrs;
	uint32_t attrs_n;
	size_t bytes;			/* what it holds, for memory figures */
};

/* g's index: the one it has, else for a delta (columns_lazy) one built
 * now and kept with g (if two threads race, one index wins and the other
 * is freed); NULL: none (out of memory, or a snapshot built without
 * one). */
const struct graph_columns *graph_columns_of(const graph_t *g);

/* The index of g (its employees and roles); NULL without memory. */
struct graph_columns *graph_columns_new(const graph_t *g);
void graph_columns_destroy(struct graph_columns **c);

/* The attribute key key; NULL when no employee has it. */
const struct graph_columns_attr *graph_columns_attr(const struct graph_columns *c,
						   const char *key);

/* The active employees with a role of grade at most g. */
static inline uint32_t graph_columns_active_upto(const struct graph_columns *c,
						 uint32_t g)
{
	return c->active_upto_grade[g < c->max_grade ? g : c->max_grade];
}

#endif
