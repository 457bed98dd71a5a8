/* ctl_fmt: small pieces of text that several pathwaysctl commands print:
 * move kinds by name, level changes ("communication 2→3"), durations.
 * Pure functions, no I/O.
 */
#ifndef PATHWAYS_CTL_FMT_H
#define PATHWAYS_CTL_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "pathways/v1/pathways.pb-c.h"

/* Enough for ctl_fmt_duration(), with its NUL. */
#define CTL_FMT_DURATION_LEN 48

/* A move kind as users write it: "promotion", "lateral", "track_switch";
 * "?" for any other value. */
const char *ctl_fmt_kind(int kind);

/* Parse a comma-separated list of move kinds ("promotion,lateral"; case
 * and '-' for '_' do not matter) into kinds[0..2], each kind once, in the
 * order first named. Returns 0 with *n set, or -EINVAL naming nothing
 * (an empty item or an unknown kind). */
int ctl_fmt_parse_kinds(const char *list, Pathways__V1__MoveKind kinds[3],
			size_t *n) __attribute__((warn_unused_result));

/* "key from→to" for each gain, joined by ", ": the levels a module
 * closes, or a mentor covers (required→mentor's level). "" when n is 0.
 * Returns a string the caller must free(), or NULL when out of memory. */
char *ctl_fmt_gains(Pathways__V1__CompetencyGain *const *gains, size_t n);

/* "key current→required" for each gap, joined by ", ": what a path step
 * grows, what a learning pathway leaves uncovered. As ctl_fmt_gains(). */
char *ctl_fmt_gaps(Pathways__V1__CompetencyGap *const *gaps, size_t n);

/* secs as "2d 3h 4m 5s" (units that are 0 left out; "0s" for 0) into
 * buf (CTL_FMT_DURATION_LEN bytes). Returns buf. */
char *ctl_fmt_duration(uint64_t secs, char *buf);

/* The width of s on screen in characters: UTF-8 lead bytes. */
size_t ctl_fmt_width(const char *s);

#endif /* PATHWAYS_CTL_FMT_H */
