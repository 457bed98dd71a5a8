/* query_mentors: who can mentor a learner towards a role or in one
 * competency (docs/scoring.md, Mentors) — the Mentors method. */
#ifndef PATHWAYS_QUERY_MENTORS_H
#define PATHWAYS_QUERY_MENTORS_H

#include "query.h"

int query_mentors_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		      ProtobufCMessage *resp);

#endif
