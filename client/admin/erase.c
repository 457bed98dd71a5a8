/* erase: deletes an employee and their records (see erase.h). */
#include "erase.h"
#include "pgexec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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
	rc = pgexec_run(db, "BEGIN", 0, NULL, NULL, "erase", err, errlen);
	if (rc < 0)
		return rc;
	/* The row lock holds off concurrent writes of new assessments or
	 * completions (their foreign key check needs a share lock on it), so
	 * the counts are all there was. */
	rc = pgexec_run(db, "SELECT id FROM employee WHERE external_id = $1 "
			"FOR UPDATE", 1, params, &res, "erase", err, errlen);
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
		rc = pgexec_run(db, "DELETE FROM assessment WHERE employee_id "
				"= $1::integer", 1, params, &res, "erase", err,
				errlen);
		if (rc < 0)
			goto out;
		n_asm = erase_count(res);
		PQclear(res);
		res = NULL;
		rc = pgexec_run(db, "DELETE FROM module_completion WHERE "
				"employee_id = $1::integer", 1, params, &res,
				"erase", err, errlen);
		if (rc < 0)
			goto out;
		n_cmp = erase_count(res);
		PQclear(res);
		res = NULL;
		rc = pgexec_run(db, "DELETE FROM employee WHERE id = "
				"$1::integer", 1, params, NULL, "erase", err,
				errlen);
		if (rc < 0)
			goto out;
	}
	PQclear(res);
	res = NULL;
	rc = pgexec_run(db, "COMMIT", 0, NULL, &res, "erase", err, errlen);
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
