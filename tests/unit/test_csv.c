/* Unit tests of the CSV reader and its value parsers (client/admin/csv.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"

static const struct csv_column cols3[] = {
	{ "key", true },
	{ "name", false },
	{ "kind", true },
};

static char err[1024];

/* Opens TEXT as "t.csv" and reads its header against cols3. */
static csv_t *open_with_header(const char *text)
{
	csv_t *c = NULL;

	cr_assert_eq(csv_open_mem("t.csv", text, strlen(text), &c), 0);
	cr_assert_eq(csv_read_header(c, cols3, 3, err, sizeof(err)), 0,
		     "header: %s", err);
	return c;
}

/* Reads every record of TEXT (no header binding) and returns the result
 * of the last csv_next(). */
static int read_all(const char *text, size_t len)
{
	csv_t *c = NULL;
	int rc;

	cr_assert_eq(csv_open_mem("t.csv", text, len, &c), 0);
	while ((rc = csv_next(c, err, sizeof(err))) == 1)
		;
	csv_destroy(&c);
	return rc;
}

Test(csv, reads_quoted_fields_with_doubled_quotes_and_commas)
{
	csv_t *c = open_with_header("key,name,kind\n"
				    "a,\"Smith, \"\"Jo\"\"\",ic\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1, "%s", err);
	cr_assert_str_eq(csv_get(c, 0), "a");
	cr_assert_str_eq(csv_get(c, 1), "Smith, \"Jo\"");
	cr_assert_str_eq(csv_get(c, 2), "ic");
	cr_assert_eq(csv_line(c), 2);
	cr_assert_eq(csv_next(c, err, sizeof(err)), 0);
	csv_destroy(&c);
}

Test(csv, counts_lines_inside_quoted_fields)
{
	csv_t *c = open_with_header("key,name,kind\n"
				    "a,\"line one\nline two\r\n"
				    "line three\",ic\n"
				    "b,plain,ic\n"
				    "c,,ic\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_eq(csv_line(c), 2);
	cr_assert_str_eq(csv_get(c, 1), "line one\nline two\r\nline three");
	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_str_eq(csv_get(c, 0), "b");
	cr_assert_eq(csv_line(c), 5);
	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_eq(csv_line(c), 6);
	cr_assert_str_eq(csv_get(c, 1), "");
	csv_destroy(&c);
}

Test(csv, strips_a_bom_and_accepts_crlf)
{
	csv_t *c = open_with_header("\xef\xbb\xbfkey,name,kind\r\n"
				    "a,Alpha,ic\r\n"
				    "b,Beta,ic\r\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_str_eq(csv_get(c, 2), "ic");
	cr_assert_eq(csv_line(c), 2);
	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_str_eq(csv_get(c, 0), "b");
	cr_assert_str_eq(csv_get(c, 2), "ic");
	cr_assert_eq(csv_line(c), 3);
	cr_assert_eq(csv_next(c, err, sizeof(err)), 0);
	csv_destroy(&c);
}

Test(csv, accepts_lone_cr_line_ends)
{
	csv_t *c = open_with_header("key,name,kind\ra,A,ic\rb,B,ic");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_eq(csv_line(c), 2);
	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_eq(csv_line(c), 3);
	cr_assert_str_eq(csv_get(c, 2), "ic");
	csv_destroy(&c);
}

Test(csv, accepts_a_last_line_without_newline)
{
	csv_t *c = open_with_header("key,name,kind\na,A,\"ic\"");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1, "%s", err);
	cr_assert_str_eq(csv_get(c, 2), "ic");
	cr_assert_eq(csv_next(c, err, sizeof(err)), 0);
	csv_destroy(&c);
}

Test(csv, keeps_a_trailing_empty_field)
{
	csv_t *c = open_with_header("key,name,kind\na,A,");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(csv_nfields(c), 3);
	cr_assert_str_eq(csv_get(c, 2), "");
	csv_destroy(&c);
}

Test(csv, skips_empty_lines)
{
	csv_t *c = open_with_header("key,name,kind\n\na,A,ic\n\n\nb,B,ic\n\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_eq(csv_line(c), 3);
	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_eq(csv_line(c), 6);
	cr_assert_eq(csv_next(c, err, sizeof(err)), 0);
	csv_destroy(&c);
}

Test(csv, reports_an_unterminated_quote_where_it_opened)
{
	csv_t *c = open_with_header("key,name,kind\n"
				    "a,A,ic\n"
				    "b,\"never closed,ic\n"
				    "c,C,ic\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_eq(csv_next(c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "t.csv:3: name: ") == err, "%s", err);
	cr_assert(strstr(err, "unterminated quote"), "%s", err);
	csv_destroy(&c);
}

Test(csv, rejects_a_stray_quote_in_an_unquoted_field)
{
	csv_t *c = open_with_header("key,name,kind\na,5\" screen,ic\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "t.csv:2: name: stray quote") == err, "%s", err);
	csv_destroy(&c);
}

Test(csv, rejects_text_after_a_closing_quote)
{
	csv_t *c = open_with_header("key,name,kind\na,\"A\"x,ic\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "t.csv:2: name: stray quote") == err, "%s", err);
	csv_destroy(&c);
}

Test(csv, rejects_a_row_with_the_wrong_number_of_fields)
{
	csv_t *c = open_with_header("key,name,kind\na,A,ic\nb,B\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_eq(csv_next(c, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "t.csv:3: expected 3 fields, found 2");
	csv_destroy(&c);
}

Test(csv, rejects_invalid_utf8_with_line_and_column)
{
	csv_t *c = open_with_header("key,name,kind\na,A,ic\nb,ab\xff,ic\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_eq(csv_next(c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "t.csv:3: name: invalid UTF-8") == err, "%s",
		  err);
	cr_assert(strstr(err, "0xff"), "%s", err);
	cr_assert(strstr(err, "character 5"), "%s", err);
	csv_destroy(&c);
}

Test(csv, rejects_overlong_surrogate_and_truncated_utf8)
{
	/* overlong '/', a UTF-16 surrogate, a sequence cut by a comma,
	 * one cut by the end of the file */
	cr_assert_eq(read_all("a\xc0\xaf\n", 4), -EINVAL);
	cr_assert_eq(read_all("a\xed\xa0\x80\n", 5), -EINVAL);
	cr_assert_eq(read_all("\xe2\x82,x\n", 5), -EINVAL);
	cr_assert_eq(read_all("x\xe2\x82", 3), -EINVAL);
	cr_assert(strstr(err, "ends inside"), "%s", err);
	/* and accepts what is fine: é, €, 😀 */
	cr_assert_eq(read_all("\xc3\xa9,\xe2\x82\xac,\xf0\x9f\x98\x80\n", 12),
		     0);
}

Test(csv, rejects_nul_bytes)
{
	cr_assert_eq(read_all("a,b\0c\n", 6), -EINVAL);
	cr_assert(strstr(err, "NUL"), "%s", err);
}

Test(csv, rejects_a_field_over_one_mebibyte)
{
	size_t n = CSV_MAX_FIELD + 10;
	char *big = malloc(n);

	cr_assert(big);
	memset(big, 'x', n);
	big[0] = 'a';
	big[1] = ',';
	cr_assert_eq(read_all(big, n), -EFBIG);
	cr_assert(strstr(err, "1 MiB"), "%s", err);
	free(big);
}

Test(csv, rejects_an_unknown_column_naming_it)
{
	const char *t = "key,nmae,kind\n";
	csv_t *c = NULL;

	cr_assert_eq(csv_open_mem("t.csv", t, strlen(t), &c), 0);
	cr_assert_eq(csv_read_header(c, cols3, 3, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "t.csv:1: nmae: unknown column") == err, "%s",
		  err);
	csv_destroy(&c);
}

Test(csv, rejects_a_duplicated_column)
{
	const char *t = "key,kind,key\n";
	csv_t *c = NULL;

	cr_assert_eq(csv_open_mem("t.csv", t, strlen(t), &c), 0);
	cr_assert_eq(csv_read_header(c, cols3, 3, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "t.csv:1: key: duplicate column") == err, "%s",
		  err);
	csv_destroy(&c);
}

Test(csv, names_every_missing_required_column)
{
	const char *t = "name\nx\n";
	csv_t *c = NULL;

	cr_assert_eq(csv_open_mem("t.csv", t, strlen(t), &c), 0);
	cr_assert_eq(csv_read_header(c, cols3, 3, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "t.csv:1: key, kind: required columns missing");
	csv_destroy(&c);
}

Test(csv, rejects_an_empty_file)
{
	csv_t *c = NULL;

	cr_assert_eq(csv_open_mem("t.csv", "", 0, &c), 0);
	cr_assert_eq(csv_read_header(c, cols3, 3, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "t.csv:1: "), "%s", err);
	csv_destroy(&c);
}

Test(csv, matches_columns_in_any_order_and_leaves_optional_ones_out)
{
	csv_t *c = open_with_header(" kind , key\nic,a\n");

	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_str_eq(csv_get(c, 0), "a");
	cr_assert_str_eq(csv_get(c, 2), "ic");
	cr_assert(!csv_has(c, 1));
	cr_assert_str_eq(csv_get(c, 1), "");
	csv_destroy(&c);
}

Test(csv, streams_a_file_across_buffer_boundaries)
{
	char path[] = "/tmp/test_csv_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	csv_t *c = NULL;
	size_t rows = 0, line = 1;
	int rc;

	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	cr_assert(f);
	fputs("\xef\xbb\xbfkey,name,kind\r\n", f);
	/* 20000 rows, every 7th with a quoted field over three lines */
	for (int i = 0; i < 20000; i++) {
		if (i % 7 == 0)
			fprintf(f, "k%d,\"a\r\n\"\"b\"\",\nc\",ic\r\n", i);
		else
			fprintf(f, "k%d,name %d é,ic\r\n", i, i);
	}
	fclose(f);
	cr_assert_eq(csv_open(path, "big.csv", &c, err, sizeof(err)), 0);
	cr_assert_eq(csv_read_header(c, cols3, 3, err, sizeof(err)), 0, "%s",
		     err);
	while ((rc = csv_next(c, err, sizeof(err))) == 1) {
		char want[32];

		line++;
		cr_assert_eq(csv_line(c), line, "row %zu", rows);
		snprintf(want, sizeof(want), "k%zu", rows);
		cr_assert_str_eq(csv_get(c, 0), want);
		if (rows % 7 == 0) {
			cr_assert_str_eq(csv_get(c, 1), "a\r\n\"b\",\nc");
			line += 2;
		}
		rows++;
	}
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(rows, 20000);
	csv_destroy(&c);
	unlink(path);
}

Test(csv, reports_a_missing_file)
{
	csv_t *c = NULL;

	cr_assert_eq(csv_open("/nonexistent/x.csv", "x.csv", &c, err,
			      sizeof(err)),
		     -ENOENT);
	cr_assert_null(c);
}

Test(csv, refuses_a_symbolic_link_without_reading_its_target)
{
	char dir[] = "/tmp/test_csv_XXXXXX", secret[64], link[64];
	csv_t *c = NULL;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(link, sizeof(link), "%s/areas.csv", dir);
	f = fopen(secret, "w");
	cr_assert_not_null(f);
	fputs("root:$6$s3cr3tHash:19000:0:99999:7:::\n", f);
	fclose(f);
	cr_assert_eq(symlink(secret, link), 0);
	cr_assert_eq(csv_open(link, "areas.csv", &c, err, sizeof(err)), -ELOOP);
	cr_assert_null(c);
	cr_assert(strstr(err, "symbolic link"), "%s", err);
	cr_assert_null(strstr(err, "s3cr3t"), "%s", err);
	unlink(link);
	unlink(secret);
	rmdir(dir);
}

Test(csv, refuses_what_is_not_a_regular_file)
{
	char dir[] = "/tmp/test_csv_XXXXXX", fifo[64];
	csv_t *c = NULL;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(csv_open(dir, "d.csv", &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
	/* and does not wait for a writer that never comes */
	snprintf(fifo, sizeof(fifo), "%s/f.csv", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(csv_open(fifo, "f.csv", &c, err, sizeof(err)), -EINVAL);
	cr_assert_null(c);
	unlink(fifo);
	rmdir(dir);
}

Test(csv, names_an_unknown_column_briefly)
{
	const char *t = "root:$6$abcdefghijklmnopqrstuvwxyz0123456789:19000:0:::\n";
	csv_t *c = NULL;

	cr_assert_eq(csv_open_mem("t.csv", t, strlen(t), &c), 0);
	cr_assert_eq(csv_read_header(c, cols3, 3, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "t.csv:1: root:$6$abcdefghijklmnop...: unknown column") == err,
		  "%s", err);
	cr_assert_null(strstr(err, "qrstuvwxyz"), "%s", err);
	csv_destroy(&c);
}

Test(csv, takes_the_formula_guard_off_and_only_it)
{
	/* what the export wrote for =1, '=2, ''@3, and values it leaves */
	const char *t = "key,name,kind\n"
			"'=1,'''@3,\"'\tx\"\n"
			"''=2,'plain,'\n"
			"-5,'-5,''\n";
	csv_t *c = NULL;

	cr_assert_eq(csv_open_mem("t.csv", t, strlen(t), &c), 0);
	cr_assert_eq(csv_read_header(c, cols3, 3, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_str_eq(csv_get(c, 0), "=1");
	cr_assert_str_eq(csv_get(c, 1), "''@3");
	cr_assert_str_eq(csv_get(c, 2), "\tx");
	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_str_eq(csv_get(c, 0), "'=2");
	cr_assert_str_eq(csv_get(c, 1), "'plain");
	cr_assert_str_eq(csv_get(c, 2), "'");
	cr_assert_eq(csv_next(c, err, sizeof(err)), 1);
	cr_assert_str_eq(csv_get(c, 0), "-5");
	cr_assert_str_eq(csv_get(c, 1), "-5");
	cr_assert_str_eq(csv_get(c, 2), "''");
	csv_destroy(&c);
}

Test(csv, knows_which_fields_a_spreadsheet_takes_for_formulas)
{
	static const char *yes[] = { "=1", "+1", "-1", "@SUM(A1)", "\tx",
				     "\rx", "'=1", "'''+x" };
	static const char *no[] = { "", "1", "'", "''", "'a", "a=1", " =1",
				    "\nx" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		cr_assert(csv_is_guarded(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		cr_assert_not(csv_is_guarded(no[i]), "%s", no[i]);
}

Test(csv, parses_whole_numbers_strictly)
{
	long long v = 42;

	cr_assert_eq(csv_parse_int("17", &v), 0);
	cr_assert_eq(v, 17);
	cr_assert_eq(csv_parse_int("-3", &v), 0);
	cr_assert_eq(v, -3);
	cr_assert_eq(csv_parse_int("+8", &v), 0);
	cr_assert_eq(v, 8);
	v = 42;
	cr_assert_eq(csv_parse_int("", &v), -EINVAL);
	cr_assert_eq(csv_parse_int("x", &v), -EINVAL);
	cr_assert_eq(csv_parse_int("1.5", &v), -EINVAL);
	cr_assert_eq(csv_parse_int(" 1", &v), -EINVAL);
	cr_assert_eq(csv_parse_int("1 ", &v), -EINVAL);
	cr_assert_eq(csv_parse_int("9999999999999999999", &v), -EINVAL);
	cr_assert_eq(v, 42);
}

Test(csv, parses_decimal_numbers_strictly)
{
	double d = 0;

	cr_assert_eq(csv_parse_double("12", &d), 0);
	cr_assert_float_eq(d, 12.0, 1e-12);
	cr_assert_eq(csv_parse_double("-0.5", &d), 0);
	cr_assert_float_eq(d, -0.5, 1e-12);
	cr_assert_eq(csv_parse_double("1e3", &d), 0);
	cr_assert_float_eq(d, 1000.0, 1e-12);
	cr_assert_eq(csv_parse_double(".25", &d), 0);
	cr_assert_float_eq(d, 0.25, 1e-12);
	cr_assert_eq(csv_parse_double("nan", &d), -EINVAL);
	cr_assert_eq(csv_parse_double("inf", &d), -EINVAL);
	cr_assert_eq(csv_parse_double("0x10", &d), -EINVAL);
	cr_assert_eq(csv_parse_double("1,5", &d), -EINVAL);
	cr_assert_eq(csv_parse_double("1e", &d), -EINVAL);
	cr_assert_eq(csv_parse_double("1e999", &d), -EINVAL);
	cr_assert_eq(csv_parse_double(".", &d), -EINVAL);
	cr_assert_eq(csv_parse_double("", &d), -EINVAL);
}

Test(csv, parses_only_lowercase_true_and_false)
{
	bool b = false;

	cr_assert_eq(csv_parse_bool("true", &b), 0);
	cr_assert(b);
	cr_assert_eq(csv_parse_bool("false", &b), 0);
	cr_assert(!b);
	cr_assert_eq(csv_parse_bool("TRUE", &b), -EINVAL);
	cr_assert_eq(csv_parse_bool("1", &b), -EINVAL);
	cr_assert_eq(csv_parse_bool("yes", &b), -EINVAL);
}

static int64_t ts(const char *s)
{
	int64_t v = INT64_MIN;

	cr_assert_eq(csv_parse_timestamp(s, &v), 0, "%s", s);
	return v;
}

Test(csv, parses_iso8601_timestamps_as_utc_microseconds)
{
	int64_t day = INT64_C(86400000000);

	cr_assert_eq(ts("1970-01-01T00:00:00Z"), 0);
	cr_assert_eq(ts("1970-01-02"), day);
	cr_assert_eq(ts("1970-01-01 00:00:01"), 1000000);
	cr_assert_eq(ts("1970-01-01T00:00:00.5Z"), 500000);
	cr_assert_eq(ts("1970-01-01T00:00:00,000001"), 1);
	cr_assert_eq(ts("1970-01-01T00:00:00.0000005"), 1);
	cr_assert_eq(ts("1970-01-01T01:00:00+01:00"), 0);
	cr_assert_eq(ts("1970-01-01T01:00:00+0100"), 0);
	cr_assert_eq(ts("1969-12-31T23:00:00-01"), 0);
	cr_assert_eq(ts("1970-01-01T00:00"), 0);
	cr_assert_eq(ts("2024-02-29T12:00:00Z"),
		     ts("2024-02-29T13:30:00+01:30"));
	cr_assert_eq(ts("2000-03-01") - ts("2000-02-28"), 2 * day);
}

Test(csv, rejects_malformed_timestamps)
{
	static const char *const bad[] = {
		"", "2024", "2024-1-1", "2024-13-01", "2023-02-29",
		"2024-04-31", "2024-01-01T24:00:00", "2024-01-01T10:60",
		"2024-01-01T10:00:61", "2024-01-01T10", "2024-01-01T10:00:00.",
		"2024-01-01T10:00:00+2", "2024-01-01T10:00:00 UTC",
		"0000-01-01", "yesterday", "2024-01-01x",
		"0001-01-01T00:00:00+01:00",
	};
	int64_t v = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(csv_parse_timestamp(bad[i], &v), -EINVAL, "%s",
			     bad[i]);
	cr_assert_eq(v, 7);
}

Test(csv, formats_timestamps_postgresql_reads_back)
{
	char buf[40];

	csv_format_timestamp(ts("2024-03-01T09:30:00.25+02:00"), buf,
			     sizeof(buf));
	cr_assert_str_eq(buf, "2024-03-01 07:30:00.250000+00");
	csv_format_timestamp(ts("1969-12-31T23:59:59.999999Z"), buf,
			     sizeof(buf));
	cr_assert_str_eq(buf, "1969-12-31 23:59:59.999999+00");
	csv_format_timestamp(ts("0001-01-01"), buf, sizeof(buf));
	cr_assert_str_eq(buf, "0001-01-01 00:00:00.000000+00");
}

Test(csv, quotes_values_for_messages_safely)
{
	char buf[96];
	char longs[200];

	csv_quote("a\"b\\c\nd", buf, sizeof(buf));
	cr_assert_str_eq(buf, "a\\\"b\\\\c\\x0ad");
	memset(longs, 'x', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	csv_quote(longs, buf, sizeof(buf));
	cr_assert_eq(strlen(buf), 63);
	cr_assert_str_eq(buf + 60, "...");
	/* never cuts a character in two */
	csv_quote("\xe2\x82\xac\xe2\x82\xac", buf, 5);
	cr_assert_str_eq(buf, "\xe2\x82\xac");
}
