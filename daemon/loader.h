/* loader: PostgreSQL → snapshot, kept current.
 *
 * A thread of its own connects (libpq), loads the whole graph (load.h: one
 * REPEATABLE READ transaction, so a snapshot never mixes two states of the
 * database), publishes it, then LISTENs on pathways_changed and reloads on
 * notifications (coalesced over reload_debounce_ms) and on request
 * (SIGHUP). When the database goes away the last snapshot keeps serving and
 * the thread reconnects with capped exponential backoff, then reloads in
 * full, since notifications sent while it was away are lost. */
#ifndef PATHWAYS_LOADER_H
#define PATHWAYS_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "graph.h"
#include "persist.h"

typedef struct loader loader_t;

struct loader_options {
	const char *conninfo;		/* copied */
	unsigned debounce_ms;
	unsigned reconnect_max_ms;
	const char *snapshot_path;	/* copied; NULL: none */
	persist_t *persist;		/* borrowed, saves snapshot_path;
					 * NULL: nothing saved */
};

struct loader_stats {
	uint64_t reloads, reload_failures, deltas;
	bool connected;
	int schema_version;		/* of the database, 0 unknown */
	bool schema_ok;
};

/* The schema version this build expects (the highest embedded migration). */
int loader_expected_schema(void);

/* Creates the loader; it publishes into slot (borrowed; must outlive it).
 * Caller must destroy. */
int loader_new(const struct loader_options *opt, struct graph_slot *slot,
	       loader_t **out) __attribute__((warn_unused_result));
/* Starts the thread. */
int loader_start(loader_t *l) __attribute__((warn_unused_result));
/* Asks for a full reload (SIGHUP); conninfo may change (NULL: keep). */
void loader_request_reload(loader_t *l, const char *conninfo);
/* Stops the thread (if started) and frees; *l set to NULL. */
void loader_destroy(loader_t **l);
void loader_get_stats(loader_t *l, struct loader_stats *out);

#endif
