/* libFuzzer target: the ZeroMQ certificate reader (daemon/common/cert.c).
 *
 * The input is a whole certificate file, read with cert_read_stream().
 * Besides the sanitizers it checks what cert.h promises: an accepted
 * certificate has a 40-character Z85 public key, a secret key that is ""
 * or one belonging to it, NUL-terminated metadata that fit their fields
 * and hold no control character; a refused one gets -EINVAL (or -EIO) and
 * a message naming the file, and never its secret key. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "cert.h"

#define FUZZ_NAME "fuzz.cert"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_cert: %s: %s\n", what, detail);
	abort();
}

static void fuzz_check_text(const char *what, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		fuzz_fail(what, "not NUL-terminated");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			fuzz_fail(what, "a control character");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024] = "", derived[CERT_Z85_LEN + 1];
	struct cert c;
	FILE *f;
	int rc;

	/* fmemopen refuses a zero-length buffer */
	f = fmemopen((void *)(size ? data : (const uint8_t *)"\n"),
		     size ? size : 1, "r");
	if (!f)
		return 0;
	memset(&c, 0x5a, sizeof(c));
	rc = cert_read_stream(f, FUZZ_NAME, &c, err, sizeof(err));
	fclose(f);
	if (rc == 0) {
		if (!cert_is_z85(c.public_key))
			fuzz_fail("accepted", "public key not Z85");
		if (c.secret_key[0] &&
		    (!cert_is_z85(c.secret_key) ||
		     zmq_curve_public(derived, c.secret_key) != 0 ||
		     strcmp(derived, c.public_key) != 0))
			fuzz_fail("accepted", "secret key not of the pair");
		fuzz_check_text("methods", c.methods, sizeof(c.methods));
		fuzz_check_text("name", c.name, sizeof(c.name));
		cert_wipe(&c);
		return 0;
	}
	if (rc != -EINVAL && rc != -EIO)
		fuzz_fail("refused", "an unexpected error code");
	if (strncmp(err, FUZZ_NAME ":", strlen(FUZZ_NAME) + 1) != 0)
		fuzz_fail("refused without naming the file", err);
	for (size_t i = 0; i < sizeof(c); i++)
		if (((unsigned char *)&c)[i] != 0x5a)
			fuzz_fail("refused", "out written");
	return 0;
}
