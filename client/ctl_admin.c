/* ctl_admin: see ctl_admin.h. */
#include "ctl_admin.h"

#include <errno.h>
#include <string.h>

#include <libpq-fe.h>

#include "bundle.h"
#include "ctl_json.h"
#include "migrate.h"

#define CTL_ADMIN_ERRLEN 1024

int ctl_admin_connect(struct ctl_cli *cli, PGconn **out)
{
	PGconn *db;
	char *msg;
	size_t len;

	if (!cli->db || !*cli->db)
		return ctl_cli_usage_error(cli,
			"no database: give --db CONNINFO or set PATHWAYS_DB");
	db = PQconnectdb(cli->db);
	if (!db)
		return ctl_cli_error(cli, "%s: out of memory", cli->cmd->name);
	if (PQstatus(db) != CONNECTION_OK) {
		msg = PQerrorMessage(db);
		len = strlen(msg);
		while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
			len--;
		ctl_cli_error(cli, "%s: database: %.*s", cli->cmd->name,
			      (int)len, msg);
		PQfinish(db);
		return CTL_EXIT_ERROR;
	}
	*out = db;
	return 0;
}

/* Report a failed admin call: its own text, else the errno's. */
static int ctl_admin_failed(struct ctl_cli *cli, int rc, const char *err)
{
	return ctl_cli_error(cli, "%s: %s", cli->cmd->name,
			     err[0] ? err : strerror(rc < 0 ? -rc : EIO));
}

/* Options: none of their own, plus --replace for import (replace not
 * NULL). Returns 0 with optind at the first operand, or -1 when the command
 * must stop with *status (after --help: 0). */
static int ctl_admin_args(struct ctl_cli *cli, int argc, char **argv,
			  bool *replace, int noperands, int *status)
{
	enum { OPT_REPLACE = 1 };
	static const struct option with_replace[] = {
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ 0 },
	};
	static const struct option none[] = { { 0 } };
	const struct option *opts = replace ? with_replace : none;
	int c;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, status)) != 0) {
		if (c != OPT_REPLACE)
			return -1;
		*replace = true;
	}
	if (argc - optind < noperands) {
		*status = ctl_cli_usage_error(cli, "missing arguments");
		return -1;
	}
	if (argc - optind > noperands) {
		*status = ctl_cli_usage_error(cli, "unexpected argument '%s'",
					      argv[optind + noperands]);
		return -1;
	}
	return 0;
}

int ctl_admin_migrate(struct ctl_cli *cli, int argc, char **argv)
{
	char err[CTL_ADMIN_ERRLEN] = "";
	int applied = 0, version = 0, rc;
	PGconn *db = NULL;
	struct ctl_json j;
	int status;

	if (ctl_admin_args(cli, argc, argv, NULL, 0, &status) < 0)
		return status;
	status = ctl_admin_connect(cli, &db);
	if (status)
		return status;
	rc = migrate_apply(db, &applied, err, sizeof(err));
	if (rc < 0) {
		status = ctl_admin_failed(cli, rc, err);
		goto out;
	}
	rc = migrate_db_version(db, &version, err, sizeof(err));
	if (rc < 0) {
		status = ctl_admin_failed(cli, rc, err);
		goto out;
	}
	if (cli->json) {
		ctl_json_init(&j, cli->out, true);
		ctl_json_begin_object(&j);
		ctl_json_key(&j, "applied");
		ctl_json_int(&j, applied);
		ctl_json_key(&j, "schema_version");
		ctl_json_int(&j, version);
		ctl_json_end_object(&j);
		ctl_json_finish(&j);
	} else {
		fprintf(cli->out,
			"migrate: applied %d migration%s (schema version %d)\n",
			applied, applied == 1 ? "" : "s", version);
	}
out:
	PQfinish(db);
	return status;
}

/* "roles.csv" -> "roles" */
static int ctl_admin_table_len(const char *file)
{
	size_t len = strlen(file);

	if (len > 4 && strcmp(file + len - 4, ".csv") == 0)
		len -= 4;
	return (int)len;
}

/* The summary of an import or an export: "VERB: DIR: roles 12, ... rows",
 * or its JSON (with "replace" when replace is not NULL). */
static void ctl_admin_print_stats(struct ctl_cli *cli, const char *verb,
				  const char *dir, const bool *replace,
				  const struct bundle_stats *stats)
{
	size_t n = stats->nfiles;
	struct ctl_json j;

	if (n > sizeof(stats->files) / sizeof(stats->files[0]))
		n = sizeof(stats->files) / sizeof(stats->files[0]);
	if (cli->json) {
		ctl_json_init(&j, cli->out, true);
		ctl_json_begin_object(&j);
		ctl_json_key(&j, "dir");
		ctl_json_string(&j, dir);
		if (replace) {
			ctl_json_key(&j, "replace");
			ctl_json_bool(&j, *replace);
		}
		ctl_json_key(&j, "rows");
		ctl_json_begin_object(&j);
		for (size_t i = 0; i < n; i++) {
			const char *f = stats->files[i] ? stats->files[i] : "?";
			char key[128];

			snprintf(key, sizeof(key), "%.*s",
				 ctl_admin_table_len(f), f);
			ctl_json_key(&j, key);
			ctl_json_uint(&j, stats->rows[i]);
		}
		ctl_json_end_object(&j);
		ctl_json_end_object(&j);
		ctl_json_finish(&j);
		return;
	}
	fprintf(cli->out, "%s: %s:", verb, dir);
	for (size_t i = 0; i < n; i++) {
		const char *f = stats->files[i] ? stats->files[i] : "?";

		fprintf(cli->out, "%s %.*s %zu", i ? "," : "",
			ctl_admin_table_len(f), f, stats->rows[i]);
	}
	fprintf(cli->out, "%s rows\n", n ? "" : " no");
}

int ctl_admin_import(struct ctl_cli *cli, int argc, char **argv)
{
	char err[CTL_ADMIN_ERRLEN] = "";
	struct bundle_stats stats;
	bool replace = false;
	PGconn *db = NULL;
	const char *dir;
	int rc, status;

	if (ctl_admin_args(cli, argc, argv, &replace, 1, &status) < 0)
		return status;
	dir = argv[optind];
	status = ctl_admin_connect(cli, &db);
	if (status)
		return status;
	memset(&stats, 0, sizeof(stats));
	rc = bundle_import(db, dir, replace, &stats, err, sizeof(err));
	if (rc < 0)
		status = ctl_admin_failed(cli, rc, err);
	else
		ctl_admin_print_stats(cli, "import", dir, &replace, &stats);
	PQfinish(db);
	return status;
}

int ctl_admin_export(struct ctl_cli *cli, int argc, char **argv)
{
	char err[CTL_ADMIN_ERRLEN] = "";
	struct bundle_stats stats;
	PGconn *db = NULL;
	const char *dir;
	int rc, status;

	if (ctl_admin_args(cli, argc, argv, NULL, 1, &status) < 0)
		return status;
	dir = argv[optind];
	if (!dir[0])
		return ctl_cli_usage_error(cli, "DIR is empty");
	status = ctl_admin_connect(cli, &db);
	if (status)
		return status;
	memset(&stats, 0, sizeof(stats));
	rc = bundle_export(db, dir, &stats, err, sizeof(err));
	if (rc < 0)
		status = ctl_admin_failed(cli, rc, err);
	else
		ctl_admin_print_stats(cli, "export", dir, NULL, &stats);
	PQfinish(db);
	return status;
}
