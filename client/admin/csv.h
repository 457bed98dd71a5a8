/* csv: a streaming RFC 4180 reader for the framework bundle, and the
 * parsers of the typed values its fields hold.
 *
 * Dialect: fields separated by ','; a field may be quoted with '"', a
 * doubled quote inside quotes is one quote, and quotes may hold ',' and
 * line breaks. Records end at LF, CRLF or a lone CR. A UTF-8 byte order
 * mark at the start is skipped, a last record without a line end is
 * accepted, and empty lines are skipped. The input must be valid UTF-8
 * without NUL bytes.
 *
 * Line numbers are physical: a record's line is the line where it starts,
 * and line breaks inside quoted fields count. Every error message has the
 * form "NAME:LINE: COLUMN: what is wrong" (or "NAME:LINE: what is wrong"
 * when no column applies), NAME being the name given at open.
 */
#ifndef PATHWAYS_CSV_H
#define PATHWAYS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSV_MAX_FIELD ((size_t)1 << 20)	/* bytes in one field */
#define CSV_MAX_BYTES ((uint64_t)1 << 30)	/* bytes in one file */
#define CSV_MAX_FIELDS 1024		/* fields in one record */
#define CSV_UNKNOWN_SHOWN 24		/* characters of an unknown column
					 * name an error message shows */

typedef struct csv csv_t;

/* One column a file may have; `required` columns must be in the header. */
struct csv_column {
	const char *name;
	bool required;
};

/* Opens PATH; NAME (copied) is what error messages call the file.
 * -errno on failure (err says why): -ELOOP PATH is a symbolic link, -EINVAL
 * it is not a regular file. The caller must csv_destroy(). */
int csv_open(const char *path, const char *name, csv_t **out, char *err,
	     size_t errlen) __attribute__((warn_unused_result));

/* Reads LEN bytes at BUF, which stay borrowed until csv_destroy(). */
int csv_open_mem(const char *name, const void *buf, size_t len, csv_t **out)
	__attribute__((warn_unused_result));

/* Closes the file and frees the reader; *c may be NULL, and is set to NULL. */
void csv_destroy(csv_t **c);

/* Reads the header row and matches it to COLS (NCOLS of them, borrowed for
 * the reader's lifetime): columns in any order, names trimmed of spaces.
 * An unknown or duplicated column, a missing required column or a missing
 * header is -EINVAL (an unknown name is shown by its first
 * CSV_UNKNOWN_SHOWN characters only, escaped as csv_quote() does). Afterwards every record must have as many fields as
 * the header, and csv_get() reads fields by index into COLS. */
int csv_read_header(csv_t *c, const struct csv_column *cols, size_t ncols,
		    char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Reads the next record: 1 when there is one, 0 at the end of the input,
 * -EINVAL on malformed input, -EFBIG over a size limit, -EIO on a read
 * error (err says which line and what). */
int csv_next(csv_t *c, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The current record's fields, NUL-terminated, valid until csv_next(). */
size_t csv_nfields(const csv_t *c);
const char *csv_field(const csv_t *c, size_t i);
size_t csv_field_len(const csv_t *c, size_t i);

/* The characters that make a spreadsheet read a cell as a formula (OWASP's
 * CSV injection list). The export writes a field that begins with one of
 * them, or with quotes and then one of them, with one more ' in front
 * (csv_is_guarded()), and csv_get() takes one ' off a field made of one or
 * more ' and then one of them: import, export, import is exact. */
#define CSV_FORMULA_STARTS "=+-@\t\r"

/* Whether s is zero or more ' followed by a CSV_FORMULA_STARTS character:
 * the fields the export writes with a ' in front. */
bool csv_is_guarded(const char *s);

/* After csv_read_header(): the field of COLS[col] ("" when the header has
 * no such column; the formula guard taken off, see CSV_FORMULA_STARTS),
 * whether the header has it, and the column's name. */
const char *csv_get(const csv_t *c, size_t col);
bool csv_has(const csv_t *c, size_t col);

/* The physical line where the current record starts (the header is 1). */
size_t csv_line(const csv_t *c);
/* The name given at open. */
const char *csv_name(const csv_t *c);

/* Typed field values. Each returns 0 and writes *out, or -EINVAL (*out
 * untouched) when S is not exactly such a value. */

/* A whole number: optional sign, decimal digits, nothing else (the
 * grammar of daemon/common/number.h, shared with the daemon). */
int csv_parse_int(const char *s, long long *out)
	__attribute__((warn_unused_result));
/* A finite decimal number ("12", "-0.5", "1e3"); no hex, inf or nan. */
int csv_parse_double(const char *s, double *out)
	__attribute__((warn_unused_result));
/* Exactly "true" or "false". */
int csv_parse_bool(const char *s, bool *out)
	__attribute__((warn_unused_result));
/* An ISO 8601 timestamp: YYYY-MM-DD, optionally followed by 'T' or ' ' and
 * hh:mm[:ss[.fraction]], optionally followed by 'Z' or an offset ±hh[[:]mm]
 * (a date alone is midnight). Without an offset the time is UTC. *out is
 * microseconds since 1970-01-01T00:00:00Z, fractions rounded to a
 * microsecond. Years 1 to 9999. */
int csv_parse_timestamp(const char *s, int64_t *out)
	__attribute__((warn_unused_result));
/* Formats microseconds since the epoch as "YYYY-MM-DD hh:mm:ss.ffffff+00",
 * which PostgreSQL reads back exactly; BUF needs 32 bytes. */
void csv_format_timestamp(int64_t us, char *buf, size_t len);

/* Writes S into BUF for an error message: at most about 60 characters,
 * control characters and quotes escaped, cut on a character boundary
 * (S must be valid UTF-8). */
void csv_quote(const char *s, char *buf, size_t len);

#endif
