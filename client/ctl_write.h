/* ctl_write: the pathwaysctl commands that change data: record-assessment
 * and record-completion (one record from the command line, or a CSV file of
 * them, through the daemon's RecordAssessments and RecordCompletions) and
 * erase-employee (the daemon's EraseEmployee, or straight in PostgreSQL
 * with --db). Each is a struct ctl_cmd run function: see ctl_cli.h.
 *
 * A file is sent in calls of at most CTL_WRITE_BATCH records. Every record
 * that fails is reported on stderr as "FILE:LINE: what is wrong" (from the
 * command line: "record 1: ..."), whether this program or the daemon found
 * it; the others are written, unless --all-or-nothing. Exit status 3 when
 * any record failed or the daemon answered an error.
 */
#ifndef PATHWAYS_CTL_WRITE_H
#define PATHWAYS_CTL_WRITE_H

#include <stdint.h>

#include "ctl_cli.h"

/* Records per call: the daemon's limit (WRITER_MAX_RECORDS). */
#define CTL_WRITE_BATCH 10000u
/* Bytes of records per call, well under the daemon's default
 * max_request_bytes (1 MiB). */
#define CTL_WRITE_BATCH_BYTES (512u * 1024u)

int ctl_write_assessment(struct ctl_cli *cli, int argc, char **argv);
int ctl_write_completion(struct ctl_cli *cli, int argc, char **argv);
int ctl_write_erase(struct ctl_cli *cli, int argc, char **argv);

/* Parse a time as --at and the files take it: ISO 8601 (as the bundle's
 * timestamps: "2024-03-01", "2024-03-01T09:30:00Z", an offset; UTC when
 * there is none) or milliseconds since 1970 ("1709285400000"). Writes
 * milliseconds since 1970 (a fraction below a millisecond is dropped).
 * Returns 0, or -EINVAL when s is neither, or -ERANGE for a time not after
 * 1970-01-01T00:00:00Z or after the year 9999. */
int ctl_write_parse_time(const char *s, int64_t *out_ms)
	__attribute__((warn_unused_result));

#endif /* PATHWAYS_CTL_WRITE_H */
