/* pathwaysd: arguments, config, signals, and the server's life. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "server.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pathwaysd [--config FILE] [--listen ENDPOINT]... [--db CONNINFO]\n"
		"                 [--write-db CONNINFO]\n"
		"                 [--workers N] [--log-level LEVEL] [--log-format text|json]\n"
		"                 [--snapshot-path FILE] [--allow-writes] [--http HOST:PORT]\n"
		"                 [--foreground]\n"
		"       pathwaysd --check-config [--config FILE] [flags]\n"
		"       pathwaysd --version\n"
		"\n"
		"Serves career-pathway answers over ZeroMQ from a PostgreSQL framework.\n"
		"Default config: " CONFIG_DEFAULT_PATH " (when it exists).\n"
		"Flags override the config file: --allow-writes is [server] allow_writes = true,\n"
		"--log-format is [log] format. --foreground is accepted for scripts and does\n"
		"nothing: pathwaysd never forks and always logs to stderr.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "write-db", required_argument, NULL, 'W' },
		{ "workers", required_argument, NULL, 'w' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "allow-writes", no_argument, NULL, 'A' },
		{ "snapshot-path", required_argument, NULL, 'S' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "http", required_argument, NULL, 'H' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct config cfg;
	server_t *srv = NULL;
	bool check = false;
	char err[512];
	sigset_t mask;
	int c, li = 0, rc, status = 1;	/* status: the exit status */

	log_init();
	config_init(&cfg);
	/* first pass: the config file, so flags can override it */
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'c') {
			path = optarg;
		} else if (c == 'V') {
			printf("pathwaysd %s\n", PATHWAYS_VERSION);
			status = 0;
			goto out;
		} else if (c == 'h') {
			usage(stdout);
			status = 0;
			goto out;
		} else if (c == '?') {
			usage(stderr);
			status = 2;
			goto out;
		}
	}
	if (!path && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
	if (path && config_load(&cfg, path, err, sizeof(err))) {
		fprintf(stderr, "pathwaysd: %s\n", err);
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, &li)) != -1) {
		const char *sec = NULL, *key = NULL;

		switch (c) {
		case 'l': sec = "server"; key = "listen"; break;
		case 'd': sec = "database"; key = "conninfo"; break;
		case 'W': sec = "database"; key = "write_conninfo"; break;
		case 'w': sec = "server"; key = "workers"; break;
		case 'L': sec = "log"; key = "level"; break;
		case 'F': sec = "log"; key = "format"; break;
		case 'A': sec = "server"; key = "allow_writes"; optarg = "true"; break;
		case 'S': sec = "cache"; key = "snapshot_path"; break;
		case 'H': sec = "http"; key = "listen"; break;
		case 'C': check = true; break;
		default: break;
		}
		if (sec && config_override(&cfg, sec, key, optarg, err, sizeof(err))) {
			/* every setting flag is a long option: li is its index */
			fprintf(stderr, "pathwaysd: --%s: %s\n", opts[li].name, err);
			status = 2;
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pathwaysd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		status = 2;
		goto out;
	}
	if (cfg.listen_n == 0 &&
	    config_set(&cfg, "server", "listen", CONFIG_DEFAULT_LISTEN, err,
		       sizeof(err)))
		goto out;
	if (config_validate(&cfg, path, err, sizeof(err))) {
		fprintf(stderr, "pathwaysd: %s\n", err);
		goto out;
	}
	if (check && config_check_conninfo(&cfg, path, err, sizeof(err))) {
		fprintf(stderr, "pathwaysd: %s\n", err);
		goto out;
	}
	if (check) {
		printf("pathwaysd: configuration %s is valid\n",
		       path ? path : "(defaults and flags)");
		status = 0;
		goto out;
	}
	log_set_level(cfg.log_level);
	log_set_format(cfg.log_format);

	/* Signals reach the loop through a signalfd: block them in every
	 * thread, before any thread starts. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL)) {
		fprintf(stderr, "pathwaysd: cannot block signals\n");
		goto out;
	}
	rc = server_new(&cfg, path, &srv);	/* cfg is left empty */
	if (rc) {
		log_err("pathwaysd: cannot start (%s)", strerror(-rc));
		goto out;
	}
	status = server_run(srv) ? 1 : 0;
out:
	server_destroy(&srv);
	config_free(&cfg);
	return status;
}
