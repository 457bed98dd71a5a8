/* pgexec: running a statement and reporting the database's message, the
 * same way for every admin tool (import, export, migrate, erase). */
#ifndef PATHWAYS_PGEXEC_H
#define PATHWAYS_PGEXEC_H

#include <stddef.h>

#include <libpq-fe.h>

/* The database's message for RES (or, RES NULL or without one, the
 * connection's), trimmed: the primary message, then the detail in
 * parentheses. Written to BUF. */
void pgexec_message(PGconn *db, const PGresult *res, char *buf, size_t len);

/* Writes "WHAT: the database's message" (as above) to err; returns -EIO. */
int pgexec_fail(PGconn *db, const PGresult *res, const char *what, char *err,
		size_t errlen);

/* Runs SQL with N text PARAMS (N 0: a simple query); 0 and *out (if OUT;
 * the caller must PQclear it) when it succeeded, else -EIO with err as
 * pgexec_fail() writes it. */
int pgexec_run(PGconn *db, const char *sql, int n, const char *const *params,
	       PGresult **out, const char *what, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
