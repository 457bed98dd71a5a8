/* access: the access log ([log] access_log = PATH), one JSON line per
 * request, so a privacy officer can answer "who looked at whose
 * readiness?": time, client (key fingerprint, or peer address without
 * CURVE), method, the employee ids it read, status code, microseconds.
 * Written by the frontend thread only; reopened on SIGHUP (logrotate). */
#ifndef PATHWAYS_ACCESS_H
#define PATHWAYS_ACCESS_H

#include <stdint.h>

typedef struct access_log access_log_t;

/* Opens (appends to) path. 0, or -errno. */
int access_open(const char *path, access_log_t **out)
	__attribute__((warn_unused_result));
/* Reopens the same path (after logrotate moved it). */
int access_reopen(access_log_t *a) __attribute__((warn_unused_result));
void access_close(access_log_t **a);

/* One line; employees is a comma list ("" none, "*" everyone). */
void access_write(access_log_t *a, const char *client, const char *method,
		  const char *employees, int code, uint64_t us);

#endif
