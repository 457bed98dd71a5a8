/* Readers take snapshots while a publisher swaps in hundreds of deltas:
 * every snapshot a reader holds must be internally consistent (built so a
 * torn read would show) and stay alive while held. Built with
 * ThreadSanitizer as a plain program (Criterion does not run under TSan
 * here); exits non-zero on an inconsistency, TSan reports fail it too. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_private.h"

#define READERS 3
#define PUBLISHES 300
#define COMPS 6

static struct graph_slot slot;
static atomic_bool done;
static atomic_ulong reads, torn;

static const char *comp_key[COMPS] = { "c0", "c1", "c2", "c3", "c4", "c5" };

/* every snapshot v: employee E has level v % 6 in every competency */
static unsigned expected(uint64_t v)
{
	return (unsigned)(v % 6);
}

static void *reader(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	uint64_t last = 0;

	while (!atomic_load(&done)) {
		graph_t *g = graph_slot_acquire(&slot, id);
		uint32_t e;

		if (!g)
			continue;
		e = graph_find_employee(g, "E");
		if (g->version < last) {
			fprintf(stderr, "reader %u: version went back %lu -> %lu\n",
				id, (unsigned long)last, (unsigned long)g->version);
			atomic_fetch_add(&torn, 1);
		}
		last = g->version;
		for (unsigned c = 0; c < COMPS; c++) {
			unsigned lv = graph_level_of(g, &g->emps[e],
						     graph_find_comp(g, comp_key[c]),
						     0, NULL);

			if (lv != expected(g->version)) {
				fprintf(stderr, "reader %u: snapshot %lu has level %u for %s, expected %u\n",
					id, (unsigned long)g->version, lv,
					comp_key[c], expected(g->version));
				atomic_fetch_add(&torn, 1);
			}
		}
		atomic_fetch_add(&reads, 1);
		graph_unref(&g);
	}
	return NULL;
}

static graph_t *first(void)
{
	graph_builder_t *b = graph_builder_new();
	graph_t *g = NULL;
	int rc = 0;

	rc |= graph_builder_track(b, "ic", "", GRAPH_TRACK_IC);
	for (unsigned c = 0; c < COMPS; c++)
		rc |= graph_builder_competency(b, comp_key[c], "", 0, NULL);
	rc |= graph_builder_role(b, "R", "", "ic", 1, NULL, 0, 0);
	rc |= graph_builder_employee(b, "E", "R", NULL, true);
	rc |= graph_builder_employee(b, "F", "R", NULL, true);
	for (unsigned c = 0; c < COMPS; c++)
		rc |= graph_builder_assessment(b, "E", comp_key[c], expected(1),
					       GRAPH_SRC_MANAGER, 0);
	if (rc || graph_builder_finish(&b, 1, &g)) {
		fprintf(stderr, "cannot build the first snapshot\n");
		exit(2);
	}
	return g;
}

int main(void)
{
	pthread_t th[READERS];
	graph_t *cur = first();
	const char *changed[] = { "E" };

	graph_slot_init(&slot);
	graph_ref(cur);
	graph_slot_publish(&slot, cur);
	for (unsigned i = 0; i < READERS; i++)
		pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)i);
	for (uint64_t v = 2; v <= PUBLISHES; v++) {
		graph_builder_t *b;
		graph_t *next = NULL;
		int rc = 0;

		/* a full rebuild every so often, deltas otherwise */
		if (graph_priv(cur)->owners_n >= GRAPH_MAX_OWNERS - 1) {
			graph_t *fresh = first();

			b = graph_builder_new_delta(fresh);
			rc |= graph_builder_employee(b, "E", "R", NULL, true);
			for (unsigned c = 0; c < COMPS; c++)
				rc |= graph_builder_assessment(b, "E", comp_key[c],
							       expected(v),
							       GRAPH_SRC_MANAGER, 0);
			rc |= graph_builder_finish_delta(&b, fresh, changed, 1, v, &next);
			graph_unref(&fresh);
		} else {
			b = graph_builder_new_delta(cur);
			rc |= graph_builder_employee(b, "E", "R", NULL, true);
			for (unsigned c = 0; c < COMPS; c++)
				rc |= graph_builder_assessment(b, "E", comp_key[c],
							       expected(v),
							       GRAPH_SRC_MANAGER, 0);
			rc |= graph_builder_finish_delta(&b, cur, changed, 1, v, &next);
		}
		if (rc) {
			fprintf(stderr, "delta %lu failed\n", (unsigned long)v);
			return 2;
		}
		graph_unref(&cur);
		cur = next;
		graph_ref(cur);
		graph_slot_publish(&slot, cur);
	}
	atomic_store(&done, true);
	for (unsigned i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	graph_unref(&cur);
	graph_slot_clear(&slot);
	printf("tsan_snapshot: %d publications, %lu reads, %lu inconsistent\n",
	       PUBLISHES, (unsigned long)atomic_load(&reads),
	       (unsigned long)atomic_load(&torn));
	return atomic_load(&torn) ? 1 : 0;
}
