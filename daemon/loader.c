#include "loader.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "migrations.h"
#include "persist.h"

int loader_expected_schema(void)
{
	return sql_migrations_count
		       ? sql_migrations[sql_migrations_count - 1].version
		       : 0;
}

/* ---- one full load ---- */

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

struct load {
	PGconn *db;
	graph_builder_t *b;
	char *err;
	size_t errlen;
	struct idmap tracks, areas, comps, roles, modules, emps;
	/* keys by index, borrowed from the PGresults kept below */
	PGresult *res_tracks, *res_areas, *res_comps, *res_roles,
		*res_modules;
	/* employees: external ids, by index (a pool of NUL-terminated
	 * strings), read by COPY */
	char *emp_pool;
	size_t *emp_key;
	int64_t last_emp_id;		/* assessment rows: the last lookup */
	uint32_t last_emp;
};

static PGresult *query(struct load *ld, const char *sql)
{
	PGresult *r = PQexec(ld->db, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_COPY_OUT) {
		snprintf(ld->err, ld->errlen, "%s",
			 PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r)
						    : PQerrorMessage(ld->db));
		/* drop libpq's trailing newline */
		ld->err[strcspn(ld->err, "\n")] = '\0';
		PQclear(r);
		return NULL;
	}
	return r;
}

static int fill_idmap(struct load *ld, PGresult *r, struct idmap *m)
{
	int n = PQntuples(r);

	m->ids = calloc(n ? (size_t)n : 1, sizeof(*m->ids));
	if (!m->ids)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		m->ids[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	m->n = (uint32_t)n;
	return 0;
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

/* the key (column 1) of the row whose id (column 0) is id, or NULL */
static const char *key_of(PGresult *r, const struct idmap *m, const char *idtext)
{
	uint32_t i;

	if (!idtext)
		return NULL;
	i = idmap_find(m, strtoll(idtext, NULL, 10));
	return i == GRAPH_NONE ? NULL : PQgetvalue(r, (int)i, 1);
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

static int load_framework(struct load *ld)
{
	static const char *const track_kinds[] = { "ic", "management", "other" };
	static const char *const comp_kinds[] = { "core", "functional",
						  "leadership" };
	static const char *const move_kinds[] = { "", "promotion", "lateral",
						  "track_switch" };
	static const char *const module_kinds[] = { "course", "workshop",
						    "mentorship", "project" };
	PGresult *r;
	int rc = 0;

	r = query(ld, "SELECT key, value FROM framework_setting ORDER BY key");
	if (!r)
		return -EIO;
	for (int i = 0; i < PQntuples(r); i++)
		if (graph_builder_setting(ld->b, val(r, i, 0), val(r, i, 1)))
			log_warn("loader: setting %s = \"%s\" ignored (unknown key or bad value)",
				 val(r, i, 0), val(r, i, 1));
	PQclear(r);

	r = ld->res_tracks = query(ld, "SELECT id, key, name, kind FROM track ORDER BY id");
	if (!r || fill_idmap(ld, r, &ld->tracks))
		return -EIO;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		int k = kind_index(val(r, i, 3), track_kinds, 3);

		rc = graph_builder_track(ld->b, val(r, i, 1), val(r, i, 2),
					 (enum graph_track_kind)(k < 0 ? 2 : k));
		if (rc)
			return bad_row(ld, "track", val(r, i, 1), rc);
	}
	r = ld->res_areas = query(ld, "SELECT id, key, name FROM functional_area ORDER BY id");
	if (!r || fill_idmap(ld, r, &ld->areas))
		return -EIO;
	for (int i = 0; i < PQntuples(r); i++) {
		rc = graph_builder_area(ld->b, val(r, i, 1), val(r, i, 2));
		if (rc)
			return bad_row(ld, "functional_area", val(r, i, 1), rc);
	}
	r = ld->res_comps = query(ld, "SELECT id, key, name, kind, area_id FROM competency ORDER BY id");
	if (!r || fill_idmap(ld, r, &ld->comps))
		return -EIO;
	for (int i = 0; i < PQntuples(r); i++) {
		int k = kind_index(val(r, i, 3), comp_kinds, 3);

		rc = graph_builder_competency(
			ld->b, val(r, i, 1), val(r, i, 2), k < 0 ? 0 : (unsigned)k,
			key_of(ld->res_areas, &ld->areas, val(r, i, 4)));
		if (rc)
			return bad_row(ld, "competency", val(r, i, 1), rc);
	}
	r = ld->res_roles = query(ld,
		"SELECT id, key, title, track_id, grade, area_id, pay_min, pay_max "
		"FROM role ORDER BY id");
	if (!r || fill_idmap(ld, r, &ld->roles))
		return -EIO;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *pmin = val(r, i, 6), *pmax = val(r, i, 7);

		rc = graph_builder_role(
			ld->b, val(r, i, 1), val(r, i, 2),
			key_of(ld->res_tracks, &ld->tracks, val(r, i, 3)),
			uval(r, i, 4),
			key_of(ld->res_areas, &ld->areas, val(r, i, 5)),
			pmin ? strtod(pmin, NULL) : __builtin_nan(""),
			pmax ? strtod(pmax, NULL) : __builtin_nan(""));
		if (rc)
			return bad_row(ld, "role", val(r, i, 1), rc);
	}
	r = query(ld, "SELECT role_id, competency_id, level, weight, must_have "
		      "FROM role_requirement");
	if (!r)
		return -EIO;
	for (int i = 0; i < PQntuples(r) && !rc; i++)
		rc = graph_builder_requirement(
			ld->b, key_of(ld->res_roles, &ld->roles, val(r, i, 0)),
			key_of(ld->res_comps, &ld->comps, val(r, i, 1)),
			uval(r, i, 2), strtod(val(r, i, 3), NULL), bval(r, i, 4));
	PQclear(r);
	if (rc)
		return bad_row(ld, "role_requirement", NULL, rc);
	r = query(ld, "SELECT from_role_id, to_role_id, kind, "
		      "coalesce(typical_months, -1) FROM role_move");
	if (!r)
		return -EIO;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		int k = kind_index(val(r, i, 2), move_kinds, 4);
		int months = atoi(val(r, i, 3));

		rc = graph_builder_move(
			ld->b, key_of(ld->res_roles, &ld->roles, val(r, i, 0)),
			key_of(ld->res_roles, &ld->roles, val(r, i, 1)),
			(enum graph_move_kind)(k < 1 ? 1 : k),
			months < 0 ? UINT32_MAX : (unsigned)months);
	}
	PQclear(r);
	if (rc)
		return bad_row(ld, "role_move", NULL, rc);
	r = ld->res_modules = query(ld,
		"SELECT id, key, title, kind, hours, lms_ref FROM module ORDER BY id");
	if (!r || fill_idmap(ld, r, &ld->modules))
		return -EIO;
	for (int i = 0; i < PQntuples(r); i++) {
		int k = kind_index(val(r, i, 3), module_kinds, 4);

		rc = graph_builder_module(ld->b, val(r, i, 1), val(r, i, 2),
					  k < 0 ? 0 : (unsigned)k,
					  strtod(val(r, i, 4), NULL),
					  val(r, i, 5));
		if (rc)
			return bad_row(ld, "module", val(r, i, 1), rc);
	}
	r = query(ld, "SELECT module_id, competency_id, entry_level, level "
		      "FROM module_outcome");
	if (!r)
		return -EIO;
	for (int i = 0; i < PQntuples(r) && !rc; i++)
		rc = graph_builder_outcome(
			ld->b, key_of(ld->res_modules, &ld->modules, val(r, i, 0)),
			key_of(ld->res_comps, &ld->comps, val(r, i, 1)),
			uval(r, i, 2), uval(r, i, 3));
	PQclear(r);
	if (rc)
		return bad_row(ld, "module_outcome", NULL, rc);
	r = query(ld, "SELECT module_id, requires_id FROM module_prereq");
	if (!r)
		return -EIO;
	for (int i = 0; i < PQntuples(r) && !rc; i++)
		rc = graph_builder_prereq(
			ld->b, key_of(ld->res_modules, &ld->modules, val(r, i, 0)),
			key_of(ld->res_modules, &ld->modules, val(r, i, 1)));
	PQclear(r);
	if (rc)
		return bad_row(ld, "module_prereq", NULL, rc);
	return 0;
}

/* COPY text holds plain decimal integers: a digit loop is several times
 * cheaper than strtoll, and this runs four million times at scale. */
static int64_t parse_int(const char *p)
{
	int64_t v = 0;
	bool neg = *p == '-';

	if (neg)
		p++;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	return neg ? -v : v;
}

/* Parses one line of COPY text output: employee_id, competency_id, level,
 * source, epoch seconds. Our columns never need COPY's escapes. */
static int assessment_line(struct load *ld, char *line, size_t len)
{
	char *f[5], *p = line, *end = line + len;
	unsigned src;
	int64_t emp_id;
	int n = 0;

	while (n < 5) {
		f[n++] = p;
		p = memchr(p, n < 5 ? '\t' : '\n', (size_t)(end - p));
		if (!p) {
			if (n == 5)
				break;
			return -EPROTO;
		}
		*p++ = '\0';
	}
	/* the schema allows four sources: tell them by their first letter */
	switch (f[3][0]) {
	case 'm': src = GRAPH_SRC_MANAGER; break;
	case 's': src = GRAPH_SRC_SELF; break;
	case 'p': src = GRAPH_SRC_PEER; break;
	case 'c': src = GRAPH_SRC_CERTIFICATION; break;
	default: return -EPROTO;
	}
	/* rows come mostly grouped by employee: remember the last one */
	emp_id = parse_int(f[0]);
	if (emp_id != ld->last_emp_id) {
		ld->last_emp_id = emp_id;
		ld->last_emp = idmap_find(&ld->emps, emp_id);
	}
	return graph_builder_assessment_idx(
		ld->b, ld->last_emp, idmap_find(&ld->comps, parse_int(f[1])),
		(unsigned)parse_int(f[2]), src, parse_int(f[4]));
}

/* One row of COPY ... (FORMAT csv): splits line in place into at most n
 * fields (quotes removed, doubled quotes undone). Returns the count. */
static int csv_fields(char *line, size_t len, char **f, int n)
{
	char *p = line, *end = line + len, *w;
	int k = 0;

	if (len && end[-1] == '\n')
		end--;
	while (k < n) {
		f[k++] = w = p;
		if (p < end && *p == '"') {
			p++;
			for (;;) {
				if (p >= end)
					break;
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*w++ = *p++;
			}
		} else {
			while (p < end && *p != ',')
				*w++ = *p++;
		}
		if (p >= end || *p != ',') {
			*w = '\0';
			break;
		}
		*w = '\0';
		p++;
	}
	return k;
}

/* A JSON string at *p (after its opening quote), unescaped into out
 * (which has room: unescaping never grows the text); *p moves past the
 * closing quote. -EPROTO on malformed input. */
static int json_string(const char **pp, char *out)
{
	const char *p = *pp;

	for (;;) {
		unsigned char c = (unsigned char)*p++;

		if (c == '\0')
			return -EPROTO;
		if (c == '"')
			break;
		if (c != '\\') {
			*out++ = (char)c;
			continue;
		}
		c = (unsigned char)*p++;
		switch (c) {
		case '"': case '\\': case '/': *out++ = (char)c; break;
		case 'b': *out++ = '\b'; break;
		case 'f': *out++ = '\f'; break;
		case 'n': *out++ = '\n'; break;
		case 'r': *out++ = '\r'; break;
		case 't': *out++ = '\t'; break;
		case 'u': {
			unsigned cp = 0;

			for (int i = 0; i < 4; i++) {
				char h = *p++;

				cp <<= 4;
				if (h >= '0' && h <= '9')
					cp |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					cp |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					cp |= (unsigned)(h - 'A' + 10);
				else
					return -EPROTO;
			}
			if (cp >= 0xd800 && cp <= 0xdbff && p[0] == '\\' && p[1] == 'u') {
				unsigned lo = 0;

				for (int i = 2; i < 6; i++) {
					char h = p[i];

					lo <<= 4;
					if (h >= '0' && h <= '9')
						lo |= (unsigned)(h - '0');
					else if (h >= 'a' && h <= 'f')
						lo |= (unsigned)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F')
						lo |= (unsigned)(h - 'A' + 10);
					else
						return -EPROTO;
				}
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
			}
			/* a \u escape takes 6 bytes; its UTF-8 at most 4 */
			if (cp < 0x80) {
				*out++ = (char)cp;
			} else if (cp < 0x800) {
				*out++ = (char)(0xc0 | cp >> 6);
				*out++ = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				*out++ = (char)(0xe0 | cp >> 12);
				*out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*out++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*out++ = (char)(0xf0 | cp >> 18);
				*out++ = (char)(0x80 | ((cp >> 12) & 0x3f));
				*out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*out++ = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default:
			return -EPROTO;
		}
	}
	*out = '\0';
	*pp = p;
	return 0;
}

/* The attributes object (PostgreSQL's jsonb text) into the builder, as
 * jsonb_each_text() would give them: strings unquoted, null as "", any
 * other value as its JSON text. */
static int load_attributes(struct load *ld, const char *emp, const char *json)
{
	size_t len = strlen(json);
	char *key = malloc(len + 1), *val = malloc(len + 1);
	const char *p = json;
	int rc = -EPROTO;

	if (!key || !val) {
		rc = -ENOMEM;
		goto out;
	}
	while (*p == ' ')
		p++;
	if (*p++ != '{')
		goto out;
	for (;;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '}') {
			rc = 0;
			break;
		}
		if (*p++ != '"' || json_string(&p, key))
			goto out;
		while (*p == ' ')
			p++;
		if (*p++ != ':')
			goto out;
		while (*p == ' ')
			p++;
		if (*p == '"') {
			p++;
			if (json_string(&p, val))
				goto out;
		} else {
			/* a number, true/false/null, or a nested value: its
			 * text up to the next top-level ',' or '}' */
			const char *start = p;
			int depth = 0;
			bool in_str = false;

			for (; *p; p++) {
				if (in_str) {
					if (*p == '\\' && p[1])
						p++;
					else if (*p == '"')
						in_str = false;
				} else if (*p == '"') {
					in_str = true;
				} else if (*p == '{' || *p == '[') {
					depth++;
				} else if (*p == '}' || *p == ']') {
					if (depth == 0)
						break;
					depth--;
				} else if (*p == ',' && depth == 0) {
					break;
				}
			}
			if (!*p)
				goto out;
			memcpy(val, start, (size_t)(p - start));
			val[p - start] = '\0';
			if (strcmp(val, "null") == 0)
				val[0] = '\0';
		}
		rc = graph_builder_attribute(ld->b, emp, key, val);
		if (rc)
			goto out;
	}
out:
	free(key);
	free(val);
	return rc;
}

/* Employees and their attributes in one COPY, in id order. */
static int load_employees(struct load *ld)
{
	struct erow { int64_t id, role, manager; size_t key, attrs; bool active; };
	struct erow *rows = NULL;
	size_t n = 0, cap = 0, pool_len = 0, pool_cap = 0;
	char *line = NULL;
	PGresult *r;
	int rc = 0, got;

	r = query(ld, "COPY (SELECT id, external_id, role_id, "
		      "coalesce(manager_id, 0), active, attributes::text "
		      "FROM employee ORDER BY id) TO STDOUT (FORMAT csv)");
	if (!r)
		return -EIO;
	PQclear(r);
	while ((got = PQgetCopyData(ld->db, &line, 0)) > 0) {
		char *f[6];

		if (!rc && csv_fields(line, (size_t)got, f, 6) != 6)
			rc = -EPROTO;
		if (!rc && n == cap) {
			size_t nc = cap ? cap * 2 : 1024;
			struct erow *nr = realloc(rows, nc * sizeof(*rows));

			if (!nr)
				rc = -ENOMEM;
			else
				rows = nr, cap = nc;
		}
		if (!rc) {
			size_t kl = strlen(f[1]) + 1, al = strlen(f[5]) + 1;

			while (!rc && pool_len + kl + al > pool_cap) {
				size_t nc = pool_cap ? pool_cap * 2 : 65536;
				char *np = realloc(ld->emp_pool, nc);

				if (!np)
					rc = -ENOMEM;
				else
					ld->emp_pool = np, pool_cap = nc;
			}
			if (!rc) {
				rows[n] = (struct erow){ parse_int(f[0]), parse_int(f[2]),
							 parse_int(f[3]), pool_len,
							 pool_len + kl, f[4][0] == 't' };
				memcpy(ld->emp_pool + pool_len, f[1], kl);
				memcpy(ld->emp_pool + pool_len + kl, f[5], al);
				pool_len += kl + al;
				n++;
			}
		}
		PQfreemem(line);
	}
	r = PQgetResult(ld->db);
	if (got == -2 || PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(ld->err, ld->errlen, "COPY employee: %s",
			 PQerrorMessage(ld->db));
		ld->err[strcspn(ld->err, "\n")] = '\0';
		rc = -EIO;
	}
	PQclear(r);
	while ((r = PQgetResult(ld->db)))
		PQclear(r);
	if (rc)
		goto out;
	rc = -ENOMEM;
	ld->emps.ids = calloc(n ? n : 1, sizeof(*ld->emps.ids));
	ld->emp_key = calloc(n ? n : 1, sizeof(*ld->emp_key));
	if (!ld->emps.ids || !ld->emp_key)
		goto out;
	for (size_t i = 0; i < n; i++) {
		ld->emps.ids[i] = rows[i].id;
		ld->emp_key[i] = rows[i].key;
	}
	ld->emps.n = (uint32_t)n;
	rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *key = ld->emp_pool + rows[i].key;
		const char *manager = NULL;
		char idtext[24];

		if (rows[i].manager) {
			uint32_t m = idmap_find(&ld->emps, rows[i].manager);

			if (m == GRAPH_NONE) {
				rc = -ENOENT;
				break;
			}
			manager = ld->emp_pool + ld->emp_key[m];
		}
		snprintf(idtext, sizeof(idtext), "%lld", (long long)rows[i].role);
		rc = graph_builder_employee(ld->b, key,
					    key_of(ld->res_roles, &ld->roles, idtext),
					    manager, rows[i].active);
		if (!rc)
			rc = load_attributes(ld, key, ld->emp_pool + rows[i].attrs);
		if (rc)
			bad_row(ld, "employee", key, rc);
	}
out:
	free(rows);
	return rc;
}

static int load_people(struct load *ld)
{
	PGresult *r;
	char *line = NULL;
	int rc = 0, n;

	rc = load_employees(ld);
	if (rc)
		return rc;

	/* date_part() is float8 arithmetic where extract() is numeric and
	 * costs the backend about a second at 4 million rows; the float8
	 * product rounds to the same whole microseconds (µs since 1970 stay
	 * below 2^53). */
	r = query(ld, "COPY (SELECT employee_id, competency_id, level, source, "
		      "(date_part('epoch', assessed_at) * 1000000)::bigint "
		      "FROM assessment) "
		      "TO STDOUT");
	if (!r)
		return -EIO;
	PQclear(r);
	while ((n = PQgetCopyData(ld->db, &line, 0)) > 0) {
		if (!rc)
			rc = assessment_line(ld, line, (size_t)n);
		PQfreemem(line);
	}
	r = PQgetResult(ld->db);
	if (n == -2 || PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(ld->err, ld->errlen, "COPY assessment: %s",
			 PQerrorMessage(ld->db));
		ld->err[strcspn(ld->err, "\n")] = '\0';
		rc = -EIO;
	}
	PQclear(r);
	while ((r = PQgetResult(ld->db)))
		PQclear(r);
	if (rc)
		return rc == -EIO ? rc : bad_row(ld, "assessment", NULL, rc);

	r = query(ld, "SELECT employee_id, module_id FROM module_completion");
	if (!r)
		return -EIO;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		uint32_t e = idmap_find(&ld->emps, strtoll(val(r, i, 0), NULL, 10));
		const char *m = key_of(ld->res_modules, &ld->modules, val(r, i, 1));

		rc = e == GRAPH_NONE
			     ? -ENOENT
			     : graph_builder_completion(
				       ld->b, ld->emp_pool + ld->emp_key[e], m);
	}
	PQclear(r);
	if (rc)
		return bad_row(ld, "module_completion", NULL, rc);
	return 0;
}

static int check_schema(struct load *ld)
{
	PGresult *r = query(ld, "SELECT coalesce(max(version), 0) FROM schema_migration");
	int have, want = loader_expected_schema();

	if (!r) {
		snprintf(ld->err, ld->errlen,
			 "database has no pathways schema: run pathwaysctl migrate");
		return -EPROTO;
	}
	have = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (have < want) {
		snprintf(ld->err, ld->errlen,
			 "database schema version %d is older than %d: run pathwaysctl migrate",
			 have, want);
		return -EPROTO;
	}
	return 0;
}

/* The oldest transaction still running when this transaction's snapshot
 * was taken: every transaction below it is finished, so a write committed
 * with a lower id is in what we load. Writers wait on it. */
static int snapshot_xmin(struct load *ld, uint64_t *out)
{
	PGresult *r = query(ld, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text");

	if (!r)
		return -EIO;
	*out = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

int loader_load_full(PGconn *db, uint64_t version, graph_t **out, char *err,
		     size_t errlen)
{
	struct load ld = { .db = db, .err = err, .errlen = errlen,
			   .last_emp_id = -1, .last_emp = GRAPH_NONE };
	uint64_t xmin = 0;
	PGresult *r;
	int rc = -EIO;

	err[0] = '\0';
	ld.b = graph_builder_new();
	if (!ld.b)
		return -ENOMEM;
	r = query(&ld, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (!r)
		goto out;
	PQclear(r);
	rc = snapshot_xmin(&ld, &xmin);
	if (rc == 0)
		rc = check_schema(&ld);
	if (rc == 0)
		rc = load_framework(&ld);
	if (rc == 0)
		rc = load_people(&ld);
	r = PQexec(db, rc == 0 ? "COMMIT" : "ROLLBACK");
	if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "%s", PQerrorMessage(db));
		rc = -EIO;
	}
	PQclear(r);
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
	graph_builder_destroy(&ld.b);
	PQclear(ld.res_tracks);
	PQclear(ld.res_areas);
	PQclear(ld.res_comps);
	PQclear(ld.res_roles);
	PQclear(ld.res_modules);
	free(ld.emp_pool);
	free(ld.emp_key);
	free(ld.tracks.ids);
	free(ld.areas.ids);
	free(ld.comps.ids);
	free(ld.roles.ids);
	free(ld.modules.ids);
	free(ld.emps.ids);
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

static PGresult *query_ids(struct load *ld, const char *sql, const char *arr)
{
	const char *params[1] = { arr };
	PGresult *r = PQexecParams(ld->db, sql, 1, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(ld->err, ld->errlen, "%s", PQresultErrorMessage(r));
		ld->err[strcspn(ld->err, "\n")] = '\0';
		PQclear(r);
		return NULL;
	}
	return r;
}

int loader_load_delta(PGconn *db, const graph_t *base, char *const *ids,
		      size_t n, uint64_t version, graph_t **out, char *err,
		      size_t errlen)
{
	struct load ld = { .db = db, .err = err, .errlen = errlen };
	char *arr = array_literal(ids, n);
	uint64_t xmin = 0;
	PGresult *r = NULL;
	int rc = -EIO;

	err[0] = '\0';
	ld.b = graph_builder_new_delta(base);
	if (!arr || !ld.b) {
		rc = -ENOMEM;
		goto out;
	}
	r = query(&ld, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (!r)
		goto out;
	PQclear(r);
	if (snapshot_xmin(&ld, &xmin))
		goto rollback;
	r = query_ids(&ld,
		"SELECT e.external_id, ro.key, coalesce(m.external_id, ''), e.active "
		"FROM employee e JOIN role ro ON ro.id = e.role_id "
		"LEFT JOIN employee m ON m.id = e.manager_id "
		"WHERE e.external_id = ANY($1::text[])", arr);
	if (!r)
		goto rollback;
	rc = 0;
	for (int i = 0; i < PQntuples(r) && !rc; i++)
		rc = graph_builder_employee(ld.b, val(r, i, 0), val(r, i, 1),
					    val(r, i, 2), bval(r, i, 3));
	PQclear(r);
	if (rc)
		goto rollback;
	rc = -EIO;
	r = query_ids(&ld,
		"SELECT e.external_id, kv.key, coalesce(kv.value, '') "
		"FROM employee e, jsonb_each_text(e.attributes) kv "
		"WHERE e.external_id = ANY($1::text[])", arr);
	if (!r)
		goto rollback;
	rc = 0;
	for (int i = 0; i < PQntuples(r) && !rc; i++)
		rc = graph_builder_attribute(ld.b, val(r, i, 0), val(r, i, 1),
					     val(r, i, 2));
	PQclear(r);
	if (rc)
		goto rollback;
	rc = -EIO;
	r = query_ids(&ld,
		"SELECT e.external_id, c.key, a.level, a.source, "
		"(date_part('epoch', a.assessed_at) * 1000000)::bigint "
		"FROM assessment a JOIN employee e ON e.id = a.employee_id "
		"JOIN competency c ON c.id = a.competency_id "
		"WHERE e.external_id = ANY($1::text[])", arr);
	if (!r)
		goto rollback;
	rc = 0;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		unsigned src;

		rc = graph_source_parse(val(r, i, 3), &src);
		if (!rc)
			rc = graph_builder_assessment(ld.b, val(r, i, 0),
						      val(r, i, 1), uval(r, i, 2),
						      src, strtoll(val(r, i, 4), NULL, 10));
	}
	PQclear(r);
	if (rc)
		goto rollback;
	rc = -EIO;
	r = query_ids(&ld,
		"SELECT e.external_id, m.key FROM module_completion mc "
		"JOIN employee e ON e.id = mc.employee_id "
		"JOIN module m ON m.id = mc.module_id "
		"WHERE e.external_id = ANY($1::text[])", arr);
	if (!r)
		goto rollback;
	rc = 0;
	for (int i = 0; i < PQntuples(r) && !rc; i++)
		rc = graph_builder_completion(ld.b, val(r, i, 0), val(r, i, 1));
	PQclear(r);
	if (rc)
		goto rollback;
	r = PQexec(db, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "%s", PQerrorMessage(db));
		err[strcspn(err, "\n")] = '\0';
		PQclear(r);
		rc = -EIO;
		goto out;
	}
	PQclear(r);
	rc = graph_builder_finish_delta(&ld.b, base, (const char *const *)ids,
					n, version, out);
	if (rc == 0)
		(*out)->db_xmin = xmin;
	if (rc && !err[0])
		snprintf(err, errlen, "applying the delta: %s", strerror(-rc));
	goto out;
rollback:
	if (rc == -ENOENT || rc == -EINVAL)
		snprintf(err, errlen,
			 "a changed employee names a role, competency or module the snapshot does not have");
	PQclear(PQexec(db, "ROLLBACK"));
out:
	if (rc && !err[0])
		snprintf(err, errlen, "%s", strerror(-rc));
	graph_builder_destroy(&ld.b);
	free(arr);
	return rc;
}

/* ---- the thread ---- */

struct loader {
	struct graph_slot *slot;
	unsigned debounce_ms, reconnect_max_ms;
	pthread_t thread;
	bool started;
	int wake_fd;			/* eventfd: stop or reload asked */
	pthread_mutex_t lock;		/* guards the fields below */
	char *conninfo;
	char *snapshot_path;
	bool stop, reload;
	struct loader_stats stats;
	/* thread only: */
	uint64_t version;		/* last published */
	graph_t *last;			/* our reference to it */
	bool pending_full;
	char **pending;			/* employee ids awaiting a delta */
	size_t pending_n, pending_cap;
};

/* more changed employees than this in one batch: reload in full */
#define LOADER_MAX_DELTA_IDS 20000

int loader_new(const struct loader_options *opt, struct graph_slot *slot,
	       loader_t **out)
{
	loader_t *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->slot = slot;
	l->debounce_ms = opt->debounce_ms;
	l->reconnect_max_ms = opt->reconnect_max_ms ? opt->reconnect_max_ms : 30000;
	l->stats.schema_ok = true;	/* until a load says otherwise */
	l->conninfo = strdup(opt->conninfo ? opt->conninfo : "");
	if (opt->snapshot_path && !(l->snapshot_path = strdup(opt->snapshot_path))) {
		free(l->conninfo);
		free(l);
		return -ENOMEM;
	}
	l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!l->conninfo || l->wake_fd < 0 ||
	    pthread_mutex_init(&l->lock, NULL)) {
		if (l->wake_fd >= 0)
			close(l->wake_fd);
		free(l->conninfo);
		free(l->snapshot_path);
		free(l);
		return -ENOMEM;
	}
	*out = l;
	return 0;
}

static void wake(loader_t *l)
{
	uint64_t one = 1;

	if (write(l->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: the thread will wake */
	}
}

void loader_request_reload(loader_t *l, const char *conninfo)
{
	pthread_mutex_lock(&l->lock);
	if (conninfo && strcmp(conninfo, l->conninfo) != 0) {
		char *c = strdup(conninfo);

		if (c) {
			free(l->conninfo);
			l->conninfo = c;
		}
	}
	l->reload = true;
	pthread_mutex_unlock(&l->lock);
	wake(l);
}

void loader_get_stats(loader_t *l, struct loader_stats *out)
{
	pthread_mutex_lock(&l->lock);
	*out = l->stats;
	pthread_mutex_unlock(&l->lock);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to ms for the database socket (fd >= 0) or a wake-up.
 * Returns a bit set: 1 database readable, 2 woken. */
static int wait_for(loader_t *l, int fd, int ms)
{
	struct pollfd p[2] = { { l->wake_fd, POLLIN, 0 }, { fd, POLLIN, 0 } };
	int n = poll(p, fd >= 0 ? 2 : 1, ms), bits = 0;
	uint64_t v;

	if (n <= 0)
		return 0;
	if (p[0].revents & POLLIN) {
		if (read(l->wake_fd, &v, sizeof(v)) < 0) {
			/* spurious: nothing to drain */
		}
		bits |= 2;
	}
	if (fd >= 0 && p[1].revents)
		bits |= 1;
	return bits;
}

static bool should_stop(loader_t *l)
{
	bool s;

	pthread_mutex_lock(&l->lock);
	s = l->stop;
	pthread_mutex_unlock(&l->lock);
	return s;
}

static void set_connected(loader_t *l, bool up)
{
	pthread_mutex_lock(&l->lock);
	l->stats.connected = up;
	pthread_mutex_unlock(&l->lock);
}

static void clear_pending(loader_t *l)
{
	for (size_t i = 0; i < l->pending_n; i++)
		free(l->pending[i]);
	l->pending_n = 0;
	l->pending_full = false;
}

static void publish(loader_t *l, graph_t *g)
{
	l->version = g->version;
	graph_unref(&l->last);
	graph_ref(g);
	l->last = g;
	graph_slot_publish(l->slot, g);
}

static int schema_version_of(PGconn *db)
{
	PGresult *r = PQexec(db, "SELECT coalesce(max(version), 0) FROM schema_migration");
	int v = 0;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static int full_reload(loader_t *l, PGconn *db)
{
	char err[512];
	graph_t *g = NULL;
	int64_t t0 = now_ms();
	int rc = loader_load_full(db, l->version + 1, &g, err, sizeof(err));
	int schema = schema_version_of(db);

	pthread_mutex_lock(&l->lock);
	l->stats.schema_version = schema;
	if (rc) {
		l->stats.reload_failures++;
		l->stats.schema_ok = rc != -EPROTO;
	} else {
		l->stats.reloads++;
		l->stats.schema_ok = true;
	}
	pthread_mutex_unlock(&l->lock);
	if (rc) {
		log_err("loader: load failed (%s); the last snapshot stays", err);
		return rc;
	}
	log_info("loader: snapshot %llu loaded in %lld ms: %u roles, %u employees, %llu assessments",
		 (unsigned long long)g->version, (long long)(now_ms() - t0),
		 g->roles_n, g->emps_n, (unsigned long long)g->assessments_n);
	publish(l, g);
	if (l->snapshot_path) {
		int64_t t1 = now_ms();

		if (persist_save(g, schema, l->snapshot_path, err, sizeof(err)))
			log_warn("loader: snapshot not saved (%s)", err);
		else
			log_info("loader: snapshot %llu saved to %s in %lld ms",
				 (unsigned long long)g->version, l->snapshot_path,
				 (long long)(now_ms() - t1));
	}
	return 0;
}

/* The snapshot saved by an earlier run, if any: served until the database
 * answers, so a restart does not wait for it. */
static void load_saved(loader_t *l)
{
	char err[512];
	graph_t *g = NULL;
	int64_t t0 = now_ms();
	int rc;

	if (!l->snapshot_path)
		return;
	rc = persist_load(l->snapshot_path, loader_expected_schema(), &g, err,
			  sizeof(err));
	if (rc == -ENOENT) {
		log_info("loader: no saved snapshot at %s yet", l->snapshot_path);
		return;
	}
	if (rc) {
		log_warn("loader: saved snapshot rejected (%s)", err);
		return;
	}
	log_notice("loader: serving saved snapshot %llu from %s (read in %lld ms) until the database answers",
		   (unsigned long long)g->version, l->snapshot_path,
		   (long long)(now_ms() - t0));
	publish(l, g);
}

/* Applies the pending employee changes; falls back to a full reload. */
static int apply_pending(loader_t *l, PGconn *db)
{
	char err[512];
	graph_t *g = NULL;
	int64_t t0 = now_ms();
	int rc;

	if (l->pending_full || !l->last || l->pending_n > LOADER_MAX_DELTA_IDS) {
		clear_pending(l);
		return full_reload(l, db);
	}
	rc = loader_load_delta(db, l->last, l->pending, l->pending_n,
			       l->version + 1, &g, err, sizeof(err));
	if (rc == -E2BIG || rc == -ENOENT || rc == -EINVAL) {
		log_info("loader: %s; reloading in full", rc == -E2BIG
			 ? "many deltas since the last full load" : err);
		clear_pending(l);
		return full_reload(l, db);
	}
	if (rc) {
		pthread_mutex_lock(&l->lock);
		l->stats.reload_failures++;
		pthread_mutex_unlock(&l->lock);
		log_err("loader: delta failed (%s)", err);
		return rc;	/* pending kept: retried after a reconnect */
	}
	pthread_mutex_lock(&l->lock);
	l->stats.deltas++;
	pthread_mutex_unlock(&l->lock);
	log_debug("loader: snapshot %llu: %zu employees changed, applied in %lld ms",
		  (unsigned long long)g->version, l->pending_n,
		  (long long)(now_ms() - t0));
	clear_pending(l);
	publish(l, g);
	return 0;
}

static int listen_changes(PGconn *db)
{
	PGresult *r = PQexec(db, "LISTEN pathways_changed");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -EIO;

	PQclear(r);
	return rc;
}

static void add_pending(loader_t *l, const char *id, size_t len)
{
	char *copy;

	if (l->pending_full || len == 0)
		return;
	if (l->pending_n == l->pending_cap) {
		size_t cap = l->pending_cap ? l->pending_cap * 2 : 64;
		char **np = realloc(l->pending, cap * sizeof(*np));

		if (!np) {
			l->pending_full = true;	/* cannot track: reload all */
			return;
		}
		l->pending = np;
		l->pending_cap = cap;
	}
	copy = strndup(id, len);
	if (!copy) {
		l->pending_full = true;
		return;
	}
	/* duplicates are harmless (the delta reads each employee once) but
	 * a burst on one employee should not grow the list */
	for (size_t i = l->pending_n; i > 0 && i + 16 > l->pending_n; i--)
		if (strcmp(l->pending[i - 1], copy) == 0) {
			free(copy);
			return;
		}
	l->pending[l->pending_n++] = copy;
}

/* Drains pending notifications into l's pending set; true if any. */
static bool drain_notifications(loader_t *l, PGconn *db)
{
	PGnotify *n;
	bool any = false;

	while ((n = PQnotifies(db))) {
		const char *p = n->extra;

		any = true;
		if (strncmp(p, "emp\n", 4) == 0) {
			p += 4;
			while (*p) {
				size_t len = strcspn(p, "\n");

				add_pending(l, p, len);
				p += len;
				if (*p)
					p++;
			}
		} else {
			/* "framework", "bulk", or anything unknown */
			l->pending_full = true;
		}
		PQfreemem(n);
	}
	if (l->pending_n > LOADER_MAX_DELTA_IDS)
		l->pending_full = true;
	return any;
}

static void *loader_main(void *arg)
{
	loader_t *l = arg;
	PGconn *db = NULL;
	unsigned backoff = 100;
	bool need_full = true;
	int64_t pending_since = -1, last_apply = 0;

	load_saved(l);
	while (!should_stop(l)) {
		char *conninfo;
		bool reload;
		int bits, timeout = -1;

		pthread_mutex_lock(&l->lock);
		reload = l->reload;
		l->reload = false;
		conninfo = reload || !db ? strdup(l->conninfo) : NULL;
		pthread_mutex_unlock(&l->lock);
		if (reload) {
			need_full = true;
			/* SIGHUP may have changed the database: reconnect */
			PQfinish(db);
			db = NULL;
		}
		if (!db) {
			db = conninfo ? PQconnectdb(conninfo) : NULL;
			if (!db || PQstatus(db) != CONNECTION_OK ||
			    listen_changes(db)) {
				char msg[256];

				snprintf(msg, sizeof(msg), "%s",
					 db ? PQerrorMessage(db) : "out of memory");
				msg[strcspn(msg, "\n")] = '\0';
				PQfinish(db);
				db = NULL;
				set_connected(l, false);
				log_warn("db: connect failed (%s), retry in %u ms",
					 msg, backoff);
				free(conninfo);
				wait_for(l, -1, (int)backoff);
				backoff = backoff * 2 > l->reconnect_max_ms
						  ? l->reconnect_max_ms
						  : backoff * 2;
				continue;
			}
			log_info("db: connected");
			set_connected(l, true);
			backoff = 100;
			/* notifications sent while we were away are lost */
			need_full = true;
		}
		free(conninfo);
		if (need_full) {
			int rc;

			clear_pending(l);
			rc = full_reload(l, db);
			need_full = false;
			pending_since = -1;
			if (rc == -EIO && PQstatus(db) != CONNECTION_OK) {
				PQfinish(db);
				db = NULL;
				set_connected(l, false);
				continue;
			}
		}
		if (pending_since >= 0) {
			int64_t left = pending_since + l->debounce_ms - now_ms();

			timeout = left > 0 ? (int)left : 0;
		}
		bits = wait_for(l, PQsocket(db), timeout);
		if (bits & 1) {
			if (!PQconsumeInput(db) || PQstatus(db) != CONNECTION_OK) {
				char msg[256];

				snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db));
				msg[strcspn(msg, "\n")] = '\0';
				log_warn("db: connection lost (%s); serving the last snapshot",
					 msg);
				PQfinish(db);
				db = NULL;
				set_connected(l, false);
				continue;
			}
			if (drain_notifications(l, db) && pending_since < 0) {
				/* the first change after a quiet spell goes at
				 * once; a burst right behind it is coalesced */
				pending_since = now_ms();
				if (pending_since - last_apply >= l->debounce_ms)
					pending_since -= l->debounce_ms;
			}
		}
		if (pending_since >= 0 &&
		    now_ms() >= pending_since + l->debounce_ms) {
			int rc = apply_pending(l, db);

			pending_since = -1;
			last_apply = now_ms();
			if (rc && PQstatus(db) != CONNECTION_OK) {
				PQfinish(db);
				db = NULL;
				set_connected(l, false);
			}
		}
	}
	PQfinish(db);
	return NULL;
}

int loader_start(loader_t *l)
{
	int rc = pthread_create(&l->thread, NULL, loader_main, l);

	if (rc)
		return -rc;
	l->started = true;
	return 0;
}

void loader_destroy(loader_t **lp)
{
	loader_t *l = *lp;

	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_mutex_unlock(&l->lock);
	wake(l);
	if (l->started)
		pthread_join(l->thread, NULL);
	clear_pending(l);
	free(l->pending);
	graph_unref(&l->last);
	free(l->snapshot_path);
	close(l->wake_fd);
	pthread_mutex_destroy(&l->lock);
	free(l->conninfo);
	free(l);
	*lp = NULL;
}
