/* bundle: imports a framework bundle (see bundle.h).
 *
 * Each file is read once, as a stream. Framework files are small: each row
 * is validated, its keys resolved through in-memory maps (key -> id, loaded
 * from the database at the start and completed as rows are upserted) and
 * upserted by a prepared statement, so a database error names its line.
 * Employees, assessments and completions can be millions of rows: they are
 * validated and resolved the same way, then COPYed into a temporary
 * staging table that keeps each row's line, and moved into place by one
 * INSERT ... SELECT ... ON CONFLICT. When that statement fails, a
 * bisection over line ranges (each probe inside a savepoint) finds the
 * first line that makes it fail, so the error still reads file:line.
 *
 * Everything happens in one transaction; any error rolls it back.
 */
#include "bundle.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bundle_files.h"
#include "csv.h"
#include "migrate.h"

/* pg_advisory_xact_lock key of imports: "pathimpo" in ASCII. */
#define IMP_LOCK_KEY "8098983375054007663"
#define IMP_KEY_MAX 256
#define IMP_ERRMSG 1024

/* ---------------------------------------------------------------------- */
/* string arena and hash map */

struct imp_chunk {
	struct imp_chunk *next;
	size_t used, cap;
	char data[];
};

struct imp_arena {
	struct imp_chunk *head;
};

static char *imp_arena_dup(struct imp_arena *a, const char *s, size_t n)
{
	struct imp_chunk *ch = a->head;
	char *p;

	if (!ch || ch->cap - ch->used < n + 1) {
		size_t cap = n + 1 > ((size_t)1 << 20) ? n + 1
						       : ((size_t)1 << 20);

		ch = malloc(sizeof(*ch) + cap);
		if (!ch)
			return NULL;
		ch->used = 0;
		ch->cap = cap;
		ch->next = a->head;
		a->head = ch;
	}
	p = ch->data + ch->used;
	memcpy(p, s, n);
	p[n] = '\0';
	ch->used += n + 1;
	return p;
}

static void imp_arena_free(struct imp_arena *a)
{
	while (a->head) {
		struct imp_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}

struct imp_slot {
	const char *key;	/* NULL: free */
	uint64_t hash;
	int64_t val;
};

/* A map from strings (copied into its arena) to int64. */
struct imp_map {
	struct imp_slot *slots;
	size_t cap, n;
	struct imp_arena arena;
};

static uint64_t imp_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

static struct imp_slot *imp_map_find(const struct imp_map *m, const char *key,
				     uint64_t h)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct imp_slot *s = &m->slots[i];

		if (!s->key || (s->hash == h && !strcmp(s->key, key)))
			return s;
	}
}

static int imp_map_grow(struct imp_map *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64;
	struct imp_slot *old = m->slots, *slots;

	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!old[i].key)
			continue;
		for (j = old[i].hash & (cap - 1); slots[j].key;
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = old[i];
	}
	m->cap = cap;
	free(old);
	return 0;
}

/* Finds KEY, adding it with VAL when absent: *out is its slot (valid until
 * the next insertion), *existed says which. */
static int imp_map_put(struct imp_map *m, const char *key, int64_t val,
		       struct imp_slot **out, bool *existed)
{
	uint64_t h = imp_hash(key);
	struct imp_slot *s;

	if ((m->n + 1) * 4 > m->cap * 3 && imp_map_grow(m) < 0)
		return -ENOMEM;
	s = imp_map_find(m, key, h);
	if (s->key) {
		*existed = true;
		*out = s;
		return 0;
	}
	s->key = imp_arena_dup(&m->arena, key, strlen(key));
	if (!s->key)
		return -ENOMEM;
	s->hash = h;
	s->val = val;
	m->n++;
	*existed = false;
	*out = s;
	return 0;
}

static int64_t *imp_map_get(const struct imp_map *m, const char *key)
{
	struct imp_slot *s = imp_map_find(m, key, imp_hash(key));

	return s && s->key ? &s->val : NULL;
}

static void imp_map_free(struct imp_map *m)
{
	free(m->slots);
	imp_arena_free(&m->arena);
	memset(m, 0, sizeof(*m));
}

struct imp_ivec {
	int32_t *v;
	size_t n, cap;
};

static int imp_ivec_push(struct imp_ivec *iv, int32_t x)
{
	if (iv->n == iv->cap) {
		size_t cap = iv->cap ? 2 * iv->cap : 256;
		int32_t *v = realloc(iv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		iv->v = v;
		iv->cap = cap;
	}
	iv->v[iv->n++] = x;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* the files */

/* Tables with a text key and a serial id. */
enum imp_ent {
	ENT_TRACK,
	ENT_AREA,
	ENT_COMPETENCY,
	ENT_ROLE,
	ENT_MODULE,
	ENT_COUNT
};

static const struct {
	const char *what;	/* in messages */
	enum bundle_file file;
	const char *load;	/* key, id of every row */
	const char *lookup;	/* id of key $1 */
} imp_ents[ENT_COUNT] = {
	[ENT_TRACK] = { "track", BUNDLE_F_TRACKS,
			"COPY (SELECT key, id FROM track) TO STDOUT",
			"SELECT id FROM track WHERE key = $1" },
	[ENT_AREA] = { "area", BUNDLE_F_AREAS,
		       "COPY (SELECT key, id FROM functional_area) TO STDOUT",
		       "SELECT id FROM functional_area WHERE key = $1" },
	[ENT_COMPETENCY] = { "competency", BUNDLE_F_COMPETENCIES,
			     "COPY (SELECT key, id FROM competency) TO STDOUT",
			     "SELECT id FROM competency WHERE key = $1" },
	[ENT_ROLE] = { "role", BUNDLE_F_ROLES,
		       "COPY (SELECT key, id FROM role) TO STDOUT",
		       "SELECT id FROM role WHERE key = $1" },
	[ENT_MODULE] = { "module", BUNDLE_F_MODULES,
			 "COPY (SELECT key, id FROM module) TO STDOUT",
			 "SELECT id FROM module WHERE key = $1" },
};

/* Link files: the pairs the bundle names, for --replace. */
enum imp_link {
	LINK_REQUIREMENTS,
	LINK_MOVES,
	LINK_OUTCOMES,
	LINK_PREREQS,
	LINK_COUNT
};

struct imp {
	PGconn *db;
	const char *dir;
	bool replace;
	char *err;
	size_t errlen;

	bool present[BUNDLE_F_COUNT];
	size_t rows[BUNDLE_F_COUNT];
	enum bundle_file cur;		/* the file being read */
	const struct csv_column *cols;	/* its columns */
	bool prepared[BUNDLE_F_COUNT];

	struct imp_map ids[ENT_COUNT];	/* key -> id: database and bundle */
	struct imp_map seen[ENT_COUNT];	/* key -> line: named by the bundle */
	struct imp_ivec kept[ENT_COUNT];	/* ids named by the bundle */
	struct imp_ivec link_a[LINK_COUNT], link_b[LINK_COUNT];
	struct imp_map emp;		/* employee external id -> id */
	bool emp_loaded;
	char settings_kept[512];	/* array literal of settings kept */
};

/* ---------------------------------------------------------------------- */
/* messages */

static int imp_fail(struct imp *im, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int imp_rowfail(struct imp *im, const csv_t *c, long col,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int imp_fail(struct imp *im, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(im->err, im->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* "file:line: column: what" for the current row; COL < 0: no column. */
static int imp_rowfail(struct imp *im, const csv_t *c, long col,
		       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (col >= 0)
		n = snprintf(im->err, im->errlen, "%s:%zu: %s: ", csv_name(c),
			     csv_line(c), im->cols[col].name);
	else
		n = snprintf(im->err, im->errlen, "%s:%zu: ", csv_name(c),
			     csv_line(c));
	if (n < 0 || (size_t)n >= im->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(im->err + n, im->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The database's message for RES (or the connection's): primary message,
 * then the detail in parentheses. */
static void imp_dbmsg(struct imp *im, const PGresult *res, char *buf,
		      size_t len)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			      : NULL;
	const char *detail = res ? PQresultErrorField(res,
						      PG_DIAG_MESSAGE_DETAIL)
				 : NULL;
	size_t n;

	if (!msg)
		msg = PQerrorMessage(im->db);
	if (!msg || !*msg)
		msg = "unknown database error";
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	snprintf(buf, len, "%.*s%s%s%s", (int)n, msg, detail ? " (" : "",
		 detail ? detail : "", detail ? ")" : "");
}

static int imp_dbfail(struct imp *im, const PGresult *res, const char *what)
{
	char msg[IMP_ERRMSG];

	imp_dbmsg(im, res, msg, sizeof(msg));
	return imp_fail(im, -EIO, "%s: %s", what, msg);
}

/* Runs SQL with text PARAMS; 0 and *out (if OUT) on success, else -EIO with
 * "WHAT: message". */
static int imp_exec(struct imp *im, const char *sql, int n,
		    const char *const *params, PGresult **out, const char *what)
{
	PGresult *res;
	ExecStatusType st;

	if (n)
		res = PQexecParams(im->db, sql, n, NULL, params, NULL, NULL, 0);
	else
		res = PQexec(im->db, sql);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		imp_dbfail(im, res, what);
		PQclear(res);
		return -EIO;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* COPY: rows out of the database, rows into staging tables */

typedef int (*imp_row_fn)(struct imp *im, char **f, size_t n, void *arg);

size_t bundle_copy_split(char *row, char **f, size_t max)
{
	size_t n = 0;
	char *p = row;

	for (;;) {
		char *start = p, *o = p;
		bool null = p[0] == '\\' && p[1] == 'N' &&
			    (p[2] == '\t' || p[2] == '\0');

		if (null)
			p += 2;
		while (!null && *p && *p != '\t') {
			if (*p == '\\' && p[1]) {
				p++;
				switch (*p) {
				case 'b': *o++ = '\b'; break;
				case 'f': *o++ = '\f'; break;
				case 'n': *o++ = '\n'; break;
				case 'r': *o++ = '\r'; break;
				case 't': *o++ = '\t'; break;
				case 'v': *o++ = '\v'; break;
				default: *o++ = *p; break;
				}
				p++;
			} else {
				*o++ = *p++;
			}
		}
		bool last = !*p;

		if (!null)
			*o = '\0';
		if (n < max)
			f[n++] = null ? NULL : start;
		if (last)
			return n;
		p++;
	}
}

/* Runs "COPY (...) TO STDOUT" (SQL is a constant) and calls FN per row. */
static int imp_copy_out(struct imp *im, const char *sql, imp_row_fn fn,
			void *arg, const char *what)
{
	PGresult *res = PQexec(im->db, sql);
	char *buf = NULL, *f[8];
	int rc = 0, len;

	if (!res || PQresultStatus(res) != PGRES_COPY_OUT) {
		imp_dbfail(im, res, what);
		PQclear(res);
		return -EIO;
	}
	PQclear(res);
	while ((len = PQgetCopyData(im->db, &buf, 0)) > 0) {
		size_t n;

		if (rc == 0) {
			if (buf[len - 1] == '\n')
				buf[len - 1] = '\0';
			n = bundle_copy_split(buf, f, 8);
			rc = fn(im, f, n, arg);
		}
		PQfreemem(buf);
		buf = NULL;
	}
	while ((res = PQgetResult(im->db))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0)
			rc = imp_dbfail(im, res, what);
		PQclear(res);
	}
	if (len == -2 && rc == 0)
		rc = imp_dbfail(im, NULL, what);
	return rc;
}

struct imp_copy {
	char *buf;
	size_t len, cap;
	bool open;
	bool first;	/* no field in the current row yet */
};

static int imp_copy_begin(struct imp *im, struct imp_copy *cp,
			  const char *sql, const char *what)
{
	PGresult *res;

	cp->cap = (size_t)1 << 18;
	cp->buf = malloc(cp->cap);
	cp->len = 0;
	cp->first = true;
	if (!cp->buf)
		return imp_fail(im, -ENOMEM, "out of memory");
	res = PQexec(im->db, sql);
	if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
		imp_dbfail(im, res, what);
		PQclear(res);
		free(cp->buf);
		cp->buf = NULL;
		return -EIO;
	}
	PQclear(res);
	cp->open = true;
	return 0;
}

static int imp_copy_flush(struct imp *im, struct imp_copy *cp)
{
	if (cp->len && PQputCopyData(im->db, cp->buf, (int)cp->len) != 1)
		return imp_dbfail(im, NULL, "COPY");
	cp->len = 0;
	return 0;
}

static int imp_copy_reserve(struct imp *im, struct imp_copy *cp, size_t n)
{
	char *p;
	size_t cap;

	if (cp->len + n <= cp->cap)
		return 0;
	if (imp_copy_flush(im, cp) < 0)
		return -EIO;
	if (n <= cp->cap)
		return 0;
	for (cap = cp->cap; cap < n; cap *= 2)
		;
	p = realloc(cp->buf, cap);
	if (!p)
		return imp_fail(im, -ENOMEM, "out of memory");
	cp->buf = p;
	cp->cap = cap;
	return 0;
}

/* Appends a field (S NULL: SQL NULL), escaped for COPY's text format. */
static int imp_copy_field(struct imp *im, struct imp_copy *cp, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	/* worst case: every byte escaped, plus the tab */
	if (imp_copy_reserve(im, cp, 2 * n + 4) < 0)
		return -EIO;
	if (!cp->first)
		cp->buf[cp->len++] = '\t';
	cp->first = false;
	if (!s) {
		memcpy(cp->buf + cp->len, "\\N", 2);
		cp->len += 2;
		return 0;
	}
	for (; *s; s++) {
		char e = 0;

		switch (*s) {
		case '\\': e = '\\'; break;
		case '\t': e = 't'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		}
		if (e) {
			cp->buf[cp->len++] = '\\';
			cp->buf[cp->len++] = e;
		} else {
			cp->buf[cp->len++] = *s;
		}
	}
	return 0;
}

static int imp_copy_int(struct imp *im, struct imp_copy *cp, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	return imp_copy_field(im, cp, buf);
}

static int imp_copy_row_end(struct imp *im, struct imp_copy *cp)
{
	if (imp_copy_reserve(im, cp, 1) < 0)
		return -EIO;
	cp->buf[cp->len++] = '\n';
	cp->first = true;
	if (cp->len >= cp->cap / 2)
		return imp_copy_flush(im, cp);
	return 0;
}

/* Ends the COPY: sent when OK, else aborted (the error is already set). */
static int imp_copy_end(struct imp *im, struct imp_copy *cp, bool ok,
			const char *what)
{
	PGresult *res;
	int rc = 0;

	if (!cp->open)
		goto out;
	cp->open = false;
	if (ok && imp_copy_flush(im, cp) < 0) {
		ok = false;
		rc = -EIO;
	}
	if (PQputCopyEnd(im->db, ok ? NULL : "import aborted") != 1 && ok)
		rc = imp_dbfail(im, NULL, what);
	while ((res = PQgetResult(im->db))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && ok && rc == 0)
			rc = imp_dbfail(im, res, what);
		PQclear(res);
	}
out:
	free(cp->buf);
	cp->buf = NULL;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* field validation: each returns 1 (a value), 0 (empty field) or -EINVAL */

static int imp_next(struct imp *im, csv_t *c)
{
	int rc = csv_next(c, im->err, im->errlen);

	if (rc == 1)
		im->rows[im->cur]++;
	return rc;
}

static const char *imp_q(const char *s, char *buf, size_t len)
{
	csv_quote(s, buf, len);
	return buf;
}

/* A key: non-empty, at most IMP_KEY_MAX bytes, no control characters, no
 * spaces at either end. */
static int imp_key(struct imp *im, const csv_t *c, size_t col,
		   const char **out)
{
	const char *s = csv_get(c, col);
	size_t n = strlen(s);
	char q[96];

	if (!n)
		return imp_rowfail(im, c, (long)col, "required");
	if (n > IMP_KEY_MAX)
		return imp_rowfail(im, c, (long)col, "longer than %d bytes",
				   IMP_KEY_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return imp_rowfail(im, c, (long)col,
					   "control character in \"%s\"",
					   imp_q(s, q, sizeof(q)));
	if (s[0] == ' ' || s[n - 1] == ' ')
		return imp_rowfail(im, c, (long)col, "\"%s\" begins or ends "
				   "with a space", imp_q(s, q, sizeof(q)));
	*out = s;
	return 1;
}

static int imp_int(struct imp *im, const csv_t *c, size_t col, long long lo,
		   long long hi, bool required, long long *out)
{
	const char *s = csv_get(c, col);
	long long v;
	char q[96];

	if (!*s) {
		if (required)
			return imp_rowfail(im, c, (long)col,
					   "required (a whole number from %lld "
					   "to %lld)", lo, hi);
		return 0;
	}
	if (csv_parse_int(s, &v) < 0)
		return imp_rowfail(im, c, (long)col, "expected a whole number "
				   "from %lld to %lld, got \"%s\"", lo, hi,
				   imp_q(s, q, sizeof(q)));
	if (v < lo || v > hi)
		return imp_rowfail(im, c, (long)col, "must be %lld-%lld, got "
				   "%lld", lo, hi, v);
	*out = v;
	return 1;
}

/* A number in [lo, hi] (above lo when LO_OPEN); WHAT describes the range. */
static int imp_num(struct imp *im, const csv_t *c, size_t col, double lo,
		   bool lo_open, double hi, const char *what, bool required,
		   double *out)
{
	const char *s = csv_get(c, col);
	double v;
	char q[96];

	if (!*s) {
		if (required)
			return imp_rowfail(im, c, (long)col, "required (%s)",
					   what);
		return 0;
	}
	if (csv_parse_double(s, &v) < 0 || v < lo || (lo_open && v == lo) ||
	    v > hi)
		return imp_rowfail(im, c, (long)col, "expected %s, got \"%s\"",
				   what, imp_q(s, q, sizeof(q)));
	*out = v;
	return 1;
}

static int imp_bool(struct imp *im, const csv_t *c, size_t col, bool *out)
{
	const char *s = csv_get(c, col);
	char q[96];

	if (!*s)
		return 0;
	if (csv_parse_bool(s, out) < 0)
		return imp_rowfail(im, c, (long)col, "expected true or false, "
				   "got \"%s\"", imp_q(s, q, sizeof(q)));
	return 1;
}

/* One of VALS (NULL-terminated), exactly. */
static int imp_enum(struct imp *im, const csv_t *c, size_t col,
		    const char *const *vals, bool required)
{
	const char *s = csv_get(c, col);
	char list[160] = "", q[96];
	size_t o = 0;

	if (!*s && !required)
		return 0;
	for (size_t i = 0; vals[i]; i++)
		if (!strcmp(s, vals[i]))
			return 1;
	for (size_t i = 0; vals[i] && o < sizeof(list); i++) {
		int n = snprintf(list + o, sizeof(list) - o, "%s%s",
				 i ? ", " : "", vals[i]);
		if (n < 0)
			break;
		o += (size_t)n;
	}
	if (!*s)
		return imp_rowfail(im, c, (long)col, "required (one of %s)",
				   list);
	return imp_rowfail(im, c, (long)col, "must be one of %s, got \"%s\"",
			   list, imp_q(s, q, sizeof(q)));
}

static int imp_timestamp(struct imp *im, const csv_t *c, size_t col,
			 char *buf, size_t len)
{
	const char *s = csv_get(c, col);
	int64_t us;
	char q[96];

	if (!*s)
		return imp_rowfail(im, c, (long)col, "required (an ISO 8601 "
				   "timestamp)");
	if (csv_parse_timestamp(s, &us) < 0)
		return imp_rowfail(im, c, (long)col, "not an ISO 8601 "
				   "timestamp (like 2024-03-01T09:30:00Z), got "
				   "\"%s\"",
				   imp_q(s, q, sizeof(q)));
	csv_format_timestamp(us, buf, len);
	return 1;
}

/* The id of the ENT named in column COL. With --replace and ENT's file in
 * the bundle, only the keys that file names count: the others are about to
 * be deleted. */
static int imp_ref(struct imp *im, const csv_t *c, size_t col,
		   enum imp_ent ent, bool required, int32_t *id)
{
	const char *s = csv_get(c, col);
	enum bundle_file f = imp_ents[ent].file;
	int64_t *v;
	char q[96];

	if (!*s) {
		if (required)
			return imp_rowfail(im, c, (long)col, "required");
		return 0;
	}
	v = imp_map_get(&im->ids[ent], s);
	if (v && im->replace && im->present[f] &&
	    !imp_map_get(&im->seen[ent], s))
		return imp_rowfail(im, c, (long)col, "unknown %s \"%s\" (%s "
				   "does not list it, and --replace deletes "
				   "it)", imp_ents[ent].what,
				   imp_q(s, q, sizeof(q)),
				   bundle_files[f].name);
	if (!v)
		return imp_rowfail(im, c, (long)col, "unknown %s \"%s\"",
				   imp_ents[ent].what, imp_q(s, q, sizeof(q)));
	*id = (int32_t)*v;
	return 1;
}

/* Records that the bundle names KEY (of ENT) on this line: a second time
 * is an error. */
static int imp_seen(struct imp *im, const csv_t *c, size_t col,
		    enum imp_ent ent, const char *key)
{
	struct imp_slot *s;
	bool existed;
	char q[96];

	if (imp_map_put(&im->seen[ent], key, (int64_t)csv_line(c), &s,
			&existed) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	if (existed)
		return imp_rowfail(im, c, (long)col, "duplicate key \"%s\" "
				   "(also on line %lld)", imp_q(key, q,
								 sizeof(q)),
				   (long long)s->val);
	return 0;
}

/* Link rows: (A, B) named twice is an error. */
static int imp_seen_pair(struct imp *im, const csv_t *c, size_t col,
			 struct imp_map *m, int32_t a, int32_t b,
			 const char *what)
{
	struct imp_slot *s;
	char key[32];
	bool existed;

	snprintf(key, sizeof(key), "%d:%d", a, b);
	if (imp_map_put(m, key, (int64_t)csv_line(c), &s, &existed) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	if (existed)
		return imp_rowfail(im, c, (long)col, "duplicate of line %lld "
				   "(same %s)", (long long)s->val, what);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* upserts of framework rows */

struct imp_params {
	const char *v[16];
	char buf[16][32];
	int n;
};

static void par_text(struct imp_params *p, const char *s)
{
	p->v[p->n++] = s;
}

static void par_null(struct imp_params *p)
{
	p->v[p->n++] = NULL;
}

static void par_int(struct imp_params *p, long long v)
{
	snprintf(p->buf[p->n], sizeof(p->buf[p->n]), "%lld", v);
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

/* An integer when PRESENT (a validator said 1), else NULL. */
static void par_int_or_null(struct imp_params *p, int present, long long v)
{
	if (present > 0)
		par_int(p, v);
	else
		par_null(p);
}

static void par_bool(struct imp_params *p, bool v)
{
	par_text(p, v ? "true" : "false");
}

struct imp_upcol {
	const char *name;	/* column of the table */
	const char *type;	/* its type, for the parameter's cast */
	int csvcol;		/* the CSV column it comes from; -1: always */
	bool key;		/* part of the conflict target */
};

/* Prepares the upsert of file F into TABLE: every column of COLS is a
 * parameter ($1 … in order); on conflict, the columns the header has are
 * updated, and only when they change. Table and column names come from
 * the constant tables below, never from the data. */
static int imp_prepare(struct imp *im, const csv_t *c, enum bundle_file f,
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
static int imp_upsert(struct imp *im, const csv_t *c,
		      const struct imp_params *p, int32_t *id)
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
static int imp_upsert_ent(struct imp *im, const csv_t *c, enum imp_ent ent,
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

static int imp_keep_pair(struct imp *im, enum imp_link l, int32_t a,
			 int32_t b)
{
	if (imp_ivec_push(&im->link_a[l], a) < 0 ||
	    imp_ivec_push(&im->link_b[l], b) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	return 0;
}

/* ---------------------------------------------------------------------- */
/* framework files */

static const char *const imp_track_kinds[] = { "ic", "management", "other",
					       NULL };
static const char *const imp_comp_kinds[] = { "core", "functional",
					      "leadership", NULL };
static const char *const imp_move_kinds[] = { "promotion", "lateral",
					      "track_switch", NULL };
static const char *const imp_module_kinds[] = { "course", "workshop",
						"mentorship", "project", NULL };
static const char *const imp_sources[] = { "manager", "self", "peer",
					   "certification", NULL };

enum { TR_KEY, TR_NAME, TR_KIND, TR_N };
static const struct csv_column imp_tracks_cols[TR_N] = {
	{ "key", true }, { "name", false }, { "kind", true },
};

static int imp_tracks(struct imp *im, csv_t *c)
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
		par_text(&p, key);
		par_text(&p, csv_get(c, TR_NAME));
		par_text(&p, csv_get(c, TR_KIND));
		rc = imp_upsert_ent(im, c, ENT_TRACK, key, &p);
	}
	return rc;
}

enum { AR_KEY, AR_NAME, AR_N };
static const struct csv_column imp_areas_cols[AR_N] = {
	{ "key", true }, { "name", false },
};

static int imp_areas(struct imp *im, csv_t *c)
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
		par_text(&p, key);
		par_text(&p, csv_get(c, AR_NAME));
		rc = imp_upsert_ent(im, c, ENT_AREA, key, &p);
	}
	return rc;
}

enum { CO_KEY, CO_NAME, CO_KIND, CO_AREA, CO_DESCRIPTION, CO_N };
static const struct csv_column imp_competencies_cols[CO_N] = {
	{ "key", true }, { "name", false }, { "kind", true },
	{ "area", false }, { "description", false },
};

static int imp_competencies(struct imp *im, csv_t *c)
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
		par_text(&p, key);
		par_text(&p, csv_get(c, CO_NAME));
		par_text(&p, csv_get(c, CO_KIND));
		par_int_or_null(&p, has_area, area);
		par_text(&p, csv_get(c, CO_DESCRIPTION));
		rc = imp_upsert_ent(im, c, ENT_COMPETENCY, key, &p);
	}
	return rc;
}

enum {
	RO_KEY, RO_TITLE, RO_TRACK, RO_GRADE, RO_AREA, RO_PAY_MIN, RO_PAY_MAX,
	RO_SCOPE, RO_COMPLEXITY, RO_VOLUME, RO_DRIVE, RO_INFLUENCE, RO_N
};
static const struct csv_column imp_roles_cols[RO_N] = {
	{ "key", true },	{ "title", false },   { "track", true },
	{ "grade", true },	{ "area", false },    { "pay_min", false },
	{ "pay_max", false },	{ "scope", false },   { "complexity", false },
	{ "volume", false },	{ "drive", false },   { "influence", false },
};

static int imp_roles(struct imp *im, csv_t *c)
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
		par_text(&p, key);
		par_text(&p, csv_get(c, RO_TITLE));
		par_int(&p, track);
		par_int(&p, grade);
		par_int_or_null(&p, has_area, area);
		if (has_min)
			par_text(&p, csv_get(c, RO_PAY_MIN));
		else
			par_null(&p);
		if (has_max)
			par_text(&p, csv_get(c, RO_PAY_MAX));
		else
			par_null(&p);
		for (int i = 0; i < 5; i++)
			par_int_or_null(&p, has_lv[i], lv[i]);
		rc = imp_upsert_ent(im, c, ENT_ROLE, key, &p);
	}
	return rc;
}

enum { RQ_ROLE, RQ_COMPETENCY, RQ_LEVEL, RQ_WEIGHT, RQ_MUST_HAVE, RQ_N };
static const struct csv_column imp_requirements_cols[RQ_N] = {
	{ "role", true }, { "competency", true }, { "level", true },
	{ "weight", false }, { "must_have", false },
};

static int imp_requirements(struct imp *im, csv_t *c)
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
		par_int(&p, role);
		par_int(&p, comp);
		par_int(&p, level);
		par_text(&p, has_w ? csv_get(c, RQ_WEIGHT) : "1");
		par_bool(&p, must);
		rc = imp_upsert(im, c, &p, NULL);
		if (rc == 0)
			rc = imp_keep_pair(im, LINK_REQUIREMENTS, role, comp);
	}
	imp_map_free(&pairs);
	return rc;
}

enum { MV_FROM, MV_TO, MV_KIND, MV_MONTHS, MV_N };
static const struct csv_column imp_moves_cols[MV_N] = {
	{ "from", true }, { "to", true }, { "kind", true },
	{ "typical_months", false },
};

static int imp_moves(struct imp *im, csv_t *c)
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
		par_int(&p, from);
		par_int(&p, to);
		par_text(&p, csv_get(c, MV_KIND));
		par_int_or_null(&p, has_m, months);
		rc = imp_upsert(im, c, &p, NULL);
		if (rc == 0)
			rc = imp_keep_pair(im, LINK_MOVES, from, to);
	}
	imp_map_free(&pairs);
	return rc;
}

enum { MO_KEY, MO_TITLE, MO_KIND, MO_HOURS, MO_LMS_REF, MO_N };
static const struct csv_column imp_modules_cols[MO_N] = {
	{ "key", true }, { "title", false }, { "kind", true },
	{ "hours", true }, { "lms_ref", false },
};

static int imp_modules(struct imp *im, csv_t *c)
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
		par_text(&p, key);
		par_text(&p, csv_get(c, MO_TITLE));
		par_text(&p, csv_get(c, MO_KIND));
		par_text(&p, csv_get(c, MO_HOURS));
		par_text(&p, csv_get(c, MO_LMS_REF));
		rc = imp_upsert_ent(im, c, ENT_MODULE, key, &p);
	}
	return rc;
}

enum { OU_MODULE, OU_COMPETENCY, OU_ENTRY, OU_LEVEL, OU_N };
static const struct csv_column imp_outcomes_cols[OU_N] = {
	{ "module", true }, { "competency", true }, { "entry_level", false },
	{ "level", true },
};

static int imp_outcomes(struct imp *im, csv_t *c)
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
		par_int(&p, mod);
		par_int(&p, comp);
		par_int(&p, entry);
		par_int(&p, level);
		rc = imp_upsert(im, c, &p, NULL);
		if (rc == 0)
			rc = imp_keep_pair(im, LINK_OUTCOMES, mod, comp);
	}
	imp_map_free(&pairs);
	return rc;
}

enum { PR_MODULE, PR_REQUIRES, PR_N };
static const struct csv_column imp_prereqs_cols[PR_N] = {
	{ "module", true }, { "requires", true },
};

static int imp_prereqs(struct imp *im, csv_t *c)
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
		par_int(&p, mod);
		par_int(&p, req);
		rc = imp_upsert(im, c, &p, NULL);
		if (rc == 0)
			rc = imp_keep_pair(im, LINK_PREREQS, mod, req);
	}
	imp_map_free(&pairs);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* staged files: employees, assessments, completions */

static int imp_load_emp_row(struct imp *im, char **f, size_t n, void *arg)
{
	struct imp_slot *s;
	bool existed;

	(void)arg;
	if (n < 2 || !f[0] || !f[1])
		return imp_fail(im, -EIO, "employees: unexpected row");
	if (imp_map_put(&im->emp, f[0], atoll(f[1]), &s, &existed) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	s->val = atoll(f[1]);
	return 0;
}

/* Loads employee external id -> id (after employees.csv, if any). */
static int imp_load_emp(struct imp *im)
{
	if (im->emp_loaded)
		return 0;
	imp_map_free(&im->emp);
	im->emp_loaded = true;
	return imp_copy_out(im, "COPY (SELECT external_id, id FROM employee) "
			    "TO STDOUT", imp_load_emp_row, NULL, "employees");
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

enum { EM_ID, EM_ROLE, EM_MANAGER, EM_ATTRIBUTES, EM_ACTIVE, EM_N };
static const struct csv_column imp_employees_cols[EM_N] = {
	{ "id", true }, { "role", true }, { "manager", false },
	{ "attributes", false }, { "active", false },
};

/* Employees as a graph of managers, for the cycle check: the database's
 * employees and the bundle's, by external id. */
struct imp_emps {
	struct imp_map map;	/* external id -> node */
	const char **key;
	int32_t *dbmgr;		/* manager in the database, -1 none */
	int32_t *mgr;		/* manager after the import */
	uint32_t *line;		/* line in employees.csv, 0 none */
	const char **bmgr;	/* manager named by the bundle, NULL none */
	uint8_t *in_db, *state;
	size_t n, cap;
	struct imp_ivec order;	/* bundle nodes, in file order */
};

static void imp_emps_free(struct imp_emps *e)
{
	imp_map_free(&e->map);
	free(e->key);
	free(e->dbmgr);
	free(e->mgr);
	free(e->line);
	free(e->bmgr);
	free(e->in_db);
	free(e->state);
	free(e->order.v);
}

#define IMP_GROW(arr, cap)                                                   \
	do {                                                                 \
		void *p_ = realloc((arr), (cap) * sizeof(*(arr)));           \
		if (!p_)                                                     \
			return -ENOMEM;                                      \
		(arr) = p_;                                                  \
	} while (0)

static int imp_emps_grow(struct imp_emps *e)
{
	size_t cap = e->cap ? 2 * e->cap : 1024;

	IMP_GROW(e->key, cap);
	IMP_GROW(e->dbmgr, cap);
	IMP_GROW(e->mgr, cap);
	IMP_GROW(e->line, cap);
	IMP_GROW(e->bmgr, cap);
	IMP_GROW(e->in_db, cap);
	IMP_GROW(e->state, cap);
	e->cap = cap;
	return 0;
}

static int imp_emps_node(struct imp_emps *e, const char *key, int32_t *out)
{
	struct imp_slot *s;
	bool existed;
	size_t i;

	if (imp_map_put(&e->map, key, (int64_t)e->n, &s, &existed) < 0)
		return -ENOMEM;
	if (existed) {
		*out = (int32_t)s->val;
		return 0;
	}
	if (e->n == e->cap && imp_emps_grow(e) < 0)
		return -ENOMEM;
	i = e->n++;
	e->key[i] = s->key;
	e->dbmgr[i] = -1;
	e->mgr[i] = -1;
	e->line[i] = 0;
	e->bmgr[i] = NULL;
	e->in_db[i] = 0;
	e->state[i] = 0;
	*out = (int32_t)i;
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
	e->in_db[x] = 1;
	if (f[1]) {
		if (imp_emps_node(e, f[1], &m) < 0)
			return imp_fail(im, -ENOMEM, "out of memory");
		e->dbmgr[x] = m;
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
		while (x >= 0 && e->state[x] == 0) {
			e->state[x] = 1;
			if (imp_ivec_push(&path, x) < 0) {
				rc = imp_fail(im, -ENOMEM, "out of memory");
				break;
			}
			x = e->mgr[x];
		}
		if (rc == 0 && x >= 0 && e->state[x] == 1) {
			char msg[IMP_ERRMSG];
			size_t o = 0;
			int32_t y;

			for (at = 0; path.v[at] != x; at++)
				;
			/* report at the cycle's first line in the file */
			best = at;
			for (size_t i = at; i < path.n; i++) {
				uint32_t li = e->line[path.v[i]];
				uint32_t lb = e->line[path.v[best]];

				if (li && (!lb || li < lb))
					best = i;
			}
			y = path.v[best];
			do {
				int w = snprintf(msg + o, sizeof(msg) - o,
						 "%s -> ", e->key[y]);

				if (w < 0 || (size_t)w >= sizeof(msg) - o)
					break;
				o += (size_t)w;
				y = e->mgr[y];
			} while (y != path.v[best]);
			snprintf(msg + o, sizeof(msg) - o, "%s", e->key[y]);
			rc = imp_fail(im, -EINVAL, "%s:%u: manager: manager "
				      "cycle: %s",
				      bundle_files[BUNDLE_F_EMPLOYEES].name,
				      e->line[path.v[best]] ?
					      e->line[path.v[best]] :
					      e->line[e->order.v[k]],
				      msg);
		}
		for (size_t i = 0; i < path.n; i++)
			e->state[path.v[i]] = 2;
	}
	free(path.v);
	return rc;
}

static int imp_employees(struct imp *im, csv_t *c)
{
	struct imp_emps e = { 0 };
	struct imp_copy cp = { 0 };
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
	rc = imp_exec(im, "CREATE TEMP TABLE pathways_emp_stage (line integer, "
		      "external_id text, role_id integer, manager text, "
		      "attributes text, active boolean) ON COMMIT DROP", 0,
		      NULL, NULL, "employees");
	if (rc < 0)
		goto out;
	rc = imp_copy_begin(im, &cp, "COPY pathways_emp_stage FROM STDIN",
			    "employees");
	if (rc < 0)
		goto out;
	while ((rc = imp_next(im, c)) == 1) {
		const char *key, *mgr = csv_get(c, EM_MANAGER);
		const char *attrs = csv_get(c, EM_ATTRIBUTES), *p;
		int32_t role = 0, x;
		bool active = true;
		char q[96];

		if ((rc = imp_key(im, c, EM_ID, &key)) < 0)
			break;
		if (imp_emps_node(&e, key, &x) < 0) {
			rc = imp_fail(im, -ENOMEM, "out of memory");
			break;
		}
		if (e.line[x]) {
			rc = imp_rowfail(im, c, EM_ID, "duplicate key \"%s\" "
					 "(also on line %u)",
					 imp_q(key, q, sizeof(q)), e.line[x]);
			break;
		}
		e.line[x] = (uint32_t)csv_line(c);
		last = csv_line(c);
		if (imp_ivec_push(&e.order, x) < 0) {
			rc = imp_fail(im, -ENOMEM, "out of memory");
			break;
		}
		if ((rc = imp_ref(im, c, EM_ROLE, ENT_ROLE, true, &role)) < 0)
			break;
		if (*mgr && !strcmp(mgr, key)) {
			rc = imp_rowfail(im, c, EM_MANAGER, "manager cycle: %s "
					 "-> %s", imp_q(key, q, sizeof(q)),
					 q);
			break;
		}
		if (*mgr) {
			e.bmgr[x] = imp_arena_dup(&e.map.arena, mgr,
						  strlen(mgr));
			if (!e.bmgr[x]) {
				rc = imp_fail(im, -ENOMEM, "out of memory");
				break;
			}
		}
		for (p = attrs; *p == ' ' || *p == '\t' || *p == '\n' ||
				*p == '\r';
		     p++)
			;
		if (*attrs && *p != '{') {
			rc = imp_rowfail(im, c, EM_ATTRIBUTES, "must be a JSON "
					 "object, got \"%s\"",
					 imp_q(attrs, q, sizeof(q)));
			break;
		}
		if ((rc = imp_bool(im, c, EM_ACTIVE, &active)) < 0)
			break;
		if ((rc = imp_copy_int(im, &cp, (long long)csv_line(c))) < 0 ||
		    (rc = imp_copy_field(im, &cp, key)) < 0 ||
		    (rc = imp_copy_int(im, &cp, role)) < 0 ||
		    (rc = imp_copy_field(im, &cp, *mgr ? mgr : NULL)) < 0 ||
		    (rc = imp_copy_field(im, &cp, *attrs ? attrs : NULL)) < 0 ||
		    (rc = imp_copy_field(im, &cp, active ? "t" : "f")) < 0 ||
		    (rc = imp_copy_row_end(im, &cp)) < 0)
			break;
	}
	if (rc < 0) {
		imp_copy_end(im, &cp, false, "employees");
		goto out;
	}
	rc = imp_copy_end(im, &cp, true, "employees");
	if (rc < 0)
		goto out;

	/* managers: named in this bundle or already in the database */
	for (size_t i = 0; i < e.n; i++)
		e.mgr[i] = e.dbmgr[i];
	for (size_t k = 0; has_mgr && k < e.order.n; k++) {
		int32_t x = e.order.v[k];
		int64_t *m;
		char q[96];

		e.mgr[x] = -1;
		if (!e.bmgr[x])
			continue;
		m = imp_map_get(&e.map, e.bmgr[x]);
		if (!m || (!e.in_db[*m] && !e.line[*m])) {
			rc = imp_fail(im, -EINVAL, "%s:%u: manager: unknown "
				      "employee \"%s\"",
				      bundle_files[BUNDLE_F_EMPLOYEES].name,
				      e.line[x],
				      imp_q(e.bmgr[x], q, sizeof(q)));
			goto out;
		}
		e.mgr[x] = (int32_t)*m;
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

enum { AS_EMPLOYEE, AS_COMPETENCY, AS_LEVEL, AS_SOURCE, AS_AT, AS_N };
static const struct csv_column imp_assessments_cols[AS_N] = {
	{ "employee", true }, { "competency", true }, { "level", true },
	{ "source", true }, { "assessed_at", true },
};

static int imp_employee(struct imp *im, const csv_t *c, size_t col,
			int64_t *id)
{
	const char *s = csv_get(c, col);
	int64_t *v;
	char q[96];

	if (!*s)
		return imp_rowfail(im, c, (long)col, "required");
	v = imp_map_get(&im->emp, s);
	if (!v)
		return imp_rowfail(im, c, (long)col, "unknown employee \"%s\"",
				   imp_q(s, q, sizeof(q)));
	*id = *v;
	return 1;
}

static int imp_assessments(struct imp *im, csv_t *c)
{
	struct imp_copy cp = { 0 };
	size_t last = 0;
	int rc;

	rc = imp_load_emp(im);
	if (rc < 0)
		return rc;
	rc = imp_exec(im, "CREATE TEMP TABLE pathways_asm_stage (line integer, "
		      "employee_id integer, competency_id integer, level "
		      "smallint, source text, assessed_at timestamptz) ON "
		      "COMMIT DROP", 0, NULL, NULL, "assessments");
	if (rc < 0)
		return rc;
	rc = imp_copy_begin(im, &cp, "COPY pathways_asm_stage FROM STDIN",
			    "assessments");
	if (rc < 0)
		return rc;
	while ((rc = imp_next(im, c)) == 1) {
		char at[40];
		int64_t emp = 0;
		int32_t comp = 0;
		long long level = 0;

		if ((rc = imp_employee(im, c, AS_EMPLOYEE, &emp)) < 0 ||
		    (rc = imp_ref(im, c, AS_COMPETENCY, ENT_COMPETENCY, true,
				  &comp)) < 0 ||
		    (rc = imp_int(im, c, AS_LEVEL, 0, 5, true, &level)) < 0 ||
		    (rc = imp_enum(im, c, AS_SOURCE, imp_sources, true)) < 0 ||
		    (rc = imp_timestamp(im, c, AS_AT, at, sizeof(at))) < 0)
			break;
		last = csv_line(c);
		if ((rc = imp_copy_int(im, &cp, (long long)last)) < 0 ||
		    (rc = imp_copy_int(im, &cp, emp)) < 0 ||
		    (rc = imp_copy_int(im, &cp, comp)) < 0 ||
		    (rc = imp_copy_int(im, &cp, level)) < 0 ||
		    (rc = imp_copy_field(im, &cp, csv_get(c, AS_SOURCE))) < 0 ||
		    (rc = imp_copy_field(im, &cp, at)) < 0 ||
		    (rc = imp_copy_row_end(im, &cp)) < 0)
			break;
	}
	if (rc < 0) {
		imp_copy_end(im, &cp, false, "assessments");
		return rc;
	}
	rc = imp_copy_end(im, &cp, true, "assessments");
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

enum { CM_EMPLOYEE, CM_MODULE, CM_AT, CM_N };
static const struct csv_column imp_completions_cols[CM_N] = {
	{ "employee", true }, { "module", true }, { "completed_at", true },
};

static int imp_completions(struct imp *im, csv_t *c)
{
	struct imp_copy cp = { 0 };
	size_t last = 0;
	int rc;

	rc = imp_load_emp(im);
	if (rc < 0)
		return rc;
	rc = imp_exec(im, "CREATE TEMP TABLE pathways_cmp_stage (line integer, "
		      "employee_id integer, module_id integer, completed_at "
		      "timestamptz) ON COMMIT DROP", 0, NULL, NULL,
		      "completions");
	if (rc < 0)
		return rc;
	rc = imp_copy_begin(im, &cp, "COPY pathways_cmp_stage FROM STDIN",
			    "completions");
	if (rc < 0)
		return rc;
	while ((rc = imp_next(im, c)) == 1) {
		char at[40];
		int64_t emp = 0;
		int32_t mod = 0;

		if ((rc = imp_employee(im, c, CM_EMPLOYEE, &emp)) < 0 ||
		    (rc = imp_ref(im, c, CM_MODULE, ENT_MODULE, true,
				  &mod)) < 0 ||
		    (rc = imp_timestamp(im, c, CM_AT, at, sizeof(at))) < 0)
			break;
		last = csv_line(c);
		if ((rc = imp_copy_int(im, &cp, (long long)last)) < 0 ||
		    (rc = imp_copy_int(im, &cp, emp)) < 0 ||
		    (rc = imp_copy_int(im, &cp, mod)) < 0 ||
		    (rc = imp_copy_field(im, &cp, at)) < 0 ||
		    (rc = imp_copy_row_end(im, &cp)) < 0)
			break;
	}
	if (rc < 0) {
		imp_copy_end(im, &cp, false, "completions");
		return rc;
	}
	rc = imp_copy_end(im, &cp, true, "completions");
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

/* ---------------------------------------------------------------------- */
/* settings */

enum imp_stype { ST_NUMBER, ST_INT, ST_BOOL, ST_SOURCES, ST_MODE };

static const struct imp_setting {
	const char *key;
	enum imp_stype type;
	double lo, hi;
	double def;
} imp_settings_known[] = {
	{ "band_ready_now", ST_NUMBER, 0, 100, 90 },
	{ "band_ready_soon", ST_NUMBER, 0, 100, 70 },
	{ "band_developing", ST_NUMBER, 0, 100, 40 },
	{ "step_penalty", ST_NUMBER, 0, 1e6, 1 },
	{ "infer_promotions", ST_BOOL, 0, 0, 0 },
	{ "infer_lateral", ST_BOOL, 0, 0, 0 },
	{ "trusted_sources", ST_SOURCES, 0, 0, 0 },
	{ "mentor_min_level", ST_INT, 1, 5, 4 },
	{ "inferred_move_months", ST_INT, 0, 600, 12 },
	{ "readiness_mode", ST_MODE, 0, 0, 0 },
	{ "assessment_valid_days", ST_INT, 0, 36500, 0 },
};
#define IMP_NSETTINGS                                                         \
	(sizeof(imp_settings_known) / sizeof(imp_settings_known[0]))
#define IMP_BAND_NOW 0
#define IMP_BAND_SOON 1
#define IMP_BAND_DEVELOPING 2

enum { SE_KEY, SE_VALUE, SE_N };
static const struct csv_column imp_settings_cols[SE_N] = {
	{ "key", true }, { "value", true },
};

struct imp_setrow {
	size_t line;
	bool set;		/* false: an empty value, back to the default */
	char value[96];		/* normalized */
};

/* Checks VALUE for setting DEF; writes the normalized text to OUT. */
static int imp_setting_value(struct imp *im, const csv_t *c,
			     const struct imp_setting *def, const char *value,
			     char *out, size_t len)
{
	char q[96];
	double d;
	long long v;
	bool b;

	switch (def->type) {
	case ST_NUMBER:
		if (csv_parse_double(value, &d) < 0 || d < def->lo ||
		    d > def->hi)
			return imp_rowfail(im, c, SE_VALUE, "%s: expected a "
					   "number from %g to %g, got \"%s\"",
					   def->key, def->lo, def->hi,
					   imp_q(value, q, sizeof(q)));
		snprintf(out, len, "%s", value);
		return 0;
	case ST_INT:
		if (csv_parse_int(value, &v) < 0 || v < (long long)def->lo ||
		    v > (long long)def->hi)
			return imp_rowfail(im, c, SE_VALUE, "%s: expected a "
					   "whole number from %lld to %lld, "
					   "got \"%s\"", def->key,
					   (long long)def->lo,
					   (long long)def->hi,
					   imp_q(value, q, sizeof(q)));
		snprintf(out, len, "%lld", v);
		return 0;
	case ST_BOOL:
		if (csv_parse_bool(value, &b) < 0)
			return imp_rowfail(im, c, SE_VALUE, "%s: expected true "
					   "or false, got \"%s\"", def->key,
					   imp_q(value, q, sizeof(q)));
		snprintf(out, len, "%s", value);
		return 0;
	case ST_MODE:
		if (strcmp(value, "proportional") && strcmp(value, "binary"))
			return imp_rowfail(im, c, SE_VALUE,
					   "%s: must be one of proportional, "
					   "binary, got \"%s\"",
					   def->key,
					   imp_q(value, q, sizeof(q)));
		snprintf(out, len, "%s", value);
		return 0;
	case ST_SOURCES: {
		/* a comma-separated list of sources; stored without spaces,
		 * each source once, in the order given */
		bool seen[4] = { false };
		const char *p = value;
		size_t o = 0;

		out[0] = '\0';
		for (;;) {
			const char *end = strchr(p, ',');
			size_t n = end ? (size_t)(end - p) : strlen(p), i;

			while (n && (*p == ' ' || *p == '\t')) {
				p++;
				n--;
			}
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			for (i = 0; imp_sources[i]; i++)
				if (strlen(imp_sources[i]) == n &&
				    !strncmp(imp_sources[i], p, n))
					break;
			if (!imp_sources[i])
				return imp_rowfail(im, c, SE_VALUE,
						   "%s: expected sources among "
						   "manager, self, peer, "
						   "certification separated by "
						   "commas, got \"%s\"",
						   def->key,
						   imp_q(value, q, sizeof(q)));
			if (!seen[i]) {
				seen[i] = true;
				o += (size_t)snprintf(out + o, len - o, "%s%s",
						      o ? "," : "",
						      imp_sources[i]);
			}
			if (!end)
				break;
			p = end + 1;
		}
		return 0;
	}
	}
	return -EINVAL;
}

static int imp_settings_db_row(struct imp *im, char **f, size_t n, void *arg)
{
	double *band = arg;
	double d;

	if (n < 2 || !f[0] || !f[1])
		return 0;
	for (int i = 0; i < 3; i++)
		if (!strcmp(f[0], imp_settings_known[i].key) &&
		    csv_parse_double(f[1], &d) == 0)
			band[i] = d;
	return 0;
}

static int imp_settings(struct imp *im, csv_t *c)
{
	struct imp_setrow rows[IMP_NSETTINGS];
	double band[3];
	size_t lines[3] = { 0 }, o = 0;
	int rc;

	memset(rows, 0, sizeof(rows));
	for (int i = 0; i < 3; i++)
		band[i] = imp_settings_known[i].def;
	if (!im->replace) {
		rc = imp_copy_out(im, "COPY (SELECT key, value FROM "
				  "framework_setting) TO STDOUT",
				  imp_settings_db_row, band, "settings");
		if (rc < 0)
			return rc;
	}
	while ((rc = imp_next(im, c)) == 1) {
		const char *key = csv_get(c, SE_KEY);
		const char *value = csv_get(c, SE_VALUE);
		char q[96];
		size_t i;

		for (i = 0; i < IMP_NSETTINGS; i++)
			if (!strcmp(key, imp_settings_known[i].key))
				break;
		if (!*key)
			return imp_rowfail(im, c, SE_KEY, "required");
		if (i == IMP_NSETTINGS)
			return imp_rowfail(im, c, SE_KEY, "unknown setting "
					   "\"%s\"", imp_q(key, q, sizeof(q)));
		if (rows[i].line)
			return imp_rowfail(im, c, SE_KEY,
					   "duplicate key \"%s\" (also on line "
					   "%zu)", key,
					   rows[i].line);
		rows[i].line = csv_line(c);
		if (!*value)
			continue;
		if (strlen(value) > 64)
			return imp_rowfail(im, c, SE_VALUE,
					   "%s: longer than 64 bytes", key);
		rc = imp_setting_value(im, c, &imp_settings_known[i], value,
				       rows[i].value, sizeof(rows[i].value));
		if (rc < 0)
			return rc;
		rows[i].set = true;
		if (i < 3) {
			rc = csv_parse_double(rows[i].value, &band[i]);
			if (rc < 0)
				return imp_rowfail(im, c, SE_VALUE,
						   "bad number");
			lines[i] = rows[i].line;
		} else {
			rc = 0;
		}
	}
	if (rc < 0)
		return rc;
	for (int i = 0; i < 3; i++)
		if (rows[i].line && !rows[i].set)
			band[i] = imp_settings_known[i].def;
	for (int i = 0; i < 2; i++) {
		size_t line = lines[i] > lines[i + 1] ? lines[i] : lines[i + 1];

		if (band[i] >= band[i + 1] || !line)
			continue;
		return imp_fail(im, -EINVAL, "%s:%zu: value: %s (%g) must not "
				"be above %s (%g)",
				bundle_files[BUNDLE_F_SETTINGS].name,
				line, imp_settings_known[i + 1].key,
				band[i + 1], imp_settings_known[i].key,
				band[i]);
	}

	/* settings are few: one statement each */
	im->settings_kept[o++] = '{';
	for (size_t i = 0; i < IMP_NSETTINGS; i++) {
		const char *params[2] = { imp_settings_known[i].key,
					  rows[i].value };
		char where[64];

		if (!rows[i].line)
			continue;
		snprintf(where, sizeof(where), "%s:%zu",
			 bundle_files[BUNDLE_F_SETTINGS].name, rows[i].line);
		if (rows[i].set)
			rc = imp_exec(im, "INSERT INTO framework_setting AS t "
				      "(key, value) VALUES ($1, $2) ON "
				      "CONFLICT (key) DO UPDATE SET value = "
				      "EXCLUDED.value WHERE t.value <> "
				      "EXCLUDED.value", 2, params, NULL, where);
		else
			rc = imp_exec(im, "DELETE FROM framework_setting WHERE "
				      "key = $1", 1, params, NULL, where);
		if (rc < 0)
			return rc;
		if (rows[i].set)
			o += (size_t)snprintf(im->settings_kept + o,
					      sizeof(im->settings_kept) - o,
					      "%s%s", o > 1 ? "," : "",
					      imp_settings_known[i].key);
	}
	snprintf(im->settings_kept + o, sizeof(im->settings_kept) - o, "}");
	return 0;
}

/* ---------------------------------------------------------------------- */
/* --replace: delete what the bundle's framework files do not name */

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

static int imp_replace(struct imp *im)
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

/* ---------------------------------------------------------------------- */
/* the import */

/* The columns of each file are defined next to the code that reads them,
 * above; the export writes them in this order. */
const struct bundle_file_def bundle_files[BUNDLE_F_COUNT] = {
	[BUNDLE_F_TRACKS] = { "tracks.csv", imp_tracks_cols, TR_N },
	[BUNDLE_F_AREAS] = { "areas.csv", imp_areas_cols, AR_N },
	[BUNDLE_F_COMPETENCIES] = { "competencies.csv", imp_competencies_cols,
				    CO_N },
	[BUNDLE_F_ROLES] = { "roles.csv", imp_roles_cols, RO_N },
	[BUNDLE_F_REQUIREMENTS] = { "requirements.csv", imp_requirements_cols,
				    RQ_N },
	[BUNDLE_F_MOVES] = { "moves.csv", imp_moves_cols, MV_N },
	[BUNDLE_F_MODULES] = { "modules.csv", imp_modules_cols, MO_N },
	[BUNDLE_F_OUTCOMES] = { "module_outcomes.csv", imp_outcomes_cols,
				OU_N },
	[BUNDLE_F_PREREQS] = { "module_prereqs.csv", imp_prereqs_cols, PR_N },
	[BUNDLE_F_EMPLOYEES] = { "employees.csv", imp_employees_cols, EM_N },
	[BUNDLE_F_ASSESSMENTS] = { "assessments.csv", imp_assessments_cols,
				   AS_N },
	[BUNDLE_F_COMPLETIONS] = { "completions.csv", imp_completions_cols,
				   CM_N },
	[BUNDLE_F_SETTINGS] = { "settings.csv", imp_settings_cols, SE_N },
};

static int (*const imp_runs[BUNDLE_F_COUNT])(struct imp *im, csv_t *c) = {
	[BUNDLE_F_TRACKS] = imp_tracks,
	[BUNDLE_F_AREAS] = imp_areas,
	[BUNDLE_F_COMPETENCIES] = imp_competencies,
	[BUNDLE_F_ROLES] = imp_roles,
	[BUNDLE_F_REQUIREMENTS] = imp_requirements,
	[BUNDLE_F_MOVES] = imp_moves,
	[BUNDLE_F_MODULES] = imp_modules,
	[BUNDLE_F_OUTCOMES] = imp_outcomes,
	[BUNDLE_F_PREREQS] = imp_prereqs,
	[BUNDLE_F_EMPLOYEES] = imp_employees,
	[BUNDLE_F_ASSESSMENTS] = imp_assessments,
	[BUNDLE_F_COMPLETIONS] = imp_completions,
	[BUNDLE_F_SETTINGS] = imp_settings,
};

static int imp_path(struct imp *im, const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", im->dir, file);

	if (n < 0 || (size_t)n >= len)
		return imp_fail(im, -ENAMETOOLONG, "%s: path too long",
				im->dir);
	return 0;
}

/* Which files the bundle has; any other *.csv is an error. */
static int imp_scan(struct imp *im)
{
	struct dirent *de;
	size_t nfound = 0;
	int rc = 0;
	DIR *d;

	d = opendir(im->dir);
	if (!d)
		return imp_fail(im, -errno, "%s: %s", im->dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name), i;

		/* dot files: editors' locks, archivers' metadata */
		if (de->d_name[0] == '.' || n < 4 ||
		    strcasecmp(de->d_name + n - 4, ".csv"))
			continue;
		for (i = 0; i < BUNDLE_F_COUNT; i++)
			if (!strcmp(de->d_name, bundle_files[i].name))
				break;
		if (i == BUNDLE_F_COUNT) {
			rc = imp_fail(im, -EINVAL, "%s/%s: not a bundle file "
				      "(the files are tracks, areas, "
				      "competencies, roles, requirements, "
				      "moves, modules, module_outcomes, "
				      "module_prereqs, employees, assessments, "
				      "completions, settings .csv)",
				      im->dir, de->d_name);
			break;
		}
		im->present[i] = true;
		nfound++;
	}
	closedir(d);
	if (rc == 0 && !nfound)
		rc = imp_fail(im, -ENOENT, "%s: no bundle files (tracks.csv, "
			      "roles.csv, …)", im->dir);
	return rc;
}

static int imp_load_ent_row(struct imp *im, char **f, size_t n, void *arg)
{
	struct imp_map *m = arg;
	struct imp_slot *s;
	bool existed;

	if (n < 2 || !f[0] || !f[1])
		return imp_fail(im, -EIO, "unexpected row");
	if (imp_map_put(m, f[0], atoll(f[1]), &s, &existed) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	return 0;
}

static int imp_run_file(struct imp *im, enum bundle_file f)
{
	char path[PATH_MAX];
	csv_t *c = NULL;
	int rc;

	rc = imp_path(im, bundle_files[f].name, path, sizeof(path));
	if (rc < 0)
		return rc;
	rc = csv_open(path, bundle_files[f].name, &c, im->err, im->errlen);
	if (rc < 0)
		return rc;
	im->cur = f;
	im->cols = bundle_files[f].cols;
	rc = csv_read_header(c, bundle_files[f].cols, bundle_files[f].ncols,
			     im->err, im->errlen);
	if (rc == 0)
		rc = imp_runs[f](im, c);
	csv_destroy(&c);
	return rc < 0 ? rc : 0;
}

static int imp_run(struct imp *im)
{
	const char *lock[1] = { IMP_LOCK_KEY };
	int rc;

	rc = imp_exec(im, "BEGIN", 0, NULL, NULL, "import");
	if (rc < 0)
		return rc;
	/* the files are UTF-8, whatever the session's client_encoding;
	 * timestamps without an offset are UTC (we send them with one) */
	rc = imp_exec(im, "SET LOCAL client_encoding = 'UTF8'", 0, NULL, NULL,
		      "import");
	if (rc == 0)
		rc = imp_exec(im, "SET LOCAL TimeZone = 'UTC'", 0, NULL, NULL,
			      "import");
	if (rc == 0)
		rc = imp_exec(im, "SELECT pg_advisory_xact_lock($1::bigint)", 1,
			      lock, NULL, "import lock");
	for (int e = 0; e < ENT_COUNT && rc == 0; e++)
		rc = imp_copy_out(im, imp_ents[e].load, imp_load_ent_row,
				  &im->ids[e], imp_ents[e].what);
	for (int f = 0; f < BUNDLE_F_COUNT && rc == 0; f++)
		if (im->present[f])
			rc = imp_run_file(im, (enum bundle_file)f);
	if (rc == 0 && im->replace)
		rc = imp_replace(im);
	if (rc == 0) {
		PGresult *res = PQexec(im->db, "COMMIT");

		if (!res || PQresultStatus(res) != PGRES_COMMAND_OK ||
		    strcmp(PQcmdStatus(res), "COMMIT"))
			rc = imp_dbfail(im, res, "import commit");
		PQclear(res);
	}
	return rc;
}

static void imp_cleanup(struct imp *im)
{
	if (PQtransactionStatus(im->db) != PQTRANS_IDLE)
		PQclear(PQexec(im->db, "ROLLBACK"));
	for (int f = 0; f < BUNDLE_F_COUNT; f++) {
		char sql[64];

		if (!im->prepared[f])
			continue;
		snprintf(sql, sizeof(sql), "DEALLOCATE pathways_import_%d", f);
		PQclear(PQexec(im->db, sql));
	}
	for (int e = 0; e < ENT_COUNT; e++) {
		imp_map_free(&im->ids[e]);
		imp_map_free(&im->seen[e]);
		free(im->kept[e].v);
	}
	for (int l = 0; l < LINK_COUNT; l++) {
		free(im->link_a[l].v);
		free(im->link_b[l].v);
	}
	imp_map_free(&im->emp);
}

int bundle_check_schema(PGconn *db, char *err, size_t errlen)
{
	int rc, version = 0, want = migrate_latest_version();

	rc = migrate_db_version(db, &version, err, errlen);
	if (rc < 0)
		return rc;
	if (version < want) {
		snprintf(err, errlen, "the database schema is at version %d, "
			 "this pathwaysctl needs version %d: run `pathwaysctl "
			 "migrate` first", version, want);
		return -EPROTO;
	}
	if (version > want) {
		snprintf(err, errlen, "the database schema is at version %d, "
			 "newer than this pathwaysctl knows (%d): upgrade "
			 "pathwaysctl", version, want);
		return -EPROTO;
	}
	return 0;
}

int bundle_import(PGconn *db, const char *dir, bool replace,
		  struct bundle_stats *stats, char *err, size_t errlen)
{
	struct imp *im;
	int rc;

	if (PQtransactionStatus(db) != PQTRANS_IDLE) {
		snprintf(err, errlen, "import: the connection is inside a "
			 "transaction");
		return -EINVAL;
	}
	rc = bundle_check_schema(db, err, errlen);
	if (rc < 0)
		return rc;
	im = calloc(1, sizeof(*im));
	if (!im) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	im->db = db;
	im->dir = dir;
	im->replace = replace;
	im->err = err;
	im->errlen = errlen;
	rc = imp_scan(im);
	if (rc == 0)
		rc = imp_run(im);
	imp_cleanup(im);
	if (rc == 0 && stats) {
		memset(stats, 0, sizeof(*stats));
		for (int f = 0; f < BUNDLE_F_COUNT; f++) {
			if (!im->present[f])
				continue;
			stats->files[stats->nfiles] = bundle_files[f].name;
			stats->rows[stats->nfiles++] = im->rows[f];
		}
	}
	free(im);
	return rc;
}
