/* bundle_staged: the files that can be millions of rows: employees,
 * assessments, completions (see bundle_private.h).
 *
 * Each row is validated and its keys resolved as for the framework files,
 * then COPYed into a temporary staging table that keeps its line, and the
 * rows are moved into place by one INSERT ... SELECT ... ON CONFLICT. When
 * that statement fails, a bisection over line ranges (each probe inside a
 * savepoint) finds the first line that makes it fail, so the error still
 * reads file:line. Employees' managers are checked for cycles in memory
 * first, against the database's managers, since the database would take
 * a cycle without a word.
 */
#include "bundle_private.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

/* Loads employee external id -> id (after employees.csv, if any). */
static int imp_load_emp(struct imp *im)
{
	if (im->emp_loaded)
		return 0;
	imp_map_free(&im->emp);
	im->emp_loaded = true;
	return imp_load_map(im, "COPY (SELECT external_id, id FROM employee) "
			    "TO STDOUT", &im->emp, "employees");
}

struct imp_dberr {
	char msg[IMP_ERRMSG];
	char state[8];
	char col[64];
};

/* One run of a staging statement on lines A to B inside the savepoint:
 * 0 when it succeeded (and was kept if KEEP), 1 when it failed (E says
 * how; rolled back to the savepoint), < 0 when the savepoint failed. */
static int imp_stage_try(struct imp *im, const char *sql,
			 const char **params, int n, size_t a, size_t b,
			 bool keep, struct imp_dberr *e)
{
	const char *name = bundle_files[im->cur].name;
	char a_s[24], b_s[24];
	PGresult *res;
	bool ok;
	int rc;

	rc = imp_exec(im, "SAVEPOINT pathways_stage", 0, NULL, NULL, name);
	if (rc < 0)
		return rc;
	snprintf(a_s, sizeof(a_s), "%zu", a);
	snprintf(b_s, sizeof(b_s), "%zu", b);
	params[0] = a_s;
	params[1] = b_s;
	res = PQexecParams(im->db, sql, n, NULL, params, NULL, NULL, 0);
	ok = res && (PQresultStatus(res) == PGRES_COMMAND_OK ||
		     PQresultStatus(res) == PGRES_TUPLES_OK);
	if (!ok) {
		const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
				     : NULL;
		const char *cn = res ? PQresultErrorField(res,
							  PG_DIAG_COLUMN_NAME)
				     : NULL;

		imp_dbmsg(im, res, e->msg, sizeof(e->msg));
		snprintf(e->state, sizeof(e->state), "%s", st ? st : "");
		snprintf(e->col, sizeof(e->col), "%s", cn ? cn : "");
	}
	PQclear(res);
	if (ok && keep)
		rc = imp_exec(im, "RELEASE SAVEPOINT pathways_stage", 0, NULL,
			      NULL, name);
	else
		rc = imp_exec(im, "ROLLBACK TO SAVEPOINT pathways_stage", 0,
			      NULL, NULL, name);
	if (rc < 0)
		return rc;
	return ok ? 0 : 1;
}

/* Runs SQL ($1, $2: a range of lines; $3…: EXTRA) on the staging table of
 * the current file, whose rows are on lines 1 to LAST. When it fails, a
 * bisection over line ranges finds the first line that fails alone, and
 * the error reads file:line: column: message, DATACOL naming the column
 * behind a data exception (SQLSTATE class 22). */
static int imp_stage_run(struct imp *im, const char *sql, size_t last,
			 const char *const *extra, int nextra,
			 const char *datacol)
{
	const char *name = bundle_files[im->cur].name;
	const char *params[8];
	struct imp_dberr first, e;
	size_t lo = 1, hi = last;
	int rc, n = 2 + (nextra < 6 ? nextra : 6);

	for (int i = 2; i < n; i++)
		params[i] = extra[i - 2];
	rc = imp_stage_try(im, sql, params, n, lo, hi, true, &first);
	if (rc <= 0)
		return rc;
	/* only a row's data is worth a search; the server's troubles are
	 * not any line's fault */
	if (strncmp(first.state, "22", 2) && strncmp(first.state, "23", 2))
		return imp_fail(im, -EIO, "%s: %s", name, first.msg);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		rc = imp_stage_try(im, sql, params, n, lo, mid, false, &e);
		if (rc < 0)
			return rc;
		if (rc == 1)
			hi = mid;
		else
			lo = mid + 1;
	}
	rc = imp_stage_try(im, sql, params, n, lo, lo, false, &e);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return imp_fail(im, -EIO, "%s: %s", name, first.msg);
	if (!e.col[0] && !strncmp(e.state, "22", 2) && datacol)
		snprintf(e.col, sizeof(e.col), "%s", datacol);
	/* a line's data the database refused: a bad row */
	if (e.col[0])
		return imp_fail(im, -EINVAL, "%s:%zu: %s: %s", name, lo, e.col,
				e.msg);
	return imp_fail(im, -EINVAL, "%s:%zu: %s", name, lo, e.msg);
}

/* The first line repeating the key of an earlier line (SQL: line, first). */
static int imp_stage_dups(struct imp *im, const char *sql, const char *col,
			  const char *what)
{
	const char *name = bundle_files[im->cur].name;
	PGresult *res = NULL;
	int rc;

	rc = imp_exec(im, sql, 0, NULL, &res, name);
	if (rc < 0)
		return rc;
	if (PQntuples(res) == 1)
		rc = imp_fail(im, -EINVAL, "%s:%s: %s: duplicate of line %s "
			      "(same %s)", name, PQgetvalue(res, 0, 0), col,
			      PQgetvalue(res, 0, 1), what);
	PQclear(res);
	return rc;
}

/* Validates and writes the fields of the current row of C after its line
 * (see imp_stage_fill()); 0 or < 0. */
typedef int (*imp_stage_row_fn)(struct imp *im, const csv_t *c,
				struct imp_copy *cp, void *arg);

/* Creates the staging table of the current file (CREATE: a temporary
 * table dropped on commit, its first column the line) and fills it (COPY:
 * its COPY FROM STDIN) with the rows of C, each written by ROW; *last gets
 * the last line staged, 0 when there was none. WHAT names the file in
 * the database's errors. */
static int imp_stage_fill(struct imp *im, csv_t *c, const char *what,
			  const char *create, const char *copy,
			  imp_stage_row_fn row, void *arg, size_t *last)
{
	struct imp_copy cp = { 0 };
	int rc;

	rc = imp_exec(im, create, 0, NULL, NULL, what);
	if (rc < 0)
		return rc;
	rc = imp_copy_begin(im, &cp, copy, what);
	if (rc < 0)
		return rc;
	while ((rc = imp_next(im, c)) == 1) {
		if ((rc = imp_copy_int(im, &cp, (long long)csv_line(c))) < 0 ||
		    (rc = row(im, c, &cp, arg)) < 0 ||
		    (rc = imp_copy_row_end(im, &cp)) < 0)
			break;
		*last = csv_line(c);
	}
	if (rc < 0) {
		imp_copy_end(im, &cp, false, what);
		return rc;
	}
	return imp_copy_end(im, &cp, true, what);
}

/* One employee in the graph of managers. */
struct imp_emp {
	const char *key;	/* external id, in the map's arena */
	const char *bmgr;	/* manager named by the bundle, NULL none */
	int32_t dbmgr;		/* manager in the database, -1 none */
	int32_t mgr;		/* manager after the import */
	uint32_t line;		/* line in employees.csv, 0 none */
	uint8_t in_db, state;
};

/* Employees as a graph of managers, for the cycle check: the database's
 * employees and the bundle's, by external id. */
struct imp_emps {
	struct imp_map map;	/* external id -> node */
	struct imp_emp *v;	/* the nodes */
	size_t n, cap;
	struct imp_ivec order;	/* bundle nodes, in file order */
};

static void imp_emps_free(struct imp_emps *e)
{
	imp_map_free(&e->map);
	free(e->v);
	free(e->order.v);
}

static int imp_emps_node(struct imp_emps *e, const char *key, int32_t *out)
{
	struct imp_slot *s;
	bool existed;

	if (imp_map_put(&e->map, key, (int64_t)e->n, &s, &existed) < 0)
		return -ENOMEM;
	if (existed) {
		*out = (int32_t)s->val;
		return 0;
	}
	if (array_grow((void **)&e->v, &e->cap, e->n + 1, sizeof(*e->v),
		       1024) < 0)
		return -ENOMEM;
	e->v[e->n] = (struct imp_emp){ .key = s->key, .dbmgr = -1, .mgr = -1 };
	*out = (int32_t)e->n++;
	return 0;
}

static int imp_emps_db_row(struct imp *im, char **f, size_t n, void *arg)
{
	struct imp_emps *e = arg;
	int32_t x, m;

	if (n < 2 || !f[0])
		return imp_fail(im, -EIO, "employees: unexpected row");
	if (imp_emps_node(e, f[0], &x) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	e->v[x].in_db = 1;
	if (f[1]) {
		if (imp_emps_node(e, f[1], &m) < 0)
			return imp_fail(im, -ENOMEM, "out of memory");
		e->v[x].dbmgr = m;
	}
	return 0;
}

/* Managers after the import must form no cycle. */
static int imp_emps_cycles(struct imp *im, struct imp_emps *e)
{
	struct imp_ivec path = { 0 };
	int rc = 0;

	for (size_t k = 0; k < e->order.n && rc == 0; k++) {
		int32_t x = e->order.v[k];
		size_t at, best;

		path.n = 0;
		while (x >= 0 && e->v[x].state == 0) {
			e->v[x].state = 1;
			if (imp_ivec_push(&path, x) < 0) {
				rc = imp_fail(im, -ENOMEM, "out of memory");
				break;
			}
			x = e->v[x].mgr;
		}
		if (rc == 0 && x >= 0 && e->v[x].state == 1) {
			char msg[IMP_ERRMSG];
			size_t o = 0;
			int32_t y;

			for (at = 0; path.v[at] != x; at++)
				;
			/* report at the cycle's first line in the file */
			best = at;
			for (size_t i = at; i < path.n; i++) {
				uint32_t li = e->v[path.v[i]].line;
				uint32_t lb = e->v[path.v[best]].line;

				if (li && (!lb || li < lb))
					best = i;
			}
			y = path.v[best];
			do {
				int w = snprintf(msg + o, sizeof(msg) - o,
						 "%s -> ", e->v[y].key);

				if (w < 0 || (size_t)w >= sizeof(msg) - o)
					break;
				o += (size_t)w;
				y = e->v[y].mgr;
			} while (y != path.v[best]);
			snprintf(msg + o, sizeof(msg) - o, "%s", e->v[y].key);
			rc = imp_fail(im, -EINVAL, "%s:%u: manager: manager "
				      "cycle: %s",
				      bundle_files[BUNDLE_F_EMPLOYEES].name,
				      e->v[path.v[best]].line ?
					      e->v[path.v[best]].line :
					      e->v[e->order.v[k]].line,
				      msg);
		}
		for (size_t i = 0; i < path.n; i++)
			e->v[path.v[i]].state = 2;
	}
	free(path.v);
	return rc;
}

static int imp_employees_row(struct imp *im, const csv_t *c,
			     struct imp_copy *cp, void *arg)
{
	struct imp_emps *e = arg;
	const char *key, *mgr = csv_get(c, EM_MANAGER);
	const char *attrs = csv_get(c, EM_ATTRIBUTES), *p;
	int32_t role = 0, x;
	bool active = true;
	char q[96];
	int rc;

	if ((rc = imp_key(im, c, EM_ID, &key)) < 0)
		return rc;
	if (imp_emps_node(e, key, &x) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	if (e->v[x].line)
		return imp_rowfail(im, c, EM_ID, "duplicate key \"%s\" (also on "
				   "line %u)", imp_q(key, q, sizeof(q)),
				   e->v[x].line);
	e->v[x].line = (uint32_t)csv_line(c);
	if (imp_ivec_push(&e->order, x) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	if ((rc = imp_ref(im, c, EM_ROLE, ENT_ROLE, true, &role)) < 0)
		return rc;
	if (*mgr && !strcmp(mgr, key))
		return imp_rowfail(im, c, EM_MANAGER, "manager cycle: %s -> %s",
				   imp_q(key, q, sizeof(q)), q);
	if (*mgr) {
		e->v[x].bmgr = imp_arena_dup(&e->map.arena, mgr, strlen(mgr));
		if (!e->v[x].bmgr)
			return imp_fail(im, -ENOMEM, "out of memory");
	}
	for (p = attrs; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
	     p++)
		;
	if (*attrs && *p != '{')
		return imp_rowfail(im, c, EM_ATTRIBUTES, "must be a JSON "
				   "object, got \"%s\"",
				   imp_q(attrs, q, sizeof(q)));
	if ((rc = imp_bool(im, c, EM_ACTIVE, &active)) < 0)
		return rc;
	if ((rc = imp_copy_field(im, cp, key)) < 0 ||
	    (rc = imp_copy_int(im, cp, role)) < 0 ||
	    (rc = imp_copy_field(im, cp, *mgr ? mgr : NULL)) < 0 ||
	    (rc = imp_copy_field(im, cp, *attrs ? attrs : NULL)) < 0 ||
	    (rc = imp_copy_field(im, cp, active ? "t" : "f")) < 0)
		return rc;
	return 0;
}

int imp_employees(struct imp *im, csv_t *c)
{
	struct imp_emps e = { 0 };
	bool has_mgr = csv_has(c, EM_MANAGER);
	const char *extra[2] = { csv_has(c, EM_ATTRIBUTES) ? "true" : "false",
				 csv_has(c, EM_ACTIVE) ? "true" : "false" };
	size_t last = 0;
	int rc;

	/* the database's managers matter only if this file sets some */
	if (has_mgr) {
		rc = imp_copy_out(im, "COPY (SELECT e.external_id, "
				  "m.external_id FROM employee e LEFT JOIN "
				  "employee m ON m.id = e.manager_id) TO "
				  "STDOUT",
				  imp_emps_db_row, &e, "employees");
		if (rc < 0)
			goto out;
	}
	rc = imp_stage_fill(im, c, "employees",
			    "CREATE TEMP TABLE pathways_emp_stage (line "
			    "integer, external_id text, role_id integer, "
			    "manager text, attributes text, active boolean) "
			    "ON COMMIT DROP",
			    "COPY pathways_emp_stage FROM STDIN",
			    imp_employees_row, &e, &last);
	if (rc < 0)
		goto out;

	/* managers: named in this bundle or already in the database */
	for (size_t i = 0; i < e.n; i++)
		e.v[i].mgr = e.v[i].dbmgr;
	for (size_t k = 0; has_mgr && k < e.order.n; k++) {
		int32_t x = e.order.v[k];
		int64_t *m;
		char q[96];

		e.v[x].mgr = -1;
		if (!e.v[x].bmgr)
			continue;
		m = imp_map_get(&e.map, e.v[x].bmgr);
		if (!m || (!e.v[*m].in_db && !e.v[*m].line)) {
			rc = imp_fail(im, -EINVAL, "%s:%u: manager: unknown "
				      "employee \"%s\"",
				      bundle_files[BUNDLE_F_EMPLOYEES].name,
				      e.v[x].line,
				      imp_q(e.v[x].bmgr, q, sizeof(q)));
			goto out;
		}
		e.v[x].mgr = (int32_t)*m;
	}
	if (has_mgr) {
		rc = imp_emps_cycles(im, &e);
		if (rc < 0)
			goto out;
	}

	rc = imp_stage_run(im,
			   "INSERT INTO employee AS t (external_id, role_id, "
			   "attributes, active) SELECT external_id, role_id, "
			   "coalesce(attributes::jsonb, '{}'::jsonb), "
			   "coalesce(active, true) FROM pathways_emp_stage "
			   "WHERE line BETWEEN $1 AND $2 ORDER BY line ON "
			   "CONFLICT (external_id) DO UPDATE SET role_id = "
			   "EXCLUDED.role_id, attributes = CASE WHEN "
			   "$3::boolean THEN EXCLUDED.attributes ELSE "
			   "t.attributes END, active = CASE WHEN $4::boolean "
			   "THEN EXCLUDED.active ELSE t.active END WHERE "
			   "(t.role_id, t.attributes, t.active) IS DISTINCT "
			   "FROM (EXCLUDED.role_id, CASE WHEN $3::boolean THEN "
			   "EXCLUDED.attributes ELSE t.attributes END, CASE "
			   "WHEN $4::boolean THEN EXCLUDED.active ELSE "
			   "t.active END)",
			   last, extra, 2, "attributes");
	if (rc < 0 || !has_mgr)
		goto out;
	rc = imp_stage_run(im, "UPDATE employee AS e SET manager_id = m.id "
			   "FROM pathways_emp_stage s LEFT JOIN employee m ON "
			   "m.external_id = s.manager WHERE s.line BETWEEN $1 "
			   "AND $2 AND e.external_id = s.external_id AND "
			   "e.manager_id IS DISTINCT FROM m.id",
			   last, NULL, 0, "manager");
out:
	im->emp_loaded = false;
	imp_emps_free(&e);
	return rc;
}

static int imp_assessments_row(struct imp *im, const csv_t *c,
			       struct imp_copy *cp, void *arg)
{
	char at[40];
	int64_t emp = 0;
	int32_t comp = 0;
	long long level = 0;
	int rc;

	(void)arg;
	if ((rc = imp_employee(im, c, AS_EMPLOYEE, &emp)) < 0 ||
	    (rc = imp_ref(im, c, AS_COMPETENCY, ENT_COMPETENCY, true,
			  &comp)) < 0 ||
	    (rc = imp_int(im, c, AS_LEVEL, 0, 5, true, &level)) < 0 ||
	    (rc = imp_enum(im, c, AS_SOURCE, imp_sources, true)) < 0 ||
	    (rc = imp_timestamp(im, c, AS_AT, at, sizeof(at))) < 0)
		return rc;
	if ((rc = imp_copy_int(im, cp, emp)) < 0 ||
	    (rc = imp_copy_int(im, cp, comp)) < 0 ||
	    (rc = imp_copy_int(im, cp, level)) < 0 ||
	    (rc = imp_copy_field(im, cp, csv_get(c, AS_SOURCE))) < 0 ||
	    (rc = imp_copy_field(im, cp, at)) < 0)
		return rc;
	return 0;
}

int imp_assessments(struct imp *im, csv_t *c)
{
	size_t last = 0;
	int rc;

	rc = imp_load_emp(im);
	if (rc < 0)
		return rc;
	rc = imp_stage_fill(im, c, "assessments",
			    "CREATE TEMP TABLE pathways_asm_stage (line "
			    "integer, employee_id integer, competency_id "
			    "integer, level smallint, source text, "
			    "assessed_at timestamptz) ON COMMIT DROP",
			    "COPY pathways_asm_stage FROM STDIN",
			    imp_assessments_row, NULL, &last);
	if (rc < 0 || !last)
		return rc;
	rc = imp_stage_dups(im, "SELECT line, first FROM (SELECT line, "
			    "min(line) OVER (PARTITION BY employee_id, "
			    "competency_id, source, assessed_at) AS first FROM "
			    "pathways_asm_stage) d WHERE line <> first ORDER "
			    "BY line LIMIT 1", "assessed_at",
			    "employee, competency, source and assessed_at");
	if (rc < 0)
		return rc;
	return imp_stage_run(im, "INSERT INTO assessment AS t (employee_id, "
			     "competency_id, level, source, assessed_at) "
			     "SELECT employee_id, competency_id, level, "
			     "source, assessed_at FROM pathways_asm_stage "
			     "WHERE line BETWEEN $1 AND $2 ORDER BY "
			     "employee_id, competency_id, source, assessed_at "
			     "ON CONFLICT (employee_id, competency_id, source, "
			     "assessed_at) DO UPDATE SET level = "
			     "EXCLUDED.level WHERE t.level <> EXCLUDED.level",
			     last, NULL, 0, NULL);
}

static int imp_completions_row(struct imp *im, const csv_t *c,
			       struct imp_copy *cp, void *arg)
{
	char at[40];
	int64_t emp = 0;
	int32_t mod = 0;
	int rc;

	(void)arg;
	if ((rc = imp_employee(im, c, CM_EMPLOYEE, &emp)) < 0 ||
	    (rc = imp_ref(im, c, CM_MODULE, ENT_MODULE, true, &mod)) < 0 ||
	    (rc = imp_timestamp(im, c, CM_AT, at, sizeof(at))) < 0)
		return rc;
	if ((rc = imp_copy_int(im, cp, emp)) < 0 ||
	    (rc = imp_copy_int(im, cp, mod)) < 0 ||
	    (rc = imp_copy_field(im, cp, at)) < 0)
		return rc;
	return 0;
}

int imp_completions(struct imp *im, csv_t *c)
{
	size_t last = 0;
	int rc;

	rc = imp_load_emp(im);
	if (rc < 0)
		return rc;
	rc = imp_stage_fill(im, c, "completions",
			    "CREATE TEMP TABLE pathways_cmp_stage (line "
			    "integer, employee_id integer, module_id integer, "
			    "completed_at timestamptz) ON COMMIT DROP",
			    "COPY pathways_cmp_stage FROM STDIN",
			    imp_completions_row, NULL, &last);
	if (rc < 0 || !last)
		return rc;
	rc = imp_stage_dups(im, "SELECT line, first FROM (SELECT line, "
			    "min(line) OVER (PARTITION BY employee_id, "
			    "module_id) AS first FROM pathways_cmp_stage) d "
			    "WHERE line <> first ORDER BY line LIMIT 1",
			    "module", "employee and module");
	if (rc < 0)
		return rc;
	return imp_stage_run(im, "INSERT INTO module_completion AS t "
			     "(employee_id, module_id, completed_at) SELECT "
			     "employee_id, module_id, completed_at FROM "
			     "pathways_cmp_stage WHERE line BETWEEN $1 AND $2 "
			     "ORDER BY employee_id, module_id ON CONFLICT "
			     "(employee_id, module_id) DO UPDATE SET "
			     "completed_at = EXCLUDED.completed_at WHERE "
			     "t.completed_at <> EXCLUDED.completed_at",
			     last, NULL, 0, NULL);
}
