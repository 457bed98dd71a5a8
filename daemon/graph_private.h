/* graph_private: what the graph_*.c files share and nobody else sees.
 *
 *   graph.c         hashing, key maps, lookups, storage owners, references
 *   graph_build.c   the builder: rows in, checked and indexed by key
 *   graph_finish.c  finishing a builder into a snapshot (sorting, grouping,
 *                   inferred moves, module cycles)
 *   graph_delta.c   employee-scoped deltas on a published snapshot
 *   graph_slot.c    publication
 *
 * A snapshot is allocated as a struct graph_priv, whose first member is the
 * public struct graph: graph_priv() gets from one to the other. */
#ifndef PATHWAYS_GRAPH_PRIVATE_H
#define PATHWAYS_GRAPH_PRIVATE_H

#include <stdint.h>
#include <stdlib.h>

#include "array.h"
#include "graph.h"
#include "graph_columns.h"

/* A reference-counted set of allocations, freed together at zero. */
struct graph_owner {
	atomic_uint refs;
	unsigned n;
	void *p[];
};

struct graph_priv {
	struct graph pub;	/* first */
	/* storage: the framework and the people of a full load live in
	 * owners[0]; each delta since adds an owner with the employees it
	 * replaced. pub.emps and pub.emp_idx belong to this snapshot alone. */
	struct graph_owner *owners[GRAPH_MAX_OWNERS];
	unsigned owners_n;
	/* emp_idx's slots: shared by deltas that add and remove nobody */
	struct graph_owner *emp_idx_owner;
	/* the blocks the owners hold, named while building */
	char *arena;
	size_t arena_len;
	struct graph_level *levels;
	int64_t *history;
	uint32_t *completed;
	struct graph_attr *attrs;
};

static inline struct graph_priv *graph_priv(const graph_t *g)
{
	return (struct graph_priv *)(uintptr_t)g;
}

/* every allocation of a snapshot built in full except emps and emp_idx */
#define GRAPH_FULL_ALLOCS(p)                                                 \
	(p)->pub.tracks, (p)->pub.areas, (p)->pub.comps, (p)->pub.roles,     \
	(p)->pub.reqs, (p)->pub.moves, (p)->pub.modules, (p)->pub.outcomes,  \
	(p)->pub.prereqs, (p)->pub.teachers, (p)->pub.modules_by_key,        \
	(p)->pub.roles_by_key, (p)->pub.role_rank,                           \
	(p)->pub.track_idx.slots, (p)->pub.area_idx.slots,                   \
	(p)->pub.comp_idx.slots, (p)->pub.role_idx.slots,                    \
	(p)->pub.module_idx.slots, (p)->arena, (p)->levels, (p)->completed,  \
	(p)->attrs, (p)->history

/* An owner of n pointers (copied), one reference; NULL without memory. */
struct graph_owner *graph_owner_new(void *const *ptrs, unsigned n);
/* Drops a reference; at zero frees every pointer and the owner. NULL ok. */
void graph_owner_unref(struct graph_owner *o);
/* Frees a snapshot whatever its state (built, half built, failed). */
void graph_free(struct graph_priv *p);
/* Frees only what is a snapshot's alone (emps, emp_idx or its reference
 * to the owner of emp_idx, p itself), leaving the owners and the parts. */
void graph_free_own(struct graph_priv *p);

/* ---- key maps: open addressing over index + 1 ---- */

/* The key of entry i of whatever ctx is. */
typedef const char *(*graph_key_fn)(const void *ctx, uint32_t i);

/* The index whose key is key, GRAPH_NONE when absent (or key NULL). */
uint32_t graph_keymap_find(const struct graph_keymap *m, graph_key_fn f,
			   const void *ctx, const char *key);
/* Inserts idx (whose key f(ctx, idx) gives); count = entries after the
 * insert, to size the table. 0 or -ENOMEM. */
int graph_keymap_insert(struct graph_keymap *m, graph_key_fn f,
			const void *ctx, uint32_t idx, uint32_t count)
	__attribute__((warn_unused_result));
/* ctx a graph_t: the id of employee i */
const char *graph_emp_key(const void *ctx, uint32_t i);

/* ---- the builder ---- */

/* Rows as added; strings are offsets into the builder's arena (0: ""). */
struct b_named { size_t key, name; unsigned kind; uint32_t area; };
struct b_role {
	size_t key, title;
	uint32_t track, area, grade;
	double pay_min, pay_max;
};
struct b_req { uint32_t role, comp; uint8_t level; bool must; double weight; };
struct b_move { uint32_t from, to; uint8_t kind; bool inferred; uint32_t months; };
struct b_module { size_t key, title, lms; unsigned kind; double hours; };
struct b_outcome { uint32_t module, comp; uint8_t entry, level; };
struct b_pair { uint32_t a, b; };
struct b_emp { size_t id, manager; uint32_t role, rows; bool active; bool has_manager; };
struct b_attr { uint32_t emp; size_t key, value; };
struct b_assess { uint32_t emp, comp; uint8_t level; int64_t at; };

typedef ARRAY(struct b_named) graph_named_vec;

struct graph_builder {
	ARRAY(char) arena;
	graph_named_vec tracks, areas, comps;
	ARRAY(struct b_role) roles;
	ARRAY(struct b_req) reqs;
	ARRAY(struct b_move) moves;
	ARRAY(struct b_module) modules;
	ARRAY(struct b_outcome) outcomes;
	ARRAY(struct b_pair) prereqs, completions;
	ARRAY(struct b_emp) emps;
	ARRAY(struct b_attr) attrs;
	ARRAY(struct b_assess) assess;
	uint64_t assessments_seen;
	struct settings settings;
	struct graph_keymap track_idx, area_idx, comp_idx, role_idx,
		module_idx, emp_idx;
	const graph_t *base;		/* a delta's snapshot, else NULL */
};

/* Fills p's employees (attributes, completions, levels) from b, whose
 * arena p->arena already holds. 0, -ENOENT (a manager missing from a full
 * load) or -ENOMEM; on error what was allocated hangs off p. */
int graph_finish_people(graph_builder_t *b, struct graph_priv *p)
	__attribute__((warn_unused_result));

/* calloc() that never asks for zero bytes (so NULL means no memory) */
static inline void *graph_xcalloc(size_t n, size_t sz)
{
	return calloc(n ? n : 1, sz);
}

/* qsort_r() that accepts an empty (possibly NULL) array */
static inline void graph_sort_r(void *base, size_t n, size_t size,
				int (*cmp)(const void *, const void *, void *),
				void *ctx)
{
	if (n > 1)
		qsort_r(base, n, size, cmp, ctx);
}

#endif
