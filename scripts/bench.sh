#!/usr/bin/env bash
# Benchmark pathwaysd against its limit (a bare ZeroMQ echo of our envelope)
# and its peer (the same questions in SQL), in one run, and print one table.
#
#   scripts/bench.sh [-o FILE] [S|M|L]       (default S)
#
#   S    1,000 employees: the harness check CI runs (well under 2 minutes)
#   M   20,000 employees
#   L  200,000 employees, 5,000 roles, 400 competencies, 4,000,000
#      assessments, 50,000 moves, 2,000 modules: where the targets apply
#
#   -o FILE   also write the table (Markdown) to FILE
#
# Environment:
#   PATHWAYS_BUILD_DIR  use this build tree (e.g. build, from scripts/test.sh)
#                       instead of configuring build-bench (Release)
#   PATHWAYS_BENCH_PG   keep the private PostgreSQL in this directory and
#                       reuse its data while the generator and schema are
#                       unchanged (default: a throwaway one)
#   PATHWAYS_BENCH_SECONDS  seconds per load run (default: S 2, M 3, L 5)
#
# Benchmarks are not tests: a target missed is reported (MISS), not failed.
# The exit status is 0 when every step ran and the daemon and SQL agreed,
# 1 when a step failed, 2 on usage errors.
set -uo pipefail

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit "${1:-2}"
}

outfile=""
size=S
while [ $# -gt 0 ]; do
	case $1 in
	-o) [ $# -ge 2 ] || usage 2 >&2; outfile=$2; shift 2 ;;
	-h | --help) usage 0 ;;
	S | M | L | s | m | l) size=${1^^}; shift ;;
	*) usage 2 >&2 ;;
	esac
done

cd "$(dirname "$0")/.." || exit 1
root=$PWD
case $size in
S) secs=2 runs=10 ;;
M) secs=3 runs=10 ;;
L) secs=5 runs=5 ;;
esac
secs=${PATHWAYS_BENCH_SECONDS:-$secs}
ncpu=$(nproc)
workers=$ncpu
failures=()
fail() { failures+=("$*"); echo "bench: FAILED: $*" >&2; }
say() { printf '== %s\n' "$*" >&2; }

loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- build ----
if [ -n "${PATHWAYS_BUILD_DIR:-}" ]; then
	build=$PATHWAYS_BUILD_DIR
else
	build=$root/build-bench
	if [ ! -f "$build/CMakeCache.txt" ]; then
		cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null ||
			exit 1
	fi
fi
say "build $build"
cmake --build "$build" -j2 --target bench >/dev/null || {
	cmake --build "$build" -j2 --target bench 2>&1 | tail -n 30 >&2
	echo "bench: build failed" >&2
	exit 1
}
bin=$build/tests/bench
daemon=$build/daemon/pathwaysd
ctl=$build/client/pathwaysctl
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")

# ---- scratch, processes, cleanup ----
work=$(mktemp -d /tmp/pathways-bench.XXXXXX)
chmod 755 "$work"
pids=()
extra_pg=()	# more clusters (a standby, a scratch one): destroyed first
pgdir=${PATHWAYS_BENCH_PG:-$work/pg}
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for p in "${extra_pg[@]}"; do
		bash "$root/scripts/pg.sh" destroy "$p" >/dev/null 2>&1
	done
	if [ -z "${PATHWAYS_BENCH_PG:-}" ]; then
		bash "$root/scripts/pg.sh" destroy "$pgdir" >/dev/null 2>&1
	else
		bash "$root/scripts/pg.sh" stop "$pgdir" >/dev/null 2>&1
	fi
	rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop_pid() {
	local p=$1 q keep=()
	kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	for q in "${pids[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
	pids=("${keep[@]}")
}

free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((40000 + RANDOM % 20000))
		if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# ---- PostgreSQL and the organization ----
say "PostgreSQL in $pgdir"
conninfo=$(bash "$root/scripts/pg.sh" start "$pgdir") || {
	echo "bench: could not start PostgreSQL" >&2
	exit 1
}
db_of() { echo "${conninfo/dbname=pathways/dbname=$1}"; }
psql_admin() {
	PGOPTIONS='-c client_min_messages=warning' \
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$(db_of postgres)" -c "$1"
}
stamp=$(cat "$root"/tests/bench/org.c "$root"/tests/bench/org.h \
	"$root"/tests/bench/gen_org.c "$root"/sql/migrations/*.sql |
	sha1sum | cut -c1-16)

# make_db NAME SIZE|empty: a migrated database holding that organization
make_db() {
	local name=$1 what=$2 marker="$pgdir/bench-$1" t0 t1
	if [ -f "$marker" ] && [ "$(cat "$marker")" = "$what $stamp" ]; then
		say "database $name: reusing the $what organization"
		return 0
	fi
	rm -f "$marker"
	psql_admin "DROP DATABASE IF EXISTS $name" &&
		psql_admin "CREATE DATABASE $name" || return 1
	"$ctl" migrate --db "$(db_of "$name")" >/dev/null || return 1
	if [ "$what" != empty ]; then
		say "database $name: generating size $what"
		t0=$(date +%s.%N)
		"$bin/bench_gen_org" --size "$what" --db "$(db_of "$name")" \
			2>"$work/gen-$name.log" || {
			cat "$work/gen-$name.log" >&2
			return 1
		}
		t1=$(date +%s.%N)
		echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }' >"$work/gen-$name.s"
	fi
	echo "$what $stamp" >"$marker"
}
make_db pathways "$size" || { echo "bench: generating failed" >&2; exit 1; }
make_db pathways_empty empty || { echo "bench: empty database failed" >&2; exit 1; }
# A fair peer: PostgreSQL's shared buffers big enough for the data (a
# quarter of the memory, at most 2 GB; the default 128 MB holds a tenth of
# L), and every table and index read in before anything is timed.
sb_mb=$(awk '/MemTotal/ { v = int($2 / 4096); print (v > 2048 ? 2048 : v) }' /proc/meminfo)
if [ "$(psql_admin "SELECT setting::bigint * 8 / 1024 FROM pg_settings
		WHERE name = 'shared_buffers'")" != "$sb_mb" ]; then
	say "PostgreSQL: shared_buffers = ${sb_mb}MB (restart)"
	psql_admin "ALTER SYSTEM SET shared_buffers = '${sb_mb}MB'" &&
		bash "$root/scripts/pg.sh" stop "$pgdir" >/dev/null &&
		conninfo=$(bash "$root/scripts/pg.sh" restart "$pgdir") || {
		echo "bench: could not restart PostgreSQL" >&2
		exit 1
	}
fi
prewarm() {
	PGOPTIONS='-c client_min_messages=warning' psql -X -q -A -t \
		"$(db_of "$1")" -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
		-c "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c WHERE
		    c.relkind IN ('r', 'i') AND
		    c.relnamespace = 'public'::regnamespace" >/dev/null 2>&1 ||
		say "pg_prewarm not available: the peer starts with a cold cache"
}
prewarm pathways
if [ "$size" != S ]; then
	make_db pathways_s S || { echo "bench: generating S failed" >&2; exit 1; }
	cg_db=$(db_of pathways_s)
else
	cg_db=$conninfo
fi

num() { [ -n "$1" ] && [ "$1" != "n/a" ]; }

# ---- results: key value pairs in $work/kv ----
: >"$work/kv"
put() { printf '%s %s\n' "$1" "$2" >>"$work/kv"; }
get() { awk -v k="$1" '$1 == k { v = $2 } END { print v }' "$work/kv"; }
# field KEY LINE: the value of KEY=... in a RESULT/COLD/COPY/LIVE line
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2" | head -n 1; }

# lg NAME PORT PID [loadgen args]: one load run; keeps its lines
lg() {
	local name=$1 port=$2 pid=$3
	shift 3
	"$bin/bench_loadgen" --endpoint "tcp://127.0.0.1:$port" --size "$size" \
		--label "$name" --server-pid "$pid" --warmup 0.5 "$@" \
		>"$work/lg-$name.txt" 2>"$work/lg-$name.err" ||
		fail "loadgen $name: $(tail -n 1 "$work/lg-$name.err")"
	cat "$work/lg-$name.txt" >>"$work/lg-all.txt"
}
# lgv NAME KIND KEY: a value from a load run
lgv() {
	local line
	line=$(grep " kind=$2 " "$work/lg-$1.txt" 2>/dev/null | head -n 1)
	field "$3" "$line"
}

# cpu NAME: "CPU x, waited y" per request of the server in a load run
cpu() {
	local c w
	c=$(lgv "$1" all server_cpu_us)
	w=$(lgv "$1" all server_wait_us)
	num "$c" && echo "(server CPU $(fmt_us "$c"), waited $(fmt_us "$w"))"
}

# ---- the floor under the copy: COPY of the same rows to /dev/null ----
say "COPY of the same rows"
"$bin/bench_coldstart" copy --db "$conninfo" >/dev/null 2>&1	# warm the cache
for i in 1 2 3; do
	"$bin/bench_coldstart" copy --db "$conninfo" >>"$work/copy.txt" ||
		fail "COPY run $i"
done
# the median run of three, by wall time
copy_mid=$(sort -t= -k2 -n "$work/copy.txt" | sed -n 2p)
put copy_ms "$(field total_ms "$copy_mid")"
put copy_db_cpu_ms "$(field db_cpu_ms "$copy_mid")"
put copy_cpu_ms "$(field cpu_ms "$copy_mid")"

# ---- cold start, memory ----
say "cold start"
dport=$(free_port)
cold=$("$bin/bench_coldstart" start --daemon "$daemon" --db "$conninfo" \
	--listen "tcp://127.0.0.1:$dport" --workers "$workers" \
	--log "$work/daemon.log" --keep) || fail "cold start"
dpid=$(field pid "$cold")
[ -n "$dpid" ] && pids+=("$dpid")
put cold_ms "$(field serve_ms "$cold")"
put cold_cpu_ms "$(field cpu_ms "$cold")"
put cold_db_cpu_ms "$(field db_cpu_ms "$cold")"
put rss_kb "$(field rss_kb "$cold")"
put hwm_kb "$(field hwm_kb "$cold")"
put employees "$(field employees "$cold")"
put assessments "$(field assessments "$cold")"
eport=$(free_port)
empty=$("$bin/bench_coldstart" start --daemon "$daemon" \
	--db "$(db_of pathways_empty)" --listen "tcp://127.0.0.1:$eport" \
	--workers "$workers" --log "$work/daemon-empty.log") ||
	fail "empty daemon"
put rss_empty_kb "$(field rss_kb "$empty")"
load_ms=$(sed -n 's/.*loaded in \([0-9]*\) ms.*/\1/p' "$work/daemon.log" | head -n 1)
put load_ms "${load_ms:-}"

# ---- the limit: the echo floor ----
fport=$(free_port)
"$bin/bench_echo_floor" --listen "tcp://127.0.0.1:$fport" 2>"$work/echo.log" &
fpid=$!
pids+=("$fpid")
sleep 0.3

say "load runs ($secs s each)"
d=(--duration "$secs")
if [ -n "$dpid" ]; then
	lg echo1 "$fport" "$fpid" "${d[@]}" --mix readiness --inflight 1
	lg ready1 "$dport" "$dpid" "${d[@]}" --mix readiness --inflight 1
	lg echo256 "$fport" "$fpid" "${d[@]}" --mix readiness --inflight 256
	lg ready256 "$dport" "$dpid" "${d[@]}" --mix readiness --inflight 256
	lg batch "$dport" "$dpid" "${d[@]}" --mix batch --inflight 1 --decode \
		--batch-emps 1000 --batch-roles 10
	lg batch_arena "$dport" "$dpid" "${d[@]}" --mix batch --inflight 1 \
		--arena --batch-emps 1000 --batch-roles 10
	lg batch_raw "$dport" "$dpid" "${d[@]}" --mix batch --inflight 1 \
		--batch-emps 1000 --batch-roles 10
	lg bench "$dport" "$dpid" "${d[@]}" --mix bench --inflight 1 --decode
	lg pipeline "$dport" "$dpid" "${d[@]}" --mix pipeline --inflight 1 --decode
	lg pipeline_succ "$dport" "$dpid" "${d[@]}" --mix pipeline_succ \
		--inflight 1 --decode
	lg path "$dport" "$dpid" "${d[@]}" --mix path --inflight 1 --decode
	lg mix "$dport" "$dpid" "${d[@]}" --inflight 32 --decode \
		--mix readiness=70,gap=10,modules=5,mentors=3,placement=5,path=3,explore=3,bench=1 \
		--batch-emps 100 --batch-roles 10
	# like with like: everything on one core, then client and server apart
	all_cpus=0-$((ncpu - 1))
	for srv in "echo:$fport:$fpid" "ready:$dport:$dpid"; do
		IFS=: read -r n p pid <<<"$srv"
		taskset -a -p -c 0 "$pid" >/dev/null &&
			lg "${n}_core0" "$p" "$pid" "${d[@]}" --mix readiness \
				--inflight 1 --pin 0 &&
			lg "${n}256_core0" "$p" "$pid" "${d[@]}" --mix readiness \
				--inflight 256 --pin 0
		if [ "$ncpu" -gt 1 ]; then
			taskset -a -p -c 1 "$pid" >/dev/null &&
				lg "${n}_split" "$p" "$pid" "${d[@]}" --mix readiness \
					--inflight 1 --pin 0
		fi
		taskset -a -p -c "$all_cpus" "$pid" >/dev/null
	done
fi

# ---- the HTTP door: Readiness of one pair as JSON, keep-alive, 1 in
# flight, beside ZeroMQ on the same daemon (no target: what it costs) ----
if [ -n "$dpid" ]; then
	say "the HTTP door"
	hport=$(free_port)
	hzport=$(free_port)
	"$daemon" --db "$conninfo" --listen "tcp://127.0.0.1:$hzport" \
		--http "127.0.0.1:$hport" --workers "$workers" \
		2>"$work/hdaemon.log" &
	hpid=$!
	pids+=("$hpid")
	for _ in $(seq 1 600); do
		curl -sf "http://127.0.0.1:$hport/readyz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	lg http_zmq1 "$hzport" "$hpid" "${d[@]}" --mix readiness --inflight 1
	"$bin/bench_http_load" --port "$hport" --size "$size" --duration "$secs" \
		--label http1 >"$work/lg-http1.txt" 2>"$work/lg-http1.err" ||
		fail "HTTP load: $(tail -n 1 "$work/lg-http1.err")"
	stop_pid "$hpid"
fi

# ---- the peer: SQL ----
say "SQL peer ($runs runs)"
if [ -n "$dpid" ]; then
	"$bin/bench_sql_peer" --db "$conninfo" --size "$size" --runs "$runs" \
		--check "tcp://127.0.0.1:$dport" >"$work/peer.txt" \
		2>"$work/peer.err" || fail "SQL peer or its check: $(tail -n 3 "$work/peer.err" | tr '\n' ' ')"
fi
peer() { field "$2" "$(grep " kind=$1 " "$work/peer.txt" 2>/dev/null)"; }
check_line=$(grep '^CHECK' "$work/peer.txt" 2>/dev/null)

# ---- live data ----
live_line=""
if grep -qs pathways_changed "$root"/sql/migrations/*.sql && [ -n "$dpid" ]; then
	say "live data"
	live_line=$("$bin/bench_live" --db "$conninfo" \
		--endpoint "tcp://127.0.0.1:$dport" --size "$size" \
		--iterations 100 --budget $((secs * 20)) --timeout 30 \
		2>"$work/live.err") || fail "live data: $(tail -n 1 "$work/live.err")"
fi
[ -n "$dpid" ] && stop_pid "$dpid"
stop_pid "$fpid"

# ---- readers while writes pour in (the write path runs off the read
# path: a burst of RecordAssessments must not stall Readiness) ----
wq_line=""
wb_line=""
if [ -n "$dpid" ]; then
	say "readers during a write burst"
	printf '[server]\nallow_writes = true\n' >"$work/writes.conf"
	wport=$(free_port)
	"$daemon" --config "$work/writes.conf" --db "$conninfo" \
		--listen "tcp://127.0.0.1:$wport" --workers "$workers" \
		2>"$work/wdaemon.log" &
	wpid=$!
	pids+=("$wpid")
	for _ in $(seq 1 600); do
		"$ctl" --endpoint "tcp://127.0.0.1:$wport" --json health 2>/dev/null |
			grep -q '"serving": *true' && break
		sleep 0.1
	done
	# 2,000 ratings of as many employees; no time: each burst stamps its
	# own, so every burst writes
	{
		echo "employee,competency,level,source,assessed_at"
		psql -X -q -A -t -F, "$conninfo" -c "SELECT e.external_id, c.key,
			1 + (e.id + c.id) % 5, 'manager', ''
			FROM (SELECT id, external_id FROM employee ORDER BY id LIMIT 2000) e
			CROSS JOIN LATERAL (SELECT id, key FROM competency
				ORDER BY id OFFSET e.id % 10 LIMIT 1) c"
	} >"$work/burst.csv"
	lg wquiet "$wport" "$wpid" "${d[@]}" --mix readiness --inflight 1
	: >"$work/burst.count"
	(
		while [ ! -e "$work/burst.stop" ]; do
			"$ctl" --endpoint "tcp://127.0.0.1:$wport" --timeout 60000 \
				record-assessment --file "$work/burst.csv" \
				>/dev/null 2>>"$work/burst.err" && echo 1 >>"$work/burst.count"
		done
	) &
	bpid=$!
	sleep 0.5
	lg wburst "$wport" "$wpid" "${d[@]}" --mix readiness --inflight 1
	touch "$work/burst.stop"
	wait "$bpid" 2>/dev/null
	stop_pid "$wpid"
	wq_line=ok
fi

# ---- scale-out and fair share (issues 13 and 14): a daemon on a hot
# standby follows changes written on the primary; what the change feed
# costs writers; cheap calls while another client floods ----
# serve_daemon NAME CONNINFO: a daemon on CONNINFO, serving; sets xport and
# xpid (in pids), 1 when it never serves
serve_daemon() {
	xport=$(free_port)
	"$daemon" --db "$2" --listen "tcp://127.0.0.1:$xport" \
		--workers "$workers" 2>"$work/$1.log" &
	xpid=$!
	pids+=("$xpid")
	for _ in $(seq 1 600); do
		"$ctl" --endpoint "tcp://127.0.0.1:$xport" --json health 2>/dev/null |
			grep -q '"serving": *true' && return 0
		kill -0 "$xpid" 2>/dev/null || break
		sleep 0.1
	done
	fail "daemon $1 never served: $(tail -n 1 "$work/$1.log")"
	return 1
}
standby_line=""
if [ -n "$dpid" ]; then
	# streaming from the bench's own cluster: changes are UPDATEs on the
	# primary (bench_live, as row 7), answers come from the standby's
	# daemon, which polls the replicated change feed (poll_ms 100: each
	# UPDATE waits a random 0-100 ms, so it lands anywhere between polls)
	say "a daemon on a hot standby"
	sbdir=$work/pg-standby
	extra_pg+=("$sbdir")
	if sbconn=$(bash "$root/scripts/pg.sh" standby "$sbdir" "$pgdir" \
		2>"$work/standby.err"); then
		if serve_daemon sdaemon "$sbconn"; then
			standby_line=$("$bin/bench_live" --db "$conninfo" \
				--endpoint "tcp://127.0.0.1:$xport" \
				--size "$size" --iterations 100 --jitter 100 \
				--budget $((secs * 10)) --timeout 30 \
				2>"$work/slive.err") ||
				fail "live data on a standby: $(tail -n 1 "$work/slive.err")"
		fi
		stop_pid "$xpid"
	else
		fail "hot standby: $(tail -n 3 "$work/standby.err" | tr '\n' ' ')"
	fi
	bash "$root/scripts/pg.sh" destroy "$sbdir" >/dev/null 2>&1
fi
# The feed's cost in a cluster of its own: the WAL position is the
# cluster's, and the bench's cluster may be vacuuming what it generated.
say "the change feed's cost to writers"
feeddir=$work/pg-feed
extra_pg+=("$feeddir")
if feedconn=$(bash "$root/scripts/pg.sh" start "$feeddir" 2>"$work/feed.err") &&
	"$ctl" migrate --db "$feedconn" >/dev/null 2>>"$work/feed.err"; then
	"$bin/bench_feed_cost" --db "$feedconn" --rows 10000 --runs 3 \
		>"$work/feed.txt" 2>>"$work/feed.err" ||
		fail "feed cost: $(tail -n 2 "$work/feed.err" | tr '\n' ' ')"
else
	fail "feed cost: its cluster: $(tail -n 2 "$work/feed.err" | tr '\n' ' ')"
fi
bash "$root/scripts/pg.sh" destroy "$feeddir" >/dev/null 2>&1
# One client (Bench of one role, Readiness of one pair, in turn) quiet,
# then while four other sockets flood the heaviest Readiness the caps
# allow, two in flight each (tests/integration/test_trust.py,
# FairShareUnderFlood): 100,000 pairs (QUERY_MAX_READINESS_PAIRS), and
# 2,000 pairs with estimates (QUERY_MAX_ESTIMATE_PAIRS).
flood_n=""
if [ -n "$dpid" ]; then
	say "cheap calls during another client's flood"
	if serve_daemon fdaemon "$conninfo"; then
		lg fquiet "$xport" "$xpid" "${d[@]}" --mix bench=1,readiness=1 \
			--inflight 1
		fl=()
		for i in 1 2 3 4; do
			if [ $((i % 2)) = 1 ]; then
				heavy=(--batch-emps 2000 --batch-roles 50)
			else
				heavy=(--batch-emps 200 --batch-roles 10 --estimates)
			fi
			# outlasts the measured run: 1 s ahead, its warmup, 1.5 s
			"$bin/bench_loadgen" --endpoint "tcp://127.0.0.1:$xport" \
				--size "$size" --label "flood$i" --seed "$i" \
				--mix batch --inflight 2 --warmup 0 \
				--duration "$(awk -v s="$secs" 'BEGIN { print s + 3 }')" \
				"${heavy[@]}" >"$work/flood$i.txt" 2>"$work/flood$i.err" &
			fl+=("$!")
			pids+=("$!")
		done
		sleep 1
		lg fflood "$xport" "$xpid" "${d[@]}" --mix bench=1,readiness=1 \
			--inflight 1
		flood_n=0
		for i in 1 2 3 4; do
			if wait "${fl[i - 1]}"; then
				n=$(field n "$(grep ' kind=batch ' "$work/flood$i.txt")")
				flood_n=$((flood_n + ${n:-0}))
			else
				fail "flood $i: $(tail -n 1 "$work/flood$i.err")"
			fi
			stop_pid "${fl[i - 1]}"
		done
		# quiet again: other load on the machine only adds, so the
		# lower quiet p99 of before and after is the baseline
		lg fquiet2 "$xport" "$xpid" "${d[@]}" --mix bench=1,readiness=1 \
			--inflight 1
	fi
	stop_pid "$xpid"
fi

# ---- callgrind: instructions for fixed request mixes at S ----
# cg_run NAME PROBE_KIND -- COMMAND...: runs COMMAND (a server listening on
# $cport) under callgrind with instrumentation off until it answers a
# PROBE_KIND request, then counts the instructions of the loadgen run given
# in $cg_args; the total goes to $work/cg-NAME.total
cg_mix=readiness=60,batch=2,gap=10,modules=5,mentors=5,placement=5,bench=3,path=5,explore=5
cg_n=300
cg_r=1000
cg_run() {
	local name=$1 probe=$2 vpid up=0
	shift 3
	valgrind --tool=callgrind --instr-atstart=no \
		--callgrind-out-file="$work/cg-$name.out" "$@" \
		>"$work/cg-$name.log" 2>&1 &
	vpid=$!
	pids+=("$vpid")
	for _ in $(seq 1 300); do
		if "$bin/bench_loadgen" --endpoint "tcp://127.0.0.1:$cport" \
			--size S --count 1 --warmup 0 --mix "$probe" \
			--timeout-ms 2000 >/dev/null 2>&1; then
			up=1
			break
		fi
		sleep 0.2
	done
	if [ "$up" = 1 ] && callgrind_control -i on "$vpid" >/dev/null; then
		"$bin/bench_loadgen" --endpoint "tcp://127.0.0.1:$cport" --size S \
			--label "cg-$name" --warmup 0 --inflight 1 --seed 7 \
			"${cg_args[@]}" >"$work/cg-$name-lg.txt" 2>&1 ||
			fail "callgrind $name: load"
		callgrind_control -i off "$vpid" >/dev/null
		stop_pid "$vpid"
		sed -n 's/^totals: *//p' "$work/cg-$name.out" >"$work/cg-$name.total"
	else
		fail "callgrind $name: the server did not come up"
		stop_pid "$vpid"
	fi
}
if command -v valgrind >/dev/null && command -v callgrind_control >/dev/null; then
	say "callgrind at S: $cg_n requests of a mix, $cg_r Readiness (daemon and floor)"
	cport=$(free_port)
	cg_args=(--count "$cg_n" --mix "$cg_mix" --batch-emps 100 --batch-roles 10)
	cg_run mix readiness -- "$daemon" --db "$cg_db" \
		--listen "tcp://127.0.0.1:$cport" --workers "$workers"
	callgrind_annotate "$work/cg-mix.out" 2>/dev/null |
		sed -n '/file:function/,$p' | sed -n '3,17p' >"$work/callgrind-top.txt"
	cg_args=(--count "$cg_r" --mix readiness)
	cg_run ready readiness -- "$daemon" --db "$cg_db" \
		--listen "tcp://127.0.0.1:$cport" --workers "$workers"
	cg_run echo readiness -- "$bin/bench_echo_floor" \
		--listen "tcp://127.0.0.1:$cport"
fi
cg_line=$(cat "$work/cg-mix.total" 2>/dev/null)

# ---- the table ----
fmt_us() { num "$1" && awk -v v="$1" 'BEGIN { if (v >= 10000) printf "%.1f ms", v / 1000; else if (v >= 1000) printf "%.2f ms", v / 1000; else printf "%.1f µs", v }' || echo n/a; }
fmt_n() { num "$1" && awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }' || echo n/a; }
ratio() { num "$1" && num "$2" && awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }' || echo n/a; }
# verdict VALUE OP LIMIT
verdict() { num "$1" && num "$3" && awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = op == "<=" ? v <= l : v >= l; print ok ? "PASS" : "MISS" }' || echo n/a; }

rows=()
row() { rows+=("$1|$2|$3|$4|$5|$6"); }

e1=$(lgv echo1 readiness p50_us)
r1=$(lgv ready1 readiness p50_us)
rat=$(ratio "$r1" "$e1")
row "1. Readiness, one pair, 1 in flight: p50" "$(fmt_us "$r1") $(cpu ready1)" "≤ 1.5 × floor" "floor $(fmt_us "$e1") $(cpu echo1)" "$rat×" "$(verdict "$rat" "<=" 1.5)"
r1p99=$(lgv ready1 readiness p99_us)
e1p99=$(lgv echo1 readiness p99_us)
row "   same run: p99 / p999" "$(fmt_us "$r1p99") / $(fmt_us "$(lgv ready1 readiness p999_us)")" "" "floor $(fmt_us "$e1p99") / $(fmt_us "$(lgv echo1 readiness p999_us)")" "$(ratio "$r1p99" "$e1p99")×" ""
for v in core0 split; do
	a=$(lgv "ready_$v" readiness p50_us)
	b=$(lgv "echo_$v" readiness p50_us)
	[ -n "$a$b" ] || continue
	case $v in
	core0) what="client and server on cpu0" ;;
	split) what="client cpu0, server cpu1" ;;
	esac
	rv=$(ratio "$a" "$b")
	row "   pinned, $what: p50" "$(fmt_us "$a")" "≤ 1.5 × floor" "floor $(fmt_us "$b")" "$rv×" "$(verdict "$rv" "<=" 1.5)"
done
hz=$(lgv http_zmq1 readiness p50_us)
hj=$(lgv http1 readiness p50_us)
row "   over the HTTP door (JSON, keep-alive): p50 / req/s" "$(fmt_us "$hj") / $(fmt_n "$(lgv http1 readiness rps)")" "" "ZeroMQ $(fmt_us "$hz") / $(fmt_n "$(lgv http_zmq1 readiness rps)")" "$(ratio "$hj" "$hz")×" ""
e256=$(lgv echo256 readiness rps)
r256=$(lgv ready256 readiness rps)
rat=$(ratio "$r256" "$e256")
row "2. Readiness, one pair, 256 in flight: req/s" "$(fmt_n "$r256") $(cpu ready256)" "≥ 0.8 × floor" "floor $(fmt_n "$e256") $(cpu echo256)" "$rat×" "$(verdict "$rat" ">=" 0.8)"
# one core: every thread of the daemon (taskset -a) and of the client on
# cpu0, the floor pinned the same way (a container with a one-CPU quota)
e256c=$(lgv echo256_core0 readiness rps)
r256c=$(lgv ready256_core0 readiness rps)
if [ -n "$e256c$r256c" ]; then
	rat=$(ratio "$r256c" "$e256c")
	row "   one core: daemon and client on cpu0: req/s" "$(fmt_n "$r256c") $(cpu ready256_core0)" "≥ 0.7 × floor" "floor $(fmt_n "$e256c") $(cpu echo256_core0)" "$rat×" "$(verdict "$rat" ">=" 0.7)"
fi
# End to end = until the client holds the unpacked answer, the way
# libpathways unpacks it: into one arena per reply. The malloc-per-field
# unpacking of a plain protobuf-c client is shown beside it.
bp=$(lgv batch_arena batch items_per_s)
sbp=$(peer sql_batch items_per_s)
row "3. Readiness batch of 10,000 pairs: pairs/s" "$(fmt_n "$bp") $(cpu batch_arena)" "≥ 2,000,000" "SQL $(fmt_n "$sbp")" "$(ratio "$bp" "$sbp")×" "$(verdict "$bp" ">=" 2000000)"
row "   same run: p50 per batch (end to end, decoded as libpathways does)" "$(fmt_us "$(lgv batch_arena batch p50_us)"), client CPU $(fmt_us "$(lgv batch_arena all client_cpu_us)")" "" "SQL $(fmt_us "$(peer sql_batch p50_us)")" "" ""
ba=$(lgv batch batch items_per_s)
row "   decoded with a malloc per field (plain protobuf-c)" "$(fmt_n "$ba") $(cpu batch), client CPU $(fmt_us "$(lgv batch all client_cpu_us)")" "" "" "" ""
bw=$(lgv batch_raw batch items_per_s)
row "   not decoded (the server and the transfer)" "$(fmt_n "$bw") $(cpu batch_raw)" "" "" "" ""
bn=$(lgv bench bench p50_us)
sbn=$(peer sql_bench p50_us)
speed=$(ratio "$sbn" "$bn")
v1=$(verdict "$bn" "<=" 2000)
v2=$(verdict "$speed" ">=" 50)
if [ "$v1" = PASS ] && [ "$v2" = PASS ]; then vb=PASS
elif [ "$v1" = n/a ] || [ "$v2" = n/a ]; then vb=n/a
else vb=MISS; fi
row "4. Bench over $(fmt_n "$(get employees)") employees: p50" "$(fmt_us "$bn") $(cpu bench)" "≤ 2 ms, ≥ 50× SQL" "SQL $(fmt_us "$sbn")" "${speed}× faster" "$vb"
pl=$(lgv pipeline pipeline p50_us)
row "   Pipeline, every role × everyone (include_all): p50" "$(fmt_us "$pl") $(cpu pipeline)" "≤ 1 s" "Bench $(fmt_us "$bn")" "$(ratio "$pl" "$bn")× one Bench" "$(verdict "$pl" "<=" 1000000)"
pck=$(field pipeline_roles "$check_line")
pdf=$(field pipeline_differs "$check_line")
if num "$pck"; then
	pck="$pck roles checked against Bench in this run, $pdf differ"
else
	pck="not checked against Bench"
fi
row "   same run: Pipeline's counts" "$pck" "every one the same" "" "" "$( [ "${pdf:-x}" = 0 ] && echo PASS || { num "$pdf" && echo MISS || echo n/a; })"
ps=$(lgv pipeline_succ pipeline_succ p50_us)
row "   Pipeline, every role, successors only: p50" "$(fmt_us "$ps") $(cpu pipeline_succ)" "≤ include_all" "include_all $(fmt_us "$pl")" "$(ratio "$ps" "$pl")×" "$(verdict "$(ratio "$ps" "$pl")" "<=" 1)"
pa=$(lgv path path p50_us)
row "5. Path, 3 routes: p50" "$(fmt_us "$pa") $(cpu path)" "≤ 2 ms" "floor $(fmt_us "$e1")" "$(ratio "$pa" "$e1")×" "$(verdict "$pa" "<=" 2000)"
cm=$(get cold_ms)
cp=$(get copy_ms)
rat=$(ratio "$cm" "$cp")
row "6. Cold start to serving" "$(fmt_us "$(awk -v v="${cm:-0}" 'BEGIN { print v * 1000 }')")" "≤ 1.5 × COPY" "COPY $(fmt_us "$(awk -v v="${cp:-0}" 'BEGIN { print v * 1000 }')")" "$rat×" "$(verdict "$rat" "<=" 1.5)"
rss=$(get rss_kb)
rse=$(get rss_empty_kb)
na=$(get assessments)
bpa=""
if num "$rss" && num "$rse" && num "$na" && [ "$na" -gt 0 ]; then
	bpa=$(awk -v a="$rss" -v b="$rse" -v n="$na" 'BEGIN { printf "%.1f", (a - b) * 1024 / n }')
fi
ccpu=$(get cold_cpu_ms)
cdb=$(get cold_db_cpu_ms)
kcpu=$(get copy_cpu_ms)
kdb=$(get copy_db_cpu_ms)
if num "$ccpu" && num "$cdb" && num "$kcpu" && num "$kdb"; then
	ct=$(awk -v a="$ccpu" -v b="$cdb" 'BEGIN { print a + b }')
	kt=$(awk -v a="$kcpu" -v b="$kdb" 'BEGIN { print a + b }')
	row "   same, in CPU time: daemon + its database backend" "$(fmt_us "$(awk -v v="$ct" 'BEGIN { print v * 1000 }')") ($(fmt_n "$ccpu") + $(fmt_n "$cdb") ms)" "" "COPY $(fmt_us "$(awk -v v="$kt" 'BEGIN { print v * 1000 }')") ($(fmt_n "$kcpu") + $(fmt_n "$kdb") ms)" "$(ratio "$ct" "$kt")×" ""
fi
row "   snapshot: bytes per assessment" "${bpa:-n/a}" "≤ 32" "RSS $(fmt_n "$rss") kB − empty $(fmt_n "$rse") kB, $(fmt_n "$na") rows" "" "$(verdict "$bpa" "<=" 32)"
if [ -n "$wq_line" ]; then
	wq=$(lgv wquiet readiness p99_us)
	wb=$(lgv wburst readiness p99_us)
	bursts=$(wc -l <"$work/burst.count")
	row "   readers during a write burst: Readiness p99" "$(fmt_us "$wb") (p50 $(fmt_us "$(lgv wburst readiness p50_us)"))" "" "quiet $(fmt_us "$wq") (p50 $(fmt_us "$(lgv wquiet readiness p50_us)")); $bursts bursts of 2,000 RecordAssessments" "$(ratio "$wb" "$wq")×" ""
fi
if [ -n "$live_line" ]; then
	lp=$(field p99_ms "$live_line")
	row "7. Assessment change visible: p99" "$lp ms" "≤ 100 ms" "p50 $(field p50_ms "$live_line") ms, n=$(field n "$live_line")" "" "$(verdict "$lp" "<=" 100)"
else
	row "7. Assessment change visible: p99" "n/a (live data not built yet)" "≤ 100 ms" "" "" "n/a"
fi
# ---- rows: scale-out and fair share (issues 13 and 14) ----
if [ -n "$standby_line" ]; then
	sp=$(field p99_ms "$standby_line")
	pp=$(field p99_ms "$live_line")
	row "   same, through a daemon on a hot standby (poll_ms 100): p99" "$sp ms" "≤ 250 ms" "p50 $(field p50_ms "$standby_line") ms, n=$(field n "$standby_line"); the primary's daemon: p99 ${pp:-n/a} ms" "$(ratio "$sp" "$pp")× primary" "$(verdict "$sp" "<=" 250)"
fi
# feedv MODE on|off KEY: a median from bench_feed_cost
feedv() { field "$3" "$(grep " mode=$1 feed=$2 " "$work/feed.txt" 2>/dev/null)"; }
fmt_kb() { num "$1" && echo "$(fmt_n "$(awk -v v="$1" 'BEGIN { print v / 1024 }')") kB" || echo n/a; }
ms_us() { awk -v v="$1" 'BEGIN { print v * 1000 }'; }
for m in one single; do
	won=$(feedv "$m" on wal_bytes)
	woff=$(feedv "$m" off wal_bytes)
	ton=$(feedv "$m" on ms)
	toff=$(feedv "$m" off ms)
	con=$(feedv "$m" on db_cpu_ms)
	coff=$(feedv "$m" off db_cpu_ms)
	num "$won" || continue
	case $m in
	one) what="10,000 assessment rows in one INSERT" div=1 per="in all" ;;
	single) what="10,000 one-row INSERTs, a transaction each" div=10000 per="per INSERT" ;;
	esac
	extra=$(awk -v a="$won" -v b="$woff" -v n="$div" 'BEGIN { printf "%+.0f", (a - b) / n }')
	row "   change feed's cost to writers, $what: WAL, backend CPU (wall)" "$(fmt_kb "$won") ($extra B $per), $(fmt_us "$(ms_us "$con")") ($(fmt_us "$(ms_us "$ton")"))" "" "without the feed $(fmt_kb "$woff"), $(fmt_us "$(ms_us "$coff")") ($(fmt_us "$(ms_us "$toff")"))" "WAL $(ratio "$won" "$woff")×, CPU $(ratio "$con" "$coff")×" ""
done
if [ -n "$flood_n" ]; then
	for k in bench readiness; do
		q=$(lgv fquiet "$k" p99_us)
		q2=$(lgv fquiet2 "$k" p99_us)
		num "$q2" && { ! num "$q" || awk -v a="$q2" -v b="$q" 'BEGIN { exit !(a < b) }'; } && q=$q2
		f=$(lgv fflood "$k" p99_us)
		rv=$(ratio "$f" "$q")
		case $k in
		bench) what="Bench of one role" ;;
		readiness) what="Readiness of one pair" ;;
		esac
		row "   $what while another client floods the heaviest Readiness from 4 sockets: p99" "$(fmt_us "$f") (p50 $(fmt_us "$(lgv fflood "$k" p50_us)"))" "≤ 5 × quiet" "quiet $(fmt_us "$q") (the lower of before and after); $(fmt_n "$flood_n") heavy requests answered" "$rv×" "$(verdict "$rv" "<=" 5)"
	done
fi
sr=$(peer sql_readiness p50_us)
row "   SQL peer: Readiness one pair p50" "$(fmt_us "$sr")" "" "daemon $(fmt_us "$r1")" "$(ratio "$sr" "$r1")× daemon" ""
row "   mixed load, 32 in flight: req/s, p99" "$(fmt_n "$(lgv mix all rps)"), $(fmt_us "$(lgv mix all p99_us)")" "" "" "" ""
if [ -n "$cg_line" ]; then
	row "   callgrind: instructions for $cg_n requests (mix) at S" "$(fmt_n "$cg_line")" "" "$(fmt_n "$(awk -v v="$cg_line" -v n="$cg_n" 'BEGIN { print v / n }')") per request" "" ""
fi
cgr=$(cat "$work/cg-ready.total" 2>/dev/null)
cge=$(cat "$work/cg-echo.total" 2>/dev/null)
if [ -n "$cgr" ] && [ -n "$cge" ]; then
	cgrr=$(awk -v v="$cgr" -v n="$cg_r" 'BEGIN { print v / n }')
	cger=$(awk -v v="$cge" -v n="$cg_r" 'BEGIN { print v / n }')
	row "   callgrind: instructions per Readiness (one pair), server" "$(fmt_n "$cgrr")" "" "floor $(fmt_n "$cger")" "$(ratio "$cgrr" "$cger")×" ""
fi

machine="$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $ncpu CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
{
	echo "### pathwaysd benchmark, size $size"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $machine · build $build_type · daemon --workers $workers"
	echo "· $(fmt_n "$(get employees)") employees, $(fmt_n "$na") assessments ($(if [ -f "$work/gen-pathways.s" ]; then echo "generated and loaded in $(cat "$work/gen-pathways.s") s"; else echo "reused from an earlier run"; fi)) · load average $loadavg_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo
	echo "| figure | value | target | baseline | ratio | result |"
	echo "|---|---|---|---|---|---|"
	for r in "${rows[@]}"; do
		echo "| ${r//|/ | } |"
	done
	echo
	echo "Where threads ran (client: sched_getcpu at each reply; threads: share of one CPU over the run @ the CPU it last ran on; per request: the server's CPU time and its time runnable but waiting for a CPU, all threads):"
	echo
	echo '```'
	for n in echo1 ready1 echo256 ready256 batch batch_arena batch_raw bench pipeline pipeline_succ path mix echo_core0 ready_core0 echo_split ready_split; do
		[ -s "$work/lg-$n.txt" ] || continue
		l=$(grep ' kind=all ' "$work/lg-$n.txt")
		printf '%-11s client cpu %-10s client %-40s server %s; per request CPU %s µs, waited %s µs\n' "$n" \
			"$(field client_cpu "$l")" "$(field client_threads "$l")" \
			"$(field server_threads "$l")" "$(field server_cpu_us "$l")" \
			"$(field server_wait_us "$l")"
	done
	echo '```'
	echo
	echo "Notes: the floor is tests/bench/echo_floor.c (ROUTER, same socket options, unpacks the RequestHeader and packs a ResponseHeader, echoes the body); it and the daemon's Readiness both answer on the socket's thread. Batch: 1,000 employees × 10 roles per request; end to end = until the client has unpacked the reply (into one arena per reply, as libpathways does). Server CPU and waits are per request, over all the server's threads (schedstat); wall times on a shared machine include the waits. COPY: every table the daemon loads, COPY TO STDOUT into /dev/null (median of 3, warm cache); the daemon's own log says it loaded in ${load_ms:-?} ms. SQL: one prepared statement per question over the schema's own indexes, checked against the daemon's answers: ${check_line:-not checked}."
	if [ -s "$work/feed.txt" ] || [ -n "$standby_line$flood_n" ]; then
		echo
		echo "Scale-out and fair share: the hot standby streams from the bench's cluster (pg_basebackup -R) and its daemon polls the replicated change feed; changes are UPDATEs on the primary, each after a random 0-100 ms wait (so it lands anywhere between two polls), timed until the standby's daemon answers with them (bench_live). The feed's cost (bench_feed_cost, median of 3; the backend's CPU time is the steady figure, wall time swings with other load) is measured in a scratch cluster of its own (fsync and full_page_writes off, as every cluster here), the feed filled to its bound so its pruning runs; without the feed = migration 002's NOTIFY alone, in the same run. The flood: four sockets, two requests in flight each, alternately 100,000 pairs and 2,000 pairs with estimates; the measured client asks Bench and Readiness in turn, one at a time; its quiet p99 is the lower of a run before and one after the flood."
	fi
	if [ -s "$work/callgrind-top.txt" ]; then
		echo
		echo "Callgrind, the mix $cg_mix (top functions, instructions):"
		echo
		echo '```'
		cat "$work/callgrind-top.txt"
		echo '```'
	fi
	if [ ${#failures[@]} -gt 0 ]; then
		echo
		echo "Steps that failed:"
		printf -- '- %s\n' "${failures[@]}"
	fi
} >"$work/table.md"

cat "$work/table.md"
if [ -n "$outfile" ]; then
	cp "$work/table.md" "$outfile"
fi
[ ${#failures[@]} -eq 0 ]
