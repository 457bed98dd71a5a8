/* bundle_files: what the import (bundle.c) and the export
 * (bundle_export.c) of a framework bundle share: the files, their order and
 * their columns, and a few helpers. Internal to the bundle module; the
 * public interface is bundle.h.
 */
#ifndef PATHWAYS_BUNDLE_FILES_H
#define PATHWAYS_BUNDLE_FILES_H

#include <stddef.h>

#include <libpq-fe.h>

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

struct bundle_file_def {
	const char *name;		/* "roles.csv" */
	const struct csv_column *cols;	/* in CONTRACT.md's order */
	size_t ncols;
};

/* Indexed by enum bundle_file (defined in bundle.c, next to the code that
 * reads each file). */
extern const struct bundle_file_def bundle_files[BUNDLE_F_COUNT];

/* 0 when DB's schema is exactly as new as the embedded migrations; else
 * -EPROTO (older: run migrate; newer: upgrade pathwaysctl) or -EIO, with
 * err saying which. */
int bundle_check_schema(PGconn *db, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Splits a row of COPY's text format in place, undoing its escapes: F gets
 * up to MAX fields (a \N field is NULL); returns the number of fields. */
size_t bundle_copy_split(char *row, char **f, size_t max);

#endif
