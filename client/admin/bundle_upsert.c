/* bundle_upsert: how the import writes a framework row: one prepared
 * INSERT ... ON CONFLICT per file, built from a table of its columns, run
 * once per row so that a database error names the row's line; entity rows
 * record their id for the rows that name them (see bundle_private.h).
 */
#include "bundle_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Prepares the upsert of file F into TABLE: every column of COLS is a
 * parameter ($1 … in order); on conflict, the columns the header has are
 * updated, and only when they change. Table and column names come from
 * the constant tables of bundle_framework.c, never from the data. */
int imp_prepare(struct imp *im, const csv_t *c, enum bundle_file f,
		const char *table, const struct imp_upcol *cols,
		size_t n, bool returning_id)
{
	char sql[2048], set[1024] = "", old[512] = "", new[512] = "", name[32];
	const char *conflict[4];
	size_t nconf = 0, o = 0, nset = 0;
	PGresult *res;
	int rc = 0;

	o += (size_t)snprintf(sql + o, sizeof(sql) - o, "INSERT INTO %s AS t (",
			      table);
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s%s",
				      i ? ", " : "", cols[i].name);
	o += (size_t)snprintf(sql + o, sizeof(sql) - o, ") VALUES (");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s$%zu::%s",
				      i ? ", " : "", i + 1, cols[i].type);
	o += (size_t)snprintf(sql + o, sizeof(sql) - o, ") ON CONFLICT (");
	for (size_t i = 0; i < n; i++)
		if (cols[i].key && nconf < 4)
			conflict[nconf++] = cols[i].name;
	for (size_t i = 0; i < nconf; i++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s%s",
				      i ? ", " : "", conflict[i]);
	for (size_t i = 0; i < n; i++) {
		size_t so = strlen(set), oo = strlen(old), no = strlen(new);

		int cc = cols[i].csvcol;

		if (cols[i].key || (cc >= 0 && !csv_has(c, (size_t)cc)))
			continue;
		snprintf(set + so, sizeof(set) - so, "%s%s = EXCLUDED.%s",
			 nset ? ", " : "", cols[i].name, cols[i].name);
		snprintf(old + oo, sizeof(old) - oo, "%st.%s", nset ? ", " : "",
			 cols[i].name);
		snprintf(new + no, sizeof(new) - no, "%sEXCLUDED.%s",
			 nset ? ", " : "", cols[i].name);
		nset++;
	}
	if (nset)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, ") DO UPDATE "
				      "SET %s WHERE (%s) IS DISTINCT FROM (%s)",
				      set, old, new);
	else
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, ") DO NOTHING");
	if (returning_id)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
				      " RETURNING id");
	if (o >= sizeof(sql))
		return imp_fail(im, -EINVAL, "%s: statement too long",
				bundle_files[f].name);
	snprintf(name, sizeof(name), "pathways_import_%d", (int)f);
	res = PQprepare(im->db, name, sql, (int)n, NULL);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = imp_dbfail(im, res, bundle_files[f].name);
	else
		im->prepared[f] = true;
	PQclear(res);
	return rc;
}

/* Runs the prepared upsert of the current file for the current row; *id
 * (if ID) gets the id it returned, -1 when it returned none (unchanged). */
int imp_upsert(struct imp *im, const csv_t *c, const struct imp_params *p,
	       int32_t *id)
{
	char name[32], msg[IMP_ERRMSG];
	const char *col, *state;
	PGresult *res;
	int rc = 0;

	snprintf(name, sizeof(name), "pathways_import_%d", (int)im->cur);
	res = PQexecPrepared(im->db, name, p->n, p->v, NULL, NULL, 0);
	if (!res || (PQresultStatus(res) != PGRES_TUPLES_OK &&
		     PQresultStatus(res) != PGRES_COMMAND_OK)) {
		imp_dbmsg(im, res, msg, sizeof(msg));
		col = res ? PQresultErrorField(res, PG_DIAG_COLUMN_NAME) : NULL;
		state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		/* data the database refused (classes 22, 23): a bad row */
		rc = state && (!strncmp(state, "22", 2) ||
			       !strncmp(state, "23", 2)) ? -EINVAL : -EIO;
		if (col)
			imp_fail(im, rc, "%s:%zu: %s: %s", csv_name(c),
				 csv_line(c), col, msg);
		else
			imp_fail(im, rc, "%s:%zu: %s", csv_name(c),
				 csv_line(c), msg);
	} else if (id) {
		bool row = PQresultStatus(res) == PGRES_TUPLES_OK &&
			   PQntuples(res) == 1;

		*id = row ? atoi(PQgetvalue(res, 0, 0)) : -1;
	}
	PQclear(res);
	return rc;
}

/* Upserts an entity row and records its id under KEY. */
int imp_upsert_ent(struct imp *im, const csv_t *c, enum imp_ent ent,
		   const char *key, const struct imp_params *p)
{
	const char *params[1] = { key };
	struct imp_slot *s;
	PGresult *res = NULL;
	int32_t id = -1;
	int64_t *known;
	bool existed;
	int rc;

	rc = imp_upsert(im, c, p, &id);
	if (rc < 0)
		return rc;
	if (id < 0) {
		known = imp_map_get(&im->ids[ent], key);
		if (known) {
			id = (int32_t)*known;
		} else {
			rc = imp_exec(im, imp_ents[ent].lookup, 1, params, &res,
				      csv_name(c));
			if (rc < 0)
				return rc;
			if (PQntuples(res) == 1)
				id = atoi(PQgetvalue(res, 0, 0));
			PQclear(res);
			if (id < 0)
				return imp_rowfail(im, c, -1,
						   "the row vanished during "
						   "the import");
		}
	}
	if (imp_map_put(&im->ids[ent], key, id, &s, &existed) < 0 ||
	    imp_ivec_push(&im->kept[ent], id) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	s->val = id;
	return 0;
}

int imp_keep_pair(struct imp *im, enum imp_link l, int32_t a, int32_t b)
{
	if (imp_ivec_push(&im->link_a[l], a) < 0 ||
	    imp_ivec_push(&im->link_b[l], b) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	return 0;
}
