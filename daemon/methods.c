#include "methods.h"

#include <string.h>

#include "query/audit.h"
#include "query/bench.h"
#include "query/gap.h"
#include "query/mentors.h"
#include "query/modules.h"
#include "query/path.h"
#include "query/pipeline.h"
#include "query/placement.h"
#include "query/readiness.h"
#include "query/roles.h"
#include "query/trend.h"

/* ---- the employees a request reads ---- */

/* The string field called name of m; "" when it is unset, or another
 * member of its oneof is set. Reading by name lets one function serve every
 * request type with such a field; the unit test proves each row's names. */
static const char *string_field(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor,
								 name);
	const char *base = (const char *)m, *v;

	if (!f || f->type != PROTOBUF_C_TYPE_STRING ||
	    f->label == PROTOBUF_C_LABEL_REPEATED)
		return "";
	if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    *(const uint32_t *)(base + f->quantifier_offset) != f->id)
		return "";
	v = *(const char *const *)(base + f->offset);
	return v ? v : "";
}

static void reads_no_one(const ProtobufCMessage *req, methods_note_fn note,
			 void *arg)
{
	(void)req;
	(void)note;
	(void)arg;
}

static void reads_everyone(const ProtobufCMessage *req, methods_note_fn note,
			   void *arg)
{
	(void)req;
	note(arg, "*");
}

static void reads_employee_id(const ProtobufCMessage *req,
			      methods_note_fn note, void *arg)
{
	note(arg, string_field(req, "employee_id"));
}

/* Path and Explore: the origin, when it is an employee */
static void reads_from_employee(const ProtobufCMessage *req,
				methods_note_fn note, void *arg)
{
	note(arg, string_field(req, "from_employee"));
}

/* the learner, and everyone looked at as a mentor */
static void reads_learner_and_everyone(const ProtobufCMessage *req,
				       methods_note_fn note, void *arg)
{
	note(arg, string_field(req, "employee_id"));
	note(arg, "*");
}

static void reads_employee_ids(const ProtobufCMessage *req,
			       methods_note_fn note, void *arg)
{
	const Pathways__V1__ReadinessRequest *r = (const void *)req;

	for (size_t i = 0; i < r->n_employee_ids; i++)
		note(arg, r->employee_ids[i]);
}

/* RecordAssessments and RecordCompletions: each record's employee */
static void reads_records(const ProtobufCMessage *req, methods_note_fn note,
			  void *arg)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(req->descriptor,
								 "records");
	const char *base = (const char *)req;
	const ProtobufCMessage *const *v;
	size_t n;

	if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE ||
	    f->label != PROTOBUF_C_LABEL_REPEATED)
		return;
	n = *(const size_t *)(base + f->quantifier_offset);
	v = *(const ProtobufCMessage *const *const *)(base + f->offset);
	for (size_t i = 0; i < n; i++)
		note(arg, string_field(v[i], "employee_id"));
}

/* ---- the table ---- */

#define D(msg) &pathways__v1__##msg##__descriptor
#define QUERY(name, msg, run, inline_max, employees)                      \
	{ name, D(msg##_request), D(msg##_response), METHODS_QUERY, run,   \
	  NULL, inline_max, employees, false }
#define WRITE(name, msg, write, employees)                                 \
	{ name, D(msg##_request), D(msg##_response), METHODS_WRITE, NULL,  \
	  write, 0, employees, false }

static const struct methods_row methods[] = {
	{ "Health", D(health_request), D(health_response), METHODS_HEALTH,
	  NULL, NULL, SIZE_MAX, reads_no_one, false },
	{ "Stats", D(stats_request), D(stats_response), METHODS_STATS,
	  NULL, NULL, SIZE_MAX, reads_no_one, false },
	QUERY("ListRoles", list_roles, query_roles_run, 0, reads_no_one),
	QUERY("Path", path, query_path_run, 0, reads_from_employee),
	QUERY("Explore", explore, query_path_explore, 0, reads_from_employee),
	QUERY("Gap", gap, query_gap_run, SIZE_MAX, reads_employee_id),
	QUERY("Readiness", readiness, query_readiness_run, 256,
	      reads_employee_ids),
	QUERY("RecommendModules", recommend_modules, query_modules_run,
	      SIZE_MAX, reads_employee_id),
	QUERY("Bench", bench, query_bench_run, 0, reads_everyone),
	QUERY("Mentors", mentors, query_mentors_run, 0,
	      reads_learner_and_everyone),
	QUERY("Audit", audit, query_audit_run, 0, reads_no_one),
	QUERY("Placement", placement, query_placement_run, SIZE_MAX,
	      reads_employee_id),
	WRITE("RecordAssessments", record_assessments,
	      writer_record_assessments, reads_records),
	WRITE("RecordCompletions", record_completions,
	      writer_record_completions, reads_records),
	WRITE("EraseEmployee", erase_employee, writer_erase_employee,
	      reads_employee_id),
	{ "Pipeline", D(pipeline_request), D(pipeline_response), METHODS_QUERY,
	  query_pipeline_run, NULL, 0, reads_everyone, true },
	QUERY("Trend", trend, query_trend_run, 0, reads_employee_id),
};
#undef QUERY
#undef WRITE
#undef D

size_t methods_count(void)
{
	return sizeof(methods) / sizeof(*methods);
}

const struct methods_row *methods_at(size_t i)
{
	return i < methods_count() ? &methods[i] : NULL;
}

const struct methods_row *methods_find(const char *name)
{
	for (size_t i = 0; i < methods_count(); i++)
		if (strcmp(name, methods[i].name) == 0)
			return &methods[i];
	return NULL;
}

size_t methods_index(const struct methods_row *m)
{
	return (size_t)(m - methods);
}
