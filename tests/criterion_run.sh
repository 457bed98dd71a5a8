#!/bin/sh
# Runs one Criterion test program for ctest and makes its skips visible:
# Criterion counts a cr_skip_test() as passed and exits 0, so a program
# whose every test skipped (say, no PATHWAYS_TEST_PG) looked green. Its TAP
# report is read instead: each skipped test is printed ("skipped: NAME:
# REASON") with a count, and when every test skipped the exit status is 77,
# which tests/CMakeLists.txt declares as ctest's SKIP_RETURN_CODE.
#
#   criterion_run.sh PROGRAM [ARGS...]
prog=$1
shift
tap=$(mktemp "${TMPDIR:-/tmp}/criterion-tap.XXXXXX") || exit 1
trap 'rm -f "$tap"' EXIT
"$prog" --tap="$tap" "$@"
rc=$?
total=$(grep -c '^\(not \)\{0,1\}ok ' "$tap")
skipped=$(grep -c '^ok .*# SKIP' "$tap")
if [ "$skipped" -gt 0 ]; then
	sed -n "s/^ok - \(.*[^ ]\)  *# SKIP \(.*\)$/skipped: \1: \2/p" "$tap"
	echo "criterion_run: $skipped of $total tests skipped"
fi
if [ "$rc" -eq 0 ] && [ "$total" -gt 0 ] && [ "$skipped" -eq "$total" ]; then
	exit 77
fi
exit "$rc"
