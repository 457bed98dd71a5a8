/* query_pipeline: every selected role's bench at once — per role the band
 * counts and breakdown Bench reports, how many are ready and whether that is
 * thin, and the competencies only one person or no one reaches
 * (docs/scoring.md, Pipeline) — the Pipeline method. */
#ifndef PATHWAYS_QUERY_PIPELINE_H
#define PATHWAYS_QUERY_PIPELINE_H

#include "query.h"

/* Method handler: Pathways__V1__PipelineRequest → PipelineResponse. One
 * request scores every selected role over everyone: it runs on a worker and
 * stops with DEADLINE_EXCEEDED once ctx->deadline_us has passed. */
int query_pipeline_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		       ProtobufCMessage *resp);

#endif
