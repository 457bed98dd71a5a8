/* pathwaysctl trend's pictures: the sparkline and the SVG chart. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_admin.c"
#include "ctl_cli.c"
#include "ctl_json.c"
#include "ctl_keys.c"
#include "ctl_table.c"
#include "ctl_trend.c"
#include "ctl_write.c"

Test(ctl_trend, a_sparkline_has_a_glyph_per_value_from_low_to_high)
{
	double v[] = { 0, 50, 100, -5, 250 };
	char out[64];

	cr_assert_str_eq(ctl_trend_sparkline(v, 5, out, sizeof(out)),
			 "▁▅█▁█");
	/* what does not fit is left out, whole glyphs only */
	cr_assert_str_eq(ctl_trend_sparkline(v, 5, out, 8), "▁▅");
	cr_assert_str_eq(ctl_trend_sparkline(v, 0, out, sizeof(out)), "");
}

static char *svg_of(const Pathways__V1__TrendResponse *r, const char *emp)
{
	struct ctl_trend_bands b = { 90, 70, 40 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(ctl_trend_svg(f, r, emp, 3000, &b), 0);
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

Test(ctl_trend, the_chart_has_bands_a_step_line_per_role_and_a_note_per_change)
{
	Pathways__V1__CompetencyGain g1 = PATHWAYS__V1__COMPETENCY_GAIN__INIT;
	Pathways__V1__CompetencyGain *ch[] = { &g1 };
	Pathways__V1__TrendPoint p[3] = { PATHWAYS__V1__TREND_POINT__INIT,
					  PATHWAYS__V1__TREND_POINT__INIT,
					  PATHWAYS__V1__TREND_POINT__INIT };
	Pathways__V1__TrendPoint *pa[] = { &p[0], &p[1] }, *pb[] = { &p[0], &p[2] };
	Pathways__V1__TrendSeries s[2] = { PATHWAYS__V1__TREND_SERIES__INIT,
					   PATHWAYS__V1__TREND_SERIES__INIT };
	Pathways__V1__TrendSeries *sv[] = { &s[0], &s[1] };
	Pathways__V1__TrendResponse r = PATHWAYS__V1__TREND_RESPONSE__INIT;
	char *svg;

	g1.competency_key = "a<b";
	g1.from_level = 1;
	g1.to_level = 3;
	p[0].at_unix_ms = 1000;
	p[0].readiness = 25;
	p[1].at_unix_ms = 2000;
	p[1].readiness = 75;
	p[1].n_changed = 1;
	p[1].changed = ch;
	/* the same change counted by another role: one note */
	p[2] = p[1];
	p[2].readiness = 50;
	s[0].role_key = "R&D";
	s[0].n_points = 2;
	s[0].points = pa;
	s[1].role_key = "Q";
	s[1].n_points = 2;
	s[1].points = pb;
	r.n_series = 2;
	r.series = sv;
	svg = svg_of(&r, "E\"1");
	cr_assert_eq(count(svg, "class=\"band\""), 3);
	cr_assert_eq(count(svg, "class=\"series\""), 2);
	cr_assert_eq(count(svg, "class=\"change\""), 1);
	cr_assert(strstr(svg, "a&lt;b 1→3"), "%s", svg);
	cr_assert(strstr(svg, "R&amp;D"));
	cr_assert(strstr(svg, "E&quot;1: readiness over time"));
	cr_assert_null(strstr(svg, "R&D"));
	free(svg);
}
