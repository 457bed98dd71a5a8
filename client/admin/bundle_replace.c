/* bundle_replace: --replace, run after every file was read: deletes the
 * framework rows the bundle's framework files do not name, settings and
 * link rows first, then entities from the most dependent (modules) to the
 * least (tracks). An absent file leaves its table alone. A row that
 * something outside the bundle's files still refers to (a role employees
 * hold) is not deleted: the import fails, naming what refers to it.
 */
#include "bundle_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* "{1,2,3}": an int[] parameter. Caller frees. */
static char *imp_int_array(const struct imp_ivec *iv)
{
	size_t cap = 3 + 12 * iv->n, o = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	s[o++] = '{';
	for (size_t i = 0; i < iv->n; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s%d", i ? "," : "",
				      iv->v[i]);
	snprintf(s + o, cap - o, "}");
	return s;
}

/* What blocks deleting a table's rows the bundle does not name: rows of
 * tables whose files are not in the bundle (the others were handled
 * first). Each query: (key of the row to delete, referrer, count). */
static const struct imp_block {
	enum imp_ent ent;
	const char *who;	/* "employees still hold it" */
	const char *sql;
} imp_blocks[] = {
	{ ENT_ROLE, "employees still hold it",
	  "SELECT r.key, e.external_id, count(*) OVER (PARTITION BY r.key) "
	  "FROM employee e JOIN role r ON r.id = e.role_id WHERE r.id NOT IN "
	  "(SELECT unnest($1::integer[])) ORDER BY 1, 2 LIMIT 20" },
	{ ENT_COMPETENCY, "roles still require it",
	  "SELECT c.key, r.key, count(*) OVER (PARTITION BY c.key) FROM "
	  "role_requirement q JOIN competency c ON c.id = q.competency_id JOIN "
	  "role r ON r.id = q.role_id WHERE c.id NOT IN (SELECT "
	  "unnest($1::integer[])) ORDER BY 1, 2 LIMIT 20" },
	{ ENT_COMPETENCY, "modules still teach it",
	  "SELECT c.key, m.key, count(*) OVER (PARTITION BY c.key) FROM "
	  "module_outcome o JOIN competency c ON c.id = o.competency_id JOIN "
	  "module m ON m.id = o.module_id WHERE c.id NOT IN (SELECT "
	  "unnest($1::integer[])) ORDER BY 1, 2 LIMIT 20" },
	{ ENT_AREA, "roles are still in it",
	  "SELECT a.key, r.key, count(*) OVER (PARTITION BY a.key) FROM role r "
	  "JOIN functional_area a ON a.id = r.area_id WHERE a.id NOT IN "
	  "(SELECT unnest($1::integer[])) ORDER BY 1, 2 LIMIT 20" },
	{ ENT_AREA, "competencies are still in it",
	  "SELECT a.key, c.key, count(*) OVER (PARTITION BY a.key) FROM "
	  "competency c JOIN functional_area a ON a.id = c.area_id WHERE a.id "
	  "NOT IN (SELECT unnest($1::integer[])) ORDER BY 1, 2 LIMIT 20" },
	{ ENT_TRACK, "roles are still on it",
	  "SELECT t.key, r.key, count(*) OVER (PARTITION BY t.key) FROM role r "
	  "JOIN track t ON t.id = r.track_id WHERE t.id NOT IN (SELECT "
	  "unnest($1::integer[])) ORDER BY 1, 2 LIMIT 20" },
};

static int imp_check_block(struct imp *im, const struct imp_block *b,
			   const char *ids)
{
	const char *params[1] = { ids };
	char list[IMP_ERRMSG] = "", q[96];
	PGresult *res = NULL;
	size_t o = 0;
	int rc, n, shown = 0;

	rc = imp_exec(im, b->sql, 1, params, &res,
		      bundle_files[imp_ents[b->ent].file].name);
	if (rc < 0)
		return rc;
	n = PQntuples(res);
	if (n == 0)
		goto out;
	for (int i = 0; i < n && shown < 10; i++) {
		int w;

		if (strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, 0, 0)))
			break;
		w = snprintf(list + o, sizeof(list) - o, "%s%s",
			     shown ? ", " : "", PQgetvalue(res, i, 1));
		if (w < 0 || (size_t)w >= sizeof(list) - o)
			break;
		o += (size_t)w;
		shown++;
	}
	if (atoi(PQgetvalue(res, 0, 2)) > shown)
		snprintf(list + o, sizeof(list) - o, " (%s in all)",
			 PQgetvalue(res, 0, 2));
	rc = imp_fail(im, -EINVAL, "%s: --replace would delete %s \"%s\", "
		      "which the bundle does not list, but %s: %s",
		      bundle_files[imp_ents[b->ent].file].name,
		      imp_ents[b->ent].what,
		      imp_q(PQgetvalue(res, 0, 0), q, sizeof(q)), b->who, list);
out:
	PQclear(res);
	return rc;
}

static int imp_replace_ent(struct imp *im, enum imp_ent ent, const char *sql)
{
	const char *file = bundle_files[imp_ents[ent].file].name;
	char *ids;
	int rc = 0;

	if (!im->present[imp_ents[ent].file])
		return 0;
	ids = imp_int_array(&im->kept[ent]);
	if (!ids)
		return imp_fail(im, -ENOMEM, "out of memory");
	for (size_t i = 0; i < sizeof(imp_blocks) / sizeof(imp_blocks[0]) &&
			   rc == 0;
	     i++)
		if (imp_blocks[i].ent == ent)
			rc = imp_check_block(im, &imp_blocks[i], ids);
	if (rc == 0) {
		const char *params[1] = { ids };

		rc = imp_exec(im, sql, 1, params, NULL, file);
	}
	free(ids);
	return rc;
}

static int imp_replace_link(struct imp *im, enum bundle_file f, enum imp_link l,
			    const char *sql)
{
	char *a, *b;
	int rc;

	if (!im->present[f])
		return 0;
	a = imp_int_array(&im->link_a[l]);
	b = imp_int_array(&im->link_b[l]);
	if (!a || !b) {
		rc = imp_fail(im, -ENOMEM, "out of memory");
	} else {
		const char *params[2] = { a, b };

		rc = imp_exec(im, sql, 2, params, NULL, bundle_files[f].name);
	}
	free(a);
	free(b);
	return rc;
}

int imp_replace(struct imp *im)
{
	int rc = 0;

	if (im->present[BUNDLE_F_SETTINGS]) {
		const char *params[1] = { im->settings_kept };

		rc = imp_exec(im, "DELETE FROM framework_setting WHERE key NOT "
			      "IN (SELECT unnest($1::text[]))", 1, params, NULL,
			      bundle_files[BUNDLE_F_SETTINGS].name);
	}
	if (rc == 0)
		rc = imp_replace_link(im, BUNDLE_F_PREREQS, LINK_PREREQS,
				      "DELETE FROM module_prereq WHERE "
				      "(module_id, requires_id) NOT IN (SELECT "
				      "* FROM unnest($1::integer[], "
				      "$2::integer[]))");
	if (rc == 0)
		rc = imp_replace_link(im, BUNDLE_F_OUTCOMES, LINK_OUTCOMES,
				      "DELETE FROM module_outcome WHERE "
				      "(module_id, competency_id) NOT IN "
				      "(SELECT * FROM unnest($1::integer[], "
				      "$2::integer[]))");
	if (rc == 0)
		rc = imp_replace_link(im, BUNDLE_F_MOVES, LINK_MOVES,
				      "DELETE FROM role_move WHERE "
				      "(from_role_id, to_role_id) NOT IN "
				      "(SELECT * FROM unnest($1::integer[], "
				      "$2::integer[]))");
	if (rc == 0)
		rc = imp_replace_link(im, BUNDLE_F_REQUIREMENTS,
				      LINK_REQUIREMENTS,
				      "DELETE FROM role_requirement WHERE "
				      "(role_id, competency_id) NOT IN (SELECT "
				      "* FROM unnest($1::integer[], "
				      "$2::integer[]))");
	if (rc == 0)
		rc = imp_replace_ent(im, ENT_MODULE, "DELETE FROM module WHERE "
				     "id NOT IN (SELECT "
				     "unnest($1::integer[]))");
	if (rc == 0)
		rc = imp_replace_ent(im, ENT_ROLE, "DELETE FROM role WHERE id "
				     "NOT IN (SELECT unnest($1::integer[]))");
	if (rc == 0)
		rc = imp_replace_ent(im, ENT_COMPETENCY,
				     "DELETE FROM competency WHERE id NOT IN "
				     "(SELECT unnest($1::integer[]))");
	if (rc == 0)
		rc = imp_replace_ent(im, ENT_AREA,
				     "DELETE FROM functional_area WHERE id NOT "
				     "IN (SELECT unnest($1::integer[]))");
	if (rc == 0)
		rc = imp_replace_ent(im, ENT_TRACK,
				     "DELETE FROM track WHERE id NOT IN "
				     "(SELECT unnest($1::integer[]))");
	return rc;
}
