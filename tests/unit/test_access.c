/* The access log: one JSON line per request, appended, reopened. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"

static char dir[64];
static char path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_access.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/access.log", dir);
}

static void teardown(void)
{
	char p[160];

	snprintf(p, sizeof(p), "%s.1", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

/* The whole file (malloc'ed), "" when it does not exist. */
static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	cr_assert_not_null(buf);
	if (!f)
		return buf;
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A line for ids (NULL-terminated), without request or trace id. */
static void write_ids(access_log_t *a, const char *client, const char *method,
		      const char *const *ids, int code, uint64_t us)
{
	struct access_ids e = { 0 };
	struct access_line l = {
		.client = client, .method = method, .employees = &e,
		.code = code, .us = us,
	};

	for (size_t i = 0; ids && ids[i]; i++)
		access_ids_add(&e, ids[i]);
	access_write(a, &l);
	access_ids_free(&e);
}

#define IDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* the line without its leading time, which changes */
static const char *after_time(const char *line)
{
	const char *p = strstr(line, "\",\"client\":");

	cr_assert_not_null(p, "%s", line);
	return p + 2;
}

Test(access, a_line_names_client_method_employees_code_and_time,
     .init = setup, .fini = teardown)
{
	access_log_t *a = NULL;
	char *s;

	cr_assert_eq(access_open(path, &a), 0);
	write_ids(a, "key:abc", "Readiness", IDS("E1", "E2"), 0, 123);
	s = slurp(path);
	cr_assert_eq(strncmp(s, "{\"time\":\"", 9), 0, "%s", s);
	/* 2026-01-02T03:04:05.123456Z */
	cr_assert_eq(strlen(s + 9) > 28 && s[9 + 27] == '"', 1, "%s", s);
	cr_assert_eq(s[9 + 10], 'T', "%s", s);
	cr_assert_eq(s[9 + 26], 'Z', "%s", s);
	cr_assert_str_eq(after_time(s),
			 "\"client\":\"key:abc\",\"method\":\"Readiness\","
			 "\"employees\":[\"E1\",\"E2\"],\"code\":0,\"us\":123}\n");
	free(s);
	access_close(&a);
	cr_assert_null(a);
}

Test(access, no_employees_is_an_empty_list_and_everyone_is_a_star,
     .init = setup, .fini = teardown)
{
	access_log_t *a = NULL;
	char *s, *second;

	cr_assert_eq(access_open(path, &a), 0);
	write_ids(a, "127.0.0.1", "Health", NULL, 0, 1);
	write_ids(a, "127.0.0.1", "Bench", IDS("*"), 7, 2);
	access_close(&a);
	s = slurp(path);
	second = strchr(s, '\n');
	cr_assert_not_null(second);
	*second++ = '\0';
	cr_assert_str_eq(after_time(s),
			 "\"client\":\"127.0.0.1\",\"method\":\"Health\","
			 "\"employees\":[],\"code\":0,\"us\":1}");
	cr_assert_str_eq(after_time(second),
			 "\"client\":\"127.0.0.1\",\"method\":\"Bench\","
			 "\"employees\":[\"*\"],\"code\":7,\"us\":2}\n");
	free(s);
}

Test(access, quotes_backslashes_and_control_characters_are_escaped,
     .init = setup, .fini = teardown)
{
	access_log_t *a = NULL;
	char *s;

	cr_assert_eq(access_open(path, &a), 0);
	write_ids(a, "a\"b", "M\\", IDS("x\ny", "\"z\""), 3, 0);
	access_close(&a);
	s = slurp(path);
	cr_assert_str_eq(after_time(s),
			 "\"client\":\"a\\\"b\",\"method\":\"M\\\\\","
			 "\"employees\":[\"x\\u000ay\",\"\\\"z\\\"\"],"
			 "\"code\":3,\"us\":0}\n");
	free(s);
}

Test(access, lines_are_appended_to_an_existing_file,
     .init = setup, .fini = teardown)
{
	access_log_t *a = NULL;
	FILE *f = fopen(path, "w");
	char *s;

	cr_assert_not_null(f);
	fputs("old\n", f);
	fclose(f);
	cr_assert_eq(access_open(path, &a), 0);
	write_ids(a, "c", "Gap", IDS("E1"), 0, 5);
	/* each line is flushed as it is written: no close needed */
	s = slurp(path);
	cr_assert_eq(strncmp(s, "old\n{\"time\":", 12), 0, "%s", s);
	free(s);
	access_close(&a);
}

Test(access, reopen_follows_a_rotated_file, .init = setup, .fini = teardown)
{
	access_log_t *a = NULL;
	char rotated[160], *s;

	snprintf(rotated, sizeof(rotated), "%s.1", path);
	cr_assert_eq(access_open(path, &a), 0);
	write_ids(a, "c", "Gap", IDS("E1"), 0, 5);
	cr_assert_eq(rename(path, rotated), 0);
	write_ids(a, "c", "Gap", IDS("E2"), 0, 5);	/* still the old file */
	cr_assert_eq(access_reopen(a), 0);
	write_ids(a, "c", "Gap", IDS("E3"), 0, 5);
	access_close(&a);
	s = slurp(rotated);
	cr_assert(strstr(s, "\"E1\"") && strstr(s, "\"E2\"") && !strstr(s, "\"E3\""),
		  "%s", s);
	free(s);
	s = slurp(path);
	cr_assert(strstr(s, "\"E3\"") && !strstr(s, "\"E1\""), "%s", s);
	free(s);
}

Test(access, a_path_that_cannot_be_opened_is_an_errno,
     .init = setup, .fini = teardown)
{
	access_log_t *a = NULL;
	char bad[160];

	snprintf(bad, sizeof(bad), "%s/no/such/dir/access.log", dir);
	cr_assert_eq(access_open(bad, &a), -ENOENT);
	cr_assert_null(a);
}

Test(access, a_long_id_is_kept_whole, .init = setup, .fini = teardown)
{
	access_log_t *a = NULL;
	char id[4000], *s, *q;

	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	cr_assert_eq(access_open(path, &a), 0);
	write_ids(a, "c", "Gap", IDS(id), 0, 5);
	access_close(&a);
	s = slurp(path);
	q = strstr(s, "[\"");
	cr_assert_not_null(q);
	cr_assert_eq(strspn(q + 2, "x"), sizeof(id) - 1, "%s", s);
	cr_assert_eq(strncmp(q + 2 + sizeof(id) - 1, "\"]", 2), 0, "%s", s);
	free(s);
}

Test(access, every_id_of_a_large_request_is_kept_and_commas_stay_inside,
     .init = setup, .fini = teardown)
{
	struct access_ids e = { 0 };
	struct access_line l = {
		.client = "c", .method = "Readiness", .employees = &e,
	};
	access_log_t *a = NULL;
	char id[32], *s, *q;

	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "E%05d", i);
		access_ids_add(&e, id);
	}
	access_ids_add(&e, "A,B");
	access_ids_add(&e, "");	/* nobody: not an id */
	cr_assert_eq(access_open(path, &a), 0);
	access_write(a, &l);
	access_close(&a);
	access_ids_free(&e);
	cr_assert_null(e.json);
	s = slurp(path);
	cr_assert(strstr(s, "[\"E00000\",\"E00001\","), "%s", s);
	q = strstr(s, "\"E04999\",\"A,B\"],\"code\":0");
	cr_assert_not_null(q, "%.200s", s + strlen(s) - 200);
	free(s);
}

Test(access, request_and_trace_ids_are_written_when_given,
     .init = setup, .fini = teardown)
{
	struct access_ids e = { 0 };
	struct access_line l = {
		.client = "c", .method = "Gap", .request_id = 18446744073709551615ull,
		.trace_id = "4bf92f\"x", .employees = &e, .code = 5, .us = 9,
	};
	access_log_t *a = NULL;
	char *s;

	access_ids_add(&e, "E1");
	cr_assert_eq(access_open(path, &a), 0);
	access_write(a, &l);
	access_close(&a);
	access_ids_free(&e);
	s = slurp(path);
	cr_assert_str_eq(after_time(s),
			 "\"client\":\"c\",\"method\":\"Gap\","
			 "\"request_id\":18446744073709551615,"
			 "\"trace_id\":\"4bf92f\\\"x\","
			 "\"employees\":[\"E1\"],\"code\":5,\"us\":9}\n");
	free(s);
}

Test(access, a_cleared_list_is_empty_and_reused, .init = setup, .fini = teardown)
{
	struct access_ids e = { 0 };

	access_ids_add(&e, "E1");
	access_ids_clear(&e);
	cr_assert_eq(e.len, 0);
	access_ids_add(&e, "E2");
	cr_assert_str_eq(e.json, "\"E2\"");
	access_ids_free(&e);
}

Test(access, the_file_is_created_readable_by_its_owner_only,
     .init = setup, .fini = teardown)
{
	access_log_t *a = NULL;
	struct stat st;
	mode_t old = umask(022);

	cr_assert_eq(access_open(path, &a), 0);
	umask(old);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	access_close(&a);
}

Test(access, closing_null_is_harmless)
{
	access_log_t *a = NULL;

	access_close(&a);
	write_ids(NULL, "c", "Gap", IDS("E1"), 0, 1);
	cr_assert_null(a);
}
