/* server: unread reply bytes per peer (see SERVER_PEER_UNREAD_MAX), per
 * client (its CURVE key, or its address when that is not loopback) and in
 * all. A reply's body is counted from when it is made until libzmq
 * releases it (reply_release(), on libzmq's I/O thread) once written out
 * or dropped with the peer; hence the lock. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_private.h"

/* A reply's body as handed to libzmq, which frees it. */
struct reply_buf {
	struct server *s;
	struct server_unread *peer;	/* NULL: not counted (no memory) */
	struct server_unread *client;	/* NULL: none, or not counted */
	size_t len;
	max_align_t data[];
};

/* Entries are keyed by a kind byte ('p' a peer's routing id, 'c' a
 * client) and the bytes that name it. */
static struct server_unread **unread_slot(struct server *s, char kind,
					  const void *id, size_t len)
{
	const unsigned char *p = id;
	uint32_t h = (2166136261u ^ (unsigned char)kind) * 16777619u;
	struct server_unread **e;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	for (e = &s->unread[h % SERVER_UNREAD_BUCKETS]; *e; e = &(*e)->next)
		if ((*e)->kind == kind && (*e)->id_len == len &&
		    memcmp((*e)->id, id, len) == 0)
			break;
	return e;
}

/* under the lock */
static size_t bytes_of(struct server *s, char kind, const void *id,
		       size_t len)
{
	struct server_unread *e = *unread_slot(s, kind, id, len);

	return e ? e->bytes : 0;
}

size_t server_unread_client(struct server *s, const struct server_job *j,
			    char *out, size_t len)
{
	zmq_msg_t *last = (zmq_msg_t *)&j->frames[j->frames_n - 1];
	const char *uid = s->sec ? zmq_msg_gets(last, "User-Id") : NULL;
	const char *addr;
	int n;

	if (uid && uid[0]) {
		n = snprintf(out, len, "key:%s", uid);
		goto out;
	}
	addr = zmq_msg_gets(last, "Peer-Address");
	/* every local client shares a loopback address: counting them as
	 * one would let one of them block the others */
	if (!addr || !addr[0] || strncmp(addr, "127.", 4) == 0 ||
	    strcmp(addr, "::1") == 0 || strncmp(addr, "::ffff:127.", 11) == 0)
		return 0;
	n = snprintf(out, len, "addr:%s", addr);
out:
	/* cut: what is counted is what fits */
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

int server_unread_over(struct server *s, const struct server_job *j,
		       const char *client, size_t cn, char *why, size_t len)
{
	const zmq_msg_t *id = &j->frames[0];
	size_t peer, mine = 0, total;

	pthread_mutex_lock(&s->unread_lock);
	peer = bytes_of(s, 'p', zmq_msg_data((zmq_msg_t *)id),
			zmq_msg_size((zmq_msg_t *)id));
	if (cn)
		mine = bytes_of(s, 'c', client, cn);
	total = s->unread_total;
	pthread_mutex_unlock(&s->unread_lock);
	if (peer > SERVER_PEER_UNREAD_MAX)
		snprintf(why, len, "over %zu MiB of replies unread: read them first",
			 SERVER_PEER_UNREAD_MAX >> 20);
	else if (mine > SERVER_CLIENT_UNREAD_MAX)
		snprintf(why, len, "over %zu MiB of replies unread on this client's connections: read them first",
			 SERVER_CLIENT_UNREAD_MAX >> 20);
	else if (total > SERVER_UNREAD_MAX && (peer || mine))
		/* only those with replies unread: the others read theirs
		 * and are served as usual */
		snprintf(why, len, "over %zu MiB of replies unread by all clients, yours among them: read them first",
			 SERVER_UNREAD_MAX >> 20);
	else
		return 0;
	return 1;
}

/* Counts len more bytes for the entry; NULL (not counted) without memory.
 * Under the lock. */
static struct server_unread *unread_add(struct server *s, char kind,
					const void *key, size_t klen,
					size_t len)
{
	struct server_unread **slot = unread_slot(s, kind, key, klen), *e;

	e = *slot;
	if (!e && (e = calloc(1, sizeof(*e) + klen))) {
		memcpy(e->id, key, klen);
		e->id_len = klen;
		e->kind = kind;
		*slot = e;
	}
	if (e) {
		e->bytes += len;
		e->refs++;
	}
	return e;
}

/* under the lock */
static void unread_sub(struct server *s, struct server_unread *e, size_t len)
{
	e->bytes -= len;
	if (--e->refs == 0) {
		struct server_unread **slot =
			unread_slot(s, e->kind, e->id, e->id_len);

		*slot = e->next;
		free(e);
	}
}

static void reply_release(void *data, void *hint)
{
	struct reply_buf *rb = hint;
	struct server *s = rb->s;
	bool trim = false;

	(void)data;
	pthread_mutex_lock(&s->unread_lock);
	if (rb->peer) {
		unread_sub(s, rb->peer, rb->len);
		s->unread_total -= rb->len;
	}
	if (rb->client)
		unread_sub(s, rb->client, rb->len);
	/* a pile of unread replies has gone (its readers read, or left):
	 * give the memory back rather than keep it for the next pile */
	if (s->unread_peak >= SERVER_UNREAD_TRIM_MIN &&
	    s->unread_total < s->unread_peak / 4) {
		s->unread_peak = s->unread_total;
		trim = true;
	}
	pthread_mutex_unlock(&s->unread_lock);
	free(rb);
	if (trim)
		malloc_trim(0);
}

int server_unread_reply(struct server *s, const struct server_job *j,
			const char *client, size_t cn, size_t len,
			zmq_msg_t *msg, uint8_t **data)
{
	struct reply_buf *rb = malloc(sizeof(*rb) + (len ? len : 1));
	const zmq_msg_t *id = &j->frames[0];

	if (!rb)
		return -ENOMEM;
	rb->s = s;
	rb->len = len;
	pthread_mutex_lock(&s->unread_lock);
	rb->peer = unread_add(s, 'p', zmq_msg_data((zmq_msg_t *)id),
			      zmq_msg_size((zmq_msg_t *)id), len);
	rb->client = cn ? unread_add(s, 'c', client, cn, len) : NULL;
	if (rb->peer) {
		s->unread_total += len;
		if (s->unread_total > s->unread_peak)
			s->unread_peak = s->unread_total;
	}
	pthread_mutex_unlock(&s->unread_lock);
	if (zmq_msg_init_data(msg, rb->data, len, reply_release, rb)) {
		reply_release(rb->data, rb);
		return -ENOMEM;
	}
	*data = (uint8_t *)rb->data;
	return 0;
}
