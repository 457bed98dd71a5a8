/* A random framework and organization for the tests that compare two ways
 * of computing the same thing (Pipeline against Bench, the column kernel
 * against the scalar scorer): same seed, same snapshot. */
#ifndef PATHWAYS_TEST_RANDOM_FRAMEWORK_H
#define PATHWAYS_TEST_RANDOM_FRAMEWORK_H

#include "fixture.h"

struct random_framework {
	unsigned seed;
	unsigned roles, comps, emps;
	bool binary;		/* readiness_mode binary, else proportional */
	bool expiry;		/* assessment_valid_days 180, else never */
	bool odd_weights;	/* weights 1, 1.5, 0.25, 2, 0.3, 2.75, else
				 * 1-3 */
};

static inline unsigned random_framework_next(unsigned *s)
{
	/* xorshift32: the same sequence on every libc */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Roles R00.. on tracks ic/mgmt, areas eng/ops/none, grades 1-5, with 0-6
 * requirements (levels 1-5, weights 1-3, some must-haves) over competencies
 * k00..; employees E000.. in random roles, a tenth inactive, an attribute
 * loc of three values or none, assessments of every level from trusted and
 * untrusted sources, up to a year old by the hour. */
static inline graph_t *random_framework(const struct random_framework *f)
{
	graph_builder_t *b = fixture_base();
	unsigned s = f->seed * 2654435761u + 1;
	char k[16], k2[16];

	if (f->binary)
		OK(graph_builder_setting(b, "readiness_mode", "binary"));
	if (f->expiry)
		OK(graph_builder_setting(b, "assessment_valid_days", "180"));
	for (unsigned c = 0; c < f->comps; c++) {
		snprintf(k, sizeof(k), "k%02u", c);
		OK(graph_builder_competency(b, k, k, c % 3, NULL));
	}
	for (unsigned r = 0; r < f->roles; r++) {
		static const char *const areas[] = { "eng", "ops", NULL };
		unsigned nreq = random_framework_next(&s) % 7;

		snprintf(k, sizeof(k), "R%02u", r);
		OK(graph_builder_role(b, k, k,
				      random_framework_next(&s) % 2 ? "ic" : "mgmt",
				      1 + random_framework_next(&s) % 5,
				      areas[random_framework_next(&s) % 3], 0, 0));
		for (unsigned i = 0; i < nreq; i++) {
			static const double odd[] = { 1, 1.5, 0.25, 2, 0.3, 2.75 };
			unsigned c = (r * 7 + i) % f->comps;	/* comps >= 6: distinct */
			unsigned lv = 1 + random_framework_next(&s) % 5;
			unsigned w = random_framework_next(&s);

			snprintf(k2, sizeof(k2), "k%02u", c);
			OK(graph_builder_requirement(b, k, k2, lv,
				f->odd_weights ? odd[w % 6] : 1 + w % 3,
				random_framework_next(&s) % 4 == 0));
		}
	}
	for (unsigned e = 0; e < f->emps; e++) {
		static const char *const locs[] = { "Berlin", "Lyon", "Oslo", NULL };
		const char *loc = locs[random_framework_next(&s) % 4];
		unsigned na = random_framework_next(&s) % (f->comps + 1);

		snprintf(k, sizeof(k), "E%03u", e);
		snprintf(k2, sizeof(k2), "R%02u", random_framework_next(&s) % f->roles);
		OK(graph_builder_employee(b, k, k2, NULL,
					  random_framework_next(&s) % 10 != 0));
		if (loc)
			OK(graph_builder_attribute(b, k, "loc", loc));
		for (unsigned i = 0; i < na; i++) {
			static const unsigned src[] = {
				GRAPH_SRC_MANAGER, GRAPH_SRC_PEER,
				GRAPH_SRC_CERTIFICATION, GRAPH_SRC_SELF,
			};
			unsigned c = random_framework_next(&s) % f->comps;

			snprintf(k2, sizeof(k2), "k%02u", c);
			OK(graph_builder_assessment(b, k, k2,
				random_framework_next(&s) % 6,
				src[random_framework_next(&s) % 4],
				/* by the hour: some on the day expiry
				 * falls, either side of its instant */
				T0 - (int64_t)(random_framework_next(&s) % (365 * 24)) *
					     (DAY / 24)));
		}
	}
	return fixture_finish(b);
}

#endif
