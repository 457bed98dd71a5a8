/* query_path: routes between roles over the move graph (docs/scoring.md, paths):
 * the Path method (Yen's k cheapest loopless routes over a hop-bounded
 * Dijkstra) and the Explore method (everything reachable, cheapest first).
 *
 * Ties are broken by the sequence of role keys, so the same question always
 * gets the same answer. */
#ifndef PATHWAYS_QUERY_PATH_H
#define PATHWAYS_QUERY_PATH_H

#include "query.h"

/* Method handler: PathRequest → PathResponse. */
int query_path_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		   ProtobufCMessage *resp);

/* Method handler: ExploreRequest → ExploreResponse. */
int query_path_explore(struct query_ctx *ctx, const ProtobufCMessage *req,
		       ProtobufCMessage *resp);

#endif
