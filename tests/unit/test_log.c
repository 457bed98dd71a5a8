/* log: the line formats (text and JSON), levels, and the JSON writer
 * beneath them. Each test captures stderr through a pipe. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "log.h"

static int saved = -1, rd = -1;

static void capture(void)
{
	int p[2];

	cr_assert_eq(pipe(p), 0);
	fflush(stderr);
	saved = dup(2);
	cr_assert(saved >= 0);
	cr_assert_eq(dup2(p[1], 2), 2);
	close(p[1]);
	rd = p[0];
	log_set_level(LOG_LEVEL_INFO);
	log_set_format(LOG_FORMAT_TEXT);
}

/* everything logged so far (the pipe holds far more than a test writes) */
static char *captured(void)
{
	static char buf[16384];
	ssize_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = read(rd, buf, sizeof(buf) - 1);
	close(rd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

TestSuite(log, .init = capture);

Test(log, text_lines_carry_time_and_level)
{
	log_warn("db: connect failed (%s)", "down");
	char *out = captured();
	/* 2026-12-03T13:19:14.123Z warn: db: connect failed (down) */
	cr_assert_eq(strlen(out), 24 + strlen(" warn: db: connect failed (down)\n"),
		     "%s", out);
	cr_assert_eq(out[4], '-');
	cr_assert_eq(out[10], 'T');
	cr_assert_eq(out[23], 'Z');
	cr_assert_str_eq(out + 24, " warn: db: connect failed (down)\n");
}

Test(log, lines_above_the_level_are_not_written)
{
	log_set_level(LOG_LEVEL_NOTICE);
	log_info("server: quiet");
	log_debug("server: quieter");
	log_notice("server: said");
	char *out = captured();
	cr_assert_null(strstr(out, "quiet"), "%s", out);
	cr_assert_not_null(strstr(out, "server: said"));
}

Test(log, json_lines_are_objects_with_a_component)
{
	log_set_format(LOG_FORMAT_JSON);
	log_err("db: bad \"row\"\n\tback\\slash \x01");
	char *out = captured();
	char *msg = strstr(out, ",\"message\":");

	cr_assert(!strncmp(out, "{\"time\":\"", 9), "%s", out);
	cr_assert_not_null(strstr(out, "Z\",\"level\":\"err\",\"component\":\"db\","),
			   "%s", out);
	cr_assert_not_null(msg, "%s", out);
	cr_assert_str_eq(msg, ",\"message\":\"db: bad \\\"row\\\"\\u000a\\u0009back"
			      "\\\\slash \\u0001\"}\n");
}

Test(log, json_has_no_component_when_the_message_names_none)
{
	log_set_format(LOG_FORMAT_JSON);
	log_notice("Listening: on all of it");
	log_notice("ready");
	char *out = captured();
	cr_assert_null(strstr(out, "component"), "%s", out);
	cr_assert_not_null(strstr(out, "\"message\":\"Listening: on all of it\"}\n"));
	cr_assert_not_null(strstr(out, "\"message\":\"ready\"}\n"));
}

Test(log, a_long_json_line_stays_one_valid_object)
{
	static char big[4000];

	memset(big, '"', sizeof(big) - 1);	/* each one doubles when escaped */
	log_set_format(LOG_FORMAT_JSON);
	log_warn("x: %s", big);
	char *out = captured();
	size_t n = strlen(out);

	cr_assert(n > 2 && n <= 2048, "%zu", n);
	cr_assert_str_eq(out + n - 2, "}\n");
	cr_assert_eq(strchr(out, '\n'), out + n - 1, "one line");
	/* cut at a whole escape: never a lone backslash before the quote */
	cr_assert_not_null(strstr(out, "\"message\":\""), "%s", out);
}

Test(log, formats_and_levels_parse)
{
	enum log_format f;
	enum log_level l;

	captured();
	cr_assert_eq(log_parse_format("json", &f), 0);
	cr_assert_eq(f, LOG_FORMAT_JSON);
	cr_assert_eq(log_parse_format("text", &f), 0);
	cr_assert_eq(f, LOG_FORMAT_TEXT);
	cr_assert_eq(log_parse_format("JSON", &f), -EINVAL);
	cr_assert_eq(log_parse_level("warning", &l), 0);
	cr_assert_eq(l, LOG_LEVEL_WARN);
	cr_assert_eq(log_parse_level("loud", &l), -EINVAL);
}

Test(log, jsonw_escapes_and_refuses_what_does_not_fit)
{
	char buf[16];
	size_t n = 0;

	captured();
	cr_assert_eq(jsonw_string(buf, sizeof(buf), &n, "a\"b"), 0);
	cr_assert_str_eq(buf, "\"a\\\"b\"");
	cr_assert_eq(n, 6);
	n = 0;
	cr_assert_eq(jsonw_string(buf, sizeof(buf), &n, "0123456789abcdef"),
		     -ENOSPC);
	cr_assert_lt(n, sizeof(buf));
	cr_assert_eq(buf[n], '\0');
	n = 0;
	cr_assert_eq(jsonw_string(buf, 8, &n, "\x1f\x1f"), -ENOSPC);
	cr_assert_str_eq(buf, "\"\\u001f", "a whole escape or none");
}
