/* log: leveled logging to stderr.
 *
 * Under systemd (JOURNAL_STREAM names our stderr) each line starts with the
 * syslog priority "<N>" and carries no timestamp: the journal adds it.
 * Otherwise lines get an ISO 8601 UTC timestamp and the level name.
 *
 * With the JSON format ([log] format = json) every line is one JSON object
 * for log pipelines: {"time": ISO 8601 UTC with milliseconds, "level":
 * "warn", "component": "db" (the word before the first ": " of the
 * message, when the message starts with one), "message": the text}; under
 * the journal the "<N>" prefix still comes first so levels are kept. */
#ifndef PATHWAYS_LOG_H
#define PATHWAYS_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

/* Sets the most verbose level written (default INFO). Call before threads
 * start; reads are racy-but-benign word loads afterwards. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "err", "warn", "notice", "info", "debug"; -EINVAL otherwise. */
int log_parse_level(const char *s, enum log_level *out);
/* Sets the line format (default TEXT); same threading rule as the level. */
void log_set_format(enum log_format format);
/* Parses "text" or "json"; -EINVAL otherwise. */
int log_parse_format(const char *s, enum log_format *out);
/* Detects the journal from JOURNAL_STREAM vs. stderr's device and inode. */
void log_init(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
