/* feed: following the change table (migration 003) over a connection.
 *
 * The triggers that NOTIFY also append each change to change_feed, which
 * replicates, so a daemon on a hot standby (no LISTEN there) reads it by
 * polling, and any daemon catches up from it after a reconnect. A feed
 * remembers where its reader stands: every row of a transaction that was
 * finished at its last look has been handed out; rows of transactions
 * still running then (xid at or above that look's snapshot xmin) are read
 * again and handed out once (seq alone would skip a row whose transaction
 * commits after a higher seq's).
 *
 * Positions are WAL positions (LSNs): feed_position() reads the one to
 * announce for what is read after it. The caller keeps the connection; a
 * feed keeps nothing of it between calls. */
#ifndef PATHWAYS_FEED_H
#define PATHWAYS_FEED_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* more new rows than this in one look: "reload in full" (a big gap) */
#define FEED_MAX_GAP 1000

struct feed {
	bool marked;			/* a mark or a read went through */
	uint64_t watermark;		/* snapshot xmin of the last look */
	uint64_t seq_max;		/* highest seq handed out or marked */
	uint64_t *seen;			/* seqs at or above watermark's rows */
	size_t seen_n, seen_cap;
};

/* Where the database stands. */
struct feed_pos {
	bool standby;			/* pg_is_in_recovery() */
	/* every commit at or below it is visible to whatever is read after
	 * feed_position(): on a standby its replay position; on a primary
	 * the WAL insert position, one byte less while another transaction
	 * may be committing (its commit record may be below the insert
	 * position before its changes are visible). 0 when unknown. */
	uint64_t lsn;
	/* standby: age of the last transaction replayed while WAL received
	 * waits for replay (0 when replay is caught up); -1 unknown */
	int64_t lag_ms;
};

/* Reads where the database stands into *out. 0 or -EIO. */
int feed_position(PGconn *db, struct feed_pos *out)
	__attribute__((warn_unused_result));

/* Notes where the feed stands now, before a full load: rows committed
 * from now on are handed out by the next feed_read (some may also be in
 * the load: reading them again is harmless). 0, -EIO or -ENOMEM. */
int feed_mark(struct feed *f, PGconn *db) __attribute__((warn_unused_result));

/* Called with each new row's payload ("framework", "bulk", "emp\n" and
 * ids), in seq order. */
typedef void (*feed_row_fn)(void *arg, const char *payload);

/* Hands out the rows new since the last look; *n_rows says how many.
 * -ESTALE when the caller must reload in full instead (never marked, rows
 * it has not seen were pruned, or more than FEED_MAX_GAP new rows); the
 * feed is then unchanged: feed_mark() before the reload. -EIO, -ENOMEM. */
int feed_read(struct feed *f, PGconn *db, feed_row_fn fn, void *arg,
	      size_t *n_rows) __attribute__((warn_unused_result));

/* Frees the seen set; f may be reused (unmarked). */
void feed_fini(struct feed *f);

#endif
