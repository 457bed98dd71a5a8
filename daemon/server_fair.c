/* server: the order in which queued requests reach the workers, so one
 * client's heavy requests do not starve another's cheap ones.
 *
 * Requests with a large body (many ids: the costly batches) are heavy, and
 * so are those of a method the table marks heavy (Pipeline).
 * Cheap ones go first, and heavy ones may hold at most all workers but one,
 * so a cheap request never waits for a batch to finish. Among heavy
 * requests the clients take turns: the next one dispatched belongs to
 * another client than the last when one is waiting (a client is its CURVE
 * key, else its connection), whatever the number of requests or sockets
 * the other has queued. */
#include <string.h>

#include "server_private.h"

/* scanned for a job of another client, from the head of the heavy queue */
#define SERVER_FAIR_SCAN 64

/* FNV-1a of the client: the CURVE key (every socket of a key is one
 * client), else the ROUTER's identity (the connection). */
static uint64_t client_of(struct server *s, struct server_job *j)
{
	const char *uid = s->sec ? zmq_msg_gets(&j->frames[j->frames_n - 1],
						"User-Id")
				 : NULL;
	const unsigned char *p;
	uint64_t h = 1469598103934665603ull;
	size_t n;

	if (uid && uid[0]) {
		p = (const unsigned char *)uid;
		n = strlen(uid);
	} else {
		p = zmq_msg_data(&j->frames[0]);
		n = zmq_msg_size(&j->frames[0]);
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

void server_fair_queue(struct server *s, struct server_job *j)
{
	struct server_job **head = &s->pending_head, **tail = &s->pending_tail;

	j->next = NULL;
	j->heavy = (j->m && j->m->heavy) ||
		   zmq_msg_size(&j->frames[j->routing_n + 1]) >
			   SERVER_HEAVY_BYTES;
	if (j->heavy) {
		j->client = client_of(s, j);
		head = &s->heavy_head;
		tail = &s->heavy_tail;
	}
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
	s->pending_n++;
}

/* Unlinks the job after prev (NULL: the head) from the heavy queue. */
static struct server_job *take_heavy(struct server *s, struct server_job *prev)
{
	struct server_job *j = prev ? prev->next : s->heavy_head;

	if (prev)
		prev->next = j->next;
	else
		s->heavy_head = j->next;
	if (s->heavy_tail == j)
		s->heavy_tail = prev;
	j->next = NULL;
	return j;
}

struct server_job *server_fair_next(struct server *s)
{
	struct server_job *j = s->pending_head, *prev = NULL;
	unsigned heavy_max = s->workers_n > 1 ? s->workers_n - 1 : 1;

	if (j) {
		s->pending_head = j->next;
		if (!s->pending_head)
			s->pending_tail = NULL;
		j->next = NULL;
		s->pending_n--;
		return j;
	}
	if (!s->heavy_head || s->heavy_running >= heavy_max)
		return NULL;
	/* the oldest job of a client other than the last one served */
	j = s->heavy_head;
	for (unsigned i = 0; j && i < SERVER_FAIR_SCAN; i++) {
		if (j->client != s->heavy_last)
			break;
		prev = j;
		j = j->next;
	}
	if (!j || j->client == s->heavy_last)
		prev = NULL;	/* only theirs within reach: the head */
	j = take_heavy(s, prev);
	s->heavy_last = j->client;
	s->heavy_running++;
	s->pending_n--;
	return j;
}

void server_fair_done(struct server *s, const struct server_job *j)
{
	if (j->heavy && s->heavy_running)
		s->heavy_running--;
}
