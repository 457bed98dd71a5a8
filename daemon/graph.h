/* graph: the immutable in-memory snapshot of the framework and its people.
 *
 * A snapshot is built by the loader (graph_builder_*), then published and
 * only read. Everything is dense arrays indexed by uint32_t plus hash indexes
 * from the organization's text keys to those indexes. Strings live in one
 * arena owned by the snapshot.
 *
 * Employees' competency levels are precomputed at build time: for each
 * (employee, competency) the latest assessment from a trusted source (ties
 * on assessed_at: the higher level), with its timestamp, since expiry is
 * judged at query time. Beside them each employee keeps every trusted
 * assessment in time order (history), for questions about the past
 * (graph_employee_as_of); the current levels stay a table of their own so
 * "now" costs what it always did.
 *
 * The code lives in graph.c (lookups, references), graph_build.c and
 * graph_finish.c (building), graph_delta.c (deltas) and graph_slot.c
 * (publication); graph_private.h holds what only they share, including the
 * snapshot's storage. */
#ifndef PATHWAYS_GRAPH_H
#define PATHWAYS_GRAPH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "settings.h"

/* qsort() that accepts an empty (possibly NULL) array: C says qsort's
 * base must not be NULL even for zero elements. */
static inline void graph_sort(void *base, size_t n, size_t size,
			      int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

#define GRAPH_NONE UINT32_MAX
/* assessment times and "now" are unix microseconds: two ratings a fraction
 * of a second apart must not tie (a tie goes to the higher level) */
#define GRAPH_US_PER_DAY (86400LL * 1000000LL)
/* A framework asks for 5-8 requirements per role; a snapshot refuses a role
 * with more than this (queries keep per-requirement scratch on the stack). */
#define GRAPH_MAX_ROLE_REQS 255

enum graph_track_kind { GRAPH_TRACK_IC, GRAPH_TRACK_MANAGEMENT, GRAPH_TRACK_OTHER };
/* values match the wire's MoveKind */
enum graph_move_kind {
	GRAPH_MOVE_PROMOTION = 1,
	GRAPH_MOVE_LATERAL = 2,
	GRAPH_MOVE_TRACK_SWITCH = 3,
};
/* the settings' own values (settings.h), under the snapshot's names:
 * settings.readiness_mode is an enum settings_mode */
#define GRAPH_MODE_PROPORTIONAL SETTINGS_MODE_PROPORTIONAL
#define GRAPH_MODE_BINARY SETTINGS_MODE_BINARY

/* assessment sources, as a bit set for trusted_sources */
enum graph_source {
	GRAPH_SRC_MANAGER = SETTINGS_SRC_MANAGER,
	GRAPH_SRC_SELF = SETTINGS_SRC_SELF,
	GRAPH_SRC_PEER = SETTINGS_SRC_PEER,
	GRAPH_SRC_CERTIFICATION = SETTINGS_SRC_CERTIFICATION,
};

struct graph_track {
	const char *key, *name;
	enum graph_track_kind kind;
};

struct graph_area {
	const char *key, *name;
};

struct graph_competency {
	const char *key, *name, *description;
	uint32_t area;			/* GRAPH_NONE: none */
	uint8_t kind;			/* 0 core, 1 functional, 2 leadership */
	uint32_t teach_off, teach_n;	/* g->teachers: modules with an
					 * outcome in it, by module key */
};

struct graph_req {
	uint32_t comp;
	uint8_t level;			/* 1..5 */
	bool must_have;
	double weight;
};

struct graph_move {
	uint32_t to;
	uint8_t kind;			/* enum graph_move_kind */
	bool inferred;
	uint32_t months;
	double cost;			/* growth needed + step_penalty */
};

struct graph_role {
	const char *key, *title;
	uint32_t track, area;		/* area GRAPH_NONE: none */
	uint32_t grade;
	double pay_min, pay_max;	/* NAN when not set */
	uint8_t scope, complexity, volume, drive, influence; /* 0: unset */
	uint32_t req_off, req_n;	/* g->reqs, sorted by competency key */
	uint32_t move_off, move_n;	/* g->moves, sorted by target key */
};

struct graph_outcome {
	uint32_t comp;
	uint8_t entry_level, level;
};

struct graph_module {
	const char *key, *title, *lms_ref;
	uint8_t kind;			/* 0 course 1 workshop 2 mentorship 3 project */
	double hours;
	uint32_t out_off, out_n;	/* g->outcomes */
	uint32_t pre_off, pre_n;	/* g->prereqs: module indexes */
	uint32_t scc;			/* strongly connected group of prereqs */
	bool on_cycle;			/* its group has more than one module */
};

/* An employee's current level in one competency. */
struct graph_level {
	uint32_t comp;
	uint8_t level;			/* 0..5 */
	/* how many of the employee's history entries are this competency's
	 * (they follow those of the levels before it); in the padding, so a
	 * level stays 16 bytes */
	unsigned hist_n : 24;
	int64_t assessed_at;		/* unix microseconds */
};
_Static_assert(sizeof(struct graph_level) == 16, "a level is 16 bytes");

/* History entries: one trusted assessment each, its time and level packed
 * into one int64 (at * 8 + level), so that ordering entries orders them by
 * (assessed_at, level) — the order the "latest, ties: the higher level"
 * rule reads them in — at 8 bytes an assessment. Times are clamped to
 * ±2^60 µs (beyond the year 38,000). */
#define GRAPH_HIST_MAX_US ((INT64_C(1) << 60) - 1)
/* at most this many entries per (employee, competency): older ones drop */
#define GRAPH_HIST_MAX_RUN ((1u << 24) - 1)

static inline int64_t graph_hist_pack(int64_t at, unsigned level)
{
	if (at > GRAPH_HIST_MAX_US)
		at = GRAPH_HIST_MAX_US;
	if (at < -GRAPH_HIST_MAX_US)
		at = -GRAPH_HIST_MAX_US;
	return at * 8 + (int64_t)level;
}

static inline int64_t graph_hist_at(int64_t h)
{
	/* floor division: exact for negative times too */
	return (h - (h & 7)) / 8;
}

static inline unsigned graph_hist_level(int64_t h)
{
	return (unsigned)(h & 7);
}

struct graph_attr {
	const char *key, *value;
};

struct graph_employee {
	const char *id;
	const char *manager_id;		/* "": none */
	uint32_t role;
	uint32_t assess_rows;		/* assessment rows loaded for them */
	bool active;
	const struct graph_level *levels;	/* sorted by comp */
	uint32_t levels_n;
	uint32_t history_n;		/* entries in history (below) */
	const uint32_t *completed;	/* module indexes, sorted */
	uint32_t completed_n;
	const struct graph_attr *attrs;
	uint32_t attrs_n;
	/* every trusted assessment, packed (graph_hist_pack): grouped by
	 * competency in the order of levels (levels[i].hist_n each), oldest
	 * first within a group, so a group's last entry is the current level */
	const int64_t *history;
};

struct graph_keymap {
	uint32_t *slots;		/* index + 1; 0 = empty */
	uint32_t mask;
};

typedef struct graph graph_t;
struct graph_owner;

/* a snapshot built by deltas on deltas holds one owner per delta; past
 * this many the loader reloads in full (which also compacts memory) */
#define GRAPH_MAX_OWNERS 128

struct graph {
	atomic_uint refs;		/* first: a delta copies all that follows */
	uint64_t version;
	int64_t loaded_unix_ms;
	uint64_t db_xmin;		/* PostgreSQL snapshot xmin it was read
					 * under: transactions below it are in */
	int schema_version;
	struct settings settings;

	struct graph_track *tracks;
	uint32_t tracks_n;
	struct graph_area *areas;
	uint32_t areas_n;
	struct graph_competency *comps;
	uint32_t comps_n;
	struct graph_role *roles;
	uint32_t roles_n;
	struct graph_req *reqs;
	uint32_t reqs_n;
	struct graph_move *moves;	/* explicit and inferred */
	uint32_t moves_n;
	struct graph_module *modules;
	uint32_t modules_n;
	struct graph_outcome *outcomes;
	uint32_t outcomes_n;
	uint32_t *prereqs;
	uint32_t prereqs_n;
	uint32_t *teachers;		/* see graph_competency.teach_off */
	uint32_t *modules_by_key;
	struct graph_employee *emps;
	uint32_t emps_n;
	uint64_t assessments_n;		/* assessment rows loaded */

	/* sorted order, by key, and each role's place in it (comparing
	 * ranks is comparing keys) */
	uint32_t *roles_by_key;
	uint32_t *role_rank;

	struct graph_keymap track_idx, area_idx, comp_idx, role_idx,
		module_idx, emp_idx;

	/* the column index (graph_columns.h), this snapshot's alone; NULL:
	 * none, score the scalar way — or, with columns_lazy (a delta), not
	 * built yet: graph_columns_of() builds it on first use, so a change
	 * is published without waiting for it */
	_Atomic(const struct graph_columns *) columns;
	bool columns_lazy;

	/* where the arrays above are stored, which only the graph_*.c files
	 * see, follows in struct graph_priv (graph_private.h) */
};

/* The hash of a key (FNV-1a, folded), as the snapshot's indexes use it. */
uint64_t graph_hash_str(const char *s);

/* Lookups by text key; GRAPH_NONE when absent. */
uint32_t graph_find_track(const graph_t *g, const char *key);
uint32_t graph_find_area(const graph_t *g, const char *key);
uint32_t graph_find_comp(const graph_t *g, const char *key);
uint32_t graph_find_role(const graph_t *g, const char *key);
uint32_t graph_find_module(const graph_t *g, const char *key);
uint32_t graph_find_employee(const graph_t *g, const char *id);

/* The level role r requires in competency comp, 0 when it does not. */
unsigned graph_required_level(const graph_t *g, uint32_t role, uint32_t comp);

/* Parses an assessment source name into its enum graph_source bit
 * (settings_source_parse()); -EINVAL for an unknown name. */
int graph_source_parse(const char *s, unsigned *out);

/* Current level of employee e in competency c at time now (unix µs),
 * honouring assessment_valid_days. *stale is set when the latest trusted
 * assessment has expired (the level then counts as 0). */
unsigned graph_level_of(const graph_t *g, const struct graph_employee *e,
			uint32_t comp, int64_t now, bool *stale);

/* Employee e as it stood at instant t (unix µs): the same employee with,
 * per competency, the latest trusted assessment at or before t (ties on
 * assessed_at: the higher level) as its level. buf (caller's, at least
 * e->levels_n entries) receives the levels; *out gets e with them and no
 * history. Expiry is the caller's: judge it at t (graph_level_of with
 * now = t). */
void graph_employee_as_of(const struct graph_employee *e, int64_t t,
			  struct graph_level *buf, struct graph_employee *out);

/* References: graph_ref() for a reader that already holds one or owns the
 * pointer; graph_unref() frees at zero and sets *g to NULL. */
void graph_ref(graph_t *g);
void graph_unref(graph_t **g);

/* ---- publication ----
 *
 * The current snapshot sits behind an atomic pointer. A reader takes a
 * reference without a lock: it announces the pointer it is about to
 * reference in its own hazard slot, re-checks that it is still current,
 * then increments the count. The publisher swaps the pointer, waits until no
 * hazard slot names the old snapshot (a window of a few instructions), and
 * drops its own reference; the last reader frees it. */
#define GRAPH_SLOT_READERS 64

struct graph_slot {
	_Atomic(graph_t *) current;
	_Atomic(graph_t *) hazard[GRAPH_SLOT_READERS];
};

void graph_slot_init(struct graph_slot *s);
/* A new reference to the current snapshot, or NULL before the first
 * publication. reader: the calling thread's own slot number, unique among
 * threads that read concurrently. Release with graph_unref(). */
graph_t *graph_slot_acquire(struct graph_slot *s, unsigned reader);
/* Publishes g, taking over the caller's reference to it. */
void graph_slot_publish(struct graph_slot *s, graph_t *g);
/* Drops the current snapshot (shutdown). */
void graph_slot_clear(struct graph_slot *s);

/* ---- building (loader and tests) ---- */

typedef struct graph_builder graph_builder_t;

graph_builder_t *graph_builder_new(void);
void graph_builder_destroy(graph_builder_t **b);

/* Each add returns 0, -EEXIST on a duplicate key, -ENOENT on an unknown
 * referenced key, -EINVAL on an out-of-range value, -ENOMEM. */
int graph_builder_track(graph_builder_t *b, const char *key, const char *name,
			enum graph_track_kind kind) __attribute__((warn_unused_result));
int graph_builder_area(graph_builder_t *b, const char *key, const char *name)
	__attribute__((warn_unused_result));
int graph_builder_competency(graph_builder_t *b, const char *key,
			     const char *name, unsigned kind,
			     const char *area /* NULL or "" = none */)
	__attribute__((warn_unused_result));
int graph_builder_role(graph_builder_t *b, const char *key, const char *title,
		       const char *track, unsigned grade, const char *area,
		       double pay_min, double pay_max)
	__attribute__((warn_unused_result));
int graph_builder_requirement(graph_builder_t *b, const char *role,
			      const char *comp, unsigned level, double weight,
			      bool must_have) __attribute__((warn_unused_result));
int graph_builder_move(graph_builder_t *b, const char *from, const char *to,
		       enum graph_move_kind kind, unsigned months)
	__attribute__((warn_unused_result));
int graph_builder_module(graph_builder_t *b, const char *key, const char *title,
			 unsigned kind, double hours, const char *lms_ref)
	__attribute__((warn_unused_result));
int graph_builder_outcome(graph_builder_t *b, const char *module,
			  const char *comp, unsigned entry_level, unsigned level)
	__attribute__((warn_unused_result));
int graph_builder_prereq(graph_builder_t *b, const char *module,
			 const char *requires_key) __attribute__((warn_unused_result));
/* One framework_setting row, checked by settings_apply(): -EINVAL for an
 * unknown key or a bad value (the builder's settings are then unchanged). */
int graph_builder_setting(graph_builder_t *b, const char *key,
			  const char *value) __attribute__((warn_unused_result));
int graph_builder_employee(graph_builder_t *b, const char *id, const char *role,
			   const char *manager /* NULL: none */, bool active)
	__attribute__((warn_unused_result));
int graph_builder_attribute(graph_builder_t *b, const char *employee,
			    const char *key, const char *value)
	__attribute__((warn_unused_result));
/* source: enum graph_source (one bit); at: unix microseconds */
int graph_builder_assessment(graph_builder_t *b, const char *employee,
			     const char *comp, unsigned level, unsigned source,
			     int64_t at) __attribute__((warn_unused_result));
int graph_builder_completion(graph_builder_t *b, const char *employee,
			     const char *module) __attribute__((warn_unused_result));
/* Fast paths for the loader: by index, as returned in insertion order
 * (the n-th employee added has index n). */
int graph_builder_assessment_idx(graph_builder_t *b, uint32_t emp,
				 uint32_t comp, unsigned level, unsigned source,
				 int64_t at) __attribute__((warn_unused_result));

/* A builder for an employee-scoped delta on top of base (borrowed; must
 * outlive the builder): only employees, attributes, assessments and
 * completions may be added; roles, competencies and modules resolve
 * against base. Settings are base's. */
graph_builder_t *graph_builder_new_delta(const graph_t *base);

/* Finishes a delta: a new snapshot equal to old except that every employee
 * named in changed is replaced by its state in the builder, or removed when
 * the builder does not have it, and employees only in the builder are
 * added. Shares old's framework and untouched employees. Consumes the
 * builder. -E2BIG when old already carries GRAPH_MAX_OWNERS owners (reload
 * in full instead). */
int graph_builder_finish_delta(graph_builder_t **b, const graph_t *old,
			       const char *const *changed, size_t changed_n,
			       uint64_t version, graph_t **out)
	__attribute__((warn_unused_result));

/* A trusted assessment, as already filtered (persisted snapshots):
 * bypasses the trusted-source filter and the row count. The latest per
 * competency becomes the level; all of them the history. */
int graph_builder_level(graph_builder_t *b, uint32_t emp, uint32_t comp,
			unsigned level, int64_t at)
	__attribute__((warn_unused_result));

/* Finishes the snapshot: sorts, indexes, infers moves per the settings.
 * Consumes the builder on success and on failure (*b set to NULL).
 * *out gets a snapshot with one reference. */
int graph_builder_finish(graph_builder_t **b, uint64_t version, graph_t **out)
	__attribute__((warn_unused_result));

#endif
