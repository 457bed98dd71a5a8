#include "access.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct access_log {
	char *path;
	FILE *f;
};

int access_open(const char *path, access_log_t **out)
{
	access_log_t *a = calloc(1, sizeof(*a));
	int rc;

	if (!a || !(a->path = strdup(path))) {
		free(a);
		return -ENOMEM;
	}
	rc = access_reopen(a);
	if (rc) {
		access_close(&a);
		return rc;
	}
	*out = a;
	return 0;
}

int access_reopen(access_log_t *a)
{
	FILE *f = fopen(a->path, "ae");

	if (!f)
		return -errno;
	if (a->f)
		fclose(a->f);
	a->f = f;
	return 0;
}

void access_close(access_log_t **ap)
{
	access_log_t *a = *ap;

	if (!a)
		return;
	if (a->f)
		fclose(a->f);
	free(a->path);
	free(a);
	*ap = NULL;
}

/* JSON string body: escapes quotes, backslashes and control characters */
static void put_json(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void access_write(access_log_t *a, const char *client, const char *method,
		  const char *employees, int code, uint64_t us)
{
	struct timespec ts;
	struct tm tm;
	char when[64];

	if (!a || !a->f)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
	fprintf(a->f, "{\"time\":\"%s\",\"client\":", when);
	put_json(a->f, client);
	fputs(",\"method\":", a->f);
	put_json(a->f, method);
	fputs(",\"employees\":[", a->f);
	if (employees[0]) {
		const char *p = employees;

		for (bool first = true; *p; first = false) {
			size_t n = strcspn(p, ",");
			char id[256];

			snprintf(id, sizeof(id), "%.*s", (int)(n < 255 ? n : 255), p);
			if (!first)
				fputc(',', a->f);
			put_json(a->f, id);
			p += n;
			if (*p)
				p++;
		}
	}
	fprintf(a->f, "],\"code\":%d,\"us\":%llu}\n", code, (unsigned long long)us);
	/* line-at-a-time so a rotated or tailed file never holds half a line */
	if (fflush(a->f))
		log_warn("access: write to the access log failed (%s)", strerror(errno));
}
