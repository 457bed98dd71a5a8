#include "log.h"
#include "jsonw.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Process-wide logging configuration: set once in main() before any thread
 * starts, read-only afterwards. This is the one piece of state our C style's
 * "no mutable globals" rule tolerates, as every module must reach the log. */
static struct {
	enum log_level level;
	enum log_format format;
	bool journal;
} log_cfg = { LOG_LEVEL_INFO, LOG_FORMAT_TEXT, false };

static const char *const log_names[] = {
	[LOG_LEVEL_ERR] = "err", [LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_NOTICE] = "notice", [LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	log_cfg.level = level;
}

enum log_level log_get_level(void)
{
	return log_cfg.level;
}

void log_set_format(enum log_format format)
{
	log_cfg.format = format;
}

int log_parse_format(const char *s, enum log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = LOG_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return -EINVAL;
	return 0;
}

int log_parse_level(const char *s, enum log_level *out)
{
	for (int i = LOG_LEVEL_ERR; i <= LOG_LEVEL_DEBUG; i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcmp(s, "error") == 0 || strcmp(s, "warning") == 0) {
		*out = s[0] == 'e' ? LOG_LEVEL_ERR : LOG_LEVEL_WARN;
		return 0;
	}
	return -EINVAL;
}

void log_init(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	struct stat st;
	unsigned long dev, ino;

	log_cfg.journal = false;
	if (!js || sscanf(js, "%lu:%lu", &dev, &ino) != 2)
		return;
	if (fstat(fileno(stderr), &st) == 0 && st.st_dev == dev &&
	    st.st_ino == ino)
		log_cfg.journal = true;
}

/* "2026-12-03T13:19:14.123Z" */
static void log_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* The length of the component that starts msg ("db: connect failed"),
 * 0 when it does not start with a short lower-case word and ": ". */
static size_t log_component(const char *msg)
{
	size_t n = 0;

	while (n < 24 && ((msg[n] >= 'a' && msg[n] <= 'z') ||
			  (msg[n] >= '0' && msg[n] <= '9') || msg[n] == '_' ||
			  msg[n] == '-'))
		n++;
	return n && msg[n] == ':' && msg[n + 1] == ' ' ? n : 0;
}

/* One JSON object for msg into line (NUL-terminated), after the "<N>"
 * prefix already at line[0..*n). Cut at a whole escape if too long, but
 * always a valid object. */
static void log_json(char *line, size_t len, size_t *n,
		     enum log_level level, const char *msg)
{
	size_t comp = log_component(msg), keep;
	char when[64], word[32];

	log_time(when, sizeof(when));
	*n += (size_t)snprintf(line + *n, len - *n,
			       "{\"time\":\"%s\",\"level\":\"%s\",", when,
			       log_names[level]);
	if (comp) {
		snprintf(word, sizeof(word), "%.*s", (int)comp, msg);
		*n += (size_t)snprintf(line + *n, len - *n, "\"component\":");
		(void)jsonw_string(line, len, n, word);
		*n += (size_t)snprintf(line + *n, len - *n, ",");
	}
	*n += (size_t)snprintf(line + *n, len - *n, "\"message\":");
	keep = *n;
	/* room for the closing '}' */
	if (jsonw_string(line, len - 1, n, msg) < 0) {
		*n = keep;
		line[*n] = '\0';
		(void)jsonw_string(line, len - 1, n, "(message too long)");
	}
	line[(*n)++] = '}';
	line[*n] = '\0';
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048], msg[1536];
	size_t n = 0;
	va_list ap;
	int rc;

	if (level > log_cfg.level)
		return;
	if (log_cfg.journal) {
		rc = snprintf(line, sizeof(line), "<%d>", (int)level);
	} else if (log_cfg.format == LOG_FORMAT_JSON) {
		rc = 0;
	} else {
		char when[64];

		log_time(when, sizeof(when));
		rc = snprintf(line, sizeof(line), "%s %s: ", when,
			      log_names[level]);
	}
	if (rc > 0)
		n = (size_t)rc < sizeof(line) ? (size_t)rc : sizeof(line) - 1;
	va_start(ap, fmt);
	if (log_cfg.format == LOG_FORMAT_JSON) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		log_json(line, sizeof(line) - 1, &n, level, msg);
		rc = 0;
	} else {
		rc = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	}
	va_end(ap);
	if (rc > 0)
		n += (size_t)rc < sizeof(line) - n ? (size_t)rc
						    : sizeof(line) - n - 1;
	/* one write per line so concurrent threads never interleave */
	if (n < sizeof(line) - 1)
		line[n++] = '\n';
	else
		line[sizeof(line) - 2] = '\n', n = sizeof(line) - 1;
	fwrite(line, 1, n, stderr);
	fflush(stderr);
}
