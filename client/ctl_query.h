/* ctl_query: the pathwaysctl commands that ask the daemon (read methods).
 * Each is a struct ctl_cmd run function: see ctl_cli.h. */
#ifndef PATHWAYS_CTL_QUERY_H
#define PATHWAYS_CTL_QUERY_H

#include "ctl_cli.h"

int ctl_query_health(struct ctl_cli *cli, int argc, char **argv);
int ctl_query_roles(struct ctl_cli *cli, int argc, char **argv);
int ctl_query_readiness(struct ctl_cli *cli, int argc, char **argv);
int ctl_query_gap(struct ctl_cli *cli, int argc, char **argv);

#endif /* PATHWAYS_CTL_QUERY_H */
