/* persist: the snapshot on disk ([cache] snapshot_path), so a restarted
 * daemon answers within milliseconds even while the database is away.
 *
 * The file holds the snapshot's own content (settings as (key, value) text
 * from the settings table, framework, explicit moves, employees with
 * every trusted assessment, from which the current levels follow), a
 * format version, the schema version it was loaded under and a checksum
 * over everything. Loading replays it through the
 * graph builder, so every row and setting is checked again. It is written
 * to a temporary file, synced and renamed over the old one, so a reader
 * never sees half a file; a file that fails any check is rejected. */
#ifndef PATHWAYS_PERSIST_H
#define PATHWAYS_PERSIST_H

#include <stddef.h>

#include "graph.h"

/* Writes g to path atomically. 0, or -errno with err set. */
int persist_save(const graph_t *g, int schema_version, const char *path,
		 char *err, size_t errlen) __attribute__((warn_unused_result));

/* Reads a snapshot written by persist_save() for schema_version. 0 with
 * *out (one reference), or -errno with err saying why it was rejected:
 * -ENOENT no file, -EPROTO foreign/corrupt/other schema. */
int persist_load(const char *path, int schema_version, graph_t **out,
		 char *err, size_t errlen) __attribute__((warn_unused_result));

/* The same from n bytes in memory (what persist_load() read): 0 with *out,
 * -EPROTO with err saying why (without a path), or -ENOMEM. Never reads
 * past buf + n, whatever the bytes. */
int persist_load_mem(const void *buf, size_t n, int schema_version,
		     graph_t **out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
