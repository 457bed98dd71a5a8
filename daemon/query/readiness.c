#include "readiness.h"

#include <string.h>

#include "modules.h"

/* the arithmetic shared by both scorers: levels in cur[].
 * min(cur, L) / L is summed as min(cur, L) * (60 / L) — 60 / L is a whole
 * number for every level 1..5 — and divided once at the end, so a score
 * that is exactly on a band threshold (40, 70, 90) comes out exactly, not
 * a hair below it as a sum of thirds and fifths would. */
static void score_levels(const graph_t *g, const struct graph_role *r,
			 const uint8_t *cur, struct query_readiness_score *out)
{
	static const double sixtieths[6] = { 0, 60, 30, 20, 15, 12 };
	const struct graph_req *req = g->reqs + r->req_off;
	double num = 0, den = 0;
	unsigned met = 0, blockers = 0;

	for (uint32_t i = 0; i < r->req_n; i++) {
		unsigned c = cur[i], l = req[i].level;

		if (c >= l)
			met++;
		else if (req[i].must_have)
			blockers++;
		num += req[i].weight * (double)(c < l ? c : l) * sixtieths[l];
		den += req[i].weight;
	}
	query_readiness_finish(g, r, num, den, met, blockers, out);
}

void query_readiness_finish(const graph_t *g, const struct graph_role *r,
			    double num, double den, unsigned met,
			    unsigned blockers, struct query_readiness_score *out)
{
	if (r->req_n == 0)
		out->readiness = 100.0;
	else if (g->settings.readiness_mode == GRAPH_MODE_BINARY)
		out->readiness = 100.0 * (double)met / (double)r->req_n;
	else
		out->readiness = 100.0 * num / (60.0 * den);
	out->met = met;
	out->required = r->req_n;
	out->blockers = blockers;
	out->band = query_band(&g->settings, out->readiness, blockers);
}

void query_readiness_score(const graph_t *g, const struct graph_employee *e,
			   uint32_t role, int64_t now,
			   struct query_readiness_score *out)
{
	const struct graph_role *r = &g->roles[role];
	uint8_t cur[GRAPH_MAX_ROLE_REQS];

	for (uint32_t i = 0; i < r->req_n; i++)
		cur[i] = (uint8_t)graph_level_of(g, e, g->reqs[r->req_off + i].comp,
						 now, NULL);
	score_levels(g, r, cur, out);
}

int query_role_scorer_init(struct query_ctx *ctx, struct query_role_scorer *rs,
			   uint32_t role)
{
	const graph_t *g = ctx->g;
	const struct graph_role *r = &g->roles[role];

	rs->g = g;
	rs->role = role;
	rs->req_of = query_alloc(ctx, g->comps_n, sizeof(*rs->req_of));
	rs->cur = query_alloc(ctx, r->req_n ? r->req_n : 1, 1);
	if (!rs->req_of || !rs->cur)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
	memset(rs->req_of, 0xff, (size_t)g->comps_n * sizeof(*rs->req_of));
	for (uint32_t i = 0; i < r->req_n; i++)
		rs->req_of[g->reqs[r->req_off + i].comp] = (int16_t)i;
	return 0;
}

void query_role_scorer_score(struct query_role_scorer *rs,
			     const struct graph_employee *e, int64_t now,
			     struct query_readiness_score *out)
{
	const graph_t *g = rs->g;
	const struct graph_role *r = &g->roles[rs->role];
	unsigned days = g->settings.assessment_valid_days;
	int64_t oldest = now - (int64_t)days * GRAPH_US_PER_DAY;

	memset(rs->cur, 0, r->req_n);
	for (uint32_t i = 0; i < e->levels_n; i++) {
		const struct graph_level *l = &e->levels[i];
		int16_t k = rs->req_of[l->comp];

		if (k >= 0 && (!days || l->assessed_at >= oldest))
			rs->cur[k] = l->level;
	}
	score_levels(g, r, rs->cur, out);
}

uint32_t query_readiness_next_roles(const graph_t *g, uint32_t role,
				    uint32_t *out, uint32_t max)
{
	const struct graph_role *r = &g->roles[role];
	const struct graph_move *m = g->moves + r->move_off;
	uint32_t n = 0;

	/* moves are sorted by target key, so duplicates are adjacent */
	for (uint32_t i = 0; i < r->move_n; i++) {
		if (i > 0 && m[i].to == m[i - 1].to)
			continue;
		if (n < max)
			out[n] = m[i].to;
		n++;
	}
	return n;
}

/* An employee's current levels by competency, expiry applied: filled once
 * per employee, read by every role asked about them. */
static void fill_dense(const graph_t *g, const struct graph_employee *e,
		       int64_t now, uint8_t *lvl)
{
	unsigned days = g->settings.assessment_valid_days;
	int64_t oldest = now - (int64_t)days * GRAPH_US_PER_DAY;

	for (uint32_t i = 0; i < e->levels_n; i++)
		if (!days || e->levels[i].assessed_at >= oldest)
			lvl[e->levels[i].comp] = e->levels[i].level;
}

static void clear_dense(const struct graph_employee *e, uint8_t *lvl)
{
	for (uint32_t i = 0; i < e->levels_n; i++)
		lvl[e->levels[i].comp] = 0;
}

static int fill_result(struct query_ctx *ctx,
		       Pathways__V1__ReadinessResult *res,
		       const struct graph_employee *e, uint32_t role,
		       bool estimates, const uint8_t *lvl)
{
	const graph_t *g = ctx->g;
	const struct graph_role *r = &g->roles[role];
	const struct graph_req *req = g->reqs + r->req_off;
	struct query_readiness_score sc;
	uint8_t cur[GRAPH_MAX_ROLE_REQS];

	for (uint32_t i = 0; i < r->req_n; i++)
		cur[i] = lvl[req[i].comp];
	score_levels(g, r, cur, &sc);
	res->readiness = query_round1(sc.readiness);
	res->band = sc.band;
	res->met = sc.met;
	res->required = sc.required;
	if (sc.blockers) {
		res->blockers = query_alloc(ctx, sc.blockers, sizeof(char *));
		if (!res->blockers)
			return -1;
		for (uint32_t i = 0; i < r->req_n; i++)
			if (req[i].must_have && cur[i] < req[i].level)
				res->blockers[res->n_blockers++] =
					query_str(g->comps[req[i].comp].key);
	}
	if (estimates) {
		struct query_modules_plan plan;

		if (query_modules_plan(ctx, e, role, 0, 0, &plan))
			return -1;
		res->estimated_hours = plan.total_hours;
		res->uncovered_needs = plan.uncovered_n;
	}
	return 0;
}

int query_readiness_run(struct query_ctx *ctx, const ProtobufCMessage *reqm,
			ProtobufCMessage *respm)
{
	const Pathways__V1__ReadinessRequest *req = (const void *)reqm;
	Pathways__V1__ReadinessResponse *resp = (void *)respm;
	const graph_t *g = ctx->g;
	uint32_t *emp = NULL, *role = NULL;
	uint32_t *next = NULL;
	uint8_t *lvl;
	size_t pairs = 0, k = 0;
	struct graph_level *as_of_buf = NULL;
	uint32_t levels_max = 0;
	bool past;

	if (query_as_of(ctx, req->as_of_unix_ms, "as_of_unix_ms", &past))
		return -1;

	emp = query_alloc(ctx, req->n_employee_ids, sizeof(*emp));
	role = query_alloc(ctx, req->n_role_keys, sizeof(*role));
	if (!emp || !role)
		goto oom;
	for (size_t i = 0; i < req->n_role_keys; i++) {
		role[i] = graph_find_role(g, req->role_keys[i]);
		if (role[i] == GRAPH_NONE && !req->skip_unknown)
			return query_fail(ctx, QUERY_NOT_FOUND,
					  "unknown role \"%s\"",
					  req->role_keys[i]);
	}
	for (size_t i = 0; i < req->n_employee_ids; i++) {
		size_t n = req->n_role_keys;

		emp[i] = graph_find_employee(g, req->employee_ids[i]);
		if (emp[i] == GRAPH_NONE && !req->skip_unknown)
			return query_fail(ctx, QUERY_NOT_FOUND,
					  "unknown employee \"%s\"",
					  req->employee_ids[i]);
		if (n == 0)
			n = emp[i] == GRAPH_NONE
				    ? 1
				    : query_readiness_next_roles(
					      g, g->emps[emp[i]].role, NULL, 0);
		if (past && emp[i] != GRAPH_NONE &&
		    g->emps[emp[i]].levels_n > levels_max)
			levels_max = g->emps[emp[i]].levels_n;
		if (n == 0 && emp[i] != GRAPH_NONE)
			continue;
		pairs += n ? n : 1;
		if (pairs > QUERY_MAX_READINESS_PAIRS)
			return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
					  "too many pairs: more than %u",
					  QUERY_MAX_READINESS_PAIRS);
		if (req->with_estimates && pairs > QUERY_MAX_ESTIMATE_PAIRS)
			return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
					  "too many pairs with estimates: more than %u (each plans a learning pathway)",
					  QUERY_MAX_ESTIMATE_PAIRS);
	}
	resp->results = query_alloc(ctx, pairs, sizeof(*resp->results));
	lvl = query_alloc(ctx, g->comps_n ? g->comps_n : 1, 1);
	if (past)
		as_of_buf = query_alloc(ctx, levels_max ? levels_max : 1,
					sizeof(*as_of_buf));
	if (!resp->results || !lvl || (past && !as_of_buf))
		goto oom;
	if (req->n_role_keys == 0) {
		next = query_alloc(ctx, g->roles_n, sizeof(*next));
		if (!next)
			goto oom;
	}
	for (size_t i = 0; i < req->n_employee_ids; i++) {
		const struct graph_employee *e =
			emp[i] == GRAPH_NONE ? NULL : &g->emps[emp[i]];
		const uint32_t *roles = role;
		size_t n = req->n_role_keys;
		struct graph_employee view;

		if (e)
			e = query_employee_at(ctx, e, past, as_of_buf, &view);

		if (e)
			fill_dense(g, e, ctx->now, lvl);
		if (!e && n == 0)
			n = 1;	/* one result carries the error */
		else if (n == 0) {
			n = query_readiness_next_roles(g, e->role, next,
						       g->roles_n);
			roles = next;
		}
		for (size_t j = 0; j < n; j++) {
			Pathways__V1__ReadinessResult *res =
				query_alloc(ctx, 1, sizeof(*res));

			if (!res)
				goto oom;
			pathways__v1__readiness_result__init(res);
			res->employee_id = req->employee_ids[i];
			if (req->n_role_keys)
				res->role_key = req->role_keys[j];
			else if (e)
				res->role_key = query_str(g->roles[roles[j]].key);
			resp->results[k++] = res;
			if (!e) {
				res->error = query_strdup(ctx, "unknown employee");
			} else if (roles[j] == GRAPH_NONE) {
				res->error = query_strdup(ctx, "unknown role");
			} else if (fill_result(ctx, res, e, roles[j],
					       req->with_estimates, lvl)) {
				if (ctx->code)
					return -1;
				goto oom;
			}
			if (ctx->oom)
				goto oom;
		}
		if (e)
			clear_dense(e, lvl);
	}
	resp->n_results = k;
	return 0;
oom:
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}
