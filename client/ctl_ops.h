/* ctl_ops: the pathwaysctl commands for operators: audit (the framework's
 * findings; exit status 1 when there are any) and stats (the daemon's
 * counters, also in the Prometheus text format). Each is a struct ctl_cmd
 * run function: see ctl_cli.h. */
#ifndef PATHWAYS_CTL_OPS_H
#define PATHWAYS_CTL_OPS_H

#include "ctl_cli.h"

int ctl_ops_audit(struct ctl_cli *cli, int argc, char **argv);
int ctl_ops_stats(struct ctl_cli *cli, int argc, char **argv);

#endif /* PATHWAYS_CTL_OPS_H */
