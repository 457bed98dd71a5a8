/* bundle_private: what the parts of the import share. Internal to the
 * bundle module; the public interface is bundle.h, and what the import
 * shares with the export is in bundle_files.h.
 *
 * The import is one module cut into files along its concerns:
 *   bundle.c            the import itself: the folder, the transaction
 *   bundle_map.c        string arena, hash map, int vector
 *   bundle_copy.c       messages, statements, COPY out and into staging
 *   bundle_valid.c      field validation and key resolution
 *   bundle_upsert.c     prepared upserts of framework rows
 *   bundle_framework.c  the framework files (tracks ... module_prereqs)
 *   bundle_staged.c     employees, assessments, completions (staged)
 *   bundle_settings.c   settings.csv
 *   bundle_replace.c    --replace
 * Their functions keep the import's prefix, imp_, whichever file holds
 * them: they are one module's internals, called across its files only, and
 * the prefix tells them from the bundle_ functions the export uses too.
 *
 * All of them write their error (see bundle.h for the forms) to im->err
 * and return a negative errno; the import's transaction is rolled back.
 */
#ifndef PATHWAYS_BUNDLE_PRIVATE_H
#define PATHWAYS_BUNDLE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "bundle.h"
#include "bundle_files.h"
#include "csv.h"

#define IMP_KEY_MAX 256
#define IMP_ERRMSG 1024

/* ---- bundle_map.c: string arena, hash map, int vector ---- */

struct imp_chunk {
	struct imp_chunk *next;
	size_t used, cap;
	char data[];
};

/* Strings copied into 1 MiB chunks (a longer string gets a chunk of its
 * own), freed all at once. */
struct imp_arena {
	struct imp_chunk *head;
};

/* A copy of the N bytes at S, NUL-terminated, valid until
 * imp_arena_free(); NULL when out of memory. */
char *imp_arena_dup(struct imp_arena *a, const char *s, size_t n);
void imp_arena_free(struct imp_arena *a);

struct imp_slot {
	const char *key;	/* NULL: free */
	uint64_t hash;
	int64_t val;
};

/* A map from strings (copied into its arena) to int64, by open
 * addressing. Zeroed is empty. */
struct imp_map {
	struct imp_slot *slots;
	size_t cap, n;
	struct imp_arena arena;
};

/* Finds KEY, adding it with VAL when absent: *out is its slot (valid until
 * the next insertion), *existed says which. -ENOMEM. */
int imp_map_put(struct imp_map *m, const char *key, int64_t val,
		struct imp_slot **out, bool *existed)
	__attribute__((warn_unused_result));
/* KEY's value (writable, valid until the next insertion), NULL when
 * absent. */
int64_t *imp_map_get(const struct imp_map *m, const char *key);
/* Frees the slots and the keys; M is empty afterwards. */
void imp_map_free(struct imp_map *m);

/* A growing array of int32. Zeroed is empty; free v. */
struct imp_ivec {
	int32_t *v;
	size_t n, cap;
};

int imp_ivec_push(struct imp_ivec *iv, int32_t x)
	__attribute__((warn_unused_result));

/* ---- the import's state (bundle.c) ---- */

/* Tables with a text key and a serial id. */
enum imp_ent {
	ENT_TRACK,
	ENT_AREA,
	ENT_COMPETENCY,
	ENT_ROLE,
	ENT_MODULE,
	ENT_COUNT
};

struct imp_ent_def {
	const char *what;	/* in messages */
	enum bundle_file file;
	const char *load;	/* key, id of every row */
	const char *lookup;	/* id of key $1 */
};

/* Indexed by enum imp_ent (defined in bundle.c). */
extern const struct imp_ent_def imp_ents[ENT_COUNT];

/* Link files: the pairs the bundle names, for --replace. */
enum imp_link {
	LINK_REQUIREMENTS,
	LINK_MOVES,
	LINK_OUTCOMES,
	LINK_PREREQS,
	LINK_COUNT
};

struct imp {
	PGconn *db;
	const char *dir;
	bool replace;
	char *err;
	size_t errlen;

	bool present[BUNDLE_F_COUNT];
	size_t rows[BUNDLE_F_COUNT];
	enum bundle_file cur;		/* the file being read */
	const struct csv_column *cols;	/* its columns */
	bool prepared[BUNDLE_F_COUNT];

	struct imp_map ids[ENT_COUNT];	/* key -> id: database and bundle */
	struct imp_map seen[ENT_COUNT];	/* key -> line: named by the bundle */
	struct imp_ivec kept[ENT_COUNT];	/* ids named by the bundle */
	struct imp_ivec link_a[LINK_COUNT], link_b[LINK_COUNT];
	struct imp_map emp;		/* employee external id -> id */
	bool emp_loaded;
	char settings_kept[512];	/* array literal of settings kept */
};

/* ---- bundle_copy.c: messages, statements, COPY ---- */

/* Formats the error; returns RC. */
int imp_fail(struct imp *im, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "file:line: column: what" for the current row (COL < 0: no column);
 * returns -EINVAL. */
int imp_rowfail(struct imp *im, const csv_t *c, long col, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
/* The database's message for RES (see pgexec_message()). */
void imp_dbmsg(struct imp *im, const PGresult *res, char *buf, size_t len);
/* "WHAT: the database's message"; returns -EIO. */
int imp_dbfail(struct imp *im, const PGresult *res, const char *what);
/* pgexec_run() on the import's connection and error buffer. */
int imp_exec(struct imp *im, const char *sql, int n,
	     const char *const *params, PGresult **out, const char *what)
	__attribute__((warn_unused_result));

/* Called with each row of a COPY out, split into its N fields F (a NULL
 * field is SQL NULL); < 0 stops the COPY. */
typedef int (*imp_row_fn)(struct imp *im, char **f, size_t n, void *arg);

/* Runs "COPY (...) TO STDOUT" (SQL is a constant) and calls FN per row. */
int imp_copy_out(struct imp *im, const char *sql, imp_row_fn fn, void *arg,
		 const char *what) __attribute__((warn_unused_result));

/* Runs SQL, a "COPY (SELECT key, id ...) TO STDOUT", into M. */
int imp_load_map(struct imp *im, const char *sql, struct imp_map *m,
		 const char *what) __attribute__((warn_unused_result));

/* A COPY FROM STDIN in progress: rows are escaped into BUF and sent in
 * pieces. Zeroed is closed. */
struct imp_copy {
	char *buf;
	size_t len, cap;
	bool open;
	bool first;	/* no field in the current row yet */
};

int imp_copy_begin(struct imp *im, struct imp_copy *cp, const char *sql,
		   const char *what) __attribute__((warn_unused_result));
/* Appends a field (S NULL: SQL NULL), escaped for COPY's text format. */
int imp_copy_field(struct imp *im, struct imp_copy *cp, const char *s)
	__attribute__((warn_unused_result));
int imp_copy_int(struct imp *im, struct imp_copy *cp, long long v)
	__attribute__((warn_unused_result));
int imp_copy_row_end(struct imp *im, struct imp_copy *cp)
	__attribute__((warn_unused_result));
/* Ends the COPY: sent when OK, else aborted (the error is already set).
 * Frees the buffer either way. */
int imp_copy_end(struct imp *im, struct imp_copy *cp, bool ok,
		 const char *what);

/* ---- bundle_valid.c: field validation ----
 * Each validator returns 1 (a value, written to its out-parameter), 0 (an
 * empty field that may be empty) or -EINVAL (err says why). */

/* The next row of the current file, counted: 1, 0 at the end, < 0. */
int imp_next(struct imp *im, csv_t *c) __attribute__((warn_unused_result));
/* S quoted for a message into BUF; returns BUF. */
const char *imp_q(const char *s, char *buf, size_t len);
/* A key: non-empty, at most IMP_KEY_MAX bytes, no control characters, no
 * spaces at either end. */
int imp_key(struct imp *im, const csv_t *c, size_t col, const char **out);
int imp_int(struct imp *im, const csv_t *c, size_t col, long long lo,
	    long long hi, bool required, long long *out);
/* A number in [lo, hi] (above lo when LO_OPEN); WHAT describes the range. */
int imp_num(struct imp *im, const csv_t *c, size_t col, double lo,
	    bool lo_open, double hi, const char *what, bool required,
	    double *out);
int imp_bool(struct imp *im, const csv_t *c, size_t col, bool *out);
/* One of VALS (NULL-terminated), exactly; no out-parameter. */
int imp_enum(struct imp *im, const csv_t *c, size_t col,
	     const char *const *vals, bool required);
/* An ISO 8601 timestamp (required), written to BUF in the form
 * csv_format_timestamp() gives. */
int imp_timestamp(struct imp *im, const csv_t *c, size_t col, char *buf,
		  size_t len);
/* The id of the ENT named in column COL. */
int imp_ref(struct imp *im, const csv_t *c, size_t col, enum imp_ent ent,
	    bool required, int32_t *id);
/* The id of the employee named in column COL (required); im->emp must be
 * loaded. */
int imp_employee(struct imp *im, const csv_t *c, size_t col, int64_t *id);
/* Records that the bundle names KEY (of ENT) on this line: a second time
 * is an error. 0 or < 0. */
int imp_seen(struct imp *im, const csv_t *c, size_t col, enum imp_ent ent,
	     const char *key) __attribute__((warn_unused_result));
/* Link rows: the pair (A, B) named twice in M is an error. 0 or < 0. */
int imp_seen_pair(struct imp *im, const csv_t *c, size_t col,
		  struct imp_map *m, int32_t a, int32_t b, const char *what)
	__attribute__((warn_unused_result));

/* The values of the sources of assessments, NULL-terminated. */
extern const char *const imp_sources[];

/* ---- bundle_upsert.c: upserts of framework rows ---- */

/* The text parameters of one upsert. */
struct imp_params {
	const char *v[16];
	char buf[16][32];
	int n;
};

static inline void imp_par_text(struct imp_params *p, const char *s)
{
	p->v[p->n++] = s;
}

static inline void imp_par_null(struct imp_params *p)
{
	p->v[p->n++] = NULL;
}

static inline void imp_par_int(struct imp_params *p, long long v)
{
	snprintf(p->buf[p->n], sizeof(p->buf[p->n]), "%lld", v);
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

/* An integer when PRESENT (a validator said 1), else NULL. */
static inline void imp_par_int_or_null(struct imp_params *p, int present,
				       long long v)
{
	if (present > 0)
		imp_par_int(p, v);
	else
		imp_par_null(p);
}

static inline void imp_par_bool(struct imp_params *p, bool v)
{
	imp_par_text(p, v ? "true" : "false");
}

struct imp_upcol {
	const char *name;	/* column of the table */
	const char *type;	/* its type, for the parameter's cast */
	int csvcol;		/* the CSV column it comes from; -1: always */
	bool key;		/* part of the conflict target */
};

/* Prepares the upsert of file F into TABLE: every column of COLS is a
 * parameter ($1 … in order); on conflict, the columns the header has are
 * updated, and only when they change. Table and column names come from
 * constant tables, never from the data. */
int imp_prepare(struct imp *im, const csv_t *c, enum bundle_file f,
		const char *table, const struct imp_upcol *cols, size_t n,
		bool returning_id) __attribute__((warn_unused_result));
/* Runs the prepared upsert of the current file for the current row; *id
 * (if ID) gets the id it returned, -1 when it returned none (unchanged). */
int imp_upsert(struct imp *im, const csv_t *c, const struct imp_params *p,
	       int32_t *id) __attribute__((warn_unused_result));
/* Upserts an entity row and records its id under KEY. */
int imp_upsert_ent(struct imp *im, const csv_t *c, enum imp_ent ent,
		   const char *key, const struct imp_params *p)
	__attribute__((warn_unused_result));
/* Records a link row's pair for --replace. */
int imp_keep_pair(struct imp *im, enum imp_link l, int32_t a, int32_t b)
	__attribute__((warn_unused_result));

/* ---- the files: each reads the rows of C (its header read) ----
 * bundle_framework.c */
int imp_tracks(struct imp *im, csv_t *c);
int imp_areas(struct imp *im, csv_t *c);
int imp_competencies(struct imp *im, csv_t *c);
int imp_roles(struct imp *im, csv_t *c);
int imp_requirements(struct imp *im, csv_t *c);
int imp_moves(struct imp *im, csv_t *c);
int imp_modules(struct imp *im, csv_t *c);
int imp_outcomes(struct imp *im, csv_t *c);
int imp_prereqs(struct imp *im, csv_t *c);
/* bundle_staged.c */
int imp_employees(struct imp *im, csv_t *c);
int imp_assessments(struct imp *im, csv_t *c);
int imp_completions(struct imp *im, csv_t *c);
/* bundle_settings.c; fills im->settings_kept for --replace */
int imp_settings(struct imp *im, csv_t *c);

/* ---- bundle_replace.c ---- */

/* Deletes what the bundle's framework files do not name (after every file
 * was read), or fails naming what still refers to it. */
int imp_replace(struct imp *im) __attribute__((warn_unused_result));

#endif
