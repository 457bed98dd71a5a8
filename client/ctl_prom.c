/* ctl_prom: see ctl_prom.h. */
#include "ctl_prom.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>

#include "ctl_json.h"
#include "lsn.h"

/* s with '\\' and newlines escaped, and '"' too when quote is set. */
static void ctl_prom_escaped(FILE *f, const char *s, int quote)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void ctl_prom_family(FILE *f, const char *name, const char *type,
		     const char *help)
{
	fprintf(f, "# HELP %s ", name);
	ctl_prom_escaped(f, help, 0);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void ctl_prom_name(FILE *f, const char *name, const char *const *labels)
{
	fputs(name, f);
	if (!labels || !labels[0])
		return;
	fputc('{', f);
	for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
		fprintf(f, "%s%s=\"", i ? "," : "", labels[i]);
		ctl_prom_escaped(f, labels[i + 1], 1);
		fputc('"', f);
	}
	fputc('}', f);
}

void ctl_prom_u64(FILE *f, const char *name, const char *const *labels,
		  uint64_t v)
{
	ctl_prom_name(f, name, labels);
	fprintf(f, " %" PRIu64 "\n", v);
}

void ctl_prom_double(FILE *f, const char *name, const char *const *labels,
		     double v)
{
	char buf[CTL_JSON_DOUBLE_LEN];

	ctl_prom_name(f, name, labels);
	if (isnan(v))
		fputs(" NaN\n", f);
	else if (isinf(v))
		fputs(v > 0 ? " +Inf\n" : " -Inf\n", f);
	else
		fprintf(f, " %s\n", ctl_json_format_double(v, buf));
}

/* A family with one sample of its own, no labels. */
static void ctl_prom_one(FILE *f, const char *name, const char *type,
			 const char *help, uint64_t v)
{
	ctl_prom_family(f, name, type, help);
	ctl_prom_u64(f, name, NULL, v);
}

typedef uint64_t ctl_prom_field_fn(const Pathways__V1__MethodStats *m);

/* A counter with one sample per method: field(method). */
static void ctl_prom_per_method(FILE *f, const Pathways__V1__StatsResponse *s,
				const char *name, const char *help,
				ctl_prom_field_fn *field)
{
	ctl_prom_family(f, name, "counter", help);
	for (size_t i = 0; i < s->n_methods; i++) {
		const Pathways__V1__MethodStats *m = s->methods[i];
		const char *labels[] = { "method", m->method, NULL };

		ctl_prom_u64(f, name, labels, field(m));
	}
}

static uint64_t ctl_prom_calls(const Pathways__V1__MethodStats *m)
{
	return m->calls;
}

static uint64_t ctl_prom_errors(const Pathways__V1__MethodStats *m)
{
	return m->errors;
}

/* an LSN's text ("16/B374D848") as a number of bytes; 0: none */
static uint64_t ctl_prom_lsn(const char *text)
{
	uint64_t v;

	return lsn_parse(text, &v) ? 0 : v;
}

void ctl_prom_write(FILE *f, const Pathways__V1__StatsResponse *s,
		    const Pathways__V1__HealthResponse *h, int64_t now_ms)
{
	static const char lat[] = "pathwaysd_request_latency_us";
	const char *schema_db[] = { "schema", "database", NULL };
	const char *schema_want[] = { "schema", "expected", NULL };
	const char *build[] = { "version", h->version, NULL };

	ctl_prom_per_method(f, s, "pathwaysd_requests_total",
			    "Requests answered, by method.", ctl_prom_calls);
	ctl_prom_per_method(f, s, "pathwaysd_request_errors_total",
			    "Requests answered with an error, by method.",
			    ctl_prom_errors);
	/* A gauge with quantile labels, as a summary would have: the daemon
	 * gives quantiles, not the sums and counts a summary needs. */
	ctl_prom_family(f, lat, "gauge",
			"Request latency in microseconds by method, quantiles "
			"since start (quantile 1 is the maximum).");
	for (size_t i = 0; i < s->n_methods; i++) {
		const Pathways__V1__MethodStats *m = s->methods[i];
		const char *q50[] = { "method", m->method, "quantile", "0.5",
				      NULL };
		const char *q99[] = { "method", m->method, "quantile", "0.99",
				      NULL };
		const char *qmax[] = { "method", m->method, "quantile", "1",
				       NULL };

		ctl_prom_u64(f, lat, q50, m->p50_us);
		ctl_prom_u64(f, lat, q99, m->p99_us);
		ctl_prom_u64(f, lat, qmax, m->max_us);
	}
	ctl_prom_one(f, "pathwaysd_uptime_seconds", "gauge",
		     "Seconds since the daemon started.", s->uptime_s);
	ctl_prom_one(f, "pathwaysd_reloads_total", "counter",
		     "Full snapshot loads from the database.", s->reloads);
	ctl_prom_one(f, "pathwaysd_reload_failures_total", "counter",
		     "Snapshot loads that failed (the last snapshot stayed).",
		     s->reload_failures);
	ctl_prom_one(f, "pathwaysd_deltas_total", "counter",
		     "Employee-scoped changes applied as deltas.", s->deltas);

	ctl_prom_one(f, "pathwaysd_serving", "gauge",
		     "1 when a snapshot is loaded and queries are answered.",
		     h->serving);
	ctl_prom_one(f, "pathwaysd_database_connected", "gauge",
		     "1 when the daemon is connected to PostgreSQL.",
		     h->database_connected);
	ctl_prom_one(f, "pathwaysd_snapshot_version", "gauge",
		     "Version of the snapshot being served.",
		     h->snapshot_version);
	ctl_prom_family(f, "pathwaysd_snapshot_age_seconds", "gauge",
			"Seconds since the snapshot being served was loaded.");
	if (h->snapshot_loaded_unix_ms > 0)
		ctl_prom_double(f, "pathwaysd_snapshot_age_seconds", NULL,
			(double)(now_ms - h->snapshot_loaded_unix_ms) / 1000.0);
	ctl_prom_one(f, "pathwaysd_employees", "gauge",
		     "Employees in the snapshot.", h->employees);
	ctl_prom_one(f, "pathwaysd_roles", "gauge", "Roles in the snapshot.",
		     h->roles);
	ctl_prom_one(f, "pathwaysd_assessments", "gauge",
		     "Assessment rows in the snapshot.", h->assessments);
	ctl_prom_family(f, "pathwaysd_schema_version", "gauge",
			"Schema version of the database (0 unknown) and the "
			"one the daemon expects.");
	ctl_prom_double(f, "pathwaysd_schema_version", schema_db,
			h->schema_version);
	ctl_prom_double(f, "pathwaysd_schema_version", schema_want,
			h->expected_schema_version);
	ctl_prom_one(f, "pathwaysd_loads_from_standby", "gauge",
		     "1 when the daemon loads from a hot standby.",
		     h->loads_from_standby);
	ctl_prom_family(f, "pathwaysd_snapshot_lsn_bytes", "gauge",
			"WAL position the snapshot reflects, in bytes.");
	if (ctl_prom_lsn(h->snapshot_lsn))
		ctl_prom_u64(f, "pathwaysd_snapshot_lsn_bytes", NULL,
			     ctl_prom_lsn(h->snapshot_lsn));
	ctl_prom_family(f, "pathwaysd_replay_lag_seconds", "gauge",
			"How far the standby's replay is behind what it "
			"received.");
	if (h->loads_from_standby && h->replay_lag_ms >= 0)
		ctl_prom_double(f, "pathwaysd_replay_lag_seconds", NULL,
				(double)h->replay_lag_ms / 1000.0);
	ctl_prom_family(f, "pathwaysd_build_info", "gauge",
			"Always 1; the daemon's version as a label.");
	ctl_prom_u64(f, "pathwaysd_build_info", build, 1);
}
