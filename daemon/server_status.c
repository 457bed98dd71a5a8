/* server: what the daemon says about itself — Health, Stats, and the
 * systemd notifications. */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "lsn.h"
#include "server_private.h"

void server_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		log_debug("systemd: notify failed (%s)", strerror(errno));
	close(fd);
}

void server_fill_health(struct server *s, const graph_t *g,
			Pathways__V1__HealthResponse *h, char *status,
			size_t status_len)
{
	struct loader_stats ls;
	int64_t age = g ? (int64_t)time(NULL) * 1000 - g->loaded_unix_ms : 0;

	memset(&ls, 0, sizeof(ls));
	if (s->loader)
		loader_get_stats(s->loader, &ls);
	h->serving = g != NULL;
	h->database_connected = ls.connected;
	h->version = query_str(PATHWAYS_VERSION);
	h->schema_version = ls.schema_version;
	h->expected_schema_version = loader_expected_schema();
	h->loads_from_standby = ls.standby;
	h->replay_lag_ms = ls.connected ? ls.replay_lag_ms : -1;
	/* snapshot_lsn: set by the caller, from the request's reading */
	if (g) {
		h->snapshot_version = g->version;
		h->snapshot_loaded_unix_ms = g->loaded_unix_ms;
		h->roles = g->roles_n;
		h->competencies = g->comps_n;
		h->employees = g->emps_n;
		h->assessments = g->assessments_n;
		h->modules = g->modules_n;
	}
	snprintf(status, status_len, "%s; database %s%s; %s",
		 g ? "serving" : "not serving: no snapshot loaded yet",
		 ls.connected ? "connected" : "unreachable",
		 ls.connected && !ls.schema_ok ? " (schema older than expected: run pathwaysctl migrate)" : "",
		 "");
	if (g) {
		size_t n = strlen(status);

		snprintf(status + n, status_len - n,
			 "snapshot %" PRIu64 " is %lld s old", g->version,
			 (long long)(age / 1000));
	}
	h->status = status;
}

void server_fill_stats(struct server *s, struct query_ctx *ctx,
		       Pathways__V1__StatsResponse *r)
{
	struct loader_stats ls = { 0 };
	char lsn[LSN_TEXT_MAX];

	if (s->loader)
		loader_get_stats(s->loader, &ls);
	r->uptime_s = (uint64_t)((server_mono_us() - s->started_us) / 1000000);
	r->reloads = ls.reloads;
	r->reload_failures = ls.reload_failures;
	r->deltas = ls.deltas;
	r->loads_from_standby = ls.standby;
	r->snapshot_lsn = query_strdup(ctx, lsn_format(ls.snapshot_lsn, lsn));
	if (!r->snapshot_lsn)
		r->snapshot_lsn = query_str("");
	r->replay_lag_ms = ls.connected ? ls.replay_lag_ms : -1;
	r->methods = query_alloc(ctx, methods_count(), sizeof(*r->methods));
	if (!r->methods)
		return;
	for (size_t i = 0; i < methods_count(); i++) {
		Pathways__V1__MethodStats *m = query_alloc(ctx, 1, sizeof(*m));

		if (!m)
			return;
		pathways__v1__method_stats__init(m);
		m->method = query_str(methods_at(i)->name);
		m->calls = atomic_load(&s->stats[i].calls);
		m->errors = atomic_load(&s->stats[i].errors);
		m->p50_us = metrics_quantile(&s->stats[i], 0.5);
		m->p99_us = metrics_quantile(&s->stats[i], 0.99);
		m->max_us = atomic_load(&s->stats[i].max_us);
		r->methods[r->n_methods++] = m;
	}
}

void server_update_status(struct server *s)
{
	struct loader_stats ls;
	graph_t *g = graph_slot_acquire(&s->slot, SERVER_READER_FRONTEND);
	char msg[300];

	loader_get_stats(s->loader, &ls);
	if (g)
		snprintf(msg, sizeof(msg),
			 "STATUS=serving snapshot %" PRIu64 ": %u employees, %u roles; database %s",
			 g->version, g->emps_n, g->roles_n,
			 ls.connected ? "connected" : "unreachable");
	else
		snprintf(msg, sizeof(msg),
			 "STATUS=waiting for the first snapshot; database %s",
			 ls.connected ? "connected" : "unreachable");
	if (g && !s->ready_sent) {
		server_notify("READY=1");
		s->ready_sent = true;
	}
	graph_unref(&g);
	if (strcmp(msg, s->last_status) != 0) {
		server_notify(msg);
		snprintf(s->last_status, sizeof(s->last_status), "%s", msg);
	}
}
