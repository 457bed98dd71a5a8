/* org: the deterministic benchmark organization.
 *
 * Every entity of the generated organization is a pure function of (size,
 * index): the generator (gen_org), the load generator (loadgen), the SQL
 * peer (sql_peer) and the live-data probe all compute the same keys, roles
 * and requirements without reading the database. The seed is fixed, so
 * one size always yields the same bytes.
 *
 * Layout: each functional area holds one IC ladder (grades 1..8) and one
 * management ladder (grades 4..8), 13 roles; the last area is cut short
 * when the role count is not a multiple of 13. Keys: tracks "ic", "mgmt";
 * areas "a0001"; roles "a0001-ic-3", "a0001-m-5"; competencies "core-01",
 * "lead-01", "fn-0001"; modules "mod-0001"; employees "E0000001".
 */
#ifndef PATHWAYS_BENCH_ORG_H
#define PATHWAYS_BENCH_ORG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORG_SEED 0x5eed0f0a11c0ffeeULL
#define ORG_ROLES_PER_AREA 13
#define ORG_MAX_REQS 8
#define ORG_MAX_OUTCOMES 3
#define ORG_MAX_PREREQS 2

struct org_size {
	char name;			/* 'S', 'M', 'L' */
	uint32_t employees, roles, comps, assessments_per_emp, moves, modules;
};

/* The size named by s ("S", "M", "L", case-insensitive); NULL if none. */
const struct org_size *org_size_find(const char *s);

/* derived counts */
uint32_t org_areas(const struct org_size *z);
uint32_t org_core_comps(const struct org_size *z);
uint32_t org_lead_comps(const struct org_size *z);

/* ---- a small, fast, deterministic PRNG (splitmix64) ---- */
struct org_rng {
	uint64_t s;
};

/* A generator for entity `index` of kind `kind` (any small constant). */
void org_rng_init(struct org_rng *r, uint32_t kind, uint64_t index);
uint64_t org_rng_next(struct org_rng *r);
/* uniform in [0, n); n > 0 */
uint32_t org_rng_below(struct org_rng *r, uint32_t n);

/* ---- roles ---- */
struct org_role {
	uint32_t area;			/* 0-based */
	bool mgmt;			/* track: false ic, true mgmt */
	uint32_t grade;			/* 1..8 */
};

void org_role(const struct org_size *z, uint32_t role, struct org_role *out);
/* The role of (area, track, grade), or UINT32_MAX if the org has none. */
uint32_t org_role_index(const struct org_size *z, uint32_t area, bool mgmt,
			uint32_t grade);
/* Writes the role's key into buf (at least 24 bytes); returns buf. */
char *org_role_key(const struct org_size *z, uint32_t role, char *buf);

struct org_req {
	uint32_t comp;			/* competency index */
	uint8_t level;			/* 1..5 */
	double weight;
	bool must_have;
};

/* The requirements of a role (5..8, distinct competencies); returns n. */
unsigned org_role_reqs(const struct org_size *z, uint32_t role,
		       struct org_req out[ORG_MAX_REQS]);

/* The promotion target of a role (next grade on its ladder), or the role
 * itself at the top. */
uint32_t org_next_role(const struct org_size *z, uint32_t role);

/* ---- competencies ---- */
/* kind: 0 core, 1 functional, 2 leadership */
unsigned org_comp_kind(const struct org_size *z, uint32_t comp);
char *org_comp_key(const struct org_size *z, uint32_t comp, char *buf);
/* The area a functional competency belongs to, UINT32_MAX for none. */
uint32_t org_comp_area(const struct org_size *z, uint32_t comp);

/* ---- employees ---- */
/* Employee ids are 1-based in keys ("E0000001" is index 0). */
char *org_emp_key(uint32_t emp, char *buf);	/* buf: >= 16 bytes */
uint32_t org_emp_role(const struct org_size *z, uint32_t emp);

#endif
