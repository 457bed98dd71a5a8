/* ctl_admin: the pathwaysctl commands that work on the database directly
 * (--db or $PATHWAYS_DB), through client/admin/: migrate, import, export.
 * Each is a struct ctl_cmd run function: see ctl_cli.h. */
#ifndef PATHWAYS_CTL_ADMIN_H
#define PATHWAYS_CTL_ADMIN_H

#include <libpq-fe.h>

#include "ctl_cli.h"

int ctl_admin_migrate(struct ctl_cli *cli, int argc, char **argv);
int ctl_admin_import(struct ctl_cli *cli, int argc, char **argv);
int ctl_admin_export(struct ctl_cli *cli, int argc, char **argv);

/* Connect to cli->db. Returns 0 with *out (the caller PQfinish()es it), or
 * the exit status after printing why (no --db nor $PATHWAYS_DB: 2). The
 * conninfo is never printed: it may hold a password. */
int ctl_admin_connect(struct ctl_cli *cli, PGconn **out);

#endif /* PATHWAYS_CTL_ADMIN_H */
