/* jsonw: writing JSON text (never reading it: a reader is a library's job).
 * Shared by the daemon's log and access log. */
#ifndef PATHWAYS_JSONW_H
#define PATHWAYS_JSONW_H

#include <stddef.h>

/* Appends s as a JSON string (quotes included) to buf at *n, escaping
 * quotes, backslashes and control characters; bytes >= 0x80 are copied as
 * they are (our strings are UTF-8). Never writes past len - 1 and keeps
 * buf NUL-terminated; returns -ENOSPC (with as much written as fits, cut
 * at a whole escape) when it did not fit, else 0. */
int jsonw_string(char *buf, size_t len, size_t *n, const char *s);

#endif
