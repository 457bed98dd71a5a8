#include "fixture.h"

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "persist.h"

#define SCHEMA 7

static char dir[64];
static char path[128];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_persist.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/snapshot", dir);
}

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

TestSuite(persist, .init = make_dir, .fini = remove_dir);

/* Every kind of row, non-default settings (lateral moves inferred, so the
 * inferred moves must come back from the settings), a prerequisite cycle,
 * a role without a track area, untrusted assessments already dropped. */
static graph_t *rich_graph(void)
{
	graph_builder_t *b = fixture_base();

	OK(graph_builder_setting(b, "infer_lateral", "true"));
	OK(graph_builder_setting(b, "band_ready_soon", "66.6"));
	OK(graph_builder_setting(b, "step_penalty", "0.25"));
	OK(graph_builder_setting(b, "trusted_sources", "self,certification"));
	OK(graph_builder_setting(b, "mentor_min_level", "3"));
	OK(graph_builder_setting(b, "inferred_move_months", "7"));
	OK(graph_builder_setting(b, "readiness_mode", "binary"));
	OK(graph_builder_setting(b, "assessment_valid_days", "400"));
	OK(graph_builder_track(b, "oth", "Other", GRAPH_TRACK_OTHER));
	OK(graph_builder_role(b, "R1", "Engineer", "ic", 1, "eng", 50000, 70000));
	OK(graph_builder_role(b, "R2", "Senior", "ic", 2, "eng", NAN, NAN));
	OK(graph_builder_role(b, "R3", "Ops", "ic", 1, "ops", 0, 0));
	OK(graph_builder_role(b, "M1", "Lead", "mgmt", 1, "eng", 0, 1));
	OK(graph_builder_role(b, "X", "Loose", "oth", 9, NULL, 1, 2));
	OK(graph_builder_requirement(b, "R2", "a", 4, 1.5, true));
	OK(graph_builder_requirement(b, "R2", "c", 3, 1, false));
	OK(graph_builder_requirement(b, "R1", "b", 2, 0.5, false));
	OK(graph_builder_requirement(b, "M1", "d", 5, 2, true));
	OK(graph_builder_move(b, "R1", "M1", GRAPH_MOVE_TRACK_SWITCH, 18));
	OK(graph_builder_move(b, "R3", "X", GRAPH_MOVE_LATERAL, UINT32_MAX));
	OK(graph_builder_module(b, "m1", "Course", 0, 3.5, "lms-1"));
	OK(graph_builder_module(b, "m2", "Workshop", 1, 0, ""));
	OK(graph_builder_module(b, "m3", "Mentoring", 2, 10, NULL));
	OK(graph_builder_outcome(b, "m1", "a", 0, 2));
	OK(graph_builder_outcome(b, "m1", "c", 1, 3));
	OK(graph_builder_outcome(b, "m2", "a", 2, 4));
	OK(graph_builder_prereq(b, "m2", "m1"));
	OK(graph_builder_prereq(b, "m3", "m2"));
	OK(graph_builder_prereq(b, "m2", "m3"));
	OK(graph_builder_employee(b, "E1", "R1", NULL, true));
	OK(graph_builder_employee(b, "E2", "R2", "E1", false));
	OK(graph_builder_employee(b, "E3", "X", "E2", true));
	OK(graph_builder_attribute(b, "E1", "site", "Lyon"));
	OK(graph_builder_attribute(b, "E1", "team", "core \xc3\xa9"));
	OK(graph_builder_attribute(b, "E3", "site", ""));
	OK(graph_builder_assessment(b, "E1", "a", 3, GRAPH_SRC_SELF, T0 - DAY));
	OK(graph_builder_assessment(b, "E1", "a", 5, GRAPH_SRC_CERTIFICATION,
				    T0 - 2 * DAY));
	OK(graph_builder_assessment(b, "E1", "c", 2, GRAPH_SRC_MANAGER, T0));
	/* a history: an older rating, and a tie the higher level wins */
	OK(graph_builder_assessment(b, "E1", "c", 4, GRAPH_SRC_SELF, T0 - 90 * DAY));
	OK(graph_builder_assessment(b, "E1", "c", 1, GRAPH_SRC_CERTIFICATION,
				    T0 - 90 * DAY));
	OK(graph_builder_assessment(b, "E2", "d", 4, GRAPH_SRC_SELF, T0 + 1));
	OK(graph_builder_completion(b, "E1", "m2"));
	OK(graph_builder_completion(b, "E1", "m1"));
	OK(graph_builder_completion(b, "E1", "m1"));
	OK(graph_builder_completion(b, "E3", "m3"));
	{
		graph_t *g = NULL;

		OK(graph_builder_finish(&b, 42, &g));
		return g;
	}
}

static void same_str(const char *a, const char *b, const char *what)
{
	cr_assert_str_eq(a, b, "%s: \"%s\" vs \"%s\"", what, a, b);
}

static void same_double(double a, double b, const char *what)
{
	cr_assert(a == b || (isnan(a) && isnan(b)), "%s: %g vs %g", what, a, b);
}

/* every table and index a query can read */
static void assert_same_graph(const graph_t *a, const graph_t *b)
{
	cr_assert_eq(a->version, b->version);
	cr_assert_eq(a->loaded_unix_ms, b->loaded_unix_ms);
	cr_assert_eq(a->assessments_n, b->assessments_n);
	cr_assert_eq(memcmp(&a->settings, &b->settings, sizeof(a->settings)), 0);

	cr_assert_eq(a->tracks_n, b->tracks_n);
	for (uint32_t i = 0; i < a->tracks_n; i++) {
		same_str(a->tracks[i].key, b->tracks[i].key, "track key");
		same_str(a->tracks[i].name, b->tracks[i].name, "track name");
		cr_assert_eq(a->tracks[i].kind, b->tracks[i].kind);
		cr_assert_eq(graph_find_track(b, a->tracks[i].key), i);
	}
	cr_assert_eq(a->areas_n, b->areas_n);
	for (uint32_t i = 0; i < a->areas_n; i++) {
		same_str(a->areas[i].key, b->areas[i].key, "area key");
		same_str(a->areas[i].name, b->areas[i].name, "area name");
		cr_assert_eq(graph_find_area(b, a->areas[i].key), i);
	}
	cr_assert_eq(a->comps_n, b->comps_n);
	for (uint32_t i = 0; i < a->comps_n; i++) {
		const struct graph_competency *x = &a->comps[i], *y = &b->comps[i];

		same_str(x->key, y->key, "competency key");
		same_str(x->name, y->name, "competency name");
		same_str(x->description, y->description, "description");
		cr_assert_eq(x->area, y->area);
		cr_assert_eq(x->kind, y->kind);
		cr_assert_eq(x->teach_off, y->teach_off);
		cr_assert_eq(x->teach_n, y->teach_n);
		cr_assert_eq(graph_find_comp(b, x->key), i);
	}
	cr_assert_eq(a->roles_n, b->roles_n);
	for (uint32_t i = 0; i < a->roles_n; i++) {
		const struct graph_role *x = &a->roles[i], *y = &b->roles[i];

		same_str(x->key, y->key, "role key");
		same_str(x->title, y->title, "role title");
		cr_assert_eq(x->track, y->track);
		cr_assert_eq(x->area, y->area);
		cr_assert_eq(x->grade, y->grade);
		same_double(x->pay_min, y->pay_min, "pay_min");
		same_double(x->pay_max, y->pay_max, "pay_max");
		cr_assert_eq(x->scope, y->scope);
		cr_assert_eq(x->complexity, y->complexity);
		cr_assert_eq(x->volume, y->volume);
		cr_assert_eq(x->drive, y->drive);
		cr_assert_eq(x->influence, y->influence);
		cr_assert_eq(x->req_off, y->req_off);
		cr_assert_eq(x->req_n, y->req_n);
		cr_assert_eq(x->move_off, y->move_off);
		cr_assert_eq(x->move_n, y->move_n);
		cr_assert_eq(a->roles_by_key[i], b->roles_by_key[i]);
		cr_assert_eq(a->role_rank[i], b->role_rank[i]);
		cr_assert_eq(graph_find_role(b, x->key), i);
	}
	cr_assert_eq(a->reqs_n, b->reqs_n);
	for (uint32_t i = 0; i < a->reqs_n; i++) {
		cr_assert_eq(a->reqs[i].comp, b->reqs[i].comp);
		cr_assert_eq(a->reqs[i].level, b->reqs[i].level);
		cr_assert_eq(a->reqs[i].must_have, b->reqs[i].must_have);
		same_double(a->reqs[i].weight, b->reqs[i].weight, "weight");
	}
	cr_assert_eq(a->moves_n, b->moves_n);
	for (uint32_t i = 0; i < a->moves_n; i++) {
		cr_assert_eq(a->moves[i].to, b->moves[i].to);
		cr_assert_eq(a->moves[i].kind, b->moves[i].kind);
		cr_assert_eq(a->moves[i].inferred, b->moves[i].inferred);
		cr_assert_eq(a->moves[i].months, b->moves[i].months);
		same_double(a->moves[i].cost, b->moves[i].cost, "cost");
	}
	cr_assert_eq(a->modules_n, b->modules_n);
	for (uint32_t i = 0; i < a->modules_n; i++) {
		const struct graph_module *x = &a->modules[i], *y = &b->modules[i];

		same_str(x->key, y->key, "module key");
		same_str(x->title, y->title, "module title");
		same_str(x->lms_ref, y->lms_ref, "lms_ref");
		cr_assert_eq(x->kind, y->kind);
		same_double(x->hours, y->hours, "hours");
		cr_assert_eq(x->out_off, y->out_off);
		cr_assert_eq(x->out_n, y->out_n);
		cr_assert_eq(x->pre_off, y->pre_off);
		cr_assert_eq(x->pre_n, y->pre_n);
		cr_assert_eq(x->scc, y->scc);
		cr_assert_eq(x->on_cycle, y->on_cycle);
		cr_assert_eq(a->modules_by_key[i], b->modules_by_key[i]);
		cr_assert_eq(graph_find_module(b, x->key), i);
	}
	cr_assert_eq(a->outcomes_n, b->outcomes_n);
	for (uint32_t i = 0; i < a->outcomes_n; i++) {
		cr_assert_eq(a->outcomes[i].comp, b->outcomes[i].comp);
		cr_assert_eq(a->outcomes[i].entry_level, b->outcomes[i].entry_level);
		cr_assert_eq(a->outcomes[i].level, b->outcomes[i].level);
		cr_assert_eq(a->teachers[i], b->teachers[i]);
	}
	cr_assert_eq(a->prereqs_n, b->prereqs_n);
	for (uint32_t i = 0; i < a->prereqs_n; i++)
		cr_assert_eq(a->prereqs[i], b->prereqs[i]);
	cr_assert_eq(a->emps_n, b->emps_n);
	for (uint32_t i = 0; i < a->emps_n; i++) {
		const struct graph_employee *x = &a->emps[i], *y = &b->emps[i];

		same_str(x->id, y->id, "employee id");
		same_str(x->manager_id, y->manager_id, "manager");
		cr_assert_eq(x->role, y->role);
		cr_assert_eq(x->assess_rows, y->assess_rows);
		cr_assert_eq(x->active, y->active);
		cr_assert_eq(graph_find_employee(b, x->id), i);
		cr_assert_eq(x->levels_n, y->levels_n);
		for (uint32_t k = 0; k < x->levels_n; k++) {
			cr_assert_eq(x->levels[k].comp, y->levels[k].comp);
			cr_assert_eq(x->levels[k].level, y->levels[k].level);
			cr_assert_eq(x->levels[k].assessed_at,
				     y->levels[k].assessed_at);
			cr_assert_eq(x->levels[k].hist_n, y->levels[k].hist_n);
		}
		cr_assert_eq(x->history_n, y->history_n);
		for (uint32_t k = 0; k < x->history_n; k++)
			cr_assert_eq(x->history[k], y->history[k]);
		cr_assert_eq(x->completed_n, y->completed_n);
		for (uint32_t k = 0; k < x->completed_n; k++)
			cr_assert_eq(x->completed[k], y->completed[k]);
		cr_assert_eq(x->attrs_n, y->attrs_n);
		for (uint32_t k = 0; k < x->attrs_n; k++) {
			same_str(x->attrs[k].key, y->attrs[k].key, "attr key");
			same_str(x->attrs[k].value, y->attrs[k].value, "value");
		}
	}
}

static void save(const graph_t *g)
{
	char err[256] = "";

	cr_assert_eq(persist_save(g, SCHEMA, path, err, sizeof(err)), 0, "%s",
		     err);
}

static unsigned char *slurp(size_t *n)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	*n = (size_t)st.st_size;
	buf = malloc(*n);
	cr_assert_not_null(buf);
	cr_assert_eq(read(fd, buf, *n), (ssize_t)*n);
	close(fd);
	return buf;
}

static void spill(const unsigned char *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
}

/* the file's own checksum (FNV-1a over all but its last 8 bytes), so a
 * changed byte reaches the parser instead of the checksum check */
static void reseal(unsigned char *buf, size_t n)
{
	uint64_t sum = 1469598103934665603ull;

	for (size_t i = 0; i < n - 8; i++) {
		sum ^= buf[i];
		sum *= 1099511628211ull;
	}
	memcpy(buf + n - 8, &sum, 8);
}

static int load(graph_t **g, char *err, size_t errlen)
{
	return persist_load(path, SCHEMA, g, err, errlen);
}

Test(persist, a_saved_snapshot_loads_back_equal_on_every_table)
{
	graph_t *g = rich_graph(), *back = NULL;
	char err[256] = "";

	cr_assert_gt(g->moves_n, 2, "inferred moves expected");
	cr_assert(g->modules[graph_find_module(g, "m2")].on_cycle);
	cr_assert_eq(g->emps[graph_find_employee(g, "E1")].history_n, 4,
		     "the history is in the snapshot saved");
	save(g);
	cr_assert_eq(load(&back, err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(back);
	assert_same_graph(g, back);
	graph_unref(&back);
	graph_unref(&g);
}

Test(persist, an_empty_snapshot_round_trips)
{
	graph_builder_t *b = graph_builder_new();
	graph_t *g = NULL, *back = NULL;
	char err[256] = "";

	OK(graph_builder_finish(&b, 1, &g));
	save(g);
	cr_assert_eq(load(&back, err, sizeof(err)), 0, "%s", err);
	assert_same_graph(g, back);
	graph_unref(&back);
	graph_unref(&g);
}

Test(persist, a_snapshot_from_deltas_saves_what_it_holds_now)
{
	graph_t *g = rich_graph(), *d = NULL, *back = NULL;
	graph_builder_t *b = graph_builder_new_delta(g);
	/* E3 leaves (nobody reports to them: the database's foreign key
	 * would not let a manager go alone), E4 arrives */
	const char *changed[] = { "E3", "E4" };
	char err[256] = "";

	OK(graph_builder_employee(b, "E4", "R3", "E1", true));
	OK(graph_builder_assessment(b, "E4", "b", 2, GRAPH_SRC_SELF, T0));
	OK(graph_builder_finish_delta(&b, g, changed, 2, 43, &d));
	save(d);
	cr_assert_eq(load(&back, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(back->emps_n, 3);
	cr_assert_eq(graph_find_employee(back, "E3"), GRAPH_NONE);
	cr_assert_neq(graph_find_employee(back, "E4"), GRAPH_NONE);
	assert_same_graph(d, back);
	graph_unref(&back);
	graph_unref(&d);
	graph_unref(&g);
}

Test(persist, a_missing_file_is_enoent)
{
	graph_t *g = NULL;
	char err[256] = "";

	cr_assert_eq(load(&g, err, sizeof(err)), -ENOENT);
	cr_assert_null(g);
	cr_assert_neq(err[0], '\0');
}

Test(persist, another_schema_version_is_refused)
{
	graph_t *g = rich_graph(), *back = NULL;
	char err[256] = "";

	save(g);
	cr_assert_eq(persist_load(path, SCHEMA + 1, &back, err, sizeof(err)),
		     -EPROTO);
	cr_assert_null(back);
	cr_assert_not_null(strstr(err, "another schema version"), "%s", err);
	graph_unref(&g);
}

Test(persist, another_format_version_is_refused)
{
	graph_t *g = rich_graph(), *back = NULL;
	unsigned char *buf;
	char err[256] = "";
	uint32_t format = 2;
	size_t n;

	save(g);
	buf = slurp(&n);
	memcpy(buf + 8, &format, 4);	/* right after the magic */
	reseal(buf, n);
	spill(buf, n);
	cr_assert_eq(load(&back, err, sizeof(err)), -EPROTO);
	cr_assert_null(back);
	cr_assert_not_null(strstr(err, "another format version"), "%s", err);
	free(buf);
	graph_unref(&g);
}

Test(persist, a_truncated_file_is_refused_at_every_length)
{
	graph_t *g = rich_graph(), *back = NULL;
	unsigned char *buf;
	size_t n;

	save(g);
	buf = slurp(&n);
	for (size_t len = 0; len < n; len++) {
		char err[256] = "";

		spill(buf, len);
		cr_assert_eq(load(&back, err, sizeof(err)), -EPROTO,
			     "length %zu", len);
		cr_assert_null(back);
		cr_assert_neq(err[0], '\0');
	}
	free(buf);
	graph_unref(&g);
}

Test(persist, a_flipped_byte_fails_the_checksum)
{
	graph_t *g = rich_graph(), *back = NULL;
	unsigned char *buf;
	char err[256] = "";
	size_t n;

	save(g);
	buf = slurp(&n);
	buf[n / 2] ^= 0x20;
	spill(buf, n);
	cr_assert_eq(load(&back, err, sizeof(err)), -EPROTO);
	cr_assert_null(back);
	cr_assert_not_null(strstr(err, "checksum"), "%s", err);
	free(buf);
	graph_unref(&g);
}

Test(persist, a_file_of_another_kind_is_refused)
{
	static const char text[] = "key,value\nband_ready_now,90\n"
				   "0123456789012345678901234567890123456789";
	graph_t *back = NULL;
	char err[256] = "";

	spill((const unsigned char *)text, sizeof(text) - 1);
	cr_assert_eq(load(&back, err, sizeof(err)), -EPROTO);
	cr_assert_null(back);
	cr_assert_not_null(strstr(err, "not a pathwaysd snapshot"), "%s", err);
}

/* Content the checksum vouches for but that is wrong anyway (a bug, or a
 * hand-made file): every single-byte change past the header, resealed,
 * loads as something or is refused, and never reads out of bounds (ASan
 * build). */
Test(persist, corrupted_content_with_a_valid_checksum_never_crashes,
     .timeout = 120)
{
	graph_t *g = rich_graph();
	unsigned char *buf, *copy;
	size_t n, refused = 0;

	save(g);
	buf = slurp(&n);
	copy = malloc(n);
	cr_assert_not_null(copy);
	for (size_t i = 12; i < n - 8; i++) {
		static const unsigned char flips[] = { 0x01, 0x80, 0xff };

		for (size_t f = 0; f < sizeof(flips); f++) {
			graph_t *back = NULL;
			char err[256] = "";
			int rc;

			memcpy(copy, buf, n);
			copy[i] ^= flips[f];
			reseal(copy, n);
			rc = persist_load_mem(copy, n, SCHEMA, &back, err,
					      sizeof(err));
			cr_assert(rc == 0 || rc == -EPROTO, "byte %zu: %d", i, rc);
			if (rc) {
				cr_assert_null(back);
				cr_assert_neq(err[0], '\0');
				refused++;
			}
			graph_unref(&back);
		}
	}
	/* most changes break a length, an index or a key */
	cr_assert_gt(refused, n);
	free(copy);
	free(buf);
	graph_unref(&g);
}

Test(persist, a_setting_out_of_range_in_the_file_is_refused)
{
	graph_t *g = rich_graph(), *back = NULL;
	unsigned char *buf, *at;
	char err[256] = "";
	size_t n;

	save(g);
	buf = slurp(&n);
	/* "mentor_min_level" then its value's length and text "3" */
	at = memmem(buf, n, "mentor_min_level", 16);
	cr_assert_not_null(at);
	cr_assert_eq(at[16 + 4], '3');
	at[16 + 4] = '0';
	reseal(buf, n);
	cr_assert_eq(persist_load_mem(buf, n, SCHEMA, &back, err, sizeof(err)),
		     -EPROTO);
	cr_assert_null(back);
	free(buf);
	graph_unref(&g);
}

/* ---- the temporary file and the directory ---- */

Test(persist, the_temporary_file_never_follows_a_planted_symlink)
{
	graph_t *g = rich_graph();
	char planted[192], victim[192];
	struct stat st;
	int fd;

	/* the name the daemon once used, predictable from its pid */
	snprintf(planted, sizeof(planted), "%s.tmp.%d", path, (int)getpid());
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	fd = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(symlink(victim, planted), 0);
	save(g);
	cr_assert_eq(stat(victim, &st), 0);
	cr_assert_eq(st.st_size, 0, "the snapshot went through the symlink");
	unlink(planted);
	unlink(victim);
	graph_unref(&g);
}

Test(persist, the_saved_file_is_readable_by_its_owner_only)
{
	graph_t *g = rich_graph();
	struct stat st;

	save(g);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	graph_unref(&g);
}

Test(persist, a_group_or_world_writable_directory_is_refused)
{
	graph_t *g = rich_graph(), *back = NULL;
	persist_t *p = NULL;
	char err[256] = "";

	save(g);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(chmod(dir, i ? 0703 : 0730), 0);
		cr_assert_eq(persist_save(g, SCHEMA, path, err, sizeof(err)),
			     -EPERM);
		cr_assert(strstr(err, "writable"), "%s", err);
		cr_assert_eq(load(&back, err, sizeof(err)), -EPERM);
		cr_assert_null(back);
		cr_assert_eq(persist_new(path, SCHEMA, &p, err, sizeof(err)),
			     -EPERM);
		cr_assert_null(p);
	}
	cr_assert_eq(chmod(dir, 0700), 0);
	graph_unref(&g);
}

/* ---- the file the daemon keeps ---- */

static persist_t *keeper(void)
{
	persist_t *p = NULL;
	char err[256] = "";

	cr_assert_eq(persist_new(path, SCHEMA, &p, err, sizeof(err)), 0, "%s",
		     err);
	return p;
}

/* rich_graph() read at xmin 10, then E3 leaves in transaction 20 and the
 * snapshot that shows it (version 43) is read at xmin 21 */
static graph_t *without_e3(graph_t *g)
{
	graph_builder_t *b = graph_builder_new_delta(g);
	const char *changed[] = { "E3" };
	graph_t *d = NULL;

	OK(graph_builder_finish_delta(&b, g, changed, 1, 43, &d));
	d->db_xmin = 21;
	return d;
}

static bool saved_has(const char *id)
{
	graph_t *back = NULL;
	char err[256] = "";
	bool has;

	cr_assert_eq(load(&back, err, sizeof(err)), 0, "%s", err);
	has = graph_find_employee(back, id) != GRAPH_NONE;
	graph_unref(&back);
	return has;
}

Test(persist, an_erasure_rewrites_the_file_from_a_later_snapshot)
{
	graph_t *g = rich_graph(), *d;
	persist_t *p = keeper();
	char err[256] = "";

	g->db_xmin = 10;
	d = without_e3(g);
	cr_assert_eq(persist_keep(p, g, err, sizeof(err)), 0, "%s", err);
	cr_assert(saved_has("E3"));
	cr_assert_eq(persist_erased(p, 20, d, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(saved_has("E3"));
	cr_assert(saved_has("E1"));
	/* the loader finishing a save of the older snapshot loses */
	cr_assert_eq(persist_keep(p, g, err, sizeof(err)), -ESTALE);
	cr_assert_not(saved_has("E3"));
	persist_destroy(&p);
	cr_assert_null(p);
	graph_unref(&d);
	graph_unref(&g);
}

Test(persist, an_erasure_with_no_later_snapshot_removes_the_file)
{
	graph_t *g = rich_graph(), *d;
	persist_t *p = keeper();
	char err[256] = "";
	struct stat st;

	g->db_xmin = 10;
	d = without_e3(g);
	cr_assert_eq(persist_keep(p, g, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(persist_erased(p, 20, g, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(path, &st), -1, "a file older than the erasure stays");
	/* a snapshot read before the erasure is never saved again, even a
	 * later version (a full load that began before the erasure) */
	g->version = 50;
	cr_assert_eq(persist_keep(p, g, err, sizeof(err)), -ESTALE);
	cr_assert_eq(stat(path, &st), -1);
	cr_assert_eq(persist_keep(p, d, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(saved_has("E3"));
	persist_destroy(&p);
	graph_unref(&d);
	graph_unref(&g);
}

Test(persist, an_erasure_already_saved_leaves_the_file_alone)
{
	graph_t *g = rich_graph(), *d;
	persist_t *p = keeper();
	char err[256] = "";
	struct stat before, after;

	g->db_xmin = 10;
	d = without_e3(g);
	cr_assert_eq(persist_keep(p, d, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(path, &before), 0);
	cr_assert_eq(persist_erased(p, 20, NULL, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(stat(path, &after), 0);
	cr_assert_eq(before.st_ino, after.st_ino);
	persist_destroy(&p);
	graph_unref(&d);
	graph_unref(&g);
}
