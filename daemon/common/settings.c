#include "settings.h"
#include "number.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(f) offsetof(struct settings, f)

/* Ranges are the importer's, which the bundle documentation gives: a level
 * bar of 0 would mean the same as 1 (every requirement asks for 1 or more),
 * and expiry beyond 100 years is not a policy anyone writes down. */
const struct settings_def settings_table[] = {
	{ "band_ready_now", SETTINGS_NUMBER, 0, 100, "90",
	  FIELD(band_ready_now) },
	{ "band_ready_soon", SETTINGS_NUMBER, 0, 100, "70",
	  FIELD(band_ready_soon) },
	{ "band_developing", SETTINGS_NUMBER, 0, 100, "40",
	  FIELD(band_developing) },
	{ "step_penalty", SETTINGS_NUMBER, 0, 1e6, "1", FIELD(step_penalty) },
	{ "infer_promotions", SETTINGS_BOOL, 0, 0, "true",
	  FIELD(infer_promotions) },
	{ "infer_lateral", SETTINGS_BOOL, 0, 0, "false",
	  FIELD(infer_lateral) },
	{ "trusted_sources", SETTINGS_SOURCES, 0, 0,
	  "manager,peer,certification", FIELD(trusted_sources) },
	{ "mentor_min_level", SETTINGS_INT, 1, 5, "4",
	  FIELD(mentor_min_level) },
	{ "inferred_move_months", SETTINGS_INT, 0, 600, "12",
	  FIELD(inferred_move_months) },
	{ "readiness_mode", SETTINGS_MODE, 0, 0, "proportional",
	  FIELD(readiness_mode) },
	{ "assessment_valid_days", SETTINGS_INT, 0, 36500, "0",
	  FIELD(assessment_valid_days) },
};
const size_t settings_n = sizeof(settings_table) / sizeof(settings_table[0]);

/* bit i is source_names[i] */
static const char *const source_names[] = { "manager", "self", "peer",
					    "certification" };
#define SOURCES_N 4

static const char *const mode_names[] = { "proportional", "binary" };

const struct settings_def *settings_find(const char *key)
{
	for (size_t i = 0; i < settings_n; i++)
		if (strcmp(settings_table[i].key, key) == 0)
			return &settings_table[i];
	return NULL;
}

int settings_source_parse(const char *name, unsigned *out)
{
	for (unsigned i = 0; i < SOURCES_N; i++) {
		if (strcmp(name, source_names[i]) == 0) {
			*out = 1u << i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "true") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0)
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* Splits a sources list at commas, trimming blanks: the bits in *bits and,
 * when norm is not NULL, each name once in the order given. */
static int parse_sources(const char *s, unsigned *bits, char *norm,
			 size_t normlen)
{
	size_t o = 0;

	*bits = 0;
	if (norm && normlen)
		norm[0] = '\0';
	for (;;) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		unsigned i;

		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		for (i = 0; i < SOURCES_N; i++)
			if (strlen(source_names[i]) == n &&
			    strncmp(source_names[i], s, n) == 0)
				break;
		if (i == SOURCES_N)
			return -EINVAL;
		if (!(*bits & 1u << i) && norm) {
			int k = snprintf(norm + o, normlen - o, "%s%s",
					 o ? "," : "", source_names[i]);

			if (k < 0 || (size_t)k >= normlen - o)
				return -ENOSPC;
			o += (size_t)k;
		}
		*bits |= 1u << i;
		if (!end)
			return 0;
		s = end + 1;
	}
}

/* A value shown in a message: bounded, control characters as '?'. */
static void quote(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 4 < len && n < 40; s++)
		buf[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	if (*s && n + 4 <= len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int bad_value(const struct settings_def *d, const char *value,
		     char *err, size_t errlen)
{
	char q[48];

	quote(value, q, sizeof(q));
	switch (d->type) {
	case SETTINGS_NUMBER:
		return fail(err, errlen, "%s: expected a number from %g to %g, "
			    "got \"%s\"", d->key, d->lo, d->hi, q);
	case SETTINGS_INT:
		return fail(err, errlen, "%s: expected a whole number from %lld "
			    "to %lld, got \"%s\"", d->key, (long long)d->lo,
			    (long long)d->hi, q);
	case SETTINGS_BOOL:
		return fail(err, errlen, "%s: expected true or false, got "
			    "\"%s\"", d->key, q);
	case SETTINGS_SOURCES:
		return fail(err, errlen, "%s: expected sources among manager, "
			    "self, peer, certification separated by commas, "
			    "got \"%s\"", d->key, q);
	case SETTINGS_MODE:
		break;
	}
	return fail(err, errlen, "%s: must be one of proportional, binary, "
		    "got \"%s\"", d->key, q);
}

/* One value of any type, parsed and range-checked. */
union value {
	double d;
	unsigned u;
	bool b;
	enum settings_mode m;
};

static int parse_value(const struct settings_def *d, const char *value,
		       union value *v, char *norm, size_t normlen)
{
	long long i;
	int rc;

	switch (d->type) {
	case SETTINGS_NUMBER:
		rc = number_parse_double(value, &v->d);
		if (rc)
			return rc;
		return v->d < d->lo || v->d > d->hi ? -EINVAL : 0;
	case SETTINGS_INT:
		if (number_parse_int(value, &i) || i < (long long)d->lo ||
		    i > (long long)d->hi)
			return -EINVAL;
		v->u = (unsigned)i;
		return 0;
	case SETTINGS_BOOL:
		return parse_bool(value, &v->b);
	case SETTINGS_SOURCES:
		return parse_sources(value, &v->u, norm, normlen);
	case SETTINGS_MODE:
		for (unsigned m = 0; m < 2; m++) {
			if (strcmp(value, mode_names[m]) == 0) {
				v->m = (enum settings_mode)m;
				return 0;
			}
		}
		return -EINVAL;
	}
	return -EINVAL;
}

static void store(struct settings *s, const struct settings_def *d,
		  const union value *v)
{
	char *f = (char *)s + d->offset;

	switch (d->type) {
	case SETTINGS_NUMBER:
		memcpy(f, &v->d, sizeof(v->d));
		break;
	case SETTINGS_INT:
	case SETTINGS_SOURCES:
		memcpy(f, &v->u, sizeof(v->u));
		break;
	case SETTINGS_BOOL:
		memcpy(f, &v->b, sizeof(v->b));
		break;
	case SETTINGS_MODE:
		memcpy(f, &v->m, sizeof(v->m));
		break;
	}
}

static int lookup(const char *key, const struct settings_def **d, char *err,
		  size_t errlen)
{
	char q[48];

	*d = settings_find(key);
	if (*d)
		return 0;
	quote(key, q, sizeof(q));
	return fail(err, errlen, "unknown setting \"%s\"", q);
}

int settings_apply(struct settings *s, const char *key, const char *value,
		   char *err, size_t errlen)
{
	const struct settings_def *d;
	union value v;
	int rc;

	rc = lookup(key, &d, err, errlen);
	if (rc)
		return rc;
	rc = parse_value(d, value, &v, NULL, 0);
	if (rc == -ENOMEM) {
		fail(err, errlen, "%s: out of memory", key);
		return -ENOMEM;
	}
	if (rc)
		return bad_value(d, value, err, errlen);
	store(s, d, &v);
	return 0;
}

void settings_default(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < settings_n; i++) {
		union value v;

		/* the table's defaults are constants that parse: a failure
		 * here (only -ENOMEM from newlocale) keeps the zero */
		if (parse_value(&settings_table[i], settings_table[i].def, &v,
				NULL, 0) == 0)
			store(s, &settings_table[i], &v);
	}
}

int settings_normalize(const char *key, const char *value, char *out,
		       size_t outlen, char *err, size_t errlen)
{
	const struct settings_def *d;
	union value v;
	int rc, k;

	rc = lookup(key, &d, err, errlen);
	if (rc)
		return rc;
	rc = parse_value(d, value, &v, out, outlen);
	if (rc == -ENOSPC || rc == -ENOMEM)
		return rc;
	if (rc)
		return bad_value(d, value, err, errlen);
	if (d->type == SETTINGS_SOURCES)
		return 0;
	if (d->type == SETTINGS_INT)
		k = snprintf(out, outlen, "%u", v.u);
	else
		k = snprintf(out, outlen, "%s", value);
	return k < 0 || (size_t)k >= outlen ? -ENOSPC : 0;
}

int settings_format(const struct settings *s, const struct settings_def *d,
		    char *out, size_t outlen)
{
	const char *f = (const char *)s + d->offset;
	union value v;
	size_t o = 0;
	int k = 0;

	switch (d->type) {
	case SETTINGS_NUMBER:
		memcpy(&v.d, f, sizeof(v.d));
		k = snprintf(out, outlen, "%.17g", v.d);
		break;
	case SETTINGS_INT:
		memcpy(&v.u, f, sizeof(v.u));
		k = snprintf(out, outlen, "%u", v.u);
		break;
	case SETTINGS_BOOL:
		memcpy(&v.b, f, sizeof(v.b));
		k = snprintf(out, outlen, "%s", v.b ? "true" : "false");
		break;
	case SETTINGS_MODE:
		memcpy(&v.m, f, sizeof(v.m));
		k = snprintf(out, outlen, "%s",
			     mode_names[v.m == SETTINGS_MODE_BINARY]);
		break;
	case SETTINGS_SOURCES:
		memcpy(&v.u, f, sizeof(v.u));
		if (outlen)
			out[0] = '\0';
		for (unsigned i = 0; i < SOURCES_N && k >= 0; i++) {
			if (!(v.u & 1u << i))
				continue;
			k = snprintf(out + o, outlen - o, "%s%s", o ? "," : "",
				     source_names[i]);
			if (k < 0 || (size_t)k >= outlen - o)
				return -ENOSPC;
			o += (size_t)k;
		}
		return 0;
	}
	return k < 0 || (size_t)k >= outlen ? -ENOSPC : 0;
}
