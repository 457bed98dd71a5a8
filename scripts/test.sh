#!/usr/bin/env bash
# Build and test everything: the normal tree (build/) and, unless --quick,
# the ASan+UBSan tree (build-asan/). One private PostgreSQL serves both runs:
# its conninfo is exported as PATHWAYS_TEST_PG (tests create their own
# databases in it) and the repository root as PATHWAYS_SOURCE_DIR.
# Ends with "N passed, M failed, K skipped" over the ctest tests of both
# runs (a tree that fails to configure or build counts as one failure), the
# fuzz targets and the benchmark harness, and exits non-zero when anything
# failed. A ctest test skipped (exit 77: every test in it skipped) counts as
# skipped, not passed; so does each suite that --quick or a knob below left
# out, named in a "not run:" line above the counts. A test that skipped for
# want of a database is a failure here, where there is one; the other skips
# inside passing tests are listed.
#
# A sanitizer report in a test's output fails that test even when its exit
# status says it passed: Criterion runs each test in a forked process, and a
# LeakSanitizer report (or a recoverable UBSan one) there leaves the status
# alone. Unless --quick, each libFuzzer target (tests/fuzz/) then runs for
# PATHWAYS_FUZZ_SECONDS (default 30) in build-fuzz/; a crash is a failure.
#
#   PATHWAYS_CTEST_JOBS   tests run in parallel by ctest (default 1)
#   PATHWAYS_FUZZ_SECONDS seconds per fuzz target (default 30; 0: skip)
set -uo pipefail

quick=0
for arg in "$@"; do
	case $arg in
	--quick) quick=1 ;;
	-h | --help)
		echo "usage: $0 [--quick]   (--quick: skip the sanitizer build)"
		exit 0
		;;
	*)
		echo "usage: $0 [--quick]" >&2
		exit 2
		;;
	esac
done

cd "$(dirname "$0")/.." || exit 1
root=$PWD
jobs=${PATHWAYS_CTEST_JOBS:-1}

passed=0
failed=0
skipped=0
not_run=()
work=""

cleanup() {
	if [ -n "$work" ]; then
		bash "$root/scripts/pg.sh" destroy "$work/pg" >/dev/null 2>&1 || true
		rm -rf -- "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '\n== %s\n' "$*"; }

say "setup"
bash scripts/setup.sh || {
	echo "test: setup failed"
	echo "0 passed, 1 failed"
	exit 1
}

# The integration tests speak to the daemon from Python with Debian's zmq
# and protobuf modules; a python3 from elsewhere earlier in PATH (pyenv...)
# lacks them, so the system one goes first.
if [ -x /usr/bin/python3 ] &&
	/usr/bin/python3 -c 'import zmq, google.protobuf' 2>/dev/null; then
	export PATHWAYS_PYTHON=/usr/bin/python3
	if ! python3 -c 'import zmq, google.protobuf' 2>/dev/null; then
		export PATH=/usr/bin:$PATH
	fi
fi

# build DIR CMAKE_ARGS...: configure and build one tree.
build() {
	local dir=$1
	shift
	say "build $dir"
	if ! cmake -S . -B "$dir" "$@"; then
		echo "test: configuring $dir failed"
		return 1
	fi
	if ! cmake --build "$dir" -j2; then
		echo "test: building $dir failed"
		return 1
	fi
}

# Sanitizer reports, as they start a line or follow a source position.
SANITIZER_MARKS='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer'

# scan_sanitizers DIR CONSOLE_LOG: every test whose output holds a sanitizer
# report is a failure; one that ctest counted as passed moves from passed to
# failed. ctest keeps each test's whole output in LastTest.log (run_ctest
# lifts the size limit on passed tests' output, 1 KiB by default).
scan_sanitizers() {
	local dir=$1 console=$2 log name
	log=$dir/Testing/Temporary/LastTest.log
	if [ ! -f "$log" ]; then
		echo "test: no $log to scan for sanitizer reports"
		failed=$((failed + 1))
		return
	fi
	while IFS= read -r name; do
		echo "test: sanitizer report in the output of $name ($dir):"
		awk -v t="$name" -v marks="$SANITIZER_MARKS" '
			/^[0-9]+\/[0-9]+ Test: / {
				cur = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", cur); next
			}
			cur == t && $0 ~ marks && shown < 5 { print "    " $0; shown++ }
		' "$log"
		# already failed in ctest's eyes ("  7 - unit/test_x (Failed)")?
		if grep -qF -- " - $name (" "$console"; then
			continue
		fi
		passed=$((passed - 1))
		failed=$((failed + 1))
	done < <(awk -v marks="$SANITIZER_MARKS" '
		/^[0-9]+\/[0-9]+ Test: / {
			cur = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", cur); next
		}
		cur != "" && $0 ~ marks && !(cur in seen) { seen[cur] = 1; print cur }
	' "$log")
}

# run_ctest DIR: run the tree's tests and add them to the counts.
run_ctest() {
	local dir=$1 log total nfail rc
	log=$work/ctest-${dir//\//_}.log
	say "ctest $dir"
	ctest --test-dir "$dir" --output-on-failure --no-tests=error \
		--test-output-size-passed 67108864 \
		--timeout 900 -j "$jobs" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	# "100% tests passed, 0 tests failed out of 42"
	read -r nfail total < <(sed -n \
		's/.*tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\1 \2/p' \
		"$log" | tail -n 1)
	if [ -n "${total:-}" ]; then
		passed=$((passed + total - nfail))
		failed=$((failed + nfail))
		if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
			failed=$((failed + 1))
		fi
	elif [ "$rc" -ne 0 ]; then
		echo "test: ctest in $dir failed without a summary (no tests?)"
		failed=$((failed + 1))
	fi
	# "The following tests did not run:" / "	 15 - unit/test_x (Skipped)":
	# ctest counted them as passed
	local n
	n=$(grep -cE '^[[:space:]]+[0-9]+ - .* \((Skipped|Disabled)\)$' "$log")
	passed=$((passed - n))
	skipped=$((skipped + n))
	scan_sanitizers "$dir" "$log"
	scan_skips "$dir" "$log"
	slowest_waits "$dir"
}

# slowest_waits DIR: the slowest wait per kind of event the integration
# tests printed ("wait: WHAT after N ms", tests/integration/harness.py):
# what a loaded machine did to them, for the record (none is asserted).
slowest_waits() {
	local log=$1/Testing/Temporary/LastTest.log
	[ -f "$log" ] || return
	echo "test: slowest wait per event ($1):"
	grep -o 'wait: .* \(after\|NOT SEEN within\) [0-9]* ms' "$log" |
		sed 's/^wait: \(.*\) \(after\|NOT SEEN within\) \([0-9]*\) ms$/\3\t\1\t\2/' |
		awk -F'\t' '
			!(($2, $3) in max) || $1 + 0 > max[$2, $3] { max[$2, $3] = $1 + 0 }
			END {
				for (k in max) {
					split(k, p, SUBSEP)
					printf "%d\t%s%s\n", max[k], p[1],
						p[2] == "after" ? "" : " (NOT SEEN)"
				}
			}' | sort -nr | awk -F'\t' '{ printf "    %6d ms  %s\n", $1, $2 }'
}

# scan_skips DIR CONSOLE_LOG: the skips inside the tree's tests, as
# criterion_run.sh and harness.main() print them ("skipped: TEST: REASON"),
# are listed. A test with a skip for want of the database this script
# started is a failure, moved from passed (or skipped) to failed.
scan_skips() {
	local dir=$1 console=$2 log line name last=""
	log=$dir/Testing/Temporary/LastTest.log
	[ -f "$log" ] || return
	while IFS=$'\t' read -r name line; do
		echo "test: $name ($dir) skipped $line"
		case $line in
		*PATHWAYS_TEST_PG* | *PostgreSQL*) ;;
		*) continue ;;
		esac
		[ "$name" = "$last" ] && continue
		last=$name
		echo "test: $name ($dir): a database test skipped although there is one"
		if grep -qF -- " - $name (Skipped)" "$console"; then
			skipped=$((skipped - 1))
		elif grep -qF -- " - $name (" "$console"; then
			continue	# already failed
		else
			passed=$((passed - 1))
		fi
		failed=$((failed + 1))
	done < <(awk '
		/^[0-9]+\/[0-9]+ Test: / {
			cur = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", cur); next
		}
		cur != "" && /^skipped: / { sub(/^skipped: /, ""); print cur "\t" $0 }
	' "$log")
}

# Every libFuzzer target of tests/fuzz (scripts/fuzz.sh knows the same list).
fuzz_targets=(request csv persist cert pgtext json)

# run_fuzz TARGET: scripts/fuzz.sh for PATHWAYS_FUZZ_SECONDS; one test.
run_fuzz() {
	say "fuzz $1 (${fuzz_seconds}s)"
	if bash scripts/fuzz.sh "$1" "$fuzz_seconds"; then
		passed=$((passed + 1))
	else
		echo "test: fuzz target $1 failed"
		failed=$((failed + 1))
	fi
}

work=$(mktemp -d /tmp/pathways-test.XXXXXX)
chmod 755 "$work"

say "private PostgreSQL"
if ! PATHWAYS_TEST_PG=$(bash scripts/pg.sh start "$work/pg"); then
	echo "test: could not start PostgreSQL"
	echo "0 passed, 1 failed"
	exit 1
fi
export PATHWAYS_TEST_PG
export PATHWAYS_SOURCE_DIR=$root
echo "PATHWAYS_TEST_PG=$PATHWAYS_TEST_PG"

if build build -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
	run_ctest build
else
	failed=$((failed + 1))
fi

if [ "$quick" -eq 0 ]; then
	if build build-asan -DPATHWAYS_SANITIZE=ON; then
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			run_ctest build-asan
	else
		failed=$((failed + 1))
	fi
	fuzz_seconds=${PATHWAYS_FUZZ_SECONDS:-30}
	if [ "$fuzz_seconds" != 0 ]; then
		for t in "${fuzz_targets[@]}"; do
			run_fuzz "$t"
		done
	else
		not_run+=("fuzz targets ${fuzz_targets[*]} (PATHWAYS_FUZZ_SECONDS=0)")
		skipped=$((skipped + ${#fuzz_targets[@]}))
	fi
else
	not_run+=("the ASan+UBSan tree (--quick)" "fuzz targets ${fuzz_targets[*]} (--quick)")
	skipped=$((skipped + 1 + ${#fuzz_targets[@]}))
fi

# The benchmark suite is not a test (no timed assertion), but it runs once
# at S so the harness never rots: a step that breaks, or a daemon answer
# that disagrees with the SQL peer, counts as a failure.
if [ "$quick" -eq 0 ] && [ "${PATHWAYS_BENCH:-1}" != 0 ]; then
	say "benchmark harness (S)"
	if PATHWAYS_BUILD_DIR=$root/build bash scripts/bench.sh S; then
		passed=$((passed + 1))
	else
		echo "test: the benchmark harness failed"
		failed=$((failed + 1))
	fi
elif [ "$quick" -eq 1 ]; then
	not_run+=("the benchmark harness (--quick)")
	skipped=$((skipped + 1))
else
	not_run+=("the benchmark harness (PATHWAYS_BENCH=0)")
	skipped=$((skipped + 1))
fi

echo
for what in "${not_run[@]}"; do
	echo "test: not run: $what"
done
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
