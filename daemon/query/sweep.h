/* query_sweep: many roles scored over everyone at once (Pipeline), and
 * one role the same way (Bench), from the column index
 * (graph_columns.h): roles that share competencies have those
 * competencies' levels laid out once as byte columns over the employees
 * holding any of them, and each role is then a column-wise sum over the
 * bytes in whole units that the compiler vectorizes. The counts are
 * query_columns_tally()'s (query/columns.h), bit for bit. */
#ifndef PATHWAYS_QUERY_SWEEP_H
#define PATHWAYS_QUERY_SWEEP_H

#include "columns.h"

/* One role of a sweep: what query_columns_tally() gives for it. */
struct query_sweep_role {
	uint32_t role;			/* in */
	bool done;			/* false: not swept, tally it alone */
	uint32_t counts[5];		/* by band */
	uint32_t considered;
	uint32_t rest;			/* of them, with no level in the
					 * role's competencies */
	struct query_columns_row *rows;	/* with attr: by value */
	size_t rows_n;
};

/* Scores every role of roles[0 .. n) over everyone Bench considers at
 * once, with the same counts and rows query_columns_tally() gives role by
 * role. Roles that share competencies are swept together: their
 * competencies' levels, expiry applied, are laid out once as byte columns
 * over the employees holding any of them, and each role is then a
 * column-wise sum over those bytes in whole units (exact: it is done only
 * for roles whose weights are multiples of a power of two small enough
 * that the scalar scorer's double sum has no rounding; those are left
 * done = false, as are roles without requirements). Returns 0; 1 when
 * attr has too many values to be indexed or grades are too high (nothing
 * done); -1 (ctx status set) out of memory or past the deadline. */
int query_sweep_roles(struct query_columns *qc, bool successors_only,
		      const char *attr, struct query_sweep_role *roles,
		      size_t n);

/* Bench's pass for out->role when its weights allow (as the sweep's):
 * out's counts and rows as the sweep gives them, and each called for the
 * considered employees with a level in a required competency who could
 * be among the best `limit` at or above min_readiness (the best sums and
 * every one tied with the last of them; the others have `limit` strictly
 * better than them), with their score; *rest and *rest_score as
 * query_columns_tally() gives them. Returns 0; 1 when it cannot (use
 * query_columns_tally()); -1 (ctx status set) out of memory. */
int query_sweep_bench(struct query_columns *qc, bool successors_only,
		      const char *attr, unsigned limit, double min_readiness,
		      struct query_sweep_role *out, query_columns_fn each,
		      void *arg, uint32_t *rest,
		      struct query_readiness_score *rest_score);

#endif
