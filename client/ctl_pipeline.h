/* ctl_pipeline: `pathwaysctl pipeline` — every selected role's bench at
 * once (the Pipeline method), thin roles first, and with --svg a picture of
 * it: one cell per role in a grid of area/track rows by grade columns,
 * coloured by how many are ready, thin roles marked.
 *
 * The SVG writer is a pure function of the two replies (Pipeline, and
 * ListRoles for each role's place), so tests drive it without a daemon.
 * Every text in it is XML-escaped (ctl_pipeline_xml), so no data can end
 * an attribute or inject markup. */
#ifndef PATHWAYS_CTL_PIPELINE_H
#define PATHWAYS_CTL_PIPELINE_H

#include <stdio.h>

#include "ctl_cli.h"
#include "pathways/v1/pathways.pb-c.h"

int ctl_pipeline_run(struct ctl_cli *cli, int argc, char **argv);

/* Writes s to f with & < > " ' as entities and control characters as '?';
 * NULL as "". */
void ctl_pipeline_xml(FILE *f, const char *s);

/* Writes the picture of p to f; roles gives each role's track, area and
 * grade (a role of p it does not list is left out); min_ready is the
 * request's (0 → 2), for the colour scale. Returns 0 or -ENOMEM. */
int ctl_pipeline_svg(FILE *f, const Pathways__V1__PipelineResponse *p,
		     const Pathways__V1__ListRolesResponse *roles,
		     unsigned min_ready);

#endif /* PATHWAYS_CTL_PIPELINE_H */
