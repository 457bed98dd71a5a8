/* pathwaysctl's CURVE keys (client/ctl_keys.c, compiled in): keygen, the
 * certificates it writes and reads, --server-key and --client-key, and a
 * CURVE call to the scripted server of pw_mock_server.h. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_admin.c"
#include "ctl_cli.c"
#include "ctl_json.c"
#include "ctl_keys.c"
#include "ctl_query.c"
#include "ctl_table.c"
#include "ctl_write.c"
#include "pw_mock_server.h"

static const struct ctl_cmd test_cmds[] = {
	{ "health", "", "health", ctl_query_health },
	{ "keygen", "[NAME] [--dir D] [--methods M,...] [--force]", "keygen",
	  ctl_keys_keygen },
};

static struct mock_server srv;
static bool srv_started;
static char *out_buf, *err_buf;
static char dir[] = "/tmp/test_ctl_keys.XXXXXX";
static char err[CTL_KEYS_ERRLEN];

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	if (srv_started)
		mock_server_stop(&srv);
	free(out_buf);
	free(err_buf);
	out_buf = err_buf = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("cannot remove %s", dir);
}

/* Run pathwaysctl with these arguments (NULL-terminated) as main() does;
 * "@" stands for the mock server's endpoint, "%D" for the test's folder. */
static int run(const char *arg, ...)
{
	char *argv[32];
	int argc = 0, status = CTL_EXIT_ERROR, i;
	size_t olen, elen;
	struct ctl_cli cli;
	FILE *out, *errf;
	va_list ap;

	free(out_buf);
	free(err_buf);
	out = open_memstream(&out_buf, &olen);
	errf = open_memstream(&err_buf, &elen);
	argv[argc++] = strdup("pathwaysctl");
	va_start(ap, arg);
	for (; arg; arg = va_arg(ap, const char *))
		argv[argc++] = strdup(strcmp(arg, "@") == 0 ? srv.endpoint :
				      strcmp(arg, "%D") == 0 ? dir : arg);
	va_end(ap);
	argv[argc] = NULL;

	cr_assert_eq(ctl_cli_init(&cli, out, errf), 0);
	cli.cmds = test_cmds;
	cli.ncmds = sizeof(test_cmds) / sizeof(test_cmds[0]);
	i = ctl_cli_parse_globals(&cli, argc, argv, &status);
	if (i >= 0 && i < argc) {
		for (size_t k = 0; k < cli.ncmds; k++)
			if (strcmp(argv[i], cli.cmds[k].name) == 0)
				cli.cmd = &cli.cmds[k];
		cr_assert_not_null(cli.cmd, "unknown command %s", argv[i]);
		status = cli.cmd->run(&cli, argc - i, argv + i);
	}
	ctl_cli_fini(&cli);
	fclose(out);
	fclose(errf);
	for (int k = 0; k < argc; k++)
		free(argv[k]);
	return status;
}

/* dir/name (static buffers: the last 8 stay valid). */
static const char *at(const char *name)
{
	static char path[8][256];
	static int which;

	which = (which + 1) % 8;
	snprintf(path[which], sizeof(path[which]), "%s/%s", dir, name);
	return path[which];
}

static const char *put(const char *name, const char *text)
{
	const char *path = at(name);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	return path;
}

TestSuite(ctl_keys, .init = setup, .fini = teardown, .timeout = 30);

/* ---- pure pieces ---- */

Test(ctl_keys, z85_keys_are_40_decodable_characters)
{
	char pub[41], sec[41];

	cr_assert_eq(zmq_curve_keypair(pub, sec), 0);
	cr_assert(ctl_keys_is_z85(pub));
	cr_assert(ctl_keys_is_z85(sec));
	cr_assert_not(ctl_keys_is_z85(NULL));
	cr_assert_not(ctl_keys_is_z85(""));
	cr_assert_not(ctl_keys_is_z85("short"));
	pub[5] = '"';		/* not in the Z85 alphabet */
	cr_assert_not(ctl_keys_is_z85(pub));
}

Test(ctl_keys, methods_are_checked_and_normalized)
{
	char out[256];

	cr_assert_eq(ctl_keys_parse_methods("Readiness", out, sizeof(out), err,
					    sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(out, "Readiness");
	cr_assert_eq(ctl_keys_parse_methods(" Readiness ,\tGap,Health",
					    out, sizeof(out), err,
					    sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(out, "Readiness,Gap,Health");
	cr_assert_eq(ctl_keys_parse_methods("*", out, sizeof(out), err,
					    sizeof(err)), 0);
	cr_assert_str_eq(out, "*");
	cr_assert_eq(ctl_keys_parse_methods("RecordAssessments,EraseEmployee",
					    out, sizeof(out), err,
					    sizeof(err)), 0);
}

Test(ctl_keys, unknown_or_empty_methods_are_refused)
{
	static const char *const bad[] = {
		"", ",", "Readiness,", ",Gap", "Readiness,,Gap", "readiness",
		"Nope", "/pathways.v1.Pathways/Readiness", "Readiness Gap",
	};
	char out[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(ctl_keys_parse_methods(bad[i], out, sizeof(out),
						    err, sizeof(err)),
			     -EINVAL, "'%s'", bad[i]);
	cr_assert_eq(ctl_keys_parse_methods("Readiness,Gap", out, 10, err,
					    sizeof(err)), -EINVAL);
}

Test(ctl_keys, names_the_daemon_would_skip_are_refused)
{
	static const char *const bad[] = {
		"", ".hidden", "a/b", "x.key", "x.keyring", "hr_secret",
		"tab\there", "quo\"te",
	};

	cr_assert_eq(ctl_keys_check_name("lms", err, sizeof(err)), 0);
	cr_assert_eq(ctl_keys_check_name("perf-system.eu", err, sizeof(err)),
		     0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(ctl_keys_check_name(bad[i], err, sizeof(err)),
			     -EINVAL, "'%s'", bad[i]);
}

/* ---- certificates ---- */

Test(ctl_keys, a_czmq_certificate_is_read)
{
	char pub[41], sec[41], cert[1024], got_pub[41], got_sec[41];
	char methods[64];

	cr_assert_eq(zmq_curve_keypair(pub, sec), 0);
	snprintf(cert, sizeof(cert),
		 "#   ****  Generated on 2024-03-01 by CZMQ  ****\n"
		 "#   ZeroMQ CURVE **Secret** Certificate\n"
		 "\n"
		 "metadata\n"
		 "    name = \"lms\"\n"
		 "\tmethods = RecommendModules\n"
		 "curve\n"
		 "    public-key = \"%s\"\r\n"
		 "    secret-key = \"%s\"\n", pub, sec);
	cr_assert_eq(ctl_keys_read_cert(put("lms_secret", cert), got_pub,
					got_sec, methods, sizeof(methods),
					err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(got_pub, pub);
	cr_assert_str_eq(got_sec, sec);
	cr_assert_str_eq(methods, "RecommendModules");
	/* a public one: no secret */
	snprintf(cert, sizeof(cert), "curve\n  public-key = %s\n", pub);
	cr_assert_eq(ctl_keys_read_cert(put("lms", cert), got_pub, got_sec,
					NULL, 0, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_str_eq(got_sec, "");
}

Test(ctl_keys, what_is_not_a_certificate_is_refused)
{
	char pub[41], sec[41], other[41], osec[41], text[1024];
	char got[41] = "untouched";
	const char *path;

	cr_assert_eq(zmq_curve_keypair(pub, sec), 0);
	cr_assert_eq(zmq_curve_keypair(other, osec), 0);
	path = put("a", "[security]\ncurve_secret_key_file = x\n");
	cr_assert_eq(ctl_keys_read_cert(path, got, NULL, NULL, 0, err,
					sizeof(err)), -EINVAL);
	cr_assert_neq(strstr(err, "not a ZeroMQ certificate"), NULL, "%s",
		      err);
	cr_assert_str_eq(got, "untouched");
	/* the key in the wrong section */
	snprintf(text, sizeof(text), "metadata\n    public-key = \"%s\"\n",
		 pub);
	cr_assert_eq(ctl_keys_read_cert(put("b", text), got, NULL, NULL, 0,
					err, sizeof(err)), -EINVAL);
	/* not Z85 */
	cr_assert_eq(ctl_keys_read_cert(put("c", "curve\n public-key = "
						 "\"abc\"\n"), got, NULL,
					NULL, 0, err, sizeof(err)), -EINVAL);
	/* a pair that does not belong together */
	snprintf(text, sizeof(text),
		 "curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n",
		 pub, osec);
	cr_assert_eq(ctl_keys_read_cert(put("d", text), got, sec, NULL, 0,
					err, sizeof(err)), -EINVAL);
	cr_assert_neq(strstr(err, "does not belong"), NULL, "%s", err);
	/* a line without '=' in a section */
	cr_assert_eq(ctl_keys_read_cert(put("e", "curve\n    what\n"), got,
					NULL, NULL, 0, err, sizeof(err)),
		     -EINVAL);
	cr_assert_eq(ctl_keys_read_cert(dir, got, NULL, NULL, 0, err,
					sizeof(err)), -EISDIR);
	cr_assert_eq(ctl_keys_read_cert(at("none"), got, NULL, NULL, 0, err,
					sizeof(err)), -ENOENT);
	cr_assert_neq(strstr(err, "none"), NULL, "%s", err);
	cr_assert_str_eq(got, "untouched");
}

Test(ctl_keys, server_and_client_keys_are_loaded)
{
	struct ctl_keys_curve k;
	char spub[41], ssec[41], cpub[41], csec[41], text[512];
	const char *spath, *skey, *cpath, *cpubpath;

	cr_assert_eq(zmq_curve_keypair(spub, ssec), 0);
	cr_assert_eq(zmq_curve_keypair(cpub, csec), 0);
	snprintf(text, sizeof(text), "curve\n    public-key = \"%s\"\n", spub);
	spath = put("server.pub", text);
	snprintf(text, sizeof(text), "curve\n    public-key = \"%s\"\n"
		 "    secret-key = \"%s\"\n", spub, ssec);
	skey = put("server.key", text);
	snprintf(text, sizeof(text), "curve\n    public-key = \"%s\"\n"
		 "    secret-key = \"%s\"\n", cpub, csec);
	cpath = put("client.key", text);
	snprintf(text, sizeof(text), "curve\n    public-key = \"%s\"\n", cpub);
	cpubpath = put("client.pub", text);

	cr_assert_eq(ctl_keys_load(spath, cpath, &k, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(k.server_key, spub);
	cr_assert_str_eq(k.public_key, cpub);
	cr_assert_str_eq(k.secret_key, csec);
	ctl_keys_wipe(&k);
	cr_assert_str_eq(k.secret_key, "");
	/* Z85 for the server, no client key */
	cr_assert_eq(ctl_keys_load(spub, NULL, &k, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_str_eq(k.server_key, spub);
	cr_assert_str_eq(k.public_key, "");
	/* the daemon's secret certificate is not for clients */
	cr_assert_eq(ctl_keys_load(skey, NULL, &k, err, sizeof(err)), -EINVAL);
	cr_assert_neq(strstr(err, "secret certificate"), NULL, "%s", err);
	/* a client needs its secret */
	cr_assert_eq(ctl_keys_load(spath, cpubpath, &k, err, sizeof(err)),
		     -EINVAL);
	cr_assert_neq(strstr(err, "--client-key"), NULL, "%s", err);
	cr_assert_eq(ctl_keys_load("nope", NULL, &k, err, sizeof(err)),
		     -ENOENT);
	cr_assert_neq(strstr(err, "not a 40-character Z85 key"), NULL, "%s",
		      err);
	/* no secret in any message */
	cr_assert_eq(strstr(err, csec), NULL);
}

/* ---- keygen ---- */

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

Test(ctl_keys, keygen_writes_a_pair_that_reads_back)
{
	char pub[41], sec[41], pub2[41], methods[64], text[2048];
	const char *printed;
	struct stat st;

	cr_assert_eq(run("keygen", "perf", "--dir", "%D", "--methods",
			 "Readiness, Gap", NULL), 0, "%s", err_buf);
	printed = strstr(out_buf, "public key: ");
	cr_assert_not_null(printed, "%s", out_buf);
	cr_assert_eq(stat(at("perf.key"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(ctl_keys_read_cert(at("perf.key"), pub, sec, methods,
					sizeof(methods), err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(strncmp(printed + 12, pub, 40), 0);
	cr_assert_eq(strlen(sec), 40);
	cr_assert_eq(ctl_keys_read_cert(at("perf.pub"), pub2, sec, methods,
					sizeof(methods), err, sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(pub2, pub);
	cr_assert_str_eq(sec, "");
	cr_assert_str_eq(methods, "Readiness,Gap");
	read_file(at("perf.pub"), text, sizeof(text));
	cr_assert_neq(strstr(text, "\nmetadata\n    methods = \"Readiness,Gap\"\n"
				   "curve\n    public-key = \""), NULL, "%s",
		      text);
	cr_assert_eq(strstr(text, "secret-key"), NULL);
}

Test(ctl_keys, keygen_refuses_to_overwrite_without_force)
{
	char before[2048], after[2048];

	cr_assert_eq(run("keygen", "--dir", "%D", NULL), 0, "%s", err_buf);
	cr_assert_eq(access(at("client.key"), F_OK), 0);
	read_file(at("client.key"), before, sizeof(before));
	cr_assert_eq(run("keygen", "client", "--dir", "%D", NULL), 2);
	cr_assert_neq(strstr(err_buf, "exists"), NULL, "%s", err_buf);
	read_file(at("client.key"), after, sizeof(after));
	cr_assert_str_eq(after, before);
	cr_assert_eq(run("keygen", "client", "--dir", "%D", "--force", NULL),
		     0, "%s", err_buf);
	read_file(at("client.key"), after, sizeof(after));
	cr_assert_str_neq(after, before);
	/* a link in the way is never written through */
	cr_assert_eq(unlink(at("client.pub")), 0);
	cr_assert_eq(symlink(at("target"), at("client.pub")), 0);
	cr_assert_eq(run("keygen", "client", "--dir", "%D", NULL), 2);
	cr_assert_eq(run("keygen", "client", "--dir", "%D", "--force", NULL),
		     0, "%s", err_buf);
	cr_assert_eq(access(at("target"), F_OK), -1);
}

Test(ctl_keys, keygen_json)
{
	cr_assert_eq(run("--json", "keygen", "x", "--dir", "%D", NULL), 0,
		     "%s", err_buf);
	cr_assert_neq(strstr(out_buf, "\"public_key\": \""), NULL, "%s",
		      out_buf);
	cr_assert_neq(strstr(out_buf, "\"methods\": null"), NULL, "%s",
		      out_buf);
	cr_assert_neq(strstr(out_buf, "x.key\""), NULL, "%s", out_buf);
	cr_assert_eq(strstr(out_buf, "secret_key"), NULL, "%s", out_buf);
}

Test(ctl_keys, keygen_usage_errors_write_nothing)
{
	cr_assert_eq(run("keygen", "a.key", "--dir", "%D", NULL), 2);
	cr_assert_eq(run("keygen", "a", "b", "--dir", "%D", NULL), 2);
	cr_assert_eq(run("keygen", "--methods", "Nope", "--dir", "%D", NULL),
		     2);
	cr_assert_eq(run("keygen", "--dir", "/nonexistent/keys", NULL), 2);
	cr_assert_eq(run("keygen", "--dir", "", NULL), 2);
	cr_assert_eq(rmdir(dir), 0, "the folder is not empty");
	cr_assert_eq(mkdir(dir, 0700), 0);
}

/* ---- a CURVE call ---- */

static char server_pub[41];

static void curve_server(void)
{
	char sec[41];

	cr_assert_eq(zmq_curve_keypair(server_pub, sec), 0);
	cr_assert_eq(mock_server_start(&srv, sec), 0);
	srv_started = true;
}

Test(ctl_keys, server_key_and_client_key_make_a_curve_call)
{
	char text[256];
	const char *pub;

	curve_server();
	snprintf(text, sizeof(text), "curve\n    public-key = \"%s\"\n",
		 server_pub);
	pub = put("server.pub", text);
	cr_assert_eq(run("keygen", "me", "--dir", "%D", NULL), 0);
	/* (the echo's HealthResponse says not serving: exit 4, a reply) */
	cr_assert_eq(run("-e", "@", "--server-key", pub, "--client-key",
			 at("me.key"), "health", NULL), CTL_EXIT_NOT_SERVING,
		     "%s", err_buf);
	/* a Z85 key, a throwaway client key */
	cr_assert_eq(run("-e", "@", "--server-key", server_pub, "health",
			 NULL), CTL_EXIT_NOT_SERVING, "%s", err_buf);
	cr_assert_eq(srv.requests, 2);
	/* in plain text: no reply */
	cr_assert_eq(run("-e", "@", "-t", "300", "health", NULL), 3);
	cr_assert_neq(strstr(err_buf, "no reply"), NULL, "%s", err_buf);
	cr_assert_eq(srv.requests, 2);
}

Test(ctl_keys, bad_key_options_are_usage_errors_before_any_call)
{
	char text[256];

	curve_server();
	snprintf(text, sizeof(text), "curve\n    public-key = \"%s\"\n",
		 server_pub);
	put("server.pub", text);
	cr_assert_eq(run("keygen", "me", "--dir", "%D", NULL), 0);
	cr_assert_eq(run("-e", "@", "--client-key", at("me.key"), "health",
			 NULL), 2);
	cr_assert_neq(strstr(err_buf, "needs --server-key"), NULL, "%s",
		      err_buf);
	cr_assert_eq(run("-e", "@", "--server-key", at("server.pub"),
			 "--client-key", at("me.pub"), "health", NULL), 2);
	cr_assert_eq(run("-e", "@", "--server-key", at("me.key"), "health",
			 NULL), 2);
	cr_assert_eq(run("-e", "@", "--server-key", "0123456789", "health",
			 NULL), 2);
	cr_assert_eq(srv.requests, 0);
}

Test(ctl_keys, key_options_come_from_the_environment)
{
	char text[256];

	curve_server();
	snprintf(text, sizeof(text), "curve\n    public-key = \"%s\"\n",
		 server_pub);
	put("server.pub", text);
	cr_assert_eq(run("keygen", "me", "--dir", "%D", NULL), 0);
	setenv("PATHWAYS_SERVER_KEY", at("server.pub"), 1);
	setenv("PATHWAYS_CLIENT_KEY", at("me.key"), 1);
	cr_assert_eq(run("-e", "@", "health", NULL), CTL_EXIT_NOT_SERVING, "%s",
		     err_buf);
	/* an option wins over the environment */
	cr_assert_eq(run("-e", "@", "--client-key", at("me.pub"), "health",
			 NULL), 2);
	unsetenv("PATHWAYS_SERVER_KEY");
	unsetenv("PATHWAYS_CLIENT_KEY");
	cr_assert_eq(srv.requests, 1);
}
