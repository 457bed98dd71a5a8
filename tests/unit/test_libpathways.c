/* libpathways against a scripted ROUTER (pw_mock_server.h) in a thread. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "libpathways.h"
#include "pw_mock_server.h"

static struct mock_server srv;
static pw_client_t *cli;

static void setup(void)
{
	const char *ep;

	cr_assert_eq(mock_server_start(&srv, NULL), 0);
	ep = srv.endpoint;
	cr_assert_eq(pw_client_new(&ep, 1, &cli), 0);
}

static void teardown(void)
{
	pw_client_destroy(&cli);
	mock_server_stop(&srv);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const Pathways__V1__HealthResponse *health(const struct pw_reply *r)
{
	cr_assert_eq(r->code, PW_CODE_OK, "code %d: %s", r->code, r->message);
	cr_assert_not_null(r->response);
	cr_assert_eq(r->response->descriptor,
		     &pathways__v1__health_response__descriptor);
	return (const Pathways__V1__HealthResponse *)r->response;
}

/* A Health call that must succeed; returns the request id it echoed. */
static uint64_t call_health(unsigned timeout_ms)
{
	Pathways__V1__HealthRequest req = PATHWAYS__V1__HEALTH_REQUEST__INIT;
	struct pw_reply r = { 0 };
	uint64_t id;
	int rc;

	rc = pw_call(cli, "Health", &req.base, NULL, timeout_ms, &r);
	cr_assert_eq(rc, 0, "pw_call: %s", strerror(-rc));
	id = health(&r)->snapshot_version;
	cr_assert_eq(r.request_id, id);
	pw_reply_clear(&r);
	return id;
}

TestSuite(libpathways, .init = setup, .fini = teardown, .timeout = 20);

Test(libpathways, call_gets_its_reply)
{
	Pathways__V1__HealthRequest req = PATHWAYS__V1__HEALTH_REQUEST__INIT;
	const Pathways__V1__HealthResponse *h;
	struct pw_reply r = { 0 };

	cr_assert_eq(pw_call(cli, "Health", &req.base, NULL, 2000, &r), 0);
	h = health(&r);
	cr_assert_str_eq(h->version, "/pathways.v1.Pathways/Health");
	cr_assert_eq(h->roles, 2000, "deadline_ms is the timeout");
	cr_assert_eq(h->snapshot_version, r.request_id);
	cr_assert_eq(r.snapshot_version, MOCK_SNAPSHOT);
	cr_assert_str_eq(r.message, "");
	cr_assert_eq(pw_pending(cli), 0);
	pw_reply_clear(&r);
	cr_assert_null(r.message);
	cr_assert_null(r.response);
	pw_reply_clear(&r);
}

Test(libpathways, full_method_path_and_null_request_are_accepted)
{
	const Pathways__V1__HealthResponse *h;
	struct pw_reply r = { 0 };

	cr_assert_eq(pw_call(cli, "/pathways.v1.Pathways/Health", NULL, NULL,
			     2000, &r), 0);
	h = health(&r);
	cr_assert_str_eq(h->version, "/pathways.v1.Pathways/Health");
	cr_assert_eq(h->modules, 0, "an empty request is an empty frame");
	pw_reply_clear(&r);
}

Test(libpathways, request_body_reaches_the_server)
{
	Pathways__V1__ReadinessRequest req =
		PATHWAYS__V1__READINESS_REQUEST__INIT;
	Pathways__V1__ReadinessRequest *got;
	char *emps[] = { "E1", "E2" };
	struct pw_reply r = { 0 };

	req.employee_ids = emps;
	req.n_employee_ids = 2;
	req.skip_unknown = true;
	/* Any response type will do: ask for the echo as a HealthResponse. */
	cr_assert_eq(pw_call(cli, "Readiness", &req.base,
			     &pathways__v1__health_response__descriptor, 2000,
			     &r), 0);
	cr_assert_str_eq(health(&r)->version,
			 "/pathways.v1.Pathways/Readiness");
	pw_reply_clear(&r);
	got = pathways__v1__readiness_request__unpack(NULL, srv.last_body_len,
						      srv.last_body);
	cr_assert_not_null(got);
	cr_assert_eq(got->n_employee_ids, 2);
	cr_assert_str_eq(got->employee_ids[1], "E2");
	cr_assert(got->skip_unknown);
	pathways__v1__readiness_request__free_unpacked(got, NULL);
}

Test(libpathways, error_code_carries_the_message)
{
	struct pw_reply r = { 0 };

	cr_assert_eq(pw_client_set_metadata(cli, "code", "5"), 0);
	cr_assert_eq(pw_client_set_metadata(cli, "message",
					    "unknown employee E9"), 0);
	cr_assert_eq(pw_call(cli, "Health", NULL, NULL, 2000, &r), 0);
	cr_assert_eq(r.code, PW_CODE_NOT_FOUND);
	cr_assert_str_eq(r.message, "unknown employee E9");
	cr_assert_null(r.response);
	cr_assert_eq(r.snapshot_version, MOCK_SNAPSHOT);
	cr_assert_str_eq(pw_code_name(r.code), "NOT_FOUND");
	pw_reply_clear(&r);
}

Test(libpathways, timeout_then_next_call_gets_the_right_reply)
{
	Pathways__V1__HealthRequest req = PATHWAYS__V1__HEALTH_REQUEST__INIT;
	struct pw_reply r = { 0 };
	int64_t t0;
	uint64_t id;

	/* The reply comes 3 s late, 30 times the timeout: a busy machine
	 * cannot stretch the 100 ms to it, a call that waited for it can. */
	cr_assert_eq(pw_client_set_metadata(cli, "delay", "3000"), 0);
	t0 = now_ms();
	cr_assert_eq(pw_call(cli, "Health", &req.base, NULL, 100, &r),
		     -ETIMEDOUT);
	cr_assert_geq(now_ms() - t0, 95);
	cr_assert_lt(now_ms() - t0, 3000);
	cr_assert_null(r.message, "out untouched on error");
	cr_assert_eq(pw_pending(cli), 0);
	cr_assert_eq(pw_client_set_metadata(cli, "delay", NULL), 0);

	/* The late reply to request 1 arrives first and is dropped. */
	id = call_health(10000);
	cr_assert_eq(id, 2);
	cr_assert_eq(call_health(10000), 3);
}

Test(libpathways, duplicate_reply_is_discarded)
{
	cr_assert_eq(pw_client_set_metadata(cli, "twice", "1"), 0);
	cr_assert_eq(call_health(2000), 1);
	cr_assert_eq(pw_client_set_metadata(cli, "twice", NULL), 0);
	cr_assert_eq(call_health(2000), 2);
	cr_assert_eq(call_health(2000), 3);
}

Test(libpathways, reply_to_a_wrong_id_is_discarded)
{
	cr_assert_eq(pw_client_set_metadata(cli, "wrong_id", "1"), 0);
	cr_assert_eq(call_health(2000), 1);
	cr_assert_eq(call_health(2000), 2);
}

Test(libpathways, malformed_messages_are_discarded)
{
	cr_assert_eq(pw_client_set_metadata(cli, "garbage", "1"), 0);
	cr_assert_eq(call_health(2000), 1);
	cr_assert_eq(call_health(2000), 2);
}

Test(libpathways, undecodable_body_is_eproto_and_client_stays_usable)
{
	struct pw_reply r = { 0 };

	cr_assert_eq(pw_client_set_metadata(cli, "bad_body", "1"), 0);
	cr_assert_eq(pw_call(cli, "Health", NULL, NULL, 2000, &r), -EPROTO);
	cr_assert_eq(pw_pending(cli), 0);
	cr_assert_eq(pw_client_set_metadata(cli, "bad_body", NULL), 0);
	cr_assert_eq(call_health(2000), 2);
}

Test(libpathways, reply_with_id_zero_answers_the_call)
{
	struct pw_reply r = { 0 };

	cr_assert_eq(pw_client_set_metadata(cli, "id0", "1"), 0);
	cr_assert_eq(pw_call(cli, "Health", NULL, NULL, 2000, &r), 0);
	cr_assert_eq(r.request_id, 0);
	cr_assert_eq(r.code, PW_CODE_INVALID_ARGUMENT);
	cr_assert_null(r.response);
	cr_assert_eq(pw_pending(cli), 0);
	pw_reply_clear(&r);
}

Test(libpathways, metadata_is_sent_and_removable)
{
	struct pw_reply r = { 0 };

	cr_assert_eq(pw_client_set_metadata(cli, "echo", "first"), 0);
	cr_assert_eq(pw_client_set_metadata(cli, "echo", "second"), 0);
	cr_assert_eq(pw_client_set_metadata(cli, "other", "x"), 0);
	cr_assert_eq(pw_call(cli, "Health", NULL, NULL, 2000, &r), 0);
	cr_assert_str_eq(health(&r)->version, "second");
	cr_assert_eq(health(&r)->employees, 2);
	pw_reply_clear(&r);

	cr_assert_eq(pw_client_set_metadata(cli, "echo", NULL), 0);
	cr_assert_eq(pw_client_set_metadata(cli, "absent", NULL), 0);
	cr_assert_eq(pw_call(cli, "Health", NULL, NULL, 2000, &r), 0);
	cr_assert_str_eq(health(&r)->version, "/pathways.v1.Pathways/Health");
	cr_assert_eq(health(&r)->employees, 1);
	pw_reply_clear(&r);
}

Test(libpathways, pipelined_replies_out_of_order_are_matched)
{
	enum { N = 5 };
	uint64_t ids[N];
	bool seen[N] = { false };
	struct pw_reply r = { 0 };

	cr_assert_eq(pw_client_set_metadata(cli, "hold", "5"), 0);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(pw_send(cli, "Health", NULL, NULL, 2000, &ids[i]),
			     0);
		cr_assert_eq(ids[i], (uint64_t)i + 1);
	}
	cr_assert_eq(pw_pending(cli), N);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(pw_recv(cli, 2000, &r), 0);
		/* The server answers in reverse order. */
		cr_assert_eq(r.request_id, ids[N - 1 - i]);
		cr_assert_eq(health(&r)->snapshot_version, r.request_id);
		cr_assert_not(seen[r.request_id - 1]);
		seen[r.request_id - 1] = true;
		pw_reply_clear(&r);
	}
	cr_assert_eq(pw_pending(cli), 0);
	cr_assert_eq(pw_recv(cli, 100, &r), -ENOENT);
}

Test(libpathways, many_pipelined_requests_with_cancellations)
{
	enum { N = 700 };
	static bool seen[N + 1];
	uint64_t id;
	struct pw_reply r = { 0 };
	size_t got = 0;

	for (int i = 0; i < N; i++) {
		cr_assert_eq(pw_send(cli, "Health", NULL, NULL, 2000, &id), 0);
		if (id % 3 == 0)
			cr_assert_eq(pw_cancel(cli, id), 0);
	}
	cr_assert_eq(pw_cancel(cli, 3), -ENOENT);
	cr_assert_eq(pw_cancel(cli, N + 1), -ENOENT);
	cr_assert_eq(pw_pending(cli), N - N / 3);
	while (pw_pending(cli) > 0) {
		cr_assert_eq(pw_recv(cli, 5000, &r), 0);
		cr_assert_neq(r.request_id % 3, 0, "cancelled %lu came back",
			      (unsigned long)r.request_id);
		cr_assert_not(seen[r.request_id]);
		seen[r.request_id] = true;
		cr_assert_eq(health(&r)->snapshot_version, r.request_id);
		got++;
		pw_reply_clear(&r);
	}
	cr_assert_eq(got, N - N / 3);
	/* Still usable for blocking calls: the stale replies are dropped. */
	cr_assert_eq(call_health(2000), N + 1);
}

Test(libpathways, cancelling_in_random_order_keeps_the_rest_pending)
{
	enum { N = 300 };
	static bool cancelled[N + 1], seen[N + 1];
	struct pw_reply r = { 0 };
	uint32_t x = 12345;
	uint64_t id;
	size_t left = N;

	/* Held until all N are in, so every cancellation happens while the
	 * table is full: removals shift probe chains in every pattern. */
	cr_assert_eq(pw_client_set_metadata(cli, "hold", "300"), 0);
	for (int i = 0; i < N; i++)
		cr_assert_eq(pw_send(cli, "Health", NULL, NULL, 2000, &id), 0);
	for (int i = 0; i < N / 2; i++) {
		x = x * 1103515245 + 12345;
		id = 1 + (x >> 8) % N;
		if (cancelled[id]) {
			cr_assert_eq(pw_cancel(cli, id), -ENOENT);
			continue;
		}
		cr_assert_eq(pw_cancel(cli, id), 0);
		cancelled[id] = true;
		left--;
	}
	cr_assert_eq(pw_pending(cli), left);
	while (pw_pending(cli) > 0) {
		cr_assert_eq(pw_recv(cli, 5000, &r), 0);
		cr_assert_not(cancelled[r.request_id]);
		cr_assert_not(seen[r.request_id]);
		seen[r.request_id] = true;
		left--;
		pw_reply_clear(&r);
	}
	cr_assert_eq(left, 0);
}

Test(libpathways, recv_returns_a_reply_with_id_zero_as_is)
{
	struct pw_reply r = { 0 };
	uint64_t id;

	cr_assert_eq(pw_client_set_metadata(cli, "id0", "1"), 0);
	cr_assert_eq(pw_send(cli, "Health", NULL, NULL, 2000, &id), 0);
	cr_assert_eq(pw_recv(cli, 2000, &r), 0);
	cr_assert_eq(r.request_id, 0);
	cr_assert_eq(r.code, PW_CODE_INVALID_ARGUMENT);
	cr_assert_str_eq(r.message, "bad header");
	pw_reply_clear(&r);
	cr_assert_eq(pw_pending(cli), 1, "it answers no request in particular");
	cr_assert_eq(pw_cancel(cli, id), 0);
}

Test(libpathways, recv_times_out_and_then_gets_the_reply)
{
	struct pw_reply r = { 0 };
	uint64_t id;

	/* 3 s: no descheduling of this process lets it arrive before the
	 * two short waits below are over */
	cr_assert_eq(pw_client_set_metadata(cli, "delay", "3000"), 0);
	cr_assert_eq(pw_send(cli, "Health", NULL, NULL, 10000, &id), 0);
	cr_assert_eq(pw_recv(cli, 0, &r), -ETIMEDOUT);
	cr_assert_eq(pw_recv(cli, 50, &r), -ETIMEDOUT);
	cr_assert_eq(pw_pending(cli), 1);
	cr_assert_eq(pw_recv(cli, -1, &r), 0);
	cr_assert_eq(r.request_id, id);
	pw_reply_clear(&r);
}

Test(libpathways, call_is_refused_while_pipelined_requests_pend)
{
	struct pw_reply r = { 0 };
	uint64_t id;

	cr_assert_eq(pw_send(cli, "Health", NULL, NULL, 2000, &id), 0);
	cr_assert_eq(pw_call(cli, "Health", NULL, NULL, 2000, &r), -EBUSY);
	cr_assert_eq(pw_recv(cli, 2000, &r), 0);
	pw_reply_clear(&r);
	cr_assert_eq(call_health(2000), 2);
}

Test(libpathways, bad_arguments_are_einval)
{
	Pathways__V1__GapRequest gap = PATHWAYS__V1__GAP_REQUEST__INIT;
	struct pw_reply r = { 0 };
	uint64_t id;

	cr_assert_eq(pw_call(cli, "Health", &gap.base, NULL, 100, &r), -EINVAL);
	cr_assert_eq(pw_call(cli, "NoSuchMethod", NULL, NULL, 100, &r),
		     -EINVAL);
	cr_assert_eq(pw_call(cli, "", NULL, NULL, 100, &r), -EINVAL);
	cr_assert_eq(pw_send(cli, "Health", NULL, NULL, 100, NULL), -EINVAL);
	cr_assert_eq(pw_send(cli, "Nope", NULL, NULL, 100, &id), -EINVAL);
	cr_assert_eq(pw_pending(cli), 0);
	cr_assert_eq(pw_client_set_metadata(cli, NULL, "x"), -EINVAL);
	cr_assert_eq(call_health(2000), 1, "no id was used up");
}

Test(libpathways, unknown_method_with_a_descriptor_is_sent)
{
	struct pw_reply r = { 0 };

	cr_assert_eq(pw_client_set_metadata(cli, "code", "12"), 0);
	cr_assert_eq(pw_call(cli, "Frobnicate", NULL,
			     &pathways__v1__health_response__descriptor, 2000,
			     &r), 0);
	cr_assert_eq(r.code, PW_CODE_UNIMPLEMENTED);
	cr_assert_str_eq(srv.last_method, "/pathways.v1.Pathways/Frobnicate");
	pw_reply_clear(&r);
}

Test(libpathways, method_lookup)
{
	const ProtobufCMethodDescriptor *m = pw_method_find("Readiness");

	cr_assert_not_null(m);
	cr_assert_eq(m->input, &pathways__v1__readiness_request__descriptor);
	cr_assert_eq(m->output, &pathways__v1__readiness_response__descriptor);
	cr_assert_eq(pw_method_find("/pathways.v1.Pathways/Readiness"), m);
	cr_assert_null(pw_method_find("readiness"));
	cr_assert_null(pw_method_find("/other.Service/Readiness"));
	cr_assert_null(pw_method_find(NULL));
}

Test(libpathways, code_names)
{
	cr_assert_str_eq(pw_code_name(0), "OK");
	cr_assert_str_eq(pw_code_name(14), "UNAVAILABLE");
	cr_assert_str_eq(pw_code_name(16), "UNAUTHENTICATED");
	cr_assert_null(pw_code_name(17));
	cr_assert_null(pw_code_name(-1));
}

/* ---- without the fixture ---- */

Test(libpathways_alone, no_daemon_times_out)
{
	void *ctx = zmq_ctx_new();
	void *s = zmq_socket(ctx, ZMQ_ROUTER);
	char ep[128];
	size_t len = sizeof(ep);
	pw_client_t *c = NULL;
	struct pw_reply r = { 0 };
	const char *e = ep;
	int64_t t0;
	uint64_t id;

	/* A port that was just free: nothing listens there now. */
	cr_assert_eq(zmq_bind(s, "tcp://127.0.0.1:*"), 0);
	cr_assert_eq(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len), 0);
	zmq_close(s);
	zmq_ctx_term(ctx);

	cr_assert_eq(pw_client_new(&e, 1, &c), 0);
	t0 = now_ms();
	cr_assert_eq(pw_call(c, "Health", NULL, NULL, 150, &r), -ETIMEDOUT);
	cr_assert_geq(now_ms() - t0, 140);
	cr_assert_eq(pw_send(c, "Health", NULL, NULL, 0, &id), -EAGAIN);
	cr_assert_eq(pw_send(c, "Health", NULL, NULL, 50, &id), -ETIMEDOUT);
	cr_assert_eq(pw_pending(c), 0);
	pw_client_destroy(&c);
	cr_assert_null(c);
	pw_client_destroy(&c);
	pw_client_destroy(NULL);
}

Test(libpathways_alone, bad_endpoints_are_refused)
{
	const char *bad[] = { "tcp://127.0.0.1:5555", "nonsense" };
	const char *proto[] = { "carrier-pigeon://x" };
	pw_client_t *c = NULL;

	cr_assert_eq(pw_client_new(bad, 2, &c), -EINVAL);
	cr_assert_null(c);
	cr_assert_eq(pw_client_new(proto, 1, &c), -EPROTONOSUPPORT);
	cr_assert_eq(pw_client_new(bad, 0, &c), -EINVAL);
	cr_assert_null(c);
}

Test(libpathways_alone, two_endpoints_share_the_requests, .timeout = 20)
{
	struct mock_server a = { 0 }, b = { 0 };
	const char *eps[2];
	pw_client_t *c = NULL;
	struct pw_reply r = { 0 };
	unsigned sent = 0;
	uint64_t id;

	cr_assert_eq(mock_server_start(&a, NULL), 0);
	cr_assert_eq(mock_server_start(&b, NULL), 0);
	eps[0] = a.endpoint;
	eps[1] = b.endpoint;
	cr_assert_eq(pw_client_new(eps, 2, &c), 0);
	/* With ZMQ_IMMEDIATE, requests go only to connected daemons: rounds
	 * of 20 go out until both have had some (the second connection may
	 * complete late on a busy machine; the suite's timeout is the bound). */
	while (a.requests == 0 || b.requests == 0) {
		for (int i = 0; i < 20; i++, sent++)
			cr_assert_eq(pw_send(c, "Health", NULL, NULL, 10000,
					     &id), 0);
		while (pw_pending(c) > 0) {
			cr_assert_eq(pw_recv(c, 10000, &r), 0);
			pw_reply_clear(&r);
		}
	}
	cr_assert_eq(a.requests + b.requests, sent);
	cr_assert_gt(a.requests, 0);
	cr_assert_gt(b.requests, 0);
	pw_client_destroy(&c);
	mock_server_stop(&a);
	mock_server_stop(&b);
}

Test(libpathways_alone, curve_encrypted_call)
{
	char server_pub[41], server_sec[41];
	struct mock_server s = { 0 };
	struct pw_options opts = { 0 };
	pw_client_t *c = NULL;
	struct pw_reply r = { 0 };
	const char *e;

	if (!zmq_has("curve"))
		cr_skip_test("libzmq without CURVE");
	cr_assert_eq(zmq_curve_keypair(server_pub, server_sec), 0);
	cr_assert_eq(mock_server_start(&s, server_sec), 0);
	e = s.endpoint;
	opts.server_key = server_pub;
	cr_assert_eq(pw_client_new_opts(&e, 1, &opts, &c), 0);
	cr_assert_eq(pw_call(c, "Health", NULL, NULL, 3000, &r), 0);
	cr_assert_eq(r.code, 0);
	pw_reply_clear(&r);
	pw_client_destroy(&c);

	opts.server_key = "too short";
	cr_assert_eq(pw_client_new_opts(&e, 1, &opts, &c), -EINVAL);
	opts.server_key = server_pub;
	opts.public_key = server_pub;	/* a secret key is missing */
	cr_assert_eq(pw_client_new_opts(&e, 1, &opts, &c), -EINVAL);
	mock_server_stop(&s);
}

/* metadata entries the mock saw on a Health echo */
static uint32_t metadata_sent(void)
{
	struct pw_reply r = { 0 };
	uint32_t n;

	cr_assert_eq(pw_call(cli, "Health", NULL, NULL, 2000, &r), 0);
	cr_assert_eq(r.code, PW_CODE_OK);
	n = health(&r)->employees;
	pw_reply_clear(&r);
	return n;
}

Test(libpathways, following_writes_sends_their_commit_lsn_as_min_lsn)
{
	Pathways__V1__RecordAssessmentsResponse w =
		PATHWAYS__V1__RECORD_ASSESSMENTS_RESPONSE__INIT;
	struct pw_reply r = { 0 };

	w.commit_lsn = "0/16B3748";
	mock_server_can(&srv, "RecordAssessments", 0, NULL, &w.base);
	/* off by default: a write's position is not remembered */
	cr_assert_eq(pw_call(cli, "RecordAssessments", NULL, NULL, 2000, &r), 0);
	pw_reply_clear(&r);
	cr_assert_eq(metadata_sent(), 0);
	cr_assert_eq(pw_client_follow_writes(cli, true), 0);
	cr_assert_eq(pw_call(cli, "RecordAssessments", NULL, NULL, 2000, &r), 0);
	cr_assert_eq(r.code, PW_CODE_OK);
	pw_reply_clear(&r);
	cr_assert_eq(metadata_sent(), 1, "min_lsn goes with every later call");
	cr_assert_eq(pw_client_follow_writes(NULL, true), -EINVAL);
}
