#include "security.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "cert.h"
#include "log.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "pathwaysd"
#define MAX_CLIENTS 4096

struct client {
	uint8_t key[32];
	char fingerprint[CERT_Z85_LEN + 1];	/* the Z85 public key: the
						 * User-Id */
	char *methods;			/* comma list; NULL: read methods */
};

struct clients {
	struct client *v;
	size_t n;
};

struct security {
	char public_key[CERT_Z85_LEN + 1], secret_key[CERT_Z85_LEN + 1];
	/* the ZAP thread and the frontend read the list, SIGHUP replaces
	 * it: under the lock (held for a lookup, never for a load) */
	pthread_mutex_t lock;
	struct clients clients;
	void *zctx;
	pthread_t thread;
	bool started;
	void *zap;			/* the handler's socket */
};

static bool listed(const char *list, const char *method)
{
	size_t n = strlen(method);

	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && (*p == ' '))
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		if ((len == 1 && *p == '*') || (len == n && strncmp(p, method, n) == 0))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

bool security_listed(const char *list, const char *method)
{
	return listed(list, method);
}

/* The log line that says who may call what: the key's first characters
 * (public, and enough to tell keys apart), never the secret. */
static void log_client(const char *file, const struct cert *c)
{
	const char *what = c->methods;

	if (!c->methods[0])
		what = "the read methods";
	else if (listed(c->methods, "*"))
		what = "every method, writes and EraseEmployee included";
	log_notice("security: client %s%s%s%s (key %.8s...) may call %s", file,
		   c->name[0] ? " (\"" : "", c->name, c->name[0] ? "\")" : "",
		   c->public_key, what);
}

static void free_clients(struct clients *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].methods);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Reads dir into *l (empty on entry); on failure *l is freed. */
static int load_clients(struct clients *l, const char *dir, bool quiet,
			char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return rc;
	}
	l->v = calloc(MAX_CLIENTS, sizeof(*l->v));
	if (!l->v) {
		closedir(d);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		char path[4096], why[1024];
		struct client *c;
		struct cert cert;

		if (de->d_name[0] == '.')
			continue;
		/* secret certificates never belong here */
		if (strstr(de->d_name, "_secret") || strstr(de->d_name, ".key"))
			continue;
		if (l->n == MAX_CLIENTS) {
			snprintf(err, errlen, "%s: more than %d client keys", dir,
				 MAX_CLIENTS);
			rc = -E2BIG;
			break;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		c = &l->v[l->n];
		rc = cert_read(path, &cert, why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "not a client certificate: %s",
				 why);
			break;
		}
		memcpy(c->fingerprint, cert.public_key, sizeof(c->fingerprint));
		/* cert_read checked it decodes */
		zmq_z85_decode(c->key, c->fingerprint);
		if (cert.methods[0] && !(c->methods = strdup(cert.methods))) {
			cert_wipe(&cert);
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
			break;
		}
		if (cert.secret_key[0] && !quiet)
			log_warn("security: %s holds a secret key: it belongs "
				 "with its client, not here", path);
		if (!quiet)
			log_client(de->d_name, &cert);
		cert_wipe(&cert);
		l->n++;
	}
	closedir(d);
	if (rc)
		free_clients(l);
	return rc;
}

/* security_new(), and security_check() when quiet */
static int security_load(const char *secret_key_file, const char *clients_dir,
			 bool quiet, security_t **out, char *err,
			 size_t errlen)
{
	security_t *s = calloc(1, sizeof(*s));
	struct cert cert;
	char why[1024];
	int rc;

	if (!s)
		return -ENOMEM;
	if (pthread_mutex_init(&s->lock, NULL)) {
		free(s);
		return -ENOMEM;
	}
	rc = cert_read(secret_key_file, &cert, why, sizeof(why));
	if (!rc && !cert.secret_key[0]) {
		snprintf(why, sizeof(why), "%s: no secret-key",
			 secret_key_file);
		rc = -EINVAL;
	}
	if (rc) {
		snprintf(err, errlen, "not a secret certificate: %s", why);
		cert_wipe(&cert);
		security_destroy(&s);
		return rc;
	}
	memcpy(s->public_key, cert.public_key, sizeof(s->public_key));
	memcpy(s->secret_key, cert.secret_key, sizeof(s->secret_key));
	cert_wipe(&cert);
	if (clients_dir) {
		rc = load_clients(&s->clients, clients_dir, quiet, err,
				  errlen);
		if (rc) {
			security_destroy(&s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

int security_new(const char *secret_key_file, const char *clients_dir,
		 security_t **out, char *err, size_t errlen)
{
	return security_load(secret_key_file, clients_dir, false, out, err,
			     errlen);
}

int security_check(const char *secret_key_file, const char *clients_dir,
		   char *err, size_t errlen)
{
	security_t *s = NULL;
	int rc;

	rc = security_load(secret_key_file, clients_dir, true, &s, err,
			   errlen);
	security_destroy(&s);
	return rc;
}

int security_reload_clients(security_t *s, const char *clients_dir,
			    char *err, size_t errlen)
{
	struct clients l = { 0 }, old;
	int rc = 0;

	if (clients_dir)
		rc = load_clients(&l, clients_dir, false, err, errlen);
	if (rc)
		return rc;
	pthread_mutex_lock(&s->lock);
	old = s->clients;
	s->clients = l;
	pthread_mutex_unlock(&s->lock);
	free_clients(&old);
	return 0;
}

size_t security_clients(security_t *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->clients.n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* The User-Id of the allowed client with this key into user (""
 * none); false when the key is not allowed. */
static bool find_key(security_t *s, const uint8_t *key,
		     char user[CERT_Z85_LEN + 1])
{
	bool found = false;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->clients.n; i++)
		if (memcmp(s->clients.v[i].key, key, 32) == 0) {
			memcpy(user, s->clients.v[i].fingerprint,
			       CERT_Z85_LEN + 1);
			found = true;
			break;
		}
	pthread_mutex_unlock(&s->lock);
	return found;
}

/* ZAP (RFC 27): REP socket; request frames version, request id, domain,
 * address, identity, mechanism, credentials... */
static void *zap_main(void *arg)
{
	security_t *s = arg;

	for (;;) {
		zmq_msg_t f[8];
		int n = 0, more = 1;
		const char *status = "400", *text = "unknown client key";
		char user[CERT_Z85_LEN + 1] = "";
		bool known = false;

		while (more && n < 8) {
			size_t ml = sizeof(more);

			zmq_msg_init(&f[n]);
			if (zmq_msg_recv(&f[n], s->zap, 0) < 0) {
				zmq_msg_close(&f[n]);
				/* context terminated: close, so it can end */
				for (int i = 0; i < n; i++)
					zmq_msg_close(&f[i]);
				zmq_close(s->zap);
				return NULL;
			}
			n++;
			zmq_getsockopt(s->zap, ZMQ_RCVMORE, &more, &ml);
		}
		if (n >= 7 && zmq_msg_size(&f[5]) == 5 &&
		    memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
		    zmq_msg_size(&f[6]) == 32)
			known = find_key(s, zmq_msg_data(&f[6]), user);
		if (known) {
			status = "200";
			text = "OK";
		} else {
			char addr[64] = "";
			size_t al = n > 3 ? zmq_msg_size(&f[3]) : 0;

			memcpy(addr, n > 3 ? zmq_msg_data(&f[3]) : "",
			       al < sizeof(addr) - 1 ? al : sizeof(addr) - 1);
			log_warn("security: a client from %s with an unknown key was refused",
				 addr[0] ? addr : "?");
		}
		zmq_send(s->zap, "1.0", 3, ZMQ_SNDMORE);
		if (n > 1)
			zmq_send(s->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]),
				 ZMQ_SNDMORE);
		else
			zmq_send(s->zap, "", 0, ZMQ_SNDMORE);
		zmq_send(s->zap, status, 3, ZMQ_SNDMORE);
		zmq_send(s->zap, text, strlen(text), ZMQ_SNDMORE);
		zmq_send(s->zap, user, strlen(user), ZMQ_SNDMORE);
		zmq_send(s->zap, "", 0, 0);
		/* drain anything beyond what we read */
		while (more) {
			size_t ml = sizeof(more);
			zmq_msg_t x;

			zmq_msg_init(&x);
			if (zmq_msg_recv(&x, s->zap, 0) < 0)
				more = 0;
			else
				zmq_getsockopt(s->zap, ZMQ_RCVMORE, &more, &ml);
			zmq_msg_close(&x);
		}
		for (int i = 0; i < n; i++)
			zmq_msg_close(&f[i]);
	}
}

int security_start(security_t *s, void *zctx)
{
	int zero = 0, rc;

	s->zctx = zctx;
	s->zap = zmq_socket(zctx, ZMQ_REP);
	if (!s->zap || zmq_setsockopt(s->zap, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_bind(s->zap, ZAP_ENDPOINT)) {
		rc = -errno;
		log_err("security: cannot bind the ZAP handler (%s)",
			zmq_strerror(errno));
		return rc;
	}
	rc = pthread_create(&s->thread, NULL, zap_main, s);
	if (rc)
		return -rc;
	s->started = true;
	return 0;
}

int security_apply(const security_t *s, void *sock)
{
	int one = 1;

	if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof(one)) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s->secret_key, 40))
		return -errno;
	return 0;
}

int security_probe(const security_t *s, void *zctx, const char *endpoint)
{
	char pub[41], sec[41];
	void *sock = zmq_socket(zctx, ZMQ_DEALER), *mon = NULL;
	int zero = 0, rc = -EACCES;
	char monep[64];

	if (!sock || zmq_curve_keypair(pub, sec))
		goto out;
	snprintf(monep, sizeof(monep), "inproc://pathwaysd-probe-%p", (void *)sock);
	if (zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, s->public_key, 40) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, 40) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 40) ||
	    zmq_socket_monitor(sock, monep, ZMQ_EVENT_ALL))
		goto out;
	mon = zmq_socket(zctx, ZMQ_PAIR);
	if (!mon || zmq_setsockopt(mon, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_connect(mon, monep) || zmq_connect(sock, endpoint))
		goto out;
	/* wait for the handshake's verdict (bounded) */
	for (int i = 0; i < 50; i++) {
		zmq_pollitem_t it = { mon, 0, ZMQ_POLLIN, 0 };
		zmq_msg_t ev;
		uint16_t event;

		if (zmq_poll(&it, 1, 100) <= 0)
			continue;
		zmq_msg_init(&ev);
		if (zmq_msg_recv(&ev, mon, 0) < 0) {
			zmq_msg_close(&ev);
			break;
		}
		memcpy(&event, zmq_msg_data(&ev), sizeof(event));
		zmq_msg_close(&ev);
		/* second frame: the endpoint */
		zmq_msg_init(&ev);
		zmq_msg_recv(&ev, mon, 0);
		zmq_msg_close(&ev);
		if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
			rc = -EACCES;
			goto out;
		}
		if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
		    event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
		    event == ZMQ_EVENT_DISCONNECTED) {
			rc = 0;
			goto out;
		}
	}
	log_err("security: the probe with an unknown key got no verdict in time");
out:
	if (sock) {
		zmq_socket_monitor(sock, NULL, 0);
		zmq_close(sock);
	}
	if (mon)
		zmq_close(mon);
	return rc;
}

bool security_allows(security_t *s, const char *user_id,
		     const char *method, bool is_write)
{
	bool ok = false;

	if (!s)
		return true;	/* no CURVE: allow_writes decides writes */
	if (!user_id)
		return false;
	/* by the current list: a key dropped by a reload loses its
	 * connections' rights at once */
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->clients.n; i++) {
		const struct client *c = &s->clients.v[i];

		if (strcmp(c->fingerprint, user_id) != 0)
			continue;
		if (!c->methods)
			ok = !is_write;	/* read methods only */
		else
			ok = listed(c->methods, method);
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

void security_destroy(security_t **sp)
{
	security_t *s = *sp;

	if (!s)
		return;
	/* the ZAP thread ends when the context terminates; the server
	 * closes its sockets first, then terminates the context, then
	 * calls us */
	if (s->started)
		pthread_join(s->thread, NULL);
	free_clients(&s->clients);
	pthread_mutex_destroy(&s->lock);
	explicit_bzero(s->secret_key, sizeof(s->secret_key));
	free(s);
	*sp = NULL;
}
