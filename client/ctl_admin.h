/* ctl_admin: the pathwaysctl commands that work on the database directly
 * (--db or $PATHWAYS_DB), through client/admin/. Each is a struct ctl_cmd
 * run function: see ctl_cli.h. */
#ifndef PATHWAYS_CTL_ADMIN_H
#define PATHWAYS_CTL_ADMIN_H

#include "ctl_cli.h"

int ctl_admin_migrate(struct ctl_cli *cli, int argc, char **argv);
int ctl_admin_import(struct ctl_cli *cli, int argc, char **argv);

#endif /* PATHWAYS_CTL_ADMIN_H */
