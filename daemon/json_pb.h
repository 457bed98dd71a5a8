/* json_pb: proto3's canonical JSON mapping for any protobuf-c message,
 * driven by its descriptor (one converter for every message type).
 *
 * Decoding accepts a field by its lowerCamelCase JSON name or by its
 * original name, as proto3 JSON parsers do; 64-bit integers as strings or
 * numbers; enums by name or number; doubles as numbers or "NaN",
 * "Infinity", "-Infinity"; null as the field's default. Anything else —
 * malformed JSON, an unknown field, a wrong type, a value out of range,
 * two members of one oneof — is an error naming the field by its path
 * ("records[2].level").
 *
 * Encoding writes the lowerCamelCase names, leaves out fields at their
 * default (proto3 JSON's default; a set oneof member is always written),
 * 64-bit integers as strings, enums by name, doubles in the shortest form
 * that reads back as the same double. Maps and bytes fields are not
 * supported (no request or response of the service has one). */
#ifndef PATHWAYS_JSON_PB_H
#define PATHWAYS_JSON_PB_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* The JSON text (len bytes, not NUL-terminated) as a message of type d,
 * packed: *out is malloc'ed (caller frees), *out_len its size. 0;
 * -EINVAL with err = what is wrong and where; -ENOMEM. *out is written
 * on success only. */
int json_pb_decode(const ProtobufCMessageDescriptor *d, const char *text,
		   size_t len, uint8_t **out, size_t *out_len, char *err,
		   size_t errlen) __attribute__((warn_unused_result));

/* As json_pb_decode, from a jansson value (a json_t *, borrowed) instead
 * of text: for callers that build the request themselves. */
int json_pb_decode_value(const ProtobufCMessageDescriptor *d,
			 const void *value, uint8_t **out, size_t *out_len,
			 char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The message m as JSON text, NUL-terminated, malloc'ed (caller frees);
 * *len its length without the NUL. 0 or -ENOMEM. */
int json_pb_encode(const ProtobufCMessage *m, char **out, size_t *len)
	__attribute__((warn_unused_result));

/* The packed message (data, len) of type d as JSON text, as
 * json_pb_encode. 0; -EPROTO when it does not unpack; -ENOMEM. */
int json_pb_encode_packed(const ProtobufCMessageDescriptor *d,
			  const uint8_t *data, size_t len, char **out,
			  size_t *out_len) __attribute__((warn_unused_result));

/* The lowerCamelCase JSON name of a field name ("employee_ids" →
 * "employeeIds") into buf. */
void json_pb_camel(const char *name, char *buf, size_t len);

#endif
