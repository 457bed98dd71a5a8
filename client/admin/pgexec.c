#include "pgexec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void pgexec_message(PGconn *db, const PGresult *res, char *buf, size_t len)
{
	const char *msg =
	    res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail =
	    res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	size_t n;

	if (!msg)
		msg = PQerrorMessage(db);
	if (!msg || !*msg)
		msg = "unknown database error";
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	snprintf(buf, len, "%.*s%s%s%s", (int)n, msg, detail ? " (" : "",
		 detail ? detail : "", detail ? ")" : "");
}

int pgexec_fail(PGconn *db, const PGresult *res, const char *what, char *err,
		size_t errlen)
{
	char msg[1024];

	pgexec_message(db, res, msg, sizeof(msg));
	snprintf(err, errlen, "%s: %s", what, msg);
	return -EIO;
}

int pgexec_run(PGconn *db, const char *sql, int n, const char *const *params,
	       PGresult **out, const char *what, char *err, size_t errlen)
{
	PGresult *res;
	ExecStatusType st;

	if (n)
		res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
	else
		res = PQexec(db, sql);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pgexec_fail(db, res, what, err, errlen);
		PQclear(res);
		return -EIO;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}
