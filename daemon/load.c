#include "load.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "log.h"
#include "migrations.h"
#include "pgtext.h"

int load_expected_schema(void)
{
	return sql_migrations_count
		       ? sql_migrations[sql_migrations_count - 1].version
		       : 0;
}

/* database ids (ascending) → builder indexes, by binary search */
struct idmap {
	int64_t *ids;
	uint32_t n;
};

static uint32_t idmap_find(const struct idmap *m, int64_t id)
{
	uint32_t lo = 0, hi = m->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->ids[mid] < id)
			lo = mid + 1;
		else if (m->ids[mid] > id)
			hi = mid;
		else
			return mid;
	}
	return GRAPH_NONE;
}

/* The framework tables whose rows others name by id: their results stay
 * until the end of the load, to turn those ids into keys. */
enum load_kept {
	LOAD_TRACK,
	LOAD_AREA,
	LOAD_COMP,
	LOAD_ROLE,
	LOAD_MODULE,
	LOAD_KEPT_N,
	LOAD_NOT_KEPT = LOAD_KEPT_N,
};

struct load {
	PGconn *db;
	graph_builder_t *b;
	char *err;
	size_t errlen;
	const char *ids;		/* delta: the $1 text[] of its queries */
	bool in_tx;			/* BEGIN went through */
	/* by enum load_kept: rows (id, key, ...) ordered by id */
	PGresult *res[LOAD_KEPT_N];
	struct idmap map[LOAD_KEPT_N];
	/* employees: external ids, by index (a pool of NUL-terminated
	 * strings), read by COPY */
	struct idmap emps;
	char *emp_pool;
	size_t *emp_key;
	int64_t last_emp_id;		/* assessment rows: the last lookup */
	uint32_t last_emp;
};

/* err = "what: msg", msg cut at its first newline (libpq ends its
 * messages with one) */
static void set_err(struct load *ld, const char *what, const char *msg)
{
	snprintf(ld->err, ld->errlen, "%s%s%s", what ? what : "",
		 what ? ": " : "", msg);
	ld->err[strcspn(ld->err, "\n")] = '\0';
}

/* Runs sql (with ld->ids as $1 when set); NULL with err set on failure. */
static PGresult *query(struct load *ld, const char *sql)
{
	const char *params[1] = { ld->ids };
	PGresult *r = ld->ids ? PQexecParams(ld->db, sql, 1, NULL, params,
					     NULL, NULL, 0)
			      : PQexec(ld->db, sql);

	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
	case PGRES_COPY_OUT:
		return r;
	default:
		set_err(ld, NULL, PQresultErrorMessage(r)[0]
					  ? PQresultErrorMessage(r)
					  : PQerrorMessage(ld->db));
		PQclear(r);
		return NULL;
	}
}

typedef int (*load_copy_fn)(void *arg, char *line, size_t len);

/* Runs a COPY ... TO STDOUT and hands each row to fn (line: len bytes and
 * a NUL, writable) until fn fails. The remaining rows are read either way,
 * so the connection stays usable. -EIO with err set ("COPY what: ...")
 * when the COPY fails, else fn's first error. */
static int copy_rows(struct load *ld, const char *sql, const char *what,
		     load_copy_fn fn, void *arg)
{
	PGresult *r = query(ld, sql);
	char *line = NULL;
	int rc = 0, n;

	if (!r)
		return -EIO;
	PQclear(r);
	while ((n = PQgetCopyData(ld->db, &line, 0)) > 0) {
		if (!rc)
			rc = fn(arg, line, (size_t)n);
		PQfreemem(line);
	}
	r = PQgetResult(ld->db);
	if (n == -2 || PQresultStatus(r) != PGRES_COMMAND_OK) {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "COPY %s", what);
		set_err(ld, prefix, PQerrorMessage(ld->db));
		rc = -EIO;
	}
	PQclear(r);
	while ((r = PQgetResult(ld->db)))
		PQclear(r);
	return rc;
}

static const char *val(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static unsigned uval(PGresult *r, int row, int col)
{
	return (unsigned)strtoul(PQgetvalue(r, row, col), NULL, 10);
}

static bool bval(PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col)[0] == 't';
}

/* the key of the kept row whose database id is id, or NULL */
static const char *key_of_id(struct load *ld, enum load_kept t, int64_t id)
{
	uint32_t i = idmap_find(&ld->map[t], id);

	return i == GRAPH_NONE ? NULL : PQgetvalue(ld->res[t], (int)i, 1);
}

/* the same for an id as text (NULL: none) */
static const char *key_of(struct load *ld, enum load_kept t, const char *id)
{
	return id ? key_of_id(ld, t, strtoll(id, NULL, 10)) : NULL;
}

static int kind_index(const char *v, const char *const *names, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return (int)i;
	return -1;
}

static int bad_row(struct load *ld, const char *table, const char *key, int rc)
{
	snprintf(ld->err, ld->errlen, "%s row %s rejected: %s", table,
		 key ? key : "?", strerror(-rc));
	return rc;
}

/* ---- the tables read by plain queries ---- */

/* One query and what to do with each of its rows. */
struct load_step {
	const char *table;		/* for messages */
	const char *sql;
	int (*row)(struct load *ld, PGresult *r, int i);
	enum load_kept keep;		/* LOAD_NOT_KEPT: cleared at once */
	int key_col;			/* named in messages; -1: none */
};

static int run_step(struct load *ld, const struct load_step *s)
{
	PGresult *r = query(ld, s->sql);
	int rc = 0, i, n;

	if (!r)
		return -EIO;
	n = PQntuples(r);
	if (s->keep != LOAD_NOT_KEPT) {
		struct idmap *m = &ld->map[s->keep];

		ld->res[s->keep] = r;
		m->ids = calloc(n ? (size_t)n : 1, sizeof(*m->ids));
		if (!m->ids)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			m->ids[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		m->n = (uint32_t)n;
	}
	for (i = 0; i < n && !rc; i++)
		rc = s->row(ld, r, i);
	if (rc)
		bad_row(ld, s->table, s->key_col < 0 ? NULL
						     : val(r, i - 1, s->key_col),
			rc);
	if (s->keep == LOAD_NOT_KEPT)
		PQclear(r);
	return rc;
}

static int setting_row(struct load *ld, PGresult *r, int i)
{
	if (graph_builder_setting(ld->b, val(r, i, 0), val(r, i, 1)))
		log_warn("loader: setting %s = \"%s\" ignored (unknown key or bad value)",
			 val(r, i, 0), val(r, i, 1));
	return 0;
}

static int track_row(struct load *ld, PGresult *r, int i)
{
	static const char *const kinds[] = { "ic", "management", "other" };
	int k = kind_index(val(r, i, 3), kinds, 3);

	return graph_builder_track(ld->b, val(r, i, 1), val(r, i, 2),
				   (enum graph_track_kind)(k < 0 ? 2 : k));
}

static int area_row(struct load *ld, PGresult *r, int i)
{
	return graph_builder_area(ld->b, val(r, i, 1), val(r, i, 2));
}

static int competency_row(struct load *ld, PGresult *r, int i)
{
	static const char *const kinds[] = { "core", "functional",
					     "leadership" };
	int k = kind_index(val(r, i, 3), kinds, 3);

	return graph_builder_competency(ld->b, val(r, i, 1), val(r, i, 2),
					k < 0 ? 0 : (unsigned)k,
					key_of(ld, LOAD_AREA, val(r, i, 4)));
}

static int role_row(struct load *ld, PGresult *r, int i)
{
	const char *pmin = val(r, i, 6), *pmax = val(r, i, 7);

	return graph_builder_role(ld->b, val(r, i, 1), val(r, i, 2),
				  key_of(ld, LOAD_TRACK, val(r, i, 3)),
				  uval(r, i, 4),
				  key_of(ld, LOAD_AREA, val(r, i, 5)),
				  pmin ? strtod(pmin, NULL) : __builtin_nan(""),
				  pmax ? strtod(pmax, NULL) : __builtin_nan(""));
}

static int requirement_row(struct load *ld, PGresult *r, int i)
{
	return graph_builder_requirement(ld->b,
					 key_of(ld, LOAD_ROLE, val(r, i, 0)),
					 key_of(ld, LOAD_COMP, val(r, i, 1)),
					 uval(r, i, 2),
					 strtod(val(r, i, 3), NULL),
					 bval(r, i, 4));
}

static int move_row(struct load *ld, PGresult *r, int i)
{
	static const char *const kinds[] = { "", "promotion", "lateral",
					     "track_switch" };
	int k = kind_index(val(r, i, 2), kinds, 4);
	int months = atoi(val(r, i, 3));

	return graph_builder_move(ld->b, key_of(ld, LOAD_ROLE, val(r, i, 0)),
				  key_of(ld, LOAD_ROLE, val(r, i, 1)),
				  (enum graph_move_kind)(k < 1 ? 1 : k),
				  months < 0 ? UINT32_MAX : (unsigned)months);
}

static int module_row(struct load *ld, PGresult *r, int i)
{
	static const char *const kinds[] = { "course", "workshop",
					     "mentorship", "project" };
	int k = kind_index(val(r, i, 3), kinds, 4);

	return graph_builder_module(ld->b, val(r, i, 1), val(r, i, 2),
				    k < 0 ? 0 : (unsigned)k,
				    strtod(val(r, i, 4), NULL), val(r, i, 5));
}

static int outcome_row(struct load *ld, PGresult *r, int i)
{
	return graph_builder_outcome(ld->b,
				     key_of(ld, LOAD_MODULE, val(r, i, 0)),
				     key_of(ld, LOAD_COMP, val(r, i, 1)),
				     uval(r, i, 2), uval(r, i, 3));
}

static int prereq_row(struct load *ld, PGresult *r, int i)
{
	return graph_builder_prereq(ld->b,
				    key_of(ld, LOAD_MODULE, val(r, i, 0)),
				    key_of(ld, LOAD_MODULE, val(r, i, 1)));
}

/* in this order: a table's rows name only tables read before it */
static const struct load_step framework_steps[] = {
	{ "framework_setting",
	  "SELECT key, value FROM framework_setting ORDER BY key",
	  setting_row, LOAD_NOT_KEPT, -1 },
	{ "track", "SELECT id, key, name, kind FROM track ORDER BY id",
	  track_row, LOAD_TRACK, 1 },
	{ "functional_area",
	  "SELECT id, key, name FROM functional_area ORDER BY id",
	  area_row, LOAD_AREA, 1 },
	{ "competency",
	  "SELECT id, key, name, kind, area_id FROM competency ORDER BY id",
	  competency_row, LOAD_COMP, 1 },
	{ "role",
	  "SELECT id, key, title, track_id, grade, area_id, pay_min, pay_max "
	  "FROM role ORDER BY id",
	  role_row, LOAD_ROLE, 1 },
	{ "role_requirement",
	  "SELECT role_id, competency_id, level, weight, must_have "
	  "FROM role_requirement",
	  requirement_row, LOAD_NOT_KEPT, -1 },
	{ "role_move",
	  "SELECT from_role_id, to_role_id, kind, "
	  "coalesce(typical_months, -1) FROM role_move",
	  move_row, LOAD_NOT_KEPT, -1 },
	{ "module",
	  "SELECT id, key, title, kind, hours, lms_ref FROM module ORDER BY id",
	  module_row, LOAD_MODULE, 1 },
	{ "module_outcome",
	  "SELECT module_id, competency_id, entry_level, level "
	  "FROM module_outcome",
	  outcome_row, LOAD_NOT_KEPT, -1 },
	{ "module_prereq", "SELECT module_id, requires_id FROM module_prereq",
	  prereq_row, LOAD_NOT_KEPT, -1 },
};

/* ---- the people, by COPY ---- */

struct emp_row {
	int64_t id, role, manager;
	size_t key, attrs;		/* offsets into the pool */
	bool active;
};

/* what the employee COPY gathers before anything is built: managers
 * name employees further down */
struct emp_copy {
	struct load *ld;
	struct emp_row *rows;
	size_t n, cap, pool_len, pool_cap;
};

static int employee_line(void *arg, char *line, size_t len)
{
	struct emp_copy *c = arg;
	struct emp_row row = { 0 };
	size_t kl, al;
	char *f[6];
	int rc;

	if (pgtext_csv_fields(line, len, f, 6) != 6)
		return -EPROTO;
	if ((rc = pgtext_int(f[0], &row.id)) ||
	    (rc = pgtext_int(f[2], &row.role)) ||
	    (rc = pgtext_int(f[3], &row.manager)))
		return rc;
	kl = strlen(f[1]) + 1;
	al = strlen(f[5]) + 1;
	if (array_grow((void **)&c->rows, &c->cap, c->n + 1, sizeof(*c->rows),
		       1024) ||
	    array_grow((void **)&c->ld->emp_pool, &c->pool_cap,
		       c->pool_len + kl + al, 1, 65536))
		return -ENOMEM;
	row.key = c->pool_len;
	row.attrs = c->pool_len + kl;
	row.active = f[4][0] == 't';
	memcpy(c->ld->emp_pool + row.key, f[1], kl);
	memcpy(c->ld->emp_pool + row.attrs, f[5], al);
	c->pool_len += kl + al;
	c->rows[c->n++] = row;
	return 0;
}

struct attr_ctx {
	graph_builder_t *b;
	const char *emp;
};

static int add_attribute(void *arg, const char *key, const char *val)
{
	struct attr_ctx *a = arg;

	return graph_builder_attribute(a->b, a->emp, key, val);
}

/* Employees and their attributes in one COPY, in id order. */
static int load_employees(struct load *ld)
{
	struct emp_copy c = { .ld = ld };
	int rc;

	rc = copy_rows(ld, "COPY (SELECT id, external_id, role_id, "
			   "coalesce(manager_id, 0), active, attributes::text "
			   "FROM employee ORDER BY id) TO STDOUT (FORMAT csv)",
		       "employee", employee_line, &c);
	if (rc)
		goto out;
	rc = -ENOMEM;
	ld->emps.ids = calloc(c.n ? c.n : 1, sizeof(*ld->emps.ids));
	ld->emp_key = calloc(c.n ? c.n : 1, sizeof(*ld->emp_key));
	if (!ld->emps.ids || !ld->emp_key)
		goto out;
	for (size_t i = 0; i < c.n; i++) {
		ld->emps.ids[i] = c.rows[i].id;
		ld->emp_key[i] = c.rows[i].key;
	}
	ld->emps.n = (uint32_t)c.n;
	rc = 0;
	for (size_t i = 0; i < c.n && !rc; i++) {
		const struct emp_row *e = &c.rows[i];
		struct attr_ctx a = { ld->b, ld->emp_pool + e->key };
		const char *manager = NULL;

		if (e->manager) {
			uint32_t m = idmap_find(&ld->emps, e->manager);

			if (m != GRAPH_NONE)
				manager = ld->emp_pool + ld->emp_key[m];
			else
				rc = -ENOENT;
		}
		if (!rc)
			rc = graph_builder_employee(
				ld->b, a.emp, key_of_id(ld, LOAD_ROLE, e->role),
				manager, e->active);
		if (!rc)
			rc = pgtext_object_each(ld->emp_pool + e->attrs,
						add_attribute, &a);
		if (rc)
			bad_row(ld, "employee", a.emp, rc);
	}
out:
	free(c.rows);
	return rc;
}

static int assessment_line(void *arg, char *line, size_t len)
{
	struct load *ld = arg;
	struct pgtext_assessment a;
	int rc = pgtext_assessment(line, len, &a);

	if (rc)
		return rc;
	/* rows come mostly grouped by employee: remember the last one */
	if (a.emp_id != ld->last_emp_id) {
		ld->last_emp_id = a.emp_id;
		ld->last_emp = idmap_find(&ld->emps, a.emp_id);
	}
	return graph_builder_assessment_idx(ld->b, ld->last_emp,
					    idmap_find(&ld->map[LOAD_COMP],
						       a.comp_id),
					    a.level, a.source, a.at_us);
}

static int completion_row(struct load *ld, PGresult *r, int i)
{
	uint32_t e = idmap_find(&ld->emps, strtoll(val(r, i, 0), NULL, 10));

	if (e == GRAPH_NONE)
		return -ENOENT;
	return graph_builder_completion(ld->b, ld->emp_pool + ld->emp_key[e],
					key_of(ld, LOAD_MODULE, val(r, i, 1)));
}

static int load_people(struct load *ld)
{
	static const struct load_step completions = {
		"module_completion",
		"SELECT employee_id, module_id FROM module_completion",
		completion_row, LOAD_NOT_KEPT, -1
	};
	int rc = load_employees(ld);

	if (rc)
		return rc;
	/* date_part() is float8 arithmetic where extract() is numeric and
	 * costs the backend about a second at 4 million rows; the float8
	 * product rounds to the same whole microseconds (µs since 1970 stay
	 * below 2^53). */
	rc = copy_rows(ld, "COPY (SELECT employee_id, competency_id, level, "
			   "source, "
			   "(date_part('epoch', assessed_at) * 1000000)::bigint "
			   "FROM assessment) TO STDOUT",
		       "assessment", assessment_line, ld);
	if (rc)
		return rc == -EIO ? rc : bad_row(ld, "assessment", NULL, rc);
	return run_step(ld, &completions);
}

/* ---- the transaction ---- */

int load_schema_version(PGconn *db, int *out)
{
	PGresult *r = PQexec(db, "SELECT coalesce(max(version), 0) "
				 "FROM schema_migration");
	int rc = -EIO;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		*out = atoi(PQgetvalue(r, 0, 0));
		rc = 0;
	}
	PQclear(r);
	return rc;
}

static int check_schema(struct load *ld)
{
	int have, want = load_expected_schema();

	if (load_schema_version(ld->db, &have)) {
		snprintf(ld->err, ld->errlen,
			 "database has no pathways schema: run pathwaysctl migrate");
		return -EPROTO;
	}
	if (have < want) {
		snprintf(ld->err, ld->errlen,
			 "database schema version %d is older than %d: run pathwaysctl migrate",
			 have, want);
		return -EPROTO;
	}
	return 0;
}

/* Opens the read transaction and returns the oldest transaction still
 * running when its snapshot was taken: every transaction below it is
 * finished, so a write committed with a lower id is in what we load.
 * Writers wait on it. */
static int begin_tx(struct load *ld, uint64_t *xmin)
{
	PGresult *r = query(ld, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");

	if (!r)
		return -EIO;
	PQclear(r);
	ld->in_tx = true;
	r = query(ld, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text");
	if (!r)
		return -EIO;
	*xmin = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

/* Commits when rc is 0 (and returns -EIO if that fails), else rolls back
 * (if BEGIN went through) and returns rc. */
static int end_tx(struct load *ld, int rc)
{
	PGresult *r;

	if (!ld->in_tx)
		return rc;
	ld->in_tx = false;
	r = PQexec(ld->db, rc ? "ROLLBACK" : "COMMIT");
	if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK) {
		set_err(ld, NULL, PQerrorMessage(ld->db));
		rc = -EIO;
	}
	PQclear(r);
	return rc;
}

static void load_free(struct load *ld)
{
	graph_builder_destroy(&ld->b);
	for (int t = 0; t < LOAD_KEPT_N; t++) {
		PQclear(ld->res[t]);
		free(ld->map[t].ids);
	}
	free(ld->emp_pool);
	free(ld->emp_key);
	free(ld->emps.ids);
}

int load_full(PGconn *db, uint64_t version, graph_t **out, char *err,
	      size_t errlen)
{
	struct load ld = { .db = db, .err = err, .errlen = errlen,
			   .last_emp_id = -1, .last_emp = GRAPH_NONE };
	uint64_t xmin = 0;
	int rc;

	err[0] = '\0';
	ld.b = graph_builder_new();
	if (!ld.b) {
		rc = -ENOMEM;
		goto out;
	}
	rc = begin_tx(&ld, &xmin);
	if (rc == 0)
		rc = check_schema(&ld);
	for (size_t i = 0; rc == 0 && i < sizeof(framework_steps) /
						sizeof(*framework_steps); i++)
		rc = run_step(&ld, &framework_steps[i]);
	if (rc == 0)
		rc = load_people(&ld);
	rc = end_tx(&ld, rc);
	if (rc == 0) {
		rc = graph_builder_finish(&ld.b, version, out);
		if (rc)
			snprintf(err, errlen, "building the snapshot: %s",
				 strerror(-rc));
		else
			(*out)->db_xmin = xmin;
	}
out:
	if (rc && !err[0])
		snprintf(err, errlen, "%s", strerror(-rc));
	load_free(&ld);
	return rc;
}

/* ---- deltas ---- */

/* ids as a PostgreSQL text[] literal; every element quoted and escaped */
static char *array_literal(char *const *ids, size_t n)
{
	size_t len = 3;
	char *out, *p;

	for (size_t i = 0; i < n; i++)
		len += 2 * strlen(ids[i]) + 3;
	out = malloc(len);
	if (!out)
		return NULL;
	p = out;
	*p++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		*p++ = '"';
		for (const char *c = ids[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

static int delta_employee_row(struct load *ld, PGresult *r, int i)
{
	return graph_builder_employee(ld->b, val(r, i, 0), val(r, i, 1),
				      val(r, i, 2), bval(r, i, 3));
}

static int delta_attribute_row(struct load *ld, PGresult *r, int i)
{
	return graph_builder_attribute(ld->b, val(r, i, 0), val(r, i, 1),
				       val(r, i, 2));
}

static int delta_assessment_row(struct load *ld, PGresult *r, int i)
{
	unsigned src;
	int rc = graph_source_parse(val(r, i, 3), &src);

	if (rc)
		return rc;
	return graph_builder_assessment(ld->b, val(r, i, 0), val(r, i, 1),
					uval(r, i, 2), src,
					strtoll(val(r, i, 4), NULL, 10));
}

static int delta_completion_row(struct load *ld, PGresult *r, int i)
{
	return graph_builder_completion(ld->b, val(r, i, 0), val(r, i, 1));
}

/* each with $1: the changed employees' external ids */
static const struct load_step delta_steps[] = {
	{ "employee",
	  "SELECT e.external_id, ro.key, coalesce(m.external_id, ''), e.active "
	  "FROM employee e JOIN role ro ON ro.id = e.role_id "
	  "LEFT JOIN employee m ON m.id = e.manager_id "
	  "WHERE e.external_id = ANY($1::text[])",
	  delta_employee_row, LOAD_NOT_KEPT, 0 },
	{ "employee attribute",
	  "SELECT e.external_id, kv.key, coalesce(kv.value, '') "
	  "FROM employee e, jsonb_each_text(e.attributes) kv "
	  "WHERE e.external_id = ANY($1::text[])",
	  delta_attribute_row, LOAD_NOT_KEPT, 0 },
	{ "assessment",
	  "SELECT e.external_id, c.key, a.level, a.source, "
	  "(date_part('epoch', a.assessed_at) * 1000000)::bigint "
	  "FROM assessment a JOIN employee e ON e.id = a.employee_id "
	  "JOIN competency c ON c.id = a.competency_id "
	  "WHERE e.external_id = ANY($1::text[])",
	  delta_assessment_row, LOAD_NOT_KEPT, 0 },
	{ "module_completion",
	  "SELECT e.external_id, m.key FROM module_completion mc "
	  "JOIN employee e ON e.id = mc.employee_id "
	  "JOIN module m ON m.id = mc.module_id "
	  "WHERE e.external_id = ANY($1::text[])",
	  delta_completion_row, LOAD_NOT_KEPT, 0 },
};

int load_delta(PGconn *db, const graph_t *base, char *const *ids, size_t n,
	       uint64_t version, graph_t **out, char *err, size_t errlen)
{
	struct load ld = { .db = db, .err = err, .errlen = errlen };
	char *arr = array_literal(ids, n);
	uint64_t xmin = 0;
	int rc;

	err[0] = '\0';
	ld.b = graph_builder_new_delta(base);
	if (!arr || !ld.b) {
		rc = -ENOMEM;
		goto out;
	}
	rc = begin_tx(&ld, &xmin);
	if (rc)
		goto rollback;
	ld.ids = arr;
	for (size_t i = 0; rc == 0 && i < sizeof(delta_steps) /
						sizeof(*delta_steps); i++)
		rc = run_step(&ld, &delta_steps[i]);
	ld.ids = NULL;
	if (rc == -ENOENT || rc == -EINVAL)
		snprintf(err, errlen,
			 "a changed employee names a role, competency or module the snapshot does not have");
rollback:
	rc = end_tx(&ld, rc);
	if (rc)
		goto out;
	rc = graph_builder_finish_delta(&ld.b, base, (const char *const *)ids,
					n, version, out);
	if (rc == 0)
		(*out)->db_xmin = xmin;
	else
		snprintf(err, errlen, "applying the delta: %s", strerror(-rc));
out:
	if (rc && !err[0])
		snprintf(err, errlen, "%s", strerror(-rc));
	load_free(&ld);
	free(arr);
	return rc;
}
