/* bundle_settings: settings.csv, the framework settings (see
 * bundle_private.h). Rows are (key, value): a known key, a value valid for
 * it (normalized before it is stored), an empty value removing the setting
 * so that its default applies. The three readiness bands must stay in
 * order (ready now above ready soon above developing), counting the
 * database's values for the bands the file leaves alone. Settings are few:
 * one statement each.
 *
 * What a setting may hold (keys, types, ranges, defaults) is the shared
 * table of daemon/common/settings.h, the one the daemon reads them with:
 * settings_find() and settings_normalize() decide, this file only reports
 * "settings.csv:LINE: value: KEY: what". The table lists the three bands
 * first.
 */
#include "bundle_private.h"
#include "settings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* the bands: the first three rows of settings_table */
#define IMP_NBANDS 3

struct imp_setrow {
	size_t line;
	bool set;		/* false: an empty value, back to the default */
	char value[96];		/* normalized */
};

/* Checks the VALUE (not empty) of a row of setting KEY and writes its
 * normal text to OUT; else -EINVAL, "settings.csv:LINE: value: KEY: what".
 */
static int imp_setting_row(struct imp *im, const csv_t *c, const char *key,
			   const char *value, char *out, size_t len)
{
	char why[IMP_ERRMSG / 2];

	if (strlen(value) > 64)
		return imp_rowfail(im, c, SE_VALUE, "%s: longer than 64 bytes",
				   key);
	if (settings_normalize(key, value, out, len, why, sizeof(why)) < 0)
		return imp_rowfail(im, c, SE_VALUE, "%s", why);
	return 0;
}

static int imp_settings_db_row(struct imp *im, char **f, size_t n, void *arg)
{
	double *band = arg;
	double d;

	if (n < 2 || !f[0] || !f[1])
		return 0;
	for (int i = 0; i < IMP_NBANDS; i++)
		if (!strcmp(f[0], settings_table[i].key) &&
		    csv_parse_double(f[1], &d) == 0)
			band[i] = d;
	return 0;
}

/* imp_settings() with ROWS, one per row of settings_table, zeroed */
static int imp_settings_rows(struct imp *im, csv_t *c,
			     struct imp_setrow *rows)
{
	double band[IMP_NBANDS];
	size_t lines[IMP_NBANDS] = { 0 }, o = 0;
	int rc;

	for (int i = 0; i < IMP_NBANDS; i++)
		band[i] = strtod(settings_table[i].def, NULL);
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
		const struct settings_def *def = settings_find(key);
		char q[96];
		size_t i;

		if (!*key)
			return imp_rowfail(im, c, SE_KEY, "required");
		if (!def)
			return imp_rowfail(im, c, SE_KEY, "unknown setting "
					   "\"%s\"", imp_q(key, q, sizeof(q)));
		i = (size_t)(def - settings_table);
		if (rows[i].line)
			return imp_rowfail(im, c, SE_KEY,
					   "duplicate key \"%s\" (also on line "
					   "%zu)", key,
					   rows[i].line);
		rows[i].line = csv_line(c);
		if (!*value)
			continue;
		rc = imp_setting_row(im, c, key, value, rows[i].value,
				     sizeof(rows[i].value));
		if (rc < 0)
			return rc;
		rows[i].set = true;
		if (i < IMP_NBANDS) {
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
	for (int i = 0; i < IMP_NBANDS; i++)
		if (rows[i].line && !rows[i].set)
			band[i] = strtod(settings_table[i].def, NULL);
	for (int i = 0; i < 2; i++) {
		size_t line = lines[i] > lines[i + 1] ? lines[i] : lines[i + 1];

		if (band[i] >= band[i + 1] || !line)
			continue;
		return imp_fail(im, -EINVAL, "%s:%zu: value: %s (%g) must not "
				"be above %s (%g)",
				bundle_files[BUNDLE_F_SETTINGS].name,
				line, settings_table[i + 1].key,
				band[i + 1], settings_table[i].key,
				band[i]);
	}

	/* settings are few: one statement each */
	im->settings_kept[o++] = '{';
	for (size_t i = 0; i < settings_n; i++) {
		const char *params[2] = { settings_table[i].key,
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
					      settings_table[i].key);
	}
	snprintf(im->settings_kept + o, sizeof(im->settings_kept) - o, "}");
	return 0;
}

int imp_settings(struct imp *im, csv_t *c)
{
	struct imp_setrow *rows = calloc(settings_n, sizeof(*rows));
	int rc;

	if (!rows)
		return imp_fail(im, -ENOMEM, "settings: out of memory");
	rc = imp_settings_rows(im, c, rows);
	free(rows);
	return rc;
}
