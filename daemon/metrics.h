/* metrics: per-method call counters and latency histograms, updated with
 * relaxed atomics from any thread, read by Stats (quantiles from the fine
 * histogram) and by the HTTP door's /metrics (the fixed Prometheus
 * buckets, the sum, and the calls by gRPC code). */
#ifndef PATHWAYS_METRICS_H
#define PATHWAYS_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

/* log2 buckets of microseconds with 8 linear sub-buckets each: about 12%
 * resolution from 1 us to over an hour. */
#define METRICS_BUCKETS (40 * 8)

/* Fixed bucket bounds for Prometheus (metrics_le_us), the same in every
 * daemon so that histograms add up across them; one more bucket, +Inf. */
#define METRICS_LE_N 16
/* gRPC codes 0..16 */
#define METRICS_CODES 17

struct metrics_method {
	atomic_uint_fast64_t calls, errors, max_us;
	atomic_uint_fast64_t hist[METRICS_BUCKETS];
	atomic_uint_fast64_t sum_us;
	atomic_uint_fast64_t le[METRICS_LE_N + 1];	/* not cumulative */
	atomic_uint_fast64_t codes[METRICS_CODES];
};

/* Records one call that took us microseconds. */
void metrics_record(struct metrics_method *m, uint64_t us, int failed);
/* Counts one answer with gRPC code code (outside 0..16: as 2 UNKNOWN). */
void metrics_code(struct metrics_method *m, int code);
/* The upper bound of fixed bucket i (0 <= i < METRICS_LE_N), in us. */
uint64_t metrics_le_us(unsigned i);
/* The q-quantile (0..1) in microseconds, the upper edge of its bucket,
 * capped by the maximum seen; 0 with no calls. */
uint64_t metrics_quantile(const struct metrics_method *m, double q);

#endif
