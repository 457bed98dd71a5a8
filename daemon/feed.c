#include "feed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "lsn.h"

/* The target list is evaluated left to right: the position is read before
 * pg_stat_activity is scanned. A transaction that had inserted its commit
 * record by then but is still listed as running (flushing, waiting for a
 * synchronous standby) may not be visible to what we read next, although
 * a client may already hold an LSN equal to the insert position (read
 * right after its COMMIT, with nothing written in between): then announce
 * one byte less. Idle-in-transaction sessions are not committing. */
static const char position_sql[] =
	"SELECT pg_is_in_recovery(), "
	"CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
	"ELSE pg_current_wal_insert_lsn() END::text, "
	"NOT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_activity "
	"WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
	"AND state IS DISTINCT FROM 'idle in transaction' "
	"AND state IS DISTINCT FROM 'idle in transaction (aborted)'), "
	"CASE WHEN NOT pg_is_in_recovery() THEN 0 "
	"WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0 "
	"ELSE (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) "
	"* 1000)::bigint END";

int feed_position(PGconn *db, struct feed_pos *out)
{
	PGresult *r = PQexec(db, position_sql);
	uint64_t v = 0;
	int rc = -EIO;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		goto out;
	if (!PQgetisnull(r, 0, 1) && lsn_parse(PQgetvalue(r, 0, 1), &v))
		goto out;
	if (v && PQgetvalue(r, 0, 2)[0] == 't')
		v--;
	out->standby = PQgetvalue(r, 0, 0)[0] == 't';
	out->lsn = v;
	out->lag_ms = PQgetisnull(r, 0, 3)
			      ? -1
			      : strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	rc = 0;
out:
	PQclear(r);
	return rc;
}

/* One statement, so one snapshot: its xmin, the lowest seq left, the
 * highest, and the rows of transactions at or above $1 (the last look's
 * xmin), if any (else one row of NULLs). */
static const char read_sql[] =
	"SELECT x.xmin::text, x.lo, x.hi, c.seq, c.xid::text, c.payload "
	"FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin, "
	"(SELECT min(seq) FROM change_feed) AS lo, "
	"(SELECT max(seq) FROM change_feed) AS hi) x "
	"LEFT JOIN change_feed c ON c.xid >= $1::xid8 ORDER BY c.seq";

static uint64_t u64(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col)
		       ? 0
		       : strtoull(PQgetvalue(r, row, col), NULL, 10);
}

/* seen is ascending: the rows come ordered by seq */
static bool was_seen(const struct feed *f, uint64_t seq)
{
	size_t lo = 0, hi = f->seen_n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->seen[mid] < seq)
			lo = mid + 1;
		else if (f->seen[mid] > seq)
			hi = mid;
		else
			return true;
	}
	return false;
}

/* The look r (read_sql's result) becomes the feed's state: what it
 * returned at or above its own xmin is what the next look must not hand
 * out again. */
static int adopt(struct feed *f, PGresult *r)
{
	uint64_t xmin = u64(r, 0, 0), hi = u64(r, 0, 2);
	ARRAY(uint64_t) seen = { 0 };
	int n = PQntuples(r);

	for (int i = 0; i < n; i++) {
		if (PQgetisnull(r, i, 3) || u64(r, i, 4) < xmin)
			continue;
		if (ARRAY_PUSH(seen, u64(r, i, 3))) {
			free(seen.v);
			return -ENOMEM;
		}
	}
	free(f->seen);
	f->seen = seen.v;
	f->seen_n = seen.n;
	f->seen_cap = seen.cap;
	f->watermark = xmin;
	if (hi > f->seq_max)
		f->seq_max = hi;
	f->marked = true;
	return 0;
}

static PGresult *look(const struct feed *f, PGconn *db)
{
	char w[24];
	const char *p[1] = { w };
	PGresult *r;

	snprintf(w, sizeof(w), "%llu", (unsigned long long)f->watermark);
	r = PQexecParams(db, read_sql, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
		PQclear(r);
		return NULL;
	}
	return r;
}

int feed_mark(struct feed *f, PGconn *db)
{
	PGresult *r;
	int rc;

	/* from the start: every row still there counts as seen */
	f->watermark = 0;
	f->seen_n = 0;
	r = look(f, db);
	if (!r) {
		f->marked = false;
		return -EIO;
	}
	f->seq_max = 0;
	rc = adopt(f, r);
	PQclear(r);
	return rc;
}

int feed_read(struct feed *f, PGconn *db, feed_row_fn fn, void *arg,
	      size_t *n_rows)
{
	PGresult *r;
	size_t fresh = 0;
	int n, rc;

	if (!f->marked)
		return -ESTALE;
	r = look(f, db);
	if (!r)
		return -EIO;
	n = PQntuples(r);
	/* the rows after seq_max that we never saw are gone: pruned */
	if (!PQgetisnull(r, 0, 1) && u64(r, 0, 1) > f->seq_max + 1) {
		PQclear(r);
		return -ESTALE;
	}
	for (int i = 0; i < n; i++)
		if (!PQgetisnull(r, i, 3) && !was_seen(f, u64(r, i, 3)))
			fresh++;
	if (fresh > FEED_MAX_GAP) {
		PQclear(r);
		return -ESTALE;
	}
	for (int i = 0; i < n; i++)
		if (!PQgetisnull(r, i, 3) && !was_seen(f, u64(r, i, 3)))
			fn(arg, PQgetvalue(r, i, 5));
	rc = adopt(f, r);
	PQclear(r);
	*n_rows = fresh;
	return rc;
}

void feed_fini(struct feed *f)
{
	free(f->seen);
	memset(f, 0, sizeof(*f));
}
