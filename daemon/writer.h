/* writer: the write methods (RecordAssessments, RecordCompletions,
 * EraseEmployee), run on a thread of their own with a PostgreSQL
 * connection of their own, off the read path.
 *
 * Every call is one transaction; the reply is made only after COMMIT, so
 * OK means durable. The reply's snapshot_version is the first published
 * snapshot that contains the writes: the writer waits (bounded) until the
 * loader publishes a snapshot read under a PostgreSQL snapshot whose xmin is
 * above the writing transaction's id. Its commit_lsn is the WAL position
 * right after the COMMIT (for a call that changed nothing: the position
 * now), which a read anywhere may ask for as min_lsn. Writes go to
 * [database] write_conninfo: a primary (libpq's target_session_attrs finds
 * it among several hosts after a promotion). */
#ifndef PATHWAYS_WRITER_H
#define PATHWAYS_WRITER_H

#include "graph.h"
#include "persist.h"
#include "query/query.h"

typedef struct writer writer_t;

/* conninfo copied; slot borrowed (outlives the writer); reader is the
 * writer thread's hazard slot. Connects lazily. Caller must destroy. */
int writer_new(const char *conninfo, struct graph_slot *slot, unsigned reader,
	       writer_t **out) __attribute__((warn_unused_result));
void writer_destroy(writer_t **w);
/* SIGHUP may change the database: conninfo is copied, from any thread.
 * The writer thread takes the copy before its next call (closing the
 * connection made with the old one), so a call in progress finishes
 * against the database it started on. 0, or -ENOMEM (nothing changes). */
int writer_set_conninfo(writer_t *w, const char *conninfo)
	__attribute__((warn_unused_result));

/* The saved snapshot (borrowed, outlives the writer; NULL: none): an
 * erasure is answered OK only once the file no longer holds the person
 * (persist_erased()), else INTERNAL, the database erasure done. Call
 * before the writer thread runs. */
void writer_set_persist(writer_t *w, persist_t *p);

/* Handlers: fill resp, or return -1 with ctx's status set (UNAVAILABLE when
 * the database cannot be reached: nothing was written). ctx->who names the
 * caller for the erasure log line. Run on the writer thread only. */
int writer_record_assessments(writer_t *w, struct query_ctx *ctx,
			      const ProtobufCMessage *req, ProtobufCMessage *resp);
int writer_record_completions(writer_t *w, struct query_ctx *ctx,
			      const ProtobufCMessage *req, ProtobufCMessage *resp);
/* The xAPI statements a RecordCompletions from the HTTP door carries
 * (ctx->statements): each is stored in xapi_statement in the call's
 * transaction, so it is stored exactly when its completion is. A statement
 * id stored before with the same digest is a repeat (its record is not
 * written: counted unchanged); with another digest the call fails
 * ALREADY_EXISTS and nothing is written. */
struct writer_statement {
	char id[37];			/* a UUID */
	char digest[65];		/* SHA-256 of its content, hex */
	char *employee_id;		/* the actor's employee; NULL: none */
	long record;			/* its record's index; -1: none */
	bool repeated;			/* set by the writer: stored before */
};

struct writer_statements {
	struct writer_statement *v;
	size_t n;
};

int writer_erase_employee(writer_t *w, struct query_ctx *ctx,
			  const ProtobufCMessage *req, ProtobufCMessage *resp);

#endif
