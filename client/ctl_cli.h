/* ctl_cli: the plumbing every pathwaysctl command shares: global options,
 * option parsing, usage errors, calling the daemon and printing its reply.
 *
 * A command is a function run(cli, argc, argv) with argv[0] its name; it
 * returns the exit status (pathwaysctl(1)): CTL_EXIT_OK, CTL_EXIT_FINDINGS,
 * CTL_EXIT_USAGE (usage printed to stderr), CTL_EXIT_ERROR (the error
 * printed to stderr) or, from health alone, CTL_EXIT_NOT_SERVING. Adding one: a function, and a line in the table in
 * pathwaysctl.c. An RPC command builds its request and hands it to
 * ctl_cli_rpc() with a printer for the human form; --json comes free.
 */
#ifndef PATHWAYS_CTL_CLI_H
#define PATHWAYS_CTL_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libpathways.h"

enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FINDINGS = 1,
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_ERROR = 3,
	CTL_EXIT_NOT_SERVING = 4,	/* health: it answered, serves nothing */
};

#define CTL_CLI_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"
#define CTL_CLI_DEFAULT_TIMEOUT_MS 5000u
/* Writes wait longer: a batch commits, then its snapshot is published. */
#define CTL_CLI_WRITE_TIMEOUT_MS 60000u
#define CTL_CLI_MAX_OPTIONS 32

struct ctl_cli;

struct ctl_cmd {
	const char *name;
	const char *synopsis;		/* its arguments, for usage */
	const char *summary;		/* one line for --help */
	int (*run)(struct ctl_cli *cli, int argc, char **argv);
};

struct ctl_cli {
	const char *progname;
	const struct ctl_cmd *cmds;	/* every command, for --help */
	size_t ncmds;
	const struct ctl_cmd *cmd;	/* the command running, or NULL */
	/* Global options. Endpoints given with --endpoint replace the
	 * default ($PATHWAYS_ENDPOINT or CTL_CLI_DEFAULT_ENDPOINT). */
	const char **endpoints;
	size_t nendpoints;
	bool endpoints_given;
	bool json;
	unsigned timeout_ms;
	bool timeout_given;		/* --timeout, not the default */
	const char *db;			/* conninfo: may hold a secret */
	bool db_given;			/* --db, not $PATHWAYS_DB */
	/* CURVE: the daemon's public certificate or Z85 key, and this
	 * client's secret certificate (--server-key, --client-key, or
	 * $PATHWAYS_SERVER_KEY, $PATHWAYS_CLIENT_KEY); read on connecting. */
	const char *server_key;
	const char *client_key;
	const char *min_lsn;		/* --min-lsn: metadata min_lsn */
	pw_client_t *client;		/* connected on first use */
	FILE *out;
	FILE *err;
	bool in_getopt;
	bool lost_output;		/* a line was lost to out of memory */
	struct option opts[CTL_CLI_MAX_OPTIONS];
	char optstring[64];
};

/* Defaults from the environment. Returns 0 or -ENOMEM. */
int ctl_cli_init(struct ctl_cli *cli, FILE *out, FILE *err)
	__attribute__((warn_unused_result));
void ctl_cli_fini(struct ctl_cli *cli);

/* Print the program's usage, options and commands to f. */
void ctl_cli_usage(struct ctl_cli *cli, FILE *f);

/* Parse the global options before the command. Returns the index in argv
 * of the command name (argc when there is none), or -1 when the program
 * must stop with *status (--help, --version printed: 0; a bad option: 2). */
int ctl_cli_parse_globals(struct ctl_cli *cli, int argc, char **argv,
			  int *status);

/* getopt_long() for a command (argv[0] is its name): the global options
 * and --help are accepted too and handled here. opts ends with a zeroed
 * entry; each has flag NULL and a small positive val (1, 2, ...). Returns the val of the next command
 * option (its argument in optarg), 0 when the options are done (optind is
 * the first operand), or -1 when the command must stop with *status (its
 * --help printed: 0; a usage error printed: 2). Options and operands may
 * be mixed. */
int ctl_cli_getopt(struct ctl_cli *cli, int argc, char **argv,
		   const struct option *opts, int *status);

/* Print "pathwaysctl: CMD: <message>" and the command's usage line to
 * stderr; returns CTL_EXIT_USAGE. */
int ctl_cli_usage_error(struct ctl_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "pathwaysctl: <message>" to stderr; returns CTL_EXIT_ERROR. */
int ctl_cli_error(struct ctl_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse a decimal number in [min, max]; 0 or -EINVAL. */
int ctl_cli_parse_uint(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out) __attribute__((warn_unused_result));

/* Parse a finite decimal number ("12", "7.5") in [min, max]; 0 or -EINVAL. */
int ctl_cli_parse_double(const char *s, double min, double max, double *out)
	__attribute__((warn_unused_result));

/* The argument arg of the command option --name: a count from 1 (limits,
 * steps) or a number above 0 (costs, hours). Return 0 with *out set, or
 * CTL_EXIT_USAGE after printing "invalid --name 'arg'". */
int ctl_cli_opt_count(struct ctl_cli *cli, const char *name, const char *arg,
		      uint32_t *out) __attribute__((warn_unused_result));
int ctl_cli_opt_positive(struct ctl_cli *cli, const char *name,
			 const char *arg, double *out)
	__attribute__((warn_unused_result));

/* Append s (borrowed) to the array *v of *n strings, growing it; the caller
 * frees *v (not the strings). Returns 0 or -ENOMEM (*v and *n unchanged). */
int ctl_cli_strv_add(char ***v, size_t *n, char *s)
	__attribute__((warn_unused_result));

/* Parse the options of a command that has none of its own and check that
 * it got min to max operands. Returns 0 with optind at the first operand,
 * or -1 when the command must stop with *status (after --help: 0; a usage
 * error printed: 2). */
int ctl_cli_operands(struct ctl_cli *cli, int argc, char **argv, int min,
		     int max, int *status);

/* Print one line of text (printf-style, the newline added) to cli->out
 * with control characters shown as '?', as tables do: data from the
 * daemon cannot move the cursor or recolour the terminal. Out of memory
 * loses the line and sets lost_output (main() then fails). */
void ctl_cli_line(struct ctl_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Call method with req. Returns 0 with an OK reply in *out (the caller
 * clears it), or the exit status after printing why on stderr: the
 * daemon's error ("pathwaysctl: NOT_FOUND: ..."), no reply in time, or a
 * local failure. */
int ctl_cli_call(struct ctl_cli *cli, const char *method,
		 const ProtobufCMessage *req, struct pw_reply *out);

/* Prints the human form of a response; returns the exit status. */
typedef int ctl_cli_print_fn(struct ctl_cli *cli, const ProtobufCMessage *resp,
			     const void *arg);

/* The exit status a response calls for whatever its form (audit: 1 when
 * it has findings). */
typedef int ctl_cli_status_fn(const ProtobufCMessage *resp);

/* Call, then print the response: as JSON with --json, else with
 * print(cli, response, arg). Returns the exit status. */
int ctl_cli_rpc(struct ctl_cli *cli, const char *method,
		const ProtobufCMessage *req, ctl_cli_print_fn *print,
		const void *arg);

/* Print a response as ctl_cli_rpc() does (for a command that also uses
 * it otherwise, after ctl_cli_call()). Returns the exit status. */
int ctl_cli_print_response(struct ctl_cli *cli, const ProtobufCMessage *resp,
			   ctl_cli_print_fn *print, const void *arg);

/* As ctl_cli_rpc(); once the response is printed without error in either
 * form, the exit status is status(response) (status may be NULL). */
int ctl_cli_rpc_status(struct ctl_cli *cli, const char *method,
		       const ProtobufCMessage *req, ctl_cli_print_fn *print,
		       ctl_cli_status_fn *status, const void *arg);

/* For a write: wait CTL_CLI_WRITE_TIMEOUT_MS for replies unless --timeout
 * said otherwise. */
void ctl_cli_write_timeout(struct ctl_cli *cli);

/* Print a table to cli->out and destroy it: returns 0 or CTL_EXIT_ERROR. */
struct ctl_table;
int ctl_cli_print_table(struct ctl_cli *cli, struct ctl_table **t);

/* The name of a Band or MoveKind value ("READY_NOW"), "?" if unknown. */
const char *ctl_cli_band_name(int band);
const char *ctl_cli_move_kind_name(int kind);

#endif /* PATHWAYS_CTL_CLI_H */
