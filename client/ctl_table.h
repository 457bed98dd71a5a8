/* ctl_table: aligned columns for pathwaysctl's human output.
 *
 * Cells are added left to right; a row ends after the last column. Widths
 * count UTF-8 characters, not bytes. Control characters in cells print as
 * '?', so data cannot move the cursor or recolour the terminal.
 * Out of memory is sticky: later cells are dropped and ctl_table_print()
 * returns -ENOMEM.
 */
#ifndef PATHWAYS_CTL_TABLE_H
#define PATHWAYS_CTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct ctl_table ctl_table_t;

/* A table of ncols columns with these headers (NULL: no header row).
 * NULL when out of memory. Caller must ctl_table_destroy() it. */
ctl_table_t *ctl_table_new(const char *const *headers, size_t ncols);
void ctl_table_destroy(ctl_table_t **t);

/* Right-align column col (numbers). */
void ctl_table_align_right(ctl_table_t *t, size_t col);

/* Append one cell, printf-style, to the current row. */
void ctl_table_cell(ctl_table_t *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append one cell, taking ownership of cell (from malloc()); NULL (out of
 * memory while making it) loses the cell as any out of memory does. */
void ctl_table_cell_take(ctl_table_t *t, char *cell);

/* Append one cell: items[0..n-1] joined by sep. */
void ctl_table_cell_join(ctl_table_t *t, char *const *items, size_t n,
			 const char *sep);

/* Print the table: columns two spaces apart, no trailing blanks.
 * Returns 0, -ENOMEM (a cell was lost), or -EIO (a write failed). */
int ctl_table_print(const ctl_table_t *t, FILE *f)
	__attribute__((warn_unused_result));

#endif /* PATHWAYS_CTL_TABLE_H */
