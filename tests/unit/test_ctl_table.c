/* The table printer of pathwaysctl (client/ctl_table.c, compiled in). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "ctl_table.c"

static char *print(ctl_table_t *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(ctl_table_print(t, f), 0);
	fclose(f);
	return buf;
}

Test(ctl_table, aligns_columns_without_trailing_blanks)
{
	static const char *const h[] = { "KEY", "N", "NOTE" };
	ctl_table_t *t = ctl_table_new(h, 3);
	char *s;

	ctl_table_align_right(t, 1);
	ctl_table_cell(t, "a");
	ctl_table_cell(t, "%d", 5);
	ctl_table_cell(t, "x");
	ctl_table_cell(t, "longer");
	ctl_table_cell(t, "%d", 1234);
	ctl_table_cell(t, "%s", "");
	s = print(t);
	cr_assert_str_eq(s, "KEY        N  NOTE\n"
			    "a          5  x\n"
			    "longer  1234\n");
	free(s);
	ctl_table_destroy(&t);
	cr_assert_null(t);
	ctl_table_destroy(&t);
}

Test(ctl_table, counts_utf8_characters_not_bytes)
{
	ctl_table_t *t = ctl_table_new(NULL, 2);
	char *s;

	ctl_table_cell(t, "Ingénieure");
	ctl_table_cell(t, "1");
	ctl_table_cell(t, "ab");
	ctl_table_cell(t, "2");
	s = print(t);
	cr_assert_str_eq(s, "Ingénieure  1\nab          2\n");
	free(s);
	ctl_table_destroy(&t);
}

Test(ctl_table, control_characters_are_neutralized)
{
	ctl_table_t *t = ctl_table_new(NULL, 1);
	char *s;

	ctl_table_cell(t, "a\x1b[31mb\nc\x7f");
	s = print(t);
	cr_assert_str_eq(s, "a?[31mb?c?\n");
	free(s);
	ctl_table_destroy(&t);
}

Test(ctl_table, joins_cells)
{
	static const char *const h[] = { "A", "B" };
	char *items[] = { "x", "yy", "z" };
	ctl_table_t *t = ctl_table_new(h, 2);
	char *s;

	ctl_table_cell_join(t, items, 3, ",");
	ctl_table_cell_join(t, items, 0, ",");
	s = print(t);
	cr_assert_str_eq(s, "A       B\nx,yy,z\n");
	free(s);
	ctl_table_destroy(&t);
}
