/* Writes the seeds of the persist fuzz target: snapshot files saved by
 * persist_save() for fuzz_persist.c's FUZZ_SCHEMA.
 *
 *   build/tests/make_persist_corpus tests/fuzz/corpus/persist
 *
 * Run it again when the file format (PERSIST_FORMAT) changes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persist.h"

#define FUZZ_SCHEMA 9	/* as in fuzz_persist.c */
#define T0 1700000000000000LL

static void check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "make_persist_corpus: %s: %s\n", what,
			strerror(-rc));
		exit(1);
	}
}

#define B(call) check((call), #call)

static void framework(graph_builder_t *b)
{
	B(graph_builder_track(b, "ic", "Individual contributor", GRAPH_TRACK_IC));
	B(graph_builder_track(b, "mgmt", "Management", GRAPH_TRACK_MANAGEMENT));
	B(graph_builder_area(b, "eng", "Engineering"));
	B(graph_builder_area(b, "ops", "Operations \xc3\xa9"));
	B(graph_builder_competency(b, "a", "A", 0, NULL));
	B(graph_builder_competency(b, "b", "B", 1, "eng"));
	B(graph_builder_competency(b, "c", "C", 2, "ops"));
	B(graph_builder_role(b, "R1", "Engineer", "ic", 1, "eng", 1, 2));
	B(graph_builder_role(b, "R2", "Senior", "ic", 2, "eng", NAN, NAN));
	B(graph_builder_role(b, "O1", "Operator", "ic", 1, "ops", 0, 0));
	B(graph_builder_role(b, "M1", "Lead", "mgmt", 2, NULL, 0, 0));
	B(graph_builder_requirement(b, "R2", "a", 4, 1.5, true));
	B(graph_builder_requirement(b, "R2", "b", 2, 1, false));
	B(graph_builder_requirement(b, "M1", "c", 5, 2, true));
	B(graph_builder_move(b, "R2", "M1", GRAPH_MOVE_TRACK_SWITCH, 18));
	B(graph_builder_move(b, "O1", "R1", GRAPH_MOVE_LATERAL, UINT32_MAX));
	B(graph_builder_module(b, "m1", "Course", 0, 3.5, "lms-1"));
	B(graph_builder_module(b, "m2", "Workshop", 1, 0, ""));
	B(graph_builder_module(b, "m3", "Mentoring", 2, 10, NULL));
	B(graph_builder_outcome(b, "m1", "a", 0, 2));
	B(graph_builder_outcome(b, "m2", "a", 2, 4));
	B(graph_builder_outcome(b, "m3", "b", 1, 3));
	B(graph_builder_prereq(b, "m2", "m1"));
	B(graph_builder_prereq(b, "m3", "m2"));
	B(graph_builder_prereq(b, "m2", "m3"));
}

static void people(graph_builder_t *b)
{
	B(graph_builder_employee(b, "E1", "R1", NULL, true));
	B(graph_builder_employee(b, "E2", "R2", "E1", false));
	B(graph_builder_employee(b, "E3", "M1", "E1", true));
	B(graph_builder_attribute(b, "E1", "site", "Lyon"));
	B(graph_builder_attribute(b, "E3", "team", ""));
	B(graph_builder_assessment(b, "E1", "a", 3, GRAPH_SRC_MANAGER, T0));
	B(graph_builder_assessment(b, "E1", "b", 5, GRAPH_SRC_PEER, T0 - 1));
	B(graph_builder_assessment(b, "E2", "c", 4, GRAPH_SRC_SELF, T0));
	B(graph_builder_assessment(b, "E3", "c", 2, GRAPH_SRC_CERTIFICATION, T0));
	B(graph_builder_completion(b, "E1", "m2"));
	B(graph_builder_completion(b, "E1", "m1"));
	B(graph_builder_completion(b, "E3", "m3"));
}

static void save(const graph_t *g, const char *dir, const char *name)
{
	char path[4096], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	check(persist_save(g, FUZZ_SCHEMA, path, err, sizeof(err)), err);
}

static graph_t *finish(graph_builder_t *b, uint64_t version)
{
	graph_t *g = NULL;

	B(graph_builder_finish(&b, version, &g));
	return g;
}

int main(int argc, char **argv)
{
	graph_builder_t *b;
	graph_t *g, *d = NULL;
	const char *changed[] = { "E2", "E4" };

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	b = graph_builder_new();
	g = finish(b, 1);
	save(g, argv[1], "empty.snap");
	graph_unref(&g);

	b = graph_builder_new();
	framework(b);
	g = finish(b, 2);
	save(g, argv[1], "framework.snap");
	graph_unref(&g);

	b = graph_builder_new();
	framework(b);
	people(b);
	g = finish(b, 3);
	save(g, argv[1], "people.snap");

	/* E2 leaves (nobody reports to them), E4 arrives */
	b = graph_builder_new_delta(g);
	B(graph_builder_employee(b, "E4", "O1", "E3", true));
	B(graph_builder_assessment(b, "E4", "a", 1, GRAPH_SRC_MANAGER, T0));
	B(graph_builder_completion(b, "E4", "m1"));
	B(graph_builder_finish_delta(&b, g, changed, 2, 4, &d));
	save(d, argv[1], "delta.snap");
	graph_unref(&d);
	graph_unref(&g);

	b = graph_builder_new();
	B(graph_builder_setting(b, "band_ready_now", "95.5"));
	B(graph_builder_setting(b, "band_ready_soon", "60"));
	B(graph_builder_setting(b, "band_developing", "0"));
	B(graph_builder_setting(b, "step_penalty", "0.125"));
	B(graph_builder_setting(b, "infer_promotions", "false"));
	B(graph_builder_setting(b, "infer_lateral", "true"));
	B(graph_builder_setting(b, "trusted_sources", "self,peer"));
	B(graph_builder_setting(b, "mentor_min_level", "5"));
	B(graph_builder_setting(b, "inferred_move_months", "0"));
	B(graph_builder_setting(b, "readiness_mode", "binary"));
	B(graph_builder_setting(b, "assessment_valid_days", "36500"));
	framework(b);
	people(b);
	g = finish(b, 5);
	save(g, argv[1], "settings.snap");
	graph_unref(&g);
	return 0;
}
