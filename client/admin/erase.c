/* erase: deletes an employee and their records (see erase.h). */
#include "erase.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs SQL with text PARAMS; 0 and *out (if OUT) on success, else -EIO
 * with "erase: message" in err. */
static int erase_exec(PGconn *db, const char *sql, int n,
		      const char *const *params, PGresult **out, char *err,
		      size_t errlen)
{
	PGresult *res;
	ExecStatusType st;

	if (n)
		res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
	else
		res = PQexec(db, sql);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *msg = res ? PQresultErrorField(
						res, PG_DIAG_MESSAGE_PRIMARY)
				      : NULL;
		size_t len;

		if (!msg)
			msg = PQerrorMessage(db);
		if (!msg || !*msg)
			msg = "unknown database error";
		len = strlen(msg);
		while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
			len--;
		snprintf(err, errlen, "erase: %.*s", (int)len, msg);
		PQclear(res);
		return -EIO;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* The row count of a DELETE. */
static unsigned erase_count(PGresult *res)
{
	unsigned long n = strtoul(PQcmdTuples(res), NULL, 10);

	return n > 0xffffffffUL ? 0xffffffffU : (unsigned)n;
}

int erase_employee(PGconn *db, const char *employee_id, bool *erased,
		   unsigned *assessments, unsigned *completions, char *err,
		   size_t errlen)
{
	const char *params[1] = { employee_id };
	unsigned n_asm = 0, n_cmp = 0;
	PGresult *res = NULL;
	bool found = false;
	int rc;

	if (!employee_id || !*employee_id) {
		snprintf(err, errlen, "erase: no employee id given");
		return -EINVAL;
	}
	if (PQtransactionStatus(db) != PQTRANS_IDLE) {
		snprintf(err, errlen, "erase: the connection is inside a "
			 "transaction");
		return -EINVAL;
	}
	rc = erase_exec(db, "BEGIN", 0, NULL, NULL, err, errlen);
	if (rc < 0)
		return rc;
	/* The row lock holds off concurrent writes of new assessments or
	 * completions (their foreign key check needs a share lock on it), so
	 * the counts are all there was. */
	rc = erase_exec(db, "SELECT id FROM employee WHERE external_id = $1 "
			"FOR UPDATE", 1, params, &res, err, errlen);
	if (rc < 0)
		goto out;
	found = PQntuples(res) == 1;
	if (found) {
		char id[24];

		snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		res = NULL;
		params[0] = id;
		/* children first, while the employee still exists: the
		 * change notifications name them by external id */
		rc = erase_exec(db, "DELETE FROM assessment WHERE employee_id "
				"= $1::integer", 1, params, &res, err, errlen);
		if (rc < 0)
			goto out;
		n_asm = erase_count(res);
		PQclear(res);
		res = NULL;
		rc = erase_exec(db, "DELETE FROM module_completion WHERE "
				"employee_id = $1::integer", 1, params, &res,
				err, errlen);
		if (rc < 0)
			goto out;
		n_cmp = erase_count(res);
		PQclear(res);
		res = NULL;
		rc = erase_exec(db, "DELETE FROM employee WHERE id = "
				"$1::integer", 1, params, NULL, err, errlen);
		if (rc < 0)
			goto out;
	}
	PQclear(res);
	res = NULL;
	rc = erase_exec(db, "COMMIT", 0, NULL, &res, err, errlen);
	/* a COMMIT of a failed transaction answers ROLLBACK */
	if (rc == 0 && strcmp(PQcmdStatus(res), "COMMIT")) {
		snprintf(err, errlen, "erase: the transaction was rolled back");
		rc = -EIO;
	}
out:
	PQclear(res);
	if (PQtransactionStatus(db) != PQTRANS_IDLE)
		PQclear(PQexec(db, "ROLLBACK"));
	if (rc == 0) {
		*erased = found;
		*assessments = n_asm;
		*completions = n_cmp;
	}
	return rc;
}
