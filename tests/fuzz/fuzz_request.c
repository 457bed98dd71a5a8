/* libFuzzer target: the whole request path without sockets.
 *
 * The input is turned into the frames a client would send after the
 * ROUTER's identity frame and fed to server_process() against a small
 * snapshot built once. Byte 0 chooses the layout:
 *
 *   bits 0-1  0: [header, body]
 *             1: ["", header, body]            (a REQ client's delimiter)
 *             2: any number of frames, each a little-endian u16 length
 *                and that many bytes (cut short at the end of the input)
 *             3: [header, body] with max_request_bytes = 256
 *   bit 2     no snapshot loaded (NULL)
 *   bit 3     the second snapshot (other settings: lateral moves inferred,
 *             binary readiness, assessments that expire)
 *
 * Layouts 0, 1 and 3: bytes 1-2 are the header's length (little-endian,
 * cut to what is left), then the header, then the body (the rest).
 *
 * Besides the sanitizers it checks what every reply must be (docs/protocol.md,
 * Frames and Status codes): a ResponseHeader that decodes, a known status code, a body
 * only with code 0 and then one that decodes as the method's response, and
 * every string in both valid UTF-8. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "pathways/v1/pathways.pb-c.h"
#include "query/query.h"
#include "server.h"

#define FUZZ_MAX_FRAMES 16
#define FUZZ_T0 1700000000LL
#define FUZZ_DAY 86400LL

static graph_t *fuzz_graphs[2];

static void fuzz_check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "fuzz_request: building the snapshot: %s: %s\n",
			what, strerror(-rc));
		abort();
	}
}

#define B(call) fuzz_check((call), #call)

/* Two areas, three tracks, a skipped grade, explicit and inferred moves,
 * modules with prerequisites (one cycle, one of 0 hours), employees with
 * managers, attributes, every assessment source and completions. */
static graph_t *fuzz_snapshot(bool variant, uint64_t version)
{
	graph_builder_t *b = graph_builder_new();
	graph_t *g = NULL;
	static const char *const comps[] = { "a", "b", "c", "d", "e", "u" };

	if (!b)
		abort();
	if (variant) {
		B(graph_builder_setting(b, "infer_lateral", "true"));
		B(graph_builder_setting(b, "readiness_mode", "binary"));
		B(graph_builder_setting(b, "assessment_valid_days", "365"));
		B(graph_builder_setting(b, "step_penalty", "0"));
		B(graph_builder_setting(b, "mentor_min_level", "1"));
		B(graph_builder_setting(b, "trusted_sources",
					"manager,self,peer,certification"));
		B(graph_builder_setting(b, "band_ready_now", "100"));
		B(graph_builder_setting(b, "band_developing", "0"));
	}
	B(graph_builder_track(b, "ic", "Individual contributor", GRAPH_TRACK_IC));
	B(graph_builder_track(b, "mgmt", "Management", GRAPH_TRACK_MANAGEMENT));
	B(graph_builder_track(b, "oth", "Other", GRAPH_TRACK_OTHER));
	B(graph_builder_area(b, "eng", "Engineering"));
	B(graph_builder_area(b, "ops", "Operations \xc3\xa9"));
	B(graph_builder_competency(b, "a", "A", 0, NULL));
	B(graph_builder_competency(b, "b", "B", 0, NULL));
	B(graph_builder_competency(b, "c", "C", 1, "eng"));
	B(graph_builder_competency(b, "d", "D", 2, NULL));
	B(graph_builder_competency(b, "e", "E", 1, "ops"));
	B(graph_builder_competency(b, "u", "Untaught", 0, ""));

	B(graph_builder_role(b, "eng-ic-1", "Engineer I", "ic", 1, "eng", 50000, 70000));
	B(graph_builder_role(b, "eng-ic-2", "Engineer II", "ic", 2, "eng", 65000, 90000));
	B(graph_builder_role(b, "eng-ic-4", "Staff", "ic", 4, "eng", 120000, 160000));
	B(graph_builder_role(b, "eng-m-2", "Lead", "mgmt", 2, "eng", 95000, 99000));
	B(graph_builder_role(b, "eng-m-3", "Manager", "mgmt", 3, "eng", 0, 0));
	B(graph_builder_role(b, "ops-ic-1", "Ops I", "ic", 1, "ops", 40000, 50000));
	B(graph_builder_role(b, "ops-ic-2", "Ops II", "ic", 2, "ops", 48000, 60000));
	B(graph_builder_role(b, "lone", "Lone", "oth", 7, NULL, 0, 0));
	B(graph_builder_role(b, "empty", "No requirements", "ic", 3, "ops", 0, 0));
	/* keys are unbounded text in the database: a long one with
	 * two-byte characters, which Audit names in its findings */
	{
		char key[1 + 2 * 300 + 1] = "L";

		for (size_t i = 0; i < 300; i++)
			memcpy(key + 1 + 2 * i, "\xc3\xa9", 3);
		B(graph_builder_role(b, key, "Long", "mgmt", 2, "eng", 200000, 210000));
		B(graph_builder_requirement(b, key, "d", 2, 1, false));
	}

	B(graph_builder_requirement(b, "eng-ic-1", "a", 1, 1, false));
	B(graph_builder_requirement(b, "eng-ic-1", "c", 1, 2, true));
	B(graph_builder_requirement(b, "eng-ic-2", "a", 3, 1, false));
	B(graph_builder_requirement(b, "eng-ic-2", "c", 2, 2, true));
	B(graph_builder_requirement(b, "eng-ic-2", "b", 2, 0.5, false));
	B(graph_builder_requirement(b, "eng-ic-4", "a", 2, 1, false));
	B(graph_builder_requirement(b, "eng-ic-4", "c", 5, 3, true));
	B(graph_builder_requirement(b, "eng-ic-4", "u", 4, 1, true));
	B(graph_builder_requirement(b, "eng-m-2", "d", 3, 2, true));
	B(graph_builder_requirement(b, "eng-m-2", "a", 3, 1, false));
	B(graph_builder_requirement(b, "eng-m-3", "d", 4, 1, true));
	B(graph_builder_requirement(b, "eng-m-3", "b", 4, 1, false));
	B(graph_builder_requirement(b, "ops-ic-1", "e", 1, 1, false));
	B(graph_builder_requirement(b, "ops-ic-2", "e", 3, 1, true));
	B(graph_builder_requirement(b, "ops-ic-2", "a", 2, 1e-9, false));
	B(graph_builder_requirement(b, "lone", "b", 5, 100, false));

	B(graph_builder_move(b, "eng-ic-2", "eng-m-2", GRAPH_MOVE_TRACK_SWITCH, 6));
	B(graph_builder_move(b, "ops-ic-2", "eng-ic-2", GRAPH_MOVE_LATERAL, 12));
	B(graph_builder_move(b, "eng-m-3", "eng-ic-4", GRAPH_MOVE_TRACK_SWITCH, 0));
	B(graph_builder_move(b, "eng-m-2", "eng-ic-1", GRAPH_MOVE_LATERAL, 3));

	B(graph_builder_module(b, "m1", "Basics", 0, 8, "LMS-1"));
	B(graph_builder_module(b, "m2", "More", 1, 12, ""));
	B(graph_builder_module(b, "m3", "Craft", 2, 40, NULL));
	B(graph_builder_module(b, "m4", "Cycle A", 3, 5, "x"));
	B(graph_builder_module(b, "m5", "Cycle B", 3, 5, "y"));
	B(graph_builder_module(b, "m6", "Free", 0, 0, "z"));
	B(graph_builder_module(b, "m7", "Lead", 1, 1e6, NULL));
	B(graph_builder_outcome(b, "m1", "a", 0, 2));
	B(graph_builder_outcome(b, "m2", "a", 2, 4));
	B(graph_builder_outcome(b, "m2", "b", 0, 2));
	B(graph_builder_outcome(b, "m3", "c", 1, 3));
	B(graph_builder_outcome(b, "m3", "c", 3, 5));
	B(graph_builder_outcome(b, "m4", "d", 0, 3));
	B(graph_builder_outcome(b, "m5", "d", 3, 5));
	B(graph_builder_outcome(b, "m6", "e", 0, 3));
	B(graph_builder_outcome(b, "m7", "d", 0, 5));
	B(graph_builder_prereq(b, "m2", "m1"));
	B(graph_builder_prereq(b, "m3", "m2"));
	B(graph_builder_prereq(b, "m4", "m5"));
	B(graph_builder_prereq(b, "m5", "m4"));
	B(graph_builder_prereq(b, "m7", "m3"));

	B(graph_builder_employee(b, "E1", "eng-ic-1", NULL, true));
	B(graph_builder_employee(b, "E2", "eng-ic-2", "E1", true));
	B(graph_builder_employee(b, "E3", "eng-m-3", NULL, true));
	B(graph_builder_employee(b, "E4", "ops-ic-1", "E3", true));
	B(graph_builder_employee(b, "E5", "ops-ic-2", "E3", false));
	B(graph_builder_employee(b, "E6", "lone", "E8", true));
	B(graph_builder_employee(b, "E\xc3\xa9", "eng-m-2", "E3", true));
	B(graph_builder_employee(b, "E8", "empty", NULL, true));
	B(graph_builder_attribute(b, "E1", "location", "Berlin"));
	B(graph_builder_attribute(b, "E1", "employment_type", "full_time"));
	B(graph_builder_attribute(b, "E2", "location", "Hamburg"));
	B(graph_builder_attribute(b, "E4", "location", ""));
	B(graph_builder_attribute(b, "E\xc3\xa9", "location", "M\xc3\xbcnchen"));
	for (size_t i = 0; i < sizeof(comps) / sizeof(*comps); i++) {
		B(graph_builder_assessment(b, "E3", comps[i], 5, GRAPH_SRC_MANAGER,
					   FUZZ_T0 - 10 * FUZZ_DAY));
		B(graph_builder_assessment(b, "E\xc3\xa9", comps[i], (unsigned)i % 6,
					   GRAPH_SRC_PEER, FUZZ_T0));
	}
	B(graph_builder_assessment(b, "E1", "a", 1, GRAPH_SRC_MANAGER, FUZZ_T0));
	B(graph_builder_assessment(b, "E1", "a", 4, GRAPH_SRC_SELF, FUZZ_T0 + 1));
	B(graph_builder_assessment(b, "E1", "c", 2, GRAPH_SRC_CERTIFICATION,
				   FUZZ_T0 - 900 * FUZZ_DAY));
	B(graph_builder_assessment(b, "E2", "a", 3, GRAPH_SRC_MANAGER, FUZZ_T0));
	B(graph_builder_assessment(b, "E2", "a", 2, GRAPH_SRC_PEER, FUZZ_T0));
	B(graph_builder_assessment(b, "E2", "c", 2, GRAPH_SRC_MANAGER, FUZZ_T0));
	B(graph_builder_assessment(b, "E2", "d", 4, GRAPH_SRC_MANAGER, FUZZ_T0));
	B(graph_builder_assessment(b, "E4", "e", 0, GRAPH_SRC_MANAGER, FUZZ_T0));
	B(graph_builder_assessment(b, "E5", "e", 5, GRAPH_SRC_MANAGER, FUZZ_T0));
	B(graph_builder_assessment(b, "E6", "b", 5, GRAPH_SRC_MANAGER, 0));
	B(graph_builder_completion(b, "E1", "m1"));
	B(graph_builder_completion(b, "E2", "m4"));
	B(graph_builder_completion(b, "E4", "m6"));
	fuzz_check(graph_builder_finish(&b, version, &g), "graph_builder_finish");
	return g;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_graphs[0] = fuzz_snapshot(false, 1);
	fuzz_graphs[1] = fuzz_snapshot(true, 2);
	return 0;
}

/* ---- what every reply must be ---- */

static void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_request: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* The response type of a method path, NULL when it names none. */
static const ProtobufCMessageDescriptor *fuzz_response_type(const char *path)
{
	static const char prefix[] = "/pathways.v1.Pathways/";
	const ProtobufCServiceDescriptor *sd = &pathways__v1__pathways__descriptor;

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return NULL;
	for (unsigned i = 0; i < sd->n_methods; i++)
		if (!strcmp(sd->methods[i].name, path + sizeof(prefix) - 1))
			return sd->methods[i].output;
	return NULL;
}

static void fuzz_check_reply(const uint8_t *hdr, size_t hlen,
			     const uint8_t *body, size_t blen,
			     const void *req_hdr, size_t req_hlen, bool envelope_ok)
{
	Pathways__V1__ResponseHeader *rh;
	Pathways__V1__RequestHeader *qh = NULL;
	const ProtobufCMessageDescriptor *rd = NULL;
	const char *bad;

	rh = pathways__v1__response_header__unpack(NULL, hlen, hdr);
	if (!rh)
		fuzz_fail("reply header does not decode");
	switch (rh->code) {
	case 0: case 3: case 4: case 5: case 7: case 8: case 12: case 13: case 14:
		break;
	default:
		fuzz_fail("unknown status code %d in the reply", rh->code);
	}
	if (!query_utf8_valid(rh->message))
		fuzz_fail("reply header message is not valid UTF-8: %s", rh->message);
	if (rh->code != 0 && body)
		fuzz_fail("an error reply carries a body (%s)", rh->message);
	if (rh->code == 0 && envelope_ok)
		qh = pathways__v1__request_header__unpack(NULL, req_hlen, req_hdr);
	if (rh->code == 0) {
		if (!qh)
			fuzz_fail("OK for a request whose header does not decode");
		rd = fuzz_response_type(qh->method);
		if (!rd)
			fuzz_fail("OK for an unknown method %s", qh->method);
		if (qh->request_id != rh->request_id)
			fuzz_fail("request_id not echoed (%s)", qh->method);
	}
	if (rd) {
		ProtobufCMessage *resp =
			protobuf_c_message_unpack(rd, NULL, blen, body);

		if (!resp)
			fuzz_fail("response body does not decode as %s", rd->name);
		if ((bad = query_bad_string(resp)))
			fuzz_fail("response string %s is not valid UTF-8", bad);
		protobuf_c_message_free_unpacked(resp, NULL);
	}
	if (qh)
		pathways__v1__request_header__free_unpacked(qh, NULL);
	pathways__v1__response_header__free_unpacked(rh, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const void *frames[FUZZ_MAX_FRAMES];
	size_t lens[FUZZ_MAX_FRAMES], n = 0, max_request = 1 << 20, pos;
	uint8_t *hdr = NULL, *body = NULL, flags;
	size_t hlen = 0, blen = 0;
	graph_t *g;
	bool envelope_ok = false;
	const void *req_hdr = NULL;
	size_t req_hlen = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	g = (flags & 4) ? NULL : fuzz_graphs[(flags >> 3) & 1];
	pos = 1;
	if ((flags & 3) == 2) {
		while (pos < size && n < FUZZ_MAX_FRAMES) {
			size_t len = data[pos];

			if (pos + 1 < size)
				len |= (size_t)data[pos + 1] << 8;
			pos += 2;
			if (pos > size)
				pos = size;
			if (len > size - pos)
				len = size - pos;
			frames[n] = data + pos;
			lens[n++] = len;
			pos += len;
		}
		/* [header, body] or ["", header, body]: a request the
		 * checks below can judge */
		if (n == 2 || (n == 3 && lens[0] == 0)) {
			req_hdr = frames[n - 2];
			req_hlen = lens[n - 2];
			envelope_ok = true;
		}
	} else {
		size_t h = 0;

		if ((flags & 3) == 1) {
			frames[n] = "";
			lens[n++] = 0;
		}
		if ((flags & 3) == 3)
			max_request = 256;
		if (pos < size)
			h = data[pos++];
		if (pos < size)
			h |= (size_t)data[pos++] << 8;
		if (h > size - pos)
			h = size - pos;
		frames[n] = data + pos;
		lens[n++] = h;
		frames[n] = data + pos + h;
		lens[n++] = size - pos - h;
		req_hdr = frames[n - 2];
		req_hlen = lens[n - 2];
		envelope_ok = true;
	}
	if (server_process(g, max_request, frames, lens, n, &hdr, &hlen, &body,
			   &blen))
		return 0;	/* out of memory */
	fuzz_check_reply(hdr, hlen, body, blen, req_hdr, req_hlen, envelope_ok);
	free(hdr);
	free(body);
	return 0;
}
