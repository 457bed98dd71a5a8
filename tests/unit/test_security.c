/* Who may call what (daemon/security.c): the server's certificate, the
 * allowed clients' folder, and the allow-lists dispatch asks about. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "scratch.h"
#include "security.h"

static char clients[300], err[1024];
static char spub[41], ssec[41];
static security_t *sec;

/* A client's public certificate clients/name with this methods line (NULL:
 * none); its public key into pub. */
static void client(const char *name, const char *methods, char pub[41])
{
	char csec[41], rel[300];

	cr_assert_eq(zmq_curve_keypair(pub, csec), 0);
	snprintf(rel, sizeof(rel), "clients/%s", name);
	if (methods)
		scratch_put(rel, "metadata\n    methods = \"%s\"\ncurve\n"
		    "    public-key = \"%s\"\n", methods, pub);
	else
		scratch_put(rel, "curve\n    public-key = \"%s\"\n", pub);
}

static void setup(void)
{
	cr_redirect_stderr();
	scratch_init();
	snprintf(clients, sizeof(clients), "%s", scratch_at("clients"));
	cr_assert_eq(mkdir(clients, 0700), 0);
	cr_assert_eq(zmq_curve_keypair(spub, ssec), 0);
	scratch_put("server.key", "curve\n    public-key = \"%s\"\n"
	    "    secret-key = \"%s\"\n", spub, ssec);
}

static void teardown(void)
{
	security_destroy(&sec);
	scratch_fini();
}

TestSuite(security, .init = setup, .fini = teardown, .timeout = 30);

static void load(void)
{
	cr_assert_eq(security_new(scratch_at("server.key"), clients, &sec, err,
				  sizeof(err)), 0, "%s", err);
	cr_assert_not_null(sec);
}

/* What was logged so far. */
static const char *logged(void)
{
	static char buf[8192];
	FILE *f;
	size_t n;

	fflush(stderr);
	f = cr_get_redirected_stderr();
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return buf;
}

/* ---- allow-lists ---- */

Test(security, without_curve_everything_is_allowed)
{
	/* no security_t: allow_writes alone decides about writes */
	cr_assert(security_allows(NULL, NULL, "Readiness", false));
	cr_assert(security_allows(NULL, NULL, "EraseEmployee", true));
}

Test(security, a_client_without_methods_may_call_the_read_methods_only)
{
	char reader[41];

	client("reader.pub", NULL, reader);
	load();
	cr_assert_eq(security_clients(sec), 1);
	cr_assert(security_allows(sec, reader, "Readiness", false));
	cr_assert(security_allows(sec, reader, "Gap", false));
	cr_assert_not(security_allows(sec, reader, "RecordAssessments", true));
	cr_assert_not(security_allows(sec, reader, "EraseEmployee", true));
}

Test(security, a_methods_list_allows_exactly_what_it_names)
{
	char lms[41];

	client("lms.pub", "RecommendModules, RecordCompletions", lms);
	load();
	cr_assert(security_allows(sec, lms, "RecommendModules", false));
	cr_assert(security_allows(sec, lms, "RecordCompletions", true));
	/* a list replaces the read defaults */
	cr_assert_not(security_allows(sec, lms, "Readiness", false));
	cr_assert_not(security_allows(sec, lms, "RecordAssessments", true));
	cr_assert_not(security_allows(sec, lms, "EraseEmployee", true));
	cr_assert_not(security_allows(sec, lms, "Recommend", false));
}

Test(security, a_star_allows_every_method)
{
	char admin[41];

	client("admin.pub", "*", admin);
	load();
	cr_assert(security_allows(sec, admin, "Readiness", false));
	cr_assert(security_allows(sec, admin, "RecordAssessments", true));
	cr_assert(security_allows(sec, admin, "EraseEmployee", true));
}

Test(security, unknown_and_missing_user_ids_are_refused)
{
	char reader[41], stranger[41], ssec2[41];

	client("reader.pub", NULL, reader);
	load();
	cr_assert_eq(zmq_curve_keypair(stranger, ssec2), 0);
	cr_assert_not(security_allows(sec, stranger, "Readiness", false));
	cr_assert_not(security_allows(sec, NULL, "Readiness", false));
	cr_assert_not(security_allows(sec, "", "Readiness", false));
}

Test(security, each_client_is_logged_with_its_methods_but_no_secret)
{
	char a[41], b[41], c[41];
	const char *log;
	char prefix[16];

	client("reader.pub", NULL, a);
	client("lms.pub", "RecommendModules", b);
	client("admin.pub", "Readiness,*", c);
	load();
	log = logged();
	snprintf(prefix, sizeof(prefix), "%.8s...", a);
	cr_assert_neq(strstr(log, "client reader.pub"), NULL, "%s", log);
	cr_assert_neq(strstr(log, prefix), NULL, "%s", log);
	cr_assert_neq(strstr(log, "may call the read methods"), NULL, "%s",
		      log);
	cr_assert_neq(strstr(log, "may call RecommendModules"), NULL, "%s",
		      log);
	cr_assert_neq(strstr(log, "may call every method"), NULL, "%s", log);
	/* public keys shown only in part; the server's secret never */
	cr_assert_eq(strstr(log, a), NULL, "%s", log);
	cr_assert_eq(strstr(log, ssec), NULL, "%s", log);
}

/* ---- loading ---- */

Test(security, secret_and_hidden_files_in_the_clients_folder_are_skipped)
{
	char a[41];

	client("reader.pub", NULL, a);
	scratch_put("clients/.hidden", "not a certificate\n");
	scratch_put("clients/x.key", "not a certificate\n");
	scratch_put("clients/x_secret", "not a certificate\n");
	load();
	cr_assert_eq(security_clients(sec), 1);
}

Test(security, a_bad_certificate_in_the_clients_folder_refuses_the_load)
{
	char a[41];
	char pad[1001];

	client("reader.pub", NULL, a);
	memset(pad, ' ', 1000);
	pad[1000] = '\0';
	scratch_put("clients/evil.pub", "metadata\n"
	    "    methods = \"Readiness%smethods = \"*\"\"\n"
	    "curve\n    public-key = \"%s\"\n", pad, a);
	cr_assert_eq(security_new(scratch_at("server.key"), clients, &sec, err,
				  sizeof(err)), -EINVAL);
	cr_assert_null(sec);
	cr_assert_neq(strstr(err, "evil.pub:2: line longer"), NULL, "%s",
		      err);
}

Test(security, a_duplicate_methods_key_refuses_the_load)
{
	char a[41];

	client("ok.pub", NULL, a);
	scratch_put("clients/twice.pub",
		    "metadata\n    methods = \"Readiness\"\n"
		    "    methods = \"*\"\ncurve\n    public-key = \"%s\"\n", a);
	cr_assert_eq(security_new(scratch_at("server.key"), clients, &sec, err,
				  sizeof(err)), -EINVAL);
	cr_assert_neq(strstr(err, "twice.pub:3: methods given twice"), NULL,
		      "%s", err);
}

Test(security, the_server_certificate_needs_its_secret_key)
{
	scratch_put("server.pub", "curve\n    public-key = \"%s\"\n", spub);
	cr_assert_eq(security_new(scratch_at("server.pub"), NULL, &sec, err,
				  sizeof(err)), -EINVAL);
	cr_assert_neq(strstr(err, "no secret-key"), NULL, "%s", err);
	cr_assert_eq(security_new(scratch_at("missing.key"), NULL, &sec, err,
				  sizeof(err)), -ENOENT);
	cr_assert_neq(strstr(err, "missing.key"), NULL, "%s", err);
	cr_assert_null(sec);
	/* no clients folder: nobody is allowed */
	cr_assert_eq(security_new(scratch_at("server.key"), NULL, &sec, err,
				  sizeof(err)), 0, "%s", err);
	cr_assert_eq(security_clients(sec), 0);
}

Test(security, a_missing_clients_folder_refuses_the_load)
{
	cr_assert_eq(security_new(scratch_at("server.key"), scratch_at("nope"),
				  &sec, err, sizeof(err)), -ENOENT);
	cr_assert_neq(strstr(err, "nope"), NULL, "%s", err);
}

/* ---- reloading (SIGHUP) ---- */

Test(security, a_reload_adds_new_keys_drops_removed_ones_and_logs_them)
{
	char a[41], b[41], path[400];
	const char *log;
	char prefix[16];

	client("old.pub", NULL, a);
	load();
	cr_assert(security_allows(sec, a, "Readiness", false));
	client("new.pub", "EraseEmployee", b);
	snprintf(path, sizeof(path), "%s/old.pub", clients);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(security_reload_clients(sec, clients, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(security_clients(sec), 1);
	cr_assert_not(security_allows(sec, a, "Readiness", false));
	cr_assert(security_allows(sec, b, "EraseEmployee", true));
	snprintf(prefix, sizeof(prefix), "%.8s...", b);
	log = logged();
	cr_assert(strstr(log, prefix) && strstr(log, "client new.pub"), "%s",
		  log);
	/* no folder any more: nobody */
	cr_assert_eq(security_reload_clients(sec, NULL, err, sizeof(err)), 0);
	cr_assert_eq(security_clients(sec), 0);
	cr_assert_not(security_allows(sec, b, "EraseEmployee", true));
}

Test(security, a_bad_folder_on_reload_keeps_the_loaded_list)
{
	char a[41];

	client("reader.pub", NULL, a);
	load();
	scratch_put("clients/twice.pub",
		    "metadata\n    methods = \"Readiness\"\n"
		    "    methods = \"*\"\ncurve\n    public-key = \"%s\"\n", a);
	cr_assert_eq(security_reload_clients(sec, clients, err, sizeof(err)),
		     -EINVAL);
	cr_assert_neq(strstr(err, "twice.pub"), NULL, "%s", err);
	cr_assert_eq(security_clients(sec), 1);
	cr_assert(security_allows(sec, a, "Readiness", false));
	cr_assert_not(security_allows(sec, a, "EraseEmployee", true));
	cr_assert_eq(security_reload_clients(sec, scratch_at("nowhere"), err,
					     sizeof(err)), -ENOENT);
	cr_assert(security_allows(sec, a, "Readiness", false));
}

struct asker {
	security_t *s;
	const char *key;
	volatile int *stop;
	_Atomic unsigned long yes;
};

static void *ask(void *arg)
{
	struct asker *k = arg;

	while (!*k->stop)
		k->yes += security_allows(k->s, k->key, "Readiness", false);
	return NULL;
}

/* the frontend asks while SIGHUP swaps the list (run under ASan/TSan) */
Test(security, a_reload_while_another_thread_asks_is_safe)
{
	volatile int stop = 0;
	struct asker k = { .stop = &stop };
	char a[41];
	pthread_t t;

	client("reader.pub", NULL, a);
	load();
	k.s = sec;
	k.key = a;
	cr_assert_eq(pthread_create(&t, NULL, ask, &k), 0);
	/* at least 200 swaps, and on until the asker has asked across a good
	 * many of them: on a loaded machine it may start late (the bound is
	 * only there for a hang) */
	unsigned long before = 0;
	for (long i = 0; i < 200 || (k.yes - before < 1000 && i < 1000000);
	     i++) {
		if (i == 0)
			before = k.yes;
		cr_assert_eq(security_reload_clients(sec, clients, err,
						     sizeof(err)), 0, "%s", err);
	}
	stop = 1;
	pthread_join(t, NULL);
	cr_assert_geq(k.yes - before, 1000, "asked while the list was swapped");
	cr_assert(security_allows(sec, a, "Readiness", false));
}
