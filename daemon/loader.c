#include "loader.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "feed.h"
#include "load.h"
#include "log.h"
#include "persist.h"

int loader_expected_schema(void)
{
	return load_expected_schema();
}

/* ---- the thread ---- */

struct loader {
	struct graph_slot *slot;
	unsigned debounce_ms, reconnect_max_ms, poll_ms;
	/* the WAL position the published snapshot reflects (0: unknown),
	 * stored after the snapshot is published */
	_Atomic uint64_t lsn;
	pthread_t thread;
	bool started;
	int wake_fd;			/* eventfd: stop or reload asked */
	pthread_mutex_t lock;		/* guards the fields below */
	char *conninfo;
	char *snapshot_path;
	persist_t *persist;
	bool stop, reload;
	struct loader_stats stats;
	/* thread only: */
	uint64_t version;		/* last published */
	graph_t *last;			/* our reference to it */
	bool pending_full;
	char **pending;			/* employee ids awaiting a delta */
	size_t pending_n, pending_cap;
	struct feed feed;		/* where we stand in change_feed */
	uint64_t seen_lsn;		/* the position at the last look */
	uint64_t pending_lsn;		/* what applying pending reaches */
	bool standby;			/* the database is in recovery */
};

/* more changed employees than this in one batch: reload in full */
#define LOADER_MAX_DELTA_IDS 20000

int loader_new(const struct loader_options *opt, struct graph_slot *slot,
	       loader_t **out)
{
	loader_t *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->slot = slot;
	l->debounce_ms = opt->debounce_ms;
	l->reconnect_max_ms = opt->reconnect_max_ms ? opt->reconnect_max_ms : 30000;
	l->poll_ms = opt->poll_ms ? opt->poll_ms : 100;
	l->stats.schema_ok = true;	/* until a load says otherwise */
	l->persist = opt->persist;
	l->conninfo = strdup(opt->conninfo ? opt->conninfo : "");
	if (opt->snapshot_path && !(l->snapshot_path = strdup(opt->snapshot_path))) {
		free(l->conninfo);
		free(l);
		return -ENOMEM;
	}
	l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!l->conninfo || l->wake_fd < 0 ||
	    pthread_mutex_init(&l->lock, NULL)) {
		if (l->wake_fd >= 0)
			close(l->wake_fd);
		free(l->conninfo);
		free(l->snapshot_path);
		free(l);
		return -ENOMEM;
	}
	*out = l;
	return 0;
}

static void wake(loader_t *l)
{
	uint64_t one = 1;

	if (write(l->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: the thread will wake */
	}
}

void loader_request_reload(loader_t *l, const char *conninfo)
{
	pthread_mutex_lock(&l->lock);
	if (conninfo && strcmp(conninfo, l->conninfo) != 0) {
		char *c = strdup(conninfo);

		if (c) {
			free(l->conninfo);
			l->conninfo = c;
		}
	}
	l->reload = true;
	pthread_mutex_unlock(&l->lock);
	wake(l);
}

void loader_get_stats(loader_t *l, struct loader_stats *out)
{
	pthread_mutex_lock(&l->lock);
	*out = l->stats;
	pthread_mutex_unlock(&l->lock);
	out->snapshot_lsn = loader_snapshot_lsn(l);
}

uint64_t loader_snapshot_lsn(loader_t *l)
{
	return atomic_load_explicit(&l->lsn, memory_order_acquire);
}

/* After the snapshot that reflects it is published. A delta or a quiet
 * look only moves it forward (a reconnect to a standby that is behind
 * does not take it back: what we serve was read at the higher one); a
 * full load sets it (it may come from another database after SIGHUP). */
static void publish_lsn(loader_t *l, uint64_t lsn, bool full)
{
	if (full || lsn > atomic_load_explicit(&l->lsn, memory_order_relaxed))
		atomic_store_explicit(&l->lsn, lsn, memory_order_release);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to ms for the database socket (fd >= 0) or a wake-up.
 * Returns a bit set: 1 database readable, 2 woken. */
static int wait_for(loader_t *l, int fd, int ms)
{
	struct pollfd p[2] = { { l->wake_fd, POLLIN, 0 }, { fd, POLLIN, 0 } };
	int n = poll(p, fd >= 0 ? 2 : 1, ms), bits = 0;
	uint64_t v;

	if (n <= 0)
		return 0;
	if (p[0].revents & POLLIN) {
		if (read(l->wake_fd, &v, sizeof(v)) < 0) {
			/* spurious: nothing to drain */
		}
		bits |= 2;
	}
	if (fd >= 0 && p[1].revents)
		bits |= 1;
	return bits;
}

static bool should_stop(loader_t *l)
{
	bool s;

	pthread_mutex_lock(&l->lock);
	s = l->stop;
	pthread_mutex_unlock(&l->lock);
	return s;
}

static void set_connected(loader_t *l, bool up)
{
	pthread_mutex_lock(&l->lock);
	l->stats.connected = up;
	pthread_mutex_unlock(&l->lock);
}

static void clear_pending(loader_t *l)
{
	for (size_t i = 0; i < l->pending_n; i++)
		free(l->pending[i]);
	l->pending_n = 0;
	l->pending_full = false;
}

static void publish(loader_t *l, graph_t *g)
{
	l->version = g->version;
	graph_unref(&l->last);
	graph_ref(g);
	l->last = g;
	graph_slot_publish(l->slot, g);
}

/* the database's schema version, 0 when unknown */
static int schema_version_of(PGconn *db)
{
	int v;

	return load_schema_version(db, &v) ? 0 : v;
}

/* Saves g through the persist keeper (a second call for the same g does
 * nothing). 0, or the error logged. */
static int save(loader_t *l, const graph_t *g)
{
	char err[512];
	int64_t t0 = now_ms();
	int rc;

	if (!l->persist)
		return 0;
	rc = persist_keep(l->persist, g, err, sizeof(err));
	if (rc == -ESTALE)
		log_debug("loader: snapshot not saved (%s)", err);
	else if (rc)
		log_warn("loader: snapshot not saved (%s)", err);
	else
		log_info("loader: snapshot %llu saved to %s in %lld ms",
			 (unsigned long long)g->version,
			 persist_path(l->persist), (long long)(now_ms() - t0));
	return rc == -ESTALE ? 0 : rc;
}

/* g no longer holds someone the saved file may hold: the file must not
 * outlive them. Saved, or else removed (a restart with the database down
 * then serves nothing rather than them). */
static void save_removal(loader_t *l, const graph_t *g)
{
	char err[512];

	if (!l->persist || !save(l, g))
		return;
	if (persist_erased(l->persist, g->db_xmin ? g->db_xmin - 1 : 0, NULL,
			   err, sizeof(err)))
		log_err("loader: a snapshot holding someone erased stays saved (%s)",
			err);
}

/* Whether an employee of old is not in g. */
static bool removes_someone(const graph_t *old, const graph_t *g)
{
	if (!old)
		return false;
	for (uint32_t i = 0; i < old->emps_n; i++)
		if (graph_find_employee(g, old->emps[i].id) == GRAPH_NONE)
			return true;
	return false;
}

static int full_reload(loader_t *l, PGconn *db)
{
	char err[512];
	graph_t *g = NULL;
	int64_t t0 = now_ms();
	struct feed_pos pos = { 0 };
	int rc, schema;

	/* the position first, then the feed, then the data: whatever
	 * committed at or below the position is in what we read, and the
	 * feed hands out everything committed after its mark */
	rc = feed_position(db, &pos);
	if (rc == 0)
		rc = feed_mark(&l->feed, db);
	if (rc)
		snprintf(err, sizeof(err), "reading the change feed: %s",
			 PQerrorMessage(db));
	else
		rc = load_full(db, l->version + 1, &g, err, sizeof(err));
	schema = schema_version_of(db);

	pthread_mutex_lock(&l->lock);
	l->stats.schema_version = schema;
	if (rc) {
		l->stats.reload_failures++;
		l->stats.schema_ok = rc != -EPROTO;
	} else {
		l->stats.reloads++;
		l->stats.schema_ok = true;
	}
	pthread_mutex_unlock(&l->lock);
	if (rc) {
		/* the feed was marked for a snapshot that never came: the
		 * next look (once the database moves) asks for a full load */
		l->feed.marked = false;
		log_err("loader: load failed (%s); the last snapshot stays", err);
		return rc;
	}
	log_info("loader: snapshot %llu loaded in %lld ms: %u roles, %u employees, %llu assessments",
		 (unsigned long long)g->version, (long long)(now_ms() - t0),
		 g->roles_n, g->emps_n, (unsigned long long)g->assessments_n);
	/* someone gone: the file must not keep them past the publication
	 * (a restart would serve them again); otherwise publish first */
	if (l->persist && removes_someone(l->last, g))
		save_removal(l, g);
	publish(l, g);
	publish_lsn(l, pos.lsn, true);
	l->seen_lsn = pos.lsn;
	save(l, g);
	return 0;
}

/* The snapshot saved by an earlier run, if any: served until the database
 * answers, so a restart does not wait for it. */
static void load_saved(loader_t *l)
{
	char err[512];
	graph_t *g = NULL;
	int64_t t0 = now_ms();
	int rc;

	if (!l->snapshot_path)
		return;
	rc = persist_load(l->snapshot_path, load_expected_schema(), &g, err,
			  sizeof(err));
	if (rc == -ENOENT) {
		log_info("loader: no saved snapshot at %s yet", l->snapshot_path);
		return;
	}
	if (rc) {
		log_warn("loader: saved snapshot rejected (%s)", err);
		return;
	}
	log_notice("loader: serving saved snapshot %llu from %s (read in %lld ms) until the database answers",
		   (unsigned long long)g->version, l->snapshot_path,
		   (long long)(now_ms() - t0));
	publish(l, g);
}

/* Applies the pending employee changes; falls back to a full reload. */
static int apply_pending(loader_t *l, PGconn *db)
{
	char err[512];
	graph_t *g = NULL;
	int64_t t0 = now_ms();
	int rc;

	if (l->pending_full || !l->last || l->pending_n > LOADER_MAX_DELTA_IDS) {
		clear_pending(l);
		return full_reload(l, db);
	}
	rc = load_delta(db, l->last, l->pending, l->pending_n, l->version + 1,
			&g, err, sizeof(err));
	if (rc == -E2BIG || rc == -ENOENT || rc == -EINVAL) {
		log_info("loader: %s; reloading in full", rc == -E2BIG
			 ? "many deltas since the last full load" : err);
		clear_pending(l);
		return full_reload(l, db);
	}
	if (rc) {
		pthread_mutex_lock(&l->lock);
		l->stats.reload_failures++;
		pthread_mutex_unlock(&l->lock);
		log_err("loader: delta failed (%s)", err);
		return rc;	/* pending kept: retried after a reconnect */
	}
	pthread_mutex_lock(&l->lock);
	l->stats.deltas++;
	pthread_mutex_unlock(&l->lock);
	log_debug("loader: snapshot %llu: %zu employees changed, applied in %lld ms",
		  (unsigned long long)g->version, l->pending_n,
		  (long long)(now_ms() - t0));
	/* a delta that removes someone (an erasure) is saved before it is
	 * published: the writer acknowledges an erasure once it sees it
	 * published, and the file must not hold them by then */
	for (size_t i = 0; l->persist && i < l->pending_n; i++)
		if (graph_find_employee(l->last, l->pending[i]) != GRAPH_NONE &&
		    graph_find_employee(g, l->pending[i]) == GRAPH_NONE) {
			save_removal(l, g);
			break;
		}
	clear_pending(l);
	publish(l, g);
	publish_lsn(l, l->pending_lsn, false);
	return 0;
}

static int listen_changes(PGconn *db)
{
	PGresult *r = PQexec(db, "LISTEN pathways_changed");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -EIO;

	PQclear(r);
	return rc;
}

static void add_pending(loader_t *l, const char *id, size_t len)
{
	char *copy;

	if (l->pending_full || len == 0)
		return;
	if (array_grow((void **)&l->pending, &l->pending_cap, l->pending_n + 1,
		       sizeof(*l->pending), 64)) {
		l->pending_full = true;	/* cannot track: reload all */
		return;
	}
	copy = strndup(id, len);
	if (!copy) {
		l->pending_full = true;
		return;
	}
	/* duplicates are harmless (the delta reads each employee once) but
	 * a burst on one employee should not grow the list */
	for (size_t i = l->pending_n; i > 0 && i + 16 > l->pending_n; i--)
		if (strcmp(l->pending[i - 1], copy) == 0) {
			free(copy);
			return;
		}
	l->pending[l->pending_n++] = copy;
}

/* feed_row_fn: one change into l's pending set */
static void add_payload(void *arg, const char *p)
{
	loader_t *l = arg;

	if (strncmp(p, "emp\n", 4) == 0) {
		p += 4;
		while (*p) {
			size_t len = strcspn(p, "\n");

			add_pending(l, p, len);
			p += len;
			if (*p)
				p++;
		}
	} else {
		/* "framework", "bulk", or anything unknown */
		l->pending_full = true;
	}
	if (l->pending_n > LOADER_MAX_DELTA_IDS)
		l->pending_full = true;
}

/* Drains pending notifications; true if any. They only wake us: the
 * change table says what changed (a notification and its row come from
 * the same trigger). */
static bool drain_notifications(PGconn *db)
{
	PGnotify *n;
	bool any = false;

	while ((n = PQnotifies(db))) {
		any = true;
		PQfreemem(n);
	}
	return any;
}

static void set_position(loader_t *l, const struct feed_pos *pos)
{
	pthread_mutex_lock(&l->lock);
	l->stats.standby = pos->standby;
	l->stats.replay_lag_ms = pos->lag_ms;
	pthread_mutex_unlock(&l->lock);
}

/* One look at the change table, skipped (unless forced) while the
 * database's position has not moved since the last. 1 when there are
 * changes to apply (l's pending set), 0 when none (the published snapshot
 * now reflects the new position), -errno when the database failed. */
static int poll_feed(loader_t *l, PGconn *db, bool force)
{
	struct feed_pos pos;
	bool was = l->standby;
	size_t n = 0;
	int rc = feed_position(db, &pos);
	uint64_t lsn = pos.lsn;

	if (rc)
		return rc;
	set_position(l, &pos);
	l->standby = pos.standby;
	/* promoted: LISTEN exists now, and wakes us sooner */
	if (was && !pos.standby && listen_changes(db) == 0)
		log_notice("db: the database was promoted; following its insert position");
	if (!force && lsn == l->seen_lsn)
		return l->pending_n || l->pending_full;	/* a failed apply */
	rc = feed_read(&l->feed, db, add_payload, l, &n);
	if (rc == -ESTALE) {
		log_info("loader: the change table has a gap (pruned or too many changes); reloading in full");
		l->pending_full = true;
		n = 1;
	} else if (rc) {
		return rc;
	}
	l->seen_lsn = lsn;
	if (n || l->pending_n || l->pending_full) {
		l->pending_lsn = lsn;
		return 1;
	}
	publish_lsn(l, lsn, false);
	return 0;
}

/* Closes a broken connection: the last snapshot keeps serving. */
static void drop_db(loader_t *l, PGconn **db)
{
	PQfinish(*db);
	*db = NULL;
	set_connected(l, false);
}

/* Connects and, on a primary, LISTENs. 0, or -EIO with msg set. */
static int connect_db(loader_t *l, const char *conninfo, PGconn **out,
		      char *msg, size_t msglen)
{
	PGconn *db = conninfo ? PQconnectdb(conninfo) : NULL;
	struct feed_pos pos = { 0 };

	if (!db || PQstatus(db) != CONNECTION_OK ||
	    feed_position(db, &pos) ||
	    (!pos.standby && listen_changes(db))) {
		snprintf(msg, msglen, "%s",
			 db ? PQerrorMessage(db) : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		PQfinish(db);
		return -EIO;
	}
	l->standby = pos.standby;
	set_position(l, &pos);
	*out = db;
	return 0;
}

static void *loader_main(void *arg)
{
	loader_t *l = arg;
	PGconn *db = NULL;
	unsigned backoff = 100;
	bool need_full = true;
	int64_t pending_since = -1, last_apply = 0, next_poll = 0;

	load_saved(l);
	while (!should_stop(l)) {
		char *conninfo;
		bool reload, poll_now = false;
		int bits, timeout, rc;

		pthread_mutex_lock(&l->lock);
		reload = l->reload;
		l->reload = false;
		conninfo = reload || !db ? strdup(l->conninfo) : NULL;
		pthread_mutex_unlock(&l->lock);
		if (reload) {
			need_full = true;
			/* SIGHUP may have changed the database: reconnect */
			PQfinish(db);
			db = NULL;
		}
		if (!db) {
			char msg[256];

			if (connect_db(l, conninfo, &db, msg, sizeof(msg))) {
				set_connected(l, false);
				log_warn("db: connect failed (%s), retry in %u ms",
					 msg, backoff);
				free(conninfo);
				wait_for(l, -1, (int)backoff);
				backoff = backoff * 2 > l->reconnect_max_ms
						  ? l->reconnect_max_ms
						  : backoff * 2;
				continue;
			}
			log_info("db: connected%s", l->standby
				 ? " to a standby: following the change table"
				 : "");
			set_connected(l, true);
			backoff = 100;
			/* what changed while we were away is in the change
			 * table: catch up from it when we have a snapshot it
			 * follows (poll_feed falls back to a full load) */
			if (!need_full && !l->feed.marked)
				need_full = true;
			poll_now = !need_full;
		}
		free(conninfo);
		if (need_full) {
			clear_pending(l);
			rc = full_reload(l, db);
			need_full = false;
			pending_since = -1;
			next_poll = now_ms() + l->poll_ms;
			if (rc == -EIO && PQstatus(db) != CONNECTION_OK) {
				drop_db(l, &db);
				continue;
			}
		}
		timeout = (int)(next_poll > now_ms() ? next_poll - now_ms() : 0);
		if (pending_since >= 0) {
			int64_t left = pending_since + l->debounce_ms - now_ms();

			if (left < timeout)
				timeout = left > 0 ? (int)left : 0;
		}
		bits = poll_now ? 0 : wait_for(l, PQsocket(db), timeout);
		if (bits & 1) {
			if (!PQconsumeInput(db) || PQstatus(db) != CONNECTION_OK) {
				char msg[256];

				snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db));
				msg[strcspn(msg, "\n")] = '\0';
				log_warn("db: connection lost (%s); serving the last snapshot",
					 msg);
				drop_db(l, &db);
				continue;
			}
			poll_now = drain_notifications(db);
		}
		if (poll_now || now_ms() >= next_poll) {
			next_poll = now_ms() + l->poll_ms;
			rc = poll_feed(l, db, poll_now);
			if (rc < 0) {
				log_warn("db: reading the change table failed (%s)",
					 PQerrorMessage(db));
				if (PQstatus(db) != CONNECTION_OK) {
					drop_db(l, &db);
					continue;
				}
			}
			if (rc > 0 && pending_since < 0) {
				/* the first change after a quiet spell goes at
				 * once; a burst right behind it is coalesced */
				pending_since = now_ms();
				if (pending_since - last_apply >= l->debounce_ms)
					pending_since -= l->debounce_ms;
			}
		}
		if (pending_since >= 0 &&
		    now_ms() >= pending_since + l->debounce_ms) {
			rc = apply_pending(l, db);
			pending_since = -1;
			last_apply = now_ms();
			if (rc && PQstatus(db) != CONNECTION_OK)
				drop_db(l, &db);
		}
	}
	PQfinish(db);
	return NULL;
}

int loader_start(loader_t *l)
{
	int rc = pthread_create(&l->thread, NULL, loader_main, l);

	if (rc)
		return -rc;
	l->started = true;
	return 0;
}

void loader_destroy(loader_t **lp)
{
	loader_t *l = *lp;

	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_mutex_unlock(&l->lock);
	wake(l);
	if (l->started)
		pthread_join(l->thread, NULL);
	clear_pending(l);
	free(l->pending);
	feed_fini(&l->feed);
	graph_unref(&l->last);
	free(l->snapshot_path);
	close(l->wake_fd);
	pthread_mutex_destroy(&l->lock);
	free(l->conninfo);
	free(l);
	*lp = NULL;
}
