/* ctl_cli: see ctl_cli.h. */
#include "ctl_cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.h"
#include "ctl_keys.h"
#include "ctl_table.h"

#define CTL_OPT_DB 0x100
#define CTL_OPT_SERVER_KEY 0x101
#define CTL_OPT_CLIENT_KEY 0x102
#define CTL_OPT_MIN_LSN 0x103

static const struct option ctl_cli_global_opts[] = {
	{ "endpoint", required_argument, NULL, 'e' },
	{ "json", no_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 't' },
	{ "db", required_argument, NULL, CTL_OPT_DB },
	{ "server-key", required_argument, NULL, CTL_OPT_SERVER_KEY },
	{ "client-key", required_argument, NULL, CTL_OPT_CLIENT_KEY },
	{ "min-lsn", required_argument, NULL, CTL_OPT_MIN_LSN },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};

#define CTL_CLI_NGLOBAL \
	(sizeof(ctl_cli_global_opts) / sizeof(ctl_cli_global_opts[0]))

/* $name, or NULL when it is unset or empty. */
static const char *ctl_cli_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int ctl_cli_init(struct ctl_cli *cli, FILE *out, FILE *err)
{
	const char *env = getenv("PATHWAYS_ENDPOINT");

	memset(cli, 0, sizeof(*cli));
	cli->progname = "pathwaysctl";
	cli->out = out;
	cli->err = err;
	cli->timeout_ms = CTL_CLI_DEFAULT_TIMEOUT_MS;
	cli->db = getenv("PATHWAYS_DB");
	cli->server_key = ctl_cli_env("PATHWAYS_SERVER_KEY");
	cli->client_key = ctl_cli_env("PATHWAYS_CLIENT_KEY");
	cli->endpoints = malloc(sizeof(*cli->endpoints));
	if (!cli->endpoints)
		return -ENOMEM;
	cli->endpoints[0] = env && *env ? env : CTL_CLI_DEFAULT_ENDPOINT;
	cli->nendpoints = 1;
	return 0;
}

void ctl_cli_fini(struct ctl_cli *cli)
{
	pw_client_destroy(&cli->client);
	free(cli->endpoints);
	cli->endpoints = NULL;
	cli->nendpoints = 0;
}

static void ctl_cli_vprint(struct ctl_cli *cli, const char *fmt, va_list ap)
{
	fprintf(cli->err, "%s: ", cli->progname);
	if (cli->cmd)
		fprintf(cli->err, "%s: ", cli->cmd->name);
	vfprintf(cli->err, fmt, ap);
	fputc('\n', cli->err);
}

int ctl_cli_usage_error(struct ctl_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_cli_vprint(cli, fmt, ap);
	va_end(ap);
	if (cli->cmd)
		fprintf(cli->err, "usage: %s [OPTION]... %s%s%s\n",
			cli->progname, cli->cmd->name,
			cli->cmd->synopsis[0] ? " " : "", cli->cmd->synopsis);
	fprintf(cli->err, "Try '%s --help' for more information.\n",
		cli->progname);
	return CTL_EXIT_USAGE;
}

int ctl_cli_error(struct ctl_cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(cli->err, "%s: ", cli->progname);
	va_start(ap, fmt);
	vfprintf(cli->err, fmt, ap);
	va_end(ap);
	fputc('\n', cli->err);
	return CTL_EXIT_ERROR;
}

int ctl_cli_parse_uint(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int ctl_cli_parse_double(const char *s, double min, double max, double *out)
{
	double v;
	char *end;

	/* Digits only: no "inf", "nan", hex floats or leading blanks. */
	if (!s || !((*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return -EINVAL;
	for (const char *p = s; p < end; p++)
		if (*p == 'x' || *p == 'X')
			return -EINVAL;
	*out = v;
	return 0;
}

int ctl_cli_opt_count(struct ctl_cli *cli, const char *name, const char *arg,
		      uint32_t *out)
{
	unsigned long v;

	if (ctl_cli_parse_uint(arg, 1, UINT32_MAX, &v) < 0)
		return ctl_cli_usage_error(cli, "invalid --%s '%s' (a whole "
					   "number from 1)", name, arg);
	*out = (uint32_t)v;
	return 0;
}

int ctl_cli_opt_positive(struct ctl_cli *cli, const char *name,
			 const char *arg, double *out)
{
	double v;

	if (ctl_cli_parse_double(arg, 0, 1e300, &v) < 0 || v <= 0)
		return ctl_cli_usage_error(cli, "invalid --%s '%s' (a number "
					   "above 0)", name, arg);
	*out = v;
	return 0;
}

int ctl_cli_strv_add(char ***v, size_t *n, char *s)
{
	char **grown;

	if (*n >= SIZE_MAX / sizeof(**v) - 1)
		return -ENOMEM;
	grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = s;
	*v = grown;
	return 0;
}

void ctl_cli_line(struct ctl_cli *cli, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (len < 0) {
		if (!cli->lost_output)
			ctl_cli_error(cli, "out of memory");
		cli->lost_output = true;
		return;
	}
	for (unsigned char *p = (unsigned char *)line; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			*p = '?';
	fputs(line, cli->out);
	fputc('\n', cli->out);
	free(line);
}

/* ---- options ---- */

static int ctl_cli_add_endpoint(struct ctl_cli *cli, const char *e)
{
	const char **v;

	if (!cli->endpoints_given) {
		/* The first --endpoint replaces the default. */
		cli->endpoints_given = true;
		cli->nendpoints = 0;
	}
	v = realloc(cli->endpoints, (cli->nendpoints + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[cli->nendpoints++] = e;
	cli->endpoints = v;
	return 0;
}

/* Build the merged option table: the globals, then opts. */
static void ctl_cli_build_opts(struct ctl_cli *cli, const struct option *opts,
			       bool stop_at_operand)
{
	size_t n = 0;

	for (; n < CTL_CLI_NGLOBAL; n++)
		cli->opts[n] = ctl_cli_global_opts[n];
	for (size_t i = 0; opts && opts[i].name; i++) {
		/* A programmer error, caught by any test that runs it. */
		if (n + 1 >= CTL_CLI_MAX_OPTIONS)
			abort();
		cli->opts[n++] = opts[i];
	}
	memset(&cli->opts[n], 0, sizeof(cli->opts[n]));
	/* '+': stop at the command name; ':': report a missing argument. */
	snprintf(cli->optstring, sizeof(cli->optstring), "%s:e:jt:hV",
		 stop_at_operand ? "+" : "");
}

static void ctl_cli_version(struct ctl_cli *cli)
{
	fprintf(cli->out, "%s %s\n", cli->progname, PATHWAYS_VERSION);
}

static void ctl_cli_cmd_help(struct ctl_cli *cli)
{
	fprintf(cli->out, "usage: %s [OPTION]... %s%s%s\n%s\n",
		cli->progname, cli->cmd->name,
		cli->cmd->synopsis[0] ? " " : "", cli->cmd->synopsis,
		cli->cmd->summary);
}

/* The shared loop. Returns: > 0 a command option's val, 0 done, -1 stop
 * with *status, -2 top-level --help (the caller prints it). */
static int ctl_cli_next(struct ctl_cli *cli, int argc, char **argv,
			int *status)
{
	unsigned long v;
	int longindex, c;

	for (;;) {
		longindex = -1;
		opterr = 0;
		c = getopt_long(argc, argv, cli->optstring, cli->opts,
				&longindex);
		if (c == -1)
			return 0;
		if (longindex >= (int)CTL_CLI_NGLOBAL)
			return c;
		switch (c) {
		case 'e':
			if (ctl_cli_add_endpoint(cli, optarg) < 0) {
				*status = ctl_cli_error(cli, "out of memory");
				return -1;
			}
			break;
		case 'j':
			cli->json = true;
			break;
		case 't':
			if (ctl_cli_parse_uint(optarg, 1, 24UL * 3600 * 1000,
					       &v) < 0) {
				*status = ctl_cli_usage_error(cli,
					"invalid --timeout '%s' (milliseconds, 1 to 86400000)",
					optarg);
				return -1;
			}
			cli->timeout_ms = (unsigned)v;
			cli->timeout_given = true;
			break;
		case CTL_OPT_DB:
			cli->db = optarg;
			cli->db_given = true;
			break;
		case CTL_OPT_SERVER_KEY:
			cli->server_key = optarg;
			break;
		case CTL_OPT_CLIENT_KEY:
			cli->client_key = optarg;
			break;
		case CTL_OPT_MIN_LSN:
			cli->min_lsn = optarg;
			break;
		case 'h':
			return -2;
		case 'V':
			ctl_cli_version(cli);
			*status = CTL_EXIT_OK;
			return -1;
		case ':':
			*status = ctl_cli_usage_error(cli,
				"option '%s' needs an argument",
				argv[optind - 1]);
			return -1;
		default:
			if (optopt && optopt < 0x100 && longindex < 0)
				*status = ctl_cli_usage_error(cli,
					"unknown option '-%c'", optopt);
			else
				*status = ctl_cli_usage_error(cli,
					"unknown option '%s'",
					argv[optind - 1]);
			return -1;
		}
	}
}

void ctl_cli_usage(struct ctl_cli *cli, FILE *f)
{
	fprintf(f,
		"usage: %s [OPTION]... COMMAND [ARG]...\n"
		"Ask pathwaysd about career pathways; manage its database.\n"
		"\n"
		"Options (also accepted after COMMAND):\n"
		"  -e, --endpoint E   daemon endpoint, repeatable (default: $PATHWAYS_ENDPOINT\n"
		"                     or " CTL_CLI_DEFAULT_ENDPOINT ")\n"
		"  -j, --json         print the response as JSON\n"
		"  -t, --timeout MS   wait at most MS milliseconds for a reply (default %u;\n"
		"                     writes: %u)\n"
		"      --server-key FILE_OR_KEY\n"
		"                     CURVE: the daemon's public certificate (NAME.pub) or\n"
		"                     its 40-character Z85 public key\n"
		"                     (default: $PATHWAYS_SERVER_KEY)\n"
		"      --client-key FILE\n"
		"                     CURVE: this client's secret certificate (NAME.key);\n"
		"                     without it a throwaway key pair is used\n"
		"                     (default: $PATHWAYS_CLIENT_KEY)\n"
		"      --min-lsn LSN  answer from a snapshot at or past this WAL position\n"
		"                     (a write's commit_lsn): read-your-writes on any daemon\n"
		"      --db CONNINFO  PostgreSQL connection for migrate, import, export and\n"
		"                     erase-employee (default: $PATHWAYS_DB)\n"
		"  -h, --help         print this help (COMMAND --help: that command's)\n"
		"  -V, --version      print the version\n"
		"\n"
		"Commands:\n", cli->progname, CTL_CLI_DEFAULT_TIMEOUT_MS,
		CTL_CLI_WRITE_TIMEOUT_MS);
	for (size_t i = 0; i < cli->ncmds; i++)
		fprintf(f, "  %s%s%s\n      %s\n", cli->cmds[i].name,
			cli->cmds[i].synopsis[0] ? " " : "",
			cli->cmds[i].synopsis, cli->cmds[i].summary);
	fprintf(f,
		"\n"
		"Exit status: 0 success, 1 findings (audit), 2 usage error,\n"
		"3 an error from the daemon or the database, no reply in time, or a\n"
		"record that was not written (record-assessment, record-completion).\n");
}

int ctl_cli_parse_globals(struct ctl_cli *cli, int argc, char **argv,
			  int *status)
{
	int rc;

	ctl_cli_build_opts(cli, NULL, true);
	optind = 0;
	rc = ctl_cli_next(cli, argc, argv, status);
	if (rc == -2) {
		ctl_cli_usage(cli, cli->out);
		*status = CTL_EXIT_OK;
		return -1;
	}
	if (rc < 0)
		return -1;
	/* No command option is known here, so rc is 0. */
	return optind;
}

int ctl_cli_getopt(struct ctl_cli *cli, int argc, char **argv,
		   const struct option *opts, int *status)
{
	int rc;

	if (!cli->in_getopt) {
		ctl_cli_build_opts(cli, opts, false);
		/* optind 0 makes glibc start over: new argv, new options. */
		optind = 0;
		cli->in_getopt = true;
	}
	rc = ctl_cli_next(cli, argc, argv, status);
	if (rc == -2) {
		ctl_cli_cmd_help(cli);
		*status = CTL_EXIT_OK;
		rc = -1;
	}
	if (rc <= 0)
		cli->in_getopt = false;
	return rc;
}

/* ---- calls ---- */

/* The CURVE options of a new client from --server-key and --client-key,
 * into keys (the caller wipes it). Returns 0, or the exit status after
 * printing why: a key that cannot be used is the command line's fault. */
static int ctl_cli_curve(struct ctl_cli *cli, struct ctl_keys_curve *keys,
			 struct pw_options *opts)
{
	char err[CTL_KEYS_ERRLEN];
	int rc;

	if (!cli->server_key) {
		if (!cli->client_key)
			return 0;
		ctl_cli_error(cli, "--client-key needs --server-key (the "
			      "daemon's public certificate or key)");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_keys_load(cli->server_key, cli->client_key, keys, err,
			   sizeof(err));
	if (rc < 0) {
		ctl_cli_error(cli, "%s", err);
		return CTL_EXIT_USAGE;
	}
	opts->server_key = keys->server_key;
	if (cli->client_key) {
		opts->public_key = keys->public_key;
		opts->secret_key = keys->secret_key;
	}
	return 0;
}

static int ctl_cli_connect(struct ctl_cli *cli)
{
	struct ctl_keys_curve keys = { 0 };
	struct pw_options opts = { 0 };
	pw_client_t *probe = NULL;
	int rc;

	if (cli->client)
		return 0;
	rc = ctl_cli_curve(cli, &keys, &opts);
	if (rc != 0) {
		ctl_keys_wipe(&keys);
		return rc;
	}
	rc = pw_client_new_opts(cli->endpoints, cli->nendpoints, &opts,
				&cli->client);
	/* libzmq has copied the keys into the socket. */
	ctl_keys_wipe(&keys);
	if (rc == 0 && cli->min_lsn &&
	    pw_client_set_metadata(cli->client, "min_lsn", cli->min_lsn))
		return ctl_cli_error(cli, "out of memory");
	if (rc == 0)
		return 0;
	if (rc == -ENOTSUP)
		return ctl_cli_error(cli, "this libzmq has no CURVE support");
	if (rc != -EINVAL && rc != -EPROTONOSUPPORT)
		return ctl_cli_error(cli, "cannot create a client: %s",
				     strerror(-rc));
	/* Name the endpoint that is wrong. */
	for (size_t i = 0; i < cli->nendpoints; i++) {
		rc = pw_client_new(&cli->endpoints[i], 1, &probe);
		pw_client_destroy(&probe);
		if (rc < 0)
			return ctl_cli_usage_error(cli,
				"invalid endpoint '%s': %s", cli->endpoints[i],
				strerror(-rc));
	}
	return ctl_cli_usage_error(cli, "invalid endpoints: %s", strerror(-rc));
}

int ctl_cli_operands(struct ctl_cli *cli, int argc, char **argv, int min,
		     int max, int *status)
{
	static const struct option none[] = { { 0 } };
	int c;

	while ((c = ctl_cli_getopt(cli, argc, argv, none, status)) != 0)
		if (c < 0)
			return -1;
	if (argc - optind < min) {
		*status = ctl_cli_usage_error(cli, "missing arguments");
		return -1;
	}
	if (argc - optind > max) {
		*status = ctl_cli_usage_error(cli, "unexpected argument '%s'",
					      argv[optind + max]);
		return -1;
	}
	return 0;
}

static void ctl_cli_print_endpoints(struct ctl_cli *cli)
{
	for (size_t i = 0; i < cli->nendpoints; i++)
		fprintf(cli->err, "%s%s", i ? ", " : "", cli->endpoints[i]);
}

int ctl_cli_call(struct ctl_cli *cli, const char *method,
		 const ProtobufCMessage *req, struct pw_reply *out)
{
	struct pw_reply r;
	const char *name;
	int rc;

	rc = ctl_cli_connect(cli);
	if (rc != 0)
		return rc;
	rc = pw_call(cli->client, method, req, NULL, cli->timeout_ms, &r);
	if (rc == -ETIMEDOUT) {
		fprintf(cli->err, "%s: no reply from ", cli->progname);
		ctl_cli_print_endpoints(cli);
		fprintf(cli->err, " within %u ms\n", cli->timeout_ms);
		return CTL_EXIT_ERROR;
	}
	if (rc == -EPROTO)
		return ctl_cli_error(cli, "%s: the reply does not decode",
				     method);
	if (rc < 0)
		return ctl_cli_error(cli, "%s: %s", method, strerror(-rc));
	if (r.code != PW_CODE_OK) {
		name = pw_code_name(r.code);
		fprintf(cli->err, "%s: ", cli->progname);
		if (name)
			fputs(name, cli->err);
		else
			fprintf(cli->err, "CODE_%d", (int)r.code);
		if (r.message[0])
			fprintf(cli->err, ": %s", r.message);
		fputc('\n', cli->err);
		pw_reply_clear(&r);
		return CTL_EXIT_ERROR;
	}
	*out = r;
	return 0;
}

/* msg as the JSON document of --json. */
static void ctl_cli_print_json(struct ctl_cli *cli,
			       const ProtobufCMessage *msg)
{
	struct ctl_json j;

	ctl_json_init(&j, cli->out, true);
	ctl_json_message(&j, msg);
	ctl_json_finish(&j);
}

int ctl_cli_print_response(struct ctl_cli *cli, const ProtobufCMessage *resp,
			   ctl_cli_print_fn *print, const void *arg)
{
	if (!cli->json)
		return print(cli, resp, arg);
	ctl_cli_print_json(cli, resp);
	return CTL_EXIT_OK;
}

int ctl_cli_rpc_status(struct ctl_cli *cli, const char *method,
		       const ProtobufCMessage *req, ctl_cli_print_fn *print,
		       ctl_cli_status_fn *status_of, const void *arg)
{
	struct pw_reply r;
	int status;

	status = ctl_cli_call(cli, method, req, &r);
	if (status != 0)
		return status;
	status = ctl_cli_print_response(cli, r.response, print, arg);
	if (status == CTL_EXIT_OK && status_of)
		status = status_of(r.response);
	pw_reply_clear(&r);
	return status;
}

int ctl_cli_rpc(struct ctl_cli *cli, const char *method,
		const ProtobufCMessage *req, ctl_cli_print_fn *print,
		const void *arg)
{
	return ctl_cli_rpc_status(cli, method, req, print, NULL, arg);
}

void ctl_cli_write_timeout(struct ctl_cli *cli)
{
	if (!cli->timeout_given)
		cli->timeout_ms = CTL_CLI_WRITE_TIMEOUT_MS;
}

int ctl_cli_print_table(struct ctl_cli *cli, struct ctl_table **t)
{
	int rc;

	if (!*t)
		return ctl_cli_error(cli, "out of memory");
	rc = ctl_table_print(*t, cli->out);
	ctl_table_destroy(t);
	if (rc == -ENOMEM)
		return ctl_cli_error(cli, "out of memory");
	/* A write error is reported once, when main() flushes. */
	return CTL_EXIT_OK;
}

static const char *ctl_cli_enum_name(const ProtobufCEnumDescriptor *d, int v)
{
	const ProtobufCEnumValue *ev;

	ev = protobuf_c_enum_descriptor_get_value(d, v);

	return ev ? ev->name : "?";
}

const char *ctl_cli_band_name(int band)
{
	return ctl_cli_enum_name(&pathways__v1__band__descriptor, band);
}

const char *ctl_cli_move_kind_name(int kind)
{
	return ctl_cli_enum_name(&pathways__v1__move_kind__descriptor, kind);
}
