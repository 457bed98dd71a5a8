/* ctl_trend: `pathwaysctl trend`, an employee's readiness for roles over
 * time (the daemon's Trend): a table of the points with a one-line
 * sparkline per role, and with --svg FILE a chart a manager can put into a
 * review — readiness as steps over time, the band thresholds as lines,
 * each change annotated with the levels that moved.
 *
 * The daemon does not send its band settings: the chart draws the
 * defaults (90, 70, 40) unless --bands says otherwise. */
#ifndef PATHWAYS_CTL_TREND_H
#define PATHWAYS_CTL_TREND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl_cli.h"

int ctl_trend_trend(struct ctl_cli *cli, int argc, char **argv);

/* One glyph per value (readiness 0..100, clamped) from ▁ to █, as UTF-8
 * into out (3 bytes a glyph and a NUL; values that do not fit are left
 * out). Returns out. */
char *ctl_trend_sparkline(const double *v, size_t n, char *out,
			  size_t outlen);

/* The band thresholds the chart draws: ready_now, ready_soon,
 * developing. */
struct ctl_trend_bands {
	double now, soon, developing;
};

/* Writes resp as an SVG document to f: one stepped line per series from
 * its first point to end_ms, the band thresholds as dashed lines, each
 * instant where a level changed numbered on the plot and listed under it
 * with what changed. employee names the chart. 0, -ENOMEM, or -EIO when
 * writing failed. */
int ctl_trend_svg(FILE *f, const Pathways__V1__TrendResponse *resp,
		  const char *employee, int64_t end_ms,
		  const struct ctl_trend_bands *bands);

#endif
