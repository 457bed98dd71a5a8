#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"

#define PERSIST_MAGIC "PWSNAP\r\n"
/* 2: times in microseconds; 3: settings as (key, value) text, by the
 * settings table; 4: every trusted assessment (the history), not only the
 * latest per competency */
#define PERSIST_FORMAT 4u
#define PERSIST_MAX_STRING (1u << 20)

enum rec {
	R_SETTINGS = 1, R_TRACK, R_AREA, R_COMP, R_ROLE, R_REQ, R_MOVE,
	R_MODULE, R_OUTCOME, R_PREREQ, R_EMP, R_ATTR, R_LEVEL, R_DONE,
	R_END = 0xff,
};

/* ---- writing ---- */

struct wr {
	FILE *f;
	uint64_t sum;
	bool failed;
};

static void put(struct wr *w, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		w->sum ^= c[i];
		w->sum *= 1099511628211ull;
	}
	if (fwrite(p, 1, n, w->f) != n)
		w->failed = true;
}

static void put_u8(struct wr *w, uint8_t v) { put(w, &v, 1); }
static void put_u32(struct wr *w, uint32_t v) { put(w, &v, 4); }
static void put_u64(struct wr *w, uint64_t v) { put(w, &v, 8); }
static void put_f64(struct wr *w, double v) { put(w, &v, 8); }

static void put_str(struct wr *w, const char *s)
{
	size_t n = strlen(s);

	put_u32(w, (uint32_t)n);
	put(w, s, n);
}

static const char *area_of(const graph_t *g, uint32_t a)
{
	return a == GRAPH_NONE ? "" : g->areas[a].key;
}

static void write_graph(struct wr *w, const graph_t *g)
{
	/* settings by name, as text: a setting added or dropped later does
	 * not shift the rest, and replaying checks every value again */
	put_u8(w, R_SETTINGS);
	put_u32(w, (uint32_t)settings_n);
	for (size_t i = 0; i < settings_n; i++) {
		char v[64];

		if (settings_format(&g->settings, &settings_table[i], v,
				    sizeof(v)))
			w->failed = true;
		put_str(w, settings_table[i].key);
		put_str(w, w->failed ? "" : v);
	}
	for (uint32_t i = 0; i < g->tracks_n; i++) {
		put_u8(w, R_TRACK);
		put_str(w, g->tracks[i].key);
		put_str(w, g->tracks[i].name);
		put_u32(w, g->tracks[i].kind);
	}
	for (uint32_t i = 0; i < g->areas_n; i++) {
		put_u8(w, R_AREA);
		put_str(w, g->areas[i].key);
		put_str(w, g->areas[i].name);
	}
	for (uint32_t i = 0; i < g->comps_n; i++) {
		put_u8(w, R_COMP);
		put_str(w, g->comps[i].key);
		put_str(w, g->comps[i].name);
		put_u32(w, g->comps[i].kind);
		put_str(w, area_of(g, g->comps[i].area));
	}
	for (uint32_t i = 0; i < g->roles_n; i++) {
		const struct graph_role *r = &g->roles[i];

		put_u8(w, R_ROLE);
		put_str(w, r->key);
		put_str(w, r->title);
		put_str(w, g->tracks[r->track].key);
		put_u32(w, r->grade);
		put_str(w, area_of(g, r->area));
		put_f64(w, r->pay_min);
		put_f64(w, r->pay_max);
	}
	for (uint32_t i = 0; i < g->roles_n; i++) {
		const struct graph_role *r = &g->roles[i];

		for (uint32_t k = 0; k < r->req_n; k++) {
			const struct graph_req *q = &g->reqs[r->req_off + k];

			put_u8(w, R_REQ);
			put_u32(w, i);
			put_u32(w, q->comp);
			put_u8(w, q->level);
			put_f64(w, q->weight);
			put_u8(w, q->must_have);
		}
		for (uint32_t k = 0; k < r->move_n; k++) {
			const struct graph_move *m = &g->moves[r->move_off + k];

			if (m->inferred)
				continue;	/* inferred again on load */
			put_u8(w, R_MOVE);
			put_u32(w, i);
			put_u32(w, m->to);
			put_u8(w, m->kind);
			put_u32(w, m->months);
		}
	}
	for (uint32_t i = 0; i < g->modules_n; i++) {
		const struct graph_module *m = &g->modules[i];

		put_u8(w, R_MODULE);
		put_str(w, m->key);
		put_str(w, m->title);
		put_u32(w, m->kind);
		put_f64(w, m->hours);
		put_str(w, m->lms_ref);
	}
	for (uint32_t i = 0; i < g->modules_n; i++) {
		const struct graph_module *m = &g->modules[i];

		for (uint32_t k = 0; k < m->out_n; k++) {
			const struct graph_outcome *o = &g->outcomes[m->out_off + k];

			put_u8(w, R_OUTCOME);
			put_u32(w, i);
			put_u32(w, o->comp);
			put_u8(w, o->entry_level);
			put_u8(w, o->level);
		}
		for (uint32_t k = 0; k < m->pre_n; k++) {
			put_u8(w, R_PREREQ);
			put_u32(w, i);
			put_u32(w, g->prereqs[m->pre_off + k]);
		}
	}
	for (uint32_t i = 0; i < g->emps_n; i++) {
		const struct graph_employee *e = &g->emps[i];

		put_u8(w, R_EMP);
		put_str(w, e->id);
		put_u32(w, e->role);
		put_str(w, e->manager_id);
		put_u8(w, e->active);
		put_u32(w, e->assess_rows);
		for (uint32_t k = 0; k < e->attrs_n; k++) {
			put_u8(w, R_ATTR);
			put_str(w, e->attrs[k].key);
			put_str(w, e->attrs[k].value);
		}
		for (uint32_t k = 0, h = 0; k < e->levels_n; k++) {
			for (uint32_t j = 0; j < e->levels[k].hist_n; j++, h++) {
				put_u8(w, R_LEVEL);
				put_u32(w, e->levels[k].comp);
				put_u8(w, graph_hist_level(e->history[h]));
				put_u64(w, (uint64_t)graph_hist_at(e->history[h]));
			}
		}
		for (uint32_t k = 0; k < e->completed_n; k++) {
			put_u8(w, R_DONE);
			put_u32(w, e->completed[k]);
		}
	}
}

/* The snapshot's directory, checked before the file is written or
 * trusted: anyone who may write into it may replace the file, so a group-
 * or world-writable one is refused (its parents are the operator's). */
int persist_check_dir(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	if (stat(dir, &st)) {
		int rc = -errno;

		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return rc;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
			 "%s: directory is group- or world-writable (mode %04o): refusing to keep a snapshot there",
			 dir, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int persist_save(const graph_t *g, int schema_version, const char *path,
		 char *err, size_t errlen)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 16);
	struct wr w = { .sum = 1469598103934665603ull };
	uint64_t sum;
	int fd = -1, rc = -ENOMEM;

	if (!tmp) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	rc = persist_check_dir(path, err, errlen);
	if (rc)
		goto out;
	/* a fresh name made with O_EXCL (mode 0600): a file or symlink that
	 * someone planted under a predictable name is never written through,
	 * and two threads saving at once never share a temporary file */
	snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || !(w.f = fdopen(fd, "wb"))) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	put(&w, PERSIST_MAGIC, 8);
	put_u32(&w, PERSIST_FORMAT);
	put_u32(&w, (uint32_t)schema_version);
	put_u64(&w, g->version);
	put_u64(&w, (uint64_t)g->loaded_unix_ms);
	put_u64(&w, g->assessments_n);
	write_graph(&w, g);
	put_u8(&w, R_END);
	sum = w.sum;
	put_u64(&w, sum);
	if (w.failed || fflush(w.f) || fsync(fd)) {
		rc = -errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: write failed: %s", tmp, strerror(-rc));
		fclose(w.f);
		unlink(tmp);
		goto out;
	}
	if (fclose(w.f) || rename(tmp, path)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

/* ---- reading ---- */

struct rd {
	const unsigned char *p, *end;
	bool bad;
};

static bool take(struct rd *r, void *out, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		memset(out, 0, n);
		return false;
	}
	memcpy(out, r->p, n);
	r->p += n;
	return true;
}

static uint8_t get_u8(struct rd *r) { uint8_t v; take(r, &v, 1); return v; }
static uint32_t get_u32(struct rd *r) { uint32_t v; take(r, &v, 4); return v; }
static uint64_t get_u64(struct rd *r) { uint64_t v; take(r, &v, 8); return v; }
static double get_f64(struct rd *r) { double v; take(r, &v, 8); return v; }

/* strings are copied out NUL-terminated into buf (bounded) */
static const char *get_str(struct rd *r, char **buf, size_t *cap)
{
	uint32_t n = get_u32(r);

	if (r->bad || n > PERSIST_MAX_STRING || (size_t)(r->end - r->p) < n ||
	    memchr(r->p, '\0', n)) {
		r->bad = true;
		return "";
	}
	if (n + 1 > *cap) {
		char *nb = realloc(*buf, n + 1);

		if (!nb) {
			r->bad = true;
			return "";
		}
		*buf = nb;
		*cap = n + 1;
	}
	memcpy(*buf, r->p, n);
	(*buf)[n] = '\0';
	r->p += n;
	return *buf;
}

/* strdup'ed keys by index, to name roles, competencies and modules again */
struct pool {
	char **v;
	size_t n, cap;
};

static const char *pool_add(struct pool *p, const char *s)
{
	char *d;

	if (array_grow((void **)&p->v, &p->cap, p->n + 1, sizeof(*p->v), 64))
		return NULL;
	d = strdup(s);
	if (d)
		p->v[p->n++] = d;
	return d;
}

static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

static int replay_settings(struct rd *r, graph_builder_t *b)
{
	uint32_t n = get_u32(r);
	char *kb = NULL, *vb = NULL;
	size_t kc = 0, vc = 0;
	int rc = 0;

	for (uint32_t i = 0; i < n && !r->bad && !rc; i++) {
		const char *k = get_str(r, &kb, &kc);
		const char *v = get_str(r, &vb, &vc);

		/* back through the setting parser, so the values stay checked */
		if (!r->bad && graph_builder_setting(b, k, v))
			rc = -EPROTO;
	}
	free(kb);
	free(vb);
	return r->bad ? -EPROTO : rc;
}

/* Replays the records into b; rows[] gets each employee's row count. */
static int replay(struct rd *r, graph_builder_t *b, uint32_t **rows,
		  uint32_t *emps_n)
{
	struct pool roles = { 0 }, comps = { 0 }, mods = { 0 };
	char *sb[4] = { 0 }, *emp_id = NULL;
	size_t sc[4] = { 0 }, rows_cap = 0;
	uint32_t emp = UINT32_MAX;
	int rc = 0;

	while (!r->bad && rc == 0) {
		uint8_t t = get_u8(r);
		const char *s0, *s1, *s2, *s3;

		switch (t) {
		case R_END:
			goto out;
		case R_SETTINGS:
			rc = replay_settings(r, b);
			break;
		case R_TRACK: {
			s0 = get_str(r, &sb[0], &sc[0]);
			s1 = get_str(r, &sb[1], &sc[1]);
			unsigned kind = get_u32(r);

			rc = r->bad ? -EPROTO
				    : graph_builder_track(b, s0, s1,
							  (enum graph_track_kind)kind);
			break;
		}
		case R_AREA:
			s0 = get_str(r, &sb[0], &sc[0]);
			s1 = get_str(r, &sb[1], &sc[1]);
			rc = r->bad ? -EPROTO : graph_builder_area(b, s0, s1);
			break;
		case R_COMP: {
			s0 = get_str(r, &sb[0], &sc[0]);
			s1 = get_str(r, &sb[1], &sc[1]);
			unsigned kind = get_u32(r);

			s2 = get_str(r, &sb[2], &sc[2]);
			rc = r->bad ? -EPROTO
				    : graph_builder_competency(b, s0, s1, kind, s2);
			if (!rc && !pool_add(&comps, s0))
				rc = -ENOMEM;
			break;
		}
		case R_ROLE: {
			s0 = get_str(r, &sb[0], &sc[0]);
			s1 = get_str(r, &sb[1], &sc[1]);
			s2 = get_str(r, &sb[2], &sc[2]);
			unsigned grade = get_u32(r);

			s3 = get_str(r, &sb[3], &sc[3]);
			double pmin = get_f64(r), pmax = get_f64(r);

			rc = r->bad ? -EPROTO
				    : graph_builder_role(b, s0, s1, s2, grade, s3,
							 pmin, pmax);
			if (!rc && !pool_add(&roles, s0))
				rc = -ENOMEM;
			break;
		}
		case R_REQ: {
			uint32_t ro = get_u32(r), co = get_u32(r);
			unsigned lv = get_u8(r);
			double wt = get_f64(r);
			bool must = get_u8(r);

			rc = r->bad || ro >= roles.n || co >= comps.n
				     ? -EPROTO
				     : graph_builder_requirement(b, roles.v[ro],
								 comps.v[co], lv,
								 wt, must);
			break;
		}
		case R_MOVE: {
			uint32_t f = get_u32(r), to = get_u32(r);
			unsigned kind = get_u8(r), months = get_u32(r);

			rc = r->bad || f >= roles.n || to >= roles.n
				     ? -EPROTO
				     : graph_builder_move(b, roles.v[f], roles.v[to],
							  (enum graph_move_kind)kind,
							  months);
			break;
		}
		case R_MODULE: {
			s0 = get_str(r, &sb[0], &sc[0]);
			s1 = get_str(r, &sb[1], &sc[1]);
			unsigned kind = get_u32(r);
			double hours = get_f64(r);

			s2 = get_str(r, &sb[2], &sc[2]);
			rc = r->bad ? -EPROTO
				    : graph_builder_module(b, s0, s1, kind, hours, s2);
			if (!rc && !pool_add(&mods, s0))
				rc = -ENOMEM;
			break;
		}
		case R_OUTCOME: {
			uint32_t m = get_u32(r), c = get_u32(r);
			unsigned entry = get_u8(r), lv = get_u8(r);

			rc = r->bad || m >= mods.n || c >= comps.n
				     ? -EPROTO
				     : graph_builder_outcome(b, mods.v[m], comps.v[c],
							     entry, lv);
			break;
		}
		case R_PREREQ: {
			uint32_t m = get_u32(r), q = get_u32(r);

			rc = r->bad || m >= mods.n || q >= mods.n
				     ? -EPROTO
				     : graph_builder_prereq(b, mods.v[m], mods.v[q]);
			break;
		}
		case R_EMP: {
			s0 = get_str(r, &sb[0], &sc[0]);
			uint32_t ro = get_u32(r);

			s1 = get_str(r, &sb[1], &sc[1]);
			bool active = get_u8(r);
			uint32_t n = get_u32(r);

			if (r->bad || ro >= roles.n) {
				rc = -EPROTO;
				break;
			}
			rc = graph_builder_employee(b, s0, roles.v[ro], s1, active);
			if (rc)
				break;
			emp = emp == UINT32_MAX ? 0 : emp + 1;
			rc = array_grow((void **)rows, &rows_cap, (size_t)emp + 1,
					sizeof(**rows), 1024);
			if (rc)
				break;
			(*rows)[emp] = n;
			*emps_n = emp + 1;
			free(emp_id);
			emp_id = strdup(s0);
			if (!emp_id)
				rc = -ENOMEM;
			break;
		}
		case R_ATTR:
			s0 = get_str(r, &sb[0], &sc[0]);
			s1 = get_str(r, &sb[1], &sc[1]);
			rc = r->bad || !emp_id
				     ? -EPROTO
				     : graph_builder_attribute(b, emp_id, s0, s1);
			break;
		case R_LEVEL: {
			uint32_t c = get_u32(r);
			unsigned lv = get_u8(r);
			int64_t at = (int64_t)get_u64(r);

			/* the file holds trusted assessments only */
			rc = r->bad || !emp_id || c >= comps.n
				     ? -EPROTO
				     : graph_builder_level(b, emp, c, lv, at);
			break;
		}
		case R_DONE: {
			uint32_t m = get_u32(r);

			rc = r->bad || !emp_id || m >= mods.n
				     ? -EPROTO
				     : graph_builder_completion(b, emp_id, mods.v[m]);
			break;
		}
		default:
			rc = -EPROTO;
		}
	}
out:
	for (int i = 0; i < 4; i++)
		free(sb[i]);
	free(emp_id);
	pool_free(&roles);
	pool_free(&comps);
	pool_free(&mods);
	if (!rc && r->bad)
		rc = -EPROTO;
	return rc ? (rc == -ENOMEM ? rc : -EPROTO) : 0;
}

int persist_load_mem(const void *buf, size_t n, int schema_version,
		     graph_t **out, char *err, size_t errlen)
{
	const unsigned char *data = buf;
	uint64_t sum = 1469598103934665603ull, stored, version, loaded, rows_n;
	uint32_t *rows = NULL, emps_n = 0;
	graph_builder_t *b = NULL;
	graph_t *g = NULL;
	struct rd r;
	int rc = -EPROTO;

	/* magic, format, schema, three u64s, the end mark and the checksum */
	if (n < 48 || memcmp(data, PERSIST_MAGIC, 8) != 0) {
		snprintf(err, errlen, "not a pathwaysd snapshot");
		return rc;
	}
	for (size_t i = 0; i < n - 8; i++) {
		sum ^= data[i];
		sum *= 1099511628211ull;
	}
	memcpy(&stored, data + n - 8, 8);
	if (sum != stored) {
		snprintf(err, errlen, "checksum mismatch (corrupt or truncated)");
		return rc;
	}
	r = (struct rd){ data + 8, data + n - 8, false };
	if (get_u32(&r) != PERSIST_FORMAT) {
		snprintf(err, errlen, "written by another format version");
		return rc;
	}
	if ((int)get_u32(&r) != schema_version) {
		snprintf(err, errlen, "written for another schema version");
		return rc;
	}
	version = get_u64(&r);
	loaded = get_u64(&r);
	rows_n = get_u64(&r);
	b = graph_builder_new();
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = replay(&r, b, &rows, &emps_n);
	if (rc) {
		snprintf(err, errlen, "%s", rc == -ENOMEM ? "out of memory"
				: "inconsistent content");
		goto out;
	}
	rc = graph_builder_finish(&b, version, &g);
	if (rc) {
		snprintf(err, errlen, "cannot rebuild the snapshot (%s)",
			 strerror(-rc));
		rc = -EPROTO;
		goto out;
	}
	if (g->emps_n != emps_n) {
		snprintf(err, errlen, "inconsistent content");
		graph_unref(&g);
		rc = -EPROTO;
		goto out;
	}
	for (uint32_t i = 0; i < emps_n; i++)
		g->emps[i].assess_rows = rows[i];
	g->assessments_n = rows_n;
	g->loaded_unix_ms = (int64_t)loaded;
	*out = g;
	rc = 0;
out:
	graph_builder_destroy(&b);
	free(rows);
	return rc;
}

int persist_load(const char *path, int schema_version, graph_t **out,
		 char *err, size_t errlen)
{
	unsigned char *data = NULL;
	char why[160];
	struct stat st;
	int fd, rc;
	size_t n;

	rc = persist_check_dir(path, err, errlen);
	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 48 ||
	    (uint64_t)st.st_size > (1ull << 40)) {
		close(fd);
		snprintf(err, errlen, "%s: not a pathwaysd snapshot (size)", path);
		return -EPROTO;
	}
	n = (size_t)st.st_size;
	data = malloc(n);
	if (!data) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t got = 0; got < n;) {
		ssize_t k = read(fd, data + got, n - got);

		if (k <= 0) {
			close(fd);
			free(data);
			snprintf(err, errlen, "%s: read failed", path);
			return -EIO;
		}
		got += (size_t)k;
	}
	close(fd);
	rc = persist_load_mem(data, n, schema_version, out, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%s: %s", path, why);
	free(data);
	return rc;
}

/* ---- the file the daemon keeps ---- */

struct persist {
	pthread_mutex_t lock;	/* one save at a time; guards what follows */
	char *path;
	int schema_version;
	bool saved;		/* the file holds a snapshot of this run */
	uint64_t saved_version, saved_xmin;
	uint64_t floor_xid;	/* the last erasure: nothing read before it
				 * may be written again */
};

int persist_new(const char *path, int schema_version, persist_t **out,
		char *err, size_t errlen)
{
	persist_t *p;
	int rc = persist_check_dir(path, err, errlen);

	if (rc)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->path = strdup(path);
	p->schema_version = schema_version;
	if (!p->path || pthread_mutex_init(&p->lock, NULL)) {
		free(p->path);
		free(p);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void persist_destroy(persist_t **pp)
{
	persist_t *p = *pp;

	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->path);
	free(p);
	*pp = NULL;
}

const char *persist_path(const persist_t *p)
{
	return p->path;
}

/* under p->lock */
static int keep_locked(persist_t *p, const graph_t *g, char *err,
		       size_t errlen)
{
	int rc;

	if (p->saved && g->version <= p->saved_version) {
		snprintf(err, errlen, "snapshot %llu is not newer than the saved %llu",
			 (unsigned long long)g->version,
			 (unsigned long long)p->saved_version);
		return -ESTALE;
	}
	if (g->db_xmin <= p->floor_xid) {
		snprintf(err, errlen, "snapshot %llu was read before an erasure",
			 (unsigned long long)g->version);
		return -ESTALE;
	}
	rc = persist_save(g, p->schema_version, p->path, err, errlen);
	if (rc)
		return rc;
	p->saved = true;
	p->saved_version = g->version;
	p->saved_xmin = g->db_xmin;
	return 0;
}

int persist_keep(persist_t *p, const graph_t *g, char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&p->lock);
	rc = keep_locked(p, g, err, errlen);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int persist_erased(persist_t *p, uint64_t xid, const graph_t *now, char *err,
		   size_t errlen)
{
	char why[256];
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	if (xid > p->floor_xid)
		p->floor_xid = xid;
	/* already rewritten from a snapshot read after the erasure (the
	 * loader saves a delta that removes someone before publishing it) */
	if (p->saved && p->saved_xmin > xid)
		goto out;
	if (now && now->db_xmin > xid &&
	    keep_locked(p, now, why, sizeof(why)) == 0)
		goto out;
	/* no snapshot without them to write: a missing file serves nobody,
	 * a stale one would serve them again after a restart */
	if (unlink(p->path) && errno != ENOENT) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot remove: %s", p->path,
			 strerror(errno));
		goto out;
	}
out:
	pthread_mutex_unlock(&p->lock);
	return rc;
}
