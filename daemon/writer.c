#include "writer.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "lsn.h"

#define WRITER_MAX_RECORDS 10000u
/* how long a reply waits for the snapshot that contains its writes */
#define WRITER_VISIBLE_WAIT_MS 3000
/* assessed_at may run ahead of our clock by this much (clock skew) */
#define WRITER_FUTURE_SLACK_MS (5 * 60 * 1000)

struct writer {
	char *conninfo;			/* the writer thread's own */
	PGconn *db;
	struct graph_slot *slot;
	unsigned reader;
	persist_t *persist;		/* the saved snapshot; NULL: none */
	pthread_mutex_t lock;		/* guards next_conninfo */
	char *next_conninfo;		/* set by SIGHUP, taken by the thread */
};

int writer_new(const char *conninfo, struct graph_slot *slot, unsigned reader,
	       writer_t **out)
{
	writer_t *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->conninfo = strdup(conninfo ? conninfo : "");
	if (!w->conninfo) {
		free(w);
		return -ENOMEM;
	}
	w->slot = slot;
	w->reader = reader;
	pthread_mutex_init(&w->lock, NULL);
	*out = w;
	return 0;
}

void writer_destroy(writer_t **wp)
{
	writer_t *w = *wp;

	if (!w)
		return;
	PQfinish(w->db);
	free(w->conninfo);
	free(w->next_conninfo);
	pthread_mutex_destroy(&w->lock);
	free(w);
	*wp = NULL;
}

int writer_set_conninfo(writer_t *w, const char *conninfo)
{
	char *c = strdup(conninfo);

	if (!c)
		return -ENOMEM;
	/* the writer thread may be connecting with w->conninfo right now:
	 * leave the swap to it (take_conninfo) */
	pthread_mutex_lock(&w->lock);
	free(w->next_conninfo);
	w->next_conninfo = c;
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/* On the writer thread, before it connects: the conninfo SIGHUP set, if
 * any, replaces ours, and a connection to the old database is closed. */
static void take_conninfo(writer_t *w)
{
	char *c;

	pthread_mutex_lock(&w->lock);
	c = w->next_conninfo;
	w->next_conninfo = NULL;
	pthread_mutex_unlock(&w->lock);
	if (!c)
		return;
	if (strcmp(c, w->conninfo) == 0) {
		free(c);
		return;
	}
	free(w->conninfo);
	w->conninfo = c;
	PQfinish(w->db);
	w->db = NULL;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An open connection, or UNAVAILABLE. */
static int db_fail(writer_t *w, struct query_ctx *ctx, PGresult *r);

static int connect_db(writer_t *w, struct query_ctx *ctx)
{
	PGresult *r;

	take_conninfo(w);
	if (w->db && PQstatus(w->db) == CONNECTION_OK)
		return 0;
	PQfinish(w->db);
	w->db = PQconnectdb(w->conninfo);
	if (PQstatus(w->db) != CONNECTION_OK) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(w->db));
		msg[strcspn(msg, "\n")] = '\0';
		PQfinish(w->db);
		w->db = NULL;
		log_warn("writer: database unreachable (%s)", msg);
		return query_fail(ctx, QUERY_UNAVAILABLE,
				  "database unreachable: nothing was written; retry");
	}
	/* OK promises durability: never let a server-wide
	 * synchronous_commit = off acknowledge a commit still in memory */
	r = PQexec(w->db, "SET synchronous_commit TO on");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return db_fail(w, ctx, r);
	PQclear(r);
	return 0;
}

static PGresult *exec(writer_t *w, const char *sql, int n,
		      const char *const *params)
{
	return PQexecParams(w->db, sql, n, NULL, params, NULL, NULL, 0);
}

/* A failed statement: UNAVAILABLE when the connection broke (nothing was
 * committed), INTERNAL otherwise. Rolls back. */
static int db_fail(writer_t *w, struct query_ctx *ctx, PGresult *r)
{
	char msg[300];

	snprintf(msg, sizeof(msg), "%s", r ? PQresultErrorMessage(r)
					   : PQerrorMessage(w->db));
	msg[strcspn(msg, "\n")] = '\0';
	PQclear(r);
	if (PQstatus(w->db) != CONNECTION_OK) {
		PQfinish(w->db);
		w->db = NULL;
		return query_fail(ctx, QUERY_UNAVAILABLE,
				  "database connection lost: nothing was written; retry");
	}
	PQclear(PQexec(w->db, "ROLLBACK"));
	log_err("writer: statement failed (%s)", msg);
	return query_fail(ctx, QUERY_INTERNAL, "database error: %s", msg);
}

/* Waits until a published snapshot contains transaction xid; its version,
 * or 0 when none did within the wait (the write is durable all the same). */
static uint64_t wait_visible(writer_t *w, uint64_t xid)
{
	int64_t until = wall_ms() + WRITER_VISIBLE_WAIT_MS;

	for (;;) {
		graph_t *g = graph_slot_acquire(w->slot, w->reader);
		uint64_t v = 0;

		if (g && g->db_xmin > xid)
			v = g->version;
		graph_unref(&g);
		if (v || wall_ms() > until)
			return v;
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
}

static int begin(writer_t *w, struct query_ctx *ctx, uint64_t *xid)
{
	PGresult *r;

	if (connect_db(w, ctx))
		return -1;
	r = PQexec(w->db, "BEGIN");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return db_fail(w, ctx, r);
	PQclear(r);
	r = PQexec(w->db, "SELECT pg_current_xact_id()::text");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return db_fail(w, ctx, r);
	*xid = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

/* The WAL insert position right after our COMMIT (or, for a call that
 * wrote nothing, now): at or past the commit record and past every commit
 * this transaction could see, so a read that waits for it (min_lsn) sees
 * all the call saw. Into *out, in ctx's arena. The write is durable
 * whether or not this works: a failure leaves *out alone and is logged. */
static void commit_lsn(writer_t *w, struct query_ctx *ctx, char **out)
{
	PGresult *r = PQexec(w->db,
			     "SELECT pg_current_wal_insert_lsn()::text, "
			     "current_setting('wal_block_size')::bigint, "
			     "pg_size_bytes(current_setting('wal_segment_size'))");
	char buf[LSN_TEXT_MAX], *v = NULL;
	uint64_t lsn;

	/* in the form a standby's replay position takes (lsn.h), or a read
	 * there could wait for WAL that is never written */
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    lsn_parse(PQgetvalue(r, 0, 0), &lsn) == 0)
		v = query_strdup(ctx, lsn_format(lsn_record_end(lsn,
				strtoull(PQgetvalue(r, 0, 1), NULL, 10),
				strtoull(PQgetvalue(r, 0, 2), NULL, 10)), buf));
	else
		log_warn("writer: no commit position (%s)",
			 PQerrorMessage(w->db));
	PQclear(r);
	if (v)
		*out = v;
}

static int commit(writer_t *w, struct query_ctx *ctx, bool rollback)
{
	PGresult *r = PQexec(w->db, rollback ? "ROLLBACK" : "COMMIT");

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return db_fail(w, ctx, r);
	PQclear(r);
	return 0;
}

static int add_error(struct query_ctx *ctx, Pathways__V1__RecordResult **v,
		     size_t *n, uint32_t index, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int add_error(struct query_ctx *ctx, Pathways__V1__RecordResult **v,
		     size_t *n, uint32_t index, const char *fmt, ...)
{
	Pathways__V1__RecordResult *res = query_alloc(ctx, 1, sizeof(*res));
	char msg[256];
	va_list ap;

	if (!res)
		return -1;
	pathways__v1__record_result__init(res);
	res->index = index;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	res->error = query_strdup(ctx, msg);
	if (!res->error)
		return -1;
	v[(*n)++] = res;
	return 0;
}

/* 0 when sql (one parameter, key) finds a row, 1 when not, -1 on a
 * database error. */
static int lookup(writer_t *w, const char *sql, const char *key)
{
	const char *p[1] = { key };
	PGresult *r = exec(w, sql, 1, p);
	int rc = PQresultStatus(r) != PGRES_TUPLES_OK ? -1 : !PQntuples(r);

	PQclear(r);
	return rc;
}

static const char *const sources[] = { "manager", "self", "peer",
				       "certification" };

/* Runs one idempotent upsert (RETURNING a row only when it wrote one) and
 * counts it as written or unchanged. 0, or -1 with ctx's status set. */
static int upsert(writer_t *w, struct query_ctx *ctx, const char *sql, int n,
		  const char *const *p, uint32_t *written, uint32_t *unchanged)
{
	PGresult *r = exec(w, sql, n, p);

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return db_fail(w, ctx, r);
	if (PQntuples(r))
		(*written)++;
	else
		(*unchanged)++;
	PQclear(r);
	return 0;
}

/* Ends a batch: rolls back when all_or_nothing met a bad record, else
 * commits and names the first snapshot that holds the writes (the current
 * one when nothing was written). */
static int end_batch(writer_t *w, struct query_ctx *ctx, uint64_t xid,
		     bool roll_back, uint32_t *written, uint32_t *unchanged,
		     uint64_t *snapshot_version, char **lsn)
{
	graph_t *g;

	if (roll_back) {
		*written = *unchanged = 0;
		if (commit(w, ctx, true))
			return -1;
		commit_lsn(w, ctx, lsn);
		return 0;
	}
	if (commit(w, ctx, false))
		return -1;
	commit_lsn(w, ctx, lsn);
	if (*written) {
		*snapshot_version = wait_visible(w, xid);
		return 0;
	}
	g = graph_slot_acquire(w->slot, w->reader);
	*snapshot_version = g ? g->version : 0;
	graph_unref(&g);
	return 0;
}

/* ---- record batches ---- */

/* Checks record i of the request req: 0 when it may be written (p[] then
 * holds its upsert's parameters, some formatted into buf), 1 when it may
 * not (why says so), -1 when a lookup failed (a database error). */
typedef int (*record_check_fn)(writer_t *w, const void *req, size_t i,
			       int64_t now, const char **p, char (*buf)[32],
			       char *why, size_t whylen);

/* One kind of record: its check and its idempotent upsert (by the natural
 * key; an unchanged row is not touched: no notification, no new
 * snapshot). */
struct record_kind {
	record_check_fn check;
	const char *upsert;
	int nparams;
};

/* A batch's request and response fields, which both kinds share. */
struct batch {
	const void *req;		/* for the kind's check */
	size_t n_records;
	bool all_or_nothing;
	Pathways__V1__RecordResult ***results;
	size_t *n_results;
	uint32_t *written, *unchanged;
	uint64_t *snapshot_version;
	char **commit_lsn;
	struct writer_statements *statements;	/* NULL: none */
};

static int check_assessment(writer_t *w, const void *reqv, size_t i,
			    int64_t now, const char **p, char (*buf)[32],
			    char *why, size_t whylen)
{
	const Pathways__V1__RecordAssessmentsRequest *req = reqv;
	const Pathways__V1__AssessmentRecord *a = req->records[i];
	bool src_ok = false;
	int rc;

	for (size_t k = 0; k < 4; k++)
		src_ok |= strcmp(a->source, sources[k]) == 0;
	rc = lookup(w, "SELECT 1 FROM employee WHERE external_id = $1",
		    a->employee_id);
	if (rc > 0)
		snprintf(why, whylen, "unknown employee \"%s\"",
			 a->employee_id);
	if (rc)
		return rc;
	rc = lookup(w, "SELECT 1 FROM competency WHERE key = $1",
		    a->competency_key);
	if (rc > 0)
		snprintf(why, whylen, "unknown competency \"%s\"",
			 a->competency_key);
	if (rc)
		return rc;
	if (a->level > 5) {
		snprintf(why, whylen, "level must be 0-5, not %u", a->level);
		return 1;
	}
	if (!src_ok) {
		snprintf(why, whylen, "source must be manager, self, peer or "
			 "certification, not \"%s\"", a->source);
		return 1;
	}
	if (a->assessed_at_unix_ms <= 0 ||
	    a->assessed_at_unix_ms > now + WRITER_FUTURE_SLACK_MS) {
		snprintf(why, whylen, "assessed_at %s",
			 a->assessed_at_unix_ms <= 0 ? "is missing"
						     : "is in the future");
		return 1;
	}
	snprintf(buf[0], sizeof(buf[0]), "%u", a->level);
	snprintf(buf[1], sizeof(buf[1]), "%" PRId64, a->assessed_at_unix_ms);
	p[0] = a->employee_id;
	p[1] = a->competency_key;
	p[2] = buf[0];
	p[3] = a->source;
	p[4] = buf[1];
	return 0;
}

static const struct record_kind assessment_kind = {
	check_assessment,
	"INSERT INTO assessment (employee_id, competency_id, level, source, assessed_at) "
	"SELECT e.id, c.id, $3::smallint, $4, to_timestamp($5::bigint / 1000.0) "
	"FROM employee e, competency c WHERE e.external_id = $1 AND c.key = $2 "
	"ON CONFLICT (employee_id, competency_id, source, assessed_at) "
	"DO UPDATE SET level = EXCLUDED.level "
	"WHERE assessment.level IS DISTINCT FROM EXCLUDED.level "
	"RETURNING 1", 5,
};

static int check_completion(writer_t *w, const void *reqv, size_t i,
			    int64_t now, const char **p, char (*buf)[32],
			    char *why, size_t whylen)
{
	const Pathways__V1__RecordCompletionsRequest *req = reqv;
	const Pathways__V1__CompletionRecord *c = req->records[i];
	int rc;

	rc = lookup(w, "SELECT 1 FROM employee WHERE external_id = $1",
		    c->employee_id);
	if (rc > 0)
		snprintf(why, whylen, "unknown employee \"%s\"",
			 c->employee_id);
	if (rc)
		return rc;
	rc = lookup(w, "SELECT 1 FROM module WHERE key = $1", c->module_key);
	if (rc > 0)
		snprintf(why, whylen, "unknown module \"%s\"", c->module_key);
	if (rc)
		return rc;
	if (c->completed_at_unix_ms <= 0 ||
	    c->completed_at_unix_ms > now + WRITER_FUTURE_SLACK_MS) {
		snprintf(why, whylen, "completed_at %s",
			 c->completed_at_unix_ms <= 0 ? "is missing"
						      : "is in the future");
		return 1;
	}
	snprintf(buf[0], sizeof(buf[0]), "%" PRId64, c->completed_at_unix_ms);
	p[0] = c->employee_id;
	p[1] = c->module_key;
	p[2] = buf[0];
	return 0;
}

static const struct record_kind completion_kind = {
	check_completion,
	"INSERT INTO module_completion (employee_id, module_id, completed_at) "
	"SELECT e.id, m.id, to_timestamp($3::bigint / 1000.0) "
	"FROM employee e, module m WHERE e.external_id = $1 AND m.key = $2 "
	"ON CONFLICT (employee_id, module_id) DO UPDATE "
	"SET completed_at = EXCLUDED.completed_at "
	"WHERE module_completion.completed_at IS DISTINCT FROM EXCLUDED.completed_at "
	"RETURNING 1", 3,
};

/* Stores the call's xAPI statements (writer.h) in its transaction; a
 * repeated one marks its record in skip. 0, or -1 with ctx's status set
 * (rolled back): ALREADY_EXISTS for an id stored with another digest. */
static int store_statements(writer_t *w, struct query_ctx *ctx,
			    struct writer_statements *st, bool *skip,
			    size_t n_records)
{
	for (size_t i = 0; i < st->n; i++) {
		struct writer_statement *s = &st->v[i];
		const char *p[3] = { s->id, s->digest, s->employee_id };
		PGresult *r;
		bool same;

		/* a concurrent writer of the same id: we wait for its commit,
		 * then find its row */
		r = exec(w, "INSERT INTO xapi_statement (id, digest, employee_id) "
			 "SELECT $1::uuid, decode($2, 'hex'), "
			 "(SELECT id FROM employee WHERE external_id = $3) "
			 "ON CONFLICT (id) DO NOTHING RETURNING 1", 3, p);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			return db_fail(w, ctx, r);
		s->repeated = !PQntuples(r);
		PQclear(r);
		if (!s->repeated)
			continue;
		r = exec(w, "SELECT encode(digest, 'hex') FROM xapi_statement "
			 "WHERE id = $1::uuid", 1, p);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || !PQntuples(r))
			return db_fail(w, ctx, r);
		same = strcmp(PQgetvalue(r, 0, 0), s->digest) == 0;
		PQclear(r);
		if (!same) {
			PQclear(PQexec(w->db, "ROLLBACK"));
			return query_fail(ctx, QUERY_ALREADY_EXISTS,
					  "statement %s is stored with other content",
					  s->id);
		}
		if (s->record >= 0 && (size_t)s->record < n_records)
			skip[s->record] = true;
	}
	return 0;
}

/* One transaction over the batch: each record checked (a bad one gets its
 * RecordResult), the good ones upserted unless all_or_nothing already met
 * a bad one, then end_batch. */
static int record_batch(writer_t *w, struct query_ctx *ctx,
			const struct record_kind *kind, const struct batch *b)
{
	int64_t now = wall_ms();
	bool *skip = NULL;
	uint64_t xid;

	if (b->n_records > WRITER_MAX_RECORDS)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
				  "%zu records: at most %u per call",
				  b->n_records, WRITER_MAX_RECORDS);
	*b->results = query_alloc(ctx, b->n_records ? b->n_records : 1,
				  sizeof(**b->results));
	if (!*b->results)
		return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
	if (b->statements) {
		skip = query_alloc(ctx, b->n_records ? b->n_records : 1,
				   sizeof(*skip));
		if (!skip)
			return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED,
					  "out of memory");
	}
	if (begin(w, ctx, &xid))
		return -1;
	if (b->statements &&
	    store_statements(w, ctx, b->statements, skip, b->n_records))
		return -1;
	for (size_t i = 0; i < b->n_records; i++) {
		const char *p[5];
		char buf[2][32], why[256];
		int rc;

		if (skip && skip[i]) {
			(*b->unchanged)++;	/* a repeated statement's */
			continue;
		}
		rc = kind->check(w, b->req, i, now, p, buf, why, sizeof(why));

		if (rc < 0)
			return db_fail(w, ctx, NULL);
		if (rc > 0) {
			if (add_error(ctx, *b->results, b->n_results,
				      (uint32_t)i, "%s", why))
				goto oom;
			continue;
		}
		if (b->all_or_nothing && *b->n_results)
			continue;	/* will roll back: no point writing */
		if (upsert(w, ctx, kind->upsert, kind->nparams, p, b->written,
			   b->unchanged))
			return -1;
	}
	return end_batch(w, ctx, xid, b->all_or_nothing && *b->n_results,
			 b->written, b->unchanged, b->snapshot_version,
			 b->commit_lsn);
oom:
	PQclear(PQexec(w->db, "ROLLBACK"));
	return query_fail(ctx, QUERY_RESOURCE_EXHAUSTED, "out of memory");
}

int writer_record_assessments(writer_t *w, struct query_ctx *ctx,
			      const ProtobufCMessage *reqm,
			      ProtobufCMessage *respm)
{
	const Pathways__V1__RecordAssessmentsRequest *req = (const void *)reqm;
	Pathways__V1__RecordAssessmentsResponse *resp = (void *)respm;
	struct batch b = {
		req, req->n_records,
		req->all_or_nothing, &resp->results, &resp->n_results,
		&resp->written, &resp->unchanged, &resp->snapshot_version,
		&resp->commit_lsn, NULL,
	};

	return record_batch(w, ctx, &assessment_kind, &b);
}

int writer_record_completions(writer_t *w, struct query_ctx *ctx,
			      const ProtobufCMessage *reqm,
			      ProtobufCMessage *respm)
{
	const Pathways__V1__RecordCompletionsRequest *req = (const void *)reqm;
	Pathways__V1__RecordCompletionsResponse *resp = (void *)respm;
	struct batch b = {
		req, req->n_records,
		req->all_or_nothing, &resp->results, &resp->n_results,
		&resp->written, &resp->unchanged, &resp->snapshot_version,
		&resp->commit_lsn, ctx->statements,
	};

	return record_batch(w, ctx, &completion_kind, &b);
}

int writer_erase_employee(writer_t *w, struct query_ctx *ctx,
			  const ProtobufCMessage *reqm, ProtobufCMessage *respm)
{
	const Pathways__V1__EraseEmployeeRequest *req = (const void *)reqm;
	Pathways__V1__EraseEmployeeResponse *resp = (void *)respm;
	const char *p[1] = { req->employee_id };
	uint64_t xid;
	PGresult *r;

	if (!req->employee_id[0])
		return query_fail(ctx, QUERY_INVALID_ARGUMENT, "employee_id is empty");
	if (begin(w, ctx, &xid))
		return -1;
	r = exec(w,
		 "WITH e AS (SELECT id FROM employee WHERE external_id = $1 FOR UPDATE), "
		 "a AS (DELETE FROM assessment WHERE employee_id IN (SELECT id FROM e) RETURNING 1), "
		 "c AS (DELETE FROM module_completion WHERE employee_id IN (SELECT id FROM e) RETURNING 1), "
		 "d AS (DELETE FROM employee WHERE id IN (SELECT id FROM e) RETURNING 1) "
		 "SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM a), (SELECT count(*) FROM c)",
		 1, p);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return db_fail(w, ctx, r);
	resp->erased = atoi(PQgetvalue(r, 0, 0)) > 0;
	resp->assessments = (uint32_t)atoi(PQgetvalue(r, 0, 1));
	resp->completions = (uint32_t)atoi(PQgetvalue(r, 0, 2));
	PQclear(r);
	if (commit(w, ctx, false))
		return -1;
	commit_lsn(w, ctx, &resp->commit_lsn);
	/* the one place an employee id is logged above debug level: the
	 * privacy record of who erased whom, and when (the log's time) */
	log_notice("erase: employee %s %s at the request of %s (%u assessments, %u completions deleted)",
		   req->employee_id, resp->erased ? "erased" : "not found, nothing erased",
		   ctx->who ? ctx->who : "?", resp->assessments,
		   resp->completions);
	if (resp->erased) {
		char err[512];
		graph_t *g;
		int rc = 0;

		wait_visible(w, xid);
		if (w->persist) {
			g = graph_slot_acquire(w->slot, w->reader);
			rc = persist_erased(w->persist, xid, g, err, sizeof(err));
			graph_unref(&g);
		}
		if (rc) {
			log_err("erase: employee %s stays in the saved snapshot (%s)",
				req->employee_id, err);
			return query_fail(ctx, QUERY_INTERNAL,
					  "erased from the database, but the saved snapshot could not be rewritten or removed: %s",
					  err);
		}
	}
	return 0;
}

void writer_set_persist(writer_t *w, persist_t *p)
{
	w->persist = p;
}
