/* bundle_valid: the import's field validation: each field of a row checked
 * against what its column may hold, keys resolved to ids, and keys or
 * pairs the bundle names twice refused (see bundle_private.h). Every
 * error reads "file:line: column: what".
 */
#include "bundle_private.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

const char *const imp_sources[] = { "manager", "self", "peer",
				    "certification", NULL };

int imp_next(struct imp *im, csv_t *c)
{
	int rc = csv_next(c, im->err, im->errlen);

	if (rc == 1)
		im->rows[im->cur]++;
	return rc;
}

const char *imp_q(const char *s, char *buf, size_t len)
{
	csv_quote(s, buf, len);
	return buf;
}

/* A key: non-empty, at most IMP_KEY_MAX bytes, no control characters, no
 * spaces at either end. */
int imp_key(struct imp *im, const csv_t *c, size_t col, const char **out)
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

int imp_int(struct imp *im, const csv_t *c, size_t col, long long lo,
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
int imp_num(struct imp *im, const csv_t *c, size_t col, double lo,
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

int imp_bool(struct imp *im, const csv_t *c, size_t col, bool *out)
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
int imp_enum(struct imp *im, const csv_t *c, size_t col,
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

int imp_timestamp(struct imp *im, const csv_t *c, size_t col,
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
int imp_ref(struct imp *im, const csv_t *c, size_t col,
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

/* The id of the employee named in column COL (im->emp loaded). */
int imp_employee(struct imp *im, const csv_t *c, size_t col, int64_t *id)
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

/* Records that the bundle names KEY (of ENT) on this line: a second time
 * is an error. */
int imp_seen(struct imp *im, const csv_t *c, size_t col,
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
int imp_seen_pair(struct imp *im, const csv_t *c, size_t col,
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
