#include "ctl_pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_table.h"

/* grades the command accepts: as `roles --grade` */
#define CTL_PIPELINE_MAX_GRADE 100u

/* ---- the table ---- */

static uint32_t band_count(const Pathways__V1__RoleBench *rb, int band)
{
	for (size_t i = 0; i < rb->n_bands; i++)
		if ((int)rb->bands[i]->band == band)
			return rb->bands[i]->count;
	return 0;
}

/* thin roles first, then by key (the reply's order) */
static int cmp_thin_first(const void *a, const void *b)
{
	const Pathways__V1__RoleBench *x = *(const Pathways__V1__RoleBench *const *)a;
	const Pathways__V1__RoleBench *y = *(const Pathways__V1__RoleBench *const *)b;

	if (x->thin != y->thin)
		return x->thin ? -1 : 1;
	return strcmp(x->role_key, y->role_key);
}

static int print_breakdown(struct ctl_cli *cli,
			   Pathways__V1__RoleBench *const *v, size_t n,
			   const char *attribute)
{
	static const char *const headers[] = {
		"ROLE", "VALUE", "NOT_READY", "DEVELOPING", "READY_SOON",
		"READY_NOW",
	};
	ctl_table_t *t = ctl_table_new(headers, 6);

	if (!t)
		return ctl_cli_print_table(cli, &t);
	for (size_t c = 2; c < 6; c++)
		ctl_table_align_right(t, c);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i]->n_breakdown; k++) {
			const Pathways__V1__BreakdownRow *row = v[i]->breakdown[k];

			ctl_table_cell(t, "%s", v[i]->role_key);
			ctl_table_cell(t, "%s", row->value[0] ? row->value :
					   "(none)");
			for (int b = 1; b <= 4; b++) {
				uint32_t c = 0;

				for (size_t j = 0; j < row->n_bands; j++)
					if ((int)row->bands[j]->band == b)
						c = row->bands[j]->count;
				ctl_table_cell(t, "%" PRIu32, c);
			}
		}
	fprintf(cli->out, "\nby %s\n", attribute);
	return ctl_cli_print_table(cli, &t);
}

static int print_pipeline(struct ctl_cli *cli, const ProtobufCMessage *m,
			  const void *arg)
{
	static const char *const headers[] = {
		"ROLE", "CONSIDERED", "NOT_READY", "DEVELOPING", "READY_SOON",
		"READY_NOW", "READY", "THIN",
	};
	static const char *const sheaders[] = {
		"COMPETENCY", "LEVEL", "HOLDERS",
	};
	const Pathways__V1__PipelineResponse *p = (const void *)m;
	const char *attribute = arg;
	Pathways__V1__RoleBench **v;
	ctl_table_t *t;
	int status;

	if (p->n_roles == 0) {
		ctl_cli_line(cli, "no role selected");
		return 0;
	}
	v = malloc(p->n_roles * sizeof(*v));
	if (!v)
		return ctl_cli_error(cli, "out of memory");
	memcpy(v, p->roles, p->n_roles * sizeof(*v));
	qsort(v, p->n_roles, sizeof(*v), cmp_thin_first);
	t = ctl_table_new(headers, 8);
	if (!t) {
		free(v);
		return ctl_cli_print_table(cli, &t);
	}
	for (size_t c = 1; c < 7; c++)
		ctl_table_align_right(t, c);
	for (size_t i = 0; i < p->n_roles; i++) {
		ctl_table_cell(t, "%s", v[i]->role_key);
		ctl_table_cell(t, "%" PRIu32, v[i]->considered);
		for (int b = 1; b <= 4; b++)
			ctl_table_cell(t, "%" PRIu32, band_count(v[i], b));
		ctl_table_cell(t, "%" PRIu32, v[i]->ready);
		ctl_table_cell(t, "%s", v[i]->thin ? "thin" : "");
	}
	status = ctl_cli_print_table(cli, &t);
	if (!status && attribute)
		status = print_breakdown(cli, v, p->n_roles, attribute);
	free(v);
	if (status)
		return status;
	fprintf(cli->out, "\n%" PRIu32 " of %zu roles thin\n", p->thin_roles,
		p->n_roles);
	if (p->n_scarce == 0)
		return 0;
	fprintf(cli->out, "\nscarce competencies (at most one holder)\n");
	t = ctl_table_new(sheaders, 3);
	if (!t)
		return ctl_cli_print_table(cli, &t);
	ctl_table_align_right(t, 1);
	ctl_table_align_right(t, 2);
	for (size_t i = 0; i < p->n_scarce; i++) {
		ctl_table_cell(t, "%s", p->scarce[i]->competency_key);
		ctl_table_cell(t, "%" PRIu32, p->scarce[i]->level);
		ctl_table_cell(t, "%" PRIu32, p->scarce[i]->holders);
	}
	return ctl_cli_print_table(cli, &t);
}

/* ---- the picture ---- */

void ctl_pipeline_xml(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* XML 1.0 has no way to write most control
			 * characters, not even as references */
			fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
		}
	}
}

struct cell {
	const char *area, *track;
	uint32_t grade;
	const Pathways__V1__RoleBench *rb;
};

static int cmp_info_key(const void *a, const void *b)
{
	const Pathways__V1__RoleInfo *x = *(const Pathways__V1__RoleInfo *const *)a;
	const Pathways__V1__RoleInfo *y = *(const Pathways__V1__RoleInfo *const *)b;

	return strcmp(x->key, y->key);
}

/* rows by area (none last) then track; in a row by grade, then key */
static int cmp_cell(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	int c;

	if (!x->area[0] != !y->area[0])
		return x->area[0] ? -1 : 1;
	c = strcmp(x->area, y->area);
	if (!c)
		c = strcmp(x->track, y->track);
	if (!c)
		c = (x->grade > y->grade) - (x->grade < y->grade);
	return c ? c : strcmp(x->rb->role_key, y->rb->role_key);
}

static bool same_row(const struct cell *a, const struct cell *b)
{
	return strcmp(a->area, b->area) == 0 && strcmp(a->track, b->track) == 0;
}

/* Colour by ready count against min_ready: none red, some but thin orange,
 * up to twice the minimum yellow-green, more green. */
static const char *fill(uint32_t ready, unsigned min_ready)
{
	if (ready == 0)
		return "#d73027";
	if (ready < min_ready)
		return "#fc8d59";
	if (ready < 2 * min_ready)
		return "#d9ef8b";
	return "#1a9850";
}

enum { LABEL_W = 170, CELL_W = 150, BOX_H = 40, GAP = 6, TOP = 60 };

static void svg_box(FILE *f, const struct cell *c, double x, double y,
		    unsigned min_ready)
{
	const Pathways__V1__RoleBench *rb = c->rb;

	fprintf(f, "<g><title>");
	ctl_pipeline_xml(f, rb->role_key);
	fprintf(f, ": %" PRIu32 " ready of %" PRIu32 " considered%s</title>\n",
		rb->ready, rb->considered, rb->thin ? " (thin)" : "");
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" "
		"rx=\"4\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%d\"%s/>\n",
		x, y, CELL_W - 2 * GAP, BOX_H - GAP, fill(rb->ready, min_ready),
		rb->thin ? "#000" : "#777", rb->thin ? 3 : 1,
		rb->thin ? " stroke-dasharray=\"6 3\"" : "");
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-weight=\"bold\">",
		x + 6, y + 15);
	ctl_pipeline_xml(f, rb->role_key);
	fprintf(f, "</text>\n<text x=\"%.0f\" y=\"%.0f\">%s%" PRIu32
		" ready of %" PRIu32 "</text>\n</g>\n", x + 6, y + 29,
		rb->thin ? "\u26a0 " : "", rb->ready, rb->considered);
}

int ctl_pipeline_svg(FILE *f, const Pathways__V1__PipelineResponse *p,
		     const Pathways__V1__ListRolesResponse *roles,
		     unsigned min_ready)
{
	const Pathways__V1__RoleInfo **idx = NULL;
	struct cell *cells = NULL;
	size_t n = 0;
	uint32_t lo = UINT32_MAX, hi = 0;
	double y, width, height;

	if (!min_ready)
		min_ready = 2;
	idx = malloc((roles->n_roles ? roles->n_roles : 1) * sizeof(*idx));
	cells = malloc((p->n_roles ? p->n_roles : 1) * sizeof(*cells));
	if (!idx || !cells) {
		free(idx);
		free(cells);
		return -ENOMEM;
	}
	memcpy(idx, roles->roles, roles->n_roles * sizeof(*idx));
	qsort(idx, roles->n_roles, sizeof(*idx), cmp_info_key);
	for (size_t i = 0; i < p->n_roles; i++) {
		Pathways__V1__RoleInfo key = { .key = p->roles[i]->role_key };
		const Pathways__V1__RoleInfo *kp = &key, **hit;

		hit = bsearch(&kp, idx, roles->n_roles, sizeof(*idx),
			      cmp_info_key);
		if (!hit)
			continue;
		cells[n++] = (struct cell){ (*hit)->area, (*hit)->track,
					    (*hit)->grade, p->roles[i] };
		if ((*hit)->grade < lo)
			lo = (*hit)->grade;
		if ((*hit)->grade > hi)
			hi = (*hit)->grade;
	}
	free(idx);
	qsort(cells, n, sizeof(*cells), cmp_cell);
	if (n == 0)
		lo = hi = 0;

	/* a row is as tall as its fullest grade */
	height = TOP;
	for (size_t i = 0, most = 0, run = 0; i < n; i++) {
		run = i > 0 && same_row(&cells[i], &cells[i - 1]) &&
			      cells[i].grade == cells[i - 1].grade ? run + 1 : 1;
		if (run > most)
			most = run;
		if (i + 1 == n || !same_row(&cells[i], &cells[i + 1])) {
			height += (double)most * BOX_H + 2 * GAP;
			most = 0;
		}
	}
	width = LABEL_W + (double)(hi - lo + 1) * CELL_W + GAP;
	height += 50;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		width, height, width, height);
	fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"16\" "
		"font-weight=\"bold\">Pipeline: %zu roles, %" PRIu32
		" thin (fewer than %u ready)</text>\n", GAP, n, p->thin_roles,
		min_ready);
	for (uint32_t g = lo; n && g <= hi; g++)
		fprintf(f, "<text x=\"%.0f\" y=\"%d\" font-weight=\"bold\">"
			"grade %" PRIu32 "</text>\n",
			LABEL_W + (double)(g - lo) * CELL_W + GAP, TOP - 10, g);
	y = TOP;
	for (size_t i = 0; i < n;) {
		size_t end = i, most = 0, run = 0;

		while (end < n && same_row(&cells[end], &cells[i]))
			end++;
		fprintf(f, "<text x=\"%d\" y=\"%.0f\" font-weight=\"bold\">",
			GAP, y + 20);
		ctl_pipeline_xml(f, cells[i].area[0] ? cells[i].area :
				 "(no area)");
		fprintf(f, "</text>\n<text x=\"%d\" y=\"%.0f\">", GAP, y + 35);
		ctl_pipeline_xml(f, cells[i].track);
		fprintf(f, "</text>\n");
		for (size_t k = i; k < end; k++) {
			run = k > i && cells[k].grade == cells[k - 1].grade ?
				      run + 1 : 0;
			if (run + 1 > most)
				most = run + 1;
			svg_box(f, &cells[k],
				LABEL_W + (double)(cells[k].grade - lo) * CELL_W + GAP,
				y + GAP + (double)run * BOX_H, min_ready);
		}
		y += (double)most * BOX_H + 2 * GAP;
		fprintf(f, "<line x1=\"0\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
			"stroke=\"#ccc\"/>\n", y, width, y);
		i = end;
	}
	/* the legend */
	{
		static const char *const what[] = {
			"none ready", "some, too few", "enough", "twice enough",
		};
		uint32_t sample[] = { 0, 1, min_ready, 2 * min_ready };

		for (int k = 0; k < 4; k++) {
			fprintf(f, "<rect x=\"%d\" y=\"%.0f\" width=\"14\" "
				"height=\"14\" fill=\"%s\" stroke=\"#777\"/>\n"
				"<text x=\"%d\" y=\"%.0f\">%s</text>\n",
				GAP + k * 150, y + 20,
				fill(sample[k], min_ready), GAP + k * 150 + 20,
				y + 32, what[k]);
		}
		fprintf(f, "<rect x=\"%d\" y=\"%.0f\" width=\"14\" height=\"14\" "
			"fill=\"none\" stroke=\"#000\" stroke-width=\"3\" "
			"stroke-dasharray=\"6 3\"/>\n<text x=\"%d\" y=\"%.0f\">"
			"thin</text>\n", GAP + 600, y + 20, GAP + 620, y + 32);
	}
	fprintf(f, "</svg>\n");
	free(cells);
	return ferror(f) ? -EIO : 0;
}

/* ---- the command ---- */

/* --grade: G, LO-HI, LO- or -HI */
static int parse_grades(const char *s, uint32_t *lo, uint32_t *hi)
{
	const char *dash = strchr(s, '-');
	unsigned long a = 0, b = 0;
	char buf[32];

	if (!dash) {
		if (ctl_cli_parse_uint(s, 1, CTL_PIPELINE_MAX_GRADE, &a) < 0)
			return -EINVAL;
		*lo = *hi = (uint32_t)a;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(buf) || (dash == s && !dash[1]))
		return -EINVAL;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (buf[0] && ctl_cli_parse_uint(buf, 1, CTL_PIPELINE_MAX_GRADE, &a) < 0)
		return -EINVAL;
	if (dash[1] &&
	    ctl_cli_parse_uint(dash + 1, 1, CTL_PIPELINE_MAX_GRADE, &b) < 0)
		return -EINVAL;
	if (b && a > b)
		return -EINVAL;
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return 0;
}

static int write_svg(struct ctl_cli *cli,
		     const Pathways__V1__PipelineRequest *req, const char *path)
{
	Pathways__V1__ListRolesRequest lreq = PATHWAYS__V1__LIST_ROLES_REQUEST__INIT;
	struct pw_reply pr = { 0 }, lr = { 0 };
	FILE *f;
	int status, rc;

	status = ctl_cli_call(cli, "Pipeline", &req->base, &pr);
	if (status)
		return status;
	lreq.track = req->track;
	lreq.area = req->area;
	status = ctl_cli_call(cli, "ListRoles", &lreq.base, &lr);
	if (status) {
		pw_reply_clear(&pr);
		return status;
	}
	f = strcmp(path, "-") == 0 ? cli->out : fopen(path, "w");
	if (!f) {
		status = ctl_cli_error(cli, "%s: %s", path, strerror(errno));
	} else {
		rc = ctl_pipeline_svg(f, (const void *)pr.response,
				      (const void *)lr.response, req->min_ready);
		if ((f != cli->out && fclose(f) != 0) || rc)
			status = ctl_cli_error(cli, "%s: cannot write it",
					       path);
	}
	pw_reply_clear(&pr);
	pw_reply_clear(&lr);
	return status;
}

int ctl_pipeline_run(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_TRACK = 1, OPT_AREA, OPT_GRADE, OPT_BY, OPT_ALL,
	       OPT_MIN_READY, OPT_SVG };
	static const struct option opts[] = {
		{ "track", required_argument, NULL, OPT_TRACK },
		{ "area", required_argument, NULL, OPT_AREA },
		{ "grade", required_argument, NULL, OPT_GRADE },
		{ "by", required_argument, NULL, OPT_BY },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "min-ready", required_argument, NULL, OPT_MIN_READY },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ 0 },
	};
	Pathways__V1__PipelineRequest req = PATHWAYS__V1__PIPELINE_REQUEST__INIT;
	const char *svg = NULL;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_TRACK:
			req.track = optarg;
			break;
		case OPT_AREA:
			req.area = optarg;
			break;
		case OPT_GRADE:
			if (parse_grades(optarg, &req.min_grade,
					 &req.max_grade) < 0)
				return ctl_cli_usage_error(cli,
					"invalid --grade '%s' (G or LO-HI)",
					optarg);
			break;
		case OPT_BY:
			if (!optarg[0])
				return ctl_cli_usage_error(cli,
					"--by needs an attribute name");
			req.breakdown_attribute = optarg;
			break;
		case OPT_ALL:
			req.include_all = true;
			break;
		case OPT_MIN_READY:
			status = ctl_cli_opt_count(cli, "min-ready", optarg,
						   &req.min_ready);
			if (status)
				return status;
			break;
		case OPT_SVG:
			if (!optarg[0])
				return ctl_cli_usage_error(cli,
					"--svg needs a file name");
			svg = optarg;
			break;
		default:
			return status;
		}
	}
	if (argc - optind != 0)
		return ctl_cli_usage_error(cli, "too many arguments");
	if (svg && cli->json)
		return ctl_cli_usage_error(cli, "--svg and --json do not go "
					   "together");
	if (svg)
		return write_svg(cli, &req, svg);
	return ctl_cli_rpc(cli, "Pipeline", &req.base, print_pipeline,
			   req.breakdown_attribute[0] ?
				   req.breakdown_attribute : NULL);
}
