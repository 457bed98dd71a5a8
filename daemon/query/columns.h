/* query_columns: one role scored over everyone from the snapshot's column
 * index (graph_columns.h) — the Bench and Pipeline kernel.
 *
 * Only the employees holding a level in one of the role's required
 * competencies ("touched") are visited, column by column in requirement
 * order: per requirement, a table of weight × min(level, L) × 60 / L by
 * level is added up exactly as the scalar scorer adds it (same terms, same
 * order, so the same double), met and met must-haves counted; expiry is a
 * compare of whole days, and an assessment on the boundary day is scored
 * the scalar way. Everyone else considered has no level in any required
 * competency and shares one score, counted from the index's per-role and
 * per-grade counts without visiting them. The result equals scoring each
 * considered employee with query_role_scorer_score(). */
#ifndef PATHWAYS_QUERY_COLUMNS_H
#define PATHWAYS_QUERY_COLUMNS_H

#include "query.h"
#include "readiness.h"

struct query_columns;

/* Whether Bench considers employee e for role: active and not holding it;
 * with successors_only, also no higher in grade (docs/scoring.md, Bench):
 * grades compare across tracks, as the dual ladder makes equal grades
 * equivalent, so a step across is a successor too. */
static inline bool query_considers(const graph_t *g,
				   const struct graph_employee *e,
				   uint32_t role, bool successors_only)
{
	if (!e->active || e->role == role)
		return false;
	return !successors_only ||
	       g->roles[e->role].grade <= g->roles[role].grade;
}

/* Scratch over every employee for one request, reused role after role;
 * NULL (ctx status set) when out of memory or the snapshot has no column
 * index (then ctx status is untouched: score the scalar way). */
struct query_columns *query_columns_new(struct query_ctx *ctx);

/* Called for each considered employee with a level in a required
 * competency, with their score. */
typedef void (*query_columns_fn)(void *arg, uint32_t emp,
				 const struct query_readiness_score *sc);

/* A breakdown row: the band counts of those considered with one value. */
struct query_columns_row {
	const char *value;
	uint32_t counts[5];
};

/* Scores role over everyone Bench considers (query_considers): adds to
 * counts[band] and *considered; each touched one goes to each (may be
 * NULL). *rest is the number of the others, *rest_score their common
 * score. With attr (not ""), *rows gets one row per value of attr among
 * those considered ("" for those without it), by value, from the arena.
 * Returns 0; 1 when attr has too many values to be indexed (nothing
 * counted: score the scalar way); -1 (ctx status set) out of memory. */
int query_columns_tally(struct query_columns *qc,
			struct query_role_scorer *rs, bool successors_only,
			const char *attr, uint32_t counts[5],
			uint32_t *considered, query_columns_fn each, void *arg,
			uint32_t *rest, struct query_readiness_score *rest_score,
			struct query_columns_row **rows, size_t *rows_n);

#endif
