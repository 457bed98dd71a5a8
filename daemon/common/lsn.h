/* lsn: PostgreSQL WAL positions (LSNs) as numbers and as text.
 *
 * The text form is PostgreSQL's own: two hexadecimal numbers of at most 8
 * digits, the high and low 32 bits, joined by a slash ("16/B374D848").
 * As numbers they compare with < and subtract; 0 (0/0) means unknown. Pure
 * functions: no state, no I/O. */
#ifndef PATHWAYS_LSN_H
#define PATHWAYS_LSN_H

#include <stddef.h>
#include <stdint.h>

/* room for the longest text form and its NUL: "FFFFFFFF/FFFFFFFF" */
#define LSN_TEXT_MAX 18

/* Parses text (the whole string, nothing around it) into *out: 0, or
 * -EINVAL when it is not an LSN (*out untouched). */
int lsn_parse(const char *text, uint64_t *out)
	__attribute__((warn_unused_result));

/* Writes lsn's text form into buf (LSN_TEXT_MAX bytes); returns buf. 0 is
 * written as the empty string: PostgreSQL's 0/0 is no position at all. */
char *lsn_format(uint64_t lsn, char buf[LSN_TEXT_MAX]);

/* PostgreSQL's insert position, read when the last record ended exactly
 * at the end of a WAL page, points past the next page's header, where a
 * standby's replay position (the end of the last record replayed) stays
 * at the page boundary: the same moment, two numbers. This is the
 * boundary form (block_size: wal_block_size; seg_size: wal_segment_size;
 * the header is 40 bytes at a segment's start, else 24). */
uint64_t lsn_record_end(uint64_t insert_pos, uint64_t block_size,
			uint64_t seg_size);

/* How far behind want have is, in bytes (0 when have >= want). */
uint64_t lsn_behind(uint64_t have, uint64_t want);

#endif
