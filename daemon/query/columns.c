#include "columns.h"

#include <string.h>

#include "columns_private.h"

struct query_columns *query_columns_new(struct query_ctx *ctx)
{
	const struct graph_columns *index = graph_columns_of(ctx->g);
	struct query_columns *qc;

	if (!index)
		return NULL;
	qc = query_alloc(ctx, 1, sizeof(*qc));
	if (!qc) {
		query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
		return NULL;
	}
	qc->ctx = ctx;
	qc->c = index;
	return qc;
}

/* The per-employee scratch of query_columns_tally, on its first use (the
 * sweep, query/sweep.c, needs none of it); -1 out of memory. */
static int tally_scratch(struct query_columns *qc)
{
	size_t n = qc->ctx->g->emps_n ? qc->ctx->g->emps_n : 1;

	if (qc->sums)
		return 0;
	qc->sums = query_alloc(qc->ctx, n, sizeof(*qc->sums));
	qc->touched = query_alloc_raw(qc->ctx, n, sizeof(*qc->touched));
	if (!qc->sums || !qc->touched) {
		qc->sums = NULL;
		return query_fail(qc->ctx, QUERY_RESOURCE_EXHAUSTED,
				  "out of memory");
	}
	return 0;
}

/* the day before which an assessment has expired at now: valid when its
 * day is after it, expired before it, and on it only its instant says */
int64_t query_columns_oldest_day(int64_t now, unsigned days)
{
	int64_t oldest = now - (int64_t)days * GRAPH_US_PER_DAY;
	int64_t d = oldest / GRAPH_US_PER_DAY;

	return oldest < 0 && d * GRAPH_US_PER_DAY != oldest ? d - 1 : d;
}

/* The scratch per value of a, kept for the next role; -1 out of memory. */
int query_columns_attr_scratch(struct query_columns *qc,
			const struct graph_columns_attr *a)
{
	if (qc->attr != a) {
		qc->cons = query_alloc(qc->ctx, a->values_n, sizeof(*qc->cons));
		qc->tcons = query_alloc(qc->ctx, a->values_n, sizeof(*qc->tcons));
		qc->vcounts = query_alloc(qc->ctx, a->values_n,
					  sizeof(*qc->vcounts));
		if (!qc->cons || !qc->tcons || !qc->vcounts)
			return query_fail(qc->ctx, QUERY_RESOURCE_EXHAUSTED,
					  "out of memory");
		qc->attr = a;
	}
	memset(qc->tcons, 0, a->values_n * sizeof(*qc->tcons));
	memset(qc->vcounts, 0, a->values_n * sizeof(*qc->vcounts));
	return 0;
}

/* Each value's considered: active with it (of grade at most the role's,
 * for successors) but not holding the role. */
void query_columns_attr_considered(struct query_columns *qc, const graph_t *g,
			    uint32_t role, bool successors_only)
{
	const struct graph_columns *c = qc->c;
	const struct graph_columns_attr *a = qc->attr;
	uint32_t grade = g->roles[role].grade;

	for (uint32_t v = 0; v < a->values_n; v++)
		qc->cons[v] = successors_only ?
			a->active_upto[(size_t)v * (c->max_grade + 1) + grade] :
			a->active[v];
	for (uint32_t k = c->role_off[role]; k < c->role_off[role + 1]; k++)
		if (g->emps[c->role_emps[k]].active)
			qc->cons[a->vid[c->role_emps[k]]]--;
}

int query_columns_attr_rows(struct query_columns *qc, Pathways__V1__Band rest_band,
		     struct query_columns_row **rows, size_t *rows_n)
{
	const struct graph_columns_attr *a = qc->attr;
	size_t n = 0;

	for (uint32_t v = 0; v < a->values_n; v++)
		n += qc->cons[v] > 0;
	*rows = query_alloc(qc->ctx, n ? n : 1, sizeof(**rows));
	if (!*rows)
		return query_fail(qc->ctx, QUERY_RESOURCE_EXHAUSTED,
				  "out of memory");
	*rows_n = 0;
	for (uint32_t k = 0; k < a->values_n; k++) {
		uint32_t v = a->by_value[k];
		struct query_columns_row *row;

		if (!qc->cons[v])
			continue;
		row = &(*rows)[(*rows_n)++];
		row->value = a->values[v];
		memcpy(row->counts, qc->vcounts[v], sizeof(row->counts));
		row->counts[rest_band] += qc->cons[v] - qc->tcons[v];
	}
	return 0;
}

int query_columns_tally(struct query_columns *qc,
			struct query_role_scorer *rs, bool successors_only,
			const char *attr, uint32_t counts[5],
			uint32_t *considered, query_columns_fn each, void *arg,
			uint32_t *rest, struct query_readiness_score *rest_score,
			struct query_columns_row **rows, size_t *rows_n)
{
	static const double sixtieths[6] = { 0, 60, 30, 20, 15, 12 };
	static const struct graph_employee nobody;
	const graph_t *g = rs->g;
	const struct graph_columns *c = qc->c;
	const struct graph_role *r = &g->roles[rs->role];
	const struct graph_req *req = g->reqs + r->req_off;
	unsigned days = g->settings.assessment_valid_days, musts = 0;
	int64_t od = query_columns_oldest_day(qc->ctx->now, days);
	uint32_t seq = ++qc->seq, n = 0, total, seen = 0, before[5];
	const struct graph_columns_attr *a = NULL;
	double den = 0;

	if (attr[0]) {
		a = graph_columns_attr(c, attr);
		if (a && !a->vid)
			return 1;
		if (a && query_columns_attr_scratch(qc, a))
			return -1;
	}
	if (tally_scratch(qc))
		return -1;
	memcpy(before, counts, sizeof(before));

	for (uint32_t i = 0; i < r->req_n; i++) {
		const struct graph_req *q = &req[i];
		uint32_t lo = c->off[q->comp], hi = c->off[q->comp + 1];
		double add[6];

		den += q->weight;
		musts += q->must_have;
		for (unsigned l = 0; l <= 5; l++)
			add[l] = q->weight * (double)(l < q->level ? l : q->level) *
				 sixtieths[q->level];
		for (uint32_t j = lo; j < hi; j++) {
			uint32_t e = c->emp[j];
			struct sums *s = &qc->sums[e];
			unsigned lv = c->level[j];

			if (s->stamp != seq) {
				*s = (struct sums){ .stamp = seq };
				qc->touched[n++] = e;
			}
			if (days) {
				int64_t d = c->day[j];

				if (d == od || d == GRAPH_COLUMNS_DAY_LOW ||
				    d == GRAPH_COLUMNS_DAY_HIGH)
					s->boundary = 1;
				else if (d < od)
					lv = 0;
			}
			if (lv >= q->level) {
				s->met++;
				s->musts_met += q->must_have;
			}
			/* the scalar scorer adds a zero for a level it does
			 * not have: x + 0 is x, so skipping it is exact */
			s->num += add[lv];
		}
	}
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = qc->touched[k], ga = c->emp_grade_active[i];
		const struct sums *s = &qc->sums[i];
		struct query_readiness_score sc;

		/* query_considers() from the packed arrays */
		if (!(ga & 1) || c->emp_role[i] == rs->role ||
		    (successors_only && ga >> 1 > r->grade))
			continue;
		if (s->boundary)
			query_role_scorer_score(rs, &g->emps[i], qc->ctx->now,
						&sc);
		else
			query_readiness_finish(g, r, s->num, den, s->met,
					       musts - s->musts_met, &sc);
		counts[sc.band]++;
		seen++;
		if (a) {
			qc->vcounts[a->vid[i]][sc.band]++;
			qc->tcons[a->vid[i]]++;
		}
		if (each)
			each(arg, i, &sc);
	}
	total = c->active - c->active_by_role[rs->role];
	if (successors_only)
		total = graph_columns_active_upto(c, r->grade) -
			c->active_by_role[rs->role];
	query_role_scorer_score(rs, &nobody, qc->ctx->now, rest_score);
	*rest = total - seen;
	counts[rest_score->band] += *rest;
	*considered += total;
	if (a) {
		query_columns_attr_considered(qc, g, rs->role, successors_only);
		return query_columns_attr_rows(qc, rest_score->band, rows, rows_n);
	}
	if (attr[0] && total) {
		/* no one has the attribute: one row, "" */
		*rows = query_alloc(qc->ctx, 1, sizeof(**rows));
		if (!*rows)
			return query_fail(qc->ctx, QUERY_RESOURCE_EXHAUSTED,
					  "out of memory");
		(*rows)->value = "";
		for (int b = 0; b < 5; b++)
			(*rows)->counts[b] = counts[b] - before[b];
		*rows_n = 1;
	}
	return 0;
}
