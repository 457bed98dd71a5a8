/* libFuzzer target: the saved-snapshot reader, persist_load_mem().
 *
 * The input is a whole snapshot file. It is read twice: as it is (the
 * magic, size and checksum checks), then with its last 8 bytes replaced by
 * the right checksum, so that mutations reach the record parser and the
 * rebuild instead of stopping at the checksum. The seeds
 * (corpus/persist/) are files persist_save() wrote for FUZZ_SCHEMA, made
 * by make_persist_corpus.c.
 *
 * Besides the sanitizers it checks what persist.h promises: the result is
 * 0, -EPROTO or -ENOMEM; a refusal leaves *out alone and says why; a
 * snapshot that loads holds together (every index in range, every key
 * found again through its index, levels and completions sorted). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persist.h"

#define FUZZ_SCHEMA 9

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, unsigned long detail)
{
	fprintf(stderr, "fuzz_persist: %s (%lu)\n", what, detail);
	abort();
}

static void fuzz_check_graph(const graph_t *g)
{
	for (uint32_t i = 0; i < g->tracks_n; i++)
		if (graph_find_track(g, g->tracks[i].key) != i)
			fuzz_fail("track not found by key", i);
	for (uint32_t i = 0; i < g->comps_n; i++)
		if (graph_find_comp(g, g->comps[i].key) != i)
			fuzz_fail("competency not found by key", i);
	for (uint32_t i = 0; i < g->roles_n; i++) {
		const struct graph_role *r = &g->roles[i];

		if (graph_find_role(g, r->key) != i || r->track >= g->tracks_n ||
		    (r->area != GRAPH_NONE && r->area >= g->areas_n))
			fuzz_fail("role", i);
		if ((uint64_t)r->req_off + r->req_n > g->reqs_n ||
		    (uint64_t)r->move_off + r->move_n > g->moves_n ||
		    r->req_n > GRAPH_MAX_ROLE_REQS)
			fuzz_fail("role's requirements or moves", i);
		for (uint32_t k = 0; k < r->req_n; k++) {
			const struct graph_req *q = &g->reqs[r->req_off + k];

			if (q->comp >= g->comps_n || q->level < 1 ||
			    q->level > 5)
				fuzz_fail("requirement", k);
		}
		for (uint32_t k = 0; k < r->move_n; k++)
			if (g->moves[r->move_off + k].to >= g->roles_n)
				fuzz_fail("move target", k);
	}
	for (uint32_t i = 0; i < g->modules_n; i++) {
		const struct graph_module *m = &g->modules[i];

		if (graph_find_module(g, m->key) != i ||
		    (uint64_t)m->out_off + m->out_n > g->outcomes_n ||
		    (uint64_t)m->pre_off + m->pre_n > g->prereqs_n)
			fuzz_fail("module", i);
		for (uint32_t k = 0; k < m->pre_n; k++)
			if (g->prereqs[m->pre_off + k] >= g->modules_n)
				fuzz_fail("prerequisite", k);
	}
	for (uint32_t i = 0; i < g->emps_n; i++) {
		const struct graph_employee *e = &g->emps[i];

		if (graph_find_employee(g, e->id) != i || e->role >= g->roles_n)
			fuzz_fail("employee", i);
		if (*e->manager_id &&
		    graph_find_employee(g, e->manager_id) == GRAPH_NONE)
			fuzz_fail("manager", i);
		for (uint32_t k = 0; k < e->levels_n; k++)
			if (e->levels[k].comp >= g->comps_n ||
			    e->levels[k].level > 5 ||
			    (k && e->levels[k - 1].comp >= e->levels[k].comp))
				fuzz_fail("levels", k);
		for (uint32_t k = 0; k < e->completed_n; k++)
			if (e->completed[k] >= g->modules_n ||
			    (k && e->completed[k - 1] >= e->completed[k]))
				fuzz_fail("completions", k);
	}
}

static void fuzz_load(const uint8_t *data, size_t size)
{
	graph_t *g = NULL;
	char err[256] = "";
	int rc = persist_load_mem(data, size, FUZZ_SCHEMA, &g, err, sizeof(err));

	if (rc == 0) {
		if (!g)
			fuzz_fail("loaded without a snapshot", 0);
		fuzz_check_graph(g);
		graph_unref(&g);
		return;
	}
	if (rc != -EPROTO && rc != -ENOMEM)
		fuzz_fail("unexpected error", (unsigned long)-rc);
	if (g)
		fuzz_fail("refused but wrote *out", 0);
	if (!err[0] || !memchr(err, '\0', sizeof(err)))
		fuzz_fail("refused without a reason", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t sum = 1469598103934665603ull;
	uint8_t *copy;

	fuzz_load(data, size);
	if (size < 8)
		return 0;
	/* an exact-size copy, so ASan sees reads past the end */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (size_t i = 0; i < size - 8; i++) {
		sum ^= copy[i];
		sum *= 1099511628211ull;
	}
	memcpy(copy + size - 8, &sum, 8);
	fuzz_load(copy, size);
	free(copy);
	return 0;
}
