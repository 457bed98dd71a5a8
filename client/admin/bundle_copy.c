/* bundle_copy: how the import reports errors and talks to the database:
 * its messages, statements, rows out of a COPY, and the COPY that fills a
 * staging table (see bundle_private.h).
 */
#include "bundle_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

/* ---------------------------------------------------------------------- */
/* messages */

int imp_fail(struct imp *im, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(im->err, im->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

int imp_rowfail(struct imp *im, const csv_t *c, long col, const char *fmt,
		...)
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

void imp_dbmsg(struct imp *im, const PGresult *res, char *buf, size_t len)
{
	pgexec_message(im->db, res, buf, len);
}

int imp_dbfail(struct imp *im, const PGresult *res, const char *what)
{
	return pgexec_fail(im->db, res, what, im->err, im->errlen);
}

int imp_exec(struct imp *im, const char *sql, int n,
	     const char *const *params, PGresult **out, const char *what)
{
	return pgexec_run(im->db, sql, n, params, out, what, im->err,
			   im->errlen);
}

/* ---------------------------------------------------------------------- */
/* COPY: rows out of the database, rows into staging tables */

struct imp_copy_out_arg {
	struct imp *im;
	imp_row_fn fn;
	void *arg;
};

static int imp_copy_out_row(void *arg, char *row)
{
	struct imp_copy_out_arg *a = arg;
	char *f[8];
	size_t n = bundle_copy_split(row, f, 8);

	return a->fn(a->im, f, n, a->arg);
}

int imp_copy_out(struct imp *im, const char *sql, imp_row_fn fn, void *arg,
		 const char *what)
{
	struct imp_copy_out_arg a = { im, fn, arg };

	return bundle_copy_out(im->db, sql, imp_copy_out_row, &a, what,
			       im->err, im->errlen);
}

static int imp_load_map_row(struct imp *im, char **f, size_t n, void *arg)
{
	struct imp_map *m = arg;
	struct imp_slot *s;
	bool existed;

	if (n < 2 || !f[0] || !f[1])
		return imp_fail(im, -EIO, "unexpected row");
	if (imp_map_put(m, f[0], atoll(f[1]), &s, &existed) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	s->val = atoll(f[1]);
	return 0;
}

int imp_load_map(struct imp *im, const char *sql, struct imp_map *m,
		 const char *what)
{
	return imp_copy_out(im, sql, imp_load_map_row, m, what);
}

int imp_copy_begin(struct imp *im, struct imp_copy *cp, const char *sql,
		   const char *what)
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

/* Room for N more bytes: what the buffer holds is sent first, and the
 * buffer grows only for a field larger than itself. */
static int imp_copy_reserve(struct imp *im, struct imp_copy *cp, size_t n)
{
	if (cp->len + n <= cp->cap)
		return 0;
	if (imp_copy_flush(im, cp) < 0)
		return -EIO;
	if (n <= cp->cap)
		return 0;
	if (array_grow((void **)&cp->buf, &cp->cap, n, 1, 0) < 0)
		return imp_fail(im, -ENOMEM, "out of memory");
	return 0;
}

int imp_copy_field(struct imp *im, struct imp_copy *cp, const char *s)
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

int imp_copy_int(struct imp *im, struct imp_copy *cp, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	return imp_copy_field(im, cp, buf);
}

int imp_copy_row_end(struct imp *im, struct imp_copy *cp)
{
	if (imp_copy_reserve(im, cp, 1) < 0)
		return -EIO;
	cp->buf[cp->len++] = '\n';
	cp->first = true;
	if (cp->len >= cp->cap / 2)
		return imp_copy_flush(im, cp);
	return 0;
}

int imp_copy_end(struct imp *im, struct imp_copy *cp, bool ok,
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
