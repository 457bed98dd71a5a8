/* path's staircase (client/ctl_path.c and its helpers, compiled in). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "ctl_cli.c"
#include "ctl_dot.c"
#include "ctl_fmt.c"
#include "ctl_json.c"
#include "ctl_keys.c"
#include "ctl_map.c"
#include "ctl_path.c"
#include "ctl_table.c"

static Pathways__V1__CompetencyGap g1, g2;
static Pathways__V1__CompetencyGap *grow[] = { &g1, &g2 };
static Pathways__V1__PathStep s1, s2;
static Pathways__V1__PathStep *steps[] = { &s1, &s2 };
static Pathways__V1__Route route;

static void setup(void)
{
	pathways__v1__competency_gap__init(&g1);
	pathways__v1__competency_gap__init(&g2);
	pathways__v1__path_step__init(&s1);
	pathways__v1__path_step__init(&s2);
	pathways__v1__route__init(&route);
	g1.competency_key = "communication";
	g1.current = 2;
	g1.required = 3;
	g2.competency_key = "ownership";
	g2.current = 2;
	g2.required = 3;
	s1.from_role = "ops-ic-2";
	s1.to_role = "ops-ic-3";
	s1.kind = PATHWAYS__V1__MOVE_KIND__PROMOTION;
	s1.cost = 4;
	s1.typical_months = 18;
	s1.grow = grow;
	s1.n_grow = 2;
	s2.from_role = "ops-ic-3";
	s2.to_role = "ops-mgr-3";
	s2.kind = PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH;
	s2.cost = 12.5;
	s2.typical_months = 1;
	route.steps = steps;
	route.n_steps = 2;
	route.total_cost = 16.5;
	route.total_months = 19;
}

TestSuite(ctl_path, .init = setup);

Test(ctl_path, step_line_reads_as_a_staircase_step)
{
	char *s = ctl_path_step_line(&s1, NULL);

	cr_assert_str_eq(s, "  ops-ic-2 ──promotion──▶ ops-ic-3   cost 4  "
			    "~18 months   grow: communication 2→3, "
			    "ownership 2→3");
	free(s);
}

Test(ctl_path, step_lines_of_a_route_align_in_characters)
{
	struct ctl_path_widths w;
	char *a, *b;

	ctl_path_widths(&route, &w);
	cr_assert_eq(w.move, strlen("ops-ic-3 --track_switch--> ops-mgr-3"));
	cr_assert_eq(w.cost, strlen("cost 12.5"));
	cr_assert_eq(w.months, strlen("~18 months"));
	a = ctl_path_step_line(&s1, &w);
	b = ctl_path_step_line(&s2, &w);
	cr_assert_str_eq(a, "  ops-ic-2 ──promotion──▶ ops-ic-3       "
			    "cost 4     ~18 months   grow: communication 2→3, "
			    "ownership 2→3");
	/* Nothing to grow, one month: no trailing blanks. */
	cr_assert_str_eq(b, "  ops-ic-3 ──track_switch──▶ ops-mgr-3   "
			    "cost 12.5  ~1 month");
	cr_assert_eq(ctl_fmt_width(a) - ctl_fmt_width(strstr(a, "cost")),
		     ctl_fmt_width(b) - ctl_fmt_width(strstr(b, "cost")));
	free(a);
	free(b);
}

Test(ctl_path, unknown_months_leave_the_column_blank)
{
	char *s;

	s2.typical_months = 0;
	s = ctl_path_step_line(&s2, NULL);
	cr_assert_str_eq(s, "  ops-ic-3 ──track_switch──▶ ops-mgr-3   cost 12.5");
	free(s);
}

Test(ctl_path, route_header_names_cost_months_and_steps)
{
	char *s = ctl_path_route_line(&route, 2);

	cr_assert_str_eq(s, "route 2: cost 16.5, ~19 months, 2 steps");
	free(s);
	route.n_steps = 1;
	s = ctl_path_route_line(&route, 1);
	cr_assert_str_eq(s, "route 1: cost 16.5, ~19 months, 1 step");
	free(s);
}
