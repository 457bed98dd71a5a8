/* metrics: per-method call counters and latency histograms, updated with
 * relaxed atomics from any thread, read by Stats. */
#ifndef PATHWAYS_METRICS_H
#define PATHWAYS_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

/* log2 buckets of microseconds with 8 linear sub-buckets each: about 12%
 * resolution from 1 us to over an hour. */
#define METRICS_BUCKETS (40 * 8)

struct metrics_method {
	atomic_uint_fast64_t calls, errors, max_us;
	atomic_uint_fast64_t hist[METRICS_BUCKETS];
};

/* Records one call that took us microseconds. */
void metrics_record(struct metrics_method *m, uint64_t us, int failed);
/* The q-quantile (0..1) in microseconds, the upper edge of its bucket,
 * capped by the maximum seen; 0 with no calls. */
uint64_t metrics_quantile(const struct metrics_method *m, double q);

#endif
