/* The request path without sockets: envelope rules, status codes. */
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "query/readiness.h"
#include "server.h"
#include "server_private.h"

static graph_t *small(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_role(b, "R", "", "ic", 1, "eng", 0, 0));
	OK(graph_builder_role(b, "T", "", "ic", 2, "eng", 0, 0));
	OK(graph_builder_requirement(b, "T", "a", 2, 1, false));
	OK(graph_builder_employee(b, "E1", "R", NULL, true));
	OK(graph_builder_assessment(b, "E1", "a", 1, GRAPH_SRC_MANAGER, T0));
	return fixture_finish(b);
}

struct reply {
	Pathways__V1__ResponseHeader *h;
	uint8_t *body;
	size_t blen;
};

static struct reply call(graph_t *g, const char *method, uint64_t id,
			 const ProtobufCMessage *req)
{
	Pathways__V1__RequestHeader h = PATHWAYS__V1__REQUEST_HEADER__INIT;
	uint8_t hb[512], bb[4096], *rh = NULL;
	size_t hl, bl = 0, rhl = 0;
	const void *frames[2] = { hb, bb };
	size_t lens[2];
	struct reply r = { 0 };

	h.method = (char *)method;
	h.request_id = id;
	hl = pathways__v1__request_header__pack(&h, hb);
	if (req)
		bl = protobuf_c_message_pack(req, bb);
	lens[0] = hl;
	lens[1] = bl;
	OK(server_process(g, 1 << 20, frames, lens, 2, &rh, &rhl, &r.body, &r.blen));
	r.h = pathways__v1__response_header__unpack(NULL, rhl, rh);
	free(rh);
	cr_assert_not_null(r.h);
	return r;
}

static void reply_free(struct reply *r)
{
	pathways__v1__response_header__free_unpacked(r->h, NULL);
	free(r->body);
}

Test(server, a_readiness_call_goes_through_the_whole_path)
{
	graph_t *g = small();
	Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
	char *ids[] = { "E1" }, *roles[] = { "T" };
	Pathways__V1__ReadinessResponse *resp;
	struct reply r;

	req.n_employee_ids = 1;
	req.employee_ids = ids;
	req.n_role_keys = 1;
	req.role_keys = roles;
	r = call(g, "/pathways.v1.Pathways/Readiness", 42, &req.base);
	cr_assert_eq(r.h->code, 0, "%s", r.h->message);
	cr_assert_eq(r.h->request_id, 42);
	cr_assert_eq(r.h->snapshot_version, 1);
	resp = pathways__v1__readiness_response__unpack(NULL, r.blen, r.body);
	cr_assert_not_null(resp);
	cr_assert_float_eq(resp->results[0]->readiness, 50, 1e-12);
	pathways__v1__readiness_response__free_unpacked(resp, NULL);
	reply_free(&r);
	graph_unref(&g);
}

Test(server, status_codes_for_each_kind_of_bad_request)
{
	graph_t *g = small();
	Pathways__V1__GapRequest gap = PATHWAYS__V1__GAP_REQUEST__INIT;
	struct reply r;

	r = call(g, "/pathways.v1.Pathways/Nope", 1, NULL);
	cr_assert_eq(r.h->code, QUERY_UNIMPLEMENTED);
	cr_assert_null(r.body);
	reply_free(&r);
	r = call(g, "Readiness", 2, NULL);	/* not the full path */
	cr_assert_eq(r.h->code, QUERY_UNIMPLEMENTED);
	reply_free(&r);
	gap.employee_id = "nobody";
	gap.role_key = "T";
	r = call(g, "/pathways.v1.Pathways/Gap", 3, &gap.base);
	cr_assert_eq(r.h->code, QUERY_NOT_FOUND);
	cr_assert(strstr(r.h->message, "nobody"));
	reply_free(&r);
	r = call(NULL, "/pathways.v1.Pathways/Gap", 4, &gap.base);
	cr_assert_eq(r.h->code, QUERY_UNAVAILABLE);
	reply_free(&r);
	r = call(NULL, "/pathways.v1.Pathways/Health", 5, NULL);
	cr_assert_eq(r.h->code, 0);
	reply_free(&r);
	r = call(g, "/pathways.v1.Pathways/RecordAssessments", 6, NULL);
	cr_assert_eq(r.h->code, QUERY_PERMISSION_DENIED);
	reply_free(&r);
	graph_unref(&g);
}

Test(server, frames_that_break_the_envelope)
{
	graph_t *g = small();
	uint8_t *h = NULL, *b = NULL;
	size_t hl, bl;
	const void *frames[3] = { "\xff\xff", "", "" };
	size_t lens[3] = { 2, 0, 0 };
	Pathways__V1__ResponseHeader *rh;

	/* undecodable header: INVALID_ARGUMENT with request_id 0 */
	OK(server_process(g, 1 << 20, frames, lens, 2, &h, &hl, &b, &bl));
	rh = pathways__v1__response_header__unpack(NULL, hl, h);
	cr_assert_eq(rh->code, QUERY_INVALID_ARGUMENT);
	cr_assert_eq(rh->request_id, 0);
	pathways__v1__response_header__free_unpacked(rh, NULL);
	free(h);
	free(b);
	/* one frame, three frames */
	for (size_t n = 1; n <= 3; n += 2) {
		OK(server_process(g, 1 << 20, frames, lens, n, &h, &hl, &b, &bl));
		rh = pathways__v1__response_header__unpack(NULL, hl, h);
		cr_assert_eq(rh->code, QUERY_INVALID_ARGUMENT, "%zu frames", n);
		pathways__v1__response_header__free_unpacked(rh, NULL);
		free(h);
		free(b);
	}
	/* a body over max_request_bytes */
	{
		Pathways__V1__RequestHeader req = PATHWAYS__V1__REQUEST_HEADER__INIT;
		uint8_t hb[128];
		static uint8_t big[5000];
		const void *f2[2] = { hb, big };
		size_t l2[2];

		req.method = "/pathways.v1.Pathways/Readiness";
		req.request_id = 9;
		l2[0] = pathways__v1__request_header__pack(&req, hb);
		l2[1] = sizeof(big);
		OK(server_process(g, 4096, f2, l2, 2, &h, &hl, &b, &bl));
		rh = pathways__v1__response_header__unpack(NULL, hl, h);
		cr_assert_eq(rh->code, QUERY_RESOURCE_EXHAUSTED);
		cr_assert_eq(rh->request_id, 9);
		pathways__v1__response_header__free_unpacked(rh, NULL);
		free(h);
		free(b);
	}
	graph_unref(&g);
}

/* ---- the order of the queue (server_fair.c) ---- */

static struct server_job *queued_as(struct server *s, const char *client,
				    size_t body, const char *method)
{
	struct server_job *j = server_job_get(s);

	cr_assert_not_null(j);
	j->m = method ? methods_find(method) : NULL;
	cr_assert_eq(zmq_msg_init_size(&j->frames[0], strlen(client)), 0);
	memcpy(zmq_msg_data(&j->frames[0]), client, strlen(client));
	cr_assert_eq(zmq_msg_init_size(&j->frames[1], 0), 0);
	cr_assert_eq(zmq_msg_init_size(&j->frames[2], body), 0);
	j->frames_n = 3;
	j->routing_n = 1;
	server_fair_queue(s, j);
	return j;
}

static struct server_job *queued(struct server *s, const char *client,
				 size_t body)
{
	return queued_as(s, client, body, NULL);
}

/* Gives the jobs (NULL-terminated) back, then frees them and s. */
static void put_all(struct server *s, struct server_job **jobs)
{
	struct server_job *j;

	for (; *jobs; jobs++)
		server_job_put(s, *jobs);
	while ((j = s->free_jobs)) {
		s->free_jobs = j->next;
		access_ids_free(&j->employees);
		free(j);
	}
	free(s);
}

Test(server, cheap_requests_go_first_and_batches_take_turns_by_client)
{
	struct server *s = calloc(1, sizeof(*s));
	struct server_job *a1, *a2, *a3, *b1, *cheap;

	cr_assert_not_null(s);
	s->workers_n = 2;
	a1 = queued(s, "A", 30000);
	a2 = queued(s, "A", 30000);
	a3 = queued(s, "A", 30000);
	b1 = queued(s, "B", 30000);
	cheap = queued(s, "C", 20);
	cr_assert_eq(s->pending_n, 5);
	cr_assert_eq(server_fair_next(s), cheap);
	cr_assert_eq(server_fair_next(s), a1);
	/* every worker but one may run batches: the other stays for the
	 * cheap requests */
	cr_assert_null(server_fair_next(s));
	server_fair_done(s, cheap);
	cr_assert_null(server_fair_next(s));
	server_fair_done(s, a1);
	/* B's turn, though A asked first */
	cr_assert_eq(server_fair_next(s), b1);
	server_fair_done(s, b1);
	cr_assert_eq(server_fair_next(s), a2);
	server_fair_done(s, a2);
	/* only A left: A again */
	cr_assert_eq(server_fair_next(s), a3);
	server_fair_done(s, a3);
	cr_assert_null(server_fair_next(s));
	cr_assert_eq(s->pending_n, 0);
	cr_assert_eq(s->heavy_running, 0);
	put_all(s, (struct server_job *[]){ a1, a2, a3, b1, cheap, NULL });
}

/* A Pipeline (an empty body, every role over everyone) is heavy like a
 * batch: it never takes the last worker from the cheap requests. */
Test(server, a_pipeline_is_heavy_whatever_its_body)
{
	struct server *s = calloc(1, sizeof(*s));
	struct server_job *p1, *p2, *bench;

	cr_assert_not_null(s);
	s->workers_n = 2;
	p1 = queued_as(s, "A", 0, "Pipeline");
	p2 = queued_as(s, "A", 0, "Pipeline");
	bench = queued_as(s, "B", 20, "Bench");
	cr_assert(p1->heavy && p2->heavy);
	cr_assert(!bench->heavy);
	cr_assert_eq(server_fair_next(s), bench);
	cr_assert_eq(server_fair_next(s), p1);
	/* the other worker stays for cheap requests */
	cr_assert_null(server_fair_next(s));
	server_fair_done(s, p1);
	cr_assert_eq(server_fair_next(s), p2);
	server_fair_done(s, p2);
	server_fair_done(s, bench);
	put_all(s, (struct server_job *[]){ p1, p2, bench, NULL });
}

/* a Readiness call whose header metadata has min_lsn = lsn */
static struct reply call_min_lsn(graph_t *g, const char *lsn)
{
	Pathways__V1__RequestHeader h = PATHWAYS__V1__REQUEST_HEADER__INIT;
	Pathways__V1__RequestHeader__MetadataEntry e =
		PATHWAYS__V1__REQUEST_HEADER__METADATA_ENTRY__INIT;
	Pathways__V1__RequestHeader__MetadataEntry *ep[] = { &e };
	Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
	char *ids[] = { "E1" };
	uint8_t hb[512], bb[512], *rh = NULL;
	const void *frames[2] = { hb, bb };
	size_t lens[2], rhl = 0;
	struct reply r = { 0 };

	h.method = "/pathways.v1.Pathways/Readiness";
	h.request_id = 9;
	e.key = "min_lsn";
	e.value = (char *)lsn;
	h.metadata = ep;
	h.n_metadata = 1;
	req.employee_ids = ids;
	req.n_employee_ids = 1;
	lens[0] = pathways__v1__request_header__pack(&h, hb);
	lens[1] = pathways__v1__readiness_request__pack(&req, bb);
	OK(server_process(g, 1 << 20, frames, lens, 2, &rh, &rhl, &r.body, &r.blen));
	r.h = pathways__v1__response_header__unpack(NULL, rhl, rh);
	free(rh);
	cr_assert_not_null(r.h);
	return r;
}

Test(server, min_lsn_that_is_not_an_lsn_is_invalid_argument)
{
	graph_t *g = small();
	struct reply r = call_min_lsn(g, "16-B374D848");

	cr_assert_eq(r.h->code, 3, "%s", r.h->message);
	cr_assert(strstr(r.h->message, "min_lsn"), "%s", r.h->message);
	reply_free(&r);
	graph_unref(&g);
}

Test(server, min_lsn_past_what_the_snapshot_is_known_to_hold_is_unavailable)
{
	graph_t *g = small();
	/* no loader here: the snapshot's position is unknown */
	struct reply r = call_min_lsn(g, "0/1");

	cr_assert_eq(r.h->code, 14, "%s", r.h->message);
	cr_assert(strstr(r.h->message, "try another daemon"), "%s", r.h->message);
	cr_assert_str_eq(r.h->snapshot_lsn, "");
	reply_free(&r);
	graph_unref(&g);
}

Test(server, the_io_thread_is_batched_from_a_backlog_until_calm)
{
	struct server_io io = { 0 };
	int64_t t = 1000000;

	cr_assert_not(server_io_want(&io, 1, t), "one at a time: not batched");
	cr_assert_not(server_io_want(&io, 0, t + 10));
	cr_assert(server_io_want(&io, 2, t + 20), "a backlog batches it");
	cr_assert(server_io_want(&io, 1, t + 30), "and it stays");
	cr_assert(server_io_want(&io, 0, t + 20 + SERVER_IO_CALM_US - 1));
	cr_assert(server_io_want(&io, 64, t + 50000), "another backlog");
	cr_assert(server_io_want(&io, 1, t + 50000 + SERVER_IO_CALM_US - 1),
		  "calm counts from the last backlog");
	cr_assert_not(server_io_want(&io, 1, t + 50000 + SERVER_IO_CALM_US),
		      "calm: the default again");
}

/* The header is unpacked onto the stack up to 1 KiB and into malloc
 * beyond: a header of many metadata pairs routes as a short one does. */
Test(server, a_header_larger_than_its_stack_arena_routes_the_same)
{
	graph_t *g = small();
	Pathways__V1__RequestHeader h = PATHWAYS__V1__REQUEST_HEADER__INIT;
	Pathways__V1__RequestHeader__MetadataEntry e[40], *ep[40];
	char val[40][100];
	static uint8_t hb[8192];
	const void *frames[2] = { hb, "" };
	size_t lens[2] = { 0, 0 }, rhl = 0, blen = 0;
	uint8_t *rh = NULL, *body = NULL;
	Pathways__V1__ResponseHeader *r;

	for (int i = 0; i < 40; i++) {
		pathways__v1__request_header__metadata_entry__init(&e[i]);
		snprintf(val[i], sizeof(val[i]), "%0*d", 90, i);
		e[i].key = i == 39 ? "trace_id" : "x";
		e[i].value = val[i];
		ep[i] = &e[i];
	}
	h.method = "/pathways.v1.Pathways/Health";
	h.request_id = 7;
	h.n_metadata = 40;
	h.metadata = ep;
	cr_assert_gt(pathways__v1__request_header__get_packed_size(&h), 2048);
	lens[0] = pathways__v1__request_header__pack(&h, hb);
	OK(server_process(g, 1 << 20, frames, lens, 2, &rh, &rhl, &body, &blen));
	r = pathways__v1__response_header__unpack(NULL, rhl, rh);
	cr_assert_not_null(r);
	cr_assert_eq(r->code, 0, "%s", r->message);
	cr_assert_eq(r->request_id, 7);
	pathways__v1__response_header__free_unpacked(r, NULL);
	free(rh);
	free(body);
	graph_unref(&g);
}
