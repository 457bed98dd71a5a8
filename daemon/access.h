/* access: the access log ([log] access_log = PATH), one JSON line per
 * request, so a privacy officer can answer "who looked at whose
 * readiness?": time, client (key fingerprint, or peer address without
 * CURVE), method, the request_id and the caller's trace_id (header
 * metadata), every employee id it named (a JSON array of strings, however
 * many, whatever they hold), status code, microseconds.
 * Written by the frontend thread only; reopened on SIGHUP (logrotate). */
#ifndef PATHWAYS_ACCESS_H
#define PATHWAYS_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct access_log access_log_t;

/* Opens (appends to) path. 0, or -errno. */
int access_open(const char *path, access_log_t **out)
	__attribute__((warn_unused_result));
/* Reopens the same path (after logrotate moved it). */
int access_reopen(access_log_t *a) __attribute__((warn_unused_result));
void access_close(access_log_t **a);

/* The employee ids one request named, kept whole for its line: each is
 * stored JSON-encoded as it is added, so an id holding a comma or a quote
 * stays one id, and no count or length cuts the list (the request's size
 * bounds it). Zero-initialized is empty; cleared and reused from request
 * to request, freed by access_ids_free(). */
struct access_ids {
	char *json;		/* "\"E1\",\"E2\"": len bytes, NUL-terminated */
	size_t len, cap;
	bool lost;		/* out of memory: some ids are missing */
};

/* Appends id ("*": everyone); "" is ignored. Out of memory sets lost. */
void access_ids_add(struct access_ids *ids, const char *id);
void access_ids_clear(struct access_ids *ids);
void access_ids_free(struct access_ids *ids);

struct access_line {
	const char *client, *method;
	uint64_t request_id;		/* 0: none (not written) */
	const char *trace_id;		/* NULL or "": none (not written) */
	const struct access_ids *employees;	/* NULL: none */
	int code;
	uint64_t us;
};

/* One line. A lost id is shown as a last element "?" (never silently). */
void access_write(access_log_t *a, const struct access_line *l);

#endif
