#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "settings.h"

#define OK(call) cr_assert_eq((call), 0, "%s", #call)

Test(settings, every_default_is_the_contracts)
{
	struct settings s;

	memset(&s, 0xa5, sizeof(s));
	settings_default(&s);
	cr_assert_eq(s.band_ready_now, 90);
	cr_assert_eq(s.band_ready_soon, 70);
	cr_assert_eq(s.band_developing, 40);
	cr_assert_eq(s.step_penalty, 1);
	cr_assert(s.infer_promotions);
	cr_assert_not(s.infer_lateral);
	cr_assert_eq(s.trusted_sources, SETTINGS_SRC_MANAGER | SETTINGS_SRC_PEER |
					SETTINGS_SRC_CERTIFICATION);
	cr_assert_eq(s.mentor_min_level, 4);
	cr_assert_eq(s.inferred_move_months, 12);
	cr_assert_eq(s.readiness_mode, SETTINGS_MODE_PROPORTIONAL);
	cr_assert_eq(s.assessment_valid_days, 0);
}

Test(settings, the_table_has_eleven_keys_each_found_by_name)
{
	cr_assert_eq(settings_n, 11);
	for (size_t i = 0; i < settings_n; i++)
		cr_assert_eq(settings_find(settings_table[i].key),
			     &settings_table[i]);
	cr_assert_null(settings_find("no_such_setting"));
	cr_assert_null(settings_find(""));
}

/* each row: a key, the lowest and highest value it takes, and values just
 * outside */
static const struct {
	const char *key, *lo, *hi, *below, *above;
} bounds[] = {
	{ "band_ready_now", "0", "100", "-0.001", "100.001" },
	{ "band_ready_soon", "0", "100", "-1", "101" },
	{ "band_developing", "0", "100", "-1e-9", "1e3" },
	{ "step_penalty", "0", "1e6", "-1", "1000001" },
	{ "mentor_min_level", "1", "5", "0", "6" },
	{ "inferred_move_months", "0", "600", "-1", "601" },
	{ "assessment_valid_days", "0", "36500", "-1", "36501" },
};

Test(settings, numbers_and_integers_take_their_bounds_and_nothing_past)
{
	for (size_t i = 0; i < sizeof(bounds) / sizeof(*bounds); i++) {
		struct settings s;

		settings_default(&s);
		OK(settings_apply(&s, bounds[i].key, bounds[i].lo, NULL, 0));
		OK(settings_apply(&s, bounds[i].key, bounds[i].hi, NULL, 0));
		cr_assert_eq(settings_apply(&s, bounds[i].key, bounds[i].below,
					    NULL, 0), -EINVAL, "%s below",
			     bounds[i].key);
		cr_assert_eq(settings_apply(&s, bounds[i].key, bounds[i].above,
					    NULL, 0), -EINVAL, "%s above",
			     bounds[i].key);
	}
}

Test(settings, a_value_lands_in_its_own_field)
{
	struct settings s;

	settings_default(&s);
	OK(settings_apply(&s, "band_ready_soon", "65.5", NULL, 0));
	OK(settings_apply(&s, "mentor_min_level", "+3", NULL, 0));
	OK(settings_apply(&s, "infer_lateral", "true", NULL, 0));
	OK(settings_apply(&s, "readiness_mode", "binary", NULL, 0));
	OK(settings_apply(&s, "trusted_sources", " self ,manager,self", NULL, 0));
	OK(settings_apply(&s, "assessment_valid_days", "0365", NULL, 0));
	cr_assert_eq(s.band_ready_soon, 65.5);
	cr_assert_eq(s.band_ready_now, 90);
	cr_assert_eq(s.mentor_min_level, 3);
	cr_assert(s.infer_lateral);
	cr_assert(s.infer_promotions);
	cr_assert_eq(s.readiness_mode, SETTINGS_MODE_BINARY);
	cr_assert_eq(s.trusted_sources, SETTINGS_SRC_SELF | SETTINGS_SRC_MANAGER);
	cr_assert_eq(s.assessment_valid_days, 365);
}

Test(settings, bad_values_are_refused_and_leave_the_settings_alone)
{
	static const char *const bad[][2] = {
		{ "band_ready_now", "abc" }, { "band_ready_now", "" },
		{ "band_ready_now", " 90" }, { "band_ready_now", "0x10" },
		{ "band_ready_now", "nan" }, { "band_ready_now", "inf" },
		{ "band_ready_now", "9e" }, { "band_ready_now", "." },
		{ "step_penalty", "1e999" }, { "mentor_min_level", "4.0" },
		{ "mentor_min_level", "" }, { "mentor_min_level", "four" },
		{ "inferred_move_months", "1234567890123456789" },
		{ "infer_promotions", "yes" }, { "infer_promotions", "TRUE" },
		{ "infer_lateral", "1" }, { "readiness_mode", "Binary" },
		{ "readiness_mode", "" }, { "trusted_sources", "" },
		{ "trusted_sources", "manager;peer" },
		{ "trusted_sources", "manager,,peer" },
		{ "trusted_sources", "manager peer" },
		{ "trusted_sources", "boss" },
	};
	struct settings s, before;

	settings_default(&s);
	before = s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char err[160] = "";

		cr_assert_eq(settings_apply(&s, bad[i][0], bad[i][1], err,
					    sizeof(err)), -EINVAL,
			     "%s = \"%s\" accepted", bad[i][0], bad[i][1]);
		cr_assert_eq(strncmp(err, bad[i][0], strlen(bad[i][0])), 0,
			     "message \"%s\"", err);
		cr_assert_eq(memcmp(&s, &before, sizeof(s)), 0);
	}
}

Test(settings, the_messages_say_what_was_expected)
{
	struct settings s;
	char err[200];

	settings_default(&s);
	cr_assert_eq(settings_apply(&s, "mentor_min_level", "9", err,
				    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "mentor_min_level: expected a whole number from "
			      "1 to 5, got \"9\"");
	cr_assert_eq(settings_apply(&s, "band_developing", "x", err,
				    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "band_developing: expected a number from 0 to "
			      "100, got \"x\"");
	cr_assert_eq(settings_apply(&s, "infer_lateral", "no", err,
				    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "infer_lateral: expected true or false, got "
			      "\"no\"");
	cr_assert_eq(settings_apply(&s, "readiness_mode", "x", err,
				    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "readiness_mode: must be one of proportional, "
			      "binary, got \"x\"");
	cr_assert_eq(settings_apply(&s, "trusted_sources", "a\nb", err,
				    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "trusted_sources: expected sources among manager, "
			      "self, peer, certification separated by commas, "
			      "got \"a?b\"");
	cr_assert_eq(settings_apply(&s, "colour", "red", err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "unknown setting \"colour\"");
}

Test(settings, a_long_bad_value_is_shown_cut_short)
{
	struct settings s;
	char err[200], v[300];

	memset(v, 'x', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	settings_default(&s);
	cr_assert_eq(settings_apply(&s, "readiness_mode", v, err, sizeof(err)),
		     -EINVAL);
	cr_assert_lt(strlen(err), 120);
	cr_assert_not_null(strstr(err, "...\""));
}

Test(settings, every_default_formats_as_its_table_text)
{
	struct settings s;
	char buf[64];

	settings_default(&s);
	for (size_t i = 0; i < settings_n; i++) {
		OK(settings_format(&s, &settings_table[i], buf, sizeof(buf)));
		cr_assert_str_eq(buf, settings_table[i].def);
	}
}

Test(settings, formatting_round_trips_every_field)
{
	struct settings s, back;
	char buf[64];

	settings_default(&s);
	OK(settings_apply(&s, "band_ready_now", "0.1", NULL, 0));
	OK(settings_apply(&s, "band_ready_soon", "66.66666666666667", NULL, 0));
	OK(settings_apply(&s, "band_developing", "1e-300", NULL, 0));
	OK(settings_apply(&s, "step_penalty", "999999.99999999", NULL, 0));
	OK(settings_apply(&s, "infer_promotions", "false", NULL, 0));
	OK(settings_apply(&s, "infer_lateral", "true", NULL, 0));
	OK(settings_apply(&s, "trusted_sources", "certification,self", NULL, 0));
	OK(settings_apply(&s, "mentor_min_level", "5", NULL, 0));
	OK(settings_apply(&s, "inferred_move_months", "600", NULL, 0));
	OK(settings_apply(&s, "readiness_mode", "binary", NULL, 0));
	OK(settings_apply(&s, "assessment_valid_days", "36500", NULL, 0));
	memset(&back, 0, sizeof(back));
	for (size_t i = 0; i < settings_n; i++) {
		OK(settings_format(&s, &settings_table[i], buf, sizeof(buf)));
		OK(settings_apply(&back, settings_table[i].key, buf, NULL, 0));
	}
	cr_assert_eq(memcmp(&s, &back, sizeof(s)), 0);
	OK(settings_format(&s, settings_find("trusted_sources"), buf,
			   sizeof(buf)));
	cr_assert_str_eq(buf, "self,certification");
}

Test(settings, formatting_refuses_a_buffer_too_small)
{
	struct settings s;
	char buf[8];

	settings_default(&s);
	cr_assert_eq(settings_format(&s, settings_find("trusted_sources"), buf,
				     sizeof(buf)), -ENOSPC);
	cr_assert_eq(settings_format(&s, settings_find("readiness_mode"), buf,
				     sizeof(buf)), -ENOSPC);
	OK(settings_format(&s, settings_find("mentor_min_level"), buf,
			   sizeof(buf)));
}

Test(settings, normalizing_keeps_the_importers_text)
{
	char out[96], err[160];

	OK(settings_normalize("band_ready_now", "90.0", out, sizeof(out), err,
			      sizeof(err)));
	cr_assert_str_eq(out, "90.0");
	OK(settings_normalize("mentor_min_level", "+03", out, sizeof(out), err,
			      sizeof(err)));
	cr_assert_str_eq(out, "3");
	OK(settings_normalize("trusted_sources", "peer, manager ,peer", out,
			      sizeof(out), err, sizeof(err)));
	cr_assert_str_eq(out, "peer,manager");
	OK(settings_normalize("readiness_mode", "binary", out, sizeof(out), err,
			      sizeof(err)));
	cr_assert_str_eq(out, "binary");
	cr_assert_eq(settings_normalize("mentor_min_level", "0", out,
					sizeof(out), err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "mentor_min_level: expected a whole number from "
			      "1 to 5, got \"0\"");
	cr_assert_eq(settings_normalize("trusted_sources",
					"manager,self,peer,certification", out,
					10, err, sizeof(err)), -ENOSPC);
}

Test(settings, source_names_map_to_their_bits)
{
	unsigned bit = 0;

	OK(settings_source_parse("manager", &bit));
	cr_assert_eq(bit, SETTINGS_SRC_MANAGER);
	OK(settings_source_parse("certification", &bit));
	cr_assert_eq(bit, SETTINGS_SRC_CERTIFICATION);
	cr_assert_eq(settings_source_parse("Manager", &bit), -EINVAL);
	cr_assert_eq(bit, SETTINGS_SRC_CERTIFICATION);
}
