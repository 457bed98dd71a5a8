/* csv: streaming RFC 4180 reader (see csv.h). */
#include "csv.h"
#include "array.h"
#include "number.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSV_BUFSZ ((size_t)1 << 16)
#define CSV_EOF (-1)
#define CSV_ERR (-2)

enum csv_state {
	CSV_ST_START,		/* at the start of a field */
	CSV_ST_PLAIN,		/* inside an unquoted field */
	CSV_ST_QUOTED,		/* inside a quoted field */
	CSV_ST_QUOTE_SEEN,	/* a quote inside a quoted field: end or "" */
};

struct csv {
	char *name;
	int fd;			/* -1: reading memory */
	const unsigned char *buf;
	unsigned char *own;	/* the read buffer when reading a file */
	size_t len, pos;
	bool eof;
	uint64_t total;

	/* position of the byte last returned */
	size_t line, col;
	bool line_break;	/* the last byte was CR or LF */
	int last;

	/* UTF-8 sequence in progress */
	int u8_need;
	unsigned char u8_lo, u8_hi, u8_lead;
	size_t u8_line, u8_col;

	/* the current record: fields NUL-terminated in rec */
	char *rec;
	size_t rec_len, rec_cap;
	size_t *fstart;
	size_t nfields, fcap;
	size_t rec_line;

	/* header */
	const struct csv_column *cols;
	size_t ncols;
	long *colmap;		/* COLS index -> field index, -1 absent */
	char **hnames;
	size_t nheader;
	bool have_header;

	/* where csv_next() reports */
	char *err;
	size_t errlen;
	int rc;
};

static int csv_fail(struct csv *c, size_t line, size_t field, int rc,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int csv_fail(struct csv *c, size_t line, size_t field, int rc,
		    const char *fmt, ...)
{
	va_list ap;
	int n;

	c->rc = rc;
	if (!c->err || !c->errlen)
		return rc;
	if (c->have_header && field < c->nheader)
		n = snprintf(c->err, c->errlen, "%s:%zu: %s: ", c->name, line,
			     c->hnames[field]);
	else
		n = snprintf(c->err, c->errlen, "%s:%zu: ", c->name, line);
	if (n < 0 || (size_t)n >= c->errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

static struct csv *csv_alloc(const char *name)
{
	struct csv *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = -1;
	c->line = 1;
	c->last = -1;
	c->name = strdup(name ? name : "");
	c->rec_cap = 256;
	c->rec = malloc(c->rec_cap);
	c->fcap = 16;
	c->fstart = malloc(c->fcap * sizeof(*c->fstart));
	if (!c->name || !c->rec || !c->fstart) {
		csv_destroy(&c);
		return NULL;
	}
	return c;
}

static void csv_skip_bom(struct csv *c)
{
	if (c->len - c->pos >= 3 && c->buf[c->pos] == 0xef &&
	    c->buf[c->pos + 1] == 0xbb && c->buf[c->pos + 2] == 0xbf)
		c->pos += 3;
}

/* Reads more of the file, keeping the unread bytes: at least MIN bytes are
 * buffered afterwards unless the file ends. 0 or -EIO. */
static int csv_fill(struct csv *c, size_t min)
{
	size_t keep;
	ssize_t n;

	if (c->fd < 0 || c->eof)
		return 0;
	keep = c->len - c->pos;
	memmove(c->own, c->own + c->pos, keep);
	c->pos = 0;
	c->len = keep;
	while (c->len < min && !c->eof) {
		n = read(c->fd, c->own + c->len, CSV_BUFSZ - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			c->eof = true;
		c->len += (size_t)n;
	}
	return 0;
}

int csv_open(const char *path, const char *name, csv_t **out, char *err,
	     size_t errlen)
{
	struct csv *c = csv_alloc(name);
	struct stat st;
	int rc;

	if (!c) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	c->own = malloc(CSV_BUFSZ);
	if (!c->own) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	c->buf = c->own;
	/* a bundle is plain files: no symbolic link (areas.csv ->
	 * /etc/shadow), no FIFO or device (O_NONBLOCK: opening a FIFO does
	 * not wait for a writer) */
	c->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (c->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, rc == -ELOOP
			 ? "a symbolic link: refused (bundle files must be regular files)"
			 : strerror(-rc));
		goto fail;
	}
	if (fstat(c->fd, &st) || !S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file: refused", path);
		goto fail;
	}
	rc = csv_fill(c, 3);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto fail;
	}
	csv_skip_bom(c);
	*out = c;
	return 0;
fail:
	csv_destroy(&c);
	return rc;
}

int csv_open_mem(const char *name, const void *buf, size_t len, csv_t **out)
{
	struct csv *c = csv_alloc(name);

	if (!c)
		return -ENOMEM;
	c->buf = buf;
	c->len = len;
	c->eof = true;
	csv_skip_bom(c);
	*out = c;
	return 0;
}

void csv_destroy(csv_t **cp)
{
	struct csv *c = cp ? *cp : NULL;

	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->hnames)
		for (size_t i = 0; i < c->nheader; i++)
			free(c->hnames[i]);
	free(c->hnames);
	free(c->colmap);
	free(c->own);
	free(c->rec);
	free(c->fstart);
	free(c->name);
	free(c);
	*cp = NULL;
}

static int csv_bad_utf8(struct csv *c, unsigned char b)
{
	return csv_fail(c, c->u8_line, c->nfields, -EINVAL,
			"invalid UTF-8 (byte 0x%02x in the sequence starting "
			"at character %zu of the line)", b, c->u8_col);
}

/* The next byte, CSV_EOF, or CSV_ERR (c->rc and the message set). Keeps the
 * line and column of the byte returned and validates UTF-8 on the way. */
static inline int csv_getc(struct csv *c)
{
	unsigned char b;
	int rc;

	if (c->pos == c->len) {
		rc = csv_fill(c, 1);
		if (rc < 0) {
			csv_fail(c, c->line, (size_t)-1, -EIO,
				 "read error: %s", strerror(-rc));
			return CSV_ERR;
		}
		if (c->pos == c->len) {
			if (c->u8_need) {
				csv_fail(c, c->u8_line, c->nfields, -EINVAL,
					 "invalid UTF-8 (the file ends inside "
					 "the sequence starting at character "
					 "%zu of the line)", c->u8_col);
				return CSV_ERR;
			}
			return CSV_EOF;
		}
	}
	b = c->buf[c->pos++];
	if (++c->total > CSV_MAX_BYTES) {
		csv_fail(c, c->line, (size_t)-1, -EFBIG,
			 "the file is larger than 1 GiB");
		return CSV_ERR;
	}
	if (c->line_break) {
		if (c->last == '\r' && b == '\n') {
			c->last = b;	/* the LF of a CRLF: same line break */
			return b;
		}
		c->line++;
		c->col = 0;
		c->line_break = false;
	}
	c->last = b;
	if (c->u8_need) {
		if (b < c->u8_lo || b > c->u8_hi) {
			csv_bad_utf8(c, b);
			return CSV_ERR;
		}
		c->u8_need--;
		c->u8_lo = 0x80;
		c->u8_hi = 0xbf;
		return b;
	}
	c->col++;
	if (b < 0x80) {
		if (b == '\r' || b == '\n')
			c->line_break = true;
		else if (b == 0) {
			csv_fail(c, c->line, c->nfields, -EINVAL,
				 "NUL byte at character %zu of the line",
				 c->col);
			return CSV_ERR;
		}
		return b;
	}
	c->u8_line = c->line;
	c->u8_col = c->col;
	c->u8_lead = b;
	c->u8_lo = 0x80;
	c->u8_hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf) {
		c->u8_need = 1;
	} else if (b >= 0xe0 && b <= 0xef) {
		c->u8_need = 2;
		if (b == 0xe0)
			c->u8_lo = 0xa0;	/* overlong */
		else if (b == 0xed)
			c->u8_hi = 0x9f;	/* surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		c->u8_need = 3;
		if (b == 0xf0)
			c->u8_lo = 0x90;	/* overlong */
		else if (b == 0xf4)
			c->u8_hi = 0x8f;	/* above U+10FFFF */
	} else {
		csv_bad_utf8(c, b);
		return CSV_ERR;
	}
	return b;
}

static int csv_grow(struct csv *c, size_t need)
{
	if (array_grow((void **)&c->rec, &c->rec_cap, need, 1, 0) < 0)
		return csv_fail(c, c->line, (size_t)-1, -ENOMEM,
				"out of memory");
	return 0;
}

static inline int csv_append(struct csv *c, int b)
{
	if (c->rec_len + 2 > c->rec_cap && csv_grow(c, c->rec_len + 2) < 0)
		return c->rc;
	if (c->rec_len - c->fstart[c->nfields] >= CSV_MAX_FIELD)
		return csv_fail(c, c->line, c->nfields, -EFBIG,
				"field longer than 1 MiB");
	c->rec[c->rec_len++] = (char)b;
	return 0;
}

/* Terminates the current field; the next one starts right after it. */
static int csv_end_field(struct csv *c)
{
	if (c->rec_len + 1 > c->rec_cap && csv_grow(c, c->rec_len + 1) < 0)
		return c->rc;
	c->rec[c->rec_len++] = '\0';
	c->nfields++;
	if (c->nfields >= CSV_MAX_FIELDS)
		return csv_fail(c, c->rec_line, (size_t)-1, -EINVAL,
				"more than %d fields", CSV_MAX_FIELDS - 1);
	if (array_grow((void **)&c->fstart, &c->fcap, c->nfields + 1,
		       sizeof(*c->fstart), 0) < 0)
		return csv_fail(c, c->line, (size_t)-1, -ENOMEM,
				"out of memory");
	c->fstart[c->nfields] = c->rec_len;
	return 0;
}

/* 1: a record, 0: end of input, < 0: error. */
static int csv_parse_record(struct csv *c)
{
	enum csv_state st = CSV_ST_START;
	bool started = false;
	size_t quote_line = 0;
	int b;

	c->rec_len = 0;
	c->nfields = 0;
	c->fstart[0] = 0;
	for (;;) {
		b = csv_getc(c);
		if (b == CSV_ERR)
			return c->rc;
		if (b == CSV_EOF) {
			if (st == CSV_ST_QUOTED)
				return csv_fail(c, quote_line, c->nfields,
						-EINVAL,
						"quoted field is never closed "
						"(unterminated quote)");
			if (st == CSV_ST_START && !started)
				return 0;
			return csv_end_field(c) < 0 ? c->rc : 1;
		}
		switch (st) {
		case CSV_ST_START:
			if (b == '\r' || b == '\n') {
				if (!started)
					continue;	/* empty line */
				return csv_end_field(c) < 0 ? c->rc : 1;
			}
			if (!started) {
				started = true;
				c->rec_line = c->line;
			}
			if (b == '"') {
				st = CSV_ST_QUOTED;
				quote_line = c->line;
			} else if (b == ',') {
				if (csv_end_field(c) < 0)
					return c->rc;
			} else {
				if (csv_append(c, b) < 0)
					return c->rc;
				st = CSV_ST_PLAIN;
			}
			break;
		case CSV_ST_PLAIN:
			if (b == ',') {
				if (csv_end_field(c) < 0)
					return c->rc;
				st = CSV_ST_START;
			} else if (b == '\r' || b == '\n') {
				return csv_end_field(c) < 0 ? c->rc : 1;
			} else if (b == '"') {
				return csv_fail(c, c->line, c->nfields, -EINVAL,
						"stray quote in an unquoted "
						"field (quote the whole field "
						"and double the quote)");
			} else if (csv_append(c, b) < 0) {
				return c->rc;
			}
			break;
		case CSV_ST_QUOTED:
			if (b == '"')
				st = CSV_ST_QUOTE_SEEN;
			else if (csv_append(c, b) < 0)
				return c->rc;
			break;
		case CSV_ST_QUOTE_SEEN:
			if (b == '"') {
				if (csv_append(c, b) < 0)
					return c->rc;
				st = CSV_ST_QUOTED;
			} else if (b == ',') {
				if (csv_end_field(c) < 0)
					return c->rc;
				st = CSV_ST_START;
			} else if (b == '\r' || b == '\n') {
				return csv_end_field(c) < 0 ? c->rc : 1;
			} else {
				return csv_fail(c, c->line, c->nfields, -EINVAL,
						"stray quote: text after the "
						"closing quote of a quoted "
						"field");
			}
			break;
		}
	}
}

int csv_next(csv_t *c, char *err, size_t errlen)
{
	int rc;

	c->err = err;
	c->errlen = errlen;
	rc = csv_parse_record(c);
	if (rc == 1 && c->have_header && c->nfields != c->nheader)
		rc = csv_fail(c, c->rec_line, (size_t)-1, -EINVAL,
			      "expected %zu fields, found %zu", c->nheader,
			      c->nfields);
	return rc;
}

static char *csv_trim_dup(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

static void quote_max(const char *s, size_t max, char *buf, size_t len);

int csv_read_header(csv_t *c, const struct csv_column *cols, size_t ncols,
		    char *err, size_t errlen)
{
	char missing[512] = "";
	size_t nmissing = 0, off = 0;
	int rc;

	if (c->have_header)
		return -EINVAL;
	rc = csv_next(c, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		snprintf(err, errlen, "%s:1: no header row (the file is empty)",
			 c->name);
		return -EINVAL;
	}
	c->hnames = calloc(c->nfields, sizeof(*c->hnames));
	c->colmap = malloc((ncols ? ncols : 1) * sizeof(*c->colmap));
	if (!c->hnames || !c->colmap) {
		snprintf(err, errlen, "%s: out of memory", c->name);
		return -ENOMEM;
	}
	c->nheader = c->nfields;
	for (size_t i = 0; i < c->nheader; i++) {
		c->hnames[i] = csv_trim_dup(csv_field(c, i));
		if (!c->hnames[i]) {
			snprintf(err, errlen, "%s: out of memory", c->name);
			return -ENOMEM;
		}
	}
	c->cols = cols;
	c->ncols = ncols;
	for (size_t j = 0; j < ncols; j++)
		c->colmap[j] = -1;
	for (size_t i = 0; i < c->nheader; i++) {
		char q[96];
		size_t j;

		if (!c->hnames[i][0]) {
			snprintf(err, errlen, "%s:%zu: column %zu has no name",
				 c->name, c->rec_line, i + 1);
			return -EINVAL;
		}
		for (j = 0; j < ncols; j++)
			if (!strcmp(cols[j].name, c->hnames[i]))
				break;
		csv_quote(c->hnames[i], q, sizeof(q));
		if (j == ncols) {
			/* briefly: the "header" of a file that is not one of
			 * ours (a link to a secret, say) is not echoed whole */
			quote_max(c->hnames[i], CSV_UNKNOWN_SHOWN, q, sizeof(q));
			char known[512] = "";
			size_t k = 0;

			for (size_t m = 0; m < ncols && k < sizeof(known);
			     m++) {
				int n = snprintf(known + k, sizeof(known) - k,
						 "%s%s", m ? ", " : "",
						 cols[m].name);
				if (n < 0)
					break;
				k += (size_t)n;
			}
			snprintf(err, errlen, "%s:%zu: %s: unknown column (the "
				 "columns are %s)", c->name, c->rec_line,
				 q, known);
			return -EINVAL;
		}
		if (c->colmap[j] >= 0) {
			snprintf(err, errlen, "%s:%zu: %s: duplicate column "
				 "(columns %ld and %zu)", c->name, c->rec_line,
				 q, c->colmap[j] + 1, i + 1);
			return -EINVAL;
		}
		c->colmap[j] = (long)i;
	}
	for (size_t j = 0; j < ncols; j++) {
		int n;

		if (!cols[j].required || c->colmap[j] >= 0)
			continue;
		n = snprintf(missing + off, sizeof(missing) - off, "%s%s",
			     nmissing ? ", " : "", cols[j].name);
		if (n > 0 && (size_t)n < sizeof(missing) - off)
			off += (size_t)n;
		nmissing++;
	}
	if (nmissing) {
		snprintf(err, errlen, "%s:%zu: %s: required column%s missing",
			 c->name, c->rec_line, missing,
			 nmissing > 1 ? "s" : "");
		return -EINVAL;
	}
	c->have_header = true;
	return 0;
}

size_t csv_nfields(const csv_t *c)
{
	return c->nfields;
}

const char *csv_field(const csv_t *c, size_t i)
{
	return i < c->nfields ? c->rec + c->fstart[i] : "";
}

size_t csv_field_len(const csv_t *c, size_t i)
{
	return i < c->nfields ? c->fstart[i + 1] - c->fstart[i] - 1 : 0;
}

bool csv_is_guarded(const char *s)
{
	size_t q = strspn(s, "'");

	return s[q] && strchr(CSV_FORMULA_STARTS, s[q]);
}

const char *csv_get(const csv_t *c, size_t col)
{
	const char *s;

	if (!c->have_header || col >= c->ncols || c->colmap[col] < 0)
		return "";
	s = csv_field(c, (size_t)c->colmap[col]);
	/* the export's guard against spreadsheet formulas comes off */
	return s[0] == '\'' && csv_is_guarded(s) ? s + 1 : s;
}

bool csv_has(const csv_t *c, size_t col)
{
	return c->have_header && col < c->ncols && c->colmap[col] >= 0;
}

size_t csv_line(const csv_t *c)
{
	return c->rec_line;
}

const char *csv_name(const csv_t *c)
{
	return c->name;
}

/* ---- typed values ---- */

static bool csv_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

int csv_parse_int(const char *s, long long *out)
{
	return number_parse_int(s, out);
}

int csv_parse_double(const char *s, double *out)
{
	return number_parse_double(s, out);
}

int csv_parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true"))
		*out = true;
	else if (!strcmp(s, "false"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* Reads exactly N digits at *P. */
static bool csv_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!csv_is_digit((*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static int64_t csv_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void csv_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int csv_days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

#define CSV_US_PER_DAY INT64_C(86400000000)

int csv_parse_timestamp(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, us = 0;
	int64_t t, days, ymin, ymax;
	int sign = 0;
	const char *p = s;

	if (!csv_digits(&p, 4, &y) || *p++ != '-' || !csv_digits(&p, 2, &mo) ||
	    *p++ != '-' || !csv_digits(&p, 2, &d))
		return -EINVAL;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > csv_days_in_month(y, mo))
		return -EINVAL;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!csv_digits(&p, 2, &h) || *p++ != ':' ||
		    !csv_digits(&p, 2, &mi))
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (!csv_digits(&p, 2, &sec))
				return -EINVAL;
			if (*p == '.' || *p == ',') {
				int n = 0, round = 0;

				p++;
				if (!csv_is_digit(*p))
					return -EINVAL;
				for (; csv_is_digit(*p); p++, n++) {
					if (n < 6)
						us = us * 10 + (*p - '0');
					else if (n == 6)
						round = *p >= '5';
				}
				for (; n < 6; n++)
					us *= 10;
				us += round;
			}
		}
		if (h > 23 || mi > 59 || sec > 59)
			return -EINVAL;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!csv_digits(&p, 2, &oh))
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (!csv_digits(&p, 2, &om))
				return -EINVAL;
		} else if (csv_is_digit(*p) && !csv_digits(&p, 2, &om)) {
			return -EINVAL;
		}
		if (oh > 23 || om > 59)
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	days = csv_days_from_civil(y, mo, d);
	t = days * CSV_US_PER_DAY +
	    ((int64_t)h * 3600 + mi * 60 + sec) * 1000000 + us;
	t -= (int64_t)sign * ((int64_t)oh * 3600 + om * 60) * 1000000;
	ymin = csv_days_from_civil(1, 1, 1) * CSV_US_PER_DAY;
	ymax = csv_days_from_civil(10000, 1, 1) * CSV_US_PER_DAY;
	if (t < ymin || t >= ymax)
		return -EINVAL;
	*out = t;
	return 0;
}

void csv_format_timestamp(int64_t us, char *buf, size_t len)
{
	int64_t days = us / CSV_US_PER_DAY, rem = us % CSV_US_PER_DAY, y;
	int m, d;

	if (rem < 0) {
		rem += CSV_US_PER_DAY;
		days--;
	}
	csv_civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04lld-%02d-%02d %02d:%02d:%02d.%06d+00",
		 (long long)y, m, d, (int)(rem / 3600000000),
		 (int)(rem / 60000000 % 60), (int)(rem / 1000000 % 60),
		 (int)(rem % 1000000));
}

/* csv_quote() showing at most max characters */
static void quote_max(const char *s, size_t max, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, shown = 0;

	if (!len)
		return;
	while (*p) {
		char tmp[8];
		size_t clen = 1, n;

		if (*p >= 0xf0)
			clen = 4;
		else if (*p >= 0xe0)
			clen = 3;
		else if (*p >= 0xc0)
			clen = 2;
		for (size_t i = 1; i < clen; i++)
			if (!p[i])
				clen = i;
		if (shown >= max) {
			if (o + 4 <= len) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
		} else if (*p == '"' || *p == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)*p;
			n = 2;
		} else {
			memcpy(tmp, p, clen);
			n = clen;
		}
		if (o + n + 1 > len)
			break;
		memcpy(buf + o, tmp, n);
		o += n;
		p += clen;
		shown++;
	}
	buf[o] = '\0';
}

void csv_quote(const char *s, char *buf, size_t len)
{
	quote_max(s, 60, buf, len);
}
