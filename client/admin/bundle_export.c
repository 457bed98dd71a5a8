/* bundle: exports the database as a framework bundle (see bundle.h).
 *
 * One REPEATABLE READ READ ONLY transaction reads every table, so the files
 * agree with each other. Each file is one COPY (SELECT ...) TO STDOUT in
 * text format, streamed row by row: the server sorts, the client holds one
 * row at a time, so millions of assessments cost no memory here. The SQL
 * already gives each column its bundle text (keys instead of ids, true and
 * false); this file only turns COPY's escapes into RFC 4180 quoting and
 * timestamps into ISO 8601.
 *
 * Files are written under temporary dot names (which an import ignores),
 * fsynced, and renamed to their real names only once every file has been
 * written and the transaction has ended well: a failed export leaves the
 * folder as it was.
 */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_files.h"

#define EXP_BUF ((size_t)1 << 20)
#define EXP_MAX_COLS 16

/* What the export does to a column's text beyond CSV quoting. */
enum exp_conv {
	EXP_TEXT = 0,
	EXP_TIMESTAMP,	/* "2024-03-01 09:30:00.5+00" -> "...T...Z" */
};

/* The SELECT of each file: its columns in the order of bundle_files[].cols,
 * rows sorted by the file's key. Keys sort bytewise (COLLATE "C"), so the
 * order does not depend on the database's locale. */
static const struct {
	const char *sql;
	enum exp_conv conv[EXP_MAX_COLS];
} exp_files[BUNDLE_F_COUNT] = {
	[BUNDLE_F_TRACKS] = {
		"SELECT key, name, kind FROM track "
		"ORDER BY key COLLATE \"C\"" },
	[BUNDLE_F_AREAS] = {
		"SELECT key, name FROM functional_area "
		"ORDER BY key COLLATE \"C\"" },
	[BUNDLE_F_COMPETENCIES] = {
		"SELECT c.key, c.name, c.kind, a.key, c.description "
		"FROM competency c "
		"LEFT JOIN functional_area a ON a.id = c.area_id "
		"ORDER BY c.key COLLATE \"C\"" },
	[BUNDLE_F_ROLES] = {
		"SELECT r.key, r.title, t.key, r.grade, a.key, r.pay_min, "
		"r.pay_max, r.scope, r.complexity, r.volume, r.drive, "
		"r.influence FROM role r JOIN track t ON t.id = r.track_id "
		"LEFT JOIN functional_area a ON a.id = r.area_id "
		"ORDER BY r.key COLLATE \"C\"" },
	[BUNDLE_F_REQUIREMENTS] = {
		"SELECT r.key, c.key, q.level, q.weight, "
		"CASE WHEN q.must_have THEN 'true' ELSE 'false' END "
		"FROM role_requirement q JOIN role r ON r.id = q.role_id "
		"JOIN competency c ON c.id = q.competency_id "
		"ORDER BY r.key COLLATE \"C\", c.key COLLATE \"C\"" },
	[BUNDLE_F_MOVES] = {
		"SELECT f.key, t.key, m.kind, m.typical_months "
		"FROM role_move m JOIN role f ON f.id = m.from_role_id "
		"JOIN role t ON t.id = m.to_role_id "
		"ORDER BY f.key COLLATE \"C\", t.key COLLATE \"C\"" },
	[BUNDLE_F_MODULES] = {
		"SELECT key, title, kind, hours, lms_ref FROM module "
		"ORDER BY key COLLATE \"C\"" },
	[BUNDLE_F_OUTCOMES] = {
		"SELECT m.key, c.key, o.entry_level, o.level "
		"FROM module_outcome o JOIN module m ON m.id = o.module_id "
		"JOIN competency c ON c.id = o.competency_id "
		"ORDER BY m.key COLLATE \"C\", c.key COLLATE \"C\"" },
	[BUNDLE_F_PREREQS] = {
		"SELECT m.key, r.key FROM module_prereq p "
		"JOIN module m ON m.id = p.module_id "
		"JOIN module r ON r.id = p.requires_id "
		"ORDER BY m.key COLLATE \"C\", r.key COLLATE \"C\"" },
	[BUNDLE_F_EMPLOYEES] = {
		"SELECT e.external_id, r.key, m.external_id, "
		"e.attributes::text, "
		"CASE WHEN e.active THEN 'true' ELSE 'false' END "
		"FROM employee e JOIN role r ON r.id = e.role_id "
		"LEFT JOIN employee m ON m.id = e.manager_id "
		"ORDER BY e.external_id COLLATE \"C\"" },
	[BUNDLE_F_ASSESSMENTS] = {
		"SELECT e.external_id, c.key, a.level, a.source, a.assessed_at "
		"FROM assessment a JOIN employee e ON e.id = a.employee_id "
		"JOIN competency c ON c.id = a.competency_id "
		"ORDER BY e.external_id COLLATE \"C\", c.key COLLATE \"C\", "
		"a.source COLLATE \"C\", a.assessed_at",
		{ [4] = EXP_TIMESTAMP } },
	[BUNDLE_F_COMPLETIONS] = {
		"SELECT e.external_id, m.key, x.completed_at "
		"FROM module_completion x JOIN employee e ON e.id = "
		"x.employee_id "
		"JOIN module m ON m.id = x.module_id "
		"ORDER BY e.external_id COLLATE \"C\", m.key COLLATE \"C\"",
		{ [2] = EXP_TIMESTAMP } },
	[BUNDLE_F_SETTINGS] = {
		"SELECT key, value FROM framework_setting "
		"ORDER BY key COLLATE \"C\"" },
};

/* One file being written: under TMP until the export succeeds. */
struct exp_file {
	int fd;			/* -1: closed */
	char tmp[64];		/* name in the folder; "" once renamed */
	char *buf;
	size_t len;
};

struct exp {
	PGconn *db;
	const char *dir;
	int dirfd;
	char *err;
	size_t errlen;
	struct exp_file files[BUNDLE_F_COUNT];
	size_t rows[BUNDLE_F_COUNT];
};

static int exp_fail(struct exp *ex, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int exp_fail(struct exp *ex, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ex->err, ex->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int exp_exec(struct exp *ex, const char *sql, const char *what)
{
	return pgexec_run(ex->db, sql, 0, NULL, NULL, what, ex->err,
			   ex->errlen);
}

/* ---------------------------------------------------------------------- */
/* the folder */

/* mkdir -p DIR: each missing component is created; an existing component
 * must be a directory. */
static int exp_mkdirs(struct exp *ex)
{
	char path[PATH_MAX];
	size_t n = strlen(ex->dir);
	struct stat st;

	if (!n)
		return exp_fail(ex, -EINVAL, "export: no folder given");
	if (n >= sizeof(path))
		return exp_fail(ex, -ENAMETOOLONG, "%s: path too long",
				ex->dir);
	memcpy(path, ex->dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		if (path[i - 1] == '/')
			continue;	/* "a//b", or a trailing slash */
		path[i] = '\0';
		if (mkdir(path, 0777) < 0) {
			int e = errno;

			if (e != EEXIST)
				return exp_fail(ex, -e, "%s: cannot create "
						"folder %s: %s", ex->dir, path,
						strerror(e));
			if (stat(path, &st) < 0)
				return exp_fail(ex, -errno, "%s: %s: %s",
						ex->dir, path,
						strerror(errno));
			if (!S_ISDIR(st.st_mode))
				return exp_fail(ex, -ENOTDIR, "%s: cannot "
						"create folder %s: a file of "
						"that name exists", ex->dir,
						path);
		}
		path[i] = i < n ? ex->dir[i] : '\0';
	}
	ex->dirfd = open(ex->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ex->dirfd < 0)
		return exp_fail(ex, -errno, "%s: %s", ex->dir, strerror(errno));
	return 0;
}

static int exp_open(struct exp *ex, enum bundle_file f)
{
	struct exp_file *o = &ex->files[f];
	/* files about people are theirs to read only (the framework's are
	 * left to the umask) */
	mode_t mode = f == BUNDLE_F_EMPLOYEES || f == BUNDLE_F_ASSESSMENTS ||
		      f == BUNDLE_F_COMPLETIONS ? 0600 : 0666;
	int e = EEXIST;

	o->buf = malloc(EXP_BUF);
	if (!o->buf)
		return exp_fail(ex, -ENOMEM, "out of memory");
	/* a stale name from a crashed export of the same pid is skipped */
	for (unsigned i = 0; i < 100; i++) {
		snprintf(o->tmp, sizeof(o->tmp), ".%s.%ld-%u.tmp",
			 bundle_files[f].name, (long)getpid(), i);
		o->fd = openat(ex->dirfd, o->tmp,
			       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (o->fd >= 0)
			return 0;
		e = errno;
		if (e != EEXIST)
			break;
	}
	o->tmp[0] = '\0';
	return exp_fail(ex, -e, "%s/%s: cannot create: %s", ex->dir,
			bundle_files[f].name, strerror(e));
}

static int exp_flush(struct exp *ex, enum bundle_file f)
{
	struct exp_file *o = &ex->files[f];
	size_t done = 0;

	while (done < o->len) {
		ssize_t w = write(o->fd, o->buf + done, o->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return exp_fail(ex, -errno, "%s/%s: %s", ex->dir,
					bundle_files[f].name, strerror(errno));
		done += (size_t)w;
	}
	o->len = 0;
	return 0;
}

static inline int exp_put(struct exp *ex, enum bundle_file f, const char *s,
			  size_t n)
{
	struct exp_file *o = &ex->files[f];

	while (n) {
		size_t k = EXP_BUF - o->len < n ? EXP_BUF - o->len : n;

		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == EXP_BUF) {
			int rc = exp_flush(ex, f);

			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Writes a field, quoted (RFC 4180) when it holds a comma, a quote or a
 * line break, or begins or ends with white space a reader might trim; with
 * a ' in front when a spreadsheet would take it for a formula (the
 * exports are meant for spreadsheets; see CSV_FORMULA_STARTS). */
static int exp_field(struct exp *ex, enum bundle_file f, const char *s,
		     size_t n)
{
	bool quote = n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
			   s[n - 1] == '\t');
	bool guard = csv_is_guarded(s);
	const char *q;
	int rc;

	if (!quote)
		quote = strpbrk(s, ",\"\r\n") != NULL;
	rc = quote ? exp_put(ex, f, "\"", 1) : 0;
	if (rc == 0 && guard)
		rc = exp_put(ex, f, "'", 1);
	if (!quote)
		return rc ? rc : exp_put(ex, f, s, n);
	/* a quote inside is doubled: write up to it, then it once more */
	while (rc == 0 && (q = memchr(s, '"', n))) {
		size_t k = (size_t)(q - s) + 1;

		rc = exp_put(ex, f, s, k);
		if (rc == 0)
			rc = exp_put(ex, f, "\"", 1);
		s += k;
		n -= k;
	}
	if (rc == 0)
		rc = exp_put(ex, f, s, n);
	if (rc == 0)
		rc = exp_put(ex, f, "\"", 1);
	return rc;
}

/* Flushes, fsyncs and closes the temporary file of F. */
static int exp_close(struct exp *ex, enum bundle_file f)
{
	struct exp_file *o = &ex->files[f];
	int rc = exp_flush(ex, f);

	if (rc == 0 && fsync(o->fd) < 0)
		rc = exp_fail(ex, -errno, "%s/%s: %s", ex->dir,
			      bundle_files[f].name, strerror(errno));
	if (close(o->fd) < 0 && rc == 0)
		rc = exp_fail(ex, -errno, "%s/%s: %s", ex->dir,
			      bundle_files[f].name, strerror(errno));
	o->fd = -1;
	free(o->buf);
	o->buf = NULL;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* rows */

/* PostgreSQL's "YYYY-MM-DD hh:mm:ss[.ffffff]+00" (TimeZone UTC, DateStyle
 * ISO) as ISO 8601 "YYYY-MM-DDThh:mm:ss[.ffffff]Z": the fraction is kept
 * as PostgreSQL prints it (trailing zeros dropped), so the round trip is
 * exact. Anything else (infinity, years before 1 or after 9999) has no ISO
 * 8601 form the import reads: -ERANGE. */
static int exp_timestamp(char *s)
{
	size_t n = strlen(s);

	if (n < 22 || s[4] != '-' || s[10] != ' ' || s[n - 3] != '+' ||
	    s[n - 2] != '0' || s[n - 1] != '0')
		return -ERANGE;
	s[10] = 'T';
	s[n - 3] = 'Z';
	s[n - 2] = '\0';
	return 0;
}

static int exp_row(struct exp *ex, enum bundle_file f, char *row)
{
	const struct bundle_file_def *def = &bundle_files[f];
	char *fields[EXP_MAX_COLS + 1];
	size_t n;
	int rc = 0;

	n = bundle_copy_split(row, fields, EXP_MAX_COLS + 1);
	if (n != def->ncols)
		return exp_fail(ex, -EPROTO, "%s: the query gave %zu columns, "
				"the file has %zu", def->name, n, def->ncols);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *s = fields[i];

		if (i)
			rc = exp_put(ex, f, ",", 1);
		if (rc < 0 || !s)
			continue;	/* NULL: an empty field */
		if (exp_files[f].conv[i] == EXP_TIMESTAMP &&
		    exp_timestamp(s) < 0)
			return exp_fail(ex, -ERANGE, "%s: row %zu: %s: %s is "
					"not a timestamp a bundle can hold "
					"(years 1 to 9999)", def->name,
					ex->rows[f] + 1, def->cols[i].name, s);
		rc = exp_field(ex, f, s, strlen(s));
	}
	if (rc == 0)
		rc = exp_put(ex, f, "\n", 1);
	if (rc == 0)
		ex->rows[f]++;
	return rc;
}

struct exp_row_arg {
	struct exp *ex;
	enum bundle_file f;
};

static int exp_row_cb(void *arg, char *row)
{
	struct exp_row_arg *a = arg;

	return exp_row(a->ex, a->f, row);
}

static int exp_file(struct exp *ex, enum bundle_file f)
{
	const struct bundle_file_def *def = &bundle_files[f];
	struct exp_row_arg arg = { ex, f };
	char sql[1024];
	int rc;

	rc = exp_open(ex, f);
	for (size_t i = 0; i < def->ncols && rc == 0; i++) {
		if (i)
			rc = exp_put(ex, f, ",", 1);
		if (rc == 0)
			rc = exp_field(ex, f, def->cols[i].name,
				       strlen(def->cols[i].name));
	}
	if (rc == 0)
		rc = exp_put(ex, f, "\n", 1);
	if (rc < 0)
		return rc;

	snprintf(sql, sizeof(sql), "COPY (%s) TO STDOUT", exp_files[f].sql);
	rc = bundle_copy_out(ex->db, sql, exp_row_cb, &arg, def->name, ex->err,
			     ex->errlen);
	if (rc == 0)
		rc = exp_close(ex, f);
	return rc;
}

/* Every file under its temporary name, in one snapshot. */
static int exp_run(struct exp *ex)
{
	int rc;

	rc = exp_exec(ex, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		      "export");
	/* the text forms the files need, whatever the session's settings:
	 * UTF-8; timestamps in UTC, ISO style; floating-point numbers with
	 * every digit needed to read the same double back */
	if (rc == 0)
		rc = exp_exec(ex, "SET LOCAL client_encoding = 'UTF8'",
			      "export");
	if (rc == 0)
		rc = exp_exec(ex, "SET LOCAL TimeZone = 'UTC'", "export");
	if (rc == 0)
		rc = exp_exec(ex, "SET LOCAL DateStyle = 'ISO, YMD'",
			      "export");
	if (rc == 0)
		rc = exp_exec(ex, "SET LOCAL extra_float_digits = 3",
			      "export");
	for (int f = 0; f < BUNDLE_F_COUNT && rc == 0; f++)
		rc = exp_file(ex, (enum bundle_file)f);
	if (rc == 0)
		rc = exp_exec(ex, "COMMIT", "export");
	return rc;
}

/* Gives every file its real name, then makes the renames durable. */
static int exp_publish(struct exp *ex)
{
	for (int f = 0; f < BUNDLE_F_COUNT; f++) {
		struct exp_file *o = &ex->files[f];

		if (renameat(ex->dirfd, o->tmp, ex->dirfd,
			     bundle_files[f].name) < 0)
			return exp_fail(ex, -errno, "%s/%s: %s", ex->dir,
					bundle_files[f].name, strerror(errno));
		o->tmp[0] = '\0';
	}
	if (fsync(ex->dirfd) < 0)
		return exp_fail(ex, -errno, "%s: %s", ex->dir, strerror(errno));
	return 0;
}

static void exp_cleanup(struct exp *ex)
{
	if (PQtransactionStatus(ex->db) != PQTRANS_IDLE)
		PQclear(PQexec(ex->db, "ROLLBACK"));
	for (int f = 0; f < BUNDLE_F_COUNT; f++) {
		struct exp_file *o = &ex->files[f];

		if (o->fd >= 0)
			close(o->fd);
		if (o->tmp[0])
			(void)unlinkat(ex->dirfd, o->tmp, 0);
		free(o->buf);
	}
	if (ex->dirfd >= 0)
		close(ex->dirfd);
}

int bundle_export(PGconn *db, const char *dir, struct bundle_stats *stats,
		  char *err, size_t errlen)
{
	struct exp *ex;
	int rc;

	rc = bundle_check_ready(db, "export", err, errlen);
	if (rc < 0)
		return rc;
	ex = calloc(1, sizeof(*ex));
	if (!ex) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ex->db = db;
	ex->dir = dir;
	ex->dirfd = -1;
	ex->err = err;
	ex->errlen = errlen;
	for (int f = 0; f < BUNDLE_F_COUNT; f++)
		ex->files[f].fd = -1;
	rc = exp_mkdirs(ex);
	if (rc == 0)
		rc = exp_run(ex);
	if (rc == 0)
		rc = exp_publish(ex);
	exp_cleanup(ex);
	if (rc == 0 && stats)
		bundle_stats_fill(stats, NULL, ex->rows);
	free(ex);
	return rc;
}
