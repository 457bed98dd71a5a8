/* load: one snapshot read from PostgreSQL over an open connection.
 *
 * A full load reads every table inside one REPEATABLE READ READ ONLY
 * transaction, so a snapshot never mixes two states of the database: the
 * framework by plain queries, the people (employees, attributes,
 * assessments: the bulk of the rows) by COPY, parsed by pgtext. A delta
 * re-reads a few employees in the same kind of transaction and builds a
 * snapshot from the previous one. Neither keeps anything between calls;
 * the loader thread (loader.h) decides when to call which.
 *
 * Both record the oldest transaction still running when they read
 * (graph_t.db_xmin): every write committed with a lower id is in the
 * snapshot, which is what writers wait on. */
#ifndef PATHWAYS_LOAD_H
#define PATHWAYS_LOAD_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* The schema version this build expects (the highest embedded migration). */
int load_expected_schema(void);

/* The schema version of the database db is connected to: 0 and *out set,
 * or -EIO when it has no pathways schema (or the query failed). */
int load_schema_version(PGconn *db, int *out)
	__attribute__((warn_unused_result));

/* One full load into a new snapshot numbered version; caller must unref
 * *out. 0, or -errno with a one-line message in err (errlen bytes, always
 * written): -EPROTO when the schema is missing or older than
 * load_expected_schema() (or a row is malformed), -EIO when the database
 * failed (the connection may be gone: check PQstatus), -EINVAL or -ENOENT
 * when a row breaks the snapshot's rules, -ENOMEM. */
int load_full(PGconn *db, uint64_t version, graph_t **out, char *err,
	      size_t errlen) __attribute__((warn_unused_result));

/* An employee-scoped delta: re-reads the employees named by ids (n
 * external ids) and builds a snapshot numbered version from base (borrowed)
 * in which exactly those are replaced, added or removed; caller must unref
 * *out. -E2BIG or -ENOENT (or -EINVAL) mean "reload in full instead";
 * otherwise as load_full. */
int load_delta(PGconn *db, const graph_t *base, char *const *ids, size_t n,
	       uint64_t version, graph_t **out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
