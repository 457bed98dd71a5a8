/* libFuzzer target: the HTTP door's JSON reader and writer
 * (daemon/json_pb.c), the proto3 JSON mapping of every request type.
 *
 * Byte 0 picks the method (byte 0 % the number of methods); the rest is the
 * JSON text of its request. Besides the sanitizers it checks what json_pb.h
 * promises: only -EINVAL (with a message) or -ENOMEM as errors, output
 * untouched on error; and what it reads is a round trip: the packed message
 * unpacks, is written as JSON, and that JSON reads back to the same bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_pb.h"
#include "methods.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_json: %s: %s\n", what, detail);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCMessageDescriptor *d;
	uint8_t *out = (uint8_t *)"untouched", *again = NULL;
	size_t len = 7, len2 = 0, jlen = 0;
	char err[512] = "", *json = NULL;
	int rc;

	if (size < 1)
		return 0;
	d = methods_at(data[0] % methods_count())->req;
	rc = json_pb_decode(d, (const char *)data + 1, size - 1, &out, &len,
			    err, sizeof(err));
	if (rc) {
		if (rc != -EINVAL && rc != -ENOMEM)
			fuzz_fail("unexpected error", strerror(-rc));
		if (!err[0])
			fuzz_fail("an error without a message", d->name);
		if (len != 7 || strcmp((char *)out, "untouched") != 0)
			fuzz_fail("output written on error", d->name);
		return 0;
	}
	if (json_pb_encode_packed(d, out, len, &json, &jlen))
		fuzz_fail("what it read does not unpack or print", d->name);
	if (strlen(json) != jlen)
		fuzz_fail("printed length", json);
	if (json_pb_decode(d, json, jlen, &again, &len2, err, sizeof(err)))
		fuzz_fail("what it printed does not read back", err);
	if (len2 != len || memcmp(again, out, len) != 0)
		fuzz_fail("not a round trip", json);
	free(again);
	free(json);
	free(out);
	return 0;
}
