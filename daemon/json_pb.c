/* json_pb: proto3 JSON <-> protobuf-c messages through their descriptors.
 * Reading goes through jansson (json_loadb); writing is done here, because
 * jansson prints every double with 17 digits (0.7 as 0.69999999999999996)
 * where proto3 JSON printers give the shortest form that reads back. */
#include "json_pb.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- an arena for the message being built: one free at the end ---- */

struct arena_block {
	struct arena_block *next;
	max_align_t data[];
};

static void *arena_alloc(void *arg, size_t size)
{
	struct arena_block **head = arg;
	struct arena_block *b = malloc(sizeof(*b) + (size ? size : 1));

	if (!b)
		return NULL;
	b->next = *head;
	*head = b;
	return b->data;
}

static void arena_free(void *arg, void *p)
{
	(void)arg;
	(void)p;	/* everything goes at once in arena_clear */
}

static void arena_clear(struct arena_block **head)
{
	while (*head) {
		struct arena_block *b = *head;

		*head = b->next;
		free(b);
	}
}

void json_pb_camel(const char *name, char *buf, size_t len)
{
	size_t n = 0;
	bool up = false;

	if (!len)
		return;
	for (const char *p = name; *p && n + 1 < len; p++) {
		if (*p == '_') {
			up = true;
			continue;
		}
		buf[n++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A')
							 : *p;
		up = false;
	}
	buf[n] = '\0';
}

/* ---- decoding ---- */

struct dec {
	struct arena_block *arena;
	char *err;
	size_t errlen;
	char path[256];		/* the field being read, for messages */
};

static int dec_fail(struct dec *d, const char *msg)
{
	if (d->path[0])
		snprintf(d->err, d->errlen, "field \"%s\": %s", d->path, msg);
	else
		snprintf(d->err, d->errlen, "%s", msg);
	return -EINVAL;
}

static const ProtobufCFieldDescriptor *
find_field(const ProtobufCMessageDescriptor *md, const char *key)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(md, key);
	char camel[128];

	if (f)
		return f;
	for (unsigned i = 0; i < md->n_fields; i++) {
		json_pb_camel(md->fields[i].name, camel, sizeof(camel));
		if (strcmp(camel, key) == 0)
			return &md->fields[i];
	}
	return NULL;
}

/* An integer from v (a JSON integer, an integral real, or a string of
 * digits) within [lo, hi], or, for unsigned, within [0, uhi]. */
static int dec_int(struct dec *d, const json_t *v, bool is_signed,
		   int64_t lo, int64_t hi, uint64_t uhi, uint64_t *out)
{
	char range[96];
	char *end;

	if (is_signed)
		snprintf(range, sizeof(range), "expected an integer from %" PRId64
			 " to %" PRId64, lo, hi);
	else
		snprintf(range, sizeof(range),
			 "expected an integer from 0 to %" PRIu64, uhi);
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (is_signed ? (i < lo || i > hi) : (i < 0 || (uint64_t)i > uhi))
			return dec_fail(d, range);
		*out = (uint64_t)i;
		return 0;
	}
	if (json_is_real(v)) {
		double x = json_real_value(v);

		if (x != floor(x) || !(is_signed ? (x >= (double)lo && x <= (double)hi)
						  : (x >= 0 && x <= (double)uhi)))
			return dec_fail(d, range);
		*out = is_signed ? (uint64_t)(int64_t)x : (uint64_t)x;
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		errno = 0;
		if (is_signed) {
			long long i = strtoll(s, &end, 10);

			if (!*s || *end || errno || i < lo || i > hi)
				return dec_fail(d, range);
			*out = (uint64_t)i;
		} else {
			unsigned long long u = strtoull(s, &end, 10);

			if (!*s || *s == '-' || *end || errno || u > uhi)
				return dec_fail(d, range);
			*out = u;
		}
		return 0;
	}
	return dec_fail(d, range);
}

static int dec_double(struct dec *d, const json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		if (strcmp(s, "NaN") == 0)
			*out = NAN;
		else if (strcmp(s, "Infinity") == 0)
			*out = INFINITY;
		else if (strcmp(s, "-Infinity") == 0)
			*out = -INFINITY;
		else {
			errno = 0;
			*out = strtod(s, &end);
			if (!*s || *end || errno || !isfinite(*out))
				return dec_fail(d, "expected a number");
		}
		return 0;
	}
	return dec_fail(d, "expected a number");
}

static int dec_message(struct dec *d, const ProtobufCMessageDescriptor *md,
		       const json_t *obj, ProtobufCMessage **out);

/* One value of field f from v into the storage at p. */
static int dec_value(struct dec *d, const ProtobufCFieldDescriptor *f,
		     const json_t *v, void *p)
{
	uint64_t u;
	double x;
	int rc;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		rc = dec_int(d, v, true, INT32_MIN, INT32_MAX, 0, &u);
		if (!rc)
			*(int32_t *)p = (int32_t)(int64_t)u;
		return rc;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		rc = dec_int(d, v, false, 0, 0, UINT32_MAX, &u);
		if (!rc)
			*(uint32_t *)p = (uint32_t)u;
		return rc;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		rc = dec_int(d, v, true, INT64_MIN, INT64_MAX, 0, &u);
		if (!rc)
			*(int64_t *)p = (int64_t)u;
		return rc;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		rc = dec_int(d, v, false, 0, 0, UINT64_MAX, &u);
		if (!rc)
			*(uint64_t *)p = u;
		return rc;
	case PROTOBUF_C_TYPE_FLOAT:
		rc = dec_double(d, v, &x);
		if (!rc)
			*(float *)p = (float)x;
		return rc;
	case PROTOBUF_C_TYPE_DOUBLE:
		return dec_double(d, v, (double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			return dec_fail(d, "expected true or false");
		*(protobuf_c_boolean *)p = json_is_true(v);
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;
		const ProtobufCEnumValue *ev = NULL;

		if (json_is_string(v))
			ev = protobuf_c_enum_descriptor_get_value_by_name(
				ed, json_string_value(v));
		else if (json_is_integer(v) &&
			 json_integer_value(v) >= INT32_MIN &&
			 json_integer_value(v) <= INT32_MAX)
			ev = protobuf_c_enum_descriptor_get_value(
				ed, (int)json_integer_value(v));
		if (!ev) {
			char msg[200];

			snprintf(msg, sizeof(msg), "expected a value of %s",
				 ed->name);
			return dec_fail(d, msg);
		}
		*(int *)p = ev->value;
		return 0;
	}
	case PROTOBUF_C_TYPE_STRING: {
		size_t n;
		char *s;

		if (!json_is_string(v))
			return dec_fail(d, "expected a string");
		/* jansson has checked the UTF-8 and refused \u0000 */
		n = json_string_length(v);
		s = arena_alloc(&d->arena, n + 1);
		if (!s)
			return -ENOMEM;
		memcpy(s, json_string_value(v), n + 1);
		*(char **)p = s;
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		if (!json_is_object(v))
			return dec_fail(d, "expected an object");
		return dec_message(d, f->descriptor, v, (ProtobufCMessage **)p);
	case PROTOBUF_C_TYPE_BYTES:
	default:
		return dec_fail(d, "this type is not supported in JSON");
	}
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

/* the path to field key (element index i >= 0) below the current one */
static void path_push(struct dec *d, const char *key, long i, size_t *saved)
{
	size_t n = strlen(d->path);

	*saved = n;
	if (i < 0 && key)
		snprintf(d->path + n, sizeof(d->path) - n, "%s%s",
			 n ? "." : "", key);
	else
		snprintf(d->path + n, sizeof(d->path) - n, "[%ld]", i);
}

static int dec_field(struct dec *d, const ProtobufCFieldDescriptor *f,
		     const json_t *v, char *base)
{
	size_t size = type_size(f->type), saved;
	int rc;

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n;
		char *arr;

		if (!json_is_array(v))
			return dec_fail(d, "expected an array");
		n = json_array_size(v);
		arr = arena_alloc(&d->arena, n * size);
		if (!arr)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const json_t *e = json_array_get(v, i);

			path_push(d, "", (long)i, &saved);
			if (json_is_null(e))
				rc = dec_fail(d, "null in an array");
			else
				rc = dec_value(d, f, e, arr + i * size);
			if (rc)
				return rc;
			d->path[saved] = '\0';
		}
		*(size_t *)(base + f->quantifier_offset) = n;
		*(void **)(base + f->offset) = arr;
		return 0;
	}
	rc = dec_value(d, f, v, base + f->offset);
	if (rc)
		return rc;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)(base + f->quantifier_offset) = f->id;
	else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
		 f->type != PROTOBUF_C_TYPE_STRING &&
		 f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
	return 0;
}

static int dec_message(struct dec *d, const ProtobufCMessageDescriptor *md,
		       const json_t *obj, ProtobufCMessage **out)
{
	ProtobufCMessage *m = arena_alloc(&d->arena, md->sizeof_message);
	const char *key;
	json_t *v;
	int rc;

	if (!m)
		return -ENOMEM;
	md->message_init(m);
	json_object_foreach((json_t *)obj, key, v) {
		const ProtobufCFieldDescriptor *f = find_field(md, key);
		size_t saved;

		path_push(d, key, -1, &saved);
		if (!f) {
			char what[400];

			d->path[saved] = '\0';
			snprintf(what, sizeof(what), "%s%s%.100s", d->path,
				 d->path[0] ? "." : "", key);
			snprintf(d->err, d->errlen,
				 "unknown field \"%s\" in %s", what, md->name);
			return -EINVAL;
		}
		if (json_is_null(v)) {
			d->path[saved] = '\0';
			continue;	/* proto3: null is the default */
		}
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(uint32_t *)((char *)m + f->quantifier_offset) != 0)
			return dec_fail(d,
					"another member of its oneof is set");
		rc = dec_field(d, f, v, (char *)m);
		if (rc)
			return rc;
		d->path[saved] = '\0';
	}
	*out = m;
	return 0;
}

int json_pb_decode_value(const ProtobufCMessageDescriptor *md,
			 const void *value, uint8_t **out, size_t *out_len,
			 char *err, size_t errlen)
{
	struct dec d = { .err = err, .errlen = errlen };
	ProtobufCMessage *m = NULL;
	uint8_t *buf;
	size_t len;
	int rc;

	if (!json_is_object((const json_t *)value)) {
		snprintf(err, errlen, "expected a JSON object (a %s)", md->name);
		return -EINVAL;
	}
	rc = dec_message(&d, md, value, &m);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	len = protobuf_c_message_get_packed_size(m);
	buf = malloc(len ? len : 1);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	protobuf_c_message_pack(m, buf);
	*out = buf;
	*out_len = len;
out:
	arena_clear(&d.arena);
	return rc;
}

int json_pb_decode(const ProtobufCMessageDescriptor *md, const char *text,
		   size_t len, uint8_t **out, size_t *out_len, char *err,
		   size_t errlen)
{
	json_error_t je;
	json_t *root;
	int rc;

	/* a key given twice is an error, as in protobuf's own parsers */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "malformed JSON at line %d column %d: %s",
			 je.line, je.column, je.text);
		return -EINVAL;
	}
	rc = json_pb_decode_value(md, root, out, out_len, err, errlen);
	json_decref(root);
	return rc;
}

/* ---- encoding ---- */

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* the shortest of %.15g, %.16g, %.17g that reads back as x */
static void put_double(FILE *f, double x)
{
	char buf[40];

	if (isnan(x)) {
		fputs("\"NaN\"", f);
		return;
	}
	if (isinf(x)) {
		fputs(x > 0 ? "\"Infinity\"" : "\"-Infinity\"", f);
		return;
	}
	if (x == 0) {
		/* "-0" would read back as the integer 0, losing the sign */
		fputs(signbit(x) ? "-0.0" : "0", f);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	fputs(buf, f);
}

static void enc_message(FILE *f, const ProtobufCMessage *m);

static void enc_value(FILE *f, const ProtobufCFieldDescriptor *fd,
		      const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		fprintf(f, "%" PRId32, *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		fprintf(f, "%" PRIu32, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		fprintf(f, "\"%" PRId64 "\"", *(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		fprintf(f, "\"%" PRIu64 "\"", *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		put_double(f, (double)*(const float *)p);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		put_double(f, *(const double *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)p ? "true" : "false", f);
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
			fd->descriptor, *(const int *)p);

		if (ev)
			put_string(f, ev->name);
		else	/* an unknown value: proto3 JSON writes the number */
			fprintf(f, "%d", *(const int *)p);
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		put_string(f, *(const char *const *)p ? *(const char *const *)p : "");
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		enc_message(f, *(const ProtobufCMessage *const *)p);
		break;
	default:
		fputs("null", f);
		break;
	}
}

/* Whether a singular field is written: proto3 leaves defaults out. */
static bool is_set(const ProtobufCFieldDescriptor *fd, const char *base)
{
	const void *p = base + fd->offset;

	if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + fd->quantifier_offset) == fd->id;
	if (fd->label == PROTOBUF_C_LABEL_OPTIONAL &&
	    fd->type != PROTOBUF_C_TYPE_STRING &&
	    fd->type != PROTOBUF_C_TYPE_MESSAGE)
		return *(const protobuf_c_boolean *)(base + fd->quantifier_offset);
	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING:
		return *(const char *const *)p && **(const char *const *)p;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(const void *const *)p != NULL;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p != 0 || signbit(*(const double *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p != 0 || signbit(*(const float *)p);
	default:
		if (type_size(fd->type) == 8)
			return *(const uint64_t *)p != 0;
		return *(const uint32_t *)p != 0;
	}
}

static void enc_message(FILE *f, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *md = m->descriptor;
	const char *base = (const char *)m;
	bool first = true;
	char name[128];

	fputc('{', f);
	for (unsigned i = 0; i < md->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &md->fields[i];

		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + fd->quantifier_offset);
			const char *arr = *(const char *const *)(base + fd->offset);
			size_t size = type_size(fd->type);

			if (!n)
				continue;
			json_pb_camel(fd->name, name, sizeof(name));
			fprintf(f, "%s\"%s\":[", first ? "" : ",", name);
			for (size_t k = 0; k < n; k++) {
				if (k)
					fputc(',', f);
				enc_value(f, fd, arr + k * size);
			}
			fputc(']', f);
			first = false;
			continue;
		}
		if (!is_set(fd, base))
			continue;
		json_pb_camel(fd->name, name, sizeof(name));
		fprintf(f, "%s\"%s\":", first ? "" : ",", name);
		enc_value(f, fd, base + fd->offset);
		first = false;
	}
	fputc('}', f);
}

int json_pb_encode(const ProtobufCMessage *m, char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return -ENOMEM;
	enc_message(f, m);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return -ENOMEM;
	}
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*len = n;
	return 0;
}

int json_pb_encode_packed(const ProtobufCMessageDescriptor *md,
			  const uint8_t *data, size_t len, char **out,
			  size_t *out_len)
{
	struct arena_block *arena = NULL;
	ProtobufCAllocator alloc = { arena_alloc, arena_free, &arena };
	ProtobufCMessage *m;
	int rc;

	m = protobuf_c_message_unpack(md, &alloc, len, data);
	if (!m) {
		arena_clear(&arena);
		return -EPROTO;
	}
	rc = json_pb_encode(m, out, out_len);
	arena_clear(&arena);
	return rc;
}
