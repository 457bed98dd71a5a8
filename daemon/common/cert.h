/* cert: ZeroMQ CURVE certificates, read the same way by pathwaysd (its
 * own key, the allowed clients) and pathwaysctl (--server-key,
 * --client-key).
 *
 * The format is the ZPL text czmq's zcert and `pathwaysctl keygen` write:
 * '#' comments, unindented section names, indented `key = "value"` lines
 * (the quotes, double or single, are optional):
 *
 *   metadata
 *       methods = "Readiness,Gap"
 *   curve
 *       public-key = "<40 Z85 characters>"
 *       secret-key = "<40 Z85 characters>"     (secret certificates only)
 *
 * A certificate decides what its holder may call, so the reader is strict:
 * a line longer than CERT_LINE_MAX is an error (not two lines: the tail of
 * a long line must never be read as a `methods` of its own), as are a NUL
 * byte, a key given twice, an unknown section, an unknown key in curve or
 * metadata (metadata keys: methods, and czmq's name, email, organization,
 * version, created-by), and a value with an unbalanced quote.
 *
 * An HTTP bearer token file (`pathwaysctl token`, the daemon's [http]
 * tokens_dir) is read by the same reader: a metadata section as above and a
 * token section holding the token's SHA-256 only (the token itself is
 * never stored):
 *
 *   metadata
 *       name = "lms"
 *       methods = "RecordCompletions"
 *   token
 *       sha256 = "<64 lowercase hex digits>" */
#ifndef PATHWAYS_CERT_H
#define PATHWAYS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CERT_Z85_LEN 40
/* The longest line read, its newline included. */
#define CERT_LINE_MAX 1024
/* The longest methods value, NUL included. */
#define CERT_METHODS_MAX 1024
/* A token's SHA-256 in hex. */
#define CERT_SHA256_HEX 64

struct cert {
	char public_key[CERT_Z85_LEN + 1];
	char secret_key[CERT_Z85_LEN + 1];	/* "" when it has none */
	char methods[CERT_METHODS_MAX];		/* metadata's; "" when none */
	char name[256];				/* metadata's; "" when none */
	char token_sha256[CERT_SHA256_HEX + 1];	/* token files: "" else */
};

/* Whether s is a CURVE key in Z85: 40 characters that decode. */
bool cert_is_z85(const char *s);

/* Reads the certificate at path (a regular file) into *out. Its public key
 * must be there; every key it has is checked (40 Z85 characters; a secret
 * key must belong to the public key). Returns 0; -errno when the file
 * cannot be opened or read; -EISDIR for a directory; -EINVAL when it is
 * not a certificate, with err = "PATH:LINE: what" (or "PATH: what" when
 * no one line is at fault). *out is written on success only; the caller
 * cert_wipe()s it when it holds a secret key. */
int cert_read(const char *path, struct cert *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* cert_read() from the open stream f (not closed), named name in
 * messages, without the regular-file check: for the fuzz target. */
int cert_read_stream(FILE *f, const char *name, struct cert *out, char *err,
		     size_t errlen) __attribute__((warn_unused_result));

/* Reads the token file at path (as cert_read(), but a token section with
 * its sha256 is required and a curve section refused) into *out. 0;
 * -errno; -EINVAL with err as cert_read(). */
int cert_read_token(const char *path, struct cert *out, char *err,
		    size_t errlen) __attribute__((warn_unused_result));

/* cert_read_token() from the open stream f, for tests and fuzzing. */
int cert_read_token_stream(FILE *f, const char *name, struct cert *out,
			   char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The SHA-256 of the bearer token token, in lowercase hex, into hex. */
void cert_token_hash(const char *token, char hex[CERT_SHA256_HEX + 1]);

/* Zeroes *c in a way the compiler keeps. */
void cert_wipe(struct cert *c);

#endif /* PATHWAYS_CERT_H */
