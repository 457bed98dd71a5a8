/* ctl_people: the pathwaysctl commands about people's development:
 * modules (a learning pathway), mentors, bench (succession) and placement.
 * Each is a struct ctl_cmd run function: see ctl_cli.h. */
#ifndef PATHWAYS_CTL_PEOPLE_H
#define PATHWAYS_CTL_PEOPLE_H

#include "ctl_cli.h"

int ctl_people_modules(struct ctl_cli *cli, int argc, char **argv);
int ctl_people_mentors(struct ctl_cli *cli, int argc, char **argv);
int ctl_people_bench(struct ctl_cli *cli, int argc, char **argv);
int ctl_people_placement(struct ctl_cli *cli, int argc, char **argv);

#endif /* PATHWAYS_CTL_PEOPLE_H */
