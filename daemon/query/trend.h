/* query_trend: an employee's readiness for roles over time, from the
 * snapshot's assessment history (docs/scoring.md, "The past: as of,
 * and Trend"), and the Trend method.
 *
 * A series has a point at `from` and one at each instant in (from, to]
 * where the level of a competency the role requires changed value or
 * expired; each point is what Readiness answers with that as_of. Instants
 * are whole milliseconds, as on the wire: a change at a fraction of a
 * millisecond shows at the next whole one, the first instant a Readiness
 * as_of sees it. */
#ifndef PATHWAYS_QUERY_TREND_H
#define PATHWAYS_QUERY_TREND_H

#include "query.h"

/* Method handler: TrendRequest → TrendResponse. INVALID_ARGUMENT for a
 * `to` in the future or a `from` after `to`; NOT_FOUND naming an unknown
 * employee or role. */
int query_trend_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		    ProtobufCMessage *resp);

#endif
