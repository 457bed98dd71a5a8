/* LSN text ↔ number, as PostgreSQL writes them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "lsn.h"

Test(lsn, parses_postgresql_text_form)
{
	uint64_t v = 0;

	cr_assert_eq(lsn_parse("16/B374D848", &v), 0);
	cr_assert_eq(v, 0x16B374D848ull);
	cr_assert_eq(lsn_parse("0/1", &v), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(lsn_parse("ffffffff/FFFFFFFF", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
}

Test(lsn, rejects_what_is_not_an_lsn)
{
	static const char *const bad[] = {
		"", "/", "16", "16/", "/B374D848", "16/B374D848/1", "16 /1",
		"16/1 ", " 16/1", "G/1", "-1/1", "123456789/0", "0/123456789",
		"16:B374D848", "0x16/1",
	};
	uint64_t v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_expect_eq(lsn_parse(bad[i], &v), -EINVAL, "\"%s\"", bad[i]);
	cr_assert_eq(lsn_parse(NULL, &v), -EINVAL);
	cr_assert_eq(v, 42, "out untouched on error");
}

Test(lsn, formats_as_postgresql_does)
{
	char buf[LSN_TEXT_MAX];

	cr_assert_str_eq(lsn_format(0x16B374D848ull, buf), "16/B374D848");
	cr_assert_str_eq(lsn_format(1, buf), "0/1");
	cr_assert_str_eq(lsn_format(UINT64_MAX, buf), "FFFFFFFF/FFFFFFFF");
	cr_assert_str_eq(lsn_format(0, buf), "", "0/0 is no position");
}

Test(lsn, formats_zero_halves_and_inner_zeros_as_printf_does)
{
	char buf[LSN_TEXT_MAX];

	cr_assert_str_eq(lsn_format(0x100000000ull, buf), "1/0");
	cr_assert_str_eq(lsn_format(0xA00000010ull, buf), "A/10");
	cr_assert_str_eq(lsn_format(0x8000000000000000ull, buf), "80000000/0");
	cr_assert_str_eq(lsn_format(0x00F0000000F00F00ull, buf), "F00000/F00F00");
}

Test(lsn, text_round_trips_and_orders_as_numbers)
{
	uint64_t a, b;
	char buf[LSN_TEXT_MAX];

	cr_assert_eq(lsn_parse("1/0", &a), 0);
	cr_assert_eq(lsn_parse("0/FFFFFFFF", &b), 0);
	cr_assert_gt(a, b, "the high half counts first");
	cr_assert_eq(lsn_parse(lsn_format(a, buf), &b), 0);
	cr_assert_eq(a, b);
}

Test(lsn, behind_is_zero_once_reached)
{
	cr_assert_eq(lsn_behind(100, 40), 0);
	cr_assert_eq(lsn_behind(100, 100), 0);
	cr_assert_eq(lsn_behind(40, 100), 60);
}

Test(lsn, an_insert_position_past_a_page_header_is_the_page_boundary)
{
	const uint64_t blk = 8192, seg = 16 << 20;

	cr_assert_eq(lsn_record_end(3 * blk + 24, blk, seg), 3 * blk);
	cr_assert_eq(lsn_record_end(2 * seg + 40, blk, seg), 2 * seg,
		     "a segment starts with the long header");
	cr_assert_eq(lsn_record_end(3 * blk + 48, blk, seg), 3 * blk + 48);
	cr_assert_eq(lsn_record_end(2 * seg + 24, blk, seg), 2 * seg + 24,
		     "not a record's end: inside the long header");
}
