/* ctl_fmt: see ctl_fmt.h. */
#include "ctl_fmt.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static const struct {
	Pathways__V1__MoveKind kind;
	const char *name;
} ctl_fmt_kinds[] = {
	{ PATHWAYS__V1__MOVE_KIND__PROMOTION, "promotion" },
	{ PATHWAYS__V1__MOVE_KIND__LATERAL, "lateral" },
	{ PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH, "track_switch" },
};

#define CTL_FMT_NKINDS (sizeof(ctl_fmt_kinds) / sizeof(ctl_fmt_kinds[0]))

const char *ctl_fmt_kind(int kind)
{
	for (size_t i = 0; i < CTL_FMT_NKINDS; i++)
		if ((int)ctl_fmt_kinds[i].kind == kind)
			return ctl_fmt_kinds[i].name;
	return "?";
}

/* Does the item s[0..len-1] name kind name ('-' may stand for '_')? */
static bool ctl_fmt_kind_is(const char *s, size_t len, const char *name)
{
	size_t i = 0;

	for (; i < len && name[i]; i++) {
		int c = s[i] == '-' ? '_' : tolower((unsigned char)s[i]);

		if (c != name[i])
			return false;
	}
	return i == len && !name[i];
}

int ctl_fmt_parse_kinds(const char *list, Pathways__V1__MoveKind kinds[3],
			size_t *n)
{
	Pathways__V1__MoveKind got[CTL_FMT_NKINDS];
	size_t ngot = 0;
	const char *p = list;

	for (;;) {
		const char *end = p;
		size_t k = 0, len;
		bool dup = false;

		while (*end && *end != ',')
			end++;
		len = (size_t)(end - p);
		while (k < CTL_FMT_NKINDS &&
		       !ctl_fmt_kind_is(p, len, ctl_fmt_kinds[k].name))
			k++;
		if (k == CTL_FMT_NKINDS)
			return -EINVAL;
		for (size_t i = 0; i < ngot; i++)
			dup |= got[i] == ctl_fmt_kinds[k].kind;
		if (!dup)
			got[ngot++] = ctl_fmt_kinds[k].kind;
		if (!*end)
			break;
		p = end + 1;
	}
	for (size_t i = 0; i < ngot; i++)
		kinds[i] = got[i];
	*n = ngot;
	return 0;
}

/* Join "key from→to" items; the callers pass their own accessors. */
static char *ctl_fmt_levels(size_t n, const void *items,
			    void (*item)(const void *items, size_t i,
					 const char **key, uint32_t *from,
					 uint32_t *to))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *key;
		uint32_t from, to;

		item(items, i, &key, &from, &to);
		fprintf(f, "%s%s %" PRIu32 "→%" PRIu32, i ? ", " : "", key,
			from, to);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void ctl_fmt_gain_item(const void *items, size_t i, const char **key,
			      uint32_t *from, uint32_t *to)
{
	const Pathways__V1__CompetencyGain *const *g = items;

	*key = g[i]->competency_key;
	*from = g[i]->from_level;
	*to = g[i]->to_level;
}

static void ctl_fmt_gap_item(const void *items, size_t i, const char **key,
			     uint32_t *from, uint32_t *to)
{
	const Pathways__V1__CompetencyGap *const *g = items;

	*key = g[i]->competency_key;
	*from = g[i]->current;
	*to = g[i]->required;
}

char *ctl_fmt_gains(Pathways__V1__CompetencyGain *const *gains, size_t n)
{
	return ctl_fmt_levels(n, gains, ctl_fmt_gain_item);
}

char *ctl_fmt_gaps(Pathways__V1__CompetencyGap *const *gaps, size_t n)
{
	return ctl_fmt_levels(n, gaps, ctl_fmt_gap_item);
}

char *ctl_fmt_duration(uint64_t secs, char *buf)
{
	static const struct {
		uint64_t secs;
		char unit;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t v = secs / units[i].secs;

		secs %= units[i].secs;
		if (v == 0 && (len > 0 || units[i].unit != 's'))
			continue;
		len += (size_t)snprintf(buf + len, CTL_FMT_DURATION_LEN - len,
					"%s%" PRIu64 "%c", len ? " " : "", v,
					units[i].unit);
	}
	return buf;
}

size_t ctl_fmt_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}
