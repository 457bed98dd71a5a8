#include "org.h"

#include <stdio.h>
#include <strings.h>

static const struct org_size sizes[] = {
	{ 'S', 1000, 130, 60, 20, 1300, 100 },
	{ 'M', 20000, 1300, 200, 20, 13000, 500 },
	{ 'L', 200000, 5000, 400, 20, 50000, 2000 },
};

const struct org_size *org_size_find(const char *s)
{
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
		if (s && s[0] && !s[1] && (s[0] | 0x20) == (sizes[i].name | 0x20))
			return &sizes[i];
	return NULL;
}

uint32_t org_areas(const struct org_size *z)
{
	return (z->roles + ORG_ROLES_PER_AREA - 1) / ORG_ROLES_PER_AREA;
}

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

uint32_t org_core_comps(const struct org_size *z)
{
	return clamp_u32(z->comps / 20, 8, 20);
}

uint32_t org_lead_comps(const struct org_size *z)
{
	return clamp_u32(z->comps / 20, 8, 20);
}

static uint32_t fn_comps(const struct org_size *z)
{
	return z->comps - org_core_comps(z) - org_lead_comps(z);
}

/* ---- PRNG ---- */

void org_rng_init(struct org_rng *r, uint32_t kind, uint64_t index)
{
	r->s = ORG_SEED ^ ((uint64_t)kind << 48) ^ (index * 0x9e3779b97f4a7c15ULL);
	(void)org_rng_next(r);
}

uint64_t org_rng_next(struct org_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t org_rng_below(struct org_rng *r, uint32_t n)
{
	return (uint32_t)(((org_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* ---- roles ---- */

void org_role(const struct org_size *z, uint32_t role, struct org_role *out)
{
	uint32_t slot = role % ORG_ROLES_PER_AREA;

	(void)z;
	out->area = role / ORG_ROLES_PER_AREA;
	out->mgmt = slot >= 8;
	out->grade = out->mgmt ? slot - 8 + 4 : slot + 1;
}

uint32_t org_role_index(const struct org_size *z, uint32_t area, bool mgmt,
			uint32_t grade)
{
	uint32_t r;

	if (grade > 8 || grade < (mgmt ? 4u : 1u))
		return UINT32_MAX;
	r = area * ORG_ROLES_PER_AREA + (mgmt ? grade - 4 + 8 : grade - 1);
	return r < z->roles ? r : UINT32_MAX;
}

char *org_role_key(const struct org_size *z, uint32_t role, char *buf)
{
	struct org_role r;

	org_role(z, role, &r);
	snprintf(buf, 24, "a%04u-%s-%u", r.area + 1, r.mgmt ? "m" : "ic",
		 r.grade);
	return buf;
}

/* The eight competencies an area's ladders draw on, most important first. */
static void area_comps(const struct org_size *z, uint32_t a, uint32_t c[8])
{
	uint32_t core = org_core_comps(z), lead = org_lead_comps(z);
	uint32_t fn0 = core + lead, fn = fn_comps(z);

	c[0] = a % core;
	c[1] = fn0 + (2 * a) % fn;
	c[2] = fn0 + (2 * a + 1) % fn;
	c[3] = (a + 3) % core;
	c[4] = fn0 + (2 * a + 2) % fn;
	c[5] = (a + 7) % core;
	c[6] = fn0 + (2 * a + 5) % fn;
	c[7] = core + a % lead;
}

unsigned org_role_reqs(const struct org_size *z, uint32_t role,
		       struct org_req out[ORG_MAX_REQS])
{
	uint32_t ac[8], pick[8], core = org_core_comps(z);
	uint32_t lead = org_lead_comps(z);
	struct org_role r;
	unsigned n;

	org_role(z, role, &r);
	area_comps(z, r.area, ac);
	if (!r.mgmt) {
		n = 5 + (r.grade - 1) * 3 / 7;
		for (unsigned j = 0; j < 8; j++)
			pick[j] = ac[j];
	} else {
		n = 5 + (r.grade - 4) * 3 / 4;
		pick[0] = core + r.area % lead;
		pick[1] = core + (r.area + 1) % lead;
		pick[2] = ac[0];
		pick[3] = ac[3];
		pick[4] = ac[1];
		pick[5] = ac[2];
		pick[6] = ac[5];
		pick[7] = ac[4];
	}
	if (n > ORG_MAX_REQS)
		n = ORG_MAX_REQS;
	for (unsigned j = 0; j < n; j++) {
		unsigned lv = 1 + ((r.grade - 1) * 4 + j % 3) / 7;

		out[j].comp = pick[j];
		out[j].level = (uint8_t)(lv > 5 ? 5 : lv);
		out[j].weight = j < 2 ? 2.0 : j == 3 ? 1.5 : 1.0;
		out[j].must_have = j == 0;
	}
	return n;
}

uint32_t org_next_role(const struct org_size *z, uint32_t role)
{
	struct org_role r;
	uint32_t n;

	org_role(z, role, &r);
	n = org_role_index(z, r.area, r.mgmt, r.grade + 1);
	return n == UINT32_MAX ? role : n;
}

/* ---- competencies ---- */

unsigned org_comp_kind(const struct org_size *z, uint32_t comp)
{
	uint32_t core = org_core_comps(z), lead = org_lead_comps(z);

	return comp < core ? 0 : comp < core + lead ? 2 : 1;
}

char *org_comp_key(const struct org_size *z, uint32_t comp, char *buf)
{
	uint32_t core = org_core_comps(z), lead = org_lead_comps(z);

	if (comp < core)
		snprintf(buf, 24, "core-%02u", comp + 1);
	else if (comp < core + lead)
		snprintf(buf, 24, "lead-%02u", comp - core + 1);
	else
		snprintf(buf, 24, "fn-%04u", comp - core - lead + 1);
	return buf;
}

uint32_t org_comp_area(const struct org_size *z, uint32_t comp)
{
	uint32_t fn0 = org_core_comps(z) + org_lead_comps(z);
	uint32_t a;

	if (comp < fn0)
		return UINT32_MAX;
	a = (comp - fn0) / 2;
	return a < org_areas(z) ? a : UINT32_MAX;
}

/* ---- employees ---- */

char *org_emp_key(uint32_t emp, char *buf)
{
	snprintf(buf, 16, "E%07u", emp + 1);
	return buf;
}

uint32_t org_emp_role(const struct org_size *z, uint32_t emp)
{
	static const uint8_t ic_w[8] = { 20, 20, 18, 14, 11, 8, 5, 4 };
	static const uint8_t m_w[5] = { 35, 25, 20, 12, 8 };
	struct org_rng rng;
	uint32_t area, pct, grade = 1, acc = 0, r;
	bool mgmt;

	org_rng_init(&rng, 1, emp);
	area = org_rng_below(&rng, org_areas(z));
	mgmt = org_rng_below(&rng, 100) < 20;
	pct = org_rng_below(&rng, 100);
	if (!mgmt) {
		for (grade = 1; grade < 8 && pct >= acc + ic_w[grade - 1]; grade++)
			acc += ic_w[grade - 1];
	} else {
		for (grade = 4; grade < 8 && pct >= acc + m_w[grade - 4]; grade++)
			acc += m_w[grade - 4];
	}
	r = org_role_index(z, area, mgmt, grade);
	/* the last area may be cut short: fall back to the first one */
	return r != UINT32_MAX ? r : org_role_index(z, 0, mgmt, grade);
}
