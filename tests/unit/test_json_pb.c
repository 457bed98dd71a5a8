/* proto3 JSON <-> protobuf through the descriptors: names, types, oneofs,
 * errors naming the field, and the canonical output. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_pb.h"
#include "pathways/v1/pathways.pb-c.h"

static ProtobufCMessage *decode_ok(const ProtobufCMessageDescriptor *d,
				   const char *text)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[256] = "";
	ProtobufCMessage *m;

	cr_assert_eq(json_pb_decode(d, text, strlen(text), &buf, &len, err,
				    sizeof(err)), 0, "%s: %s", text, err);
	m = protobuf_c_message_unpack(d, NULL, len, buf);
	free(buf);
	cr_assert_not_null(m);
	return m;
}

static void decode_fails(const ProtobufCMessageDescriptor *d,
			 const char *text, const char *needle)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[256] = "";

	cr_assert_eq(json_pb_decode(d, text, strlen(text), &buf, &len, err,
				    sizeof(err)), -EINVAL, "%s", text);
	cr_assert_null(buf);
	cr_assert(strstr(err, needle), "%s: \"%s\" lacks \"%s\"", text, err,
		  needle);
}

static char *encode(const ProtobufCMessage *m)
{
	char *out = NULL;
	size_t len = 0;

	cr_assert_eq(json_pb_encode(m, &out, &len), 0);
	cr_assert_eq(strlen(out), len);
	return out;
}

Test(json_pb, camel_case_names_follow_protobuf)
{
	char b[64];

	json_pb_camel("employee_ids", b, sizeof(b));
	cr_assert_str_eq(b, "employeeIds");
	json_pb_camel("as_of_unix_ms", b, sizeof(b));
	cr_assert_str_eq(b, "asOfUnixMs");
	json_pb_camel("key", b, sizeof(b));
	cr_assert_str_eq(b, "key");
}

Test(json_pb, accepts_camel_case_and_original_names)
{
	Pathways__V1__ReadinessRequest *r = (void *)decode_ok(
		&pathways__v1__readiness_request__descriptor,
		"{\"employeeIds\":[\"E1\",\"E2\"],\"role_keys\":[\"R\"],"
		"\"skipUnknown\":true}");

	cr_assert_eq(r->n_employee_ids, 2);
	cr_assert_str_eq(r->employee_ids[1], "E2");
	cr_assert_eq(r->n_role_keys, 1);
	cr_assert_str_eq(r->role_keys[0], "R");
	cr_assert(r->skip_unknown);
	cr_assert_not(r->with_estimates);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(json_pb, reads_enums_by_name_or_number_and_oneofs)
{
	Pathways__V1__PathRequest *r = (void *)decode_ok(
		&pathways__v1__path_request__descriptor,
		"{\"fromEmployee\":\"E1\",\"toRole\":\"R\","
		"\"allowedKinds\":[\"PROMOTION\",3],\"maxRoutes\":\"2\"}");

	cr_assert_eq(r->origin_case, PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_EMPLOYEE);
	cr_assert_str_eq(r->from_employee, "E1");
	cr_assert_eq(r->n_allowed_kinds, 2);
	cr_assert_eq(r->allowed_kinds[0], PATHWAYS__V1__MOVE_KIND__PROMOTION);
	cr_assert_eq(r->allowed_kinds[1], PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH);
	cr_assert_eq(r->max_routes, 2);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(json_pb, reads_int64_as_strings_and_nested_messages)
{
	Pathways__V1__RecordCompletionsRequest *r = (void *)decode_ok(
		&pathways__v1__record_completions_request__descriptor,
		"{\"records\":[{\"employeeId\":\"E1\",\"moduleKey\":\"M\","
		"\"completedAtUnixMs\":\"1700000000123\"},"
		"{\"employee_id\":\"E2\",\"completed_at_unix_ms\":5}],"
		"\"allOrNothing\":null}");

	cr_assert_eq(r->n_records, 2);
	cr_assert_eq(r->records[0]->completed_at_unix_ms, 1700000000123LL);
	cr_assert_str_eq(r->records[1]->employee_id, "E2");
	cr_assert_eq(r->records[1]->completed_at_unix_ms, 5);
	cr_assert_not(r->all_or_nothing);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(json_pb, names_the_unknown_field)
{
	decode_fails(&pathways__v1__readiness_request__descriptor,
		     "{\"employeeIds\":[],\"nope\":1}", "unknown field \"nope\"");
	decode_fails(&pathways__v1__record_completions_request__descriptor,
		     "{\"records\":[{\"employeeId\":\"E\"},{\"bad\":1}]}",
		     "unknown field \"records[1].bad\"");
}

Test(json_pb, names_the_field_of_a_wrong_type)
{
	decode_fails(&pathways__v1__readiness_request__descriptor,
		     "{\"employeeIds\":\"E1\"}", "field \"employeeIds\": expected an array");
	decode_fails(&pathways__v1__readiness_request__descriptor,
		     "{\"employeeIds\":[1]}", "field \"employeeIds[0]\": expected a string");
	decode_fails(&pathways__v1__readiness_request__descriptor,
		     "{\"skipUnknown\":1}", "expected true or false");
	decode_fails(&pathways__v1__path_request__descriptor,
		     "{\"maxRoutes\":-1}", "field \"maxRoutes\": expected an integer from 0");
	decode_fails(&pathways__v1__path_request__descriptor,
		     "{\"maxRoutes\":4294967296}", "maxRoutes");
	decode_fails(&pathways__v1__path_request__descriptor,
		     "{\"maxRoutes\":1.5}", "maxRoutes");
	decode_fails(&pathways__v1__path_request__descriptor,
		     "{\"allowedKinds\":[\"FLYING\"]}", "allowedKinds[0]");
	decode_fails(&pathways__v1__record_completions_request__descriptor,
		     "{\"records\":[{\"completedAtUnixMs\":\"12x\"}]}",
		     "records[0].completedAtUnixMs");
}

Test(json_pb, refuses_two_members_of_a_oneof)
{
	decode_fails(&pathways__v1__path_request__descriptor,
		     "{\"fromRole\":\"A\",\"fromEmployee\":\"E\"}", "oneof");
}

Test(json_pb, refuses_malformed_json_and_non_objects)
{
	decode_fails(&pathways__v1__readiness_request__descriptor,
		     "{\"employeeIds\":[", "malformed JSON");
	decode_fails(&pathways__v1__readiness_request__descriptor, "[1]",
		     "expected a JSON object");
	decode_fails(&pathways__v1__readiness_request__descriptor,
		     "{\"employeeIds\":[],\"employeeIds\":[]}", "malformed JSON");
	decode_fails(&pathways__v1__readiness_request__descriptor,
		     "{\"employeeIds\":[\"a\\u0000b\"]}", "malformed JSON");
}

Test(json_pb, writes_canonical_proto3_json)
{
	Pathways__V1__ReadinessResult res = PATHWAYS__V1__READINESS_RESULT__INIT;
	Pathways__V1__ReadinessResult *resv[1] = { &res };
	Pathways__V1__ReadinessResponse r = PATHWAYS__V1__READINESS_RESPONSE__INIT;
	char *blockers[] = { "a\"b", "c" };
	char *s;

	res.employee_id = "E1";
	res.role_key = "";		/* default: left out */
	res.readiness = 0.7;
	res.band = PATHWAYS__V1__BAND__READY_SOON;
	res.met = 3;
	res.n_blockers = 2;
	res.blockers = blockers;
	r.n_results = 1;
	r.results = resv;
	s = encode(&r.base);
	cr_assert_str_eq(s, "{\"results\":[{\"employeeId\":\"E1\",\"readiness\":0.7,"
			    "\"band\":\"READY_SOON\",\"met\":3,"
			    "\"blockers\":[\"a\\\"b\",\"c\"]}]}");
	free(s);
}

Test(json_pb, writes_64_bit_integers_as_strings)
{
	Pathways__V1__HealthResponse h = PATHWAYS__V1__HEALTH_RESPONSE__INIT;
	char *s;

	h.serving = 1;
	h.snapshot_version = 18446744073709551615ULL;
	h.snapshot_loaded_unix_ms = -5;
	s = encode(&h.base);
	cr_assert(strstr(s, "\"snapshotVersion\":\"18446744073709551615\""), "%s", s);
	cr_assert(strstr(s, "\"snapshotLoadedUnixMs\":\"-5\""), "%s", s);
	cr_assert(strstr(s, "\"serving\":true"), "%s", s);
	cr_assert_null(strstr(s, "databaseConnected"), "%s", s);
	free(s);
}

Test(json_pb, a_set_oneof_member_is_written_even_when_empty)
{
	Pathways__V1__PathRequest r = PATHWAYS__V1__PATH_REQUEST__INIT;
	char *s;

	r.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_ROLE;
	r.from_role = "";
	s = encode(&r.base);
	cr_assert_str_eq(s, "{\"fromRole\":\"\"}");
	free(s);
}

Test(json_pb, doubles_are_shortest_and_special_values_are_strings)
{
	Pathways__V1__ExploreRequest r = PATHWAYS__V1__EXPLORE_REQUEST__INIT;
	char *s;

	r.max_cost = 1.0 / 3.0;
	s = encode(&r.base);
	cr_assert_str_eq(s, "{\"maxCost\":0.3333333333333333}");
	free(s);
	r.max_cost = INFINITY;
	s = encode(&r.base);
	cr_assert_str_eq(s, "{\"maxCost\":\"Infinity\"}");
	free(s);
}

Test(json_pb, what_it_writes_reads_back_the_same)
{
	Pathways__V1__PathRequest r = PATHWAYS__V1__PATH_REQUEST__INIT, *back;
	Pathways__V1__MoveKind kinds[] = { PATHWAYS__V1__MOVE_KIND__LATERAL };
	char *avoid[] = { "x\ny", "\xc3\xa9t\xc3\xa9" };
	char *s;

	r.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_ROLE;
	r.from_role = "dev";
	r.to_role = "lead";
	r.max_steps = 4;
	r.n_allowed_kinds = 1;
	r.allowed_kinds = kinds;
	r.n_avoid_roles = 2;
	r.avoid_roles = avoid;
	s = encode(&r.base);
	back = (void *)decode_ok(&pathways__v1__path_request__descriptor, s);
	cr_assert_str_eq(back->from_role, "dev");
	cr_assert_str_eq(back->to_role, "lead");
	cr_assert_eq(back->max_steps, 4);
	cr_assert_eq(back->allowed_kinds[0], PATHWAYS__V1__MOVE_KIND__LATERAL);
	cr_assert_str_eq(back->avoid_roles[0], "x\ny");
	cr_assert_str_eq(back->avoid_roles[1], "\xc3\xa9t\xc3\xa9");
	protobuf_c_message_free_unpacked(&back->base, NULL);
	free(s);
}

Test(json_pb, encodes_packed_bytes_and_refuses_garbage)
{
	Pathways__V1__GapRequest g = PATHWAYS__V1__GAP_REQUEST__INIT;
	uint8_t buf[64];
	size_t n;
	char *s = NULL;
	size_t len;

	g.employee_id = "E7";
	n = pathways__v1__gap_request__pack(&g, buf);
	cr_assert_eq(json_pb_encode_packed(&pathways__v1__gap_request__descriptor,
					   buf, n, &s, &len), 0);
	cr_assert_str_eq(s, "{\"employeeId\":\"E7\"}");
	free(s);
	buf[0] = 0xff;
	cr_assert_eq(json_pb_encode_packed(&pathways__v1__gap_request__descriptor,
					   buf, 3, &s, &len), -EPROTO);
}
