/* Per-method counters and latency quantiles. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "metrics.h"

static struct metrics_method *fresh(void)
{
	struct metrics_method *m = calloc(1, sizeof(*m));

	cr_assert_not_null(m);
	return m;
}

Test(metrics, no_calls_has_quantile_zero)
{
	struct metrics_method *m = fresh();

	cr_assert_eq(metrics_quantile(m, 0.5), 0);
	cr_assert_eq(metrics_quantile(m, 0.99), 0);
	free(m);
}

Test(metrics, calls_errors_and_the_maximum_are_counted)
{
	struct metrics_method *m = fresh();

	metrics_record(m, 10, 0);
	metrics_record(m, 500, 1);
	metrics_record(m, 20, 0);
	cr_assert_eq(atomic_load(&m->calls), 3);
	cr_assert_eq(atomic_load(&m->errors), 1);
	cr_assert_eq(atomic_load(&m->max_us), 500);
	free(m);
}

Test(metrics, small_values_are_exact)
{
	struct metrics_method *m = fresh();

	for (uint64_t us = 0; us < 8; us++)
		metrics_record(m, us, 0);
	/* eight calls, one per bucket 0..7: the median is the fifth */
	cr_assert_eq(metrics_quantile(m, 0.5), 4);
	cr_assert_eq(metrics_quantile(m, 0), 0);
	cr_assert_eq(metrics_quantile(m, 1), 7);
	free(m);
}

Test(metrics, a_quantile_is_its_bucket_top_within_an_eighth)
{
	struct metrics_method *m = fresh();
	uint64_t q;

	for (int i = 0; i < 99; i++)
		metrics_record(m, 1000, 0);
	metrics_record(m, 1000000, 0);
	q = metrics_quantile(m, 0.5);
	/* 1000 is in [960, 1023]: log2 bucket 512..1023, eighths of 64 */
	cr_assert_eq(q, 1023);
	cr_assert_geq(q, 1000);
	cr_assert_leq(q, 1000 + 1000 / 8);
	/* the top call is capped by the maximum seen, not its bucket's top */
	cr_assert_eq(metrics_quantile(m, 0.999), 1000000);
	free(m);
}

Test(metrics, the_quantile_never_exceeds_the_maximum)
{
	struct metrics_method *m = fresh();

	metrics_record(m, 1000, 0);
	cr_assert_eq(metrics_quantile(m, 0.5), 1000);
	free(m);
}

Test(metrics, huge_values_land_in_the_last_bucket)
{
	struct metrics_method *m = fresh();

	metrics_record(m, UINT64_MAX / 2, 0);
	cr_assert_eq(atomic_load(&m->hist[METRICS_BUCKETS - 1]), 1);
	cr_assert_eq(atomic_load(&m->max_us), UINT64_MAX / 2);
	/* the last bucket's top: 2^42 - 1 us, some 50 days */
	cr_assert_eq(metrics_quantile(m, 0.5), ((uint64_t)1 << 42) - 1);
	free(m);
}

Test(metrics, the_median_splits_two_groups)
{
	struct metrics_method *m = fresh();

	for (int i = 0; i < 60; i++)
		metrics_record(m, 3, 0);
	for (int i = 0; i < 40; i++)
		metrics_record(m, 5000, 0);
	cr_assert_eq(metrics_quantile(m, 0.5), 3);
	cr_assert_geq(metrics_quantile(m, 0.9), 5000);
	cr_assert_leq(metrics_quantile(m, 0.9), 5000);	/* the max caps it */
	free(m);
}

Test(metrics, fixed_buckets_take_each_call_at_its_upper_bound)
{
	struct metrics_method *m = fresh();

	metrics_record(m, 100, 0);	/* le 0.0001: bounds are inclusive */
	metrics_record(m, 101, 0);	/* le 0.00025 */
	metrics_record(m, 20000000, 0);	/* over 10 s: +Inf */
	cr_assert_eq(m->le[0], 1);
	cr_assert_eq(m->le[1], 1);
	cr_assert_eq(m->le[METRICS_LE_N], 1);
	cr_assert_eq(m->sum_us, 20000201);
	cr_assert_eq(metrics_le_us(0), 100);
	cr_assert_eq(metrics_le_us(METRICS_LE_N - 1), 10000000);
	for (unsigned i = 1; i < METRICS_LE_N; i++)
		cr_assert_gt(metrics_le_us(i), metrics_le_us(i - 1));
	free(m);
}

Test(metrics, codes_are_counted_and_strange_ones_are_unknown)
{
	struct metrics_method *m = fresh();

	metrics_code(m, 0);
	metrics_code(m, 5);
	metrics_code(m, 5);
	metrics_code(m, 99);
	metrics_code(m, -1);
	cr_assert_eq(m->codes[0], 1);
	cr_assert_eq(m->codes[5], 2);
	cr_assert_eq(m->codes[2], 2);
	free(m);
}
