/* bundle_files: the bundle's files and columns, and what the import and
 * the export both do with the database: the schema check, messages,
 * statements, rows out of a COPY (see bundle_files.h).
 */
#include "bundle_files.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "migrate.h"

static const struct csv_column bundle_tracks_cols[TR_N] = {
	{ "key", true }, { "name", false }, { "kind", true },
};

static const struct csv_column bundle_areas_cols[AR_N] = {
	{ "key", true }, { "name", false },
};

static const struct csv_column bundle_competencies_cols[CO_N] = {
	{ "key", true }, { "name", false }, { "kind", true },
	{ "area", false }, { "description", false },
};

static const struct csv_column bundle_roles_cols[RO_N] = {
	{ "key", true },	{ "title", false },   { "track", true },
	{ "grade", true },	{ "area", false },    { "pay_min", false },
	{ "pay_max", false },	{ "scope", false },   { "complexity", false },
	{ "volume", false },	{ "drive", false },   { "influence", false },
};

static const struct csv_column bundle_requirements_cols[RQ_N] = {
	{ "role", true }, { "competency", true }, { "level", true },
	{ "weight", false }, { "must_have", false },
};

static const struct csv_column bundle_moves_cols[MV_N] = {
	{ "from", true }, { "to", true }, { "kind", true },
	{ "typical_months", false },
};

static const struct csv_column bundle_modules_cols[MO_N] = {
	{ "key", true }, { "title", false }, { "kind", true },
	{ "hours", true }, { "lms_ref", false },
};

static const struct csv_column bundle_outcomes_cols[OU_N] = {
	{ "module", true }, { "competency", true }, { "entry_level", false },
	{ "level", true },
};

static const struct csv_column bundle_prereqs_cols[PR_N] = {
	{ "module", true }, { "requires", true },
};

static const struct csv_column bundle_employees_cols[EM_N] = {
	{ "id", true }, { "role", true }, { "manager", false },
	{ "attributes", false }, { "active", false },
};

static const struct csv_column bundle_assessments_cols[AS_N] = {
	{ "employee", true }, { "competency", true }, { "level", true },
	{ "source", true }, { "assessed_at", true },
};

static const struct csv_column bundle_completions_cols[CM_N] = {
	{ "employee", true }, { "module", true }, { "completed_at", true },
};

static const struct csv_column bundle_settings_cols[SE_N] = {
	{ "key", true }, { "value", true },
};

/* The export writes the columns in this order. */
const struct bundle_file_def bundle_files[BUNDLE_F_COUNT] = {
	[BUNDLE_F_TRACKS] = { "tracks.csv", bundle_tracks_cols, TR_N },
	[BUNDLE_F_AREAS] = { "areas.csv", bundle_areas_cols, AR_N },
	[BUNDLE_F_COMPETENCIES] = { "competencies.csv",
				    bundle_competencies_cols, CO_N },
	[BUNDLE_F_ROLES] = { "roles.csv", bundle_roles_cols, RO_N },
	[BUNDLE_F_REQUIREMENTS] = { "requirements.csv",
				    bundle_requirements_cols, RQ_N },
	[BUNDLE_F_MOVES] = { "moves.csv", bundle_moves_cols, MV_N },
	[BUNDLE_F_MODULES] = { "modules.csv", bundle_modules_cols, MO_N },
	[BUNDLE_F_OUTCOMES] = { "module_outcomes.csv", bundle_outcomes_cols,
				OU_N },
	[BUNDLE_F_PREREQS] = { "module_prereqs.csv", bundle_prereqs_cols,
			       PR_N },
	[BUNDLE_F_EMPLOYEES] = { "employees.csv", bundle_employees_cols,
				 EM_N },
	[BUNDLE_F_ASSESSMENTS] = { "assessments.csv", bundle_assessments_cols,
				   AS_N },
	[BUNDLE_F_COMPLETIONS] = { "completions.csv", bundle_completions_cols,
				   CM_N },
	[BUNDLE_F_SETTINGS] = { "settings.csv", bundle_settings_cols, SE_N },
};

int bundle_check_ready(PGconn *db, const char *what, char *err,
		       size_t errlen)
{
	int rc, version = 0, want = migrate_latest_version();

	if (PQtransactionStatus(db) != PQTRANS_IDLE) {
		snprintf(err, errlen, "%s: the connection is inside a "
			 "transaction", what);
		return -EINVAL;
	}
	rc = migrate_db_version(db, &version, err, errlen);
	if (rc < 0)
		return rc;
	if (version < want) {
		snprintf(err, errlen, "the database schema is at version %d, "
			 "this pathwaysctl needs version %d: run `pathwaysctl "
			 "migrate` first", version, want);
		return -EPROTO;
	}
	if (version > want) {
		snprintf(err, errlen, "the database schema is at version %d, "
			 "newer than this pathwaysctl knows (%d): upgrade "
			 "pathwaysctl", version, want);
		return -EPROTO;
	}
	return 0;
}

int bundle_copy_out(PGconn *db, const char *sql,
		    int (*fn)(void *arg, char *row), void *arg,
		    const char *what, char *err, size_t errlen)
{
	PGresult *res = PQexec(db, sql);
	char *buf = NULL;
	int rc = 0, len;

	if (!res || PQresultStatus(res) != PGRES_COPY_OUT) {
		pgexec_fail(db, res, what, err, errlen);
		PQclear(res);
		return -EIO;
	}
	PQclear(res);
	/* after a failed row the rest is read all the same: a cancel request
	 * would be quicker, but it can arrive after the COPY ended and cancel
	 * the next statement instead */
	while ((len = PQgetCopyData(db, &buf, 0)) > 0) {
		if (rc == 0) {
			if (buf[len - 1] == '\n')
				buf[len - 1] = '\0';
			rc = fn(arg, buf);
		}
		PQfreemem(buf);
		buf = NULL;
	}
	while ((res = PQgetResult(db))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0)
			rc = pgexec_fail(db, res, what, err, errlen);
		PQclear(res);
	}
	if (len == -2 && rc == 0)
		rc = pgexec_fail(db, NULL, what, err, errlen);
	return rc;
}

size_t bundle_copy_split(char *row, char **f, size_t max)
{
	size_t n = 0;
	char *p = row;

	for (;;) {
		char *start = p, *o = p;
		bool null = p[0] == '\\' && p[1] == 'N' &&
			    (p[2] == '\t' || p[2] == '\0');

		if (null)
			p += 2;
		while (!null && *p && *p != '\t') {
			if (*p == '\\' && p[1]) {
				p++;
				switch (*p) {
				case 'b': *o++ = '\b'; break;
				case 'f': *o++ = '\f'; break;
				case 'n': *o++ = '\n'; break;
				case 'r': *o++ = '\r'; break;
				case 't': *o++ = '\t'; break;
				case 'v': *o++ = '\v'; break;
				default: *o++ = *p; break;
				}
				p++;
			} else {
				*o++ = *p++;
			}
		}
		bool last = !*p;

		if (!null)
			*o = '\0';
		if (n < max)
			f[n++] = null ? NULL : start;
		if (last)
			return n;
		p++;
	}
}

void bundle_stats_fill(struct bundle_stats *stats, const bool *present,
		       const size_t *rows)
{
	memset(stats, 0, sizeof(*stats));
	for (int f = 0; f < BUNDLE_F_COUNT; f++) {
		if (present && !present[f])
			continue;
		stats->files[stats->nfiles] = bundle_files[f].name;
		stats->rows[stats->nfiles++] = rows[f];
	}
}
