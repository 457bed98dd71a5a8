/* bundle_settings: settings.csv, the framework settings (see
 * bundle_private.h). Rows are (key, value): a known key, a value valid for
 * it (normalized before it is stored), an empty value removing the setting
 * so that its default applies. The three readiness bands must stay in
 * order (ready now above ready soon above developing), counting the
 * database's values for the bands the file leaves alone. Settings are few:
 * one statement each.
 *
 * What a setting may hold is known to imp_settings_known (keys, types,
 * ranges; the three bands first, with their defaults) and
 * imp_setting_normalize(), whose contract is that of settings_normalize()
 * in daemon/common/settings.h. To use that shared table: find keys with
 * settings_find(), take the bands' defaults from it, and let
 * imp_setting_row() call settings_normalize(); its messages stay
 * "settings.csv:LINE: value: KEY: what".
 */
#include "bundle_private.h"

#include <errno.h>
#include <string.h>

enum imp_stype { ST_NUMBER, ST_INT, ST_BOOL, ST_SOURCES, ST_MODE };

static const struct imp_setting {
	const char *key;
	enum imp_stype type;
	double lo, hi;
	double def;
} imp_settings_known[] = {
	{ "band_ready_now", ST_NUMBER, 0, 100, 90 },
	{ "band_ready_soon", ST_NUMBER, 0, 100, 70 },
	{ "band_developing", ST_NUMBER, 0, 100, 40 },
	{ "step_penalty", ST_NUMBER, 0, 1e6, 1 },
	{ "infer_promotions", ST_BOOL, 0, 0, 0 },
	{ "infer_lateral", ST_BOOL, 0, 0, 0 },
	{ "trusted_sources", ST_SOURCES, 0, 0, 0 },
	{ "mentor_min_level", ST_INT, 1, 5, 4 },
	{ "inferred_move_months", ST_INT, 0, 600, 12 },
	{ "readiness_mode", ST_MODE, 0, 0, 0 },
	{ "assessment_valid_days", ST_INT, 0, 36500, 0 },
};
#define IMP_NSETTINGS                                                         \
	(sizeof(imp_settings_known) / sizeof(imp_settings_known[0]))

struct imp_setrow {
	size_t line;
	bool set;		/* false: an empty value, back to the default */
	char value[96];		/* normalized */
};

/* Checks VALUE for setting DEF and writes its normal text to OUT: 0, or
 * -EINVAL with WHY saying "KEY: what is wrong". */
static int imp_setting_normalize(const struct imp_setting *def,
				 const char *value, char *out, size_t len,
				 char *why, size_t whylen)
{
	char q[96];
	double d;
	long long v;
	bool b;

	imp_q(value, q, sizeof(q));
	switch (def->type) {
	case ST_NUMBER:
		if (csv_parse_double(value, &d) < 0 || d < def->lo ||
		    d > def->hi)
			break;
		snprintf(out, len, "%s", value);
		return 0;
	case ST_INT:
		if (csv_parse_int(value, &v) < 0 || v < (long long)def->lo ||
		    v > (long long)def->hi)
			break;
		snprintf(out, len, "%lld", v);
		return 0;
	case ST_BOOL:
		if (csv_parse_bool(value, &b) < 0)
			break;
		snprintf(out, len, "%s", value);
		return 0;
	case ST_MODE:
		if (strcmp(value, "proportional") && strcmp(value, "binary"))
			break;
		snprintf(out, len, "%s", value);
		return 0;
	case ST_SOURCES: {
		/* a comma-separated list of sources; stored without spaces,
		 * each source once, in the order given */
		bool seen[4] = { false };
		const char *p = value;
		size_t o = 0;

		out[0] = '\0';
		for (;;) {
			const char *end = strchr(p, ',');
			size_t n = end ? (size_t)(end - p) : strlen(p), i;

			while (n && (*p == ' ' || *p == '\t')) {
				p++;
				n--;
			}
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			for (i = 0; imp_sources[i]; i++)
				if (strlen(imp_sources[i]) == n &&
				    !strncmp(imp_sources[i], p, n))
					break;
			if (!imp_sources[i])
				break;
			if (!seen[i]) {
				seen[i] = true;
				o += (size_t)snprintf(out + o, len - o, "%s%s",
						      o ? "," : "",
						      imp_sources[i]);
			}
			if (!end)
				return 0;
			p = end + 1;
		}
		break;
	}
	}
	/* what is wrong with it */
	switch (def->type) {
	case ST_NUMBER:
		snprintf(why, whylen, "%s: expected a number from %g to %g, "
			 "got \"%s\"", def->key, def->lo, def->hi, q);
		break;
	case ST_INT:
		snprintf(why, whylen, "%s: expected a whole number from %lld "
			 "to %lld, got \"%s\"", def->key, (long long)def->lo,
			 (long long)def->hi, q);
		break;
	case ST_BOOL:
		snprintf(why, whylen, "%s: expected true or false, got \"%s\"",
			 def->key, q);
		break;
	case ST_MODE:
		snprintf(why, whylen, "%s: must be one of proportional, "
			 "binary, got \"%s\"", def->key, q);
		break;
	case ST_SOURCES:
		snprintf(why, whylen, "%s: expected sources among manager, "
			 "self, peer, certification separated by commas, got "
			 "\"%s\"", def->key, q);
		break;
	}
	return -EINVAL;
}

/* Checks the VALUE (not empty) of a row of setting DEF and writes its
 * normal text to OUT; else -EINVAL, "settings.csv:LINE: value: KEY: what".
 */
static int imp_setting_row(struct imp *im, const csv_t *c,
			   const struct imp_setting *def, const char *value,
			   char *out, size_t len)
{
	char why[IMP_ERRMSG / 2];

	if (strlen(value) > 64)
		return imp_rowfail(im, c, SE_VALUE, "%s: longer than 64 bytes",
				   def->key);
	if (imp_setting_normalize(def, value, out, len, why, sizeof(why)) < 0)
		return imp_rowfail(im, c, SE_VALUE, "%s", why);
	return 0;
}

static int imp_settings_db_row(struct imp *im, char **f, size_t n, void *arg)
{
	double *band = arg;
	double d;

	if (n < 2 || !f[0] || !f[1])
		return 0;
	for (int i = 0; i < 3; i++)
		if (!strcmp(f[0], imp_settings_known[i].key) &&
		    csv_parse_double(f[1], &d) == 0)
			band[i] = d;
	return 0;
}

int imp_settings(struct imp *im, csv_t *c)
{
	struct imp_setrow rows[IMP_NSETTINGS];
	double band[3];
	size_t lines[3] = { 0 }, o = 0;
	int rc;

	memset(rows, 0, sizeof(rows));
	for (int i = 0; i < 3; i++)
		band[i] = imp_settings_known[i].def;
	if (!im->replace) {
		rc = imp_copy_out(im, "COPY (SELECT key, value FROM "
				  "framework_setting) TO STDOUT",
				  imp_settings_db_row, band, "settings");
		if (rc < 0)
			return rc;
	}
	while ((rc = imp_next(im, c)) == 1) {
		const char *key = csv_get(c, SE_KEY);
		const char *value = csv_get(c, SE_VALUE);
		char q[96];
		size_t i;

		for (i = 0; i < IMP_NSETTINGS; i++)
			if (!strcmp(key, imp_settings_known[i].key))
				break;
		if (!*key)
			return imp_rowfail(im, c, SE_KEY, "required");
		if (i == IMP_NSETTINGS)
			return imp_rowfail(im, c, SE_KEY, "unknown setting "
					   "\"%s\"", imp_q(key, q, sizeof(q)));
		if (rows[i].line)
			return imp_rowfail(im, c, SE_KEY,
					   "duplicate key \"%s\" (also on line "
					   "%zu)", key,
					   rows[i].line);
		rows[i].line = csv_line(c);
		if (!*value)
			continue;
		rc = imp_setting_row(im, c, &imp_settings_known[i], value,
				     rows[i].value, sizeof(rows[i].value));
		if (rc < 0)
			return rc;
		rows[i].set = true;
		if (i < 3) {
			rc = csv_parse_double(rows[i].value, &band[i]);
			if (rc < 0)
				return imp_rowfail(im, c, SE_VALUE,
						   "bad number");
			lines[i] = rows[i].line;
		} else {
			rc = 0;
		}
	}
	if (rc < 0)
		return rc;
	for (int i = 0; i < 3; i++)
		if (rows[i].line && !rows[i].set)
			band[i] = imp_settings_known[i].def;
	for (int i = 0; i < 2; i++) {
		size_t line = lines[i] > lines[i + 1] ? lines[i] : lines[i + 1];

		if (band[i] >= band[i + 1] || !line)
			continue;
		return imp_fail(im, -EINVAL, "%s:%zu: value: %s (%g) must not "
				"be above %s (%g)",
				bundle_files[BUNDLE_F_SETTINGS].name,
				line, imp_settings_known[i + 1].key,
				band[i + 1], imp_settings_known[i].key,
				band[i]);
	}

	/* settings are few: one statement each */
	im->settings_kept[o++] = '{';
	for (size_t i = 0; i < IMP_NSETTINGS; i++) {
		const char *params[2] = { imp_settings_known[i].key,
					  rows[i].value };
		char where[64];

		if (!rows[i].line)
			continue;
		snprintf(where, sizeof(where), "%s:%zu",
			 bundle_files[BUNDLE_F_SETTINGS].name, rows[i].line);
		if (rows[i].set)
			rc = imp_exec(im, "INSERT INTO framework_setting AS t "
				      "(key, value) VALUES ($1, $2) ON "
				      "CONFLICT (key) DO UPDATE SET value = "
				      "EXCLUDED.value WHERE t.value <> "
				      "EXCLUDED.value", 2, params, NULL, where);
		else
			rc = imp_exec(im, "DELETE FROM framework_setting WHERE "
				      "key = $1", 1, params, NULL, where);
		if (rc < 0)
			return rc;
		if (rows[i].set)
			o += (size_t)snprintf(im->settings_kept + o,
					      sizeof(im->settings_kept) - o,
					      "%s%s", o > 1 ? "," : "",
					      imp_settings_known[i].key);
	}
	snprintf(im->settings_kept + o, sizeof(im->settings_kept) - o, "}");
	return 0;
}
