/* bundle: imports a framework bundle (see bundle.h).
 *
 * Each file is read once, as a stream. Framework files are small: each row
 * is validated, its keys resolved through in-memory maps (key -> id, loaded
 * from the database at the start and completed as rows are upserted) and
 * upserted by a prepared statement, so a database error names its line.
 * Employees, assessments and completions can be millions of rows: they are
 * validated and resolved the same way, then COPYed into a temporary
 * staging table that keeps each row's line, and moved into place by one
 * INSERT ... SELECT ... ON CONFLICT. When that statement fails, a
 * bisection over line ranges (each probe inside a savepoint) finds the
 * first line that makes it fail, so the error still reads file:line.
 *
 * Everything happens in one transaction; any error rolls it back.
 *
 * This file holds the import itself: which files the folder has, the
 * transaction, and the order of the work. The parts it calls are listed in
 * bundle_private.h.
 */
#include "bundle.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bundle_private.h"

/* pg_advisory_xact_lock key of imports: "pathimpo" in ASCII. */
#define IMP_LOCK_KEY "8098983375054007663"

const struct imp_ent_def imp_ents[ENT_COUNT] = {
	[ENT_TRACK] = { "track", BUNDLE_F_TRACKS,
			"COPY (SELECT key, id FROM track) TO STDOUT",
			"SELECT id FROM track WHERE key = $1" },
	[ENT_AREA] = { "area", BUNDLE_F_AREAS,
		       "COPY (SELECT key, id FROM functional_area) TO STDOUT",
		       "SELECT id FROM functional_area WHERE key = $1" },
	[ENT_COMPETENCY] = { "competency", BUNDLE_F_COMPETENCIES,
			     "COPY (SELECT key, id FROM competency) TO STDOUT",
			     "SELECT id FROM competency WHERE key = $1" },
	[ENT_ROLE] = { "role", BUNDLE_F_ROLES,
		       "COPY (SELECT key, id FROM role) TO STDOUT",
		       "SELECT id FROM role WHERE key = $1" },
	[ENT_MODULE] = { "module", BUNDLE_F_MODULES,
			 "COPY (SELECT key, id FROM module) TO STDOUT",
			 "SELECT id FROM module WHERE key = $1" },
};

/* What reads each file's rows, in import order. */
static int (*const imp_runs[BUNDLE_F_COUNT])(struct imp *im, csv_t *c) = {
	[BUNDLE_F_TRACKS] = imp_tracks,
	[BUNDLE_F_AREAS] = imp_areas,
	[BUNDLE_F_COMPETENCIES] = imp_competencies,
	[BUNDLE_F_ROLES] = imp_roles,
	[BUNDLE_F_REQUIREMENTS] = imp_requirements,
	[BUNDLE_F_MOVES] = imp_moves,
	[BUNDLE_F_MODULES] = imp_modules,
	[BUNDLE_F_OUTCOMES] = imp_outcomes,
	[BUNDLE_F_PREREQS] = imp_prereqs,
	[BUNDLE_F_EMPLOYEES] = imp_employees,
	[BUNDLE_F_ASSESSMENTS] = imp_assessments,
	[BUNDLE_F_COMPLETIONS] = imp_completions,
	[BUNDLE_F_SETTINGS] = imp_settings,
};

static int imp_path(struct imp *im, const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", im->dir, file);

	if (n < 0 || (size_t)n >= len)
		return imp_fail(im, -ENAMETOOLONG, "%s: path too long",
				im->dir);
	return 0;
}

/* Which files the bundle has; any other *.csv is an error. */
static int imp_scan(struct imp *im)
{
	struct dirent *de;
	size_t nfound = 0;
	int rc = 0;
	DIR *d;

	d = opendir(im->dir);
	if (!d)
		return imp_fail(im, -errno, "%s: %s", im->dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name), i;

		/* dot files: editors' locks, archivers' metadata */
		if (de->d_name[0] == '.' || n < 4 ||
		    strcasecmp(de->d_name + n - 4, ".csv"))
			continue;
		for (i = 0; i < BUNDLE_F_COUNT; i++)
			if (!strcmp(de->d_name, bundle_files[i].name))
				break;
		if (i == BUNDLE_F_COUNT) {
			rc = imp_fail(im, -EINVAL, "%s/%s: not a bundle file "
				      "(the files are tracks, areas, "
				      "competencies, roles, requirements, "
				      "moves, modules, module_outcomes, "
				      "module_prereqs, employees, assessments, "
				      "completions, settings .csv)",
				      im->dir, de->d_name);
			break;
		}
		im->present[i] = true;
		nfound++;
	}
	closedir(d);
	if (rc == 0 && !nfound)
		rc = imp_fail(im, -ENOENT, "%s: no bundle files (tracks.csv, "
			      "roles.csv, …)", im->dir);
	return rc;
}

static int imp_run_file(struct imp *im, enum bundle_file f)
{
	char path[PATH_MAX];
	csv_t *c = NULL;
	int rc;

	rc = imp_path(im, bundle_files[f].name, path, sizeof(path));
	if (rc < 0)
		return rc;
	rc = csv_open(path, bundle_files[f].name, &c, im->err, im->errlen);
	if (rc < 0)
		return rc;
	im->cur = f;
	im->cols = bundle_files[f].cols;
	rc = csv_read_header(c, bundle_files[f].cols, bundle_files[f].ncols,
			     im->err, im->errlen);
	if (rc == 0)
		rc = imp_runs[f](im, c);
	csv_destroy(&c);
	return rc < 0 ? rc : 0;
}

static int imp_run(struct imp *im)
{
	const char *lock[1] = { IMP_LOCK_KEY };
	int rc;

	rc = imp_exec(im, "BEGIN", 0, NULL, NULL, "import");
	if (rc < 0)
		return rc;
	/* the files are UTF-8, whatever the session's client_encoding;
	 * timestamps without an offset are UTC (we send them with one) */
	rc = imp_exec(im, "SET LOCAL client_encoding = 'UTF8'", 0, NULL, NULL,
		      "import");
	if (rc == 0)
		rc = imp_exec(im, "SET LOCAL TimeZone = 'UTC'", 0, NULL, NULL,
			      "import");
	if (rc == 0)
		rc = imp_exec(im, "SELECT pg_advisory_xact_lock($1::bigint)", 1,
			      lock, NULL, "import lock");
	for (int e = 0; e < ENT_COUNT && rc == 0; e++)
		rc = imp_load_map(im, imp_ents[e].load, &im->ids[e],
				  imp_ents[e].what);
	for (int f = 0; f < BUNDLE_F_COUNT && rc == 0; f++)
		if (im->present[f])
			rc = imp_run_file(im, (enum bundle_file)f);
	if (rc == 0 && im->replace)
		rc = imp_replace(im);
	if (rc == 0) {
		PGresult *res = PQexec(im->db, "COMMIT");

		if (!res || PQresultStatus(res) != PGRES_COMMAND_OK ||
		    strcmp(PQcmdStatus(res), "COMMIT"))
			rc = imp_dbfail(im, res, "import commit");
		PQclear(res);
	}
	return rc;
}

static void imp_cleanup(struct imp *im)
{
	if (PQtransactionStatus(im->db) != PQTRANS_IDLE)
		PQclear(PQexec(im->db, "ROLLBACK"));
	for (int f = 0; f < BUNDLE_F_COUNT; f++) {
		char sql[64];

		if (!im->prepared[f])
			continue;
		snprintf(sql, sizeof(sql), "DEALLOCATE pathways_import_%d", f);
		PQclear(PQexec(im->db, sql));
	}
	for (int e = 0; e < ENT_COUNT; e++) {
		imp_map_free(&im->ids[e]);
		imp_map_free(&im->seen[e]);
		free(im->kept[e].v);
	}
	for (int l = 0; l < LINK_COUNT; l++) {
		free(im->link_a[l].v);
		free(im->link_b[l].v);
	}
	imp_map_free(&im->emp);
}

int bundle_import(PGconn *db, const char *dir, bool replace,
		  struct bundle_stats *stats, char *err, size_t errlen)
{
	struct imp *im;
	int rc;

	rc = bundle_check_ready(db, "import", err, errlen);
	if (rc < 0)
		return rc;
	im = calloc(1, sizeof(*im));
	if (!im) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	im->db = db;
	im->dir = dir;
	im->replace = replace;
	im->err = err;
	im->errlen = errlen;
	rc = imp_scan(im);
	if (rc == 0)
		rc = imp_run(im);
	imp_cleanup(im);
	if (rc == 0 && stats)
		bundle_stats_fill(stats, im->present, im->rows);
	free(im);
	return rc;
}
