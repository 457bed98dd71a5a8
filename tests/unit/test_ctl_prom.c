/* The Prometheus text format of pathwaysctl stats --prometheus
 * (client/ctl_prom.c, compiled in). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.c"
#include "ctl_prom.c"

static char *buf;
static size_t len;
static FILE *f;

static void setup(void)
{
	buf = NULL;
	f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
}

static const char *output(void)
{
	fflush(f);
	return buf;
}

static void teardown(void)
{
	fclose(f);
	free(buf);
}

TestSuite(ctl_prom, .init = setup, .fini = teardown);

Test(ctl_prom, family_has_help_and_type_lines)
{
	ctl_prom_family(f, "pathwaysd_uptime_seconds", "gauge",
			"Seconds since start.");
	cr_assert_str_eq(output(),
		"# HELP pathwaysd_uptime_seconds Seconds since start.\n"
		"# TYPE pathwaysd_uptime_seconds gauge\n");
}

Test(ctl_prom, help_escapes_backslash_and_newline)
{
	ctl_prom_family(f, "m", "counter", "a\\b\nc \"q\"");
	cr_assert_str_eq(output(), "# HELP m a\\\\b\\nc \"q\"\n"
				   "# TYPE m counter\n");
}

Test(ctl_prom, samples_with_and_without_labels)
{
	const char *one[] = { "method", "Readiness", NULL };
	const char *two[] = { "method", "Gap", "quantile", "0.99", NULL };

	ctl_prom_u64(f, "pathwaysd_requests_total", one, 12);
	ctl_prom_u64(f, "pathwaysd_request_latency_us", two, 250);
	ctl_prom_u64(f, "pathwaysd_deltas_total", NULL, UINT64_MAX);
	cr_assert_str_eq(output(),
		"pathwaysd_requests_total{method=\"Readiness\"} 12\n"
		"pathwaysd_request_latency_us{method=\"Gap\",quantile=\"0.99\"} 250\n"
		"pathwaysd_deltas_total 18446744073709551615\n");
}

Test(ctl_prom, label_values_are_escaped)
{
	const char *labels[] = { "method", "a\"b\\c\nd", NULL };

	ctl_prom_u64(f, "m", labels, 1);
	cr_assert_str_eq(output(), "m{method=\"a\\\"b\\\\c\\nd\"} 1\n");
}

Test(ctl_prom, doubles_in_shortest_form_and_special_values)
{
	ctl_prom_double(f, "a", NULL, 1.5);
	ctl_prom_double(f, "b", NULL, 0.001);
	ctl_prom_double(f, "c", NULL, NAN);
	ctl_prom_double(f, "d", NULL, INFINITY);
	ctl_prom_double(f, "e", NULL, -INFINITY);
	cr_assert_str_eq(output(), "a 1.5\nb 0.001\nc NaN\nd +Inf\ne -Inf\n");
}

Test(ctl_prom, writes_every_metric_of_stats_and_health)
{
	Pathways__V1__StatsResponse s = PATHWAYS__V1__STATS_RESPONSE__INIT;
	Pathways__V1__HealthResponse h = PATHWAYS__V1__HEALTH_RESPONSE__INIT;
	Pathways__V1__MethodStats m = PATHWAYS__V1__METHOD_STATS__INIT;
	Pathways__V1__MethodStats *ms[] = { &m };
	const char *out;

	m.method = "Readiness";
	m.calls = 12;
	m.errors = 1;
	m.p50_us = 40;
	m.p99_us = 900;
	m.max_us = 1200;
	s.methods = ms;
	s.n_methods = 1;
	s.uptime_s = 3600;
	s.reloads = 2;
	s.deltas = 5;
	h.serving = true;
	h.database_connected = true;
	h.snapshot_version = 9;
	h.snapshot_loaded_unix_ms = 1000000;
	h.employees = 72;
	h.schema_version = 1;
	h.expected_schema_version = 1;
	h.version = "0.1.0";
	ctl_prom_write(f, &s, &h, 1002500);
	out = output();
	cr_assert_not_null(strstr(out,
		"# TYPE pathwaysd_requests_total counter\n"
		"pathwaysd_requests_total{method=\"Readiness\"} 12\n"));
	cr_assert_not_null(strstr(out,
		"pathwaysd_request_errors_total{method=\"Readiness\"} 1\n"));
	cr_assert_not_null(strstr(out,
		"pathwaysd_request_latency_us{method=\"Readiness\",quantile=\"0.5\"} 40\n"
		"pathwaysd_request_latency_us{method=\"Readiness\",quantile=\"0.99\"} 900\n"
		"pathwaysd_request_latency_us{method=\"Readiness\",quantile=\"1\"} 1200\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_uptime_seconds 3600\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_reloads_total 2\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_reload_failures_total 0\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_deltas_total 5\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_serving 1\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_database_connected 1\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_snapshot_version 9\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_snapshot_age_seconds 2.5\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_employees 72\n"));
	cr_assert_not_null(strstr(out,
		"\npathwaysd_build_info{version=\"0.1.0\"} 1\n"));
	cr_assert_str_eq(out + strlen(out) - 1, "\n");
}

Test(ctl_prom, no_snapshot_no_age_sample)
{
	Pathways__V1__StatsResponse s = PATHWAYS__V1__STATS_RESPONSE__INIT;
	Pathways__V1__HealthResponse h = PATHWAYS__V1__HEALTH_RESPONSE__INIT;
	const char *out;

	ctl_prom_write(f, &s, &h, 5000);
	out = output();
	cr_assert_not_null(strstr(out,
		"# TYPE pathwaysd_snapshot_age_seconds gauge\n# HELP"));
	cr_assert_not_null(strstr(out, "\npathwaysd_serving 0\n"));
}

Test(ctl_prom, replica_gauges_from_health)
{
	Pathways__V1__StatsResponse s = PATHWAYS__V1__STATS_RESPONSE__INIT;
	Pathways__V1__HealthResponse h = PATHWAYS__V1__HEALTH_RESPONSE__INIT;
	const char *out;

	h.loads_from_standby = true;
	h.snapshot_lsn = "1/2";
	h.replay_lag_ms = 1500;
	ctl_prom_write(f, &s, &h, 5000);
	out = output();
	cr_assert_not_null(strstr(out, "\npathwaysd_loads_from_standby 1\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_snapshot_lsn_bytes 4294967298\n"));
	cr_assert_not_null(strstr(out, "\npathwaysd_replay_lag_seconds 1.5\n"));
}
