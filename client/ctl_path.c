/* ctl_path: see ctl_path.h. */
#include "ctl_path.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_fmt.h"
#include "ctl_json.h"
#include "ctl_map.h"
#include "ctl_table.h"

/* The daemon's defaults (docs/methods.md, Path), for messages. */
#define CTL_PATH_DEFAULT_STEPS 6u
#define CTL_EXPLORE_DEFAULT_STEPS 3u

/* ---- the staircase ---- */

/* The three padded columns of a step, each malloc()ed; 0 or -ENOMEM. */
struct ctl_path_cols {
	char *move, *cost, *months;
};

static void ctl_path_cols_free(struct ctl_path_cols *c)
{
	free(c->move);
	free(c->cost);
	free(c->months);
}

static int ctl_path_cols(const Pathways__V1__PathStep *s,
			 struct ctl_path_cols *c)
{
	char num[CTL_JSON_DOUBLE_LEN];
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (asprintf(&c->move, "%s ──%s──▶ %s", s->from_role,
		     ctl_fmt_kind(s->kind), s->to_role) < 0)
		c->move = NULL;
	if (asprintf(&c->cost, "cost %s",
		     ctl_json_format_double(s->cost, num)) < 0)
		c->cost = NULL;
	if (s->typical_months == 0)
		c->months = strdup("");
	else if (asprintf(&c->months, "~%" PRIu32 " month%s",
			  s->typical_months,
			  s->typical_months == 1 ? "" : "s") < 0)
		c->months = NULL;
	if (!c->move || !c->cost || !c->months) {
		ctl_path_cols_free(c);
		rc = -ENOMEM;
	}
	return rc;
}

static size_t ctl_path_max(size_t a, size_t b)
{
	return a > b ? a : b;
}

void ctl_path_widths(const Pathways__V1__Route *r, struct ctl_path_widths *w)
{
	struct ctl_path_cols c;

	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < r->n_steps; i++) {
		/* Out of memory: the lines will not come either. */
		if (ctl_path_cols(r->steps[i], &c) < 0)
			return;
		w->move = ctl_path_max(w->move, ctl_fmt_width(c.move));
		w->cost = ctl_path_max(w->cost, ctl_fmt_width(c.cost));
		w->months = ctl_path_max(w->months, ctl_fmt_width(c.months));
		ctl_path_cols_free(&c);
	}
}

/* s, then blanks up to width characters. */
static void ctl_path_pad(FILE *f, const char *s, size_t width)
{
	size_t w = ctl_fmt_width(s);

	fputs(s, f);
	for (; w < width; w++)
		fputc(' ', f);
}

char *ctl_path_step_line(const Pathways__V1__PathStep *s,
			 const struct ctl_path_widths *w)
{
	static const struct ctl_path_widths none = { 0 };
	struct ctl_path_cols c;
	char *grow = NULL, *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!w)
		w = &none;
	if (ctl_path_cols(s, &c) < 0)
		return NULL;
	grow = ctl_fmt_gaps(s->grow, s->n_grow);
	f = grow ? open_memstream(&buf, &len) : NULL;
	if (!f)
		goto out;
	fputs("  ", f);
	ctl_path_pad(f, c.move, w->move);
	fputs("   ", f);
	ctl_path_pad(f, c.cost, w->cost);
	fputs("  ", f);
	ctl_path_pad(f, c.months, w->months);
	if (grow[0])
		fprintf(f, "   grow: %s", grow);
	if (fclose(f) != 0) {
		free(buf);
		buf = NULL;
		goto out;
	}
	/* No trailing blanks when the last columns are empty. */
	while (len && buf[len - 1] == ' ')
		buf[--len] = '\0';
out:
	free(grow);
	ctl_path_cols_free(&c);
	return buf;
}

char *ctl_path_route_line(const Pathways__V1__Route *r, size_t num)
{
	char cost[CTL_JSON_DOUBLE_LEN], *line;

	if (asprintf(&line,
		     "route %zu: cost %s, ~%" PRIu32 " months, %zu step%s", num, ctl_json_format_double(r->total_cost, cost),
		     r->total_months, r->n_steps,
		     r->n_steps == 1 ? "" : "s") < 0)
		return NULL;
	return line;
}

/* ---- options shared by path and explore ---- */

/* --from-role R | --from-employee E: which one and its value. */
struct ctl_path_origin {
	const char *role;
	const char *employee;
};

/* Record an origin option; a usage error if one was given already. */
static int ctl_path_set_origin(struct ctl_cli *cli, struct ctl_path_origin *o,
			       bool employee, const char *value)
{
	if (o->role || o->employee)
		return ctl_cli_usage_error(cli, "give one of --from-role and "
					   "--from-employee, once");
	if (employee)
		o->employee = value;
	else
		o->role = value;
	return 0;
}

/* The origin as a phrase: "ops-ic-2", "employee E1001". NULL if out of
 * memory. */
static char *ctl_path_origin_text(const struct ctl_path_origin *o)
{
	char *s;

	if (asprintf(&s, "%s%s", o->employee ? "employee " : "",
		     o->employee ? o->employee : o->role) < 0)
		return NULL;
	return s;
}

/* ---- path ---- */

struct ctl_path_view {
	const char *origin;		/* as ctl_path_origin_text() */
	bool employee;			/* the origin is an employee */
	const char *to;
	unsigned max_steps;
};

static int ctl_path_print(struct ctl_cli *cli, const ProtobufCMessage *m,
			  const void *arg)
{
	const struct ctl_path_view *v = arg;
	const Pathways__V1__PathResponse *p = (const void *)m;
	struct ctl_path_widths w;

	if (p->n_routes == 0) {
		ctl_cli_line(cli, "No route from %s to %s within %u steps",
			     v->origin, v->to, v->max_steps);
		return CTL_EXIT_OK;
	}
	for (size_t r = 0; r < p->n_routes; r++) {
		char *line = ctl_path_route_line(p->routes[r], r + 1);

		if (!line)
			return ctl_cli_error(cli, "out of memory");
		if (r)
			fputc('\n', cli->out);
		ctl_cli_line(cli, "%s", line);
		free(line);
		ctl_path_widths(p->routes[r], &w);
		for (size_t s = 0; s < p->routes[r]->n_steps; s++) {
			line = ctl_path_step_line(p->routes[r]->steps[s], &w);
			if (!line)
				return ctl_cli_error(cli, "out of memory");
			ctl_cli_line(cli, "%s", line);
			free(line);
		}
	}
	return CTL_EXIT_OK;
}

/* path --dot: the routes as a graph. */
static int ctl_path_print_dot(struct ctl_cli *cli, const ProtobufCMessage *m,
			      const void *arg)
{
	const struct ctl_path_view *v = arg;
	const Pathways__V1__PathResponse *p = (const void *)m;
	char *title = NULL;
	int status;

	if (p->n_routes == 0)
		status = asprintf(&title,
				  "No route from %s to %s within %u steps",
				  v->origin, v->to, v->max_steps);
	else
		status = asprintf(&title, "%s to %s: %zu route%s", v->origin,
				  v->to, p->n_routes,
				  p->n_routes == 1 ? "" : "s");
	if (status < 0)
		return ctl_cli_error(cli, "out of memory");
	status = ctl_map_routes(cli, p, title, v->to);
	free(title);
	return status;
}

int ctl_path_path(struct ctl_cli *cli, int argc, char **argv)
{
	enum {
		OPT_FROM_ROLE = 1, OPT_FROM_EMPLOYEE, OPT_TO, OPT_ROUTES,
		OPT_MAX_STEPS, OPT_KINDS, OPT_AVOID, OPT_DOT,
	};
	static const struct option opts[] = {
		{ "from-role", required_argument, NULL, OPT_FROM_ROLE },
		{ "from-employee", required_argument, NULL, OPT_FROM_EMPLOYEE },
		{ "to", required_argument, NULL, OPT_TO },
		{ "routes", required_argument, NULL, OPT_ROUTES },
		{ "max-steps", required_argument, NULL, OPT_MAX_STEPS },
		{ "kinds", required_argument, NULL, OPT_KINDS },
		{ "avoid", required_argument, NULL, OPT_AVOID },
		{ "dot", no_argument, NULL, OPT_DOT },
		{ 0 },
	};
	Pathways__V1__PathRequest req = PATHWAYS__V1__PATH_REQUEST__INIT;
	Pathways__V1__MoveKind kinds[3];
	struct ctl_path_origin o = { 0 };
	struct ctl_path_view v = { 0 };
	char **avoid = NULL, *origin = NULL;
	bool dot = false;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_FROM_ROLE:
		case OPT_FROM_EMPLOYEE:
			status = ctl_path_set_origin(cli, &o,
						     c == OPT_FROM_EMPLOYEE,
						     optarg);
			if (status)
				goto out;
			break;
		case OPT_TO:
			req.to_role = optarg;
			break;
		case OPT_ROUTES:
			status = ctl_cli_opt_count(cli, "routes", optarg,
						   &req.max_routes);
			if (status)
				goto out;
			break;
		case OPT_MAX_STEPS:
			status = ctl_cli_opt_count(cli, "max-steps", optarg,
						   &req.max_steps);
			if (status)
				goto out;
			break;
		case OPT_KINDS:
			if (ctl_fmt_parse_kinds(optarg, kinds,
						&req.n_allowed_kinds) < 0) {
				status = ctl_cli_usage_error(cli,
					"invalid --kinds '%s' (a list of "
					"promotion, lateral, track_switch)",
					optarg);
				goto out;
			}
			req.allowed_kinds = kinds;
			break;
		case OPT_AVOID:
			if (ctl_cli_strv_add(&avoid, &req.n_avoid_roles,
					     optarg) < 0) {
				status = ctl_cli_error(cli, "out of memory");
				goto out;
			}
			break;
		case OPT_DOT:
			dot = true;
			break;
		default:
			goto out;
		}
	}
	status = CTL_EXIT_USAGE;
	if (optind < argc) {
		status = ctl_cli_usage_error(cli, "unexpected argument '%s'",
					     argv[optind]);
		goto out;
	}
	if (!o.role && !o.employee) {
		status = ctl_cli_usage_error(cli, "give --from-role or "
					     "--from-employee");
		goto out;
	}
	if (!req.to_role[0]) {
		status = ctl_cli_usage_error(cli, "give --to ROLE");
		goto out;
	}
	if (dot && cli->json) {
		status = ctl_cli_usage_error(cli, "--dot and --json do not go "
					     "together");
		goto out;
	}
	if (o.employee) {
		req.origin_case =
			PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_EMPLOYEE;
		req.from_employee = (char *)o.employee;
	} else {
		req.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_ROLE;
		req.from_role = (char *)o.role;
	}
	req.avoid_roles = avoid;
	origin = ctl_path_origin_text(&o);
	if (!origin) {
		status = ctl_cli_error(cli, "out of memory");
		goto out;
	}
	v.origin = origin;
	v.employee = o.employee != NULL;
	v.to = req.to_role;
	v.max_steps = req.max_steps ? req.max_steps : CTL_PATH_DEFAULT_STEPS;
	status = ctl_cli_rpc(cli, "Path", &req.base,
			     dot ? ctl_path_print_dot : ctl_path_print, &v);
out:
	free(origin);
	free(avoid);
	return status;
}

/* ---- explore ---- */

static int ctl_path_print_explore(struct ctl_cli *cli,
				  const ProtobufCMessage *m, const void *arg)
{
	static const char *const headers[] = {
		"ROLE", "COST", "STEPS", "READINESS", "BAND",
	};
	const struct ctl_path_view *v = arg;
	const Pathways__V1__ExploreResponse *x = (const void *)m;
	bool employee = v->employee;
	char cost[CTL_JSON_DOUBLE_LEN];
	ctl_table_t *t;

	if (x->n_roles == 0) {
		ctl_cli_line(cli, "No role reachable from %s within %u steps",
			     v->origin, v->max_steps);
		return CTL_EXIT_OK;
	}
	t = ctl_table_new(headers, employee ? 5 : 3);
	if (!t)
		return ctl_cli_print_table(cli, &t);
	for (size_t col = 1; col <= 3; col++)
		ctl_table_align_right(t, col);
	for (size_t i = 0; i < x->n_roles; i++) {
		const Pathways__V1__Reachable *r = x->roles[i];

		ctl_table_cell(t, "%s", r->role_key);
		ctl_table_cell(t, "%s", ctl_json_format_double(r->cost, cost));
		ctl_table_cell(t, "%" PRIu32, r->steps);
		if (employee) {
			ctl_table_cell(t, "%.1f", r->readiness);
			ctl_table_cell(t, "%s", ctl_cli_band_name(r->band));
		}
	}
	return ctl_cli_print_table(cli, &t);
}

int ctl_path_explore(struct ctl_cli *cli, int argc, char **argv)
{
	enum {
		OPT_FROM_ROLE = 1, OPT_FROM_EMPLOYEE, OPT_MAX_STEPS,
		OPT_MAX_COST, OPT_LIMIT,
	};
	static const struct option opts[] = {
		{ "from-role", required_argument, NULL, OPT_FROM_ROLE },
		{ "from-employee", required_argument, NULL, OPT_FROM_EMPLOYEE },
		{ "max-steps", required_argument, NULL, OPT_MAX_STEPS },
		{ "max-cost", required_argument, NULL, OPT_MAX_COST },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ 0 },
	};
	Pathways__V1__ExploreRequest req = PATHWAYS__V1__EXPLORE_REQUEST__INIT;
	struct ctl_path_origin o = { 0 };
	struct ctl_path_view v = { 0 };
	char *origin;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_FROM_ROLE:
		case OPT_FROM_EMPLOYEE:
			status = ctl_path_set_origin(cli, &o,
						     c == OPT_FROM_EMPLOYEE,
						     optarg);
			if (status)
				return status;
			break;
		case OPT_MAX_STEPS:
			status = ctl_cli_opt_count(cli, "max-steps", optarg,
						   &req.max_steps);
			if (status)
				return status;
			break;
		case OPT_LIMIT:
			status = ctl_cli_opt_count(cli, "limit", optarg,
						   &req.limit);
			if (status)
				return status;
			break;
		case OPT_MAX_COST:
			status = ctl_cli_opt_positive(cli, "max-cost", optarg,
						      &req.max_cost);
			if (status)
				return status;
			break;
		default:
			return status;
		}
	}
	if (optind < argc)
		return ctl_cli_usage_error(cli, "unexpected argument '%s'",
					   argv[optind]);
	if (!o.role && !o.employee)
		return ctl_cli_usage_error(cli, "give --from-role or "
					   "--from-employee");
	if (o.employee) {
		req.origin_case =
			PATHWAYS__V1__EXPLORE_REQUEST__ORIGIN_FROM_EMPLOYEE;
		req.from_employee = (char *)o.employee;
	} else {
		req.origin_case =
			PATHWAYS__V1__EXPLORE_REQUEST__ORIGIN_FROM_ROLE;
		req.from_role = (char *)o.role;
	}
	origin = ctl_path_origin_text(&o);
	if (!origin)
		return ctl_cli_error(cli, "out of memory");
	v.origin = origin;
	v.employee = o.employee != NULL;
	v.max_steps = req.max_steps ? req.max_steps : CTL_EXPLORE_DEFAULT_STEPS;
	status = ctl_cli_rpc(cli, "Explore", &req.base,
			     ctl_path_print_explore, &v);
	free(origin);
	return status;
}
