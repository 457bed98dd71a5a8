/* The JSON writer of pathwaysctl (client/ctl_json.c, compiled in here:
 * it is part of the CLI, not of a library). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.c"
#include "pathways/v1/pathways.pb-c.h"

static char *buf;
static size_t len;
static FILE *mem;
static struct ctl_json j;

static void open_compact(void)
{
	mem = open_memstream(&buf, &len);
	cr_assert_not_null(mem);
	ctl_json_init(&j, mem, false);
}

static void close_mem(void)
{
	if (mem)
		fclose(mem);
	mem = NULL;
	free(buf);
	buf = NULL;
}

/* What was written so far. */
static const char *out(void)
{
	cr_assert_eq(fflush(mem), 0);
	return buf;
}

TestSuite(ctl_json, .init = open_compact, .fini = close_mem);

Test(ctl_json, escapes_quotes_backslashes_and_control_characters)
{
	ctl_json_string(&j, "a\"b\\c\n\t\r\b\f\x01\x1f\x7f/");
	cr_assert_str_eq(out(), "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f"
				"\\u007f/\"");
}

Test(ctl_json, escapes_nul_inside_a_length_string)
{
	ctl_json_string_len(&j, "a\0b", 3);
	cr_assert_str_eq(out(), "\"a\\u0000b\"");
}

Test(ctl_json, passes_valid_utf8_through)
{
	/* 2-, 3- and 4-byte sequences, and the edges of the ranges. */
	const char *s = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e "
			"\xc2\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf \xe2\x80\xa8";
	char *want;

	cr_assert_gt(asprintf(&want, "\"%s\"", s), 0);
	ctl_json_string(&j, s);
	cr_assert_str_eq(out(), want);
	free(want);
}

Test(ctl_json, replaces_invalid_utf8)
{
	/* a lone continuation byte, 0xff, an overlong '/', a surrogate,
	 * past U+10FFFF, a truncated sequence at the end */
	ctl_json_string(&j, "a\x80" "b\xff" "c\xc0\xaf" "d\xed\xa0\x80"
			    "e\xf4\x90\x80\x80" "f\xe2\x82");
	cr_assert_str_eq(out(),
			 "\"a\\ufffdb\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd"
			 "\\ufffde\\ufffd\\ufffd\\ufffd\\ufffdf\\ufffd\\ufffd\"");
}

Test(ctl_json, null_string_is_null)
{
	ctl_json_string(&j, NULL);
	cr_assert_str_eq(out(), "null");
}

Test(ctl_json, writes_nested_containers_with_commas)
{
	ctl_json_begin_object(&j);
	ctl_json_key(&j, "a");
	ctl_json_begin_array(&j);
	ctl_json_int(&j, 1);
	ctl_json_int(&j, -2);
	ctl_json_begin_object(&j);
	ctl_json_key(&j, "b");
	ctl_json_null(&j);
	ctl_json_end_object(&j);
	ctl_json_begin_array(&j);
	ctl_json_end_array(&j);
	ctl_json_end_array(&j);
	ctl_json_key(&j, "c");
	ctl_json_bool(&j, true);
	ctl_json_key(&j, "k\"ey");
	ctl_json_uint(&j, UINT64_MAX);
	ctl_json_end_object(&j);
	cr_assert_str_eq(out(), "{\"a\":[1,-2,{\"b\":null},[]],\"c\":true,"
				"\"k\\\"ey\":18446744073709551615}");
}

Test(ctl_json, pretty_output_is_indented)
{
	ctl_json_init(&j, mem, true);
	ctl_json_begin_object(&j);
	ctl_json_key(&j, "a");
	ctl_json_begin_array(&j);
	ctl_json_int(&j, 1);
	ctl_json_int(&j, 2);
	ctl_json_end_array(&j);
	ctl_json_key(&j, "e");
	ctl_json_begin_object(&j);
	ctl_json_end_object(&j);
	ctl_json_end_object(&j);
	ctl_json_finish(&j);
	cr_assert_str_eq(out(), "{\n  \"a\": [\n    1,\n    2\n  ],\n"
				"  \"e\": {}\n}\n");
}

static const char *fmt(double v)
{
	static char b[CTL_JSON_DOUBLE_LEN];

	return ctl_json_format_double(v, b);
}

Test(ctl_json, doubles_are_short_and_exact)
{
	cr_assert_str_eq(fmt(87.5), "87.5");
	cr_assert_str_eq(fmt(0.1), "0.1");
	cr_assert_str_eq(fmt(100), "100");
	cr_assert_str_eq(fmt(120000), "120000");
	cr_assert_str_eq(fmt(0), "0");
	cr_assert_str_eq(fmt(-0.0), "-0");
	cr_assert_str_eq(fmt(1e20), "1e+20");
	cr_assert_str_eq(fmt(1e-7), "1e-07");
	cr_assert_str_eq(fmt(123456789012345678.0), "1.2345678901234568e+17");
	cr_assert_str_eq(fmt(1.0 / 3), "0.3333333333333333");
	cr_assert_str_eq(fmt(0.1 + 0.2), "0.30000000000000004");
	cr_assert_str_eq(fmt(5e-324), "5e-324");
	cr_assert_str_eq(fmt(2.2250738585072014e-308), "2.2250738585072014e-308");
	cr_assert_str_eq(fmt(1.7976931348623157e308),
			 "1.7976931348623157e+308");
}

Test(ctl_json, doubles_round_trip)
{
	uint64_t x = 88172645463325252ULL;

	for (int i = 0; i < 100000; i++) {
		double v;

		/* xorshift64: arbitrary bit patterns, so every exponent */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v))
			continue;
		cr_assert_eq(strtod(fmt(v), NULL), v, "%s", fmt(v));
	}
}

Test(ctl_json, nan_and_infinity_are_null)
{
	ctl_json_begin_array(&j);
	ctl_json_double(&j, NAN);
	ctl_json_double(&j, INFINITY);
	ctl_json_double(&j, -INFINITY);
	ctl_json_double(&j, 2.5);
	ctl_json_end_array(&j);
	cr_assert_str_eq(out(), "[null,null,null,2.5]");
}

Test(ctl_json, message_has_every_field_by_proto_name)
{
	Pathways__V1__ReadinessResponse resp =
		PATHWAYS__V1__READINESS_RESPONSE__INIT;
	Pathways__V1__ReadinessResult r = PATHWAYS__V1__READINESS_RESULT__INIT;
	Pathways__V1__ReadinessResult *rs[] = { &r };
	char *blockers[] = { "sql", "go" };

	r.employee_id = "E1";
	r.role_key = "eng-ic-3";
	r.readiness = 87.5;
	r.band = PATHWAYS__V1__BAND__READY_SOON;
	r.met = 4;
	r.required = 5;
	r.blockers = blockers;
	r.n_blockers = 2;
	resp.results = rs;
	resp.n_results = 1;
	ctl_json_message(&j, &resp.base);
	cr_assert_str_eq(out(),
		"{\"results\":[{\"employee_id\":\"E1\",\"role_key\":\"eng-ic-3\","
		"\"readiness\":87.5,\"band\":\"READY_SOON\",\"met\":4,"
		"\"required\":5,\"blockers\":[\"sql\",\"go\"],"
		"\"estimated_hours\":0,\"uncovered_needs\":0,\"error\":\"\"}]}");
}

Test(ctl_json, message_enums_unknown_values_are_numbers)
{
	Pathways__V1__BandCount bc = PATHWAYS__V1__BAND_COUNT__INIT;

	bc.band = 42;
	bc.count = 3;
	ctl_json_message(&j, &bc.base);
	cr_assert_str_eq(out(), "{\"band\":42,\"count\":3}");
}

Test(ctl_json, message_oneof_shows_only_the_member_set)
{
	Pathways__V1__PathRequest p = PATHWAYS__V1__PATH_REQUEST__INIT;
	Pathways__V1__MoveKind kinds[] = { PATHWAYS__V1__MOVE_KIND__LATERAL };

	p.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_EMPLOYEE;
	p.from_employee = "E7";
	p.to_role = "eng-mgr-1";
	p.allowed_kinds = kinds;
	p.n_allowed_kinds = 1;
	ctl_json_message(&j, &p.base);
	cr_assert_str_eq(out(),
		"{\"from_employee\":\"E7\",\"to_role\":\"eng-mgr-1\","
		"\"max_routes\":0,\"max_steps\":0,\"allowed_kinds\":[\"LATERAL\"],"
		"\"avoid_roles\":[]}");
}

Test(ctl_json, message_64_bit_fields_are_numbers)
{
	Pathways__V1__HealthResponse h = PATHWAYS__V1__HEALTH_RESPONSE__INIT;
	const char *want = "{\"serving\":true,"
			   "\"snapshot_version\":18446744073709551615,"
			   "\"snapshot_loaded_unix_ms\":-9223372036854775808,"
			   "\"database_connected\":false,\"roles\":0,";

	h.serving = true;
	h.snapshot_version = UINT64_MAX;
	h.snapshot_loaded_unix_ms = INT64_MIN;
	h.version = "0.1.0";
	ctl_json_message(&j, &h.base);
	/* Only a prefix: HealthResponse gains fields. */
	cr_assert_eq(strncmp(out(), want, strlen(want)), 0, "%s", out());
	cr_assert_not_null(strstr(out(), ",\"version\":\"0.1.0\""));
}

Test(ctl_json, message_nested_messages_are_objects)
{
	Pathways__V1__Mentor m = PATHWAYS__V1__MENTOR__INIT;
	Pathways__V1__CompetencyGain g = PATHWAYS__V1__COMPETENCY_GAIN__INIT;
	Pathways__V1__CompetencyGain *gs[] = { &g, &g };

	m.employee_id = "E2";
	m.role_key = "";
	g.competency_key = "sql";
	g.from_level = 3;
	g.to_level = 5;
	m.covers = gs;
	m.n_covers = 2;
	ctl_json_message(&j, &m.base);
	cr_assert_str_eq(out(),
		"{\"employee_id\":\"E2\",\"role_key\":\"\",\"covers\":["
		"{\"competency_key\":\"sql\",\"from_level\":3,\"to_level\":5},"
		"{\"competency_key\":\"sql\",\"from_level\":3,\"to_level\":5}]}");
}

Test(ctl_json, null_message_is_null)
{
	ctl_json_message(&j, NULL);
	cr_assert_str_eq(out(), "null");
}

Test(ctl_json, message_leaves_out_an_empty_wal_position)
{
	Pathways__V1__EraseEmployeeResponse r =
		PATHWAYS__V1__ERASE_EMPLOYEE_RESPONSE__INIT;

	ctl_json_message(&j, &r.base);
	r.commit_lsn = "16/B374D848";
	ctl_json_message(&j, &r.base);
	cr_assert_str_eq(out(),
		"{\"erased\":false,\"assessments\":0,\"completions\":0}"
		"{\"erased\":false,\"assessments\":0,\"completions\":0,"
		"\"commit_lsn\":\"16/B374D848\"}");
}
