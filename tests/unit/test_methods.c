/* The method table against the service the .proto declares, and what each
 * row says a request reads for the access log. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "methods.h"

static const ProtobufCServiceDescriptor *service(void)
{
	return &pathways__v1__pathways__descriptor;
}

Test(methods, every_service_method_has_exactly_one_row)
{
	const ProtobufCServiceDescriptor *sd = service();

	for (unsigned i = 0; i < sd->n_methods; i++) {
		const ProtobufCMethodDescriptor *md = &sd->methods[i];
		const struct methods_row *m = NULL;
		unsigned rows = 0;

		for (size_t k = 0; k < methods_count(); k++)
			if (strcmp(methods_at(k)->name, md->name) == 0) {
				m = methods_at(k);
				rows++;
			}
		cr_assert_eq(rows, 1, "%s has %u rows", md->name, rows);
		cr_assert_eq(m->req, md->input, "%s: request type", md->name);
		cr_assert_eq(m->resp, md->output, "%s: response type", md->name);
		cr_assert_eq(methods_find(md->name), m);
	}
}

Test(methods, every_row_is_a_service_method)
{
	const ProtobufCServiceDescriptor *sd = service();

	cr_assert_eq(methods_count(), sd->n_methods);
	for (size_t k = 0; k < methods_count(); k++) {
		const struct methods_row *m = methods_at(k);

		cr_assert_not_null(protobuf_c_service_descriptor_get_method_by_name(
					   sd, m->name), "%s", m->name);
		cr_assert_eq(methods_index(m), k);
	}
	cr_assert_null(methods_at(methods_count()));
	cr_assert_null(methods_find("Nope"));
}

Test(methods, every_row_has_the_handler_its_kind_runs)
{
	for (size_t k = 0; k < methods_count(); k++) {
		const struct methods_row *m = methods_at(k);

		cr_assert_not_null(m->employees, "%s", m->name);
		if (m->kind == METHODS_QUERY)
			cr_assert_not_null(m->run, "%s", m->name);
		if (m->kind == METHODS_WRITE)
			cr_assert_not_null(m->write, "%s", m->name);
	}
}

/* ---- the employees a sample request reads ---- */

static char *ids_a[] = { "E1", "E2" };

static void build_none(ProtobufCMessage *m)
{
	(void)m;
}

static void build_readiness(ProtobufCMessage *m)
{
	Pathways__V1__ReadinessRequest *r = (void *)m;

	r->n_employee_ids = 2;
	r->employee_ids = ids_a;
}

/* every request type with an employee_id string */
static void build_employee_id(ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor,
								 "employee_id");

	cr_assert_not_null(f, "%s has no employee_id", m->descriptor->name);
	*(char **)((char *)m + f->offset) = "E7";
}

static void build_path(ProtobufCMessage *m)
{
	Pathways__V1__PathRequest *r = (void *)m;

	r->origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_EMPLOYEE;
	r->from_employee = "E3";
	r->to_role = "R";
}

static void build_path_from_role(ProtobufCMessage *m)
{
	Pathways__V1__PathRequest *r = (void *)m;

	r->origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_ROLE;
	r->from_role = "R0";
	r->to_role = "R";
}

static void build_explore(ProtobufCMessage *m)
{
	Pathways__V1__ExploreRequest *r = (void *)m;

	r->origin_case = PATHWAYS__V1__EXPLORE_REQUEST__ORIGIN_FROM_EMPLOYEE;
	r->from_employee = "E4";
}

static void build_explore_from_role(ProtobufCMessage *m)
{
	Pathways__V1__ExploreRequest *r = (void *)m;

	r->origin_case = PATHWAYS__V1__EXPLORE_REQUEST__ORIGIN_FROM_ROLE;
	r->from_role = "R0";
}

static void build_assessments(ProtobufCMessage *m)
{
	static Pathways__V1__AssessmentRecord a = PATHWAYS__V1__ASSESSMENT_RECORD__INIT,
					      b = PATHWAYS__V1__ASSESSMENT_RECORD__INIT;
	static Pathways__V1__AssessmentRecord *v[] = { &a, &b };
	Pathways__V1__RecordAssessmentsRequest *r = (void *)m;

	a.employee_id = "E5";
	b.employee_id = "E6";
	r->n_records = 2;
	r->records = v;
}

static void build_completions(ProtobufCMessage *m)
{
	static Pathways__V1__CompletionRecord a = PATHWAYS__V1__COMPLETION_RECORD__INIT;
	static Pathways__V1__CompletionRecord *v[] = { &a };
	Pathways__V1__RecordCompletionsRequest *r = (void *)m;

	a.employee_id = "E8";
	r->n_records = 1;
	r->records = v;
}

static const struct sample {
	const char *method;
	void (*build)(ProtobufCMessage *m);
	const char *reads;	/* the ids noted, comma-separated */
} samples[] = {
	{ "Health", build_none, "" },
	{ "Stats", build_none, "" },
	{ "ListRoles", build_none, "" },
	{ "Path", build_path, "E3" },
	{ "Path", build_path_from_role, "" },
	{ "Explore", build_explore, "E4" },
	{ "Explore", build_explore_from_role, "" },
	{ "Gap", build_employee_id, "E7" },
	{ "Readiness", build_readiness, "E1,E2" },
	{ "RecommendModules", build_employee_id, "E7" },
	{ "Bench", build_none, "*" },
	{ "Mentors", build_employee_id, "E7,*" },
	{ "Audit", build_none, "" },
	{ "Placement", build_employee_id, "E7" },
	{ "RecordAssessments", build_assessments, "E5,E6" },
	{ "RecordCompletions", build_completions, "E8" },
	{ "EraseEmployee", build_employee_id, "E7" },
	{ "Pipeline", build_none, "*" },
	{ "Trend", build_employee_id, "E7" },
};

static void collect(void *arg, const char *id)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 256 - n, "%s%s", n ? "," : "", id);
}

Test(methods, each_row_names_the_employees_a_sample_request_reads)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
		const struct sample *x = &samples[i];
		const struct methods_row *m = methods_find(x->method);
		ProtobufCMessage *req;
		char got[256] = "";

		cr_assert_not_null(m, "%s", x->method);
		req = calloc(1, m->req->sizeof_message);
		cr_assert_not_null(req);
		m->req->message_init(req);
		x->build(req);
		m->employees(req, collect, got);
		cr_assert_str_eq(got, x->reads,
				 "%s (sample %zu) read \"%s\"", x->method, i, got);
		free(req);
	}
}

Test(methods, every_row_has_a_sample_request)
{
	for (size_t k = 0; k < methods_count(); k++) {
		bool found = false;

		for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++)
			found |= strcmp(samples[i].method, methods_at(k)->name) == 0;
		cr_assert(found, "no sample request for %s: add one above",
			  methods_at(k)->name);
	}
}
