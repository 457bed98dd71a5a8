/* http: the door's daemon and thread, routing, the probes, bearer tokens
 * and replies. See http.h. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_private.h"
#include "lsn.h"
#include "log.h"

/* ---- replies ---- */

unsigned http_status_of(int code)
{
	/* grpc-gateway's HTTPStatusFromCode */
	static const unsigned status[] = {
		200, 499, 500, 400, 504, 404, 409, 403,
		429, 400, 409, 400, 501, 500, 503, 500, 401,
	};

	if (code < 0 || code >= (int)(sizeof(status) / sizeof(*status)))
		return 500;
	return status[code];
}

enum MHD_Result http_reply(struct http *h, struct MHD_Connection *c,
			   struct http_call *call, unsigned status,
			   const char *type, const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char v[32];

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) !=
	    MHD_YES)
		goto fail;
	if (call && call->request_id[0] &&
	    MHD_add_response_header(r, "X-Request-Id", call->request_id) != MHD_YES)
		goto fail;
	if (call && call->snapshot_version) {
		snprintf(v, sizeof(v), "%" PRIu64, call->snapshot_version);
		if (MHD_add_response_header(r, "X-Pathways-Snapshot", v) != MHD_YES)
			goto fail;
	}
	if (call && call->snapshot_lsn) {
		char lsn[LSN_TEXT_MAX];

		if (MHD_add_response_header(r, "X-Pathways-Snapshot-Lsn",
					    lsn_format(call->snapshot_lsn, lsn)) !=
		    MHD_YES)
			goto fail;
	}
	if (call && call->route == HTTP_ROUTE_XAPI &&
	    MHD_add_response_header(r, "X-Experience-API-Version", "1.0.3") !=
		    MHD_YES)
		goto fail;
	if (status == MHD_HTTP_UNAUTHORIZED &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				    "Bearer") != MHD_YES)
		goto fail;
	if (call)
		call->state = HTTP_CALL_REPLIED;
	if (status >= 100 && status < 600)
		atomic_fetch_add(&h->responses[status / 100], 1);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
fail:
	MHD_destroy_response(r);
	return MHD_NO;
}

enum MHD_Result http_reply_error(struct http *h, struct MHD_Connection *c,
				 struct http_call *call, unsigned status,
				 int code, const char *message)
{
	json_t *o = json_pack("{s:i,s:s}", "code", code, "message", message);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	enum MHD_Result ret = MHD_NO;

	if (text)
		ret = http_reply(h, c, call, status, "application/json", text,
				 strlen(text));
	free(text);
	json_decref(o);
	return ret;
}

/* ---- probes ---- */

static enum MHD_Result readyz(struct http *h, struct MHD_Connection *c)
{
	struct server *s = h->s;
	graph_t *g = graph_slot_acquire(&s->slot, SERVER_READER_HTTP);
	struct loader_stats ls = { 0 };
	const char *why = NULL;
	enum MHD_Result ret;

	if (s->loader)
		loader_get_stats(s->loader, &ls);
	if (__atomic_load_n(&s->stopping, __ATOMIC_RELAXED) ||
	    atomic_load(&h->closing))
		why = "shutting down";
	else if (ls.connected && !ls.schema_ok)
		why = "database schema older than expected: run pathwaysctl migrate";
	else if (!g)
		why = "no snapshot loaded yet";
	graph_unref(&g);
	if (why)
		return http_reply_error(h, c, NULL, MHD_HTTP_SERVICE_UNAVAILABLE,
					QUERY_UNAVAILABLE, why);
	ret = http_reply(h, c, NULL, MHD_HTTP_OK, "application/json",
			 "{\"status\":\"serving\"}", 20);
	return ret;
}

static enum MHD_Result metrics(struct http *h, struct MHD_Connection *c)
{
	char *text = NULL;
	size_t len = 0;
	enum MHD_Result ret;

	if (http_metrics_text(h->s, h, &text, &len))
		return MHD_NO;
	ret = http_reply(h, c, NULL, MHD_HTTP_OK,
			 "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
	return ret;
}

/* ---- the request handler ---- */

static void call_free(struct http_call *call)
{
	if (!call)
		return;
	if (call->has_resp)
		zmq_msg_close(&call->resp);
	http_xapi_free(call);
	free(call->body);
	free(call);
}

/* libmicrohttpd: a request is over (answered, or its connection gone) */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct http_call *call = *con_cls;

	(void)c;
	(void)toe;
	if (!call)
		return;
	h->active--;
	call_free(call);
	*con_cls = NULL;
}

/* Whether s is printable ASCII, fit to be echoed in a header. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* The headers of a request are in: route it. A call with a body is
 * created; anything else is answered at once. */
static enum MHD_Result on_headers(struct http *h, struct MHD_Connection *c,
				  const char *url, const char *method,
				  void **con_cls)
{
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		   strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	const struct methods_row *m = NULL;
	struct http_call *call;
	enum http_route route;
	const char *v;
	enum MHD_Result ret = MHD_NO;
	unsigned long long n;
	char *end;

	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0 ||
	    strcmp(url, "/metrics") == 0) {
		if (!get)
			return http_reply_error(h, c, NULL,
						MHD_HTTP_METHOD_NOT_ALLOWED, 12,
						"use GET");
		if (url[1] == 'h')
			return http_reply(h, c, NULL, MHD_HTTP_OK,
					  "application/json",
					  "{\"status\":\"alive\"}", 18);
		return url[1] == 'r' ? readyz(h, c) : metrics(h, c);
	}
	if (strncmp(url, "/v1/", 4) == 0) {
		route = HTTP_ROUTE_GATEWAY;
		m = methods_find(url + 4);
		if (!m) {
			char msg[200];

			snprintf(msg, sizeof(msg), "unknown method \"%.100s\"",
				 url + 4);
			return http_reply_error(h, c, NULL, MHD_HTTP_NOT_FOUND,
						QUERY_UNIMPLEMENTED, msg);
		}
	} else if (strcmp(url, "/xapi/statements") == 0) {
		route = HTTP_ROUTE_XAPI;
	} else {
		return http_reply_error(h, c, NULL, MHD_HTTP_NOT_FOUND,
					QUERY_NOT_FOUND, "no such path");
	}
	if (!post)
		return http_reply_error(h, c, NULL, MHD_HTTP_METHOD_NOT_ALLOWED,
					12, "use POST");
	call = calloc(1, sizeof(*call));
	if (!call)
		return MHD_NO;
	call->h = h;
	call->conn = c;
	call->route = route;
	call->m = m;
	*con_cls = call;
	h->active++;
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
	/* echoed in a header: printable ASCII only, else not echoed */
	if (v && printable(v))
		snprintf(call->request_id, sizeof(call->request_id), "%.100s", v);
	if (!http_authenticate(h, c, call, &ret))
		return ret;
	if (atomic_load(&h->closing))
		return http_reply_error(h, c, call, MHD_HTTP_SERVICE_UNAVAILABLE,
					QUERY_UNAVAILABLE,
					"server is shutting down");
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Deadline-Ms");
	if (v) {
		errno = 0;
		n = strtoull(v, &end, 10);
		if (!*v || *end || errno || n > UINT32_MAX || *v == '-')
			return http_reply_error(h, c, call,
						MHD_HTTP_BAD_REQUEST,
						QUERY_INVALID_ARGUMENT,
						"X-Deadline-Ms: expected milliseconds");
		call->deadline_ms = (uint32_t)n;
	}
	/* a body over the cap is refused before it is read */
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v && strtoull(v, NULL, 10) > h->max_request_bytes) {
		char msg[200];

		snprintf(msg, sizeof(msg),
			 "body of %.30s bytes is over max_request_bytes (%zu)",
			 v, h->max_request_bytes);
		return http_reply_error(h, c, call, MHD_HTTP_CONTENT_TOO_LARGE,
					QUERY_RESOURCE_EXHAUSTED, msg);
	}
	return MHD_YES;
}

static enum MHD_Result on_body(struct http *h, struct http_call *call,
			       const char *data, size_t *size)
{
	size_t n = *size;

	*size = 0;
	if (call->state == HTTP_CALL_REPLIED)
		return MHD_YES;		/* refused already: drop the rest */
	if (call->too_large || call->len + n > h->max_request_bytes) {
		/* chunked, without a length: libmicrohttpd answers only after
		 * the body, so the rest is dropped unread into memory and
		 * refused at its end; a peer that sends far more is cut off */
		call->too_large = true;
		call->dropped += n;
		return call->dropped > 4 * h->max_request_bytes ? MHD_NO
								: MHD_YES;
	}
	if (call->len + n + 1 > call->cap) {
		size_t cap = call->cap ? call->cap * 2 : 4096;
		char *b;

		while (cap < call->len + n + 1)
			cap *= 2;
		b = realloc(call->body, cap);
		if (!b)
			return MHD_NO;
		call->body = b;
		call->cap = cap;
	}
	memcpy(call->body + call->len, data, n);
	call->len += n;
	call->body[call->len] = '\0';
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct http_call *call = *con_cls;

	(void)version;
	if (!call)
		return on_headers(h, c, url, method, con_cls);
	if (*upload_size)
		return on_body(h, call, upload, upload_size);
	switch (call->state) {
	case HTTP_CALL_READING:
		if (call->too_large) {
			char msg[200];

			snprintf(msg, sizeof(msg),
				 "body is over max_request_bytes (%zu)",
				 h->max_request_bytes);
			return http_reply_error(h, c, call,
						MHD_HTTP_CONTENT_TOO_LARGE,
						QUERY_RESOURCE_EXHAUSTED, msg);
		}
		return call->route == HTTP_ROUTE_GATEWAY
			       ? http_gateway_start(h, call)
			       : http_xapi_start(h, call);
	case HTTP_CALL_ANSWERED:
		return call->route == HTTP_ROUTE_GATEWAY
			       ? http_gateway_reply(h, call)
			       : http_xapi_reply(h, call);
	default:
		return MHD_YES;
	}
}

/* ---- answers from the frontend ---- */

static void waiting_unlink(struct http *h, struct http_call *call)
{
	if (call->prev)
		call->prev->next = call->next;
	else if (h->waiting == call)
		h->waiting = call->next;
	if (call->next)
		call->next->prev = call->prev;
	call->prev = call->next = NULL;
}

/* Wakes the door's loop: libmicrohttpd, driven from our own loop, does
 * not see a resumed connection until it runs again. Any thread. */
static void wake(struct http *h)
{
	uint64_t one = 1;

	if (h->wake_fd >= 0 && write(h->wake_fd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		log_warn("http: cannot wake the loop (%s)", strerror(errno));
}

/* the answer of call: code, message and body (moved from msg, or none) */
static void answer(struct http *h, struct http_call *call, int code,
		   const char *message, uint64_t version, uint64_t lsn,
		   zmq_msg_t *msg)
{
	pthread_mutex_lock(&h->lock);
	if (call->state != HTTP_CALL_WAITING) {
		pthread_mutex_unlock(&h->lock);
		return;
	}
	waiting_unlink(h, call);
	call->code = code;
	snprintf(call->message, sizeof(call->message), "%s", message);
	call->snapshot_version = version;
	call->snapshot_lsn = lsn;
	if (msg) {
		zmq_msg_init(&call->resp);
		zmq_msg_move(&call->resp, msg);
		call->has_resp = true;
	}
	call->state = HTTP_CALL_ANSWERED;
	pthread_mutex_unlock(&h->lock);
	MHD_resume_connection(call->conn);
	wake(h);
}

void http_answer(struct server *s, struct server_job *j)
{
	answer(s->http, j->call, j->code, j->message, j->snapshot_version,
	       j->snapshot_lsn, j->has_body ? &j->body : NULL);
	if (j->has_body) {
		zmq_msg_close(&j->body);
		j->has_body = false;
	}
	j->call = NULL;
}

/* ---- the daemon and its thread ---- */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warn("http: %s", line);
}

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc = 0;

	if (!f)
		return -errno;
	do {
		if (len + 4096 + 1 > cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!b) {
				rc = -ENOMEM;
				break;
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (!rc && ferror(f))
		rc = -EIO;
	fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* A daemon on sa, or on the listening socket fd when sa is NULL, with
 * the TLS PEM texts (NULL: plain HTTP). NULL on failure (logged by
 * libmicrohttpd). */
static struct MHD_Daemon *start_daemon(struct http *h,
				       const struct sockaddr *sa, int fd,
				       const char *cert, const char *key)
{
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL },
		{ sa ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_LISTEN_SOCKET, fd,
		  (void *)(uintptr_t)sa },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h },
		{ MHD_OPTION_CONNECTION_LIMIT, 1024, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, 60, NULL },
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)key },
		{ MHD_OPTION_END, 0, NULL },
	};

	if (!cert)	/* plain HTTP: no TLS options */
		opts[5].option = MHD_OPTION_END;
	return MHD_start_daemon(h->flags, 0, NULL, NULL, on_request, h,
				MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

static void gen_stop(struct http_gen *g)
{
	if (g->d)
		MHD_stop_daemon(g->d);
	g->d = NULL;
	free(g->cert_pem);
	free(g->key_pem);
	g->cert_pem = g->key_pem = NULL;
}

/* SIGHUP with TLS: new certificate files take over the listening socket
 * (the old daemon stops accepting and serves its connections to their
 * end); when the new ones are refused the old ones go on. */
static void reload_tls(struct http *h, const char *cert_file,
		       const char *key_file)
{
	struct http_gen next = { 0 };
	int fd, spare, rc;

	if (!h->gen.cert_pem != !cert_file) {
		log_err("http: switching TLS on or off needs a restart");
		return;
	}
	if (!cert_file)
		return;
	rc = read_file(cert_file, &next.cert_pem);
	if (!rc)
		rc = read_file(key_file, &next.key_pem);
	if (rc) {
		log_err("http: TLS files not reloaded (%s); keeping the old ones",
			strerror(-rc));
		goto out;
	}
	if (strcmp(next.cert_pem, h->gen.cert_pem) == 0 &&
	    strcmp(next.key_pem, h->gen.key_pem) == 0)
		goto out;	/* unchanged */
	if (h->old_n == HTTP_OLD_MAX)
		gen_stop(&h->old[--h->old_n]);
	fd = MHD_quiesce_daemon(h->d);
	if (fd < 0) {
		log_err("http: TLS files not reloaded (cannot hand the socket over)");
		goto out;
	}
	/* a daemon that fails to start closes its socket: keep a copy */
	spare = dup(fd);
	next.d = start_daemon(h, NULL, fd, next.cert_pem, next.key_pem);
	if (next.d && spare >= 0)
		close(spare);
	if (!next.d) {
		fd = spare;
		log_err("http: the new TLS certificate or key is refused; keeping the old ones");
		gen_stop(&next);
		next.cert_pem = h->gen.cert_pem;
		next.key_pem = h->gen.key_pem;
		h->gen.cert_pem = h->gen.key_pem = NULL;
		next.d = fd < 0 ? NULL
				: start_daemon(h, NULL, fd, next.cert_pem,
					       next.key_pem);
		if (!next.d)
			log_err("http: cannot listen again: the door is closed");
	} else {
		log_notice("http: TLS certificate reloaded");
	}
	h->old[h->old_n++] = h->gen;
	h->gen = next;
	h->d = next.d;
	return;
out:
	gen_stop(&next);
}

/* the old daemons whose connections are all done go */
static void reap_old(struct http *h)
{
	for (size_t i = 0; i < h->old_n;) {
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(
			h->old[i].d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

		if (di && di->num_connections == 0) {
			gen_stop(&h->old[i]);
			h->old[i] = h->old[--h->old_n];
		} else {
			i++;
		}
	}
}

static void apply_reload(struct http *h)
{
	struct http_token *v = NULL;
	size_t n = 0;
	char *dir, *cert, *key;

	pthread_mutex_lock(&h->lock);
	if (!h->reload_wanted) {
		pthread_mutex_unlock(&h->lock);
		return;
	}
	h->reload_wanted = false;
	dir = h->reload_tokens_dir;
	cert = h->reload_cert_file;
	key = h->reload_key_file;
	h->reload_tokens_dir = h->reload_cert_file = h->reload_key_file = NULL;
	pthread_mutex_unlock(&h->lock);
	reload_tls(h, cert, key);
	free(cert);
	free(key);
	if (dir && http_tokens_read(dir, &v, &n)) {
		log_err("http: tokens not reloaded; keeping the old ones");
	} else {
		http_tokens_free(&h->tokens, &h->tokens_n);
		h->tokens = v;
		h->tokens_n = n;
		h->tokens_on = dir != NULL;
		log_notice("http: %zu tokens", n);
	}
	free(dir);
}

static void poll_add(struct MHD_Daemon *d, struct pollfd *p, nfds_t *n,
		     int *ms)
{
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
	MHD_UNSIGNED_LONG_LONG to;

	if (di)
		p[(*n)++] = (struct pollfd){ .fd = di->epoll_fd, .events = POLLIN };
	if (MHD_get_timeout(d, &to) == MHD_YES && to < (MHD_UNSIGNED_LONG_LONG)*ms)
		*ms = (int)to;
}

/* One round of the loop: wait (at most max_ms) for the daemons' epoll
 * descriptors or a wake-up, then let every daemon work. */
static void run_once(struct http *h, int max_ms)
{
	struct pollfd p[2 + HTTP_OLD_MAX];
	nfds_t n = 0;
	int ms = max_ms;
	uint64_t v;

	p[n++] = (struct pollfd){ .fd = h->wake_fd, .events = POLLIN };
	if (h->d)
		poll_add(h->d, p, &n, &ms);
	for (size_t i = 0; i < h->old_n; i++)
		poll_add(h->old[i].d, p, &n, &ms);
	if (poll(p, n, ms) < 0 && errno != EINTR) {
		log_warn("http: poll failed (%s)", strerror(errno));
		usleep(HTTP_LOOP_MS * 1000);	/* no spin */
	}
	if (p[0].revents & POLLIN)
		(void)!read(h->wake_fd, &v, sizeof(v));
	if (h->d && MHD_run(h->d) != MHD_YES)
		log_warn("http: event loop failed");
	for (size_t i = 0; i < h->old_n; i++)
		MHD_run(h->old[i].d);
}

static void *http_main(void *arg)
{
	struct http *h = arg;

	while (!atomic_load(&h->stop)) {
		apply_reload(h);
		reap_old(h);
		run_once(h, HTTP_LOOP_MS);
		atomic_store(&h->beat_us, server_mono_us());
	}
	return NULL;
}

bool http_is_alive(http_t *h)
{
	return server_mono_us() - atomic_load(&h->beat_us) < HTTP_ALIVE_US;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

void http_reload(http_t *h, const struct config *cfg)
{
	bool oom = false;
	char *dir = dup_or_null(cfg->http_tokens_dir, &oom);
	char *cert = dup_or_null(cfg->http_tls_cert_file, &oom);
	char *key = dup_or_null(cfg->http_tls_key_file, &oom);

	if (oom) {
		log_err("http: tokens and TLS not reloaded (out of memory)");
		free(dir);
		free(cert);
		free(key);
		return;
	}
	pthread_mutex_lock(&h->lock);
	free(h->reload_tokens_dir);
	free(h->reload_cert_file);
	free(h->reload_key_file);
	h->reload_tokens_dir = dir;
	h->reload_cert_file = cert;
	h->reload_key_file = key;
	h->reload_wanted = true;
	pthread_mutex_unlock(&h->lock);
}

/* HOST:PORT into a socket address */
static int resolve(const char *listen, struct sockaddr_storage *sa,
		   socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | AI_PASSIVE },
			*res = NULL;
	size_t hl;
	int rc;

	if (!colon)
		return -EINVAL;
	hl = (size_t)(colon - listen);
	if (listen[0] == '[' && hl >= 2) {
		listen++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc || !res) {
		log_err("http: cannot resolve %s (%s)", host, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int http_new(struct server *s, http_t **out)
{
	struct http *h = calloc(1, sizeof(*h));
	const struct config *cfg = &s->cfg;
	struct sockaddr_storage sa;
	socklen_t salen;
	int rc;

	if (!h)
		return -ENOMEM;
	h->s = s;
	pthread_mutex_init(&h->lock, NULL);
	h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	h->max_request_bytes = cfg->max_request_bytes;
	if (h->wake_fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (sodium_init() < 0) {	/* xAPI's statement ids */
		rc = -EIO;
		goto fail;
	}
	atomic_store(&h->beat_us, server_mono_us());
	if (cfg->http_xapi_mbox_attribute &&
	    !(h->mbox_attribute = strdup(cfg->http_xapi_mbox_attribute))) {
		rc = -ENOMEM;
		goto fail;
	}
	if (cfg->http_tokens_dir) {
		rc = http_tokens_read(cfg->http_tokens_dir, &h->tokens, &h->tokens_n);
		if (rc)
			goto fail;
		h->tokens_on = true;
	}
	rc = resolve(cfg->http_listen, &sa, &salen);
	if (rc)
		goto fail;
	/* our own loop (run_once) over libmicrohttpd's epoll descriptor */
	h->flags = MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_EPOLL;
	if (sa.ss_family == AF_INET6)
		h->flags |= MHD_USE_IPv6;
	if (cfg->http_tls_cert_file) {
		rc = read_file(cfg->http_tls_cert_file, &h->gen.cert_pem);
		if (!rc)
			rc = read_file(cfg->http_tls_key_file, &h->gen.key_pem);
		if (rc) {
			log_err("http: cannot read the TLS files (%s)",
				strerror(-rc));
			goto fail;
		}
		h->flags |= MHD_USE_TLS;
	}
	h->d = h->gen.d = start_daemon(h, (struct sockaddr *)&sa, -1,
				       h->gen.cert_pem, h->gen.key_pem);
	if (!h->d) {
		rc = -EADDRNOTAVAIL;
		log_err("http: cannot listen on %s%s", cfg->http_listen,
			h->gen.cert_pem ? " (or the TLS certificate and key are not usable)" : "");
		goto fail;
	}
	rc = pthread_create(&h->thread, NULL, http_main, h);
	if (rc) {
		rc = -rc;
		goto fail;
	}
	h->started = true;
	log_notice("http: listening on %s%s%s", cfg->http_listen,
		   h->gen.cert_pem ? " (TLS)" : "",
		   h->tokens_on ? ", bearer tokens required" : "");
	*out = h;
	return 0;
fail:
	http_destroy(&h);
	return rc;
}

void http_destroy(http_t **hp)
{
	struct http *h = *hp;
	int64_t until;

	if (!h)
		return;
	atomic_store(&h->closing, true);
	if (h->started) {
		atomic_store(&h->stop, true);
		pthread_join(h->thread, NULL);
	}
	{
		/* the frontend has stopped: answer what it never took, and
		 * what it took and never finished */
		server_calls_cancel(h->s);
		for (;;) {
			struct http_call *call;

			pthread_mutex_lock(&h->lock);
			call = h->waiting;
			pthread_mutex_unlock(&h->lock);
			if (!call)
				break;
			answer(h, call, QUERY_UNAVAILABLE,
			       "server is shutting down", 0, 0, NULL);
		}
		until = server_mono_us() + HTTP_STOP_LINGER_MS * 1000;
		while (h->active && server_mono_us() < until)
			run_once(h, 50);
	}
	while (h->old_n)
		gen_stop(&h->old[--h->old_n]);
	gen_stop(&h->gen);
	http_tokens_free(&h->tokens, &h->tokens_n);
	free(h->mbox_attribute);
	free(h->reload_tokens_dir);
	free(h->reload_cert_file);
	free(h->reload_key_file);
	pthread_mutex_destroy(&h->lock);
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	free(h);
	*hp = NULL;
}
