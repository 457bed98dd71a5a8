/* pathwaysctl pipeline's picture and --grade (client/ctl_pipeline.c and
 * its helpers, compiled in). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cli.c"
#include "ctl_fmt.c"
#include "ctl_json.c"
#include "ctl_keys.c"
#include "ctl_pipeline.c"
#include "ctl_table.c"

static char *xml(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ctl_pipeline_xml(f, s);
	fclose(f);
	return buf;
}

Test(ctl_pipeline, xml_escapes_markup_and_control_characters)
{
	char *got = xml("a<b>&\"c'\n\x7f é");

	cr_assert_str_eq(got, "a&lt;b&gt;&amp;&quot;c&apos;?? é");
	free(got);
	got = xml(NULL);
	cr_assert_str_eq(got, "");
	free(got);
}

Test(ctl_pipeline, grades_one_a_range_or_an_open_end)
{
	uint32_t lo = 9, hi = 9;

	cr_assert_eq(parse_grades("3", &lo, &hi), 0);
	cr_assert_eq(lo, 3);
	cr_assert_eq(hi, 3);
	cr_assert_eq(parse_grades("2-5", &lo, &hi), 0);
	cr_assert_eq(lo, 2);
	cr_assert_eq(hi, 5);
	cr_assert_eq(parse_grades("4-", &lo, &hi), 0);
	cr_assert_eq(lo, 4);
	cr_assert_eq(hi, 0);
	cr_assert_eq(parse_grades("-4", &lo, &hi), 0);
	cr_assert_eq(lo, 0);
	cr_assert_eq(hi, 4);
	cr_assert_lt(parse_grades("5-2", &lo, &hi), 0);
	cr_assert_lt(parse_grades("-", &lo, &hi), 0);
	cr_assert_lt(parse_grades("x", &lo, &hi), 0);
	cr_assert_lt(parse_grades("0", &lo, &hi), 0);
	cr_assert_lt(parse_grades("2-x", &lo, &hi), 0);
}

static Pathways__V1__RoleBench *bench(const char *key, uint32_t ready,
				      bool thin)
{
	Pathways__V1__RoleBench *rb = calloc(1, sizeof(*rb));

	pathways__v1__role_bench__init(rb);
	rb->role_key = (char *)key;
	rb->ready = ready;
	rb->considered = 10;
	rb->thin = thin;
	return rb;
}

static Pathways__V1__RoleInfo *info(const char *key, const char *track,
				    const char *area, uint32_t grade)
{
	Pathways__V1__RoleInfo *r = calloc(1, sizeof(*r));

	pathways__v1__role_info__init(r);
	r->key = (char *)key;
	r->track = (char *)track;
	r->area = (char *)area;
	r->grade = grade;
	return r;
}

/* Two roles share a cell, one has no area (its row comes last), one is
 * not in ListRoles (left out), and a key that would break the markup is
 * escaped. */
Test(ctl_pipeline, svg_one_box_per_known_role_thin_ones_marked)
{
	Pathways__V1__RoleBench *rb[] = {
		bench("a<1", 0, true), bench("b", 3, false),
		bench("c", 5, false), bench("ghost", 1, true),
	};
	Pathways__V1__RoleInfo *ri[] = {
		info("c", "ic", "", 2), info("b", "ic", "eng", 1),
		info("a<1", "ic", "eng", 1),
	};
	Pathways__V1__PipelineResponse p = PATHWAYS__V1__PIPELINE_RESPONSE__INIT;
	Pathways__V1__ListRolesResponse l = PATHWAYS__V1__LIST_ROLES_RESPONSE__INIT;
	char *buf = NULL, *at;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	p.roles = rb;
	p.n_roles = 4;
	p.thin_roles = 2;
	l.roles = ri;
	l.n_roles = 3;
	cr_assert_eq(ctl_pipeline_svg(f, &p, &l, 0), 0);
	fclose(f);
	cr_assert(strstr(buf, "<svg "));
	cr_assert(strstr(buf, "</svg>"));
	cr_assert_null(strstr(buf, "a<1"));
	cr_assert(strstr(buf, "<title>a&lt;1: 0 ready of 10 considered (thin)</title>"));
	cr_assert(strstr(buf, "<title>b: 3 ready of 10 considered</title>"));
	cr_assert_null(strstr(buf, "ghost"));
	cr_assert(strstr(buf, "Pipeline: 3 roles"));
	/* none ready is red, thin is dashed; c (5 of 2 needed) is green */
	at = strstr(buf, "<title>a&lt;1");
	cr_assert(strstr(at, "fill=\"#d73027\" stroke=\"#000\" stroke-width=\"3\" stroke-dasharray"));
	at = strstr(buf, "<title>c:");
	cr_assert(strstr(at, "fill=\"#1a9850\""));
	/* rows: eng before (no area) */
	cr_assert_lt(strstr(buf, ">eng<") - buf, strstr(buf, ">(no area)<") - buf);
	/* grades 1 and 2 as columns */
	cr_assert(strstr(buf, "grade 1<"));
	cr_assert(strstr(buf, "grade 2<"));
	cr_assert_null(strstr(buf, "grade 3<"));
	free(buf);
	for (size_t i = 0; i < 4; i++)
		free(rb[i]);
	for (size_t i = 0; i < 3; i++)
		free(ri[i]);
}
