/* migrate: brings a database's schema up to the migrations embedded in this
 * binary (sql/migrations/, see daemon/common/migrations.h).
 *
 * The schema version of a database is the highest version recorded in its
 * schema_migration table (version int PRIMARY KEY, name text, applied_at
 * timestamptz DEFAULT now()); a database without that table is version 0.
 */
#ifndef PATHWAYS_MIGRATE_H
#define PATHWAYS_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

/* Applies every embedded migration newer than the database's schema
 * version, in order, each in its own transaction together with its row in
 * schema_migration (the table is created if missing). A transaction-level
 * advisory lock serializes concurrent migrates. DB must be idle (not inside
 * a transaction). On success *applied = the number applied (0: already up
 * to date). Errors: -EINVAL (DB inside a transaction), -EIO (the database
 * failed a statement; err holds its message); earlier migrations stay
 * applied. */
int migrate_apply(PGconn *db, int *applied, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The highest applied version, 0 for a database without schema_migration.
 * -EIO with the database's message in err. */
int migrate_db_version(PGconn *db, int *version, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The highest version embedded in this binary (0 if none). */
int migrate_latest_version(void);

#endif
