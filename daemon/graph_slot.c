/* Publication: see graph.h, "publication". */
#include "graph.h"

#include <time.h>

void graph_slot_init(struct graph_slot *s)
{
	atomic_init(&s->current, NULL);
	for (unsigned i = 0; i < GRAPH_SLOT_READERS; i++)
		atomic_init(&s->hazard[i], NULL);
}

graph_t *graph_slot_acquire(struct graph_slot *s, unsigned reader)
{
	_Atomic(graph_t *) *hz = &s->hazard[reader % GRAPH_SLOT_READERS];
	graph_t *g;

	for (;;) {
		g = atomic_load(&s->current);
		if (!g)
			return NULL;
		atomic_store(hz, g);
		if (atomic_load(&s->current) == g)
			break;
	}
	graph_ref(g);
	atomic_store_explicit(hz, NULL, memory_order_release);
	return g;
}

static void slot_retire(struct graph_slot *s, graph_t *old)
{
	if (!old)
		return;
	for (unsigned i = 0; i < GRAPH_SLOT_READERS; i++) {
		while (atomic_load(&s->hazard[i]) == old) {
			struct timespec ts = { 0, 1000 };

			nanosleep(&ts, NULL);
		}
	}
	graph_unref(&old);
}

void graph_slot_publish(struct graph_slot *s, graph_t *g)
{
	slot_retire(s, atomic_exchange(&s->current, g));
}

void graph_slot_clear(struct graph_slot *s)
{
	slot_retire(s, atomic_exchange(&s->current, NULL));
}
