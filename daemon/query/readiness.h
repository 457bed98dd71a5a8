/* query_readiness: readiness of an employee for a role (docs/scoring.md,
 * Scoring) and the Readiness method. */
#ifndef PATHWAYS_QUERY_READINESS_H
#define PATHWAYS_QUERY_READINESS_H

#include "query.h"

struct query_readiness_score {
	double readiness;		/* exact, 0..100 */
	unsigned met, required;
	unsigned blockers;		/* unmet must-haves */
	Pathways__V1__Band band;
};

/* Scores employee e for role r at time now, in the snapshot's
 * readiness_mode. Never fails. */
void query_readiness_score(const graph_t *g, const struct graph_employee *e,
			   uint32_t role, int64_t now,
			   struct query_readiness_score *out);

/* Scoring many employees for one role: a dense competency -> requirement
 * map lets each employee be scored in one pass over their own levels. */
struct query_role_scorer {
	const graph_t *g;
	uint32_t role;
	int16_t *req_of;		/* per competency: requirement index, -1 */
	uint8_t *cur;			/* per requirement: scratch */
};

/* The score from the sums over r's requirements in their order: num of
 * weight × min(level, L) × 60 / L, den of weights, met and blockers (what
 * both scorers and the column kernel, query/columns.c, end with). */
void query_readiness_finish(const graph_t *g, const struct graph_role *r,
			    double num, double den, unsigned met,
			    unsigned blockers, struct query_readiness_score *out);

/* Allocates the maps from ctx's arena; -1 (ctx status set) on OOM. */
int query_role_scorer_init(struct query_ctx *ctx, struct query_role_scorer *rs,
			   uint32_t role);
/* Same result as query_readiness_score(). */
void query_role_scorer_score(struct query_role_scorer *rs,
			     const struct graph_employee *e, int64_t now,
			     struct query_readiness_score *out);

/* The roles one move away from role r (explicit and inferred moves),
 * by key, without duplicates: writes up to max indexes into out and
 * returns how many there are (may exceed max). */
uint32_t query_readiness_next_roles(const graph_t *g, uint32_t role,
				    uint32_t *out, uint32_t max);

/* Method handler: Pathways__V1__ReadinessRequest → ReadinessResponse. */
int query_readiness_run(struct query_ctx *ctx, const ProtobufCMessage *req,
			ProtobufCMessage *resp);

#endif
