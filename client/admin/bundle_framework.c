/* bundle_framework: the framework files, tracks to module_prereqs (see
 * bundle_private.h). Each row is validated, its keys resolved through the
 * import's maps, and upserted by the file's prepared statement; entity
 * files record their keys and ids, link files their pairs (for --replace).
 * The upsert's column tables here name, for each table column, the CSV
 * column it comes from: a column the header leaves out is left as it is
 * in existing rows.
 */
#include "bundle_private.h"

#include <stdint.h>

static const char *const imp_track_kinds[] = { "ic", "management", "other",
					       NULL };
static const char *const imp_comp_kinds[] = { "core", "functional",
					      "leadership", NULL };
static const char *const imp_move_kinds[] = { "promotion", "lateral",
					      "track_switch", NULL };
static const char *const imp_module_kinds[] = { "course", "workshop",
						"mentorship", "project", NULL };

int imp_tracks(struct imp *im, csv_t *c)
{
	static const struct imp_upcol up[] = {
		{ "key", "text", -1, true },
		{ "name", "text", TR_NAME, false },
		{ "kind", "text", -1, false },
	};
	struct imp_params p;
	const char *key;
	int rc;

	rc = imp_prepare(im, c, BUNDLE_F_TRACKS, "track", up, 3, true);
	while (rc == 0 && (rc = imp_next(im, c)) == 1) {
		if ((rc = imp_key(im, c, TR_KEY, &key)) < 0 ||
		    (rc = imp_seen(im, c, TR_KEY, ENT_TRACK, key)) < 0 ||
		    (rc = imp_enum(im, c, TR_KIND, imp_track_kinds, true)) < 0)
			break;
		p.n = 0;
		imp_par_text(&p, key);
		imp_par_text(&p, csv_get(c, TR_NAME));
		imp_par_text(&p, csv_get(c, TR_KIND));
		rc = imp_upsert_ent(im, c, ENT_TRACK, key, &p);
	}
	return rc;
}

int imp_areas(struct imp *im, csv_t *c)
{
	static const struct imp_upcol up[] = {
		{ "key", "text", -1, true },
		{ "name", "text", AR_NAME, false },
	};
	struct imp_params p;
	const char *key;
	int rc;

	rc = imp_prepare(im, c, BUNDLE_F_AREAS, "functional_area", up, 2, true);
	while (rc == 0 && (rc = imp_next(im, c)) == 1) {
		if ((rc = imp_key(im, c, AR_KEY, &key)) < 0 ||
		    (rc = imp_seen(im, c, AR_KEY, ENT_AREA, key)) < 0)
			break;
		p.n = 0;
		imp_par_text(&p, key);
		imp_par_text(&p, csv_get(c, AR_NAME));
		rc = imp_upsert_ent(im, c, ENT_AREA, key, &p);
	}
	return rc;
}

int imp_competencies(struct imp *im, csv_t *c)
{
	static const struct imp_upcol up[] = {
		{ "key", "text", -1, true },
		{ "name", "text", CO_NAME, false },
		{ "kind", "text", -1, false },
		{ "area_id", "integer", CO_AREA, false },
		{ "description", "text", CO_DESCRIPTION, false },
	};
	struct imp_params p;
	const char *key;
	int32_t area = 0;
	int rc, has_area;

	rc = imp_prepare(im, c, BUNDLE_F_COMPETENCIES, "competency", up, 5,
			 true);
	while (rc == 0 && (rc = imp_next(im, c)) == 1) {
		if ((rc = imp_key(im, c, CO_KEY, &key)) < 0 ||
		    (rc = imp_seen(im, c, CO_KEY, ENT_COMPETENCY, key)) < 0 ||
		    (rc = imp_enum(im, c, CO_KIND, imp_comp_kinds, true)) < 0 ||
		    (rc = has_area = imp_ref(im, c, CO_AREA, ENT_AREA, false,
					     &area)) < 0)
			break;
		p.n = 0;
		imp_par_text(&p, key);
		imp_par_text(&p, csv_get(c, CO_NAME));
		imp_par_text(&p, csv_get(c, CO_KIND));
		imp_par_int_or_null(&p, has_area, area);
		imp_par_text(&p, csv_get(c, CO_DESCRIPTION));
		rc = imp_upsert_ent(im, c, ENT_COMPETENCY, key, &p);
	}
	return rc;
}

int imp_roles(struct imp *im, csv_t *c)
{
	static const struct imp_upcol up[] = {
		{ "key", "text", -1, true },
		{ "title", "text", RO_TITLE, false },
		{ "track_id", "integer", -1, false },
		{ "grade", "integer", -1, false },
		{ "area_id", "integer", RO_AREA, false },
		{ "pay_min", "double precision", RO_PAY_MIN, false },
		{ "pay_max", "double precision", RO_PAY_MAX, false },
		{ "scope", "smallint", RO_SCOPE, false },
		{ "complexity", "smallint", RO_COMPLEXITY, false },
		{ "volume", "smallint", RO_VOLUME, false },
		{ "drive", "smallint", RO_DRIVE, false },
		{ "influence", "smallint", RO_INFLUENCE, false },
	};
	struct imp_params p;
	const char *key;
	int32_t track = 0, area = 0;
	long long grade = 0, lv[5] = { 0 };
	int has_lv[5];
	double pmin = 0, pmax = 0;
	int rc, has_area, has_min, has_max;

	rc = imp_prepare(im, c, BUNDLE_F_ROLES, "role", up, 12, true);
	while (rc == 0 && (rc = imp_next(im, c)) == 1) {
		if ((rc = imp_key(im, c, RO_KEY, &key)) < 0 ||
		    (rc = imp_seen(im, c, RO_KEY, ENT_ROLE, key)) < 0 ||
		    (rc = imp_ref(im, c, RO_TRACK, ENT_TRACK, true,
				  &track)) < 0 ||
		    (rc = imp_int(im, c, RO_GRADE, 1, 1000, true,
				  &grade)) < 0 ||
		    (rc = has_area = imp_ref(im, c, RO_AREA, ENT_AREA, false,
					     &area)) < 0 ||
		    (rc = has_min = imp_num(im, c, RO_PAY_MIN, 0, false, 1e15,
					    "a number >= 0", false,
					    &pmin)) < 0 ||
		    (rc = has_max = imp_num(im, c, RO_PAY_MAX, 0, false, 1e15,
					    "a number >= 0", false,
					    &pmax)) < 0)
			break;
		for (int i = 0; i < 5 && rc >= 0; i++)
			rc = has_lv[i] = imp_int(im, c, (size_t)(RO_SCOPE + i),
						 1, 5, false, &lv[i]);
		if (rc < 0)
			break;
		if (has_min && has_max && pmin > pmax) {
			rc = imp_rowfail(im, c, RO_PAY_MAX, "must not be below "
					 "pay_min (%s), got %s",
					 csv_get(c, RO_PAY_MIN),
					 csv_get(c, RO_PAY_MAX));
			break;
		}
		p.n = 0;
		imp_par_text(&p, key);
		imp_par_text(&p, csv_get(c, RO_TITLE));
		imp_par_int(&p, track);
		imp_par_int(&p, grade);
		imp_par_int_or_null(&p, has_area, area);
		if (has_min)
			imp_par_text(&p, csv_get(c, RO_PAY_MIN));
		else
			imp_par_null(&p);
		if (has_max)
			imp_par_text(&p, csv_get(c, RO_PAY_MAX));
		else
			imp_par_null(&p);
		for (int i = 0; i < 5; i++)
			imp_par_int_or_null(&p, has_lv[i], lv[i]);
		rc = imp_upsert_ent(im, c, ENT_ROLE, key, &p);
	}
	return rc;
}

int imp_requirements(struct imp *im, csv_t *c)
{
	static const struct imp_upcol up[] = {
		{ "role_id", "integer", -1, true },
		{ "competency_id", "integer", -1, true },
		{ "level", "smallint", -1, false },
		{ "weight", "double precision", RQ_WEIGHT, false },
		{ "must_have", "boolean", RQ_MUST_HAVE, false },
	};
	struct imp_map pairs = { 0 };
	struct imp_params p;
	int32_t role = 0, comp = 0;
	long long level = 0;
	double weight = 1;
	bool must = false;
	int rc, has_w;

	rc = imp_prepare(im, c, BUNDLE_F_REQUIREMENTS, "role_requirement", up,
			 5, false);
	while (rc == 0 && (rc = imp_next(im, c)) == 1) {
		must = false;
		if ((rc = imp_ref(im, c, RQ_ROLE, ENT_ROLE, true, &role)) < 0 ||
		    (rc = imp_ref(im, c, RQ_COMPETENCY, ENT_COMPETENCY, true,
				  &comp)) < 0 ||
		    (rc = imp_seen_pair(im, c, RQ_COMPETENCY, &pairs, role,
					comp, "role and competency")) < 0 ||
		    (rc = imp_int(im, c, RQ_LEVEL, 1, 5, true, &level)) < 0 ||
		    (rc = has_w = imp_num(im, c, RQ_WEIGHT, 0, true, 1000,
					  "a number above 0 and at most 1000",
					  false, &weight)) < 0 ||
		    (rc = imp_bool(im, c, RQ_MUST_HAVE, &must)) < 0)
			break;
		p.n = 0;
		imp_par_int(&p, role);
		imp_par_int(&p, comp);
		imp_par_int(&p, level);
		imp_par_text(&p, has_w ? csv_get(c, RQ_WEIGHT) : "1");
		imp_par_bool(&p, must);
		rc = imp_upsert(im, c, &p, NULL);
		if (rc == 0)
			rc = imp_keep_pair(im, LINK_REQUIREMENTS, role, comp);
	}
	imp_map_free(&pairs);
	return rc;
}

int imp_moves(struct imp *im, csv_t *c)
{
	static const struct imp_upcol up[] = {
		{ "from_role_id", "integer", -1, true },
		{ "to_role_id", "integer", -1, true },
		{ "kind", "text", -1, false },
		{ "typical_months", "integer", MV_MONTHS, false },
	};
	struct imp_map pairs = { 0 };
	struct imp_params p;
	int32_t from = 0, to = 0;
	long long months = 0;
	int rc, has_m;

	rc = imp_prepare(im, c, BUNDLE_F_MOVES, "role_move", up, 4, false);
	while (rc == 0 && (rc = imp_next(im, c)) == 1) {
		if ((rc = imp_ref(im, c, MV_FROM, ENT_ROLE, true, &from)) < 0 ||
		    (rc = imp_ref(im, c, MV_TO, ENT_ROLE, true, &to)) < 0)
			break;
		if (from == to) {
			rc = imp_rowfail(im, c, MV_TO, "a move must lead to "
					 "another role");
			break;
		}
		if ((rc = imp_seen_pair(im, c, MV_TO, &pairs, from, to,
					"from and to")) < 0 ||
		    (rc = imp_enum(im, c, MV_KIND, imp_move_kinds, true)) < 0 ||
		    (rc = has_m = imp_int(im, c, MV_MONTHS, 0, 600, false,
					  &months)) < 0)
			break;
		p.n = 0;
		imp_par_int(&p, from);
		imp_par_int(&p, to);
		imp_par_text(&p, csv_get(c, MV_KIND));
		imp_par_int_or_null(&p, has_m, months);
		rc = imp_upsert(im, c, &p, NULL);
		if (rc == 0)
			rc = imp_keep_pair(im, LINK_MOVES, from, to);
	}
	imp_map_free(&pairs);
	return rc;
}

int imp_modules(struct imp *im, csv_t *c)
{
	static const struct imp_upcol up[] = {
		{ "key", "text", -1, true },
		{ "title", "text", MO_TITLE, false },
		{ "kind", "text", -1, false },
		{ "hours", "double precision", -1, false },
		{ "lms_ref", "text", MO_LMS_REF, false },
	};
	struct imp_params p;
	const char *key;
	double hours = 0;
	int rc;

	rc = imp_prepare(im, c, BUNDLE_F_MODULES, "module", up, 5, true);
	while (rc == 0 && (rc = imp_next(im, c)) == 1) {
		if ((rc = imp_key(im, c, MO_KEY, &key)) < 0 ||
		    (rc = imp_seen(im, c, MO_KEY, ENT_MODULE, key)) < 0 ||
		    (rc = imp_enum(im, c, MO_KIND, imp_module_kinds,
				   true)) < 0 ||
		    (rc = imp_num(im, c, MO_HOURS, 0, false, 100000,
				  "a number of hours from 0 to 100000", true,
				  &hours)) < 0)
			break;
		p.n = 0;
		imp_par_text(&p, key);
		imp_par_text(&p, csv_get(c, MO_TITLE));
		imp_par_text(&p, csv_get(c, MO_KIND));
		imp_par_text(&p, csv_get(c, MO_HOURS));
		imp_par_text(&p, csv_get(c, MO_LMS_REF));
		rc = imp_upsert_ent(im, c, ENT_MODULE, key, &p);
	}
	return rc;
}

int imp_outcomes(struct imp *im, csv_t *c)
{
	static const struct imp_upcol up[] = {
		{ "module_id", "integer", -1, true },
		{ "competency_id", "integer", -1, true },
		{ "entry_level", "smallint", OU_ENTRY, false },
		{ "level", "smallint", -1, false },
	};
	struct imp_map pairs = { 0 };
	struct imp_params p;
	int32_t mod = 0, comp = 0;
	long long entry = 0, level = 0;
	int rc;

	rc = imp_prepare(im, c, BUNDLE_F_OUTCOMES, "module_outcome", up, 4,
			 false);
	while (rc == 0 && (rc = imp_next(im, c)) == 1) {
		entry = 0;
		if ((rc = imp_ref(im, c, OU_MODULE, ENT_MODULE, true,
				  &mod)) < 0 ||
		    (rc = imp_ref(im, c, OU_COMPETENCY, ENT_COMPETENCY, true,
				  &comp)) < 0 ||
		    (rc = imp_seen_pair(im, c, OU_COMPETENCY, &pairs, mod, comp,
					"module and competency")) < 0 ||
		    (rc = imp_int(im, c, OU_ENTRY, 0, 4, false, &entry)) < 0 ||
		    (rc = imp_int(im, c, OU_LEVEL, 1, 5, true, &level)) < 0)
			break;
		if (level <= entry) {
			rc = imp_rowfail(im, c, OU_LEVEL, "must be above "
					 "entry_level (%lld), got %lld", entry,
					 level);
			break;
		}
		p.n = 0;
		imp_par_int(&p, mod);
		imp_par_int(&p, comp);
		imp_par_int(&p, entry);
		imp_par_int(&p, level);
		rc = imp_upsert(im, c, &p, NULL);
		if (rc == 0)
			rc = imp_keep_pair(im, LINK_OUTCOMES, mod, comp);
	}
	imp_map_free(&pairs);
	return rc;
}

int imp_prereqs(struct imp *im, csv_t *c)
{
	static const struct imp_upcol up[] = {
		{ "module_id", "integer", -1, true },
		{ "requires_id", "integer", -1, true },
	};
	struct imp_map pairs = { 0 };
	struct imp_params p;
	int32_t mod = 0, req = 0;
	int rc;

	rc = imp_prepare(im, c, BUNDLE_F_PREREQS, "module_prereq", up, 2,
			 false);
	while (rc == 0 && (rc = imp_next(im, c)) == 1) {
		if ((rc = imp_ref(im, c, PR_MODULE, ENT_MODULE, true,
				  &mod)) < 0 ||
		    (rc = imp_ref(im, c, PR_REQUIRES, ENT_MODULE, true,
				  &req)) < 0)
			break;
		/* cycles are fine (Audit reports them), but the schema
		 * forbids the degenerate one */
		if (mod == req) {
			rc = imp_rowfail(im, c, PR_REQUIRES, "a module cannot "
					 "require itself");
			break;
		}
		if ((rc = imp_seen_pair(im, c, PR_REQUIRES, &pairs, mod, req,
					"module and requires")) < 0)
			break;
		p.n = 0;
		imp_par_int(&p, mod);
		imp_par_int(&p, req);
		rc = imp_upsert(im, c, &p, NULL);
		if (rc == 0)
			rc = imp_keep_pair(im, LINK_PREREQS, mod, req);
	}
	imp_map_free(&pairs);
	return rc;
}
