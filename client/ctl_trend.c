/* ctl_trend: see ctl_trend.h. */
#include "ctl_trend.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_table.h"
#include "ctl_write.h"

/* ---- the text form ---- */

char *ctl_trend_sparkline(const double *v, size_t n, char *out,
			  size_t outlen)
{
	static const char *const glyph[8] = { "▁", "▂", "▃", "▄",
					      "▅", "▆", "▇", "█" };
	size_t w = 0;

	for (size_t i = 0; i < n && w + 4 <= outlen; i++) {
		double x = v[i] < 0 ? 0 : v[i] > 100 ? 100 : v[i];
		int k = (int)(x / 100.0 * 7.0 + 0.5);

		memcpy(out + w, glyph[k], 3);
		w += 3;
	}
	if (outlen)
		out[w] = '\0';
	return out;
}

/* unix ms as a UTC date, with the time of day when it is not midnight */
static void ctl_trend_date(int64_t ms, char *out, size_t len)
{
	time_t secs = (time_t)(ms / 1000 - (ms % 1000 < 0));
	struct tm tm;

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(out, len,
		      tm.tm_hour || tm.tm_min || tm.tm_sec ? "%Y-%m-%d %H:%M:%S"
							   : "%Y-%m-%d",
		      &tm))
		snprintf(out, len, "%" PRId64, ms);
}

static char *ctl_trend_changes(const Pathways__V1__TrendPoint *p)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < p->n_changed; i++)
		len += strlen(p->changed[i]->competency_key) + 32;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0, w = 0; i < p->n_changed; i++)
		w += (size_t)snprintf(s + w, len - w, "%s%s %" PRIu32 "→%" PRIu32,
				      i ? ", " : "",
				      p->changed[i]->competency_key,
				      p->changed[i]->from_level,
				      p->changed[i]->to_level);
	return s;
}

struct ctl_trend_view {
	const char *svg;		/* --svg FILE, or NULL */
	const char *employee;
	int64_t end_ms;
	struct ctl_trend_bands bands;
};

static int ctl_trend_print(struct ctl_cli *cli, const ProtobufCMessage *m,
			   const void *arg)
{
	static const char *const headers[] = {
		"ROLE", "AT", "READINESS", "BAND", "MET", "CHANGED",
	};
	const Pathways__V1__TrendResponse *resp = (const void *)m;
	ctl_table_t *t = ctl_table_new(headers, 6);
	size_t width = 0;
	int status;

	(void)arg;
	if (!t)
		return ctl_cli_print_table(cli, &t);
	ctl_table_align_right(t, 2);
	ctl_table_align_right(t, 4);
	for (size_t s = 0; s < resp->n_series; s++) {
		const Pathways__V1__TrendSeries *se = resp->series[s];

		if (strlen(se->role_key) > width)
			width = strlen(se->role_key);
		for (size_t i = 0; i < se->n_points; i++) {
			const Pathways__V1__TrendPoint *p = se->points[i];
			char when[32], *ch = ctl_trend_changes(p);

			ctl_trend_date(p->at_unix_ms, when, sizeof(when));
			ctl_table_cell(t, "%s", se->role_key);
			ctl_table_cell(t, "%s", when);
			ctl_table_cell(t, "%.1f", p->readiness);
			ctl_table_cell(t, "%s", ctl_cli_band_name(p->band));
			ctl_table_cell(t, "%" PRIu32, p->met);
			ctl_table_cell(t, "%s", ch ? (*ch ? ch : "-") : "?");
			free(ch);
		}
	}
	status = ctl_cli_print_table(cli, &t);
	if (status)
		return status;
	fputc('\n', cli->out);
	for (size_t s = 0; s < resp->n_series; s++) {
		const Pathways__V1__TrendSeries *se = resp->series[s];
		double *v = calloc(se->n_points ? se->n_points : 1, sizeof(*v));
		size_t len = se->n_points * 3 + 1;
		char *line = malloc(len);

		if (!v || !line) {
			free(v);
			free(line);
			return ctl_cli_error(cli, "out of memory");
		}
		for (size_t i = 0; i < se->n_points; i++)
			v[i] = se->points[i]->readiness;
		ctl_trend_sparkline(v, se->n_points, line, len);
		if (se->n_points)
			ctl_cli_line(cli, "%-*s %s  %.1f -> %.1f", (int)width,
				     se->role_key, line, v[0],
				     v[se->n_points - 1]);
		free(v);
		free(line);
	}
	return CTL_EXIT_OK;
}

/* ---- the chart ----
 *
 * The plot, the legend to its right, and under it the changes: every
 * instant where a level changed gets a number at the top of the plot and a
 * line below it saying what changed (a change is the same competency
 * whatever role it counts for, so one note serves every series). */

#define SVG_W 960
#define SVG_LEFT 60
#define SVG_RIGHT 170
#define SVG_TOP 50
#define SVG_PLOT_H 330
#define SVG_NOTE_H 16
/* a note longer than this is cut (its full text in a tooltip) */
#define SVG_NOTE_CHARS 120

static const char *const ctl_trend_colors[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
	"#e377c2", "#17becf",
};

/* up to max bytes of s with XML's special characters escaped (max
 * SIZE_MAX: all of it; a cut never splits a UTF-8 sequence) */
static void ctl_trend_xml_n(FILE *f, const char *s, size_t max)
{
	for (size_t n = 0; *s; s++, n++) {
		if (n >= max && ((unsigned char)*s & 0xc0) != 0x80) {
			fputs("…", f);
			return;
		}
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* control characters are not allowed in XML 1.0 */
			fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
		}
	}
}

static void ctl_trend_xml(FILE *f, const char *s)
{
	ctl_trend_xml_n(f, s, SIZE_MAX);
}

struct ctl_trend_scale {
	int64_t t0, t1;
};

static double ctl_trend_x(const struct ctl_trend_scale *sc, int64_t t)
{
	double span = (double)(sc->t1 - sc->t0);

	return SVG_LEFT + (SVG_W - SVG_LEFT - SVG_RIGHT) *
				  (span > 0 ? (double)(t - sc->t0) / span : 0.5);
}

static double ctl_trend_y(double readiness)
{
	return SVG_TOP + SVG_PLOT_H * (1.0 - readiness / 100.0);
}

static void ctl_trend_svg_axes(FILE *f, const struct ctl_trend_scale *sc,
			       const struct ctl_trend_bands *b)
{
	static const char *const names[3] = { "READY_NOW", "READY_SOON",
					      "DEVELOPING" };
	double th[3] = { b->now, b->soon, b->developing };
	double x0 = SVG_LEFT, x1 = SVG_W - SVG_RIGHT;

	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		   "fill=\"#fafafa\" stroke=\"#999\"/>\n",
		SVG_LEFT, SVG_TOP, SVG_W - SVG_LEFT - SVG_RIGHT, SVG_PLOT_H);
	for (int r = 0; r <= 100; r += 20)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
			   "text-anchor=\"end\" fill=\"#555\">%d</text>\n",
			x0 - 6, ctl_trend_y(r) + 4, r);
	/* the thresholds, named just above their lines at the left */
	for (int i = 0; i < 3; i++)
		fprintf(f, "<line class=\"band\" x1=\"%.1f\" y1=\"%.1f\" "
			   "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
			   "stroke-dasharray=\"6 4\"/>\n"
			   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
			   "fill=\"#777\">%s %g</text>\n",
			x0, ctl_trend_y(th[i]), x1, ctl_trend_y(th[i]),
			x0 + 4, ctl_trend_y(th[i]) - 3, names[i], th[i]);
	/* five dates along the bottom */
	for (int i = 0; i <= 4; i++) {
		int64_t t = sc->t0 + (sc->t1 - sc->t0) / 4 * i;
		char when[32];

		if (sc->t1 == sc->t0 && i)
			break;
		ctl_trend_date(t - t % 86400000, when, sizeof(when));
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
			   "text-anchor=\"middle\" fill=\"#555\">%s</text>\n",
			ctl_trend_x(sc, t), SVG_TOP + SVG_PLOT_H + 18, when);
	}
}

static void ctl_trend_svg_series(FILE *f, const struct ctl_trend_scale *sc,
				 const Pathways__V1__TrendSeries *se,
				 const char *color, int64_t end_ms)
{
	fprintf(f, "<g class=\"series\" data-role=\"");
	ctl_trend_xml(f, se->role_key);
	fprintf(f, "\">\n<polyline fill=\"none\" stroke=\"%s\" "
		   "stroke-width=\"2.5\" stroke-opacity=\"0.85\" points=\"",
		color);
	/* readiness holds until the next point: steps, not slopes */
	for (size_t i = 0; i < se->n_points; i++) {
		const Pathways__V1__TrendPoint *p = se->points[i];
		int64_t next = i + 1 < se->n_points ? se->points[i + 1]->at_unix_ms
						    : end_ms;

		fprintf(f, "%.1f,%.1f %.1f,%.1f ", ctl_trend_x(sc, p->at_unix_ms),
			ctl_trend_y(p->readiness), ctl_trend_x(sc, next),
			ctl_trend_y(p->readiness));
	}
	fputs("\"/>\n", f);
	for (size_t i = 0; i < se->n_points; i++) {
		const Pathways__V1__TrendPoint *p = se->points[i];
		char when[32];

		ctl_trend_date(p->at_unix_ms, when, sizeof(when));
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
			   "fill=\"%s\"><title>",
			ctl_trend_x(sc, p->at_unix_ms), ctl_trend_y(p->readiness),
			color);
		ctl_trend_xml(f, se->role_key);
		fprintf(f, " %s: %.1f</title></circle>\n", when, p->readiness);
	}
	fputs("</g>\n", f);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The instants with a change in any series, sorted, without duplicates
 * (caller frees); NULL with *n 0 when there are none or no memory. */
static int64_t *ctl_trend_change_instants(const Pathways__V1__TrendResponse *resp,
					  size_t *n_out)
{
	size_t n = 0, cap = 0, w = 0;
	int64_t *v;

	*n_out = 0;
	for (size_t s = 0; s < resp->n_series; s++)
		cap += resp->series[s]->n_points;
	v = malloc((cap ? cap : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t s = 0; s < resp->n_series; s++)
		for (size_t i = 0; i < resp->series[s]->n_points; i++)
			if (resp->series[s]->points[i]->n_changed)
				v[n++] = resp->series[s]->points[i]->at_unix_ms;
	qsort(v, n, sizeof(*v), cmp_i64);
	for (size_t i = 0; i < n; i++)
		if (w == 0 || v[w - 1] != v[i])
			v[w++] = v[i];
	*n_out = w;
	return v;
}

/* What changed at t, over every series, each competency once: "key a→b,
 * ..." (caller frees; NULL without memory). */
static char *ctl_trend_note(const Pathways__V1__TrendResponse *resp, int64_t t)
{
	size_t len = 1, w = 0;
	char *out;

	for (size_t s = 0; s < resp->n_series; s++)
		for (size_t i = 0; i < resp->series[s]->n_points; i++) {
			const Pathways__V1__TrendPoint *p = resp->series[s]->points[i];

			if (p->at_unix_ms == t)
				for (size_t k = 0; k < p->n_changed; k++)
					len += strlen(p->changed[k]->competency_key) + 32;
		}
	out = malloc(len);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t s = 0; s < resp->n_series; s++)
		for (size_t i = 0; i < resp->series[s]->n_points; i++) {
			const Pathways__V1__TrendPoint *p = resp->series[s]->points[i];

			if (p->at_unix_ms != t)
				continue;
			for (size_t k = 0; k < p->n_changed; k++) {
				const Pathways__V1__CompetencyGain *c = p->changed[k];
				char item[64 + 32];
				size_t kl = strlen(c->competency_key);
				const char *at = out;
				bool seen = false;

				/* seen: "key " at the start of an item */
				while (!seen && (at = strstr(at, c->competency_key))) {
					seen = (at == out || at[-1] == ' ') &&
					       at[kl] == ' ';
					at++;
				}
				if (seen)
					continue;
				snprintf(item, sizeof(item), " %" PRIu32 "→%" PRIu32,
					 c->from_level, c->to_level);
				w += (size_t)snprintf(out + w, len - w, "%s%s%s",
						      w ? ", " : "",
						      c->competency_key, item);
			}
		}
	return out;
}

static void ctl_trend_svg_notes(FILE *f, const struct ctl_trend_scale *sc,
				const Pathways__V1__TrendResponse *resp,
				const int64_t *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double x = ctl_trend_x(sc, t[i]);
		char when[32], *note = ctl_trend_note(resp, t[i]);
		int y = SVG_TOP + SVG_PLOT_H + 44 + (int)i * SVG_NOTE_H;

		ctl_trend_date(t[i], when, sizeof(when));
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			   "stroke=\"#bbb\" stroke-dasharray=\"1 3\"/>\n"
			   "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
			   "text-anchor=\"middle\" fill=\"#333\">%zu</text>\n",
			x, SVG_TOP, x, SVG_TOP + SVG_PLOT_H, x, SVG_TOP - 4,
			i + 1);
		fprintf(f, "<text class=\"change\" x=\"%d\" y=\"%d\" "
			   "font-size=\"11\" fill=\"#333\"><title>",
			SVG_LEFT, y);
		ctl_trend_xml(f, note ? note : "");
		fprintf(f, "</title>%zu · %s: ", i + 1, when);
		ctl_trend_xml_n(f, note ? note : "?", SVG_NOTE_CHARS);
		fputs("</text>\n", f);
		free(note);
	}
}

int ctl_trend_svg(FILE *f, const Pathways__V1__TrendResponse *resp,
		  const char *employee, int64_t end_ms,
		  const struct ctl_trend_bands *bands)
{
	struct ctl_trend_scale sc = { end_ms, end_ms };
	size_t ncolors = sizeof(ctl_trend_colors) / sizeof(*ctl_trend_colors);
	size_t notes_n;
	int64_t *notes = ctl_trend_change_instants(resp, &notes_n);
	int h = SVG_TOP + SVG_PLOT_H + 44 + (int)notes_n * SVG_NOTE_H;

	if (!notes)
		return -ENOMEM;
	for (size_t s = 0; s < resp->n_series; s++)
		if (resp->series[s]->n_points &&
		    resp->series[s]->points[0]->at_unix_ms < sc.t0)
			sc.t0 = resp->series[s]->points[0]->at_unix_ms;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		   "height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "font-family=\"sans-serif\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		   "<text x=\"%d\" y=\"24\" font-size=\"16\" "
		   "font-weight=\"bold\">",
		SVG_W, h, SVG_W, h, SVG_LEFT);
	ctl_trend_xml(f, employee);
	fputs(": readiness over time</text>\n", f);
	ctl_trend_svg_axes(f, &sc, bands);
	ctl_trend_svg_notes(f, &sc, resp, notes, notes_n);
	for (size_t s = 0; s < resp->n_series; s++) {
		const char *color = ctl_trend_colors[s % ncolors];

		ctl_trend_svg_series(f, &sc, resp->series[s], color, end_ms);
		fprintf(f, "<rect x=\"%d\" y=\"%zu\" width=\"12\" height=\"12\" "
			   "fill=\"%s\"/><text x=\"%d\" y=\"%zu\" "
			   "font-size=\"12\">",
			SVG_W - SVG_RIGHT + 14, (size_t)SVG_TOP + 20 * s, color,
			SVG_W - SVG_RIGHT + 32, (size_t)SVG_TOP + 20 * s + 10);
		ctl_trend_xml(f, resp->series[s]->role_key);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
	free(notes);
	return ferror(f) ? -EIO : 0;
}

/* ---- the command ---- */

static int ctl_trend_parse_bands(const char *s, struct ctl_trend_bands *b)
{
	char *end;
	double v[3];

	for (int i = 0; i < 3; i++) {
		v[i] = strtod(s, &end);
		if (end == s || v[i] < 0 || v[i] > 100 ||
		    (i < 2 && *end != ',') || (i == 2 && *end))
			return -EINVAL;
		s = end + 1;
	}
	*b = (struct ctl_trend_bands){ v[0], v[1], v[2] };
	return 0;
}

static int ctl_trend_write_svg(struct ctl_cli *cli,
			       const struct ctl_trend_view *v,
			       const Pathways__V1__TrendResponse *resp)
{
	FILE *f = strcmp(v->svg, "-") == 0 ? cli->out : fopen(v->svg, "w");
	int rc;

	if (!f)
		return ctl_cli_error(cli, "%s: %s", v->svg, strerror(errno));
	rc = ctl_trend_svg(f, resp, v->employee, v->end_ms, &v->bands);
	if (f != cli->out && fclose(f) != 0)
		rc = -EIO;
	if (rc)
		return ctl_cli_error(cli, "%s: cannot write", v->svg);
	return CTL_EXIT_OK;
}

int ctl_trend_trend(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_ROLE = 1, OPT_SINCE, OPT_UNTIL, OPT_SVG, OPT_BANDS };
	static const struct option opts[] = {
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "bands", required_argument, NULL, OPT_BANDS },
		{ 0 },
	};
	Pathways__V1__TrendRequest req = PATHWAYS__V1__TREND_REQUEST__INIT;
	struct ctl_trend_view view = { .bands = { 90, 70, 40 } };
	struct pw_reply r;
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
		case OPT_SINCE:
		case OPT_UNTIL:
			if (ctl_write_parse_time(optarg, c == OPT_SINCE
							 ? &req.from_unix_ms
							 : &req.to_unix_ms)) {
				status = ctl_cli_usage_error(
					cli, "invalid --%s '%s'",
					c == OPT_SINCE ? "since" : "until",
					optarg);
				goto out;
			}
			break;
		case OPT_SVG:
			view.svg = optarg;
			break;
		case OPT_BANDS:
			if (ctl_trend_parse_bands(optarg, &view.bands)) {
				status = ctl_cli_usage_error(
					cli, "invalid --bands '%s' (NOW,SOON,"
					     "DEVELOPING, each 0-100)", optarg);
				goto out;
			}
			break;
		default:
			goto out;
		}
	}
	if (argc - optind != 1) {
		status = ctl_cli_usage_error(cli, argc - optind < 1
							  ? "no employee given"
							  : "one employee only");
		goto out;
	}
	req.employee_id = argv[optind];
	req.role_keys = roles;
	view.employee = req.employee_id;
	if (req.to_unix_ms) {
		view.end_ms = req.to_unix_ms;
	} else {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		view.end_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	}
	status = ctl_cli_call(cli, "Trend", &req.base, &r);
	if (status)
		goto out;
	if (view.svg)
		status = ctl_trend_write_svg(cli, &view, (const void *)r.response);
	if (status == CTL_EXIT_OK && !(view.svg && strcmp(view.svg, "-") == 0))
		status = ctl_cli_print_response(cli, r.response, ctl_trend_print,
						&view);
	pw_reply_clear(&r);
out:
	free(roles);
	return status;
}
