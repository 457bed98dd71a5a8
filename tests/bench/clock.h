/* clock: the monotonic clock in milliseconds, a process's CPU time, and
 * the comparison qsort needs to take percentiles of such times; shared by
 * the bench tools that time in ms (header only: each tool is one
 * executable).
 */
#ifndef PATHWAYS_BENCH_CLOCK_H
#define PATHWAYS_BENCH_CLOCK_H

#include <stdio.h>
#include <time.h>

static inline double clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of a single-threaded process (a PostgreSQL backend), ms, from
 * /proc/PID/schedstat: readable for other users' processes too; -1 if
 * unknown */
static inline double clock_cpu_ms(int pid)
{
	char path[64];
	unsigned long long run;
	double ms = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%llu", &run) == 1)
		ms = (double)run / 1e6;
	fclose(f);
	return ms;
}

/* qsort order of doubles, ascending */
static inline int clock_cmp_ms(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#endif
