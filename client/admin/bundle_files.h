/* bundle_files: what the import (bundle.c and the bundle_*.c parts it
 * declares in bundle_private.h) and the export (bundle_export.c) of a
 * framework bundle share: the files, their order and their columns, and the
 * helpers both use to talk to the database. Internal to the bundle module;
 * the public interface is bundle.h.
 */
#ifndef PATHWAYS_BUNDLE_FILES_H
#define PATHWAYS_BUNDLE_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "pgexec.h"

#include "bundle.h"
#include "csv.h"

/* The files, in import order: a row comes after the rows it names. */
enum bundle_file {
	BUNDLE_F_TRACKS,
	BUNDLE_F_AREAS,
	BUNDLE_F_COMPETENCIES,
	BUNDLE_F_ROLES,
	BUNDLE_F_REQUIREMENTS,
	BUNDLE_F_MOVES,
	BUNDLE_F_MODULES,
	BUNDLE_F_OUTCOMES,
	BUNDLE_F_PREREQS,
	BUNDLE_F_EMPLOYEES,
	BUNDLE_F_ASSESSMENTS,
	BUNDLE_F_COMPLETIONS,
	BUNDLE_F_SETTINGS,
	BUNDLE_F_COUNT
};

/* The columns of each file, in docs/bundle.md's order: indexes into
 * bundle_files[f].cols, which is how the import reads a row's fields
 * (csv_get(c, RO_GRADE)). */
enum { TR_KEY, TR_NAME, TR_KIND, TR_N };
enum { AR_KEY, AR_NAME, AR_N };
enum { CO_KEY, CO_NAME, CO_KIND, CO_AREA, CO_DESCRIPTION, CO_N };
enum {
	RO_KEY, RO_TITLE, RO_TRACK, RO_GRADE, RO_AREA, RO_PAY_MIN, RO_PAY_MAX,
	RO_SCOPE, RO_COMPLEXITY, RO_VOLUME, RO_DRIVE, RO_INFLUENCE, RO_N
};
enum { RQ_ROLE, RQ_COMPETENCY, RQ_LEVEL, RQ_WEIGHT, RQ_MUST_HAVE, RQ_N };
enum { MV_FROM, MV_TO, MV_KIND, MV_MONTHS, MV_N };
enum { MO_KEY, MO_TITLE, MO_KIND, MO_HOURS, MO_LMS_REF, MO_N };
enum { OU_MODULE, OU_COMPETENCY, OU_ENTRY, OU_LEVEL, OU_N };
enum { PR_MODULE, PR_REQUIRES, PR_N };
enum { EM_ID, EM_ROLE, EM_MANAGER, EM_ATTRIBUTES, EM_ACTIVE, EM_N };
enum { AS_EMPLOYEE, AS_COMPETENCY, AS_LEVEL, AS_SOURCE, AS_AT, AS_N };
enum { CM_EMPLOYEE, CM_MODULE, CM_AT, CM_N };
enum { SE_KEY, SE_VALUE, SE_N };

struct bundle_file_def {
	const char *name;		/* "roles.csv" */
	const struct csv_column *cols;	/* in docs/bundle.md's order */
	size_t ncols;
};

/* Indexed by enum bundle_file. */
extern const struct bundle_file_def bundle_files[BUNDLE_F_COUNT];

/* 0 when DB is idle (not inside a transaction: else -EINVAL, err saying
 * that WHAT cannot run) and its schema is exactly as new as the embedded
 * migrations; else -EPROTO (older: run migrate; newer: upgrade
 * pathwaysctl) or -EIO, with err saying which. */
int bundle_check_ready(PGconn *db, const char *what, char *err,
		       size_t errlen) __attribute__((warn_unused_result));


/* Runs SQL, a "COPY (...) TO STDOUT" in text format, and calls FN with
 * each row, its line end removed (ROW is writable, valid during the call).
 * After FN returns < 0 the rest of the COPY is read and dropped, and that
 * value is returned (FN has written err). A database failure is -EIO with
 * err as pgexec_fail() writes it. */
int bundle_copy_out(PGconn *db, const char *sql,
		    int (*fn)(void *arg, char *row), void *arg,
		    const char *what, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Splits a row of COPY's text format in place, undoing its escapes: F gets
 * up to MAX fields (a \N field is NULL); returns the number of fields. */
size_t bundle_copy_split(char *row, char **f, size_t max);

/* Fills STATS from the per-file row counts ROWS, for the files PRESENT
 * (NULL: every file). */
void bundle_stats_fill(struct bundle_stats *stats, const bool *present,
		       const size_t *rows);

#endif
