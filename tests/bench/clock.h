/* clock: the monotonic clock in milliseconds, and the comparison qsort
 * needs to take percentiles of such times; shared by the bench tools that
 * time in ms (header only: each tool is one executable).
 */
#ifndef PATHWAYS_BENCH_CLOCK_H
#define PATHWAYS_BENCH_CLOCK_H

#include <time.h>

static inline double clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* qsort order of doubles, ascending */
static inline int clock_cmp_ms(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#endif
