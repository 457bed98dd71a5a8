/* ctl_people: see ctl_people.h. */
#include "ctl_people.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_fmt.h"
#include "ctl_json.h"
#include "ctl_table.h"

/* ---- modules ---- */

static int ctl_people_print_modules(struct ctl_cli *cli,
				    const ProtobufCMessage *m, const void *arg)
{
	static const char *const headers[] = {
		"#", "MODULE", "TITLE", "HOURS", "CUMULATIVE", "CLOSES", "NOTE",
		"LMS",
	};
	const Pathways__V1__RecommendModulesResponse *r = (const void *)m;
	char num[CTL_JSON_DOUBLE_LEN], *text;
	ctl_table_t *t;
	int status = CTL_EXIT_OK;

	if (r->n_modules == 0) {
		ctl_cli_line(cli, "no module to take");
	} else {
		t = ctl_table_new(headers, 8);
		if (!t)
			return ctl_cli_print_table(cli, &t);
		ctl_table_align_right(t, 0);
		ctl_table_align_right(t, 3);
		ctl_table_align_right(t, 4);
		for (size_t i = 0; i < r->n_modules; i++) {
			const Pathways__V1__ModuleStep *s = r->modules[i];

			ctl_table_cell(t, "%zu", i + 1);
			ctl_table_cell(t, "%s", s->module_key);
			ctl_table_cell(t, "%s", s->title);
			ctl_table_cell(t, "%s",
				       ctl_json_format_double(s->hours, num));
			ctl_json_format_double(s->cumulative_hours, num);
			ctl_table_cell(t, "%s", num);
			ctl_table_cell_take(t, ctl_fmt_gains(s->closes,
								s->n_closes));
			ctl_table_cell(t, "%s",
				       s->prerequisite ? "(prerequisite)" : "");
			ctl_table_cell(t, "%s", s->lms_ref);
		}
		status = ctl_cli_print_table(cli, &t);
		if (status)
			return status;
	}
	text = ctl_fmt_gaps(r->uncovered, r->n_uncovered);
	if (!text)
		return ctl_cli_error(cli, "out of memory");
	ctl_cli_line(cli, "uncovered: %s", text[0] ? text : "none");
	free(text);
	ctl_cli_line(cli, "total: %s hours",
		     ctl_json_format_double(r->total_hours, num));
	return status;
}

int ctl_people_modules(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_MAX_HOURS = 1, OPT_MAX_MODULES };
	static const struct option opts[] = {
		{ "max-hours", required_argument, NULL, OPT_MAX_HOURS },
		{ "max-modules", required_argument, NULL, OPT_MAX_MODULES },
		{ 0 },
	};
	Pathways__V1__RecommendModulesRequest req =
		PATHWAYS__V1__RECOMMEND_MODULES_REQUEST__INIT;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_MAX_HOURS:
			status = ctl_cli_opt_positive(cli, "max-hours", optarg,
						      &req.max_hours);
			if (status)
				return status;
			break;
		case OPT_MAX_MODULES:
			status = ctl_cli_opt_count(cli, "max-modules", optarg,
						   &req.max_modules);
			if (status)
				return status;
			break;
		default:
			return status;
		}
	}
	if (argc - optind != 2)
		return ctl_cli_usage_error(cli, argc - optind < 2 ?
					   "give an EMPLOYEE and a ROLE" :
					   "too many arguments");
	req.employee_id = argv[optind];
	req.role_key = argv[optind + 1];
	return ctl_cli_rpc(cli, "RecommendModules", &req.base,
			   ctl_people_print_modules, NULL);
}

/* ---- mentors ---- */

#define CTL_PEOPLE_TARGET_ROLE \
	PATHWAYS__V1__MENTORS_REQUEST__TARGET_ROLE_KEY
#define CTL_PEOPLE_TARGET_COMPETENCY \
	PATHWAYS__V1__MENTORS_REQUEST__TARGET_COMPETENCY_KEY

static int ctl_people_print_mentors(struct ctl_cli *cli,
				    const ProtobufCMessage *m, const void *arg)
{
	static const char *const headers[] = { "EMPLOYEE", "ROLE", "COVERS" };
	const Pathways__V1__MentorsResponse *r = (const void *)m;
	ctl_table_t *t;

	if (r->n_mentors == 0) {
		ctl_cli_line(cli, "no mentor found");
		return CTL_EXIT_OK;
	}
	t = ctl_table_new(headers, 3);
	if (!t)
		return ctl_cli_print_table(cli, &t);
	for (size_t i = 0; i < r->n_mentors; i++) {
		const Pathways__V1__Mentor *mt = r->mentors[i];

		ctl_table_cell(t, "%s", mt->employee_id);
		ctl_table_cell(t, "%s", mt->role_key);
		ctl_table_cell_take(t, ctl_fmt_gains(mt->covers,
						     mt->n_covers));
	}
	return ctl_cli_print_table(cli, &t);
}

int ctl_people_mentors(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_ROLE = 1, OPT_COMPETENCY, OPT_LIMIT };
	static const struct option opts[] = {
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "competency", required_argument, NULL, OPT_COMPETENCY },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ 0 },
	};
	Pathways__V1__MentorsRequest req = PATHWAYS__V1__MENTORS_REQUEST__INIT;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_ROLE:
		case OPT_COMPETENCY:
			if (req.target_case !=
			    PATHWAYS__V1__MENTORS_REQUEST__TARGET__NOT_SET)
				return ctl_cli_usage_error(cli,
					"give one of --role and --competency, "
					"once");
			if (c == OPT_ROLE) {
				req.target_case = CTL_PEOPLE_TARGET_ROLE;
				req.role_key = optarg;
			} else {
				req.target_case = CTL_PEOPLE_TARGET_COMPETENCY;
				req.competency_key = optarg;
			}
			break;
		case OPT_LIMIT:
			status = ctl_cli_opt_count(cli, "limit", optarg,
						   &req.limit);
			if (status)
				return status;
			break;
		default:
			return status;
		}
	}
	if (argc - optind != 1)
		return ctl_cli_usage_error(cli, argc - optind < 1 ?
					   "give an EMPLOYEE" :
					   "too many arguments");
	if (req.target_case == PATHWAYS__V1__MENTORS_REQUEST__TARGET__NOT_SET)
		return ctl_cli_usage_error(cli, "give --role or --competency");
	req.employee_id = argv[optind];
	return ctl_cli_rpc(cli, "Mentors", &req.base, ctl_people_print_mentors,
			   NULL);
}

/* ---- bench ---- */

/* The count of band in counts[0..n-1] (0 when absent). */
static uint32_t ctl_people_band_count(Pathways__V1__BandCount *const *counts,
				      size_t n, int band)
{
	for (size_t i = 0; i < n; i++)
		if ((int)counts[i]->band == band)
			return counts[i]->count;
	return 0;
}

static int ctl_people_print_breakdown(struct ctl_cli *cli,
				      const Pathways__V1__BenchResponse *b,
				      const char *attribute)
{
	const char **headers;
	size_t nb = b->n_bands, ncols = nb + 2;
	ctl_table_t *t;

	headers = calloc(ncols, sizeof(*headers));
	if (!headers)
		return ctl_cli_error(cli, "out of memory");
	headers[0] = attribute;
	for (size_t k = 0; k < nb; k++)
		headers[k + 1] = ctl_cli_band_name(b->bands[k]->band);
	headers[nb + 1] = "TOTAL";
	t = ctl_table_new(headers, ncols);
	free(headers);
	if (!t)
		return ctl_cli_print_table(cli, &t);
	for (size_t col = 1; col < ncols; col++)
		ctl_table_align_right(t, col);
	for (size_t i = 0; i < b->n_breakdown; i++) {
		const Pathways__V1__BreakdownRow *row = b->breakdown[i];
		uint64_t total = 0;

		ctl_table_cell(t, "%s", row->value[0] ? row->value : "(none)");
		for (size_t k = 0; k < nb; k++) {
			uint32_t v = ctl_people_band_count(row->bands,
							   row->n_bands,
							   b->bands[k]->band);

			total += v;
			ctl_table_cell(t, "%" PRIu32, v);
		}
		ctl_table_cell(t, "%" PRIu64, total);
	}
	return ctl_cli_print_table(cli, &t);
}

static int ctl_people_print_bench(struct ctl_cli *cli,
				  const ProtobufCMessage *m, const void *arg)
{
	static const char *const headers[] = {
		"RANK", "EMPLOYEE", "CURRENT ROLE", "READINESS", "BAND",
		"BLOCKERS",
	};
	static const char *const bheaders[] = { "BAND", "EMPLOYEES" };
	const char *attribute = arg;
	const Pathways__V1__BenchResponse *b = (const void *)m;
	ctl_table_t *t;
	int status;

	if (b->n_candidates == 0) {
		ctl_cli_line(cli, "no candidate");
	} else {
		t = ctl_table_new(headers, 6);
		if (!t)
			return ctl_cli_print_table(cli, &t);
		ctl_table_align_right(t, 0);
		ctl_table_align_right(t, 3);
		ctl_table_align_right(t, 5);
		for (size_t i = 0; i < b->n_candidates; i++) {
			const Pathways__V1__BenchCandidate *c;

			c = b->candidates[i];
			ctl_table_cell(t, "%zu", i + 1);
			ctl_table_cell(t, "%s", c->employee_id);
			ctl_table_cell(t, "%s", c->current_role);
			ctl_table_cell(t, "%.1f", c->readiness);
			ctl_table_cell(t, "%s", ctl_cli_band_name(c->band));
			ctl_table_cell(t, "%" PRIu32, c->blockers);
		}
		status = ctl_cli_print_table(cli, &t);
		if (status)
			return status;
	}

	fprintf(cli->out, "\n%" PRIu32 " considered\n", b->considered);
	t = ctl_table_new(bheaders, 2);
	if (!t)
		return ctl_cli_print_table(cli, &t);
	ctl_table_align_right(t, 1);
	for (size_t k = 0; k < b->n_bands; k++) {
		ctl_table_cell(t, "%s", ctl_cli_band_name(b->bands[k]->band));
		ctl_table_cell(t, "%" PRIu32, b->bands[k]->count);
	}
	status = ctl_cli_print_table(cli, &t);
	if (status || !attribute)
		return status;
	fputc('\n', cli->out);
	return ctl_people_print_breakdown(cli, b, attribute);
}

int ctl_people_bench(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_LIMIT = 1, OPT_BY, OPT_MIN_READINESS, OPT_SUCCESSORS };
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "by", required_argument, NULL, OPT_BY },
		{ "min-readiness", required_argument, NULL, OPT_MIN_READINESS },
		{ "successors", no_argument, NULL, OPT_SUCCESSORS },
		{ 0 },
	};
	Pathways__V1__BenchRequest req = PATHWAYS__V1__BENCH_REQUEST__INIT;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_LIMIT:
			status = ctl_cli_opt_count(cli, "limit", optarg,
						   &req.limit);
			if (status)
				return status;
			break;
		case OPT_BY:
			if (!optarg[0])
				return ctl_cli_usage_error(cli,
					"--by needs an attribute name");
			req.breakdown_attribute = optarg;
			break;
		case OPT_MIN_READINESS:
			if (ctl_cli_parse_double(optarg, 0, 100,
						 &req.min_readiness) < 0)
				return ctl_cli_usage_error(cli,
					"invalid --min-readiness '%s' (0 to "
					"100)", optarg);
			break;
		case OPT_SUCCESSORS:
			req.successors_only = true;
			break;
		default:
			return status;
		}
	}
	if (argc - optind != 1)
		return ctl_cli_usage_error(cli, argc - optind < 1 ?
					   "give a ROLE" :
					   "too many arguments");
	req.role_key = argv[optind];
	return ctl_cli_rpc(cli, "Bench", &req.base, ctl_people_print_bench,
			   req.breakdown_attribute[0] ?
				   req.breakdown_attribute : NULL);
}

/* ---- placement ---- */

static int ctl_people_print_placement(struct ctl_cli *cli,
				      const ProtobufCMessage *m,
				      const void *arg)
{
	static const char *const headers[] = {
		"TRACK", "GRADE", "ROLES MET", "NEXT ROLE", "NEXT READINESS",
	};
	const Pathways__V1__PlacementResponse *p = (const void *)m;
	ctl_table_t *t = ctl_table_new(headers, 5);

	if (!t)
		return ctl_cli_print_table(cli, &t);
	ctl_table_align_right(t, 1);
	ctl_table_align_right(t, 4);
	for (size_t i = 0; i < p->n_tracks; i++) {
		const Pathways__V1__TrackPlacement *tp = p->tracks[i];
		bool next = tp->next_role[0] != '\0';

		ctl_table_cell(t, "%s", tp->track);
		if (tp->grade)
			ctl_table_cell(t, "%" PRIu32, tp->grade);
		else
			ctl_table_cell(t, "none");
		if (tp->n_roles)
			ctl_table_cell_join(t, tp->roles, tp->n_roles, ",");
		else
			ctl_table_cell(t, "-");
		ctl_table_cell(t, "%s", next ? tp->next_role : "-");
		if (next)
			ctl_table_cell(t, "%.1f", tp->next_readiness);
		else
			ctl_table_cell(t, "-");
	}
	return ctl_cli_print_table(cli, &t);
}

int ctl_people_placement(struct ctl_cli *cli, int argc, char **argv)
{
	Pathways__V1__PlacementRequest req =
		PATHWAYS__V1__PLACEMENT_REQUEST__INIT;
	int status;

	if (ctl_cli_operands(cli, argc, argv, 1, 1, &status) < 0)
		return status;
	req.employee_id = argv[optind];
	return ctl_cli_rpc(cli, "Placement", &req.base,
			   ctl_people_print_placement, NULL);
}
