/* query_placement: where an employee stands on each track of their area —
 * the highest grade whose requirements they all meet, and the best-fitting
 * role one grade up (docs/scoring.md, placement) — the Placement method. */
#ifndef PATHWAYS_QUERY_PLACEMENT_H
#define PATHWAYS_QUERY_PLACEMENT_H

#include "query.h"

/* Method handler: PlacementRequest → PlacementResponse (tracks by key). */
int query_placement_run(struct query_ctx *ctx, const ProtobufCMessage *req,
			ProtobufCMessage *resp);

#endif
