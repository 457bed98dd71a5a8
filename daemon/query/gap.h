/* query_gap: per competency, required vs current level (docs/scoring.md, Gap),
 * and the Gap method. */
#ifndef PATHWAYS_QUERY_GAP_H
#define PATHWAYS_QUERY_GAP_H

#include "query.h"

/* Method handler: GapRequest → GapResponse. */
int query_gap_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		  ProtobufCMessage *resp);

#endif
