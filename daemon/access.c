#include "access.h"
#include "array.h"
#include "jsonw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	/* who read whose data is personal data too: owner only (fopen would
	 * create it 0666 less the umask) */
	int fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "a");

	if (!f) {
		int rc = -errno;

		if (fd >= 0)
			close(fd);
		return rc;
	}
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

/* Appends s as a JSON string to ids; false when out of memory. */
static bool ids_put(struct access_ids *ids, const char *s)
{
	/* a comma, the escaped string, the NUL */
	size_t n = strlen(s), need = ids->len + 1 + JSONW_MAX(n) + 1;

	if (array_grow((void **)&ids->json, &ids->cap, need, 1, 256) < 0)
		return false;
	if (ids->len)
		ids->json[ids->len++] = ',';
	/* sized for the worst case above: it always fits */
	return jsonw_string(ids->json, ids->cap, &ids->len, s) == 0;
}

void access_ids_add(struct access_ids *ids, const char *id)
{
	if (id[0] && !ids_put(ids, id))
		ids->lost = true;
}

void access_ids_clear(struct access_ids *ids)
{
	ids->len = 0;
	ids->lost = false;
	if (ids->json)
		ids->json[0] = '\0';
}

void access_ids_free(struct access_ids *ids)
{
	free(ids->json);
	*ids = (struct access_ids){ 0 };
}

void access_write(access_log_t *a, const struct access_line *l)
{
	const struct access_ids *ids = l->employees;
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
	jsonw_fput(a->f, l->client);
	fputs(",\"method\":", a->f);
	jsonw_fput(a->f, l->method);
	if (l->request_id)
		fprintf(a->f, ",\"request_id\":%llu",
			(unsigned long long)l->request_id);
	if (l->trace_id && l->trace_id[0]) {
		fputs(",\"trace_id\":", a->f);
		jsonw_fput(a->f, l->trace_id);
	}
	fputs(",\"employees\":[", a->f);
	if (ids && ids->len)
		fwrite(ids->json, 1, ids->len, a->f);
	if (ids && ids->lost)
		fputs(ids->len ? ",\"?\"" : "\"?\"", a->f);
	fprintf(a->f, "],\"code\":%d,\"us\":%llu}\n", l->code,
		(unsigned long long)l->us);
	/* line-at-a-time so a rotated or tailed file never holds half a line */
	if (fflush(a->f))
		log_warn("access: write to the access log failed (%s)", strerror(errno));
}
