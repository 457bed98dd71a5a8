/* graph_columns: a derived index of a snapshot for scoring one role over
 * everyone — each competency's current levels as a column (the employees
 * that hold a level in it, ascending, with the level as a byte and the day
 * it was assessed), and the active employees counted per role and per
 * grade. Scoring a role then reads only its requirements' columns
 * (query/columns.c) instead of every employee's levels.
 *
 * It is built from the snapshot's employees (their levels as
 * graph_level_of reads them) when a snapshot is finished and again for
 * every delta; the per-employee levels stay the source of truth. A
 * snapshot without one (built out of memory) is scored the scalar way. */
#ifndef PATHWAYS_GRAPH_COLUMNS_H
#define PATHWAYS_GRAPH_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* day values that do not say which side of a day boundary the
 * assessment lies: before 1970-01-02 or after 2149 */
#define GRAPH_COLUMNS_DAY_LOW 0
#define GRAPH_COLUMNS_DAY_HIGH UINT16_MAX

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
	size_t bytes;			/* what it holds, for memory figures */
};

/* The index of g (its employees and roles); NULL without memory. */
struct graph_columns *graph_columns_new(const graph_t *g);
void graph_columns_destroy(struct graph_columns **c);

/* The active employees with a role of grade at most g. */
static inline uint32_t graph_columns_active_upto(const struct graph_columns *c,
						 uint32_t g)
{
	return c->active_upto_grade[g < c->max_grade ? g : c->max_grade];
}

#endif
