/* The readers of PostgreSQL's text output (daemon/pgtext.c): COPY CSV
 * rows, COPY text assessment lines, jsonb text, decimal integers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "pgtext.h"

/* ---- pgtext_int ---- */

static int64_t int_ok(const char *s)
{
	int64_t v = 42;

	cr_assert_eq(pgtext_int(s, &v), 0, "\"%s\" refused", s);
	return v;
}

static void int_fails(const char *s, int want)
{
	int64_t v = 42;

	cr_assert_eq(pgtext_int(s, &v), want, "\"%s\"", s);
	cr_assert_eq(v, 42, "\"%s\" wrote the output", s);
}

Test(pgtext, int_reads_plain_decimals)
{
	cr_assert_eq(int_ok("0"), 0);
	cr_assert_eq(int_ok("7"), 7);
	cr_assert_eq(int_ok("-12"), -12);
	cr_assert_eq(int_ok("1700000000000000"), 1700000000000000LL);
	cr_assert_eq(int_ok("-0"), 0);
}

Test(pgtext, int_reads_both_ends_of_int64)
{
	cr_assert_eq(int_ok("9223372036854775807"), INT64_MAX);
	cr_assert_eq(int_ok("-9223372036854775808"), INT64_MIN);
}

Test(pgtext, int_refuses_what_does_not_fit)
{
	int_fails("9223372036854775808", -ERANGE);
	int_fails("-9223372036854775809", -ERANGE);
	int_fails("18446744073709551616", -ERANGE);	/* wraps uint64 */
	int_fails("99999999999999999999", -ERANGE);
	int_fails("123456789012345678901234567890", -ERANGE);
}

Test(pgtext, int_refuses_anything_but_digits)
{
	int_fails("", -EPROTO);
	int_fails("-", -EPROTO);
	int_fails("+1", -EPROTO);
	int_fails(" 1", -EPROTO);
	int_fails("1 ", -EPROTO);
	int_fails("1.5", -EPROTO);
	int_fails("0x10", -EPROTO);
	int_fails("--1", -EPROTO);
	int_fails("\\N", -EPROTO);
	int_fails("12\t3", -EPROTO);
	/* not a number comes before too long (found by fuzz_pgtext) */
	int_fails("77777777777777777777777g", -EPROTO);
	int_fails("\xd9\xa3", -EPROTO);		/* ARABIC-INDIC DIGIT THREE */
}

/* ---- pgtext_csv_fields ---- */

/* splits a copy of s (with the NUL libpq leaves after the row) */
static int csv(const char *s, char **f, int n, char *buf, size_t size)
{
	size_t len = strlen(s);

	cr_assert_lt(len, size);
	memcpy(buf, s, len + 1);
	return pgtext_csv_fields(buf, len, f, n);
}

Test(pgtext, csv_splits_plain_fields_and_drops_the_newline)
{
	char buf[64], *f[4];

	cr_assert_eq(csv("1,e1,3,t\n", f, 4, buf, sizeof(buf)), 4);
	cr_assert_str_eq(f[0], "1");
	cr_assert_str_eq(f[1], "e1");
	cr_assert_str_eq(f[2], "3");
	cr_assert_str_eq(f[3], "t");
}

Test(pgtext, csv_reads_a_row_without_a_newline)
{
	char buf[64], *f[2];

	cr_assert_eq(csv("a,b", f, 2, buf, sizeof(buf)), 2);
	cr_assert_str_eq(f[0], "a");
	cr_assert_str_eq(f[1], "b");
}

Test(pgtext, csv_unquotes_and_undoes_doubled_quotes)
{
	char buf[128], *f[3];

	cr_assert_eq(csv("\"{\"\"team\"\": \"\"a,b\"\"}\",\"\"\"\",x\n", f, 3,
			 buf, sizeof(buf)),
		     3);
	cr_assert_str_eq(f[0], "{\"team\": \"a,b\"}");
	cr_assert_str_eq(f[1], "\"");
	cr_assert_str_eq(f[2], "x");
}

Test(pgtext, csv_keeps_separators_and_newlines_inside_quotes)
{
	char buf[64], *f[2];

	cr_assert_eq(csv("\"a,\nb\r\",c\n", f, 2, buf, sizeof(buf)), 2);
	cr_assert_str_eq(f[0], "a,\nb\r");
	cr_assert_str_eq(f[1], "c");
}

Test(pgtext, csv_gives_null_and_empty_alike)
{
	char buf[64], *f[4];

	/* NULL is an empty unquoted field, '' a quoted empty one */
	cr_assert_eq(csv(",\"\",,\n", f, 4, buf, sizeof(buf)), 4);
	for (int i = 0; i < 4; i++)
		cr_assert_str_eq(f[i], "", "field %d", i);
	cr_assert_eq(csv("\n", f, 4, buf, sizeof(buf)), 1);
	cr_assert_str_eq(f[0], "");
	cr_assert_eq(csv("", f, 4, buf, sizeof(buf)), 1);
}

Test(pgtext, csv_passes_non_ascii_through)
{
	char buf[64], *f[2];

	cr_assert_eq(csv("Zoë,\"日本, 😀\"\n", f, 2, buf, sizeof(buf)), 2);
	cr_assert_str_eq(f[0], "Zoë");
	cr_assert_str_eq(f[1], "日本, 😀");
}

Test(pgtext, csv_counts_fewer_fields)
{
	char buf[64], *f[6];

	cr_assert_eq(csv("a,b,c\n", f, 6, buf, sizeof(buf)), 3);
}

Test(pgtext, csv_refuses_more_fields_than_asked)
{
	char buf[64], *f[2];

	cr_assert_eq(csv("a,b,c\n", f, 2, buf, sizeof(buf)), -EPROTO);
	cr_assert_eq(csv("a,b,\n", f, 2, buf, sizeof(buf)), -EPROTO);
}

Test(pgtext, csv_refuses_an_unterminated_quote)
{
	char buf[64], *f[2];

	cr_assert_eq(csv("a,\"bc\n", f, 2, buf, sizeof(buf)), -EPROTO);
	cr_assert_eq(csv("\"", f, 2, buf, sizeof(buf)), -EPROTO);
	cr_assert_eq(csv("\"ab\"\"\n", f, 2, buf, sizeof(buf)), -EPROTO);
}

Test(pgtext, csv_refuses_text_after_a_closing_quote)
{
	char buf[64], *f[2];

	cr_assert_eq(csv("\"ab\"c,d\n", f, 2, buf, sizeof(buf)), -EPROTO);
	cr_assert_eq(csv("\"ab\" ,d\n", f, 2, buf, sizeof(buf)), -EPROTO);
}

Test(pgtext, csv_takes_a_quote_inside_an_unquoted_field_as_text)
{
	char buf[64], *f[2];

	cr_assert_eq(csv("a\"b,c\n", f, 2, buf, sizeof(buf)), 2);
	cr_assert_str_eq(f[0], "a\"b");
}

/* ---- pgtext_json_string ---- */

/* s is the text after the opening quote */
static int jstr(const char *s, char *out, const char **rest)
{
	const char *p = s;
	int rc = pgtext_json_string(&p, out);

	if (rest)
		*rest = p;
	if (rc)
		cr_assert_eq(p, s, "*pp moved on error");
	return rc;
}

Test(pgtext, json_string_stops_after_the_closing_quote)
{
	char out[64];
	const char *rest;

	cr_assert_eq(jstr("team\": 1", out, &rest), 0);
	cr_assert_str_eq(out, "team");
	cr_assert_str_eq(rest, ": 1");
	cr_assert_eq(jstr("\"", out, &rest), 0);
	cr_assert_str_eq(out, "");
}

Test(pgtext, json_string_undoes_every_short_escape)
{
	char out[64];

	cr_assert_eq(jstr("\\\"\\\\\\/\\b\\f\\n\\r\\t\"", out, NULL), 0);
	cr_assert_str_eq(out, "\"\\/\b\f\n\r\t");
}

Test(pgtext, json_string_turns_u_escapes_into_utf8)
{
	char out[64];

	cr_assert_eq(jstr("\\u0041\\u00e9\\u65E5\\u0001\"", out, NULL), 0);
	cr_assert_str_eq(out, "A\xc3\xa9\xe6\x97\xa5\x01");
}

Test(pgtext, json_string_joins_surrogate_pairs)
{
	char out[64];

	cr_assert_eq(jstr("\\ud83d\\ude00!\"", out, NULL), 0);
	cr_assert_str_eq(out, "\xf0\x9f\x98\x80!");
	cr_assert_eq(jstr("\\uDBFF\\uDFFF\"", out, NULL), 0);
	cr_assert_str_eq(out, "\xf4\x8f\xbf\xbf");
}

Test(pgtext, json_string_passes_raw_utf8_through)
{
	char out[64];

	cr_assert_eq(jstr("Zoë 日本 😀\"", out, NULL), 0);
	cr_assert_str_eq(out, "Zoë 日本 😀");
}

Test(pgtext, json_string_refuses_a_missing_closing_quote)
{
	char out[64];

	cr_assert_eq(jstr("abc", out, NULL), -EPROTO);
	cr_assert_eq(jstr("", out, NULL), -EPROTO);
	cr_assert_eq(jstr("abc\\\"", out, NULL), -EPROTO);
	cr_assert_eq(jstr("abc\\", out, NULL), -EPROTO);
}

Test(pgtext, json_string_refuses_unknown_escapes)
{
	char out[64];

	cr_assert_eq(jstr("\\x41\"", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\U0041\"", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\'\"", out, NULL), -EPROTO);
}

Test(pgtext, json_string_refuses_bad_u_escapes)
{
	char out[64];

	cr_assert_eq(jstr("\\u004\"", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\u00g1\"", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\u12", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\u", out, NULL), -EPROTO);
	/* jsonb refuses \u0000: it would cut the text */
	cr_assert_eq(jstr("\\u0000\"", out, NULL), -EPROTO);
}

Test(pgtext, json_string_refuses_unpaired_surrogates)
{
	char out[64];

	cr_assert_eq(jstr("\\ud83d\"", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\ud83dx\"", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\ud83d\\u0041\"", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\ud83d\\ud83d\"", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\ud83d\\ude0", out, NULL), -EPROTO);
	cr_assert_eq(jstr("\\ude00\"", out, NULL), -EPROTO);
}

/* ---- pgtext_object_each ---- */

struct pairs {
	char text[512];
	size_t len;
	int calls, stop_at;
};

/* appends "key=val;" */
static int collect(void *arg, const char *key, const char *val)
{
	struct pairs *p = arg;
	int n = snprintf(p->text + p->len, sizeof(p->text) - p->len, "%s=%s;",
			 key, val);

	cr_assert(n > 0 && (size_t)n < sizeof(p->text) - p->len);
	p->len += (size_t)n;
	if (++p->calls == p->stop_at)
		return -ECANCELED;
	return 0;
}

static const char *each(const char *json, int want)
{
	static struct pairs p;

	memset(&p, 0, sizeof(p));
	cr_assert_eq(pgtext_object_each(json, collect, &p), want, "%s", json);
	return p.text;
}

Test(pgtext, object_gives_an_empty_object_no_pair)
{
	cr_assert_str_eq(each("{}", 0), "");
	cr_assert_str_eq(each("  { }  ", 0), "");
}

Test(pgtext, object_gives_strings_unquoted_as_jsonb_each_text)
{
	cr_assert_str_eq(each("{\"site\": \"Paris\", \"team\": \"a \\\"b\\\"\"}", 0),
			 "site=Paris;team=a \"b\";");
}

Test(pgtext, object_gives_other_values_as_their_text)
{
	cr_assert_str_eq(each("{\"n\": 1.5e3, \"t\": true, \"f\": false, "
			      "\"neg\": -2}", 0),
			 "n=1.5e3;t=true;f=false;neg=-2;");
}

Test(pgtext, object_gives_null_as_empty)
{
	cr_assert_str_eq(each("{\"a\": null, \"b\": \"null\"}", 0), "a=;b=null;");
}

Test(pgtext, object_gives_nested_values_whole)
{
	cr_assert_str_eq(
		each("{\"o\": {\"x\": [1, {\"y\": \"},]\"}]}, \"l\": [], \"z\": 0}", 0),
		"o={\"x\": [1, {\"y\": \"},]\"}]};l=[];z=0;");
}

Test(pgtext, object_unescapes_keys_and_non_ascii)
{
	cr_assert_str_eq(each("{\"caf\\u00e9\": \"日本\", "
			      "\"Zoë\": \"\\ud83d\\ude00\"}", 0),
			 "café=日本;Zoë=😀;");
}

Test(pgtext, object_drops_spaces_around_bare_values)
{
	cr_assert_str_eq(each("{ \"a\" :1 , \"b\":\ttrue\n}", 0), "a=1;b=true;");
}

Test(pgtext, object_refuses_anything_but_one_object)
{
	each("", -EPROTO);
	each("[]", -EPROTO);
	each("\"a\"", -EPROTO);
	each("null", -EPROTO);
	each("{} {}", -EPROTO);
	each("{}x", -EPROTO);
}

Test(pgtext, object_refuses_truncated_text)
{
	each("{", -EPROTO);
	each("{\"a\"", -EPROTO);
	each("{\"a\":", -EPROTO);
	each("{\"a\": \"b", -EPROTO);
	each("{\"a\": 1", -EPROTO);
	each("{\"a\": {\"b\": 1}", -EPROTO);
	each("{\"a\": 1,", -EPROTO);
	each("{\"a\": \"b\",", -EPROTO);
}

Test(pgtext, object_refuses_malformed_pairs)
{
	each("{a: 1}", -EPROTO);		/* unquoted key */
	each("{\"a\" 1}", -EPROTO);		/* no colon */
	each("{\"a\":}", -EPROTO);		/* no value */
	each("{\"a\": ,\"b\": 1}", -EPROTO);
	each("{\"a\": \"b\" \"c\": 1}", -EPROTO);	/* no comma */
	each("{\"a\": 1,}", -EPROTO);		/* trailing comma */
	each("{,\"a\": 1}", -EPROTO);
	each("{\"a\": 1]", -EPROTO);
	each("{\"a\\q\": 1}", -EPROTO);	/* bad escape in a key */
	each("{\"a\": \"\\ud800\"}", -EPROTO);
}

Test(pgtext, object_stops_at_the_callbacks_error)
{
	struct pairs p = { .stop_at = 2 };

	cr_assert_eq(pgtext_object_each("{\"a\": 1, \"b\": 2, \"c\": 3}",
					collect, &p),
		     -ECANCELED);
	cr_assert_eq(p.calls, 2);
	cr_assert_str_eq(p.text, "a=1;b=2;");
}

/* ---- pgtext_assessment ---- */

static int line(const char *s, struct pgtext_assessment *a)
{
	static char buf[256];
	size_t len = strlen(s);

	cr_assert_lt(len, sizeof(buf));
	memcpy(buf, s, len + 1);
	return pgtext_assessment(buf, len, a);
}

static void line_fails(const char *s, int want)
{
	struct pgtext_assessment a = { .level = 99 };

	cr_assert_eq(line(s, &a), want, "\"%s\"", s);
	cr_assert_eq(a.level, 99, "\"%s\" wrote the output", s);
}

Test(pgtext, assessment_reads_the_five_columns)
{
	struct pgtext_assessment a;

	cr_assert_eq(line("12\t7\t3\tmanager\t1700000000123456\n", &a), 0);
	cr_assert_eq(a.emp_id, 12);
	cr_assert_eq(a.comp_id, 7);
	cr_assert_eq(a.level, 3);
	cr_assert_eq(a.source, GRAPH_SRC_MANAGER);
	cr_assert_eq(a.at_us, 1700000000123456LL);
}

Test(pgtext, assessment_knows_the_four_sources)
{
	static const struct {
		const char *name;
		unsigned bit;
	} src[] = { { "manager", GRAPH_SRC_MANAGER },
		    { "self", GRAPH_SRC_SELF },
		    { "peer", GRAPH_SRC_PEER },
		    { "certification", GRAPH_SRC_CERTIFICATION } };

	for (size_t i = 0; i < 4; i++) {
		struct pgtext_assessment a;
		char s[64];

		snprintf(s, sizeof(s), "1\t2\t0\t%s\t-5\n", src[i].name);
		cr_assert_eq(line(s, &a), 0, "%s", s);
		cr_assert_eq(a.source, src[i].bit, "%s", src[i].name);
		cr_assert_eq(a.at_us, -5);
	}
}

Test(pgtext, assessment_reads_a_line_without_a_newline)
{
	struct pgtext_assessment a;

	cr_assert_eq(line("1\t2\t5\tpeer\t0", &a), 0);
	cr_assert_eq(a.level, 5);
	cr_assert_eq(a.at_us, 0);
}

Test(pgtext, assessment_refuses_unknown_sources)
{
	line_fails("1\t2\t3\tmgr\t0\n", -EPROTO);
	line_fails("1\t2\t3\tmanagers\t0\n", -EPROTO);
	line_fails("1\t2\t3\tManager\t0\n", -EPROTO);
	line_fails("1\t2\t3\t\t0\n", -EPROTO);
	line_fails("1\t2\t3\tx\t0\n", -EPROTO);
	line_fails("1\t2\t3\t\\N\t0\n", -EPROTO);
}

Test(pgtext, assessment_refuses_missing_or_extra_columns)
{
	line_fails("", -EPROTO);
	line_fails("\n", -EPROTO);
	line_fails("1\t2\t3\tself\n", -EPROTO);
	line_fails("1\t2\t3\n", -EPROTO);
	line_fails("1\t2\t3\tself\t0\t9\n", -EPROTO);
	line_fails("1\t2\t3\tself\t0\n\n", -EPROTO);
	line_fails("1\t2\t3\tself\t0\nx", -EPROTO);
}

Test(pgtext, assessment_refuses_nulls_and_non_numbers)
{
	line_fails("\\N\t2\t3\tself\t0\n", -EPROTO);
	line_fails("1\t\\N\t3\tself\t0\n", -EPROTO);
	line_fails("1\t2\t\\N\tself\t0\n", -EPROTO);
	line_fails("1\t2\t3\tself\t\\N\n", -EPROTO);
	line_fails("1\t2\t3.5\tself\t0\n", -EPROTO);
	line_fails("1\t\t3\tself\t0\n", -EPROTO);
}

Test(pgtext, assessment_refuses_numbers_out_of_range)
{
	line_fails("1\t2\t-1\tself\t0\n", -ERANGE);
	line_fails("1\t2\t4294967296\tself\t0\n", -ERANGE);
	line_fails("99999999999999999999\t2\t3\tself\t0\n", -ERANGE);
	line_fails("1\t2\t3\tself\t9223372036854775808\n", -ERANGE);
}

Test(pgtext, assessment_takes_the_largest_level)
{
	struct pgtext_assessment a;

	cr_assert_eq(line("1\t2\t4294967295\tself\t0\n", &a), 0);
	cr_assert_eq(a.level, UINT32_MAX);
}
