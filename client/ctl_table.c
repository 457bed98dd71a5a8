/* ctl_table: see ctl_table.h. */
#include "ctl_table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

struct ctl_table {
	size_t ncols;
	bool header;
	bool failed;			/* a cell was lost to ENOMEM */
	bool *right;
	char **cells;			/* row-major, header first */
	size_t ncells;
	size_t cap;
};

/* Characters on screen: UTF-8 lead bytes, not continuation bytes. */
static size_t ctl_table_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void ctl_table_push(ctl_table_t *t, char *cell)
{
	if (!cell) {
		t->failed = true;
		return;
	}
	if (array_grow((void **)&t->cells, &t->cap, t->ncells + 1,
		       sizeof(*t->cells), 64) < 0) {
		free(cell);
		t->failed = true;
		return;
	}
	for (unsigned char *p = (unsigned char *)cell; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			*p = '?';
	t->cells[t->ncells++] = cell;
}

ctl_table_t *ctl_table_new(const char *const *headers, size_t ncols)
{
	ctl_table_t *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols ? ncols : 1;
	t->right = calloc(t->ncols, sizeof(*t->right));
	if (!t->right) {
		free(t);
		return NULL;
	}
	if (headers) {
		t->header = true;
		for (size_t i = 0; i < ncols; i++)
			ctl_table_push(t, strdup(headers[i]));
	}
	if (t->failed)
		ctl_table_destroy(&t);
	return t;
}

void ctl_table_destroy(ctl_table_t **tp)
{
	ctl_table_t *t;

	if (!tp || !*tp)
		return;
	t = *tp;
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
	free(t);
	*tp = NULL;
}

void ctl_table_align_right(ctl_table_t *t, size_t col)
{
	if (col < t->ncols)
		t->right[col] = true;
}

void ctl_table_cell(ctl_table_t *t, const char *fmt, ...)
{
	char *cell = NULL;
	va_list ap;

	if (t->failed)
		return;
	va_start(ap, fmt);
	if (vasprintf(&cell, fmt, ap) < 0)
		cell = NULL;
	va_end(ap);
	ctl_table_push(t, cell);
}

void ctl_table_cell_take(ctl_table_t *t, char *cell)
{
	if (t->failed) {
		free(cell);
		return;
	}
	ctl_table_push(t, cell);
}

void ctl_table_cell_join(ctl_table_t *t, char *const *items, size_t n,
			 const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	char *cell, *p;

	if (t->failed)
		return;
	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + (i ? seplen : 0);
	cell = malloc(len);
	if (!cell) {
		t->failed = true;
		return;
	}
	p = cell;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(items[i]);

		if (i) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		memcpy(p, items[i], l);
		p += l;
	}
	*p = '\0';
	ctl_table_push(t, cell);
}

int ctl_table_print(const ctl_table_t *t, FILE *f)
{
	size_t *width;
	size_t ncols = t->ncols;

	if (t->failed)
		return -ENOMEM;
	width = calloc(ncols, sizeof(*width));
	if (!width)
		return -ENOMEM;
	for (size_t i = 0; i < t->ncells; i++) {
		size_t w = ctl_table_width(t->cells[i]);

		if (w > width[i % ncols])
			width[i % ncols] = w;
	}
	for (size_t row = 0; row * ncols < t->ncells; row++) {
		char *const *cells = t->cells + row * ncols;
		size_t n = t->ncells - row * ncols;

		if (n > ncols)
			n = ncols;
		/* Trailing empty cells would only print blanks. */
		while (n > 1 && cells[n - 1][0] == '\0')
			n--;
		for (size_t col = 0; col < n; col++) {
			size_t pad = width[col] - ctl_table_width(cells[col]);

			if (col > 0)
				fputs("  ", f);
			if (t->right[col])
				fprintf(f, "%*s", (int)pad, "");
			fputs(cells[col], f);
			if (!t->right[col] && col + 1 < n)
				fprintf(f, "%*s", (int)pad, "");
		}
		fputc('\n', f);
	}
	free(width);
	return ferror(f) ? -EIO : 0;
}
