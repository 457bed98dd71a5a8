/* query_bench: who is ready for a role, and the band counts of everyone
 * considered, overall and per value of an employee attribute (docs/scoring.md,
 * Bench) — the Bench method. */
#ifndef PATHWAYS_QUERY_BENCH_H
#define PATHWAYS_QUERY_BENCH_H

#include "query.h"

struct query_columns;

/* Bench's counts for role without its candidates (what Pipeline reports per
 * role), with the column kernel's scratch qc (query/columns.h) or, NULL,
 * the scalar way: adds the employees considered to *considered, sets *bands to the
 * four band counts and appends one row per value of attr ("": none) to
 * *breakdown, by value, all from ctx's arena; -1 (ctx status set) on
 * error. */
int query_bench_tally(struct query_ctx *ctx, struct query_columns *qc,
		      uint32_t role,
		      bool successors_only, const char *attr,
		      uint32_t *considered, Pathways__V1__BandCount ***bands,
		      size_t *n_bands, Pathways__V1__BreakdownRow ***breakdown,
		      size_t *n_breakdown);

struct query_columns_row;
/* The band counts (by band) and breakdown rows (sorted here by value) of
 * one role as Bench's messages, from ctx's arena: *bands gets the four
 * counts, *breakdown one row per row; -1 (ctx status set) out of
 * memory. */
int query_bench_messages(struct query_ctx *ctx, const uint32_t counts[5],
			 struct query_columns_row *rows, size_t rows_n,
			 Pathways__V1__BandCount ***bands, size_t *n_bands,
			 Pathways__V1__BreakdownRow ***breakdown,
			 size_t *n_breakdown);

/* Method handler: Pathways__V1__BenchRequest → BenchResponse. */
int query_bench_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		    ProtobufCMessage *resp);

#endif
