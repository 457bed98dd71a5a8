/* server: read-your-writes across daemons — a request whose metadata has
 * min_lsn waits on the frontend (parked, not on a thread) until the loader
 * has published a snapshot at or past that WAL position, up to the
 * request's deadline (less a tenth, for the reply to make it back; none:
 * SERVER_LSN_WAIT_US); then it runs, or gets
 * UNAVAILABLE saying how far behind this daemon is, so the client can ask
 * another one. */
#include <inttypes.h>
#include <string.h>

#include "lsn.h"
#include "server_private.h"

bool server_lsn_parse(struct server_job *j, const Pathways__V1__RequestHeader *h)
{
	for (size_t i = 0; i < h->n_metadata; i++) {
		const char *v = h->metadata[i]->value;

		if (strcmp(h->metadata[i]->key, "min_lsn") != 0)
			continue;
		if (v[0] && lsn_parse(v, &j->min_lsn) == 0)
			return true;
		server_job_fail(j, QUERY_INVALID_ARGUMENT,
				"metadata min_lsn \"%.40s\" is not a WAL position (like 16/B374D848)",
				v);
		return false;
	}
	return true;
}

static uint64_t current(struct server *s)
{
	return s->loader ? loader_snapshot_lsn(s->loader) : 0;
}

bool server_lsn_reached(struct server *s, struct server_job *j)
{
	char have[LSN_TEXT_MAX], want[LSN_TEXT_MAX];
	uint64_t at = current(s);

	j->snapshot_lsn = at;
	if (!j->min_lsn || at >= j->min_lsn || j->m->kind != METHODS_QUERY)
		return true;
	if (!at)
		server_job_fail(j, QUERY_UNAVAILABLE,
				"min_lsn %s: this daemon's snapshot has no known WAL position yet; try another daemon",
				lsn_format(j->min_lsn, want));
	else
		server_job_fail(j, QUERY_UNAVAILABLE,
				"min_lsn %s: this daemon's snapshot is at %s, %" PRIu64 " bytes of WAL behind; try another daemon",
				lsn_format(j->min_lsn, want),
				lsn_format(at, have),
				lsn_behind(at, j->min_lsn));
	return false;
}

bool server_lsn_park(struct server *s, struct server_job *j)
{
	if (!j->min_lsn || j->m->kind != METHODS_QUERY ||
	    current(s) >= j->min_lsn)
		return false;
	/* a tenth of the time short of the deadline: the client, which
	 * gives up at its deadline, still gets told how far behind we are */
	j->lsn_until_us = j->deadline_us
				  ? j->deadline_us -
					    (j->deadline_us - j->received_us) / 10
				  : j->received_us + SERVER_LSN_WAIT_US;
	j->next = NULL;
	if (s->lsn_tail)
		s->lsn_tail->next = j;
	else
		s->lsn_head = j;
	s->lsn_tail = j;
	s->lsn_n++;
	return true;
}

void server_lsn_recheck(struct server *s)
{
	struct server_job **pp = &s->lsn_head, *j;
	int64_t now = server_mono_us();
	uint64_t at = current(s);

	s->lsn_tail = NULL;
	while ((j = *pp)) {
		if (at < j->min_lsn && now < j->lsn_until_us && !s->stopping) {
			s->lsn_tail = j;
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		j->next = NULL;
		s->lsn_n--;
		/* reached, or out of time: server_job_run says which */
		server_dispatch_read(s, s->front, j);
	}
}

void server_lsn_drop(struct server *s)
{
	struct server_job *j;

	while ((j = s->lsn_head)) {
		s->lsn_head = j->next;
		server_job_put(s, j);
	}
	s->lsn_tail = NULL;
	s->lsn_n = 0;
}
