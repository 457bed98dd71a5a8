/* ctl_json: see ctl_json.h. */
#include "ctl_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void ctl_json_init(struct ctl_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

static void ctl_json_newline(struct ctl_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Whatever a value needs before it: a comma and a newline inside an
 * array; nothing after a key. */
static void ctl_json_value_prefix(struct ctl_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (j->has_items[j->depth - 1])
		fputc(',', j->f);
	j->has_items[j->depth - 1] = true;
	ctl_json_newline(j);
}

static void ctl_json_open(struct ctl_json *j, char c)
{
	ctl_json_value_prefix(j);
	/* A programmer error (protobuf messages nest a few levels); abort()
	 * rather than assert(), which release builds compile out. */
	if (j->depth >= CTL_JSON_MAX_DEPTH)
		abort();
	fputc(c, j->f);
	j->has_items[j->depth++] = false;
}

static void ctl_json_close(struct ctl_json *j, char c)
{
	if (j->depth == 0)
		abort();
	j->depth--;
	if (j->has_items[j->depth])
		ctl_json_newline(j);
	fputc(c, j->f);
}

void ctl_json_begin_object(struct ctl_json *j)
{
	ctl_json_open(j, '{');
}

void ctl_json_end_object(struct ctl_json *j)
{
	ctl_json_close(j, '}');
}

void ctl_json_begin_array(struct ctl_json *j)
{
	ctl_json_open(j, '[');
}

void ctl_json_end_array(struct ctl_json *j)
{
	ctl_json_close(j, ']');
}

size_t ctl_json_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

void ctl_json_string_len(struct ctl_json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	ctl_json_value_prefix(j);
	fputc('"', j->f);
	while (i < n) {
		unsigned char c = s[i];
		const char *esc = NULL;
		char ubuf[8];
		size_t len = 1;

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20 || c == 0x7F) {
				snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
				esc = ubuf;
			} else {
				len = ctl_json_utf8_len(s + i, n - i);
				if (len == 0) {
					esc = "\\ufffd";
					len = 1;
				}
			}
		}
		if (!esc) {
			run += len;
			i += len;
			continue;
		}
		fwrite(s + i - run, 1, run, j->f);
		run = 0;
		fputs(esc, j->f);
		i += len;
	}
	fwrite(s + i - run, 1, run, j->f);
	fputc('"', j->f);
}

void ctl_json_string(struct ctl_json *j, const char *s)
{
	if (!s)
		ctl_json_null(j);
	else
		ctl_json_string_len(j, s, strlen(s));
}

void ctl_json_key(struct ctl_json *j, const char *key)
{
	ctl_json_string(j, key);
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

char *ctl_json_format_double(double v, char *buf)
{
	if (isnan(v)) {
		strcpy(buf, "nan");
		return buf;
	}
	if (isinf(v)) {
		strcpy(buf, v < 0 ? "-inf" : "inf");
		return buf;
	}
	/* 17 significant digits always round-trip a double; fewer often do
	 * and read better (0.1, not 0.10000000000000001). */
	int prec;
	char *e;

	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, CTL_JSON_DOUBLE_LEN, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, CTL_JSON_DOUBLE_LEN, "%.*g", prec, v);
	/* %g turns 120000 at 2 digits into 1.2e+05: below 1e17, ask for as
	 * many digits as the integer part has, which prints it plainly (and
	 * still round-trips: more digits are only more exact). */
	e = strchr(buf, 'e');
	if (e) {
		int exp = atoi(e + 1);

		if (exp >= prec && exp < 17)
			snprintf(buf, CTL_JSON_DOUBLE_LEN, "%.*g", exp + 1, v);
	}
	return buf;
}

void ctl_json_double(struct ctl_json *j, double v)
{
	char buf[CTL_JSON_DOUBLE_LEN];

	if (!isfinite(v)) {
		ctl_json_null(j);
		return;
	}
	ctl_json_value_prefix(j);
	fputs(ctl_json_format_double(v, buf), j->f);
}

void ctl_json_int(struct ctl_json *j, int64_t v)
{
	ctl_json_value_prefix(j);
	fprintf(j->f, "%" PRId64, v);
}

void ctl_json_uint(struct ctl_json *j, uint64_t v)
{
	ctl_json_value_prefix(j);
	fprintf(j->f, "%" PRIu64, v);
}

void ctl_json_bool(struct ctl_json *j, bool v)
{
	ctl_json_value_prefix(j);
	fputs(v ? "true" : "false", j->f);
}

void ctl_json_null(struct ctl_json *j)
{
	ctl_json_value_prefix(j);
	fputs("null", j->f);
}

void ctl_json_finish(struct ctl_json *j)
{
	fputc('\n', j->f);
}

/* ---- protobuf messages ---- */

static void ctl_json_base64(struct ctl_json *j, const ProtobufCBinaryData *b)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	ctl_json_value_prefix(j);
	fputc('"', j->f);
	for (i = 0; i + 2 < b->len; i += 3) {
		uint32_t v = (uint32_t)b->data[i] << 16 |
			     (uint32_t)b->data[i + 1] << 8 | b->data[i + 2];

		fputc(tab[v >> 18], j->f);
		fputc(tab[(v >> 12) & 63], j->f);
		fputc(tab[(v >> 6) & 63], j->f);
		fputc(tab[v & 63], j->f);
	}
	if (i < b->len) {
		uint32_t v = (uint32_t)b->data[i] << 16;

		if (i + 1 < b->len)
			v |= (uint32_t)b->data[i + 1] << 8;
		fputc(tab[v >> 18], j->f);
		fputc(tab[(v >> 12) & 63], j->f);
		fputc(i + 1 < b->len ? tab[(v >> 6) & 63] : '=', j->f);
		fputc('=', j->f);
	}
	fputc('"', j->f);
}

static size_t ctl_json_elem_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

/* One value of field fd stored at p. */
static void ctl_json_field_value(struct ctl_json *j,
				 const ProtobufCFieldDescriptor *fd,
				 const void *p)
{
	const ProtobufCEnumValue *ev;
	int32_t i32;
	int64_t i64;
	uint32_t u32;
	uint64_t u64;
	float f;
	double d;

	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		memcpy(&i32, p, sizeof(i32));
		ctl_json_int(j, i32);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		memcpy(&u32, p, sizeof(u32));
		ctl_json_uint(j, u32);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		memcpy(&i64, p, sizeof(i64));
		ctl_json_int(j, i64);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		memcpy(&u64, p, sizeof(u64));
		ctl_json_uint(j, u64);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		memcpy(&f, p, sizeof(f));
		ctl_json_double(j, f);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		memcpy(&d, p, sizeof(d));
		ctl_json_double(j, d);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		ctl_json_bool(j, *(const protobuf_c_boolean *)p);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		memcpy(&i32, p, sizeof(i32));
		ev = protobuf_c_enum_descriptor_get_value(fd->descriptor, i32);
		if (ev)
			ctl_json_string(j, ev->name);
		else
			ctl_json_int(j, i32);
		break;
	case PROTOBUF_C_TYPE_STRING:
		ctl_json_string(j, *(char *const *)p);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		ctl_json_base64(j, p);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		ctl_json_message(j, *(ProtobufCMessage *const *)p);
		break;
	default:
		ctl_json_null(j);
	}
}

/* Whether an optional (proto2, or proto3 `optional`) field is set. */
static bool ctl_json_has(const ProtobufCFieldDescriptor *fd, const char *m)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(void *const *)(m + fd->offset) != NULL;
	default:
		return *(const protobuf_c_boolean *)(m + fd->quantifier_offset);
	}
}

/* An empty WAL position (commit_lsn, snapshot_lsn) is no position at all,
 * as from a daemon that does not know one: left out, like an unset
 * optional field, rather than printed as "". */
static bool ctl_json_no_lsn(const ProtobufCFieldDescriptor *fd, const char *m)
{
	size_t n = strlen(fd->name);
	const char *v;

	if (fd->type != PROTOBUF_C_TYPE_STRING ||
	    fd->label == PROTOBUF_C_LABEL_REPEATED || n < 4 ||
	    strcmp(fd->name + n - 4, "_lsn") != 0)
		return false;
	memcpy(&v, m + fd->offset, sizeof(v));
	return !v || !v[0];
}

void ctl_json_message(struct ctl_json *j, const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor *desc;
	const char *m = (const char *)msg;

	if (!msg) {
		ctl_json_null(j);
		return;
	}
	desc = msg->descriptor;
	ctl_json_begin_object(j);
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &desc->fields[i];
		const void *p = m + fd->offset;

		if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which;

			memcpy(&which, m + fd->quantifier_offset,
			       sizeof(which));
			if (which != fd->id)
				continue;
		} else if (fd->label == PROTOBUF_C_LABEL_OPTIONAL &&
			   !ctl_json_has(fd, m)) {
			continue;
		} else if (ctl_json_no_lsn(fd, m)) {
			continue;
		}
		ctl_json_key(j, fd->name);
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n, size = ctl_json_elem_size(fd->type);
			const char *arr;

			memcpy(&n, m + fd->quantifier_offset, sizeof(n));
			memcpy(&arr, p, sizeof(arr));
			ctl_json_begin_array(j);
			for (size_t k = 0; k < n && arr; k++)
				ctl_json_field_value(j, fd, arr + k * size);
			ctl_json_end_array(j);
		} else {
			ctl_json_field_value(j, fd, p);
		}
	}
	ctl_json_end_object(j);
}
