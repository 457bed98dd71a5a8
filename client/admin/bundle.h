/* bundle: imports a framework bundle, the folder of CSV files described in
 * docs/bundle.md, into PostgreSQL, and exports the
 * database as one.
 *
 * The files, all optional, in the order they are imported: tracks, areas,
 * competencies, roles, requirements, moves, modules, module_outcomes,
 * module_prereqs, employees, assessments, completions, settings (.csv).
 * Any other *.csv file in the folder is an error (a misspelt name would
 * otherwise be skipped without a word).
 *
 * Rows are upserted by key; link rows by their natural pairs; assessments by
 * (employee, competency, source, assessed_at). An empty field is the
 * column's default. A column the header leaves out is the default for new
 * rows and left as it is in existing rows (so a feed of id,role does not
 * wipe managers or attributes). In settings.csv an empty value removes the
 * setting, so its default applies.
 */
#ifndef PATHWAYS_BUNDLE_H
#define PATHWAYS_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#define BUNDLE_MAX_FILES 16

/* Per-file row counts of an import or an export, in import order, for the
 * files the bundle had (an export writes all of them). files[i] are static
 * strings ("roles.csv"). */
struct bundle_stats {
	size_t rows[BUNDLE_MAX_FILES];
	const char *files[BUNDLE_MAX_FILES];
	size_t nfiles;
};

/* Imports the bundle in DIR in ONE transaction: all or nothing. DB must be
 * idle (not inside a transaction) and its schema as new as the embedded
 * migrations (else -EPROTO: run `pathwaysctl migrate`).
 *
 * REPLACE: the bundle's framework files (all but employees, assessments,
 * completions) become the whole framework: rows they do not name are
 * deleted; an absent file leaves its table as it is; deleting a role that
 * employees still hold is an error naming them.
 *
 * On a bad row: -EINVAL and err = "file:line: column: what is wrong"
 * (physical line numbers, header = line 1), the database untouched. Other
 * errors: -ENOENT (DIR or nothing to import), -EIO (the database failed a
 * statement; err has its message, with file:line where it applies),
 * -EFBIG (a file or field over the size limits), -ENOMEM.
 * STATS (may be NULL) is written on success only. */
int bundle_import(PGconn *db, const char *dir, bool replace,
		  struct bundle_stats *stats, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Exports the database as a bundle in DIR, created if needed (with its
 * parents, as mkdir -p). Every file is written, header included, even when
 * its table is empty; rows sorted by key (link files by their pairs,
 * assessments by employee, competency, source, assessed_at), keys compared
 * bytewise. Everything is read in one REPEATABLE READ READ ONLY
 * transaction, so the files agree. Values are written so that importing
 * the bundle into an empty database reproduces the tables exactly:
 * RFC 4180 quoting (a field with a comma, quote, line break, or white space
 * at either end is quoted), LF line ends, true/false, NULL as an empty
 * field, numbers with every digit needed, timestamps as ISO 8601 UTC
 * ("2024-03-01T09:30:00.123456Z", the fraction only when there is one),
 * attributes as JSON object text. settings.csv holds the settings the
 * database has (absent ones have their defaults). Other files in DIR are
 * left alone.
 *
 * Files are written under temporary dot names and renamed only when all
 * are complete: on failure no bundle file in DIR is touched.
 *
 * DB must be idle and its schema as new as the embedded migrations (else
 * -EINVAL, -EPROTO). Errors: -errno of the file system (DIR cannot be
 * created or written; err names the path), -EIO (the database failed a
 * statement; err has its message), -ERANGE (a timestamp no bundle can
 * hold, such as infinity), -ENOMEM. STATS (may be NULL) is written on
 * success only. */
int bundle_export(PGconn *db, const char *dir, struct bundle_stats *stats,
		  char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
