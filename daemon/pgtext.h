/* pgtext: the text PostgreSQL sends the loader, parsed without libpq.
 *
 * The loader reads the people tables with COPY (a row is one buffer from
 * PQgetCopyData) and the attributes as jsonb's text output; these are the
 * hand-written readers of those formats. They run once per row on millions
 * of rows, so they split in place and never allocate (except
 * pgtext_object_each, once per object). Every one of them is strict:
 * anything PostgreSQL would not have written is -EPROTO, never a guess.
 *
 * Pure functions over bytes: no state, no libpq, safe from any thread. */
#ifndef PATHWAYS_PGTEXT_H
#define PATHWAYS_PGTEXT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* The longest decimal integer pgtext_int takes, sign aside: 19 digits
 * cannot overflow the uint64_t it sums in. */
#define PGTEXT_INT_DIGITS 19

/* A whole NUL-terminated string as a decimal int64: an optional '-' then
 * 1 to 19 digits, nothing else (no '+', no spaces). -EPROTO if it is not
 * one, -ERANGE if it does not fit; *out untouched on error.
 *
 * Inline because COPY text holds plain decimal integers four million
 * times over at scale, and a digit loop is several times cheaper than
 * strtoll. */
static inline __attribute__((warn_unused_result)) int
pgtext_int(const char *s, int64_t *out)
{
	const char *p = s;
	uint64_t v = 0;
	int neg = *p == '-';

	if (neg)
		p++;
	s = p;
	/* past 19 digits only look: what follows decides -EPROTO first */
	for (; *p >= '0' && *p <= '9'; p++)
		if (p - s < PGTEXT_INT_DIGITS)
			v = v * 10 + (uint64_t)(*p - '0');
	if (p == s || *p)
		return -EPROTO;
	if (p - s > PGTEXT_INT_DIGITS ||
	    v > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -ERANGE;
	/* -(INT64_MAX + 1) through unsigned arithmetic: no signed overflow */
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* One row of COPY ... (FORMAT csv) output: line holds len bytes, the last
 * one usually '\n', and line[len] must be writable (PQgetCopyData ends its
 * buffer with a NUL there). Splits line in place into its fields, quotes
 * removed and doubled quotes undone; f[i] points into line, each field
 * NUL-terminated. A field may hold ',', '\n' or '"' when quoted. SQL NULL
 * and the empty string both come out as "".
 *
 * Returns the number of fields (1 to n), or -EPROTO when the row has more
 * than n fields, an unterminated quote, or text after a closing quote. */
int pgtext_csv_fields(char *line, size_t len, char **f, int n)
	__attribute__((warn_unused_result));

/* A JSON string whose opening quote is just before *pp, in a NUL-terminated
 * text: unescaped into out (UTF-8), NUL-terminated, and *pp moved past the
 * closing quote. out needs strlen(*pp) + 1 bytes at most: unescaping never
 * grows the text. -EPROTO (*pp untouched) on a missing closing quote, an
 * unknown escape, a bad \u escape, an unpaired UTF-16 surrogate or \u0000
 * (none of which jsonb ever writes). */
int pgtext_json_string(const char **pp, char *out)
	__attribute__((warn_unused_result));

/* Called with each key and value of an object; both borrowed until it
 * returns. A non-zero return stops the walk and is passed on. */
typedef int (*pgtext_pair_fn)(void *arg, const char *key, const char *val);

/* Walks a JSON object as jsonb writes it (NUL-terminated text) and hands
 * each pair to fn, the way jsonb_each_text() gives them: strings unescaped
 * and unquoted, null as "", any other value (number, true, false, nested
 * object or array) as its JSON text. 0, -EPROTO on anything but one object
 * (nothing may follow it), -ENOMEM, or fn's non-zero return. */
int pgtext_object_each(const char *json, pgtext_pair_fn fn, void *arg)
	__attribute__((warn_unused_result));

/* One assessment row, as the loader's COPY (text format) sends it. */
struct pgtext_assessment {
	int64_t emp_id, comp_id;	/* database ids */
	int64_t at_us;			/* assessed_at, unix µs */
	unsigned level;
	unsigned source;		/* one enum graph_source bit */
};

/* One line of COPY text output with five tab-separated columns:
 * employee_id, competency_id, level, source, epoch µs, then '\n' (or the
 * end). Splits line in place (len bytes, line[len] readable and NUL as
 * PQgetCopyData leaves it). Our columns never need COPY's backslash
 * escapes; a \N (NULL) is refused like any other non-number. -EPROTO on a
 * malformed line or an unknown source, -ERANGE on a number out of range;
 * *out untouched on error. */
int pgtext_assessment(char *line, size_t len, struct pgtext_assessment *out)
	__attribute__((warn_unused_result));

#endif
