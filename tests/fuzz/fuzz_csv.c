/* libFuzzer target: the bundle's streaming CSV parser and the parsers of
 * the typed values its fields hold.
 *
 * The input is a whole file, read with csv_open_mem() against one fixed
 * column spec: every column any bundle file has, none required, so each of
 * the demo bundle's files (the seed corpus) gets past its header. When the
 * header is refused, the same bytes are read again as bare records.
 *
 * Besides the sanitizers it checks what csv.h promises: every record of a
 * file with a header has as many fields as the header, fields are valid
 * UTF-8 without NUL bytes and their lengths are right, an error always
 * comes with a "NAME:LINE: " message, timestamps survive a round trip
 * through csv_format_timestamp(), and csv_quote() stays in its buffer. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

#define FUZZ_NAME "fuzz.csv"

static const struct csv_column fuzz_cols[] = {
	{ "key", false },	   { "name", false },	     { "kind", false },
	{ "area", false },	   { "description", false }, { "title", false },
	{ "track", false },	   { "grade", false },	     { "pay_min", false },
	{ "pay_max", false },	   { "scope", false },	     { "complexity", false },
	{ "volume", false },	   { "drive", false },	     { "influence", false },
	{ "role", false },	   { "competency", false },  { "level", false },
	{ "weight", false },	   { "must_have", false },   { "from", false },
	{ "to", false },	   { "typical_months", false }, { "hours", false },
	{ "lms_ref", false },	   { "module", false },	     { "entry_level", false },
	{ "requires", false },	   { "id", false },	     { "manager", false },
	{ "attributes", false },   { "active", false },	     { "employee", false },
	{ "source", false },	   { "assessed_at", false }, { "completed_at", false },
	{ "value", false },
};
#define FUZZ_NCOLS (sizeof(fuzz_cols) / sizeof(*fuzz_cols))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_csv: %s: %s\n", what, detail);
	abort();
}

static bool fuzz_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p, n, cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		if ((size_t)(end - p) <= n)
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/* An error message starts with "fuzz.csv:LINE" */
static void fuzz_check_error(const char *err)
{
	const char *p = err + strlen(FUZZ_NAME);

	if (strncmp(err, FUZZ_NAME ":", strlen(FUZZ_NAME ":")) != 0)
		fuzz_fail("error message without the file name", err);
	/* "fuzz.csv: out of memory" is the one message without a line */
	if (!strcmp(p, ": out of memory"))
		return;
	p++;
	if (*p < '1' || *p > '9')
		fuzz_fail("error message without a line number", err);
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p != ':')
		fuzz_fail("error message without a line number", err);
}

static void fuzz_typed(const char *s)
{
	long long i;
	double d;
	bool b;
	int64_t t, t2;
	char buf[40], q[16], big[96];

	if (csv_parse_int(s, &i) == 0) {
		snprintf(buf, sizeof(buf), "%lld", i);
		if (csv_parse_int(buf, &i))
			fuzz_fail("an int does not survive printing", s);
	}
	if (csv_parse_double(s, &d) == 0 && d != d)
		fuzz_fail("csv_parse_double accepted a NaN", s);
	if (csv_parse_bool(s, &b) == 0 && strcmp(s, "true") && strcmp(s, "false"))
		fuzz_fail("csv_parse_bool accepted", s);
	if (csv_parse_timestamp(s, &t) == 0) {
		csv_format_timestamp(t, buf, sizeof(buf));
		if (csv_parse_timestamp(buf, &t2) || t2 != t)
			fuzz_fail("a timestamp does not survive formatting", s);
	}
	/* a small buffer and a large one: both NUL-terminated, in bounds */
	csv_quote(s, q, sizeof(q));
	if (strlen(q) >= sizeof(q))
		fuzz_fail("csv_quote overflowed", s);
	csv_quote(s, big, sizeof(big));
	if (!fuzz_utf8(big, strlen(big)))
		fuzz_fail("csv_quote cut a character", s);
}

static void fuzz_record(csv_t *c, bool header)
{
	for (size_t i = 0; i < csv_nfields(c); i++) {
		const char *f = csv_field(c, i);
		size_t len = csv_field_len(c, i);

		if (strlen(f) != len)
			fuzz_fail("csv_field_len disagrees with the field", f);
		if (len > CSV_MAX_FIELD)
			fuzz_fail("a field over CSV_MAX_FIELD", "");
		if (!fuzz_utf8(f, len))
			fuzz_fail("a field is not valid UTF-8", "");
		fuzz_typed(f);
	}
	if (!header)
		return;
	for (size_t j = 0; j < FUZZ_NCOLS; j++) {
		const char *v = csv_get(c, j);

		if (!csv_has(c, j) && v[0])
			fuzz_fail("csv_get of an absent column is not empty",
				  fuzz_cols[j].name);
	}
	if (csv_line(c) < 2)
		fuzz_fail("a record before line 2", "");
}

/* Reads every record; header: after csv_read_header(). */
static void fuzz_records(csv_t *c, bool header, size_t nheader)
{
	char err[512];
	size_t last_line = header ? 1 : 0;
	int rc;

	for (;;) {
		err[0] = '\0';
		rc = csv_next(c, err, sizeof(err));
		if (rc == 0)
			break;
		if (rc < 0) {
			if (rc != -EINVAL && rc != -EFBIG && rc != -ENOMEM)
				fuzz_fail("csv_next: unexpected error", strerror(-rc));
			fuzz_check_error(err);
			break;
		}
		if (rc != 1)
			fuzz_fail("csv_next returned neither -errno, 0 nor 1", "");
		if (header && csv_nfields(c) != nheader)
			fuzz_fail("a record with the wrong number of fields", "");
		if (csv_line(c) <= last_line)
			fuzz_fail("line numbers do not increase", "");
		last_line = csv_line(c);
		fuzz_record(c, header);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	csv_t *c = NULL;
	int rc;

	if (csv_open_mem(FUZZ_NAME, data, size, &c))
		return 0;
	rc = csv_read_header(c, fuzz_cols, FUZZ_NCOLS, err, sizeof(err));
	if (rc == 0) {
		fuzz_records(c, true, csv_nfields(c));
	} else {
		if (rc != -EINVAL && rc != -EFBIG && rc != -ENOMEM)
			fuzz_fail("csv_read_header: unexpected error",
				  strerror(-rc));
		fuzz_check_error(err);
		csv_destroy(&c);
		if (csv_open_mem(FUZZ_NAME, data, size, &c))
			return 0;
		fuzz_records(c, false, 0);
	}
	csv_destroy(&c);
	return 0;
}
