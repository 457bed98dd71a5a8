/* ctl_prom: the Prometheus text exposition format (version 0.0.4), for
 * `pathwaysctl stats --prometheus`: a file for node_exporter's textfile
 * collector, or any scraper of that format.
 *
 * A metric family is a "# HELP" and a "# TYPE" line, then its samples:
 *   pathwaysd_requests_total{method="Readiness"} 12
 * Label values escape '\\', '"' and newlines; HELP text '\\' and newlines.
 * Write errors stay in the FILE (check ferror()).
 */
#ifndef PATHWAYS_CTL_PROM_H
#define PATHWAYS_CTL_PROM_H

#include <stdint.h>
#include <stdio.h>

#include "pathways/v1/pathways.pb-c.h"

/* The HELP and TYPE lines of a family; type is "counter" or "gauge". */
void ctl_prom_family(FILE *f, const char *name, const char *type,
		     const char *help);

/* One sample. labels: NULL, or name/value pairs ending with NULL
 * ({ "method", "Gap", NULL }). Names are ours and written as they are;
 * values are escaped. */
void ctl_prom_u64(FILE *f, const char *name, const char *const *labels,
		  uint64_t v);
/* As ctl_prom_u64(); NaN and infinities as "NaN", "+Inf", "-Inf". */
void ctl_prom_double(FILE *f, const char *name, const char *const *labels,
		     double v);

/* Every metric of a Stats and a Health response; now_ms (Unix time in
 * milliseconds) gives the snapshot's age, left out when none is loaded. */
void ctl_prom_write(FILE *f, const Pathways__V1__StatsResponse *stats,
		    const Pathways__V1__HealthResponse *health, int64_t now_ms);

#endif /* PATHWAYS_CTL_PROM_H */
