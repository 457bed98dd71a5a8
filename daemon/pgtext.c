#include "pgtext.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

int pgtext_csv_fields(char *line, size_t len, char **f, int n)
{
	char *p = line, *end = line + len, *w;
	int k = 0;

	if (len && end[-1] == '\n')
		end--;
	for (;;) {
		if (k == n)
			return -EPROTO;		/* a separator after field n */
		f[k++] = w = p;
		if (p < end && *p == '"') {
			/* quoted: up to a lone quote; "" is one quote */
			for (p++;; p++) {
				if (p >= end)
					return -EPROTO;
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"')
						p++;
					else
						break;
				}
				*w++ = *p;
			}
			p++;
			if (p < end && *p != ',')
				return -EPROTO;
		} else {
			while (p < end && *p != ',')
				*w++ = *p++;
		}
		*w = '\0';
		if (p >= end)
			return k;
		p++;			/* the ',' */
	}
}

/* four hex digits; -1 if one is not */
static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		char h = p[i];

		v <<= 4;
		if (h >= '0' && h <= '9')
			v |= h - '0';
		else if (h >= 'a' && h <= 'f')
			v |= h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			v |= h - 'A' + 10;
		else
			return -1;	/* also stops at the NUL: no overread */
	}
	return v;
}

/* code point cp (not a surrogate, at most 0x10ffff) as UTF-8 */
static char *put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		*out++ = (char)cp;
	} else if (cp < 0x800) {
		*out++ = (char)(0xc0 | cp >> 6);
		*out++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*out++ = (char)(0xe0 | cp >> 12);
		*out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*out++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*out++ = (char)(0xf0 | cp >> 18);
		*out++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*out++ = (char)(0x80 | (cp & 0x3f));
	}
	return out;
}

int pgtext_json_string(const char **pp, char *out)
{
	const char *p = *pp;

	for (;;) {
		char c = *p++;
		long cp, lo;

		if (c == '\0')
			return -EPROTO;
		if (c == '"')
			break;
		if (c != '\\') {
			*out++ = c;
			continue;
		}
		c = *p++;
		switch (c) {
		case '"': case '\\': case '/': *out++ = c; break;
		case 'b': *out++ = '\b'; break;
		case 'f': *out++ = '\f'; break;
		case 'n': *out++ = '\n'; break;
		case 'r': *out++ = '\r'; break;
		case 't': *out++ = '\t'; break;
		case 'u':
			cp = hex4(p);
			if (cp <= 0)		/* bad digits, or \u0000 */
				return -EPROTO;
			p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -EPROTO;	/* a low surrogate first */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p[0] != '\\' || p[1] != 'u')
					return -EPROTO;
				lo = hex4(p + 2);
				if (lo < 0xdc00 || lo > 0xdfff)
					return -EPROTO;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			/* 6 bytes of escape (12 for a pair) give at most 3
			 * (4) of UTF-8: the text never grows */
			out = put_utf8(out, (unsigned long)cp);
			break;
		default:
			return -EPROTO;		/* the NUL included */
		}
	}
	*out = '\0';
	*pp = p;
	return 0;
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* A value other than a string: its text up to the next ',' or '}' outside
 * any nested value or string, trailing spaces dropped, copied to val; null
 * as "". Returns where it stopped, or NULL if the text ends first or the
 * value is empty. */
static const char *bare_value(const char *p, char *val)
{
	const char *start = p;
	int depth = 0;
	bool in_str = false;
	size_t n;

	for (; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_str = false;
		} else if (*p == '"') {
			in_str = true;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (depth == 0)
				break;
			depth--;
		} else if (*p == ',' && depth == 0) {
			break;
		}
	}
	if (!*p)
		return NULL;
	n = (size_t)(p - start);
	while (n && strchr(" \t\n\r", start[n - 1]))
		n--;
	if (!n)
		return NULL;
	memcpy(val, start, n);
	val[n] = '\0';
	if (strcmp(val, "null") == 0)
		val[0] = '\0';
	return p;
}

int pgtext_object_each(const char *json, pgtext_pair_fn fn, void *arg)
{
	size_t len = strlen(json) + 1;
	/* key and value each fit in the whole text: one allocation */
	char *key = malloc(2 * len), *val = key + len;
	const char *p = skip_space(json);
	int rc = -EPROTO;

	if (!key)
		return -ENOMEM;
	if (*p++ != '{')
		goto out;
	p = skip_space(p);
	if (*p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		if (*p++ != '"' || pgtext_json_string(&p, key))
			goto out;
		p = skip_space(p);
		if (*p++ != ':')
			goto out;
		p = skip_space(p);
		if (*p == '"') {
			p++;
			if (pgtext_json_string(&p, val))
				goto out;
		} else if (!(p = bare_value(p, val))) {
			goto out;
		}
		rc = fn(arg, key, val);
		if (rc)
			goto out;
		rc = -EPROTO;
		p = skip_space(p);
		if (*p == '}') {
			p++;
			break;
		}
		if (*p++ != ',')
			goto out;
		p = skip_space(p);
	}
end:
	rc = *skip_space(p) ? -EPROTO : 0;
out:
	free(key);
	return rc;
}

/* the source column: the schema allows four names */
static int source_of(const char *s, unsigned *out)
{
	const char *name;
	unsigned bit;

	/* tell them by their first letter, then check the rest */
	switch (s[0]) {
	case 'm': name = "manager"; bit = GRAPH_SRC_MANAGER; break;
	case 's': name = "self"; bit = GRAPH_SRC_SELF; break;
	case 'p': name = "peer"; bit = GRAPH_SRC_PEER; break;
	case 'c': name = "certification"; bit = GRAPH_SRC_CERTIFICATION; break;
	default: return -EPROTO;
	}
	if (strcmp(s + 1, name + 1) != 0)
		return -EPROTO;
	*out = bit;
	return 0;
}

int pgtext_assessment(char *line, size_t len, struct pgtext_assessment *out)
{
	char *f[5], *p = line, *end = line + len;
	int64_t emp, comp, level, at;
	unsigned src;
	int rc;

	if (len && end[-1] == '\n')
		*--end = '\0';
	for (int n = 0; n < 5; n++) {
		f[n] = p;
		if (n == 4)
			break;
		p = memchr(p, '\t', (size_t)(end - p));
		if (!p)
			return -EPROTO;
		*p++ = '\0';
	}
	/* the last field runs to end, where the NUL is; a tab or a '\n'
	 * inside it fails the number parse */
	if ((rc = pgtext_int(f[0], &emp)) || (rc = pgtext_int(f[1], &comp)) ||
	    (rc = pgtext_int(f[2], &level)) || (rc = source_of(f[3], &src)) ||
	    (rc = pgtext_int(f[4], &at)))
		return rc;
	if (level < 0 || level > UINT32_MAX)
		return -ERANGE;
	*out = (struct pgtext_assessment){ emp, comp, at, (unsigned)level, src };
	return 0;
}
