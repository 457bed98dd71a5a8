/* ctl_path: the pathwaysctl commands about moves between roles, path and
 * explore (struct ctl_cmd run functions: see ctl_cli.h), and the text of
 * path's staircase.
 *
 * A route prints as a header line and one line per step:
 *   route 1: cost 24, ~66 months, 3 steps
 *     ops-ic-2 ──promotion──▶ ops-ic-3   cost 9  ~24 months   grow: ...
 * with the columns of a route's steps aligned.
 */
#ifndef PATHWAYS_CTL_PATH_H
#define PATHWAYS_CTL_PATH_H

#include "ctl_cli.h"

int ctl_path_path(struct ctl_cli *cli, int argc, char **argv);
int ctl_path_explore(struct ctl_cli *cli, int argc, char **argv);

/* Column widths (characters) of a route's step lines. */
struct ctl_path_widths {
	size_t move;			/* "a ──kind──▶ b" */
	size_t cost;			/* "cost 9" */
	size_t months;			/* "~24 months" */
};

/* The widths that align every step of r. */
void ctl_path_widths(const Pathways__V1__Route *r, struct ctl_path_widths *w);

/* The staircase line of one step, padded to w (NULL: no padding), without
 * a newline or trailing blanks. Returns a string the caller must free(),
 * or NULL when out of memory. */
char *ctl_path_step_line(const Pathways__V1__PathStep *s,
			 const struct ctl_path_widths *w);

/* The header line of route number num (from 1). As ctl_path_step_line(). */
char *ctl_path_route_line(const Pathways__V1__Route *r, size_t num);

#endif /* PATHWAYS_CTL_PATH_H */
