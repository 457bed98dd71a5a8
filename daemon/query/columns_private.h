/* query_columns' insides, shared with query/sweep.c: the scratch of one
 * request, and the breakdown helpers both passes use. */
#ifndef PATHWAYS_QUERY_COLUMNS_PRIVATE_H
#define PATHWAYS_QUERY_COLUMNS_PRIVATE_H

#include "columns.h"
#include "graph_columns.h"

struct query_columns {
	struct query_ctx *ctx;
	const struct graph_columns *c;
	/* per employee, valid where stamp equals seq (no clearing between
	 * roles); one cache line's worth together */
	struct sums {
		double num;
		uint32_t stamp;
		uint8_t met, musts_met, boundary;
	} *sums;
	uint32_t seq;
	uint32_t *touched;
	/* per value of the breakdown's attribute: considered, considered
	 * and touched, band counts */
	const struct graph_columns_attr *attr;
	uint32_t *cons, *tcons, (*vcounts)[5];
};

/* the day before which an assessment has expired at now: valid when its
 * day is after it, expired before it, and on it only its instant says */
int64_t query_columns_oldest_day(int64_t now, unsigned days);

/* The scratch per value of a, kept for the next role (counts zeroed);
 * -1 (ctx status set) out of memory. */
int query_columns_attr_scratch(struct query_columns *qc,
			       const struct graph_columns_attr *a);

/* Each value's considered for role: active with it (of grade at most
 * the role's, for successors) but not holding the role. */
void query_columns_attr_considered(struct query_columns *qc, const graph_t *g,
				   uint32_t role, bool successors_only);

/* The rows by value from the counts, those considered but not counted
 * (the rest) at rest_band; -1 (ctx status set) out of memory. */
int query_columns_attr_rows(struct query_columns *qc,
			    Pathways__V1__Band rest_band,
			    struct query_columns_row **rows, size_t *rows_n);

#endif
