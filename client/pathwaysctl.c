/* pathwaysctl: the command line client of pathwaysd.
 *
 * main() parses the global options, finds the command in the table below
 * and runs it. To add a command: write its run function (ctl_cli.h says
 * how; ctl_query.c has examples) and add a line here.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_admin.h"
#include "ctl_cli.h"
#include "ctl_keys.h"
#include "ctl_map.h"
#include "ctl_ops.h"
#include "ctl_path.h"
#include "ctl_people.h"
#include "ctl_pipeline.h"
#include "ctl_query.h"
#include "ctl_trend.h"
#include "ctl_token.h"
#include "ctl_write.h"

static const struct ctl_cmd pathwaysctl_cmds[] = {
	{ "health", "",
	  "daemon status: snapshot, database, counts (exit 4: not serving)",
	  ctl_query_health },
	{ "roles", "[--track T] [--area A] [--grade G]",
	  "list roles (a track and a grade: its equivalents on every ladder)",
	  ctl_query_roles },
	{ "readiness", "EMPLOYEE... [--role R]... [--skip-unknown] [--estimates] "
		       "[--as-of DATE]",
	  "readiness of employees for roles (no --role: the roles one move "
	  "away; --as-of: with the levels they had then)",
	  ctl_query_readiness },
	{ "gap", "EMPLOYEE ROLE [--as-of DATE]",
	  "an employee's competency gap for a role (--as-of: the levels "
	  "they had then)",
	  ctl_query_gap },
	{ "trend", "EMPLOYEE [--role R]... [--since DATE] [--until DATE] "
		   "[--svg FILE] [--bands NOW,SOON,DEV]",
	  "an employee's readiness over time, a point per change, with a "
	  "sparkline per role (no --role: their role and the roles one move "
	  "away; --svg: draw it)",
	  ctl_trend_trend },
	{ "path", "(--from-role R | --from-employee E) --to R [--routes K] "
		  "[--max-steps N] [--kinds KIND,...] [--avoid R]... [--dot]",
	  "the cheapest routes to a role, step by step (KIND: promotion, "
	  "lateral, track_switch; --dot: Graphviz DOT)",
	  ctl_path_path },
	{ "explore", "(--from-role R | --from-employee E) [--max-steps N] "
		     "[--max-cost C] [--limit N]",
	  "the roles reachable from a role or an employee, cheapest first",
	  ctl_path_explore },
	{ "modules", "EMPLOYEE ROLE [--max-hours H] [--max-modules N]",
	  "the learning pathway that closes an employee's gap for a role",
	  ctl_people_modules },
	{ "mentors", "EMPLOYEE (--role R | --competency C) [--limit N]",
	  "colleagues who can mentor an employee towards a role or in a "
	  "competency",
	  ctl_people_mentors },
	{ "bench", "ROLE [--limit N] [--by ATTRIBUTE] [--min-readiness X] "
		   "[--successors]",
	  "the best candidates for a role, the bands of everyone considered "
	  "(--by: per value of an employee attribute; --successors: only "
	  "those no higher in grade)",
	  ctl_people_bench },
	{ "pipeline", "[--track T] [--area A] [--grade LO-HI] [--by ATTRIBUTE] "
		      "[--all] [--min-ready N] [--svg FILE]",
	  "every selected role's bench at once, thin roles first (--all: "
	  "everyone, not only successors; --svg: the grid as a picture)",
	  ctl_pipeline_run },
	{ "placement", "EMPLOYEE",
	  "per track, the grade an employee operates at and the next role",
	  ctl_people_placement },
	{ "audit", "",
	  "pressure-test the framework (exit status 1 when there are findings)",
	  ctl_ops_audit },
	{ "stats", "[--prometheus]",
	  "the daemon's counters and latencies (--prometheus: the Prometheus "
	  "text format)",
	  ctl_ops_stats },
	{ "map", "[--area A] [--employee E]",
	  "the framework as a Graphviz DOT graph (--employee: their role and "
	  "readiness)",
	  ctl_map_framework },
	{ "record-assessment", "(EMPLOYEE COMPETENCY LEVEL | --file F.csv) "
			       "[--source S] [--at T] [--all-or-nothing]",
	  "record assessed levels through the daemon (S: manager; T: now, "
	  "ISO 8601 or unix ms; F.csv: a bundle's assessments.csv columns)",
	  ctl_write_assessment },
	{ "record-completion", "(EMPLOYEE MODULE | --file F.csv) [--at T] "
			       "[--all-or-nothing]",
	  "record finished learning modules through the daemon (F.csv: a "
	  "bundle's completions.csv columns)",
	  ctl_write_completion },
	{ "erase-employee", "ID",
	  "delete an employee and everything recorded about them, through "
	  "the daemon (with --db: straight in the database)",
	  ctl_write_erase },
	{ "migrate", "",
	  "apply the database migrations (--db)",
	  ctl_admin_migrate },
	{ "import", "[--replace] DIR",
	  "load a framework bundle of CSV files in one transaction (--db)",
	  ctl_admin_import },
	{ "export", "DIR",
	  "write the database as a framework bundle of CSV files (--db)",
	  ctl_admin_export },
	{ "keygen", "[NAME] [--dir D] [--methods M,...] [--force]",
	  "make a CURVE key pair: NAME.key (secret) and NAME.pub (public; "
	  "--methods: what the key may call); NAME: client",
	  ctl_keys_keygen },
	{ "token", "NAME [--dir D] [--methods M,...] [--force]",
	  "make a bearer token for the HTTP door: D/NAME.token (its hash; "
	  "--methods: what it may call) and the token once on stdout",
	  ctl_token_token },
};

int main(int argc, char **argv)
{
	struct ctl_cli cli;
	int status = CTL_EXIT_ERROR, i;

	if (ctl_cli_init(&cli, stdout, stderr) < 0) {
		fputs("pathwaysctl: out of memory\n", stderr);
		return CTL_EXIT_ERROR;
	}
	cli.cmds = pathwaysctl_cmds;
	cli.ncmds = sizeof(pathwaysctl_cmds) / sizeof(pathwaysctl_cmds[0]);

	i = ctl_cli_parse_globals(&cli, argc, argv, &status);
	if (i < 0)
		goto out;
	if (i >= argc) {
		fputs("pathwaysctl: no command given\n", stderr);
		ctl_cli_usage(&cli, stderr);
		status = CTL_EXIT_USAGE;
		goto out;
	}
	for (size_t k = 0; k < cli.ncmds; k++)
		if (strcmp(argv[i], cli.cmds[k].name) == 0)
			cli.cmd = &cli.cmds[k];
	if (!cli.cmd) {
		fprintf(stderr, "pathwaysctl: unknown command '%s'\n", argv[i]);
		ctl_cli_usage(&cli, stderr);
		status = CTL_EXIT_USAGE;
		goto out;
	}
	status = cli.cmd->run(&cli, argc - i, argv + i);
	if (cli.lost_output && status == CTL_EXIT_OK)
		status = CTL_EXIT_ERROR;
out:
	ctl_cli_fini(&cli);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fputs("pathwaysctl: cannot write the output\n", stderr);
		if (status == CTL_EXIT_OK)
			status = CTL_EXIT_ERROR;
	}
	return status;
}
