/* ctl_query: see ctl_query.h. */
#include "ctl_query.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_json.h"
#include "ctl_table.h"
#include "ctl_write.h"

#define CTL_QUERY_MAX_GRADE 1000u

static const char *ctl_query_yes(bool v)
{
	return v ? "yes" : "no";
}

/* ---- health ---- */

static void ctl_query_time_cell(ctl_table_t *t, int64_t unix_ms)
{
	struct timespec now;
	struct tm tm;
	time_t secs = (time_t)(unix_ms / 1000);
	char when[32];
	int64_t age;

	if (unix_ms <= 0 || !gmtime_r(&secs, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		ctl_table_cell(t, "never");
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	age = ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 - unix_ms) /
	      1000;
	if (age < 0)
		ctl_table_cell(t, "%s", when);
	else if (age < 120)
		ctl_table_cell(t, "%s (%" PRId64 " s ago)", when, age);
	else if (age < 7200)
		ctl_table_cell(t, "%s (%" PRId64 " min ago)", when, age / 60);
	else if (age < 172800)
		ctl_table_cell(t, "%s (%" PRId64 " h ago)", when, age / 3600);
	else
		ctl_table_cell(t, "%s (%" PRId64 " days ago)", when,
			       age / 86400);
}

static int ctl_query_print_health(struct ctl_cli *cli,
				  const ProtobufCMessage *m, const void *arg)
{
	const Pathways__V1__HealthResponse *h = (const void *)m;
	ctl_table_t *t = ctl_table_new(NULL, 2);

	if (!t)
		return ctl_cli_print_table(cli, &t);
	ctl_table_cell(t, "serving");
	ctl_table_cell(t, "%s", ctl_query_yes(h->serving));
	ctl_table_cell(t, "snapshot version");
	ctl_table_cell(t, "%" PRIu64, h->snapshot_version);
	ctl_table_cell(t, "snapshot loaded");
	ctl_query_time_cell(t, h->snapshot_loaded_unix_ms);
	ctl_table_cell(t, "snapshot WAL position");
	ctl_table_cell(t, "%s", h->snapshot_lsn[0] ? h->snapshot_lsn : "unknown");
	ctl_table_cell(t, "database");
	ctl_table_cell(t, "%s%s", h->database_connected ? "connected" :
							  "disconnected",
		       h->loads_from_standby ? ", a hot standby" : "");
	if (h->loads_from_standby) {
		ctl_table_cell(t, "standby replay lag");
		if (h->replay_lag_ms >= 0)
			ctl_table_cell(t, "%" PRId64 " ms", h->replay_lag_ms);
		else
			ctl_table_cell(t, "unknown");
	}
	ctl_table_cell(t, "roles");
	ctl_table_cell(t, "%" PRIu32, h->roles);
	ctl_table_cell(t, "competencies");
	ctl_table_cell(t, "%" PRIu32, h->competencies);
	ctl_table_cell(t, "employees");
	ctl_table_cell(t, "%" PRIu32, h->employees);
	ctl_table_cell(t, "assessments");
	ctl_table_cell(t, "%" PRIu64, h->assessments);
	ctl_table_cell(t, "modules");
	ctl_table_cell(t, "%" PRIu32, h->modules);
	ctl_table_cell(t, "version");
	ctl_table_cell(t, "%s", h->version);
	ctl_table_cell(t, "schema version");
	if (h->schema_version > 0)
		ctl_table_cell(t, "%" PRId32 " (expected %" PRId32 ")%s",
			       h->schema_version, h->expected_schema_version,
			       h->schema_version < h->expected_schema_version ?
				       ": run pathwaysctl migrate" : "");
	else
		ctl_table_cell(t, "unknown (expected %" PRId32 ")",
			       h->expected_schema_version);
	ctl_table_cell(t, "status");
	ctl_table_cell(t, "%s", h->status[0] ? h->status : "-");
	return ctl_cli_print_table(cli, &t);
}

/* An exec probe runs `pathwaysctl health`: a daemon that answers but
 * serves nothing (no snapshot yet, a rejected saved one) must not pass it. */
static int ctl_query_health_status(const ProtobufCMessage *m)
{
	const Pathways__V1__HealthResponse *h = (const void *)m;

	return h->serving ? CTL_EXIT_OK : CTL_EXIT_NOT_SERVING;
}

int ctl_query_health(struct ctl_cli *cli, int argc, char **argv)
{
	Pathways__V1__HealthRequest req = PATHWAYS__V1__HEALTH_REQUEST__INIT;
	int status;

	if (ctl_cli_operands(cli, argc, argv, 0, 0, &status) < 0)
		return status;
	return ctl_cli_rpc_status(cli, "Health", &req.base,
				  ctl_query_print_health, ctl_query_health_status,
				  NULL);
}

/* ---- roles ---- */

static int ctl_query_print_roles(struct ctl_cli *cli,
				 const ProtobufCMessage *m, const void *arg)
{
	static const char *const headers[] = {
		"KEY", "TITLE", "TRACK", "GRADE", "AREA", "PAY", "REQUIREMENTS",
	};
	const Pathways__V1__ListRolesResponse *resp = (const void *)m;
	char lo[CTL_JSON_DOUBLE_LEN], hi[CTL_JSON_DOUBLE_LEN];
	ctl_table_t *t = ctl_table_new(headers, 7);

	if (!t)
		return ctl_cli_print_table(cli, &t);
	ctl_table_align_right(t, 3);
	ctl_table_align_right(t, 5);
	ctl_table_align_right(t, 6);
	for (size_t i = 0; i < resp->n_roles; i++) {
		const Pathways__V1__RoleInfo *r = resp->roles[i];

		ctl_table_cell(t, "%s", r->key);
		ctl_table_cell(t, "%s", r->title);
		ctl_table_cell(t, "%s", r->track);
		ctl_table_cell(t, "%" PRIu32, r->grade);
		ctl_table_cell(t, "%s", r->area);
		if (r->pay_min == 0 && r->pay_max == 0)
			ctl_table_cell(t, "-");
		else
			ctl_table_cell(t, "%s-%s",
				       ctl_json_format_double(r->pay_min, lo),
				       ctl_json_format_double(r->pay_max, hi));
		ctl_table_cell(t, "%zu", r->n_requirements);
	}
	return ctl_cli_print_table(cli, &t);
}

int ctl_query_roles(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_TRACK = 1, OPT_AREA, OPT_GRADE };
	static const struct option opts[] = {
		{ "track", required_argument, NULL, OPT_TRACK },
		{ "area", required_argument, NULL, OPT_AREA },
		{ "grade", required_argument, NULL, OPT_GRADE },
		{ 0 },
	};
	Pathways__V1__ListRolesRequest req =
		PATHWAYS__V1__LIST_ROLES_REQUEST__INIT;
	int c, status = CTL_EXIT_USAGE;
	unsigned long grade;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_TRACK:
			req.track = optarg;
			break;
		case OPT_AREA:
			req.area = optarg;
			break;
		case OPT_GRADE:
			if (ctl_cli_parse_uint(optarg, 1, CTL_QUERY_MAX_GRADE,
					       &grade) < 0)
				return ctl_cli_usage_error(cli,
					"invalid --grade '%s'", optarg);
			req.grade = (uint32_t)grade;
			break;
		default:
			return status;
		}
	}
	if (optind < argc)
		return ctl_cli_usage_error(cli, "unexpected argument '%s'",
					   argv[optind]);
	return ctl_cli_rpc(cli, "ListRoles", &req.base, ctl_query_print_roles,
			   NULL);
}

/* ---- readiness ---- */

struct ctl_query_readiness_view {
	bool estimates;
	bool errors;
};

static int ctl_query_print_readiness(struct ctl_cli *cli,
				     const ProtobufCMessage *m, const void *arg)
{
	const struct ctl_query_readiness_view *v = arg;
	const Pathways__V1__ReadinessResponse *resp = (const void *)m;
	const char *headers[9] = {
		"EMPLOYEE", "ROLE", "READINESS", "BAND", "MET", "BLOCKERS",
	};
	char hours[CTL_JSON_DOUBLE_LEN];
	size_t ncols = 6;
	ctl_table_t *t;

	if (v->estimates) {
		headers[ncols++] = "EST_HOURS";
		headers[ncols++] = "UNCOVERED";
	}
	if (v->errors)
		headers[ncols++] = "ERROR";
	t = ctl_table_new(headers, ncols);
	if (!t)
		return ctl_cli_print_table(cli, &t);
	ctl_table_align_right(t, 2);
	ctl_table_align_right(t, 4);
	if (v->estimates) {
		ctl_table_align_right(t, 6);
		ctl_table_align_right(t, 7);
	}
	for (size_t i = 0; i < resp->n_results; i++) {
		const Pathways__V1__ReadinessResult *r = resp->results[i];
		bool failed = r->error && r->error[0];

		ctl_table_cell(t, "%s", r->employee_id);
		ctl_table_cell(t, "%s", r->role_key);
		if (failed) {
			for (int k = 0; k < 4; k++)
				ctl_table_cell(t, "-");
		} else {
			ctl_table_cell(t, "%.1f", r->readiness);
			ctl_table_cell(t, "%s", ctl_cli_band_name(r->band));
			ctl_table_cell(t, "%" PRIu32 "/%" PRIu32, r->met,
				       r->required);
			ctl_table_cell_join(t, r->blockers, r->n_blockers, ",");
		}
		if (v->estimates && failed) {
			ctl_table_cell(t, "-");
			ctl_table_cell(t, "-");
		} else if (v->estimates) {
			ctl_json_format_double(r->estimated_hours, hours);
			ctl_table_cell(t, "%s", hours);
			ctl_table_cell(t, "%" PRIu32, r->uncovered_needs);
		}
		if (v->errors)
			ctl_table_cell(t, "%s", r->error ? r->error : "");
	}
	return ctl_cli_print_table(cli, &t);
}

int ctl_query_readiness(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_ROLE = 1, OPT_SKIP_UNKNOWN, OPT_ESTIMATES, OPT_AS_OF };
	static const struct option opts[] = {
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "skip-unknown", no_argument, NULL, OPT_SKIP_UNKNOWN },
		{ "estimates", no_argument, NULL, OPT_ESTIMATES },
		{ "as-of", required_argument, NULL, OPT_AS_OF },
		{ 0 },
	};
	Pathways__V1__ReadinessRequest req =
		PATHWAYS__V1__READINESS_REQUEST__INIT;
	struct ctl_query_readiness_view view = { 0 };
	char **roles = NULL;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_ROLE:
			if (ctl_cli_strv_add(&roles, &req.n_role_keys,
					     optarg) < 0) {
				status = ctl_cli_error(cli, "out of memory");
				goto out;
			}
			break;
		case OPT_SKIP_UNKNOWN:
			req.skip_unknown = true;
			break;
		case OPT_ESTIMATES:
			req.with_estimates = true;
			break;
		case OPT_AS_OF:
			if (ctl_write_parse_time(optarg, &req.as_of_unix_ms)) {
				status = ctl_cli_usage_error(
					cli, "invalid --as-of '%s'", optarg);
				goto out;
			}
			break;
		default:
			goto out;
		}
	}
	if (optind >= argc) {
		status = ctl_cli_usage_error(cli, "no employee given");
		goto out;
	}
	req.role_keys = roles;
	req.employee_ids = argv + optind;
	req.n_employee_ids = (size_t)(argc - optind);
	view.estimates = req.with_estimates;
	view.errors = req.skip_unknown;

	status = ctl_cli_rpc(cli, "Readiness", &req.base,
			     ctl_query_print_readiness, &view);
out:
	free(roles);
	return status;
}

/* ---- gap ---- */

static int ctl_query_print_gap(struct ctl_cli *cli, const ProtobufCMessage *m,
			       const void *arg)
{
	static const char *const headers[] = {
		"COMPETENCY", "REQUIRED", "CURRENT", "DEFICIT", "WEIGHT",
		"MUST-HAVE", "MET",
	};
	static const char *const sheaders[] = {
		"COMPETENCY", "REQUIRED", "CURRENT",
	};
	const Pathways__V1__GapResponse *g = (const void *)m;
	char num[CTL_JSON_DOUBLE_LEN];
	ctl_table_t *t;
	int status;

	fprintf(cli->out, "%s -> %s: readiness %.1f, %s, weighted deficit %s\n",
		g->employee_id, g->role_key, g->readiness,
		ctl_cli_band_name(g->band),
		ctl_json_format_double(g->weighted_deficit, num));
	if (g->estimated_hours > 0)
		fprintf(cli->out, "estimated hours %s\n",
			ctl_json_format_double(g->estimated_hours, num));
	if (g->n_uncovered) {
		fputs("not covered by any module:", cli->out);
		for (size_t i = 0; i < g->n_uncovered; i++)
			fprintf(cli->out, "%s %s", i ? "," : "",
				g->uncovered[i]->competency_key);
		fputc('\n', cli->out);
	}
	fputc('\n', cli->out);

	t = ctl_table_new(headers, 7);
	if (!t)
		return ctl_cli_print_table(cli, &t);
	for (size_t col = 1; col <= 4; col++)
		ctl_table_align_right(t, col);
	for (size_t i = 0; i < g->n_gaps; i++) {
		const Pathways__V1__CompetencyGap *c = g->gaps[i];

		ctl_table_cell(t, "%s", c->competency_key);
		ctl_table_cell(t, "%" PRIu32, c->required);
		ctl_table_cell(t, "%" PRIu32 "%s", c->current,
			       c->stale ? " (stale)" : "");
		ctl_table_cell(t, "%" PRIu32, c->deficit);
		ctl_table_cell(t, "%s", ctl_json_format_double(c->weight, num));
		ctl_table_cell(t, "%s", ctl_query_yes(c->must_have));
		ctl_table_cell(t, "%s", ctl_query_yes(c->met));
	}
	status = ctl_cli_print_table(cli, &t);
	if (status || g->n_strengths == 0)
		return status;

	fputs("\nstrengths:\n", cli->out);
	t = ctl_table_new(sheaders, 3);
	if (!t)
		return ctl_cli_print_table(cli, &t);
	ctl_table_align_right(t, 1);
	ctl_table_align_right(t, 2);
	for (size_t i = 0; i < g->n_strengths; i++) {
		const Pathways__V1__CompetencyGap *c = g->strengths[i];

		ctl_table_cell(t, "%s", c->competency_key);
		ctl_table_cell(t, "%" PRIu32, c->required);
		ctl_table_cell(t, "%" PRIu32, c->current);
	}
	return ctl_cli_print_table(cli, &t);
}

int ctl_query_gap(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_AS_OF = 1 };
	static const struct option opts[] = {
		{ "as-of", required_argument, NULL, OPT_AS_OF },
		{ 0 },
	};
	Pathways__V1__GapRequest req = PATHWAYS__V1__GAP_REQUEST__INIT;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		if (c != OPT_AS_OF)
			return status;
		if (ctl_write_parse_time(optarg, &req.as_of_unix_ms))
			return ctl_cli_usage_error(cli, "invalid --as-of '%s'",
						   optarg);
	}
	if (argc - optind < 2)
		return ctl_cli_usage_error(cli, "missing arguments");
	if (argc - optind > 2)
		return ctl_cli_usage_error(cli, "unexpected argument '%s'",
					   argv[optind + 2]);
	req.employee_id = argv[optind];
	req.role_key = argv[optind + 1];
	return ctl_cli_rpc(cli, "Gap", &req.base, ctl_query_print_gap, NULL);
}
