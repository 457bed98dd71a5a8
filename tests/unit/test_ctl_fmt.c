/* The text pieces of pathwaysctl (client/ctl_fmt.c, compiled in). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "ctl_fmt.c"

Test(ctl_fmt, names_move_kinds_as_users_write_them)
{
	cr_assert_str_eq(ctl_fmt_kind(PATHWAYS__V1__MOVE_KIND__PROMOTION),
			 "promotion");
	cr_assert_str_eq(ctl_fmt_kind(PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH),
			 "track_switch");
	cr_assert_str_eq(ctl_fmt_kind(0), "?");
	cr_assert_str_eq(ctl_fmt_kind(99), "?");
}

Test(ctl_fmt, parses_a_kind_list_once_each_in_order)
{
	Pathways__V1__MoveKind k[3];
	size_t n = 99;

	cr_assert_eq(ctl_fmt_parse_kinds("track-switch,PROMOTION,promotion",
					 k, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(k[0], PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH);
	cr_assert_eq(k[1], PATHWAYS__V1__MOVE_KIND__PROMOTION);
	cr_assert_eq(ctl_fmt_parse_kinds("lateral", k, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(k[0], PATHWAYS__V1__MOVE_KIND__LATERAL);
}

Test(ctl_fmt, rejects_unknown_and_empty_kinds)
{
	Pathways__V1__MoveKind k[3];
	size_t n = 7;

	cr_assert_eq(ctl_fmt_parse_kinds("", k, &n), -EINVAL);
	cr_assert_eq(ctl_fmt_parse_kinds("promotion,", k, &n), -EINVAL);
	cr_assert_eq(ctl_fmt_parse_kinds("promo", k, &n), -EINVAL);
	cr_assert_eq(ctl_fmt_parse_kinds("promotions", k, &n), -EINVAL);
	cr_assert_eq(ctl_fmt_parse_kinds("lateral;promotion", k, &n), -EINVAL);
	cr_assert_eq(n, 7, "untouched on error");
}

Test(ctl_fmt, joins_gains_and_gaps_with_arrows)
{
	Pathways__V1__CompetencyGain a = PATHWAYS__V1__COMPETENCY_GAIN__INIT;
	Pathways__V1__CompetencyGain b = PATHWAYS__V1__COMPETENCY_GAIN__INIT;
	Pathways__V1__CompetencyGain *gains[] = { &a, &b };
	Pathways__V1__CompetencyGap g = PATHWAYS__V1__COMPETENCY_GAP__INIT;
	Pathways__V1__CompetencyGap *gaps[] = { &g };
	char *s;

	a.competency_key = "communication";
	a.from_level = 2;
	a.to_level = 3;
	b.competency_key = "ownership";
	b.to_level = 1;
	s = ctl_fmt_gains(gains, 2);
	cr_assert_str_eq(s, "communication 2→3, ownership 0→1");
	free(s);
	s = ctl_fmt_gains(gains, 0);
	cr_assert_str_eq(s, "");
	free(s);
	g.competency_key = "sql";
	g.current = 1;
	g.required = 4;
	s = ctl_fmt_gaps(gaps, 1);
	cr_assert_str_eq(s, "sql 1→4");
	free(s);
}

Test(ctl_fmt, durations_leave_out_zero_units)
{
	char buf[CTL_FMT_DURATION_LEN];

	cr_assert_str_eq(ctl_fmt_duration(0, buf), "0s");
	cr_assert_str_eq(ctl_fmt_duration(59, buf), "59s");
	cr_assert_str_eq(ctl_fmt_duration(3600, buf), "1h");
	cr_assert_str_eq(ctl_fmt_duration(2 * 86400 + 3 * 3600 + 4 * 60 + 5,
					  buf), "2d 3h 4m 5s");
	cr_assert_str_eq(ctl_fmt_duration(86400 + 7, buf), "1d 7s");
	cr_assert_str_eq(ctl_fmt_duration(UINT64_MAX, buf),
			 "213503982334601d 7h 15s");
}

Test(ctl_fmt, width_counts_characters_not_bytes)
{
	cr_assert_eq(ctl_fmt_width(""), 0);
	cr_assert_eq(ctl_fmt_width("a ──x──▶ b"), 10);
	cr_assert_eq(ctl_fmt_width("2→3"), 3);
}
