/* jsonw: writing JSON text (never reading it: a reader is a library's job).
 * One escaping rule for the daemon's log and access log: quotes and
 * backslashes get a backslash, control characters (below 0x20) become
 * \u00XX, every other byte is copied as it is (our strings are UTF-8). */
#ifndef PATHWAYS_JSONW_H
#define PATHWAYS_JSONW_H

#include <stddef.h>
#include <stdio.h>

/* The most bytes jsonw_string() writes for a string of n bytes, quotes
 * included (every byte a \u00XX escape). */
#define JSONW_MAX(n) ((n) * 6 + 2)

/* Appends s as a JSON string (quotes included) to buf at *n. Never writes
 * past len - 1 and keeps buf NUL-terminated; returns -ENOSPC (with as much
 * written as fits, cut at a whole escape) when it did not fit, else 0. */
int jsonw_string(char *buf, size_t len, size_t *n, const char *s);

/* Writes s as a JSON string (quotes included) to f. */
void jsonw_fput(FILE *f, const char *s);

#endif
