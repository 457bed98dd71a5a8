/* query_modules: the learning pathway that closes an employee's gap to a
 * role (docs/scoring.md, Learning pathway) and the RecommendModules method. */
#ifndef PATHWAYS_QUERY_MODULES_H
#define PATHWAYS_QUERY_MODULES_H

#include "query.h"

struct query_modules_need {
	uint32_t comp;
	uint8_t required, current;	/* current: as the pathway reaches */
	uint8_t start;			/* the employee's level before it */
	bool must_have, stale;
	double weight;
};

struct query_modules_step {
	uint32_t module;
	bool prerequisite;
	double cumulative_hours;
};

struct query_modules_plan {
	struct query_modules_need *needs;	/* by competency key */
	uint32_t needs_n;
	struct query_modules_step *steps;	/* in the order to take them */
	uint32_t steps_n;
	double total_hours;
	uint32_t uncovered_n;			/* needs still unmet */
};

/* Plans the pathway for employee e towards role; max_hours 0 and
 * max_modules 0 mean no limit. Everything is allocated from ctx's arena.
 * Returns 0, or -1 with ctx's status set (out of memory). */
int query_modules_plan(struct query_ctx *ctx, const struct graph_employee *e,
		       uint32_t role, double max_hours, uint32_t max_modules,
		       struct query_modules_plan *out);

/* The needs of plan p still unmet at its end, as CompetencyGaps (current =
 * the level the pathway reaches), in *out (arena). 0, or -1 on OOM. */
int query_modules_uncovered(struct query_ctx *ctx,
			    const struct query_modules_plan *p,
			    Pathways__V1__CompetencyGap ***out, size_t *n_out);

/* Method handler: RecommendModulesRequest → RecommendModulesResponse. */
int query_modules_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		      ProtobufCMessage *resp);

#endif
