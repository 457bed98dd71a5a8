/* ctl_json: a small streaming JSON writer for pathwaysctl --json, and a
 * printer of any protobuf-c message as JSON.
 *
 * Strings are written as UTF-8; control characters, '"' and '\\' are
 * escaped, and bytes that are not valid UTF-8 become U+FFFD, so the output
 * is valid JSON whatever the input. Doubles are written in the shortest form
 * that reads back to the same value; NaN and infinities (which JSON lacks)
 * become null.
 *
 * The writer does not check the order of calls beyond what it needs: a key
 * inside an object, then one value. Write errors stay in the FILE (check
 * ferror()).
 */
#ifndef PATHWAYS_CTL_JSON_H
#define PATHWAYS_CTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

#define CTL_JSON_MAX_DEPTH 32
/* Enough for any double in ctl_json_format_double(), with its NUL. */
#define CTL_JSON_DOUBLE_LEN 32

struct ctl_json {
	FILE *f;
	bool pretty;			/* newlines and two-space indents */
	bool after_key;
	unsigned depth;
	bool has_items[CTL_JSON_MAX_DEPTH];
};

void ctl_json_init(struct ctl_json *j, FILE *f, bool pretty);

void ctl_json_begin_object(struct ctl_json *j);
void ctl_json_end_object(struct ctl_json *j);
void ctl_json_begin_array(struct ctl_json *j);
void ctl_json_end_array(struct ctl_json *j);
/* A key of the current object; the next call writes its value. */
void ctl_json_key(struct ctl_json *j, const char *key);

void ctl_json_string(struct ctl_json *j, const char *s);	/* NULL: null */
void ctl_json_string_len(struct ctl_json *j, const char *s, size_t len);
void ctl_json_double(struct ctl_json *j, double v);
void ctl_json_int(struct ctl_json *j, int64_t v);
void ctl_json_uint(struct ctl_json *j, uint64_t v);
void ctl_json_bool(struct ctl_json *j, bool v);
void ctl_json_null(struct ctl_json *j);

/* A protobuf message as an object: every field by its .proto name (in
 * field-number order), defaults included so that scripts always find it;
 * of a oneof, only the member that is set. Enums by value name
 * ("READY_NOW"; the number when unknown), bytes in base64, 64-bit integers
 * as numbers. A NULL message is null. */
void ctl_json_message(struct ctl_json *j, const ProtobufCMessage *m);

/* Write v into buf (CTL_JSON_DOUBLE_LEN bytes) in the shortest %g form that
 * strtod() reads back as v ("87.5", "1e+20"); "nan", "inf" or "-inf" for
 * those. Returns buf. */
char *ctl_json_format_double(double v, char *buf);

/* The length of the valid UTF-8 sequence at s (at most n bytes, n > 0), or
 * 0 if it is not one: overlong forms, surrogates and code points past
 * U+10FFFF are invalid (RFC 3629). */
size_t ctl_json_utf8_len(const unsigned char *s, size_t n);

/* End the document: a final newline. */
void ctl_json_finish(struct ctl_json *j);

#endif /* PATHWAYS_CTL_JSON_H */
