/* The daemon's settings (daemon/config.c): the INI file, every key's
 * range, errors naming FILE:LINE, flags over the file, empty = unset, and
 * the check that opens every path the config names. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "config.h"
#include "scratch.h"

static char err[4096];
static struct config cfg;

static void setup(void)
{
	scratch_init();
	config_init(&cfg);
}

static void teardown(void)
{
	config_free(&cfg);
	scratch_fini();
}

TestSuite(config, .init = setup, .fini = teardown, .timeout = 30);

/* Loads text as a fresh config file; the return code of config_load. */
static int load(const char *text)
{
	config_free(&cfg);
	config_init(&cfg);
	return config_load(&cfg, scratch_put("t.conf", "%s", text), err,
			   sizeof(err));
}

/* load() then config_validate(); the first failure's code. */
static int check(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int check(const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rc = load(text);
	if (rc)
		return rc;
	if (cfg.listen_n == 0)
		cr_assert_eq(config_set(&cfg, "server", "listen",
					CONFIG_DEFAULT_LISTEN, err,
					sizeof(err)), 0);
	return config_validate(&cfg, scratch_at("t.conf"), err, sizeof(err));
}

/* err starts with t.conf:line: and holds words */
static void names(int line, const char *words)
{
	char where[400];

	snprintf(where, sizeof(where), "%s:%d: ", scratch_at("t.conf"), line);
	cr_assert_eq(strncmp(err, where, strlen(where)), 0, "'%s' is not at "
		     "'%s'", err, where);
	cr_assert_neq(strstr(err, words), NULL, "'%s' lacks '%s'", err, words);
}

static const char *secret_certificate(const char *name)
{
	char pub[41], sec[41];

	cr_assert_eq(zmq_curve_keypair(pub, sec), 0);
	return scratch_put(name, "curve\n    public-key = \"%s\"\n"
		   "    secret-key = \"%s\"\n", pub, sec);
}

/* ---- parsing ---- */

Test(config, defaults)
{
	cr_assert_eq(cfg.listen_n, 0);
	cr_assert_eq(cfg.workers, 0);
	cr_assert_eq(cfg.max_request_bytes, 1024 * 1024);
	cr_assert_eq(cfg.shutdown_timeout_ms, 10000);
	cr_assert_eq(cfg.reload_debounce_ms, 50);
	cr_assert_eq(cfg.reconnect_max_ms, 30000);
	cr_assert_eq(cfg.log_level, LOG_LEVEL_INFO);
	cr_assert_not(cfg.allow_writes);
	cr_assert_not(cfg.allow_insecure);
	cr_assert(cfg.io_batch);
	cr_assert_null(cfg.conninfo);
	cr_assert_null(cfg.snapshot_path);
	cr_assert_null(cfg.curve_secret_key_file);
	cr_assert_null(cfg.allowed_clients_dir);
	cr_assert_null(cfg.access_log);
}

Test(config, reads_every_key)
{
	cr_assert_eq(load("# comment\n; comment\n\n"
			  "[server]\n"
			  "listen = tcp://127.0.0.1:6000\n"
			  "  listen=ipc:///tmp/x.sock  \n"
			  "workers = 4\n"
			  "max_request_bytes = 2M\n"
			  "allow_writes = yes\n"
			  "allow_insecure = on\n"
			  "shutdown_timeout_ms = 0\n"
			  "[database]\n"
			  "conninfo = host=/run/postgresql dbname=p\n"
			  "[cache]\n"
			  "snapshot_path = /var/lib/p/s.bin\n"
			  "reload_debounce_ms = 7\n"
			  "reconnect_max_ms = 100\n"
			  "[security]\n"
			  "curve_secret_key_file = /k\n"
			  "allowed_clients_dir = /c\n"
			  "[log]\n"
			  "level = debug\n"
			  "access_log = /a.log\n"), 0, "%s", err);
	cr_assert_eq(cfg.listen_n, 2);
	cr_assert_str_eq(cfg.listen[0], "tcp://127.0.0.1:6000");
	cr_assert_str_eq(cfg.listen[1], "ipc:///tmp/x.sock");
	cr_assert_eq(cfg.listen_line[0], 5);
	cr_assert_eq(cfg.listen_line[1], 6);
	cr_assert_eq(cfg.workers, 4);
	cr_assert_eq(cfg.max_request_bytes, 2 * 1024 * 1024);
	cr_assert(cfg.allow_writes);
	cr_assert(cfg.allow_insecure);
	cr_assert_eq(cfg.shutdown_timeout_ms, 0);
	cr_assert_str_eq(cfg.conninfo, "host=/run/postgresql dbname=p");
	cr_assert_str_eq(cfg.snapshot_path, "/var/lib/p/s.bin");
	cr_assert_eq(cfg.line.snapshot_path, 15);
	cr_assert_eq(cfg.reload_debounce_ms, 7);
	cr_assert_eq(cfg.reconnect_max_ms, 100);
	cr_assert_str_eq(cfg.curve_secret_key_file, "/k");
	cr_assert_eq(cfg.line.curve_secret_key_file, 19);
	cr_assert_str_eq(cfg.allowed_clients_dir, "/c");
	cr_assert_eq(cfg.line.allowed_clients_dir, 20);
	cr_assert_eq(cfg.log_level, LOG_LEVEL_DEBUG);
	cr_assert_str_eq(cfg.access_log, "/a.log");
	cr_assert_eq(cfg.line.access_log, 23);
}

Test(config, io_batch_can_be_turned_off)
{
	cr_assert_eq(load("[server]\nio_batch = false\n"), 0, "%s", err);
	cr_assert_not(cfg.io_batch);
	cr_assert_eq(load("[server]\nio_batch = true\n"), 0, "%s", err);
	cr_assert(cfg.io_batch);
}

/* Every key's accepted range, at and just past its bounds. */
Test(config, every_key_has_its_range)
{
	static const struct {
		const char *section, *key, *good, *bad;
	} cases[] = {
		{ "server", "workers", "0", "-1" },
		{ "server", "workers", "256", "257" },
		{ "server", "max_request_bytes", "1K", "1023" },
		{ "server", "max_request_bytes", "256MiB", "257M" },
		{ "server", "max_request_bytes", "1024", "1G" },
		{ "server", "max_request_bytes", "64kB", "12Q" },
		{ "server", "shutdown_timeout_ms", "600000", "600001" },
		{ "server", "allow_writes", "false", "maybe" },
		{ "server", "allow_writes", "1", "2" },
		{ "server", "allow_insecure", "off", "" },
		{ "server", "io_batch", "no", "batch" },
		{ "server", "listen", "tcp://[::1]:5", "127.0.0.1:5555" },
		{ "server", "listen", "inproc://x", "" },
		{ "cache", "reload_debounce_ms", "60000", "60001" },
		{ "cache", "reconnect_max_ms", "100", "99" },
		{ "cache", "reconnect_max_ms", "3600000", "3600001" },
		{ "cache", "reconnect_max_ms", "30000", "30s" },
		{ "log", "level", "err", "loud" },
		{ "log", "level", "notice", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(config_set(&cfg, cases[i].section, cases[i].key,
					cases[i].good, err, sizeof(err)), 0,
			     "%s = %s: %s", cases[i].key, cases[i].good, err);
		err[0] = '\0';
		cr_assert_eq(config_set(&cfg, cases[i].section, cases[i].key,
					cases[i].bad, err, sizeof(err)),
			     -EINVAL, "%s = %s accepted", cases[i].key,
			     cases[i].bad);
		cr_assert_neq(err[0], '\0');
	}
	cr_assert_eq(config_set(&cfg, "server", "nope", "1", err, sizeof(err)),
		     -EINVAL);
	cr_assert_neq(strstr(err, "unknown key \"nope\" in [server]"), NULL,
		      "%s", err);
}

Test(config, at_most_sixteen_listen_endpoints)
{
	for (int i = 0; i < CONFIG_MAX_LISTEN; i++)
		cr_assert_eq(config_set(&cfg, "server", "listen",
					"tcp://127.0.0.1:1", err,
					sizeof(err)), 0);
	cr_assert_eq(config_set(&cfg, "server", "listen", "tcp://127.0.0.1:1",
				err, sizeof(err)), -EINVAL);
}

Test(config, errors_name_file_and_line)
{
	static const struct {
		const char *text;
		int line;
		const char *words;
	} cases[] = {
		{ "[server]\n# c\nbogus = 1\n", 3, "unknown key \"bogus\"" },
		{ "[database]\nconninfo = x\n\n[nope]\n", 4,
		  "unknown section [nope]" },
		{ "[server]\nworkers = many\n", 2, "whole number" },
		{ "[cache]\nreconnect_max_ms = 5\n", 2, "from 100 to" },
		{ "[server]\nmax_request_bytes = 12Q\n", 2, "size" },
		{ "; c\n[server]\nallow_writes = maybe\n", 3, "true or false" },
		{ "[log]\nlevel = loud\n", 2, "info" },
		{ "[server]\nlisten = 127.0.0.1:5555\n", 2, "endpoint" },
		{ "[server]\nworkers 4\n", 2, "key = value" },
		{ "[server]\n[cache\n", 2, "malformed section" },
		{ "[server]\n[cache] x\n", 2, "malformed section" },
		{ "# c\nworkers = 4\n[server]\n", 2, "outside of a [section]" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(load(cases[i].text), -EINVAL, "%s",
			     cases[i].text);
		names(cases[i].line, cases[i].words);
	}
}

Test(config, a_line_too_long_is_an_error)
{
	static char text[5000];

	memset(text, 'x', sizeof(text) - 1);
	memcpy(text, "[server]\n#", 10);
	cr_assert_eq(load(text), -EINVAL);
	names(2, "line too long");
}

Test(config, a_missing_file_is_named)
{
	cr_assert_eq(config_load(&cfg, scratch_at("none.conf"), err,
				 sizeof(err)),
		     -ENOENT);
	cr_assert_neq(strstr(err, "none.conf"), NULL, "%s", err);
}

/* ---- empty = unset ---- */

Test(config, an_empty_optional_path_is_unset)
{
	cr_assert_eq(check("[database]\nconninfo = x\n"
			   "[cache]\nsnapshot_path =\n"
			   "[security]\ncurve_secret_key_file =\n"
			   "allowed_clients_dir = \n"
			   "[log]\naccess_log =\n"), 0, "%s", err);
	cr_assert_null(cfg.snapshot_path);
	cr_assert_null(cfg.curve_secret_key_file);
	cr_assert_null(cfg.allowed_clients_dir);
	cr_assert_null(cfg.access_log);
	/* a later empty line unsets what an earlier one set */
	cr_assert_eq(load("[log]\naccess_log = /x.log\naccess_log =\n"), 0);
	cr_assert_null(cfg.access_log);
	cr_assert_eq(cfg.line.access_log, 0);
	/* and so does an empty flag */
	cr_assert_eq(config_override(&cfg, "cache", "snapshot_path", "/s.bin",
				     err, sizeof(err)), 0);
	cr_assert_eq(config_override(&cfg, "cache", "snapshot_path", "", err,
				     sizeof(err)), 0);
	cr_assert_null(cfg.snapshot_path);
}

/* ---- flags and reloads ---- */

Test(config, flags_are_applied_again_over_a_reread_file)
{
	const char *path = scratch_put("r.conf", "[server]\nworkers = 2\n"
			       "listen = tcp://127.0.0.1:7000\n"
			       "[database]\nconninfo = file\n");
	struct config nc;

	cr_assert_eq(config_load(&cfg, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_override(&cfg, "database", "conninfo", "flag", err,
				     sizeof(err)), 0);
	cr_assert_eq(config_override(&cfg, "server", "listen",
				     "tcp://127.0.0.1:8000", err,
				     sizeof(err)), 0);
	/* a flag's listen replaces the file's list */
	cr_assert_eq(cfg.listen_n, 1);
	cr_assert_str_eq(cfg.listen[0], "tcp://127.0.0.1:8000");
	scratch_put("r.conf",
		    "[server]\nworkers = 3\n[database]\nconninfo = new\n");
	cr_assert_eq(config_reread(&cfg, path, &nc, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(nc.workers, 3);
	cr_assert_str_eq(nc.conninfo, "flag");
	cr_assert_eq(nc.listen_n, 1);
	cr_assert_str_eq(nc.listen[0], "tcp://127.0.0.1:8000");
	config_free(&nc);
	/* a reread that fails leaves nothing behind */
	scratch_put("r.conf", "[server]\nworkers = lots\n");
	cr_assert_eq(config_reread(&cfg, path, &nc, err, sizeof(err)),
		     -EINVAL);
	cr_assert_neq(strstr(err, "r.conf:2:"), NULL, "%s", err);
}

Test(config, a_reread_without_listen_gets_the_default)
{
	struct config nc;

	cr_assert_eq(config_reread(&cfg, NULL, &nc, err, sizeof(err)), 0);
	cr_assert_eq(nc.listen_n, 1);
	cr_assert_str_eq(nc.listen[0], CONFIG_DEFAULT_LISTEN);
	config_free(&nc);
}

/* ---- cross-field rules ---- */

Test(config, loopback_endpoints)
{
	cr_assert(config_is_loopback("tcp://127.0.0.1:5555"));
	cr_assert(config_is_loopback("tcp://127.1.2.3:1"));
	cr_assert(config_is_loopback("tcp://[::1]:5555"));
	cr_assert(config_is_loopback("tcp://localhost:5555"));
	cr_assert(config_is_loopback("ipc:///run/p.sock"));
	cr_assert(config_is_loopback("inproc://x"));
	cr_assert_not(config_is_loopback("tcp://0.0.0.0:5555"));
	cr_assert_not(config_is_loopback("tcp://*:5555"));
	cr_assert_not(config_is_loopback("tcp://10.0.0.1:5555"));
	cr_assert_not(config_is_loopback("tcp://localhost.example:5555"));
}

Test(config, a_loopback_prefix_on_a_name_is_not_loopback)
{
	cr_assert_not(config_is_loopback("tcp://127.example.org:5555"));
	cr_assert_not(config_is_loopback("tcp://127.0.0.1.nip.io:5555"));
}

Test(config, a_semicolon_in_an_endpoint_is_refused)
{
	/* ZeroMQ would bind the part after ';' on every address */
	cr_assert_eq(config_set(&cfg, "server", "listen",
				"tcp://127.0.0.1:0;0.0.0.0:25557", err,
				sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "';'"), "%s", err);
	cr_assert_eq(config_override(&cfg, "server", "listen",
				     "tcp://127.0.0.1:0;0.0.0.0:25557", err,
				     sizeof(err)), -EINVAL);
	cr_assert_eq(config_set(&cfg, "server", "listen", "ipc:///tmp/a;b",
				err, sizeof(err)), -EINVAL);
}

Test(config, what_was_bound_is_checked_not_what_was_written)
{
	cr_assert_eq(config_check_bound(&cfg, "tcp://localhost:1",
					"tcp://127.0.0.1:1", err, sizeof(err)), 0);
	cr_assert_eq(config_check_bound(&cfg, "tcp://127.0.0.1:0;0.0.0.0:9",
					"tcp://0.0.0.0:9", err, sizeof(err)),
		     -EPERM);
	cr_assert(strstr(err, "tcp://0.0.0.0:9") && strstr(err, "not loopback"),
		  "%s", err);
	cfg.allow_insecure = true;
	cr_assert_eq(config_check_bound(&cfg, "tcp://*:9", "tcp://0.0.0.0:9",
					err, sizeof(err)), 0);
}

Test(config, a_wide_listen_needs_curve_or_allow_insecure)
{
	cr_assert_eq(check("[server]\nlisten = tcp://127.0.0.1:1\n\n"
			   "listen = tcp://0.0.0.0:5555\n"
			   "[database]\nconninfo = x\n"), -EINVAL);
	names(4, "not loopback");
	cr_assert_eq(check("[server]\nlisten = tcp://0.0.0.0:5555\n"
			   "allow_insecure = true\n"
			   "[database]\nconninfo = x\n"), 0, "%s", err);
	cr_assert_eq(check("[server]\nlisten = tcp://0.0.0.0:5555\n"
			   "[database]\nconninfo = x\n"
			   "[security]\ncurve_secret_key_file = %s\n",
			   secret_certificate("s.key")), 0, "%s", err);
}

Test(config, no_database_names_the_file)
{
	cr_assert_eq(check("[server]\nworkers = 2\n"), -EINVAL);
	cr_assert_neq(strstr(err, scratch_at("t.conf")), NULL, "%s", err);
	cr_assert_neq(strstr(err, "conninfo"), NULL, "%s", err);
	cr_assert_eq(config_validate(&cfg, NULL, err, sizeof(err)), -EINVAL);
	cr_assert_eq(strncmp(err, "no database", 11), 0, "%s", err);
}

/* ---- the check opens what the config names ---- */

Test(config, the_check_opens_the_secret_key_file)
{
	char pub[41], sec[41];

	cr_assert_eq(zmq_curve_keypair(pub, sec), 0);
	cr_assert_eq(check("[database]\nconninfo = x\n"
			   "[security]\ncurve_secret_key_file = %s\n",
			   scratch_at("missing.key")), -ENOENT);
	names(4, "curve_secret_key_file");
	cr_assert_neq(strstr(err, "No such file"), NULL, "%s", err);
	cr_assert_eq(check("[database]\nconninfo = x\n"
			   "[security]\ncurve_secret_key_file = %s\n",
			   scratch_dir),
		     -EINVAL);
	names(4, "not a regular file");
	/* a file, but no certificate: the start would fail on it */
	cr_assert_eq(check("[database]\nconninfo = x\n"
			   "[security]\n\ncurve_secret_key_file = %s\n",
			   scratch_put("x.key", "hello\n")), -EINVAL);
	names(5, "curve_secret_key_file: not a secret certificate");
	/* a public certificate only */
	cr_assert_eq(check("[database]\nconninfo = x\n"
			   "[security]\ncurve_secret_key_file = %s\n",
			   scratch_put("p.pub",
				       "curve\n    public-key = \"%s\"\n",
				       pub)),
		     -EINVAL);
	names(4, "no secret-key");
}

Test(config, the_check_opens_the_clients_folder_and_reads_its_certificates)
{
	char key[300], dir[300], pub[41], sec[41];

	snprintf(key, sizeof(key), "%s", secret_certificate("s.key"));
	snprintf(dir, sizeof(dir), "%s", scratch_at("clients"));
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(check("[database]\nconninfo = x\n[security]\n"
			   "curve_secret_key_file = %s\n"
			   "allowed_clients_dir = %s\n", key, dir),
		     0, "%s", err);
	cr_assert_eq(check("[database]\nconninfo = x\n[security]\n"
			   "curve_secret_key_file = %s\n"
			   "allowed_clients_dir = %s\n", key,
			   scratch_at("nope")),
		     -ENOENT);
	names(5, "allowed_clients_dir");
	cr_assert_eq(check("[database]\nconninfo = x\n[security]\n"
			   "curve_secret_key_file = %s\n"
			   "allowed_clients_dir = %s\n", key, key), -ENOTDIR);
	names(5, "allowed_clients_dir");
	/* a bad certificate in it */
	cr_assert_eq(zmq_curve_keypair(pub, sec), 0);
	scratch_put("clients/twice.pub",
		    "metadata\n    methods = \"Gap\"\n    methods = \"*\"\n"
		    "curve\n    public-key = \"%s\"\n", pub);
	cr_assert_eq(check("[database]\nconninfo = x\n[security]\n"
			   "curve_secret_key_file = %s\n"
			   "allowed_clients_dir = %s\n", key, dir),
		     -EINVAL);
	names(5, "allowed_clients_dir: not a client certificate");
	cr_assert_neq(strstr(err, "twice.pub:3: methods given twice"), NULL,
		      "%s", err);
	/* without CURVE the folder is still opened, its files not read */
	cr_assert_eq(check("[database]\nconninfo = x\n[security]\n"
			   "allowed_clients_dir = %s\n", dir),
		     0, "%s", err);
}

Test(config, the_check_refuses_a_snapshot_folder_others_may_write_into)
{
	cr_assert_eq(mkdir(scratch_at("shared"), 0700), 0);
	cr_assert_eq(chmod(scratch_at("shared"), 0777), 0);
	cr_assert_eq(check("[database]\nconninfo = x\n[cache]\n"
			   "snapshot_path = %s/s.bin\n", scratch_at("shared")),
		     -EPERM);
	names(4, "snapshot_path");
	cr_assert_neq(strstr(err, "world-writable"), NULL, "%s", err);
	cr_assert_eq(chmod(scratch_at("shared"), 0750), 0);
	cr_assert_eq(check("[database]\nconninfo = x\n[cache]\n"
			   "snapshot_path = %s/s.bin\n", scratch_at("shared")),
		     0, "%s", err);
}

Test(config, the_check_opens_the_folders_of_the_files_the_daemon_writes)
{
	cr_assert_eq(check("[database]\nconninfo = x\n[cache]\n"
			   "snapshot_path = %s\n[log]\naccess_log = %s\n",
			   scratch_at("s.bin"), scratch_at("a.log")),
		     0, "%s", err);
	cr_assert_eq(access(scratch_at("s.bin"), F_OK), -1, "the check wrote");
	cr_assert_eq(access(scratch_at("a.log"), F_OK), -1, "the check wrote");
	cr_assert_eq(check("[database]\nconninfo = x\n[cache]\n"
			   "snapshot_path = %s/none/s.bin\n", scratch_dir),
		     -ENOENT);
	names(4, "snapshot_path");
	cr_assert_neq(strstr(err, "its folder"), NULL, "%s", err);
	cr_assert_eq(check("[database]\nconninfo = x\n[log]\n"
			   "access_log = %s/none/a.log\n", scratch_dir),
		     -ENOENT);
	names(4, "access_log");
	/* a folder where the file should be */
	cr_assert_eq(check("[database]\nconninfo = x\n[log]\n"
			   "access_log = %s\n", scratch_dir), -EISDIR);
	names(4, "access_log");
	if (geteuid() != 0) {
		cr_assert_eq(mkdir(scratch_at("ro"), 0500), 0);
		cr_assert_eq(check("[database]\nconninfo = x\n[cache]\n"
				   "snapshot_path = %s/s.bin\n",
				   scratch_at("ro")),
			     -EACCES);
		names(4, "snapshot_path");
		scratch_put("a.log", "%s", "");
		cr_assert_eq(chmod(scratch_at("a.log"), 0400), 0);
		cr_assert_eq(check("[database]\nconninfo = x\n[log]\n"
				   "access_log = %s\n", scratch_at("a.log")),
			     -EACCES);
		names(4, "access_log");
	}
}

Test(config, a_path_from_a_flag_is_named_by_its_key)
{
	cr_assert_eq(load("[database]\nconninfo = x\n"), 0);
	cr_assert_eq(config_override(&cfg, "cache", "snapshot_path",
				     "/nonexistent/s.bin", err, sizeof(err)),
		     0);
	cr_assert_eq(config_set(&cfg, "server", "listen",
				CONFIG_DEFAULT_LISTEN, err, sizeof(err)), 0);
	cr_assert_eq(config_validate(&cfg, scratch_at("t.conf"), err,
				     sizeof(err)),
		     -ENOENT);
	cr_assert_eq(strncmp(err, "snapshot_path /nonexistent/s.bin: ", 34),
		     0, "%s", err);
}

/* ---- replicas: where writes go, how often the change table is read ---- */

Test(config, writes_go_to_conninfo_unless_write_conninfo_is_set)
{
	cr_assert_eq(cfg.poll_ms, 100);
	cr_assert_null(cfg.write_conninfo);
	cr_assert_eq(load("[database]\nconninfo = host=/s1 dbname=p\n"), 0,
		     "%s", err);
	cr_assert_str_eq(config_write_conninfo(&cfg), "host=/s1 dbname=p");
	cr_assert_eq(load("[database]\nconninfo = host=/s1 dbname=p\n"
			  "write_conninfo = host=/a,/b target_session_attrs=read-write\n"
			  "poll_ms = 25\n"), 0, "%s", err);
	cr_assert_str_eq(config_write_conninfo(&cfg),
			 "host=/a,/b target_session_attrs=read-write");
	cr_assert_str_eq(cfg.conninfo, "host=/s1 dbname=p");
	cr_assert_eq(cfg.poll_ms, 25);
}

Test(config, poll_ms_has_a_range)
{
	cr_assert_eq(load("[database]\npoll_ms = 5\n"), -EINVAL);
	cr_assert_eq(load("[database]\npoll_ms = 60001\n"), -EINVAL);
	cr_assert_eq(load("[database]\npoll_ms = 10\n"), 0, "%s", err);
}

Test(config, the_conninfo_check_names_the_key_libpq_refuses)
{
	cr_assert_eq(load("[database]\nconninfo = host=/s dbname=p\n"
			  "write_conninfo = host=/a nonsense\n"), 0, "%s", err);
	cr_assert_eq(config_check_conninfo(&cfg, "t.conf", err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "t.conf: [database] write_conninfo: "), "%s", err);
	cr_assert_eq(load("[database]\nconninfo = x\n"
			  "write_conninfo = host=/a\n"), 0, "%s", err);
	cr_assert_eq(config_check_conninfo(&cfg, NULL, err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "[database] conninfo: "), "%s", err);
	/* alone, conninfo is taken as given, as it always was */
	cr_assert_eq(load("[database]\nconninfo = x\n"), 0, "%s", err);
	cr_assert_eq(config_check_conninfo(&cfg, NULL, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(load("[database]\nconninfo = host=/s dbname=p\n"), 0,
		     "%s", err);
	cr_assert_eq(config_check_conninfo(&cfg, NULL, err, sizeof(err)), 0,
		     "%s", err);
}

/* ---- [http] ---- */

Test(config, http_keys_are_read_and_an_empty_listen_is_off)
{
	cr_assert_eq(load("[http]\nlisten = 127.0.0.1:8080\n"
			  "allow_insecure = true\n"
			  "xapi_mbox_attribute = email\n"), 0, "%s", err);
	cr_assert_str_eq(cfg.http_listen, "127.0.0.1:8080");
	cr_assert_eq(cfg.http_listen_line, 2);
	cr_assert(cfg.http_allow_insecure);
	cr_assert_str_eq(cfg.http_xapi_mbox_attribute, "email");
	cr_assert_eq(load("[http]\nlisten =\n"), 0, "%s", err);
	cr_assert_null(cfg.http_listen);
}

Test(config, an_http_listen_must_be_host_and_port)
{
	cr_assert_eq(load("[http]\nlisten = 8080\n"), -EINVAL);
	names(2, "HOST:PORT");
	cr_assert_eq(load("[http]\nlisten = 127.0.0.1:0\n"), -EINVAL);
	cr_assert_eq(load("[http]\nlisten = [::1]\n"), -EINVAL);
	cr_assert_eq(load("[http]\nlisten = [::1]:80\n"), 0, "%s", err);
}

Test(config, http_loopback_addresses)
{
	cr_assert(config_http_is_loopback("127.0.0.1:8080"));
	cr_assert(config_http_is_loopback("[::1]:8080"));
	cr_assert(config_http_is_loopback("localhost:8080"));
	cr_assert_not(config_http_is_loopback("0.0.0.0:8080"));
	cr_assert_not(config_http_is_loopback("[::]:8080"));
	cr_assert_not(config_http_is_loopback("localhost.example:8080"));
}

Test(config, a_wide_http_listen_needs_tls_and_tokens_or_allow_insecure)
{
	const char *dir = scratch_at("tokens");

	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(check("[database]\nconninfo = x\n"
			   "[http]\nlisten = 0.0.0.0:8080\n"), -EINVAL);
	names(4, "not loopback");
	cr_assert_eq(check("[database]\nconninfo = x\n"
			   "[http]\nlisten = 0.0.0.0:8080\n"
			   "allow_insecure = true\n"), 0, "%s", err);
	cr_assert_eq(check("[database]\nconninfo = x\n[http]\n"
			   "listen = 0.0.0.0:8080\ntokens_dir = %s\n"
			   "tls_cert_file = %s\ntls_key_file = %s\n", dir,
			   scratch_put("c.pem", "x"), scratch_put("k.pem", "x")),
		     0, "%s", err);
	/* a certificate without its key is refused, even on loopback */
	cr_assert_eq(check("[database]\nconninfo = x\n[http]\n"
			   "listen = 127.0.0.1:8080\ntls_cert_file = %s\n",
			   scratch_put("c.pem", "x")), -EINVAL);
	cr_assert(strstr(err, "tls_key_file"), "%s", err);
}

Test(config, the_check_opens_the_http_files)
{
	cr_assert_eq(check("[database]\nconninfo = x\n[http]\n"
			   "listen = 127.0.0.1:8080\ntokens_dir = %s\n",
			   scratch_at("none")), -ENOENT);
	names(5, "tokens_dir");
}
