/* The DOT writer of pathwaysctl map (client/ctl_dot.c, compiled in). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_dot.c"
#include "ctl_fmt.c"
#include "ctl_json.c"

static char *quoted(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ctl_dot_quote(f, s);
	fclose(f);
	return buf;
}

static void assert_quotes(const char *in, const char *want)
{
	char *got = quoted(in);

	cr_assert_str_eq(got, want, "quoting [%s]", in);
	free(got);
}

Test(ctl_dot, quotes_plain_text_as_is)
{
	assert_quotes("ops-ic-3", "\"ops-ic-3\"");
	assert_quotes("", "\"\"");
	assert_quotes(NULL, "\"\"");
	assert_quotes("Größe → 5", "\"Größe → 5\"");
}

Test(ctl_dot, escapes_quotes_and_backslashes_so_nothing_ends_the_string)
{
	assert_quotes("a\"b", "\"a\\\"b\"");
	assert_quotes("x\\", "\"x\\\\\"");
	assert_quotes("\\\"", "\"\\\\\\\"\"");
	assert_quotes("\"]; evil [label=\"", "\"\\\"]; evil [label=\\\"\"");
	/* A label escape written by a user stays literal. */
	assert_quotes("a\\nb", "\"a\\\\nb\"");
}

Test(ctl_dot, newlines_become_label_breaks_other_controls_question_marks)
{
	assert_quotes("a\nb", "\"a\\nb\"");
	assert_quotes("a\tb\rc\x7f", "\"a?b?c?\"");
	assert_quotes("\x1b[31mred", "\"?[31mred\"");
}

Test(ctl_dot, bytes_that_are_not_utf8_become_question_marks)
{
	assert_quotes("a\xff" "b", "\"a?b\"");
	assert_quotes("\xc3", "\"?\"");
	assert_quotes("\xe2\x82", "\"??\"");
	assert_quotes("\xed\xa0\x80", "\"???\"");	/* a surrogate */
}

Test(ctl_dot, styles_moves_by_kind)
{
	cr_assert_not_null(strstr(ctl_dot_edge_style(
		PATHWAYS__V1__MOVE_KIND__PROMOTION), "style=solid"));
	cr_assert_not_null(strstr(ctl_dot_edge_style(
		PATHWAYS__V1__MOVE_KIND__LATERAL), "style=dashed"));
	cr_assert_not_null(strstr(ctl_dot_edge_style(
		PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH), "dotted,bold"));
	cr_assert_not_null(strstr(ctl_dot_edge_style(
		PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH), "color="));
}

static char *write_graph(const struct ctl_dot_graph *g)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(ctl_dot_write(f, g), 0);
	fclose(f);
	return buf;
}

Test(ctl_dot, lines_up_grades_across_ladders_and_clusters_tracks)
{
	const struct ctl_dot_node nodes[] = {
		{ .key = "ops-mgr-3", .title = "Team Lead", .track = "mgmt",
		  .area = "ops", .grade = 3, .note = "current role",
		  .band = PATHWAYS__V1__BAND__READY_NOW, .highlight = true },
		{ .key = "ops-ic-3", .track = "ic", .area = "ops", .grade = 3 },
		{ .key = "ops-ic-2", .track = "ic", .area = "ops", .grade = 2 },
	};
	const struct ctl_dot_edge edges[] = {
		{ "ops-ic-2", "ops-ic-3", PATHWAYS__V1__MOVE_KIND__PROMOTION,
		  18, NULL },
		{ "ops-ic-3", "ops-mgr-3", PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH,
		  0, "cost 4" },
		{ "ops-ic-3", "elsewhere", PATHWAYS__V1__MOVE_KIND__LATERAL,
		  0, NULL },
	};
	struct ctl_dot_graph g = {
		.title = "map \"x\"", .nodes = nodes, .nnodes = 3,
		.edges = edges, .nedges = 3,
	};
	char *s = write_graph(&g);
	char *ic, *mgr;

	cr_assert(strncmp(s, "digraph pathways {\n", 19) == 0);
	cr_assert_str_eq(s + strlen(s) - 2, "}\n");
	cr_assert_not_null(strstr(s, "newrank=true"));
	cr_assert_not_null(strstr(s, "label=\"map \\\"x\\\"\""));
	cr_assert_not_null(strstr(s,
		"{ rank=same; \"g:2\"; \"r:ops-ic-2\"; }\n"));
	cr_assert_not_null(strstr(s,
		"{ rank=same; \"g:3\"; \"r:ops-ic-3\"; \"r:ops-mgr-3\"; }\n"));
	cr_assert_not_null(strstr(s, "\"g:2\" -> \"g:3\" [style=invis];\n"));
	/* One area cluster holding a cluster per track, ic before mgmt. */
	cr_assert_not_null(strstr(s, "subgraph cluster_0 {"));
	ic = strstr(s, "label=\"ic\"");
	mgr = strstr(s, "label=\"mgmt\"");
	cr_assert(ic && mgr && ic < mgr);
	cr_assert_not_null(strstr(s, "\"r:ops-mgr-3\" [label=\"ops-mgr-3\\n"
				     "Team Lead\\ncurrent role\", fillcolor="
				     "\"#a6d96a\", color=\"#2b83ba\", "
				     "penwidth=3];"));
	cr_assert_not_null(strstr(s, "\"r:ops-ic-2\" -> \"r:ops-ic-3\" "
				     "[style=solid"));
	cr_assert_not_null(strstr(s, "tooltip=\"promotion, ~18 months\""));
	cr_assert_not_null(strstr(s, "tooltip=\"track_switch\", "
				     "label=\"cost 4\"];"));
	cr_assert_null(strstr(s, "elsewhere"), "moves out of the graph are "
		       "left out");
	free(s);
}

Test(ctl_dot, an_empty_graph_is_still_a_graph)
{
	struct ctl_dot_graph g = { 0 };
	char *s = write_graph(&g);

	cr_assert(strncmp(s, "digraph pathways {\n", 19) == 0);
	cr_assert_null(strstr(s, "rank=same"));
	cr_assert_str_eq(s + strlen(s) - 2, "}\n");
	free(s);
}

Test(ctl_dot, role_keys_cannot_collide_with_the_grade_axis)
{
	const struct ctl_dot_node nodes[] = {
		{ .key = "g:1", .track = "ic", .area = "a", .grade = 1 },
	};
	struct ctl_dot_graph g = { .nodes = nodes, .nnodes = 1 };
	char *s = write_graph(&g);

	cr_assert_not_null(strstr(s, "{ rank=same; \"g:1\"; \"r:g:1\"; }"));
	free(s);
}
