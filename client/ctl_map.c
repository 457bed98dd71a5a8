/* ctl_map: see ctl_map.h. */
#include "ctl_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_dot.h"
#include "ctl_fmt.h"
#include "ctl_json.h"

/* The most any limit may ask for (docs/methods.md, caps). */
#define CTL_MAP_LIMIT 10000u

struct ctl_map_key {
	const char *key;
	size_t idx;
};

/* The roles of a ListRoles reply as DOT nodes, the moves found so far, and
 * what they own. */
struct ctl_map {
	struct pw_reply roles_reply;
	const Pathways__V1__ListRolesResponse *roles;
	struct ctl_dot_node *nodes;	/* per role, in the reply's order */
	struct ctl_map_key *index;	/* sorted by key */
	struct ctl_dot_edge *edges;
	double *costs;			/* per edge */
	size_t nedges, capedges;
	char **owned;			/* labels and notes, to free */
	size_t nowned;
	/* map --employee */
	const char *employee;
	char *current_role;
	struct pw_reply readiness_reply;
};

static void ctl_map_fini(struct ctl_map *m)
{
	for (size_t i = 0; i < m->nowned; i++)
		free(m->owned[i]);
	free(m->owned);
	free(m->nodes);
	free(m->index);
	free(m->edges);
	free(m->costs);
	free(m->current_role);
	pw_reply_clear(&m->roles_reply);
	pw_reply_clear(&m->readiness_reply);
	memset(m, 0, sizeof(*m));
}

/* Keep s until ctl_map_fini(); s may be NULL (out of memory). Returns s,
 * or NULL when it is lost. */
static char *ctl_map_own(struct ctl_map *m, char *s)
{
	if (!s)
		return NULL;
	if (ctl_cli_strv_add(&m->owned, &m->nowned, s) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static int ctl_map_cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct ctl_map_key *)a)->key,
		      ((const struct ctl_map_key *)b)->key);
}

/* The index of the role key in m->nodes, or -1. */
static long ctl_map_find(const struct ctl_map *m, const char *key)
{
	struct ctl_map_key probe = { .key = key }, *hit;

	if (!m->roles || !key)
		return -1;
	hit = bsearch(&probe, m->index, m->roles->n_roles, sizeof(*m->index),
		      ctl_map_cmp_key);
	return hit ? (long)hit->idx : -1;
}

/* ListRoles (area may be NULL), into nodes. Returns 0 or the exit status. */
static int ctl_map_load_roles(struct ctl_cli *cli, struct ctl_map *m,
			      const char *area)
{
	Pathways__V1__ListRolesRequest req =
		PATHWAYS__V1__LIST_ROLES_REQUEST__INIT;
	size_t n;
	int status;

	if (area)
		req.area = (char *)area;
	status = ctl_cli_call(cli, "ListRoles", &req.base, &m->roles_reply);
	if (status)
		return status;
	m->roles = (const void *)m->roles_reply.response;
	n = m->roles->n_roles;
	if (n == 0)
		return 0;
	m->nodes = calloc(n, sizeof(*m->nodes));
	m->index = calloc(n, sizeof(*m->index));
	if (!m->nodes || !m->index)
		return ctl_cli_error(cli, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const Pathways__V1__RoleInfo *r = m->roles->roles[i];

		m->nodes[i] = (struct ctl_dot_node){
			.key = r->key, .title = r->title, .track = r->track,
			.area = r->area, .grade = r->grade,
		};
		m->index[i] = (struct ctl_map_key){ .key = r->key, .idx = i };
	}
	qsort(m->index, n, sizeof(*m->index), ctl_map_cmp_key);
	return 0;
}

/* Add a move between two roles of the map (keys borrowed from nodes). */
static int ctl_map_add_edge(struct ctl_cli *cli, struct ctl_map *m,
			    const struct ctl_dot_edge *e, double cost)
{
	if (m->nedges == m->capedges) {
		size_t cap = m->capedges ? 2 * m->capedges : 64;
		struct ctl_dot_edge *edges;
		double *costs;

		edges = reallocarray(m->edges, cap, sizeof(*edges));
		if (!edges)
			return ctl_cli_error(cli, "out of memory");
		m->edges = edges;
		costs = reallocarray(m->costs, cap, sizeof(*costs));
		if (!costs)
			return ctl_cli_error(cli, "out of memory");
		m->costs = costs;
		m->capedges = cap;
	}
	m->edges[m->nedges] = *e;
	m->costs[m->nedges++] = cost;
	return 0;
}

/* The one-step move from role i to role j: its kind, months and cost. */
static int ctl_map_load_move(struct ctl_cli *cli, struct ctl_map *m, size_t i,
			     size_t j)
{
	Pathways__V1__PathRequest req = PATHWAYS__V1__PATH_REQUEST__INIT;
	const Pathways__V1__PathResponse *p;
	const Pathways__V1__PathStep *s;
	struct pw_reply r;
	int status;

	req.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_ROLE;
	req.from_role = (char *)m->nodes[i].key;
	req.to_role = (char *)m->nodes[j].key;
	req.max_steps = 1;
	req.max_routes = 1;
	status = ctl_cli_call(cli, "Path", &req.base, &r);
	if (status)
		return status;
	p = (const void *)r.response;
	/* Explore said there is one; a reload in between may disagree. */
	if (p->n_routes == 1 && p->routes[0]->n_steps == 1) {
		s = p->routes[0]->steps[0];
		status = ctl_map_add_edge(cli, m, &(struct ctl_dot_edge){
				.from = m->nodes[i].key, .to = m->nodes[j].key,
				.kind = s->kind, .months = s->typical_months,
			}, s->cost);
	}
	pw_reply_clear(&r);
	return status;
}

/* Every move between two roles of the map. */
static int ctl_map_load_moves(struct ctl_cli *cli, struct ctl_map *m)
{
	Pathways__V1__ExploreRequest req = PATHWAYS__V1__EXPLORE_REQUEST__INIT;
	const Pathways__V1__ExploreResponse *x;
	struct pw_reply r;
	int status = 0;

	req.origin_case = PATHWAYS__V1__EXPLORE_REQUEST__ORIGIN_FROM_ROLE;
	req.max_steps = 1;
	req.limit = CTL_MAP_LIMIT;
	for (size_t i = 0; m->roles && i < m->roles->n_roles; i++) {
		req.from_role = (char *)m->nodes[i].key;
		status = ctl_cli_call(cli, "Explore", &req.base, &r);
		if (status)
			return status;
		x = (const void *)r.response;
		for (size_t k = 0; k < x->n_roles && !status; k++) {
			long j = ctl_map_find(m, x->roles[k]->role_key);

			if (j >= 0 && (size_t)j != i && x->roles[k]->steps == 1)
				status = ctl_map_load_move(cli, m, i,
							   (size_t)j);
		}
		pw_reply_clear(&r);
		if (status)
			return status;
	}
	return 0;
}

/* The employee's role, as the origin of a one-step Path from them: found
 * when they can move anywhere. Returns 0 (*out NULL when not found) or the
 * exit status. */
static int ctl_map_role_by_path(struct ctl_cli *cli, const char *emp,
				char **out)
{
	Pathways__V1__ExploreRequest xreq = PATHWAYS__V1__EXPLORE_REQUEST__INIT;
	Pathways__V1__PathRequest preq = PATHWAYS__V1__PATH_REQUEST__INIT;
	const Pathways__V1__ExploreResponse *x;
	const Pathways__V1__PathResponse *p;
	struct pw_reply xr, pr;
	int status;

	*out = NULL;
	xreq.origin_case = PATHWAYS__V1__EXPLORE_REQUEST__ORIGIN_FROM_EMPLOYEE;
	xreq.from_employee = (char *)emp;
	xreq.max_steps = 1;
	xreq.limit = 1;
	status = ctl_cli_call(cli, "Explore", &xreq.base, &xr);
	if (status)
		return status;
	x = (const void *)xr.response;
	if (x->n_roles == 0)
		goto out;
	preq.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_EMPLOYEE;
	preq.from_employee = (char *)emp;
	preq.to_role = x->roles[0]->role_key;
	preq.max_steps = 1;
	preq.max_routes = 1;
	status = ctl_cli_call(cli, "Path", &preq.base, &pr);
	if (status)
		goto out;
	p = (const void *)pr.response;
	if (p->n_routes && p->routes[0]->n_steps) {
		*out = strdup(p->routes[0]->steps[0]->from_role);
		if (!*out)
			status = ctl_cli_error(cli, "out of memory");
	}
	pw_reply_clear(&pr);
out:
	pw_reply_clear(&xr);
	return status;
}

/* The employee's role among the candidates of a Bench for a role they
 * cannot hold (one they could not move out of it). */
static int ctl_map_role_by_bench(struct ctl_cli *cli, struct ctl_map *m,
				 const char *emp, char **out)
{
	Pathways__V1__BenchRequest req = PATHWAYS__V1__BENCH_REQUEST__INIT;
	const Pathways__V1__BenchResponse *b;
	struct pw_reply r;
	int status;

	*out = NULL;
	if (m->nedges == 0)
		return 0;
	req.role_key = (char *)m->edges[0].from;
	req.limit = CTL_MAP_LIMIT;
	status = ctl_cli_call(cli, "Bench", &req.base, &r);
	if (status)
		return status;
	b = (const void *)r.response;
	for (size_t i = 0; i < b->n_candidates && !*out; i++) {
		if (strcmp(b->candidates[i]->employee_id, emp) != 0)
			continue;
		*out = strdup(b->candidates[i]->current_role);
		if (!*out)
			status = ctl_cli_error(cli, "out of memory");
	}
	pw_reply_clear(&r);
	return status;
}

/* The employee's role (highlighted) and readiness for every role (a label
 * line and the fill colour). */
static int ctl_map_load_employee(struct ctl_cli *cli, struct ctl_map *m,
				 const char *emp)
{
	Pathways__V1__ReadinessRequest req =
		PATHWAYS__V1__READINESS_REQUEST__INIT;
	const Pathways__V1__ReadinessResponse *resp;
	char **keys = NULL;
	size_t n = m->roles ? m->roles->n_roles : 0;
	long cur;
	int status;

	m->employee = emp;
	status = ctl_map_role_by_path(cli, emp, &m->current_role);
	if (status == 0 && !m->current_role)
		status = ctl_map_role_by_bench(cli, m, emp, &m->current_role);
	if (status)
		return status;
	if (!m->current_role)
		fprintf(cli->err, "%s: map: cannot tell the role of %s\n",
			cli->progname, emp);
	cur = ctl_map_find(m, m->current_role);
	if (cur >= 0)
		m->nodes[cur].highlight = true;
	if (n == 0)
		return 0;

	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return ctl_cli_error(cli, "out of memory");
	for (size_t i = 0; i < n; i++)
		keys[i] = (char *)m->nodes[i].key;
	req.employee_ids = (char **)&m->employee;
	req.n_employee_ids = 1;
	req.role_keys = keys;
	req.n_role_keys = n;
	status = ctl_cli_call(cli, "Readiness", &req.base, &m->readiness_reply);
	free(keys);
	if (status)
		return status;
	resp = (const void *)m->readiness_reply.response;
	for (size_t i = 0; i < resp->n_results; i++) {
		const Pathways__V1__ReadinessResult *rr = resp->results[i];
		long k = ctl_map_find(m, rr->role_key);
		char *note = NULL;

		if (k < 0)
			continue;
		if (asprintf(&note, "%s%.1f%% %s",
			     k == cur ? "current role, " : "", rr->readiness,
			     ctl_cli_band_name(rr->band)) < 0)
			note = NULL;
		if (!ctl_map_own(m, note))
			return ctl_cli_error(cli, "out of memory");
		m->nodes[k].note = note;
		m->nodes[k].band = rr->band;
	}
	return 0;
}

static int ctl_map_print_dot(struct ctl_cli *cli,
			     const struct ctl_dot_graph *g)
{
	int rc = ctl_dot_write(cli->out, g);

	if (rc == -ENOMEM)
		return ctl_cli_error(cli, "out of memory");
	/* A write error is reported once, when main() flushes. */
	return CTL_EXIT_OK;
}

/* map --json: the roles, the moves, and the employee's answers. */
static void ctl_map_print_json(struct ctl_cli *cli, const struct ctl_map *m)
{
	struct ctl_json j;

	ctl_json_init(&j, cli->out, true);
	ctl_json_begin_object(&j);
	ctl_json_key(&j, "roles");
	ctl_json_begin_array(&j);
	for (size_t i = 0; m->roles && i < m->roles->n_roles; i++)
		ctl_json_message(&j, &m->roles->roles[i]->base);
	ctl_json_end_array(&j);
	ctl_json_key(&j, "moves");
	ctl_json_begin_array(&j);
	for (size_t i = 0; i < m->nedges; i++) {
		ctl_json_begin_object(&j);
		ctl_json_key(&j, "from_role");
		ctl_json_string(&j, m->edges[i].from);
		ctl_json_key(&j, "to_role");
		ctl_json_string(&j, m->edges[i].to);
		ctl_json_key(&j, "kind");
		ctl_json_string(&j, ctl_cli_move_kind_name(m->edges[i].kind));
		ctl_json_key(&j, "typical_months");
		ctl_json_uint(&j, m->edges[i].months);
		ctl_json_key(&j, "cost");
		ctl_json_double(&j, m->costs[i]);
		ctl_json_end_object(&j);
	}
	ctl_json_end_array(&j);
	if (m->employee) {
		ctl_json_key(&j, "employee_id");
		ctl_json_string(&j, m->employee);
		ctl_json_key(&j, "current_role");
		ctl_json_string(&j, m->current_role);
		ctl_json_key(&j, "readiness");
		ctl_json_message(&j, m->readiness_reply.response);
	}
	ctl_json_end_object(&j);
	ctl_json_finish(&j);
}

int ctl_map_framework(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_AREA = 1, OPT_EMPLOYEE };
	static const struct option opts[] = {
		{ "area", required_argument, NULL, OPT_AREA },
		{ "employee", required_argument, NULL, OPT_EMPLOYEE },
		{ 0 },
	};
	const char *area = NULL, *emp = NULL;
	struct ctl_map m = { 0 };
	struct ctl_dot_graph g = { 0 };
	char *title = NULL;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_AREA:
			area = optarg;
			break;
		case OPT_EMPLOYEE:
			emp = optarg;
			break;
		default:
			return status;
		}
	}
	if (optind < argc)
		return ctl_cli_usage_error(cli, "unexpected argument '%s'",
					   argv[optind]);
	status = ctl_map_load_roles(cli, &m, area);
	if (status == 0)
		status = ctl_map_load_moves(cli, &m);
	if (status == 0 && emp)
		status = ctl_map_load_employee(cli, &m, emp);
	if (status)
		goto out;
	if (cli->json) {
		ctl_map_print_json(cli, &m);
		goto out;
	}
	if (asprintf(&title, "career pathways%s%s%s%s", area ? ", area " : "",
		     area ? area : "", emp ? ", readiness of " : "",
		     emp ? emp : "") < 0) {
		title = NULL;
		status = ctl_cli_error(cli, "out of memory");
		goto out;
	}
	g.title = title;
	g.nodes = m.nodes;
	g.nnodes = m.roles->n_roles;
	g.edges = m.edges;
	g.nedges = m.nedges;
	status = ctl_map_print_dot(cli, &g);
out:
	free(title);
	ctl_map_fini(&m);
	return status;
}

/* ---- path --dot ---- */

/* The routes (1-based) that take the step from -> to, as "route 1, 3". */
static char *ctl_map_step_label(const Pathways__V1__PathResponse *p,
				const Pathways__V1__PathStep *s)
{
	char cost[CTL_JSON_DOUBLE_LEN], *buf = NULL;
	size_t len = 0, nr = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "cost %s", ctl_json_format_double(s->cost, cost));
	if (s->typical_months)
		fprintf(f, ", ~%u mo", (unsigned)s->typical_months);
	for (size_t r = 0; r < p->n_routes; r++)
		for (size_t k = 0; k < p->routes[r]->n_steps; k++) {
			const Pathways__V1__PathStep *t;

			t = p->routes[r]->steps[k];
			if (strcmp(t->from_role, s->from_role) ||
			    strcmp(t->to_role, s->to_role))
				continue;
			fprintf(f, "%s%zu", nr++ ? "," : "\nroute ", r + 1);
			break;
		}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Has an earlier step of p (before route r, step k) the same ends? */
static bool ctl_map_step_seen(const Pathways__V1__PathResponse *p, size_t r,
			      size_t k)
{
	const Pathways__V1__PathStep *s = p->routes[r]->steps[k];

	for (size_t i = 0; i <= r; i++)
		for (size_t j = 0; j < p->routes[i]->n_steps; j++) {
			const Pathways__V1__PathStep *t;

			t = p->routes[i]->steps[j];
			if (i == r && j == k)
				return false;
			if (!strcmp(t->from_role, s->from_role) &&
			    !strcmp(t->to_role, s->to_role))
				return true;
		}
	return false;
}

int ctl_map_routes(struct ctl_cli *cli, const Pathways__V1__PathResponse *p,
		   const char *title, const char *to_role)
{
	struct ctl_map m = { 0 };
	struct ctl_dot_node *nodes = NULL;
	bool *used = NULL;
	struct ctl_dot_graph g = { .title = title };
	const char *origin = NULL;
	size_t n;
	long k;
	int status;

	status = ctl_map_load_roles(cli, &m, NULL);
	if (status)
		goto out;
	n = m.roles->n_roles;
	used = calloc(n ? n : 1, sizeof(*used));
	nodes = calloc(n ? n : 1, sizeof(*nodes));
	if (!used || !nodes) {
		status = ctl_cli_error(cli, "out of memory");
		goto out;
	}
	if (p->n_routes && p->routes[0]->n_steps)
		origin = p->routes[0]->steps[0]->from_role;
	for (size_t r = 0; r < p->n_routes; r++)
		for (size_t s = 0; s < p->routes[r]->n_steps; s++) {
			const Pathways__V1__PathStep *st;
			struct ctl_dot_edge e = { 0 };
			long a, b;
			char *label;

			st = p->routes[r]->steps[s];
			a = ctl_map_find(&m, st->from_role);
			b = ctl_map_find(&m, st->to_role);

			if (a < 0 || b < 0 || ctl_map_step_seen(p, r, s))
				continue;
			used[a] = used[b] = true;
			label = ctl_map_own(&m, ctl_map_step_label(p, st));
			if (!label) {
				status = ctl_cli_error(cli, "out of memory");
				goto out;
			}
			e.from = m.nodes[a].key;
			e.to = m.nodes[b].key;
			e.kind = st->kind;
			e.months = st->typical_months;
			e.label = label;
			status = ctl_map_add_edge(cli, &m, &e, st->cost);
			if (status)
				goto out;
		}
	k = ctl_map_find(&m, origin);
	if (k >= 0) {
		m.nodes[k].highlight = used[k] = true;
		m.nodes[k].note = "start";
	}
	k = ctl_map_find(&m, to_role);
	if (k >= 0) {
		m.nodes[k].highlight = used[k] = true;
		m.nodes[k].note = "goal";
	}
	for (size_t i = 0; i < n; i++)
		if (used[i])
			nodes[g.nnodes++] = m.nodes[i];
	g.nodes = nodes;
	g.edges = m.edges;
	g.nedges = m.nedges;
	status = ctl_map_print_dot(cli, &g);
out:
	free(used);
	free(nodes);
	ctl_map_fini(&m);
	return status;
}
