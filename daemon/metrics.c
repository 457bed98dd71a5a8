#include "metrics.h"

/* Prometheus' default buckets from 100 us to 10 s, in 1-2.5-5 steps */
static const uint64_t le_us[METRICS_LE_N] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

uint64_t metrics_le_us(unsigned i)
{
	return i < METRICS_LE_N ? le_us[i] : UINT64_MAX;
}

void metrics_code(struct metrics_method *m, int code)
{
	if (code < 0 || code >= METRICS_CODES)
		code = 2;
	atomic_fetch_add_explicit(&m->codes[code], 1, memory_order_relaxed);
}

static unsigned bucket_of(uint64_t us)
{
	unsigned log, sub;

	if (us < 8)
		return (unsigned)us;
	log = 63u - (unsigned)__builtin_clzll(us);	/* >= 3 */
	sub = (unsigned)(us >> (log - 3)) & 7u;
	if ((log - 2) * 8 + sub >= METRICS_BUCKETS)
		return METRICS_BUCKETS - 1;
	return (log - 2) * 8 + sub;
}

/* the largest value that falls in bucket b */
static uint64_t bucket_top(unsigned b)
{
	unsigned log, sub;

	if (b < 8)
		return b;
	log = b / 8 + 2;
	sub = b % 8;
	return ((uint64_t)(8 + sub + 1) << (log - 3)) - 1;
}

void metrics_record(struct metrics_method *m, uint64_t us, int failed)
{
	uint64_t max = atomic_load_explicit(&m->max_us, memory_order_relaxed);
	unsigned le = 0;

	atomic_fetch_add_explicit(&m->calls, 1, memory_order_relaxed);
	if (failed)
		atomic_fetch_add_explicit(&m->errors, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->hist[bucket_of(us)], 1,
				  memory_order_relaxed);
	while (le < METRICS_LE_N && us > le_us[le])
		le++;
	atomic_fetch_add_explicit(&m->le[le], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us, us, memory_order_relaxed);
	while (us > max &&
	       !atomic_compare_exchange_weak_explicit(&m->max_us, &max, us,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

uint64_t metrics_quantile(const struct metrics_method *m, double q)
{
	uint64_t total = 0, seen = 0, rank, max;

	for (unsigned b = 0; b < METRICS_BUCKETS; b++)
		total += atomic_load_explicit(&m->hist[b], memory_order_relaxed);
	if (!total)
		return 0;
	rank = (uint64_t)(q * (double)total);
	if (rank >= total)
		rank = total - 1;
	max = atomic_load_explicit(&m->max_us, memory_order_relaxed);
	for (unsigned b = 0; b < METRICS_BUCKETS; b++) {
		seen += atomic_load_explicit(&m->hist[b], memory_order_relaxed);
		if (seen > rank)
			return bucket_top(b) < max ? bucket_top(b) : max;
	}
	return max;
}
