/* loader: PostgreSQL → snapshot, kept current.
 *
 * A thread of its own connects (libpq), loads the whole graph (load.h: one
 * REPEATABLE READ transaction, so a snapshot never mixes two states of the
 * database), publishes it, then follows the change table (feed.h): every
 * poll_ms, skipped while the database's WAL position has not moved, and at
 * once on a pathways_changed notification (LISTEN, on a primary only: a
 * hot standby has none). Changes are applied as deltas (coalesced over
 * reload_debounce_ms), in full when they say so, and on request (SIGHUP).
 * When the database goes away the last snapshot keeps serving and the
 * thread reconnects with capped exponential backoff, then catches up from
 * the change table (in full when the gap is too big or was pruned).
 *
 * Each snapshot reflects a WAL position (loader_snapshot_lsn): read before
 * the data, so every commit at or below it is in the snapshot. A standby
 * promoted to primary is followed by its insert position from then on. */
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
	unsigned poll_ms;		/* change table poll; 0: 100 */
	const char *snapshot_path;	/* copied; NULL: none */
	persist_t *persist;		/* borrowed, saves snapshot_path;
					 * NULL: nothing saved */
};

struct loader_stats {
	uint64_t reloads, reload_failures, deltas;
	bool connected;
	int schema_version;		/* of the database, 0 unknown */
	bool schema_ok;
	bool standby;			/* the database is in recovery */
	int64_t replay_lag_ms;		/* feed.h's feed_pos.lag_ms */
	uint64_t snapshot_lsn;		/* loader_snapshot_lsn() */
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
/* The WAL position the published snapshot reflects: every commit at or
 * below it is in that snapshot or a later one (0: unknown, e.g. a saved
 * snapshot read from disk). Any thread; it only grows. Read it before
 * taking the snapshot it is claimed for. */
uint64_t loader_snapshot_lsn(loader_t *l);

#endif
