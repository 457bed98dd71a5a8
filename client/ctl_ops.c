/* ctl_ops: see ctl_ops.h. */
#include "ctl_ops.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "ctl_fmt.h"
#include "ctl_prom.h"
#include "ctl_table.h"

/* ---- audit ---- */

/* Findings come sorted by kind (docs/methods.md, Audit): a heading per run of a kind. */
static int ctl_ops_print_audit(struct ctl_cli *cli, const ProtobufCMessage *m,
			       const void *arg)
{
	const Pathways__V1__AuditResponse *a = (const void *)m;

	if (a->n_findings == 0) {
		ctl_cli_line(cli, "no findings");
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < a->n_findings;) {
		const char *kind = a->findings[i]->kind;
		size_t end = i;

		while (end < a->n_findings &&
		       strcmp(a->findings[end]->kind, kind) == 0)
			end++;
		if (i)
			fputc('\n', cli->out);
		ctl_cli_line(cli, "%s (%zu)", kind, end - i);
		for (; i < end; i++) {
			const Pathways__V1__Finding *f = a->findings[i];

			if (f->detail[0])
				ctl_cli_line(cli, "  %s — %s", f->subject,
					     f->detail);
			else
				ctl_cli_line(cli, "  %s", f->subject);
		}
	}
	fputc('\n', cli->out);
	ctl_cli_line(cli, "%zu finding%s", a->n_findings,
		     a->n_findings == 1 ? "" : "s");
	return CTL_EXIT_OK;
}

static int ctl_ops_audit_status(const ProtobufCMessage *m)
{
	const Pathways__V1__AuditResponse *a = (const void *)m;

	return a->n_findings ? CTL_EXIT_FINDINGS : CTL_EXIT_OK;
}

int ctl_ops_audit(struct ctl_cli *cli, int argc, char **argv)
{
	Pathways__V1__AuditRequest req = PATHWAYS__V1__AUDIT_REQUEST__INIT;
	int status;

	if (ctl_cli_operands(cli, argc, argv, 0, 0, &status) < 0)
		return status;
	return ctl_cli_rpc_status(cli, "Audit", &req.base, ctl_ops_print_audit,
				  ctl_ops_audit_status, NULL);
}

/* ---- stats ---- */

static int ctl_ops_print_stats(struct ctl_cli *cli, const ProtobufCMessage *m,
			       const void *arg)
{
	static const char *const headers[] = {
		"METHOD", "CALLS", "ERRORS", "P50_US", "P99_US", "MAX_US",
	};
	const Pathways__V1__StatsResponse *s = (const void *)m;
	char up[CTL_FMT_DURATION_LEN];
	ctl_table_t *t = ctl_table_new(headers, 6);
	int status;

	if (!t)
		return ctl_cli_print_table(cli, &t);
	for (size_t col = 1; col < 6; col++)
		ctl_table_align_right(t, col);
	for (size_t i = 0; i < s->n_methods; i++) {
		const Pathways__V1__MethodStats *ms = s->methods[i];

		ctl_table_cell(t, "%s", ms->method);
		ctl_table_cell(t, "%" PRIu64, ms->calls);
		ctl_table_cell(t, "%" PRIu64, ms->errors);
		ctl_table_cell(t, "%" PRIu64, ms->p50_us);
		ctl_table_cell(t, "%" PRIu64, ms->p99_us);
		ctl_table_cell(t, "%" PRIu64, ms->max_us);
	}
	status = ctl_cli_print_table(cli, &t);
	if (status)
		return status;
	fprintf(cli->out,
		"\nuptime %s, reloads %" PRIu64 ", reload failures %" PRIu64
		", deltas %" PRIu64 "\n",
		ctl_fmt_duration(s->uptime_s, up), s->reloads,
		s->reload_failures, s->deltas);
	return CTL_EXIT_OK;
}

/* stats --prometheus: Stats and Health, printed only once both came. */
static int ctl_ops_prometheus(struct ctl_cli *cli)
{
	Pathways__V1__StatsRequest sreq = PATHWAYS__V1__STATS_REQUEST__INIT;
	Pathways__V1__HealthRequest hreq = PATHWAYS__V1__HEALTH_REQUEST__INIT;
	struct pw_reply s, h;
	struct timespec now;
	int status;

	status = ctl_cli_call(cli, "Stats", &sreq.base, &s);
	if (status)
		return status;
	status = ctl_cli_call(cli, "Health", &hreq.base, &h);
	if (status) {
		pw_reply_clear(&s);
		return status;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	ctl_prom_write(cli->out, (const void *)s.response,
		       (const void *)h.response,
		       (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	pw_reply_clear(&s);
	pw_reply_clear(&h);
	return CTL_EXIT_OK;
}

int ctl_ops_stats(struct ctl_cli *cli, int argc, char **argv)
{
	enum { OPT_PROMETHEUS = 1 };
	static const struct option opts[] = {
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		{ 0 },
	};
	Pathways__V1__StatsRequest req = PATHWAYS__V1__STATS_REQUEST__INIT;
	bool prometheus = false;
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		if (c != OPT_PROMETHEUS)
			return status;
		prometheus = true;
	}
	if (optind < argc)
		return ctl_cli_usage_error(cli, "unexpected argument '%s'",
					   argv[optind]);
	if (prometheus && cli->json)
		return ctl_cli_usage_error(cli, "--prometheus and --json do "
					   "not go together");
	if (prometheus)
		return ctl_ops_prometheus(cli);
	return ctl_cli_rpc(cli, "Stats", &req.base, ctl_ops_print_stats, NULL);
}
