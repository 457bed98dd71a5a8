/* cert: see cert.h. */
#include "cert.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>
#include <zmq.h>

/* What a certificate may hold. size 0: a czmq metadata key we accept and
 * ignore; z85: a key, checked on its line. */
static const struct cert_field {
	const char *section, *key;
	size_t off, size;
	bool z85;
} cert_fields[] = {
	{ "curve", "public-key", offsetof(struct cert, public_key),
	  sizeof(((struct cert *)0)->public_key), true },
	{ "curve", "secret-key", offsetof(struct cert, secret_key),
	  sizeof(((struct cert *)0)->secret_key), true },
	{ "metadata", "methods", offsetof(struct cert, methods),
	  sizeof(((struct cert *)0)->methods), false },
	{ "metadata", "name", offsetof(struct cert, name),
	  sizeof(((struct cert *)0)->name), false },
	{ "metadata", "email", 0, 0, false },
	{ "metadata", "organization", 0, 0, false },
	{ "metadata", "version", 0, 0, false },
	{ "metadata", "created-by", 0, 0, false },
	{ "token", "sha256", offsetof(struct cert, token_sha256),
	  sizeof(((struct cert *)0)->token_sha256), false },
};
#define CERT_NFIELDS (sizeof(cert_fields) / sizeof(cert_fields[0]))

static const char *const cert_sections[] = { "metadata", "curve", "token" };
#define CERT_NSECTIONS (sizeof(cert_sections) / sizeof(cert_sections[0]))

/* The state of one read: where we are and what was seen where. */
struct cert_parse {
	const char *path;
	size_t lineno;
	int section;			/* index into cert_sections; -1: none */
	size_t section_line[CERT_NSECTIONS];
	size_t field_line[CERT_NFIELDS];
	char *err;
	size_t errlen;
};

bool cert_is_z85(const char *s)
{
	uint8_t raw[32];

	return s && strlen(s) == CERT_Z85_LEN && zmq_z85_decode(raw, s);
}

void cert_wipe(struct cert *c)
{
	explicit_bzero(c, sizeof(*c));
}

static char *cert_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* "PATH:LINE: what: not a ZeroMQ certificate"; returns -EINVAL. */
static int cert_fail(struct cert_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cert_fail(struct cert_parse *p, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%zu: %s: not a ZeroMQ certificate",
		 p->path, p->lineno, what);
	return -EINVAL;
}

/* One line, without its newline, into buf (size CERT_LINE_MAX): 1, 0 at
 * the end of the file, or -errno. Reading byte by byte lets a NUL or an
 * over-long line be refused as such instead of being cut in two. */
static int cert_getline(FILE *f, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return -EILSEQ;
		if (n == size - 1)
			return -E2BIG;
		buf[n++] = (char)c;
	}
	if (c == EOF && ferror(f))
		return -EIO;
	buf[n] = '\0';
	return c == EOF && n == 0 ? 0 : 1;
}

static int cert_section(struct cert_parse *p, const char *name)
{
	for (size_t i = 0; i < CERT_NSECTIONS; i++) {
		if (strcmp(name, cert_sections[i]) != 0)
			continue;
		if (p->section_line[i])
			return cert_fail(p, "section %s given twice (first "
					 "at line %zu)", name,
					 p->section_line[i]);
		p->section_line[i] = p->lineno;
		p->section = (int)i;
		return 0;
	}
	return cert_fail(p, "unknown section \"%.64s\" (metadata or curve)",
			 name);
}

/* The value of `key = "value"` without its quotes, in place; NULL when
 * the quotes do not pair up or it holds a control character. */
static char *cert_unquote(char *v)
{
	size_t n = strlen(v);

	if (v[0] == '"' || v[0] == '\'') {
		if (n < 2 || v[n - 1] != v[0] || memchr(v + 1, v[0], n - 2))
			return NULL;
		v[n - 1] = '\0';
		v++;
	} else if (strpbrk(v, "\"'")) {
		return NULL;
	}
	for (const unsigned char *c = (const void *)v; *c; c++)
		if (*c < 0x20 || *c == 0x7F)
			return NULL;
	return v;
}

static int cert_field(struct cert_parse *p, struct cert *c, char *s)
{
	const char *section = cert_sections[p->section];
	char *eq = strchr(s, '='), *key, *val;
	const struct cert_field *f = NULL;
	size_t i;

	if (!eq)
		return cert_fail(p, "not `name = \"value\"`");
	*eq = '\0';
	key = cert_trim(s);
	val = cert_trim(eq + 1);
	for (i = 0; i < CERT_NFIELDS; i++) {
		if (strcmp(cert_fields[i].section, section) == 0 &&
		    strcmp(cert_fields[i].key, key) == 0) {
			f = &cert_fields[i];
			break;
		}
	}
	if (!f)
		return cert_fail(p, "unknown key \"%.64s\" in %s", key,
				 section);
	if (p->field_line[i])
		return cert_fail(p, "%s given twice (first at line %zu)", key,
				 p->field_line[i]);
	p->field_line[i] = p->lineno;
	val = cert_unquote(val);
	if (!val)
		return cert_fail(p, "the value of %s has unpaired quotes or a "
				 "control character", key);
	if (f->z85 && !cert_is_z85(val))
		return cert_fail(p, "%s is not a 40-character Z85 key", key);
	if (f->size && strlen(val) >= f->size)
		return cert_fail(p, "%s is longer than %zu bytes", key,
				 f->size - 1);
	if (f->size)
		memcpy((char *)c + f->off, val, strlen(val) + 1);
	return 0;
}

static int cert_parse(FILE *f, struct cert_parse *p, struct cert *c,
		      char *line)
{
	int rc;

	while ((rc = cert_getline(f, line, CERT_LINE_MAX)) > 0) {
		bool indented = line[0] == ' ' || line[0] == '\t';
		char *s;

		p->lineno++;
		s = cert_trim(line);
		if (!*s || *s == '#')
			continue;
		if (!indented)
			rc = cert_section(p, s);
		else if (p->section < 0)
			rc = cert_fail(p, "a key outside a section");
		else
			rc = cert_field(p, c, s);
		if (rc < 0)
			return rc;
	}
	p->lineno++;
	if (rc == -E2BIG)
		return cert_fail(p, "line longer than %d bytes",
				 CERT_LINE_MAX - 1);
	if (rc == -EILSEQ)
		return cert_fail(p, "a NUL byte");
	if (rc < 0)
		snprintf(p->err, p->errlen, "%s: %s", p->path, strerror(-rc));
	return rc;
}

/* a certificate (token false) or a token file (token true) */
static int cert_read_any(FILE *f, const char *name, bool token,
			 struct cert *out, char *err, size_t errlen)
{
	struct cert_parse p = { .path = name, .section = -1, .err = err,
				.errlen = errlen };
	char line[CERT_LINE_MAX], derived[CERT_Z85_LEN + 1];
	struct cert c;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = cert_parse(f, &p, &c, line);
	if (rc < 0)
		goto out;
	rc = -EINVAL;
	if (token) {
		size_t n = strspn(c.token_sha256, "0123456789abcdef");

		if (c.public_key[0] || c.secret_key[0]) {
			snprintf(err, errlen, "%s: a curve section: a certificate, "
				 "not a token file", name);
			goto out;
		}
		if (n != CERT_SHA256_HEX || c.token_sha256[n]) {
			snprintf(err, errlen, "%s: no sha256 of 64 lowercase hex "
				 "digits in a token section: not a token file",
				 name);
			goto out;
		}
		rc = 0;
		*out = c;
		goto out;
	}
	if (c.token_sha256[0]) {
		snprintf(err, errlen, "%s: a token section: a token file, not "
			 "a certificate", name);
		goto out;
	}
	if (!c.public_key[0]) {
		snprintf(err, errlen, "%s: no public-key in a curve section: "
			 "not a ZeroMQ certificate", name);
		goto out;
	}
	if (c.secret_key[0] && (zmq_curve_public(derived, c.secret_key) != 0 ||
				strcmp(derived, c.public_key) != 0)) {
		snprintf(err, errlen, "%s: public-key does not belong to "
			 "secret-key", name);
		goto out;
	}
	rc = 0;
	*out = c;
out:
	cert_wipe(&c);
	explicit_bzero(line, sizeof(line));
	return rc;
}

int cert_read_stream(FILE *f, const char *name, struct cert *out, char *err,
		     size_t errlen)
{
	return cert_read_any(f, name, false, out, err, errlen);
}

int cert_read_token_stream(FILE *f, const char *name, struct cert *out,
			   char *err, size_t errlen)
{
	return cert_read_any(f, name, true, out, err, errlen);
}

static int cert_open_read(const char *path, bool token, struct cert *out,
			  char *err, size_t errlen)
{
	struct stat st;
	FILE *f;
	int rc;

	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fileno(f), &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	} else if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
	} else {
		rc = cert_read_any(f, path, token, out, err, errlen);
	}
	fclose(f);
	return rc;
}

int cert_read(const char *path, struct cert *out, char *err, size_t errlen)
{
	return cert_open_read(path, false, out, err, errlen);
}

int cert_read_token(const char *path, struct cert *out, char *err,
		    size_t errlen)
{
	return cert_open_read(path, true, out, err, errlen);
}

void cert_token_hash(const char *token, char hex[CERT_SHA256_HEX + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(hex, CERT_SHA256_HEX + 1, h, sizeof(h));
}
