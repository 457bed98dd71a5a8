/* server: building, running and tearing down the daemon's server. The
 * other server_*.c files hold the rest (see server_private.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "server_private.h"

int server_base_init(struct server *s, struct config *cfg)
{
	pthread_mutex_init(&s->unread_lock, NULL);
	pthread_mutex_init(&s->calls_lock, NULL);
	s->call_fd = -1;
	/* take over the caller's config: SIGHUP replaces parts of it */
	s->cfg = *cfg;
	config_init(cfg);
	s->started_us = server_mono_us();
	graph_slot_init(&s->slot);
	s->stats = calloc(methods_count(), sizeof(*s->stats));
	return s->stats ? 0 : -ENOMEM;
}

void server_base_fini(struct server *s)
{
	graph_slot_clear(&s->slot);
	config_free(&s->cfg);
	free(s->stats);
	s->stats = NULL;
	pthread_mutex_destroy(&s->unread_lock);
	pthread_mutex_destroy(&s->calls_lock);
}

int server_run(server_t *s)
{
	int64_t stop_at = 0, last_tick = 0, last_request = 0;
	unsigned got;

	for (;;) {
		zmq_pollitem_t items[4] = {
			{ s->back, 0, ZMQ_POLLIN, 0 },
			{ NULL, s->sigfd, ZMQ_POLLIN, 0 },
			{ s->front, 0, ZMQ_POLLIN, 0 },
			{ NULL, s->call_fd, ZMQ_POLLIN, 0 },	/* the HTTP door */
		};
		/* requests parked for min_lsn are looked at every 2 ms */
		int n = zmq_poll(items, s->call_fd >= 0 ? 4 : 3,
				 s->lsn_n ? 2 : 100);
		int64_t now = server_mono_us();

		if (n < 0 && errno != EINTR) {
			log_err("server: poll failed (%s)", zmq_strerror(errno));
			return -errno;
		}
		if (items[0].revents & ZMQ_POLLIN)
			server_on_worker(s);
		if ((items[1].revents & ZMQ_POLLIN) && server_on_signal(s) &&
		    !s->stopping) {
			/* The endpoints stay bound: zmq_unbind() also closes
			 * every connection accepted on them, and the replies
			 * still owed with them. Requests arriving from now on
			 * are answered UNAVAILABLE instead (on_request). */
			s->stopping = true;
			stop_at = now + (int64_t)s->cfg.shutdown_timeout_ms * 1000;
			last_request = now;
			server_notify("STOPPING=1");
		}
		/* A batch of requests per wake-up, then the workers again.
		 * Read until there is none: asking ZMQ_EVENTS after each
		 * one costs two system calls (libzmq polls its mailbox),
		 * a non-blocking read that finds a request costs none. */
		got = 0;
		while (got < 64 && (items[2].revents & ZMQ_POLLIN)) {
			if (server_on_request(s, s->front) == -EAGAIN)
				break;
			got++;
			last_request = now;
		}
		server_io_update(s, got, now);
		if (s->lsn_n)
			server_lsn_recheck(s);
		if (s->call_fd >= 0 && (items[3].revents & ZMQ_POLLIN)) {
			server_on_calls(s);
			last_request = now;
		}
		if (now - last_tick > 1000000) {
			last_tick = now;
			/* a stuck HTTP door starves the watchdog too */
			if (!s->http || http_is_alive(s->http))
				server_notify("WATCHDOG=1");
			server_update_status(s);
		}
		/* Done when nothing runs and the frontend has been quiet for
		 * a moment: requests sent just before the signal may still
		 * be on their way through libzmq's I/O thread. */
		if (s->stopping && s->busy_n == 0 && s->pending_n == 0 &&
		    s->lsn_n == 0 &&
		    s->wq_n == 0 && now - last_request >= SERVER_STOP_QUIET_US) {
			int ev = 0;
			size_t el = sizeof(ev);

			if (zmq_getsockopt(s->front, ZMQ_EVENTS, &ev, &el) ||
			    !(ev & ZMQ_POLLIN))
				break;
		}
		if (s->stopping && now > stop_at) {
			log_warn("server: %u requests still running at the shutdown timeout",
				 s->busy_n + (unsigned)s->pending_n);
			break;
		}
	}
	log_notice("server: stopped");
	return 0;
}

static int set_int(void *sock, int opt, int v)
{
	return zmq_setsockopt(sock, opt, &v, sizeof(v));
}

/* What the ROUTER just bound for configured, checked against the loopback
 * rule (ZeroMQ may bind elsewhere than the text suggests) and logged. */
static int check_bound(struct server *s, const char *configured)
{
	char ep[256], err[512];
	size_t len = sizeof(ep);
	int rc;

	if (zmq_getsockopt(s->front, ZMQ_LAST_ENDPOINT, ep, &len)) {
		rc = -errno;
		log_err("server: cannot tell what %s bound (%s)", configured,
			zmq_strerror(errno));
		return rc;
	}
	rc = config_check_bound(&s->cfg, configured, ep, err, sizeof(err));
	if (rc) {
		log_err("server: %s: refusing to start", err);
		return rc;
	}
	log_notice("server: listening on %s", ep);
	return 0;
}

int server_new(struct config *cfg, const char *cfg_path, server_t **out)
{
	struct server *s = calloc(1, sizeof(*s));
	struct loader_options lo = { 0 };
	sigset_t mask;
	int64_t maxmsg;
	int rc = -ENOMEM;

	if (!s) {
		config_free(cfg);
		config_init(cfg);
		return -ENOMEM;
	}
	s->sigfd = -1;
	if (server_base_init(s, cfg))
		goto fail;
	s->io.tid = s->cfg.io_batch ? 0 : -1;
	if (cfg_path && !(s->cfg_path = strdup(cfg_path)))
		goto fail;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0) {
		rc = -errno;
		log_err("server: signalfd failed (%s)", strerror(errno));
		goto fail;
	}

	s->zctx = zmq_ctx_new();
	if (!s->zctx)
		goto fail;
	s->front = zmq_socket(s->zctx, ZMQ_ROUTER);
	s->back = zmq_socket(s->zctx, ZMQ_ROUTER);
	if (!s->front || !s->back)
		goto fail;
	/* ZMQ_MAXMSGSIZE is 4 x max_request_bytes: a body in between gets
	 * RESOURCE_EXHAUSTED; only a larger frame drops the connection */
	maxmsg = (int64_t)s->cfg.max_request_bytes * 4;
	if (zmq_setsockopt(s->front, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) ||
	    set_int(s->front, ZMQ_LINGER, 0) ||
	    set_int(s->front, ZMQ_SNDHWM, 10000) ||
	    set_int(s->front, ZMQ_RCVHWM, 10000) ||
	    set_int(s->back, ZMQ_LINGER, 0) ||
	    set_int(s->back, ZMQ_SNDHWM, 0) || set_int(s->back, ZMQ_RCVHWM, 0)) {
		rc = -errno;
		log_err("server: socket options failed (%s)", zmq_strerror(errno));
		goto fail;
	}
	if (s->cfg.curve_secret_key_file) {
		char err[512];

		rc = security_new(s->cfg.curve_secret_key_file,
				  s->cfg.allowed_clients_dir, &s->sec, err,
				  sizeof(err));
		if (rc) {
			log_err("security: %s", err);
			goto fail;
		}
		/* the ZAP handler must be there before the ROUTER binds */
		rc = security_start(s->sec, s->zctx);
		if (!rc)
			rc = security_apply(s->sec, s->front);
		if (rc)
			goto fail;
		log_notice("security: CURVE on, %zu client keys allowed",
			   security_clients(s->sec));
	}
	if (s->cfg.access_log) {
		rc = access_open(s->cfg.access_log, &s->access);
		if (rc) {
			log_err("access: cannot open %s (%s)", s->cfg.access_log,
				strerror(-rc));
			goto fail;
		}
	}
	for (size_t i = 0; i < s->cfg.listen_n; i++) {
		if (strchr(s->cfg.listen[i], '['))
			set_int(s->front, ZMQ_IPV6, 1);
		if (zmq_bind(s->front, s->cfg.listen[i])) {
			rc = -errno;
			log_err("server: cannot listen on %s (%s)",
				s->cfg.listen[i], zmq_strerror(errno));
			goto fail;
		}
		rc = check_bound(s, s->cfg.listen[i]);
		if (rc)
			goto fail;
	}
	if (s->sec) {
		char ep[256];
		size_t len = sizeof(ep);

		/* prove the handler works: an unknown key must not get in */
		if (zmq_getsockopt(s->front, ZMQ_LAST_ENDPOINT, ep, &len) == 0) {
			char *star = strstr(ep, "0.0.0.0");

			if (star && strlen(ep) + 3 < sizeof(ep)) {
				/* bound to every address: probe via loopback */
				memmove(star + 9, star + 7, strlen(star + 7) + 1);
				memcpy(star, "127.0.0.1", 9);
			}
			rc = security_probe(s->sec, s->zctx, ep);
			if (rc) {
				log_err("security: a client with an unknown key got through on %s: refusing to start",
					ep);
				goto fail;
			}
		}
	}
	if (s->cfg.snapshot_path) {
		char err[512];

		rc = persist_new(s->cfg.snapshot_path, loader_expected_schema(),
				 &s->persist, err, sizeof(err));
		if (rc) {
			log_err("persist: %s", err);
			goto fail;
		}
	}
	if (zmq_bind(s->back, SERVER_WORKERS_ENDPOINT)) {
		rc = -errno;
		goto fail;
	}
	rc = server_workers_start(s);
	if (rc)
		goto fail;
	if (s->cfg.http_listen) {
		s->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (s->call_fd < 0) {
			rc = -errno;
			goto fail;
		}
		rc = http_new(s, &s->http);
		if (rc)
			goto fail;
	}

	lo.conninfo = s->cfg.conninfo;
	lo.debounce_ms = s->cfg.reload_debounce_ms;
	lo.reconnect_max_ms = s->cfg.reconnect_max_ms;
	lo.poll_ms = s->cfg.poll_ms;
	lo.snapshot_path = s->cfg.snapshot_path;
	lo.persist = s->persist;
	rc = loader_new(&lo, &s->slot, &s->loader);
	if (rc)
		goto fail;
	rc = loader_start(s->loader);
	if (rc)
		goto fail;
	log_notice("server: %u workers; pathwaysd %s", s->workers_n,
		   PATHWAYS_VERSION);
	*out = s;
	return 0;
fail:
	server_destroy(&s);
	return rc;
}

void server_destroy(server_t **sp)
{
	struct server *s = *sp;
	struct server_job *j;

	if (!s)
		return;
	/* first the HTTP door: it answers the calls still queued */
	http_destroy(&s->http);
	loader_destroy(&s->loader);
	server_workers_stop(s);
	while ((j = s->wq_head)) {
		s->wq_head = j->next;
		server_job_put(s, j);
	}
	/* jobs finished after the shutdown timeout are still queued here */
	for (;;) {
		char id[16];

		if (!s->back || zmq_recv(s->back, id, sizeof(id), ZMQ_DONTWAIT) < 0 ||
		    zmq_recv(s->back, &j, sizeof(j), ZMQ_DONTWAIT) != sizeof(j))
			break;
		if (j)
			server_job_put(s, j);
	}
	while ((j = s->pending_head)) {
		s->pending_head = j->next;
		server_job_put(s, j);
	}
	while ((j = s->heavy_head)) {
		s->heavy_head = j->next;
		server_job_put(s, j);
	}
	server_lsn_drop(s);
	while ((j = s->free_jobs)) {
		s->free_jobs = j->next;
		access_ids_free(&j->employees);
		free(j);
	}
	if (s->front) {
		/* the last replies may still be queued: let them go out */
		if (s->stopping &&
		    set_int(s->front, ZMQ_LINGER, SERVER_STOP_LINGER_MS))
			log_warn("server: cannot keep the last replies (%s)",
			         zmq_strerror(errno));
		zmq_close(s->front);
	}
	if (s->back)
		zmq_close(s->back);
	if (s->zctx)
		zmq_ctx_term(s->zctx);
	security_destroy(&s->sec);
	persist_destroy(&s->persist);
	access_close(&s->access);
	query_cache_free(&s->front_cache);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->call_fd >= 0)
		close(s->call_fd);
	/* every reply libzmq held is released by now */
	server_base_fini(s);
	free(s->cfg_path);
	free(s);
	*sp = NULL;
}
