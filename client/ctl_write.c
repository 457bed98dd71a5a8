/* ctl_write: see ctl_write.h. */
#include "ctl_write.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "csv.h"
#include "ctl_admin.h"
#include "ctl_json.h"
#include "erase.h"

/* 9999-12-31T23:59:59.999Z, the last millisecond a bundle can hold. */
#define CTL_WRITE_MAX_MS INT64_C(253402300799999)
/* Per record, over its strings: tags, lengths, level, time, framing. */
#define CTL_WRITE_RECORD_OVERHEAD 40u
#define CTL_WRITE_ERRLEN 1024

int ctl_write_parse_time(const char *s, int64_t *out_ms)
{
	unsigned long long v;
	int64_t us, ms;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	if (strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno == ERANGE || v > (unsigned long long)CTL_WRITE_MAX_MS)
			return -ERANGE;
		if (errno || *end)
			return -EINVAL;
		ms = (int64_t)v;
	} else {
		if (csv_parse_timestamp(s, &us) < 0)
			return -EINVAL;
		/* Floor, so that a time before 1970 stays before it. */
		ms = us / 1000 - (us % 1000 < 0 ? 1 : 0);
	}
	if (ms <= 0 || ms > CTL_WRITE_MAX_MS)
		return -ERANGE;
	*out_ms = ms;
	return 0;
}

static int64_t ctl_write_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- records ---- */

struct ctl_write_rec {
	char *employee;		/* owns one block: employee, key, source */
	const char *key;	/* a competency or a module */
	const char *source;	/* assessments only */
	uint32_t level;
	int64_t at_ms;
	size_t line;		/* in the file; 0: from the command line */
};

struct ctl_write {
	struct ctl_cli *cli;
	bool completions;	/* else assessments */
	bool all_or_nothing;
	const char *file;	/* NULL: one record from the command line */
	const char *source;	/* --source: for a record without one */
	int64_t at_ms;		/* --at (or now): for a record without one */
	struct ctl_write_rec *recs;
	size_t n, cap;
	size_t failed;		/* records that failed, here or there */
	size_t rejected;	/* of them, the rows that were never sent */
	uint64_t written, unchanged, snapshot;
};

static void ctl_write_free(struct ctl_write *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->recs[i].employee);
	free(w->recs);
	w->recs = NULL;
	w->n = w->cap = 0;
}

static const char *ctl_write_method(const struct ctl_write *w)
{
	return w->completions ? "RecordCompletions" : "RecordAssessments";
}

/* Report that rec failed: "FILE:LINE: why" or "record N: why" on stderr,
 * control characters shown as '?' (the text may come from the file or the
 * daemon). */
static void ctl_write_fail(struct ctl_write *w, const struct ctl_write_rec *rec,
			   size_t index, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void ctl_write_fail(struct ctl_write *w, const struct ctl_write_rec *rec,
			   size_t index, const char *fmt, ...)
{
	char *why = NULL;
	va_list ap;
	int len;

	w->failed++;
	va_start(ap, fmt);
	len = vasprintf(&why, fmt, ap);
	va_end(ap);
	if (len < 0) {
		why = NULL;
	} else {
		for (unsigned char *p = (unsigned char *)why; *p; p++)
			if (*p < 0x20 || *p == 0x7F)
				*p = '?';
	}
	if (w->file && rec && rec->line)
		fprintf(w->cli->err, "%s:%zu: %s\n", w->file, rec->line,
			why ? why : "(out of memory)");
	else
		fprintf(w->cli->err, "record %zu: %s\n", index + 1,
			why ? why : "(out of memory)");
	free(why);
}

/* Append a record (its strings copied). 0 or -ENOMEM. */
static int ctl_write_add(struct ctl_write *w, const char *employee,
			 const char *key, const char *source, uint32_t level,
			 int64_t at_ms, size_t line)
{
	size_t le = strlen(employee) + 1, lk = strlen(key) + 1;
	size_t ls = strlen(source) + 1;
	struct ctl_write_rec *r;
	char *block;

	if (array_grow((void **)&w->recs, &w->cap, w->n + 1, sizeof(*w->recs),
		       256) < 0)
		return -ENOMEM;
	if (le > SIZE_MAX - lk - ls)
		return -ENOMEM;
	block = malloc(le + lk + ls);
	if (!block)
		return -ENOMEM;
	memcpy(block, employee, le);
	memcpy(block + le, key, lk);
	memcpy(block + le + lk, source, ls);
	r = &w->recs[w->n++];
	r->employee = block;
	r->key = block + le;
	r->source = block + le + lk;
	r->level = level;
	r->at_ms = at_ms;
	r->line = line;
	return 0;
}

/* ---- reading a file ---- */

enum { CTL_WA_EMPLOYEE, CTL_WA_COMPETENCY, CTL_WA_LEVEL, CTL_WA_SOURCE,
       CTL_WA_AT, CTL_WA_N };
/* The columns of the bundle's assessments.csv; source and assessed_at may
 * be left out or empty: --source and --at (or now) then apply. */
static const struct csv_column ctl_write_assessment_cols[CTL_WA_N] = {
	{ "employee", true }, { "competency", true }, { "level", true },
	{ "source", false }, { "assessed_at", false },
};

enum { CTL_WC_EMPLOYEE, CTL_WC_MODULE, CTL_WC_AT, CTL_WC_N };
static const struct csv_column ctl_write_completion_cols[CTL_WC_N] = {
	{ "employee", true }, { "module", true }, { "completed_at", false },
};

/* The current row of c as a record. 0 (added, or reported as bad) or
 * -ENOMEM. */
static int ctl_write_row(struct ctl_write *w, const csv_t *c)
{
	const struct csv_column *cols = w->completions ?
		ctl_write_completion_cols : ctl_write_assessment_cols;
	size_t col_key = w->completions ? CTL_WC_MODULE : CTL_WA_COMPETENCY;
	size_t col_at = w->completions ? CTL_WC_AT : CTL_WA_AT;
	struct ctl_write_rec here = { .line = csv_line(c) };
	const char *employee, *key, *source = "", *at;
	unsigned long level = 0;
	int64_t at_ms = w->at_ms;
	char q[96];
	int rc;

	employee = csv_get(c, CTL_WA_EMPLOYEE);
	key = csv_get(c, col_key);
	at = csv_get(c, col_at);
	if (!employee[0]) {
		ctl_write_fail(w, &here, 0, "%s: required", cols[0].name);
		return 0;
	}
	if (!key[0]) {
		ctl_write_fail(w, &here, 0, "%s: required", cols[col_key].name);
		return 0;
	}
	if (!w->completions) {
		const char *lv = csv_get(c, CTL_WA_LEVEL);

		if (ctl_cli_parse_uint(lv, 0, 5, &level) < 0) {
			csv_quote(lv, q, sizeof(q));
			ctl_write_fail(w, &here, 0, "level: \"%s\" is not a "
				       "whole number from 0 to 5", q);
			return 0;
		}
		source = csv_get(c, CTL_WA_SOURCE);
		if (!source[0])
			source = w->source;
	}
	if (at[0]) {
		rc = ctl_write_parse_time(at, &at_ms);
		if (rc < 0) {
			csv_quote(at, q, sizeof(q));
			ctl_write_fail(w, &here, 0, "%s: \"%s\" is %s",
				       cols[col_at].name, q, rc == -ERANGE ?
				       "not between 1970 and 9999" :
				       "not an ISO 8601 timestamp");
			return 0;
		}
	}
	return ctl_write_add(w, employee, key, source, (uint32_t)level, at_ms,
			     here.line);
}

/* Read every record of w->file. Returns 0 (bad rows reported and
 * counted in w->failed) or the exit status after printing why the file
 * cannot be read at all. */
static int ctl_write_read(struct ctl_write *w)
{
	char err[CTL_WRITE_ERRLEN] = "";
	csv_t *c = NULL;
	int rc;

	rc = csv_open(w->file, w->file, &c, err, sizeof(err));
	if (rc < 0)
		return ctl_cli_error(w->cli, "%s: %s", w->cli->cmd->name,
				     err[0] ? err : strerror(-rc));
	rc = csv_read_header(c, w->completions ? ctl_write_completion_cols :
				ctl_write_assessment_cols,
			     w->completions ? CTL_WC_N : CTL_WA_N, err,
			     sizeof(err));
	while (rc == 0 && (rc = csv_next(c, err, sizeof(err))) == 1)
		rc = ctl_write_row(w, c);
	csv_destroy(&c);
	if (rc == -ENOMEM)
		return ctl_cli_error(w->cli, "out of memory");
	if (rc < 0)
		return ctl_cli_error(w->cli, "%s: %s", w->cli->cmd->name,
				     err[0] ? err : strerror(-rc));
	return 0;
}

/* ---- sending ---- */

static size_t ctl_write_size(const struct ctl_write_rec *r)
{
	return strlen(r->employee) + strlen(r->key) + strlen(r->source) +
	       CTL_WRITE_RECORD_OVERHEAD;
}

/* The daemon's answer for recs[first..]: count it, report its failures. */
static void ctl_write_tally(struct ctl_write *w, size_t first, size_t n,
			    Pathways__V1__RecordResult *const *results,
			    size_t nresults, uint32_t written,
			    uint32_t unchanged, uint64_t snapshot)
{
	for (size_t i = 0; i < nresults; i++) {
		const Pathways__V1__RecordResult *res = results[i];
		size_t k = res->index;

		if (k >= n) {
			/* Not one of ours: still a failure to report. */
			w->failed++;
			ctl_cli_error(w->cli, "%s: the daemon reported record "
				      "%zu of a call of %zu: %s",
				      w->cli->cmd->name, k, n, res->error);
			continue;
		}
		ctl_write_fail(w, &w->recs[first + k], first + k, "%s",
			       res->error[0] ? res->error : "failed");
	}
	w->written += written;
	w->unchanged += unchanged;
	if (snapshot > w->snapshot)
		w->snapshot = snapshot;
}

/* One call with recs[first..first + n). Returns 0 or the exit status after
 * printing why (the daemon's error, no reply). */
static int ctl_write_call(struct ctl_write *w, size_t first, size_t n)
{
	Pathways__V1__RecordAssessmentsRequest areq =
		PATHWAYS__V1__RECORD_ASSESSMENTS_REQUEST__INIT;
	Pathways__V1__RecordCompletionsRequest creq =
		PATHWAYS__V1__RECORD_COMPLETIONS_REQUEST__INIT;
	Pathways__V1__AssessmentRecord *ar = NULL, **arp = NULL;
	Pathways__V1__CompletionRecord *cr = NULL, **crp = NULL;
	const ProtobufCMessage *req;
	struct pw_reply reply;
	int status;

	if (w->completions) {
		cr = calloc(n, sizeof(*cr));
		crp = calloc(n, sizeof(*crp));
	} else {
		ar = calloc(n, sizeof(*ar));
		arp = calloc(n, sizeof(*arp));
	}
	if (w->completions ? !cr || !crp : !ar || !arp) {
		status = ctl_cli_error(w->cli, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ctl_write_rec *r = &w->recs[first + i];

		if (w->completions) {
			pathways__v1__completion_record__init(&cr[i]);
			cr[i].employee_id = r->employee;
			cr[i].module_key = (char *)r->key;
			cr[i].completed_at_unix_ms = r->at_ms;
			crp[i] = &cr[i];
		} else {
			pathways__v1__assessment_record__init(&ar[i]);
			ar[i].employee_id = r->employee;
			ar[i].competency_key = (char *)r->key;
			ar[i].level = r->level;
			ar[i].source = (char *)r->source;
			ar[i].assessed_at_unix_ms = r->at_ms;
			arp[i] = &ar[i];
		}
	}
	if (w->completions) {
		creq.records = crp;
		creq.n_records = n;
		creq.all_or_nothing = w->all_or_nothing;
		req = &creq.base;
	} else {
		areq.records = arp;
		areq.n_records = n;
		areq.all_or_nothing = w->all_or_nothing;
		req = &areq.base;
	}
	status = ctl_cli_call(w->cli, ctl_write_method(w), req, &reply);
	if (status)
		goto out;
	if (w->completions) {
		const Pathways__V1__RecordCompletionsResponse *r =
			(const void *)reply.response;

		ctl_write_tally(w, first, n, r->results, r->n_results,
				r->written, r->unchanged, r->snapshot_version);
	} else {
		const Pathways__V1__RecordAssessmentsResponse *r =
			(const void *)reply.response;

		ctl_write_tally(w, first, n, r->results, r->n_results,
				r->written, r->unchanged, r->snapshot_version);
	}
	pw_reply_clear(&reply);
out:
	free(ar);
	free(arp);
	free(cr);
	free(crp);
	return status;
}

/* Send every record, CTL_WRITE_BATCH at a time (all in one call with
 * --all-or-nothing). Returns 0 or the exit status of a failed call. */
static int ctl_write_send(struct ctl_write *w)
{
	size_t first = 0;
	int status;

	ctl_cli_write_timeout(w->cli);
	while (first < w->n) {
		size_t end = first, bytes = 0;

		while (end < w->n && end - first < CTL_WRITE_BATCH) {
			size_t b = ctl_write_size(&w->recs[end]);

			if (!w->all_or_nothing && end > first &&
			    bytes + b > CTL_WRITE_BATCH_BYTES)
				break;
			bytes += b;
			end++;
		}
		status = ctl_write_call(w, first, end - first);
		if (status) {
			if (w->file)
				ctl_cli_error(w->cli, "%s: stopped: the records "
					      "from %s:%zu on may not have "
					      "been written (sending them "
					      "again is safe: a record already "
					      "there counts as unchanged)",
					      w->cli->cmd->name, w->file,
					      w->recs[first].line);
			return status;
		}
		first = end;
	}
	return 0;
}

static void ctl_write_summary(struct ctl_write *w)
{
	struct ctl_json j;

	if (w->cli->json) {
		ctl_json_init(&j, w->cli->out, true);
		ctl_json_begin_object(&j);
		ctl_json_key(&j, "records");
		ctl_json_uint(&j, w->n + w->rejected);
		ctl_json_key(&j, "written");
		ctl_json_uint(&j, w->written);
		ctl_json_key(&j, "unchanged");
		ctl_json_uint(&j, w->unchanged);
		ctl_json_key(&j, "failed");
		ctl_json_uint(&j, w->failed);
		ctl_json_key(&j, "snapshot_version");
		ctl_json_uint(&j, w->snapshot);
		ctl_json_end_object(&j);
		ctl_json_finish(&j);
		return;
	}
	ctl_cli_line(w->cli, "written %" PRIu64 ", unchanged %" PRIu64
		     ", snapshot %" PRIu64, w->written, w->unchanged,
		     w->snapshot);
}

/* Read (with a file), check, send, report. */
static int ctl_write_run(struct ctl_write *w)
{
	int status = 0;

	if (w->file) {
		status = ctl_write_read(w);
		if (status)
			return status;
	}
	w->rejected = w->failed;
	if (w->all_or_nothing && w->n > CTL_WRITE_BATCH)
		return ctl_cli_usage_error(w->cli, "--all-or-nothing: %zu "
					   "records, more than one call takes "
					   "(%u)", w->n, CTL_WRITE_BATCH);
	if (w->all_or_nothing && w->rejected)
		ctl_cli_error(w->cli, "%s: --all-or-nothing: nothing sent (%zu "
			      "bad record%s)", w->cli->cmd->name, w->rejected,
			      w->rejected == 1 ? "" : "s");
	else if (w->n)
		status = ctl_write_send(w);
	ctl_write_summary(w);
	if (status)
		return status;
	return w->failed ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

/* The options and operands both record commands share. */
static int ctl_write_record(struct ctl_cli *cli, int argc, char **argv,
			    bool completions)
{
	enum { OPT_SOURCE = 1, OPT_AT, OPT_FILE, OPT_ALL };
	static const struct option aopts[] = {
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "at", required_argument, NULL, OPT_AT },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "all-or-nothing", no_argument, NULL, OPT_ALL },
		{ 0 },
	};
	const struct option *opts = completions ? aopts + 1 : aopts;
	struct ctl_write w = {
		.cli = cli,
		.completions = completions,
		.source = "manager",
	};
	int c, rc, noperands, status = CTL_EXIT_USAGE;
	unsigned long level = 0;

	w.at_ms = ctl_write_now_ms();
	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_SOURCE:
			if (!optarg[0])
				return ctl_cli_usage_error(cli,
					"--source needs a source (manager, "
					"self, peer, certification)");
			w.source = optarg;
			break;
		case OPT_AT:
			rc = ctl_write_parse_time(optarg, &w.at_ms);
			if (rc < 0)
				return ctl_cli_usage_error(cli,
					"invalid --at '%s' (%s)", optarg,
					rc == -ERANGE ?
					"a time between 1970 and 9999" :
					"ISO 8601 such as 2024-03-01T09:30:00Z, "
					"or milliseconds since 1970");
			break;
		case OPT_FILE:
			if (!optarg[0])
				return ctl_cli_usage_error(cli,
					"--file needs a file");
			w.file = optarg;
			break;
		case OPT_ALL:
			w.all_or_nothing = true;
			break;
		default:
			return status;
		}
	}
	noperands = argc - optind;
	if (w.file && noperands)
		return ctl_cli_usage_error(cli, "give a record or --file, not "
					   "both");
	if (!w.file) {
		int need = completions ? 2 : 3;

		if (noperands != need)
			return ctl_cli_usage_error(cli, noperands < need ?
				(completions ? "give an EMPLOYEE and a MODULE, "
					       "or --file" :
					       "give an EMPLOYEE, a COMPETENCY "
					       "and a LEVEL, or --file") :
				"too many arguments");
		for (int i = 0; i < 2; i++)
			if (!argv[optind + i][0])
				return ctl_cli_usage_error(cli,
					"%s is empty", i ? (completions ?
					"MODULE" : "COMPETENCY") : "EMPLOYEE");
		if (!completions &&
		    ctl_cli_parse_uint(argv[optind + 2], 0, 5, &level) < 0)
			return ctl_cli_usage_error(cli, "invalid LEVEL '%s' "
						   "(0 to 5)",
						   argv[optind + 2]);
		if (ctl_write_add(&w, argv[optind], argv[optind + 1],
				  completions ? "" : w.source,
				  (uint32_t)level, w.at_ms, 0) < 0)
			return ctl_cli_error(cli, "out of memory");
	}
	status = ctl_write_run(&w);
	ctl_write_free(&w);
	return status;
}

int ctl_write_assessment(struct ctl_cli *cli, int argc, char **argv)
{
	return ctl_write_record(cli, argc, argv, false);
}

int ctl_write_completion(struct ctl_cli *cli, int argc, char **argv)
{
	return ctl_write_record(cli, argc, argv, true);
}

/* ---- erase-employee ---- */

static int ctl_write_print_erase(struct ctl_cli *cli,
				 const ProtobufCMessage *m, const void *arg)
{
	const Pathways__V1__EraseEmployeeResponse *r = (const void *)m;
	const char *id = arg;

	if (!r->erased)
		ctl_cli_line(cli, "no employee %s", id);
	else
		ctl_cli_line(cli, "erased %s: %" PRIu32 " assessment%s, %"
			     PRIu32 " completion%s", id, r->assessments,
			     r->assessments == 1 ? "" : "s", r->completions,
			     r->completions == 1 ? "" : "s");
	return CTL_EXIT_OK;
}

/* erase-employee --db: straight in PostgreSQL, printed as the daemon's
 * answer would be. */
static int ctl_write_erase_db(struct ctl_cli *cli, const char *id)
{
	Pathways__V1__EraseEmployeeResponse r =
		PATHWAYS__V1__ERASE_EMPLOYEE_RESPONSE__INIT;
	char err[CTL_WRITE_ERRLEN] = "";
	unsigned na = 0, nc = 0;
	bool erased = false;
	PGconn *db = NULL;
	struct ctl_json j;
	int rc, status;

	status = ctl_admin_connect(cli, &db);
	if (status)
		return status;
	rc = erase_employee(db, id, &erased, &na, &nc, err, sizeof(err));
	PQfinish(db);
	if (rc < 0)
		return ctl_cli_error(cli, "%s: %s", cli->cmd->name,
				     err[0] ? err : strerror(-rc));
	r.erased = erased;
	r.assessments = na;
	r.completions = nc;
	if (!cli->json)
		return ctl_write_print_erase(cli, &r.base, id);
	ctl_json_init(&j, cli->out, true);
	ctl_json_message(&j, &r.base);
	ctl_json_finish(&j);
	return CTL_EXIT_OK;
}

int ctl_write_erase(struct ctl_cli *cli, int argc, char **argv)
{
	Pathways__V1__EraseEmployeeRequest req =
		PATHWAYS__V1__ERASE_EMPLOYEE_REQUEST__INIT;
	int status;

	if (ctl_cli_operands(cli, argc, argv, 1, 1, &status) < 0)
		return status;
	if (!argv[optind][0])
		return ctl_cli_usage_error(cli, "the employee ID is empty");
	if (cli->db_given && cli->endpoints_given)
		return ctl_cli_usage_error(cli, "give --db (straight in "
					   "PostgreSQL) or --endpoint "
					   "(through the daemon), not both");
	if (cli->db_given)
		return ctl_write_erase_db(cli, argv[optind]);
	ctl_cli_write_timeout(cli);
	req.employee_id = argv[optind];
	return ctl_cli_rpc(cli, "EraseEmployee", &req.base,
			   ctl_write_print_erase, argv[optind]);
}
