/* server: the signals, read from a signalfd by the frontend thread —
 * SIGTERM and SIGINT stop the loop, SIGHUP re-reads the config. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "server_private.h"

/* The allowed clients, read again (a key added or revoked takes effect
 * without a restart); a folder that fails keeps the list in force. */
static void reload_clients(struct server *s, struct config *nc)
{
	char err[512];
	char *dir;

	if (!s->sec)
		return;		/* CURVE itself needs a restart */
	if (security_reload_clients(s->sec, nc->allowed_clients_dir, err,
				    sizeof(err))) {
		log_err("security: client keys not reloaded (%s); keeping the %zu loaded",
			err, security_clients(s->sec));
		return;
	}
	log_notice("security: %zu client keys allowed", security_clients(s->sec));
	dir = s->cfg.allowed_clients_dir;
	s->cfg.allowed_clients_dir = nc->allowed_clients_dir;
	nc->allowed_clients_dir = dir;	/* freed with nc */
}

static void on_sighup(struct server *s)
{
	struct config nc;
	char err[512];

	server_notify("RELOADING=1");
	if (config_reread(&s->cfg, s->cfg_path, &nc, err, sizeof(err))) {
		log_err("config: reload failed (%s); keeping the old settings",
			err);
	} else if (config_validate(&nc, s->cfg_path, err, sizeof(err))) {
		/* what would stop a start stops a reload too (no database,
		 * say): the daemon goes on as it was */
		log_err("config: reload failed (%s); keeping the old settings",
			err);
		config_free(&nc);
	} else if (writer_set_conninfo(s->writer, config_write_conninfo(&nc))) {
		log_err("config: reload failed (out of memory); keeping the old settings");
		config_free(&nc);
	} else {
		/* what can change without a restart: the log level and format and the
		 * database; endpoints and workers need a restart. The
		 * writer and the loader have their own copies of the
		 * conninfo, so the old string can go now. */
		log_set_level(nc.log_level);
		log_set_format(nc.log_format);
		reload_clients(s, &nc);
		if (s->http)
			http_reload(s->http, &nc);
		free(s->cfg.conninfo);
		s->cfg.conninfo = nc.conninfo;
		nc.conninfo = NULL;
		free(s->cfg.write_conninfo);
		s->cfg.write_conninfo = nc.write_conninfo;
		nc.write_conninfo = NULL;
		s->cfg.log_level = nc.log_level;
		s->cfg.log_format = nc.log_format;
		config_free(&nc);
		log_notice("config: reloaded");
	}
	if (s->access && access_reopen(s->access))
		log_err("access: cannot reopen the access log (%s)", strerror(errno));
	loader_request_reload(s->loader, s->cfg.conninfo);
	server_notify("READY=1");
}

int server_on_signal(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("server: %s: stopping",
				   si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			return 1;
		case SIGHUP:
			on_sighup(s);
			break;
		default:
			break;
		}
	}
	return 0;
}
