/* http: bearer tokens — reading [http] tokens_dir (cert.h's token files),
 * naming the caller of a request, and what a token may call. */
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "http_private.h"
#include "log.h"

void http_tokens_free(struct http_token **v, size_t *n)
{
	if (*v)
		sodium_memzero(*v, *n * sizeof(**v));
	free(*v);
	*v = NULL;
	*n = 0;
}

/* Reads every NAME.token in dir. 0, or -errno with a log line naming the
 * file at fault (a bad file refuses the whole folder, as a bad client
 * certificate does: a half-read list would lock out or let in the wrong
 * clients). */
int http_tokens_read(const char *dir, struct http_token **out, size_t *n_out)
{
	struct http_token *v = NULL;
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d) {
		rc = -errno;
		log_err("http: tokens_dir %s: %s", dir, strerror(errno));
		return rc;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char path[4096], err[1024];
		struct http_token *t;
		struct cert c;

		if (len < 7 || strcmp(e->d_name + len - 6, ".token") != 0 ||
		    e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		rc = cert_read_token(path, &c, err, sizeof(err));
		if (rc) {
			log_err("http: %s", err);
			break;
		}
		t = realloc(v, (n + 1) * sizeof(*v));
		if (!t) {
			rc = -ENOMEM;
			break;
		}
		v = t;
		t = &v[n++];
		if (c.name[0])
			snprintf(t->name, sizeof(t->name), "%s", c.name);
		else
			snprintf(t->name, sizeof(t->name), "%.*s",
				 (int)(len - 6), e->d_name);
		memcpy(t->methods, c.methods, sizeof(t->methods));
		memcpy(t->sha256, c.token_sha256, sizeof(t->sha256));
		log_info("http: token %s may call %s", t->name,
			 t->methods[0] ? t->methods : "the read methods");
	}
	closedir(d);
	if (rc) {
		http_tokens_free(&v, &n);
		return rc;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static const struct http_token *token_find(struct http *h, const char *token)
{
	char hex[CERT_SHA256_HEX + 1];

	cert_token_hash(token, hex);
	for (size_t i = 0; i < h->tokens_n; i++)
		if (sodium_memcmp(hex, h->tokens[i].sha256, CERT_SHA256_HEX) == 0)
			return &h->tokens[i];
	return NULL;
}

bool http_token_allows(const struct http_call *call,
		       const struct methods_row *m)
{
	if (m->kind == METHODS_HEALTH)
		return true;	/* says nothing about anyone */
	if (!call->methods[0])
		return m->kind != METHODS_WRITE;
	return security_listed(call->methods, m->name);
}

/* Names the caller (token:NAME, else http:ADDRESS) and checks its token.
 * false: a 401 is queued. */
bool http_authenticate(struct http *h, struct MHD_Connection *c,
			 struct http_call *call, enum MHD_Result *ret)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	const struct http_token *t = NULL;

	if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
		t = token_find(h, auth + 7);
	if (t) {
		call->has_token = true;
		memcpy(call->methods, t->methods, sizeof(call->methods));
		snprintf(call->who, sizeof(call->who), "token:%.56s", t->name);
		return true;
	}
	if (h->tokens_on) {
		*ret = http_reply_error(h, c, call, MHD_HTTP_UNAUTHORIZED, 16,
					auth ? "unknown bearer token"
					     : "a bearer token is required");
		return false;
	}
	{
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		char host[NI_MAXHOST] = "?";

		if (ci && ci->client_addr)
			getnameinfo(ci->client_addr,
				    ci->client_addr->sa_family == AF_INET6
					    ? sizeof(struct sockaddr_in6)
					    : sizeof(struct sockaddr_in),
				    host, sizeof(host), NULL, 0, NI_NUMERICHOST);
		snprintf(call->who, sizeof(call->who), "http:%s", host);
	}
	return true;
}

