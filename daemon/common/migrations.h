/* The SQL migrations in sql/migrations/, embedded at build time
 * (cmake/embed_sql.cmake). Sorted by version; the schema version of a
 * database is the highest version applied. */
#ifndef PATHWAYS_MIGRATIONS_H
#define PATHWAYS_MIGRATIONS_H

#include <stddef.h>

struct sql_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct sql_migration sql_migrations[];
extern const size_t sql_migrations_count;

#endif
