/* server: unread reply bytes per peer (see SERVER_PEER_UNREAD_MAX). A
 * reply's body is counted from when it is made until libzmq releases it
 * (reply_release(), on libzmq's I/O thread) once written out or dropped
 * with the peer; hence the lock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server_private.h"

/* A reply's body as handed to libzmq, which frees it. */
struct reply_buf {
	struct server *s;
	struct server_unread *peer;	/* NULL: not counted (no memory) */
	size_t len;
	max_align_t data[];
};

static struct server_unread **unread_slot(struct server *s, const void *id,
					  size_t len)
{
	const unsigned char *p = id;
	uint32_t h = 2166136261u;
	struct server_unread **e;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	for (e = &s->unread[h % SERVER_UNREAD_BUCKETS]; *e; e = &(*e)->next)
		if ((*e)->id_len == len && memcmp((*e)->id, id, len) == 0)
			break;
	return e;
}

size_t server_unread_bytes(struct server *s, const zmq_msg_t *id)
{
	struct server_unread *e;
	size_t n;

	pthread_mutex_lock(&s->unread_lock);
	e = *unread_slot(s, zmq_msg_data((zmq_msg_t *)id),
			 zmq_msg_size((zmq_msg_t *)id));
	n = e ? e->bytes : 0;
	pthread_mutex_unlock(&s->unread_lock);
	return n;
}

/* Counts len more bytes for the peer; NULL (not counted) without memory. */
static struct server_unread *unread_add(struct server *s, const zmq_msg_t *id,
					size_t len)
{
	const void *key = zmq_msg_data((zmq_msg_t *)id);
	size_t klen = zmq_msg_size((zmq_msg_t *)id);
	struct server_unread **slot, *e;

	pthread_mutex_lock(&s->unread_lock);
	slot = unread_slot(s, key, klen);
	e = *slot;
	if (!e && (e = calloc(1, sizeof(*e) + klen))) {
		memcpy(e->id, key, klen);
		e->id_len = klen;
		*slot = e;
	}
	if (e) {
		e->bytes += len;
		e->refs++;
	}
	pthread_mutex_unlock(&s->unread_lock);
	return e;
}

static void unread_sub(struct server *s, struct server_unread *e, size_t len)
{
	pthread_mutex_lock(&s->unread_lock);
	e->bytes -= len;
	if (--e->refs == 0) {
		struct server_unread **slot = unread_slot(s, e->id, e->id_len);

		*slot = e->next;
		free(e);
	}
	pthread_mutex_unlock(&s->unread_lock);
}

static void reply_release(void *data, void *hint)
{
	struct reply_buf *rb = hint;

	(void)data;
	if (rb->peer)
		unread_sub(rb->s, rb->peer, rb->len);
	free(rb);
}

int server_unread_reply(struct server *s, const zmq_msg_t *id, size_t len,
			zmq_msg_t *msg, uint8_t **data)
{
	struct reply_buf *rb = malloc(sizeof(*rb) + (len ? len : 1));

	if (!rb)
		return -ENOMEM;
	rb->s = s;
	rb->len = len;
	rb->peer = unread_add(s, id, len);
	if (zmq_msg_init_data(msg, rb->data, len, reply_release, rb)) {
		reply_release(rb->data, rb);
		return -ENOMEM;
	}
	*data = (uint8_t *)rb->data;
	return 0;
}
