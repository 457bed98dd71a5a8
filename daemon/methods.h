/* methods: the service's methods, one row each — the one place a method
 * is declared. A row names the method, its protobuf request and response,
 * how it runs (its kind and handler), and the employees a request reads
 * (for the access log). The server finds, runs, counts and logs methods
 * only through this table; tests/unit/test_methods.c checks it against
 * the service descriptor generated from the .proto. */
#ifndef PATHWAYS_METHODS_H
#define PATHWAYS_METHODS_H

#include <stddef.h>

#include "pathways/v1/pathways.pb-c.h"
#include "query/query.h"
#include "writer.h"

/* What the wire path says before a method's name. */
#define METHODS_PREFIX "/pathways.v1.Pathways/"

enum methods_kind {
	METHODS_QUERY,		/* a pure function of the snapshot: run */
	METHODS_HEALTH,		/* filled by the server, snapshot or not */
	METHODS_STATS,		/* filled by the server from its counters */
	METHODS_WRITE,		/* on the writer thread, one at a time: write */
};

/* Called once per employee id a request reads; "*" means everyone. */
typedef void (*methods_note_fn)(void *arg, const char *employee_id);

struct methods_row {
	const char *name;	/* the method, without METHODS_PREFIX */
	const ProtobufCMessageDescriptor *req, *resp;
	enum methods_kind kind;
	query_handler_fn run;	/* METHODS_QUERY */
	int (*write)(writer_t *w, struct query_ctx *ctx,
		     const ProtobufCMessage *req,
		     ProtobufCMessage *resp);	/* METHODS_WRITE */
	/* the frontend thread answers bodies up to this size itself; larger
	 * ones (or any, at 0) go to a worker */
	size_t inline_max;
	/* Names every employee req (a valid, decoded request of type req)
	 * reads, through note(arg, id). Never NULL: a method that reads no
	 * one says so with a function that notes nothing. */
	void (*employees)(const ProtobufCMessage *req, methods_note_fn note,
			  void *arg);
	/* queued as heavy whatever its body (server_fair.c): a request
	 * whose cost does not follow its size (Pipeline scores every role
	 * over everyone from an empty body) */
	bool heavy;
};

/* The number of rows. */
size_t methods_count(void);

/* Row i, 0 <= i < methods_count(). */
const struct methods_row *methods_at(size_t i);

/* The row of a method called name (without METHODS_PREFIX); NULL: none. */
const struct methods_row *methods_find(const char *name);

/* The index of row m (from methods_at or methods_find). */
size_t methods_index(const struct methods_row *m);

#endif
