/* erase: the right to erasure, without the daemon: deletes an employee
 * with everything recorded about them, straight in PostgreSQL (the daemon's
 * EraseEmployee does the same through its writer).
 */
#ifndef PATHWAYS_ERASE_H
#define PATHWAYS_ERASE_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/* Deletes the employee whose external id is EMPLOYEE_ID, every assessment
 * and every module completion of theirs, in one transaction; the people
 * they managed are left without a manager. On success *erased says whether
 * there was such an employee (an unknown id is not an error: *erased =
 * false, counts 0), *assessments and *completions how many rows went.
 * Out-parameters are written on success only. DB must be idle (not inside
 * a transaction). Errors: -EINVAL (empty id, or DB inside a transaction),
 * -EIO (the database failed a statement; err has its message, and nothing
 * was deleted). */
int erase_employee(PGconn *db, const char *employee_id, bool *erased,
		   unsigned *assessments, unsigned *completions, char *err,
		   size_t errlen) __attribute__((warn_unused_result));

#endif
