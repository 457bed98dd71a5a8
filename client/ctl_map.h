/* ctl_map: `pathwaysctl map`, the framework as a Graphviz DOT graph, and
 * the DOT form of `path --dot`. The layout is ctl_dot's.
 *
 * There is no method that lists moves, so map asks Explore (one step) from
 * every role for its neighbours, then Path (one step) for each move's kind
 * and months: 1 + roles + moves calls. No method returns an employee's
 * role either: map --employee finds it as the origin of a one-step Path
 * from the employee, else among the candidates of a Bench.
 */
#ifndef PATHWAYS_CTL_MAP_H
#define PATHWAYS_CTL_MAP_H

#include "ctl_cli.h"

/* The map command (a struct ctl_cmd run function: see ctl_cli.h). With
 * --json it prints what the graph is drawn from: {"roles": [RoleInfo...],
 * "moves": [{from_role, to_role, kind, typical_months, cost}...]} and with
 * --employee also "employee_id", "current_role" (null when unknown) and
 * "readiness" (the ReadinessResponse for every role of the map). */
int ctl_map_framework(struct ctl_cli *cli, int argc, char **argv);

/* Print the routes of p as DOT: the roles on them, laid out as map does
 * (one ListRoles call), each move labelled with its cost, months and the
 * routes that take it; the first route's origin and to_role framed.
 * title (borrowed) labels the graph. Returns the exit status. */
int ctl_map_routes(struct ctl_cli *cli, const Pathways__V1__PathResponse *p,
		   const char *title, const char *to_role);

#endif /* PATHWAYS_CTL_MAP_H */
