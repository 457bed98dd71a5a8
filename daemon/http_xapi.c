/* http: POST /xapi/statements, LMS completions as xAPI 1.0.3 statements.
 *
 * A statement whose verb is ADL's completed or passed becomes a
 * CompletionRecord: the actor is the employee (account.name, or mbox
 * matched against the employee attribute [http] xapi_mbox_attribute), the
 * object the module (its id, an IRI, equal to the module's lms_ref, or its
 * last path segment equal to lms_ref or to the module's key), timestamp
 * the completion time. The records go as one all-or-nothing
 * RecordCompletions through the frontend, like any write. Other
 * statements are accepted and ignored (counted). The answer is the
 * statements' ids, as an LRS gives.
 *
 * Idempotent by statement id, durably: every statement goes to the writer
 * with the call (id, a digest of its content, the employee its actor
 * names) and is stored in the table xapi_statement in the transaction of
 * its completion. A repeated id changes nothing: the same statement again
 * is answered as stored, a different one under a stored id is 409
 * Conflict (xAPI 1.0.3, 2.2.3), across restarts and across daemons.
 * Erasing the employee forgets their statements (the table's cascade). */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "http_private.h"
#include "log.h"

#define XAPI_COMPLETED "http://adlnet.gov/expapi/verbs/completed"
#define XAPI_PASSED "http://adlnet.gov/expapi/verbs/passed"

/* what a call holds between its submission and its answer */
struct xapi_call {
	json_t *ids;			/* the statements' ids, in order */
	json_t *hashes;			/* id -> hash: one id twice is 400 */
	struct writer_statements st;	/* for the writer; st.v grows */
	size_t cap;
	size_t used, ignored;		/* counted once stored */
};

static void xapi_call_free(struct xapi_call *x)
{
	if (!x)
		return;
	json_decref(x->ids);
	json_decref(x->hashes);
	for (size_t i = 0; i < x->st.n; i++)
		free(x->st.v[i].employee_id);
	free(x->st.v);
	free(x);
}

struct writer_statements *http_call_statements(struct http_call *call)
{
	struct xapi_call *x = call->route == HTTP_ROUTE_XAPI ? call->xapi
							     : NULL;

	return x ? &x->st : NULL;
}

void http_xapi_free(struct http_call *call)
{
	xapi_call_free(call->xapi);
	call->xapi = NULL;
}

/* One statement for the writer: id, hash, the employee (copied: the
 * snapshot is let go before the writer runs; NULL none), its record. */
static int statement_add(struct xapi_call *x, const char *id, const char *hash,
			 const char *employee, long record)
{
	struct writer_statement *s;

	if (array_grow((void **)&x->st.v, &x->cap, x->st.n + 1,
		       sizeof(*x->st.v), 8))
		return -ENOMEM;
	s = &x->st.v[x->st.n];
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(s->digest, sizeof(s->digest), "%s", hash);
	s->record = record;
	if (employee && !(s->employee_id = strdup(employee)))
		return -ENOMEM;
	x->st.n++;
	return 0;
}

/* The statement's hash: SHA-256 of its JSON with sorted keys. */
static int statement_hash(const json_t *st, char hex[CERT_SHA256_HEX + 1])
{
	char *text = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS);

	if (!text)
		return -ENOMEM;
	cert_token_hash(text, hex);
	free(text);
	return 0;
}

/* A lowercase UUID (an xAPI statement id), or a new version 4 one. */
static bool uuid_ok(const char *s)
{
	static const char form[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static void uuid_new(char out[37])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
		 b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
}

/* ISO 8601 (xAPI's timestamps: 2024-05-01T10:00:00.123Z, +02:00) into
 * unix milliseconds. 0 or -EINVAL. */
int http_xapi_time(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t ms = 0, off = 0;

	if (!p)
		return -EINVAL;
	if (*p == '.') {
		int digits = 0;

		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		if (!digits)
			return -EINVAL;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (*p == 'Z') {
		p++;
	} else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
		   isdigit((unsigned char)p[2])) {
		int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = 0;
		const char *q = p + 3;

		if (*q == ':')
			q++;
		if (isdigit((unsigned char)q[0]) && isdigit((unsigned char)q[1])) {
			mm = (q[0] - '0') * 10 + (q[1] - '0');
			q += 2;
		}
		off = (int64_t)(hh * 60 + mm) * 60 * (*p == '-' ? -1 : 1);
		p = q;
	} else {
		return -EINVAL;	/* xAPI timestamps carry a zone */
	}
	if (*p)
		return -EINVAL;
	*out = ((int64_t)timegm(&tm) - off) * 1000 + ms;
	return 0;
}

/* the employee an actor names; NULL: none (why says what was looked for) */
static const struct graph_employee *actor_of(struct http *h, const graph_t *g,
					     const json_t *actor, char *why,
					     size_t whylen)
{
	const char *name = json_string_value(json_object_get(
		json_object_get(actor, "account"), "name"));
	const char *mbox = json_string_value(json_object_get(actor, "mbox"));
	uint32_t e;

	if (name) {
		e = graph_find_employee(g, name);
		snprintf(why, whylen, "unknown actor: account.name \"%.100s\"",
			 name);
		return e == GRAPH_NONE ? NULL : &g->emps[e];
	}
	if (mbox) {
		const char *mail = strncmp(mbox, "mailto:", 7) == 0 ? mbox + 7
								    : mbox;

		snprintf(why, whylen, "unknown actor: mbox \"%.100s\"%s", mbox,
			 h->mbox_attribute ? ""
					   : " ([http] xapi_mbox_attribute is not set)");
		for (uint32_t i = 0; h->mbox_attribute && i < g->emps_n; i++)
			for (uint32_t a = 0; a < g->emps[i].attrs_n; a++)
				if (strcmp(g->emps[i].attrs[a].key,
					   h->mbox_attribute) == 0 &&
				    strcasecmp(g->emps[i].attrs[a].value,
					       mail) == 0)
					return &g->emps[i];
		return NULL;
	}
	snprintf(why, whylen, "unknown actor: neither account.name nor mbox");
	return NULL;
}

/* the module an activity IRI names; NULL: none */
static const struct graph_module *activity_of(const graph_t *g,
					      const char *iri)
{
	const char *last = strrchr(iri, '/');
	uint32_t m;

	last = last ? last + 1 : iri;
	for (uint32_t i = 0; i < g->modules_n; i++) {
		const char *ref = g->modules[i].lms_ref;

		if (ref && ref[0] &&
		    (strcmp(ref, iri) == 0 || strcmp(ref, last) == 0))
			return &g->modules[i];
	}
	m = last[0] ? graph_find_module(g, last) : GRAPH_NONE;
	return m == GRAPH_NONE ? NULL : &g->modules[m];
}

/* the completions a batch makes; their strings are the snapshot's */
struct xapi_records {
	Pathways__V1__CompletionRecord *v;
	size_t n, cap;
};

static int records_add(struct xapi_records *r, const char *employee,
		       const char *module, int64_t at)
{
	Pathways__V1__CompletionRecord *c;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;

		c = realloc(r->v, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		r->v = c;
		r->cap = cap;
	}
	c = &r->v[r->n++];
	pathways__v1__completion_record__init(c);
	c->employee_id = (char *)(uintptr_t)employee;
	c->module_key = (char *)(uintptr_t)module;
	c->completed_at_unix_ms = at;
	return 0;
}

/* One statement: its id (given or new) into x, and, when it is a new
 * completion, a record. 0; -EINVAL (400) or -EEXIST (409) with why. */
static int statement(struct http *h, const graph_t *g, json_t *st,
		     struct xapi_call *x, struct xapi_records *records,
		     char *why, size_t whylen)
{
	const char *id = json_string_value(json_object_get(st, "id"));
	const char *verb = json_string_value(json_object_get(
		json_object_get(st, "verb"), "id"));
	const json_t *obj = json_object_get(st, "object");
	const char *iri = json_string_value(json_object_get(obj, "id"));
	const char *ts = json_string_value(json_object_get(st, "timestamp"));
	char hash[CERT_SHA256_HEX + 1], fresh[37];
	const struct graph_employee *e;
	const struct graph_module *m;
	bool used;
	int64_t at;

	if (!json_is_object(st) || !verb ||
	    !json_is_object(json_object_get(st, "actor")) ||
	    !json_is_object(obj)) {
		snprintf(why, whylen, "a statement needs actor, verb.id and object");
		return -EINVAL;
	}
	if (json_object_get(st, "id") && (!id || !uuid_ok(id))) {
		snprintf(why, whylen, "statement id is not a UUID");
		return -EINVAL;
	}
	if (statement_hash(st, hash))
		return -ENOMEM;
	if (!id) {
		uuid_new(fresh);
		id = fresh;
	}
	if (json_object_get(x->hashes, id)) {
		snprintf(why, whylen, "statement %s is given twice", id);
		return -EINVAL;
	}
	if (json_array_append_new(x->ids, json_string(id)) ||
	    json_object_set_new(x->hashes, id, json_string(hash)))
		return -ENOMEM;
	used = strcmp(verb, XAPI_COMPLETED) == 0 ||
	       strcmp(verb, XAPI_PASSED) == 0;
	e = actor_of(h, g, json_object_get(st, "actor"), why, whylen);
	if (!used) {
		/* stored all the same (its id is taken), with the person it
		 * names when it names one, so erasure forgets it too */
		x->ignored++;
		return statement_add(x, id, hash, e ? e->id : NULL, -1);
	}
	if (!e)
		return -EINVAL;
	m = iri ? activity_of(g, iri) : NULL;
	if (!m) {
		snprintf(why, whylen, "unknown activity \"%.200s\": no module has it as lms_ref or key",
			 iri ? iri : "");
		return -EINVAL;
	}
	if (!ts) {
		at = (int64_t)time(NULL) * 1000;
	} else if (http_xapi_time(ts, &at)) {
		snprintf(why, whylen, "statement %s: timestamp \"%.40s\" is not ISO 8601 with a zone",
			 id, ts);
		return -EINVAL;
	}
	x->used++;
	if (statement_add(x, id, hash, e->id, (long)records->n))
		return -ENOMEM;
	return records_add(records, e->id, m->key, at);
}

/* the answer: the ids, 200 (as an LRS answers a POST) */
static enum MHD_Result reply_ids(struct http *h, struct http_call *call)
{
	struct xapi_call *x = call->xapi;
	char *text = json_dumps(x->ids, JSON_COMPACT);
	size_t repeated = 0;
	enum MHD_Result ret;

	if (!text)
		return MHD_NO;
	/* the writer found these stored before: not used again */
	for (size_t i = 0; i < x->st.n; i++) {
		if (!x->st.v[i].repeated)
			continue;
		repeated++;
		if (x->st.v[i].record >= 0)
			x->used--;
		else
			x->ignored--;
	}
	atomic_fetch_add(&h->xapi_used, x->used);
	atomic_fetch_add(&h->xapi_ignored, x->ignored);
	atomic_fetch_add(&h->xapi_repeated, repeated);
	ret = http_reply(h, call->conn, call, MHD_HTTP_OK, "application/json",
			 text, strlen(text));
	free(text);
	return ret;
}

enum MHD_Result http_xapi_start(struct http *h, struct http_call *call)
{
	Pathways__V1__RecordCompletionsRequest req =
		PATHWAYS__V1__RECORD_COMPLETIONS_REQUEST__INIT;
	const struct methods_row *m = methods_find("RecordCompletions");
	const char *version = MHD_lookup_connection_value(
		call->conn, MHD_HEADER_KIND, "X-Experience-API-Version");
	struct xapi_records records = { 0 };
	struct xapi_call *x;
	json_error_t je;
	json_t *root = NULL, *st;
	graph_t *g = NULL;
	char why[512];
	uint8_t *body;
	size_t len, i;
	int rc = 0, code = QUERY_INVALID_ARGUMENT;
	unsigned status = MHD_HTTP_BAD_REQUEST;
	enum MHD_Result ret;

	if (!version || strncmp(version, "1.0", 3) != 0)
		return http_reply_error(h, call->conn, call, status, code,
					"X-Experience-API-Version: 1.0.3 is required");
	/* the write is the token's to make, checked before anything else */
	if (call->has_token ? !http_token_allows(call, m)
			    : !h->s->cfg.allow_writes)
		return http_reply_error(h, call->conn, call, MHD_HTTP_FORBIDDEN,
					QUERY_PERMISSION_DENIED,
					call->has_token ? "this token may not call RecordCompletions"
							: "writes are off: set [server] allow_writes = true");
	x = call->xapi = calloc(1, sizeof(*x));
	if (!x || !(x->ids = json_array()) || !(x->hashes = json_object()))
		return MHD_NO;
	root = json_loadb(call->body ? call->body : "", call->len,
			  JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(why, sizeof(why), "malformed JSON at line %d column %d: %s",
			 je.line, je.column, je.text);
		return http_reply_error(h, call->conn, call, status, code, why);
	}
	g = graph_slot_acquire(&h->s->slot, SERVER_READER_HTTP);
	if (!g) {
		json_decref(root);
		return http_reply_error(h, call->conn, call,
					MHD_HTTP_SERVICE_UNAVAILABLE,
					QUERY_UNAVAILABLE, "no snapshot loaded yet");
	}
	if (json_is_array(root)) {
		json_array_foreach(root, i, st) {
			rc = statement(h, g, st, x, &records, why, sizeof(why));
			if (rc)
				break;
		}
	} else {
		rc = statement(h, g, root, x, &records, why, sizeof(why));
	}
	if (rc == -ENOMEM || (!rc && !x->st.n)) {
		/* no statement at all: answered here */
		ret = rc ? MHD_NO : reply_ids(h, call);
		goto out;
	}
	if (rc) {
		ret = http_reply_error(h, call->conn, call, status, code, why);
		goto out;
	}
	req.n_records = records.n;
	req.records = calloc(records.n ? records.n : 1, sizeof(*req.records));
	ret = MHD_NO;
	if (!req.records)
		goto out;
	for (i = 0; i < records.n; i++)
		req.records[i] = &records.v[i];
	req.all_or_nothing = true;
	len = pathways__v1__record_completions_request__get_packed_size(&req);
	body = malloc(len ? len : 1);
	if (body) {
		pathways__v1__record_completions_request__pack(&req, body);
		if (http_gateway_submit(h, call, m, body, len))
			free(body);
		else
			ret = MHD_YES;
	}
	free(req.records);
out:
	free(records.v);
	graph_unref(&g);
	json_decref(root);
	return ret;
}

enum MHD_Result http_xapi_reply(struct http *h, struct http_call *call)
{
	struct xapi_call *x = call->xapi;
	Pathways__V1__RecordCompletionsResponse *resp;
	char why[512];

	if (call->code != QUERY_OK)
		return http_reply_error(h, call->conn, call,
					http_status_of(call->code), call->code,
					call->message);
	/* a record the writer refused (all or nothing: none was stored) */
	resp = call->has_resp ? pathways__v1__record_completions_response__unpack(
			NULL, zmq_msg_size(&call->resp), zmq_msg_data(&call->resp))
			      : NULL;
	if (resp && resp->n_results) {
		const char *id = "?";

		for (size_t i = 0; i < x->st.n; i++)
			if (x->st.v[i].record == (long)resp->results[0]->index)
				id = x->st.v[i].id;
		snprintf(why, sizeof(why), "statement %s: %s", id,
			 resp->results[0]->error);
		pathways__v1__record_completions_response__free_unpacked(resp,
									 NULL);
		return http_reply_error(h, call->conn, call,
					MHD_HTTP_BAD_REQUEST,
					QUERY_INVALID_ARGUMENT, why);
	}
	if (resp)
		pathways__v1__record_completions_response__free_unpacked(resp,
									 NULL);
	return reply_ids(h, call);
}
