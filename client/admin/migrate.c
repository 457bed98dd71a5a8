/* migrate: applies the embedded SQL migrations (see migrate.h). */
#include "migrate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrations.h"
#include "pgexec.h"

/* pg_advisory_xact_lock key of migrations: "pathmigr" in ASCII. */
#define MIGRATE_LOCK_KEY "8098983375054039410"


static void migrate_rollback(PGconn *db)
{
	if (PQtransactionStatus(db) != PQTRANS_IDLE)
		PQclear(PQexec(db, "ROLLBACK"));
}

static int migrate_has_table(PGconn *db, bool *has, char *err, size_t errlen)
{
	PGresult *res = NULL;
	int rc;

	rc = pgexec_run(db, "SELECT to_regclass('schema_migration') IS NOT "
			  "NULL", 0, NULL, &res, "schema version", err, errlen);
	if (rc < 0)
		return rc;
	*has = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	return 0;
}

int migrate_db_version(PGconn *db, int *version, char *err, size_t errlen)
{
	PGresult *res = NULL;
	bool has = false;
	int rc;

	rc = migrate_has_table(db, &has, err, errlen);
	if (rc < 0)
		return rc;
	if (!has) {
		*version = 0;
		return 0;
	}
	rc = pgexec_run(db, "SELECT coalesce(max(version), 0) FROM "
			  "schema_migration", 0, NULL, &res, "schema version",
			  err, errlen);
	if (rc < 0)
		return rc;
	*version = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	return 0;
}

int migrate_latest_version(void)
{
	return sql_migrations_count ?
		       sql_migrations[sql_migrations_count - 1].version : 0;
}

/* Inside the locked transaction: applies the first migration newer than the
 * database's version. *done = true when there was none. */
static int migrate_step(PGconn *db, bool *done, char *err, size_t errlen)
{
	const struct sql_migration *m = NULL;
	const char *params[2];
	char ver[16], what[160];
	bool has = false;
	int version = 0, rc;

	rc = migrate_has_table(db, &has, err, errlen);
	if (rc < 0)
		return rc;
	if (!has) {
		rc = pgexec_run(db, "CREATE TABLE schema_migration (version "
				  "integer PRIMARY KEY, name text NOT NULL, "
				  "applied_at timestamptz NOT NULL DEFAULT "
				  "now())", 0, NULL, NULL,
				  "creating schema_migration", err, errlen);
		if (rc < 0)
			return rc;
	}
	rc = migrate_db_version(db, &version, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sql_migrations_count && !m; i++)
		if (sql_migrations[i].version > version)
			m = &sql_migrations[i];
	if (!m) {
		*done = true;
		return 0;
	}
	snprintf(what, sizeof(what), "migration %s", m->name);
	rc = pgexec_run(db, m->sql, 0, NULL, NULL, what, err, errlen);
	if (rc < 0)
		return rc;
	snprintf(ver, sizeof(ver), "%d", m->version);
	params[0] = ver;
	params[1] = m->name;
	rc = pgexec_run(db, "INSERT INTO schema_migration (version, name) "
			  "VALUES ($1, $2)", 2, params, NULL, what, err,
			  errlen);
	if (rc < 0)
		return rc;
	*done = false;
	return 0;
}

int migrate_apply(PGconn *db, int *applied, char *err, size_t errlen)
{
	const char *key[1] = { MIGRATE_LOCK_KEY };
	int n = 0, rc = 0;
	bool done = false;

	if (PQtransactionStatus(db) != PQTRANS_IDLE) {
		snprintf(err, errlen, "migrate: the connection is inside a "
			 "transaction");
		return -EINVAL;
	}
	/* every pending migration in one transaction: a migrate that is
	 * killed or fails half-way leaves the schema as it found it */
	rc = pgexec_run(db, "BEGIN", 0, NULL, NULL, "migrate", err, errlen);
	if (rc < 0)
		goto out;
	/* two migrates at once: the second waits here, then sees the first
	 * one's work and has nothing left to do */
	rc = pgexec_run(db, "SELECT pg_advisory_xact_lock($1::bigint)", 1, key,
			  NULL, "migrate lock", err, errlen);
	if (rc < 0)
		goto out;
	while (!done) {
		rc = migrate_step(db, &done, err, errlen);
		if (rc < 0)
			goto out;
		if (!done)
			n++;
	}
	rc = pgexec_run(db, "COMMIT", 0, NULL, NULL, "migrate commit", err,
			  errlen);
	if (rc < 0)
		goto out;
out:
	if (rc < 0) {
		migrate_rollback(db);
		return rc;
	}
	*applied = n;
	return 0;
}
