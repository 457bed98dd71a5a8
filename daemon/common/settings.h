/* settings: the framework settings (table framework_setting), defined once.
 *
 * One row per setting gives its key, type, range and default; the daemon's
 * snapshot (graph), the saved snapshot (persist) and the bundle importer
 * all parse, check and format values through this table, so they accept
 * the same values. Keys, defaults and meanings: docs/bundle.md (settings.csv) and
 * docs/scoring.md.
 *
 * Grammar of a value, by type:
 *   number    [+-]digits[.digits][e[+-]digits], within [lo, hi]
 *   integer   [+-]digits (at most 18), within [lo, hi]
 *   bool      true | false
 *   sources   manager, self, peer, certification separated by commas
 *             (blanks around each allowed, repeats ignored)
 *   mode      proportional | binary
 * Nothing here depends on locale. */
#ifndef PATHWAYS_SETTINGS_H
#define PATHWAYS_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

/* assessment sources, as a bit set for trusted_sources */
enum settings_source {
	SETTINGS_SRC_MANAGER = 1u << 0,
	SETTINGS_SRC_SELF = 1u << 1,
	SETTINGS_SRC_PEER = 1u << 2,
	SETTINGS_SRC_CERTIFICATION = 1u << 3,
};

enum settings_mode { SETTINGS_MODE_PROPORTIONAL, SETTINGS_MODE_BINARY };

enum settings_type {
	SETTINGS_NUMBER,	/* double */
	SETTINGS_INT,		/* unsigned */
	SETTINGS_BOOL,		/* bool */
	SETTINGS_SOURCES,	/* unsigned, enum settings_source bits */
	SETTINGS_MODE,		/* enum settings_mode */
};

struct settings {
	double band_ready_now;		/* 90 */
	double band_ready_soon;		/* 70 */
	double band_developing;		/* 40 */
	double step_penalty;		/* 1 */
	bool infer_promotions;		/* true */
	bool infer_lateral;		/* false */
	unsigned trusted_sources;	/* enum settings_source bits */
	unsigned mentor_min_level;	/* 4 */
	unsigned inferred_move_months;	/* 12 */
	enum settings_mode readiness_mode;
	unsigned assessment_valid_days;	/* 0: never expire */
};

/* One setting. lo and hi bound numbers and integers (inclusive). */
struct settings_def {
	const char *key;
	enum settings_type type;
	double lo, hi;
	const char *def;		/* the default, as a value */
	size_t offset;			/* of its field in struct settings */
};

/* The table, in a fixed order (the order of struct settings), and its
 * length. */
extern const struct settings_def settings_table[];
extern const size_t settings_n;

/* The row for key, NULL when there is no such setting. */
const struct settings_def *settings_find(const char *key);

/* Fills s with every default. */
void settings_default(struct settings *s);

/* Parses one (key, value) pair into s. 0, or -EINVAL for an unknown key
 * or a bad value, with err (when not NULL) saying why in the words the
 * importer shows its users, e.g. `mentor_min_level: expected a whole
 * number from 1 to 5, got "9"`. s is untouched on error. */
int settings_apply(struct settings *s, const char *key, const char *value,
		   char *err, size_t errlen) __attribute__((warn_unused_result));

/* Checks value for key as settings_apply() does and writes its normal
 * text to out: numbers, booleans and modes as given, integers without
 * sign or leading zeros, sources without blanks and repeats in the order
 * given. -EINVAL (err set as above) or -ENOSPC when out is too small. */
int settings_normalize(const char *key, const char *value, char *out,
		       size_t outlen, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Formats d's field of s as a value that settings_apply() reads back to
 * the same field (numbers round-trip exactly). -ENOSPC when out is too
 * small (64 bytes always suffice). */
int settings_format(const struct settings *s, const struct settings_def *d,
		    char *out, size_t outlen) __attribute__((warn_unused_result));

/* Parses one source name into its enum settings_source bit. */
int settings_source_parse(const char *name, unsigned *out)
	__attribute__((warn_unused_result));

#endif
