#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and run one
# for a bounded time.
#
#   scripts/fuzz.sh TARGET SECONDS     TARGET: request | csv | persist | cert | pgtext | json
#
# The seeds (tests/fuzz/corpus/TARGET/) and the kept crash inputs
# (tests/fuzz/regressions/TARGET/) are read, never written: new inputs go to
# build-fuzz/corpus/TARGET/, which grows from run to run. A crash, a leak, a
# timeout (10 s for one input) or running out of memory (2 GiB) writes the
# input to build-fuzz/artifacts/TARGET/ and exits non-zero; keep it as a
# regression:  cp build-fuzz/artifacts/TARGET/crash-... tests/fuzz/regressions/TARGET/
#
#   PATHWAYS_FUZZ_BUILD_DIR   build tree (default: build-fuzz/)
#   PATHWAYS_FUZZ_MAX_LEN     longest input tried (default 16384)
set -uo pipefail

usage() {
	echo "usage: $0 request|csv|persist|cert|pgtext|json SECONDS" >&2
	exit 2
}

[ $# -eq 2 ] || usage
target=$1
seconds=$2
case $target in request | csv | persist | cert | pgtext | json) ;; *) usage ;; esac
case $seconds in '' | *[!0-9]*) usage ;; esac

cd "$(dirname "$0")/.." || exit 1
root=$PWD
build=${PATHWAYS_FUZZ_BUILD_DIR:-$root/build-fuzz}
max_len=${PATHWAYS_FUZZ_MAX_LEN:-16384}

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang is not installed (scripts/setup.sh installs it)" >&2
	exit 1
fi
mkdir -p "$build"
if ! cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DPATHWAYS_FUZZ=ON \
	-DPATHWAYS_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>"$build/configure.log" 2>&1; then
	cat "$build/configure.log" >&2
	echo "fuzz: configuring $build failed" >&2
	exit 1
fi
if ! cmake --build "$build" --target "fuzz_$target" -j2; then
	echo "fuzz: building fuzz_$target failed" >&2
	exit 1
fi

work=$build/corpus/$target
artifacts=$build/artifacts/$target
mkdir -p "$work" "$artifacts"
seeds=$root/tests/fuzz/corpus/$target
regressions=$root/tests/fuzz/regressions/$target

echo "fuzz: fuzz_$target for ${seconds}s (corpus $work, crashes to $artifacts/)"
# the fuzzer's own leak check is on (detect_leaks=1); UBSan reports abort
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$build/tests/fuzz/fuzz_$target" \
	-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-max_len="$max_len" -dict="$root/tests/fuzz/$target.dict" \
	-artifact_prefix="$artifacts/" -print_final_stats=1 \
	"$work" "$seeds" "$regressions"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "fuzz: fuzz_$target FAILED (exit $rc); inputs in $artifacts/:"
	ls -l "$artifacts" 2>/dev/null | tail -n +2
	echo "fuzz: keep each as tests/fuzz/regressions/$target/<name> once fixed"
	exit 1
fi
echo "fuzz: fuzz_$target ran ${seconds}s without a failure"
