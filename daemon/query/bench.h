/* query_bench: who is ready for a role, and the band counts of everyone
 * considered, overall and per value of an employee attribute (docs/scoring.md,
 * Bench) — the Bench method. */
#ifndef PATHWAYS_QUERY_BENCH_H
#define PATHWAYS_QUERY_BENCH_H

#include "query.h"

int query_bench_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		    ProtobufCMessage *resp);

#endif
