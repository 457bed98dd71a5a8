/* http: GET /metrics, the Prometheus text exposition format (0.0.4).
 * Counters end in _total, durations are in seconds, latencies are
 * histograms with fixed buckets (metrics.h) so that they add up across
 * daemons. Labels carry method names, gRPC code names and status classes
 * only: never an employee, a key or anything a request carried. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "http_private.h"

static const char *const code_names[METRICS_CODES] = {
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
	"OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
	"DATA_LOSS", "UNAUTHENTICATED",
};

static void head(FILE *f, const char *name, const char *type,
		 const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(FILE *f, const char *name, const char *type,
		const char *help, double v)
{
	head(f, name, type, help);
	fprintf(f, "%s %.15g\n", name, v);
}

static uint64_t load(const atomic_uint_fast64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void requests(FILE *f, struct server *s)
{
	head(f, "pathwaysd_request_duration_seconds", "histogram",
	     "Time from a request's arrival to its reply, by method.");
	for (size_t i = 0; i < methods_count(); i++) {
		const struct metrics_method *m = &s->stats[i];
		const char *name = methods_at(i)->name;
		uint64_t cum = 0;

		for (unsigned b = 0; b < METRICS_LE_N; b++) {
			cum += load(&m->le[b]);
			fprintf(f, "pathwaysd_request_duration_seconds_bucket{method=\"%s\",le=\"%g\"} %" PRIu64 "\n",
				name, (double)metrics_le_us(b) / 1e6, cum);
		}
		cum += load(&m->le[METRICS_LE_N]);
		fprintf(f, "pathwaysd_request_duration_seconds_bucket{method=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
			name, cum);
		fprintf(f, "pathwaysd_request_duration_seconds_sum{method=\"%s\"} %.6f\n",
			name, (double)load(&m->sum_us) / 1e6);
		fprintf(f, "pathwaysd_request_duration_seconds_count{method=\"%s\"} %" PRIu64 "\n",
			name, cum);
	}
	head(f, "pathwaysd_requests_total", "counter",
	     "Requests answered, by method and gRPC code.");
	for (size_t i = 0; i < methods_count(); i++)
		for (unsigned c = 0; c < METRICS_CODES; c++) {
			uint64_t n = load(&s->stats[i].codes[c]);

			if (n)
				fprintf(f, "pathwaysd_requests_total{method=\"%s\",code=\"%s\"} %" PRIu64 "\n",
					methods_at(i)->name, code_names[c], n);
		}
}

static void door(FILE *f, struct http *h)
{
	head(f, "pathwaysd_http_responses_total", "counter",
	     "HTTP responses of the side door, by status class.");
	for (unsigned c = 1; c <= 5; c++)
		fprintf(f, "pathwaysd_http_responses_total{class=\"%uxx\"} %" PRIu64 "\n",
			c, load(&h->responses[c]));
	head(f, "pathwaysd_xapi_statements_total", "counter",
	     "xAPI statements received: recorded, ignored (not a completion), repeated (an id seen before).");
	fprintf(f, "pathwaysd_xapi_statements_total{outcome=\"recorded\"} %" PRIu64 "\n",
		load(&h->xapi_used));
	fprintf(f, "pathwaysd_xapi_statements_total{outcome=\"ignored\"} %" PRIu64 "\n",
		load(&h->xapi_ignored));
	fprintf(f, "pathwaysd_xapi_statements_total{outcome=\"repeated\"} %" PRIu64 "\n",
		load(&h->xapi_repeated));
}

int http_metrics_text(struct server *s, struct http *h, char **out,
		      size_t *len)
{
	graph_t *g = graph_slot_acquire(&s->slot, SERVER_READER_HTTP);
	struct loader_stats ls = { 0 };
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int64_t now_ms = (int64_t)time(NULL) * 1000;

	if (!f) {
		graph_unref(&g);
		return -ENOMEM;
	}
	if (s->loader)
		loader_get_stats(s->loader, &ls);
	head(f, "pathwaysd_build_info", "gauge",
	     "The running build: always 1, its version in a label.");
	fprintf(f, "pathwaysd_build_info{version=\"%s\"} 1\n", PATHWAYS_VERSION);
	one(f, "pathwaysd_uptime_seconds", "gauge", "Seconds since the start.",
	    (double)(server_mono_us() - s->started_us) / 1e6);
	one(f, "pathwaysd_snapshot_loaded", "gauge",
	    "1 when a snapshot is loaded (the daemon serves), else 0.",
	    g ? 1 : 0);
	one(f, "pathwaysd_snapshot_version", "gauge",
	    "Version of the snapshot answering (0: none).",
	    g ? (double)g->version : 0);
	one(f, "pathwaysd_snapshot_age_seconds", "gauge",
	    "Seconds since the answering snapshot was loaded (0: none).",
	    g ? (double)(now_ms - g->loaded_unix_ms) / 1e3 : 0);
	one(f, "pathwaysd_database_connected", "gauge",
	    "1 while the loader's database connection is up.",
	    ls.connected ? 1 : 0);
	one(f, "pathwaysd_schema_version", "gauge",
	    "The database's schema version (0: unknown).", ls.schema_version);
	one(f, "pathwaysd_reloads_total", "counter", "Full loads done.",
	    (double)ls.reloads);
	one(f, "pathwaysd_reload_failures_total", "counter",
	    "Loads that failed.", (double)ls.reload_failures);
	one(f, "pathwaysd_deltas_total", "counter",
	    "Employee-scoped changes applied as copy-on-write deltas.",
	    (double)ls.deltas);
	/* the frontend's own counters: read without its lock, a gauge may
	 * be a request behind */
	one(f, "pathwaysd_requests_in_flight", "gauge",
	    "Requests handed to workers or queued for them.",
	    (double)(__atomic_load_n(&s->busy_n, __ATOMIC_RELAXED) +
		     __atomic_load_n(&s->pending_n, __ATOMIC_RELAXED)));
	one(f, "pathwaysd_write_queue", "gauge",
	    "Writes waiting for the writer thread.",
	    (double)__atomic_load_n(&s->wq_n, __ATOMIC_RELAXED));
	requests(f, s);
	door(f, h);
	graph_unref(&g);
	if (fclose(f) || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*len = n;
	return 0;
}
