/* libFuzzer target: the readers of PostgreSQL's text output the loader
 * runs on every COPY row (daemon/pgtext.c).
 *
 * Byte 0 picks the reader (byte 0 % 5) and, for CSV, how many fields the
 * row may have (byte 0 / 5 % 8 + 1); the rest is the text, copied into an
 * exact-size buffer plus the NUL that PQgetCopyData leaves after a row.
 *
 *   0 pgtext_int          1 pgtext_csv_fields     2 pgtext_json_string
 *   3 pgtext_object_each  4 pgtext_assessment
 *
 * Besides the sanitizers it checks what pgtext.h promises: only -EPROTO or
 * -ERANGE (or -ENOMEM) as errors, outputs untouched on error, integers that
 * agree with strtoll, CSV fields that survive quoting and splitting again,
 * unescaped JSON that never outgrows its input and is valid UTF-8 when the
 * input was, assessment lines that survive printing and parsing again. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "pgtext.h"
#include "query/query.h"

#define FUZZ_MAX_FIELDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_pgtext: %s: %s\n", what, detail);
	abort();
}

static void fuzz_int(const char *s)
{
	int64_t v = 42;
	int rc = pgtext_int(s, &v);
	const char *d = s + (s[0] == '-');
	size_t digits = strspn(d, "0123456789");
	bool shape = digits > 0 && d[digits] == '\0';
	long long ref;
	char *end;

	if (rc && v != 42)
		fuzz_fail("pgtext_int wrote its output on error", s);
	if (!shape) {
		if (rc != -EPROTO)
			fuzz_fail("pgtext_int took a non-integer", s);
		return;
	}
	errno = 0;
	ref = strtoll(s, &end, 10);
	if (rc == -ERANGE) {
		if (digits <= PGTEXT_INT_DIGITS && errno != ERANGE)
			fuzz_fail("pgtext_int refused an int64 in range", s);
	} else if (rc == 0) {
		if (errno == ERANGE || ref != v)
			fuzz_fail("pgtext_int disagrees with strtoll", s);
	} else {
		fuzz_fail("pgtext_int: unexpected error", s);
	}
}

/* fields quoted as COPY (FORMAT csv) would, one row, '\n' at the end */
static char *fuzz_csv_row(char **f, int n, size_t *len)
{
	size_t cap = 2;
	char *row, *p;

	for (int i = 0; i < n; i++)
		cap += 2 * strlen(f[i]) + 3;
	row = malloc(cap);
	if (!row)
		return NULL;
	p = row;
	for (int i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		*p++ = '"';
		for (const char *c = f[i]; *c; c++) {
			if (*c == '"')
				*p++ = '"';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '\n';
	*p = '\0';
	*len = (size_t)(p - row);
	return row;
}

static void fuzz_csv(char *text, size_t len, int max)
{
	char *f[FUZZ_MAX_FIELDS], *g[FUZZ_MAX_FIELDS], *row;
	int n = pgtext_csv_fields(text, len, f, max), m;
	size_t rlen;

	if (n < 0) {
		if (n != -EPROTO)
			fuzz_fail("pgtext_csv_fields: unexpected error", "");
		return;
	}
	if (n == 0 || n > max)
		fuzz_fail("pgtext_csv_fields: a field count out of 1..n", "");
	for (int i = 0; i < n; i++)
		if (f[i] < text || f[i] + strlen(f[i]) > text + len)
			fuzz_fail("a field outside the row", f[i]);
	row = fuzz_csv_row(f, n, &rlen);
	if (!row)
		return;
	m = pgtext_csv_fields(row, rlen, g, max);
	if (m != n)
		fuzz_fail("a quoted row splits into another field count", row);
	for (int i = 0; i < n; i++)
		if (strcmp(f[i], g[i]) != 0)
			fuzz_fail("a field does not survive quoting", f[i]);
	free(row);
}

static void fuzz_json_string(const char *text, size_t len)
{
	const char *p = text;
	char *out = malloc(len + 1), *in;
	size_t used;
	int rc;

	if (!out)
		return;
	rc = pgtext_json_string(&p, out);
	if (rc) {
		if (rc != -EPROTO)
			fuzz_fail("pgtext_json_string: unexpected error", "");
		if (p != text)
			fuzz_fail("pgtext_json_string moved *pp on error", "");
		goto out;
	}
	used = (size_t)(p - text);
	if (used == 0 || used > strlen(text) || p[-1] != '"')
		fuzz_fail("pgtext_json_string stopped elsewhere than a quote", "");
	if (strlen(out) >= used)
		fuzz_fail("unescaping grew the text", out);
	/* valid UTF-8 in, valid UTF-8 out */
	in = strndup(text, used);
	if (in && query_utf8_valid(in) && !query_utf8_valid(out))
		fuzz_fail("unescaping made invalid UTF-8", out);
	free(in);
out:
	free(out);
}

struct fuzz_pairs {
	size_t len;		/* of the whole text */
	bool utf8;		/* the text is valid UTF-8 */
	int calls;
};

static int fuzz_pair(void *arg, const char *key, const char *val)
{
	struct fuzz_pairs *fp = arg;

	fp->calls++;
	if (strlen(key) > fp->len || strlen(val) > fp->len)
		fuzz_fail("a key or value longer than the text", key);
	if (fp->utf8 && (!query_utf8_valid(key) || !query_utf8_valid(val)))
		fuzz_fail("a key or value is not valid UTF-8", key);
	/* stop early now and then: the walk must pass the error on */
	return fp->calls == 3 ? -ECANCELED : 0;
}

static void fuzz_object(const char *text)
{
	struct fuzz_pairs fp = { strlen(text), query_utf8_valid(text), 0 };
	int rc = pgtext_object_each(text, fuzz_pair, &fp);

	if (rc == -ECANCELED) {
		if (fp.calls != 3)
			fuzz_fail("the callback's error came from elsewhere", "");
	} else if (rc != 0 && rc != -EPROTO && rc != -ENOMEM) {
		fuzz_fail("pgtext_object_each: unexpected error", text);
	}
}

static const char *fuzz_source_name(unsigned bit)
{
	switch (bit) {
	case GRAPH_SRC_MANAGER: return "manager";
	case GRAPH_SRC_SELF: return "self";
	case GRAPH_SRC_PEER: return "peer";
	case GRAPH_SRC_CERTIFICATION: return "certification";
	}
	return NULL;
}

static void fuzz_assessment(char *text, size_t len)
{
	struct pgtext_assessment a = { .level = 99, .source = 99 }, b;
	const char *src;
	char again[160];
	int rc = pgtext_assessment(text, len, &a), n;

	if (rc) {
		if (rc != -EPROTO && rc != -ERANGE)
			fuzz_fail("pgtext_assessment: unexpected error", "");
		if (a.level != 99 || a.source != 99)
			fuzz_fail("pgtext_assessment wrote its output on error", "");
		return;
	}
	src = fuzz_source_name(a.source);
	if (!src)
		fuzz_fail("pgtext_assessment: not one source bit", "");
	n = snprintf(again, sizeof(again), "%lld\t%lld\t%u\t%s\t%lld\n",
		     (long long)a.emp_id, (long long)a.comp_id, a.level, src,
		     (long long)a.at_us);
	if (n <= 0 || (size_t)n >= sizeof(again))
		fuzz_fail("an assessment line too long to print", "");
	if (pgtext_assessment(again, (size_t)n, &b) || a.emp_id != b.emp_id ||
	    a.comp_id != b.comp_id || a.at_us != b.at_us ||
	    a.level != b.level || a.source != b.source)
		fuzz_fail("an assessment does not survive printing", again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	/* exact size plus the NUL libpq leaves after a row: ASan sees any
	 * read past it */
	text = malloc(len + 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, len);
	text[len] = '\0';
	switch (data[0] % 5) {
	case 0: fuzz_int(text); break;
	case 1: fuzz_csv(text, len, data[0] / 5 % FUZZ_MAX_FIELDS + 1); break;
	case 2: fuzz_json_string(text, len); break;
	case 3: fuzz_object(text); break;
	case 4: fuzz_assessment(text, len); break;
	}
	free(text);
	return 0;
}
