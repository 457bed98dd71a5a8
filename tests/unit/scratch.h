/* A scratch folder for the files a test writes (certificates, config
 * files): scratch_init() from the suite's .init, scratch_fini() from its
 * .fini. Criterion runs each test in a process of its own, so each gets
 * its own folder. */
#ifndef PATHWAYS_TEST_SCRATCH_H
#define PATHWAYS_TEST_SCRATCH_H

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char scratch_dir[] = "/tmp/pathways_test.XXXXXX";

static inline void scratch_init(void)
{
	cr_assert_not_null(mkdtemp(scratch_dir));
}

static inline void scratch_fini(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'",
		 scratch_dir, scratch_dir);
	if (system(cmd) != 0)
		cr_log_warn("cannot remove %s", scratch_dir);
}

/* scratch_dir/name, in one of 8 static buffers: the last 8 stay valid. */
static inline const char *scratch_at(const char *name)
{
	static char path[8][300];
	static int which;

	which = (which + 1) % 8;
	snprintf(path[which], sizeof(path[which]), "%s/%s", scratch_dir, name);
	return path[which];
}

/* Writes len bytes of text to scratch_dir/name; returns its path. */
static inline const char *scratch_write(const char *name, const char *text,
					size_t len)
{
	const char *path = scratch_at(name);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static inline const char *scratch_vput(const char *name, const char *fmt,
				       va_list ap)
{
	static char text[8192];
	int n = vsnprintf(text, sizeof(text), fmt, ap);

	cr_assert(n >= 0 && (size_t)n < sizeof(text));
	return scratch_write(name, text, (size_t)n);
}

/* Writes the formatted text to scratch_dir/name; returns its path. */
static inline const char *scratch_put(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline const char *scratch_put(const char *name, const char *fmt, ...)
{
	const char *path;
	va_list ap;

	va_start(ap, fmt);
	path = scratch_vput(name, fmt, ap);
	va_end(ap);
	return path;
}

#endif
