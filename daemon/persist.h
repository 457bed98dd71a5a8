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
 * never sees half a file; a file that fails any check is rejected.
 *
 * The temporary file is made with a fresh name and O_EXCL, mode 0600, and
 * the file's directory must not be group- or world-writable (-EPERM): who
 * can write there could plant or replace the snapshot. */
#ifndef PATHWAYS_PERSIST_H
#define PATHWAYS_PERSIST_H

#include <stddef.h>
#include <stdint.h>

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

/* The saved snapshot a running daemon keeps: the loader's saves and the
 * writer's erasures go through it, one at a time, so the file only moves
 * to later snapshots and, once an erasure is acknowledged, never holds the
 * erased person again (it is rewritten without them or removed). */
typedef struct persist persist_t;

/* The folder of the snapshot file path, checked as a save and a load
 * check it: it must exist and be neither group- nor world-writable
 * (whoever can write there could plant or replace the snapshot). 0, or a
 * negative errno with err naming the folder and why. For --check-config. */
int persist_check_dir(const char *path, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* path copied; schema_version is what saves are written under. Caller
 * must destroy. 0, or -errno with err set: -EPERM the directory is group-
 * or world-writable, -ENOENT it does not exist, -ENOMEM. */
int persist_new(const char *path, int schema_version, persist_t **out,
		char *err, size_t errlen) __attribute__((warn_unused_result));
void persist_destroy(persist_t **p);
const char *persist_path(const persist_t *p);

/* Saves g, unless the file already holds the same or a later snapshot, or
 * g was read (its db_xmin) before an erasure given to persist_erased():
 * then -ESTALE and nothing is written. Otherwise 0, or -errno with err
 * set (persist_save()). Any thread. */
int persist_keep(persist_t *p, const graph_t *g, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* An erasure committed in transaction xid: no snapshot read before it is
 * saved from now on, and the file stops holding anything read before it:
 * rewritten from now (a published snapshot, may be NULL) if now was read
 * after xid, removed otherwise. 0 when the file no longer holds anything
 * older than the erasure; -errno with err set when it could not be
 * removed. Any thread. */
int persist_erased(persist_t *p, uint64_t xid, const graph_t *now, char *err,
		   size_t errlen) __attribute__((warn_unused_result));

#endif
