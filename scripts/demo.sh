#!/usr/bin/env bash
# The demo: build pathwaysd, load the demo organization (sql/demo) into a
# private PostgreSQL, start the daemon and ask it real questions.
# Interactive (stdin is a terminal): keeps serving until Ctrl-C.
# Otherwise: stops right after the answers. Everything is cleaned up on exit.
#
#   PATHWAYS_DEMO_PORT   TCP port of the daemon on 127.0.0.1 (default 5555)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
port=${PATHWAYS_DEMO_PORT:-5555}
endpoint=tcp://127.0.0.1:$port
daemon=$root/build/daemon/pathwaysd
ctl=$root/build/client/pathwaysctl

work=""
daemon_pid=""

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$daemon_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	if [ -n "$work" ]; then
		bash "$root/scripts/pg.sh" destroy "$work/pg" >/dev/null 2>&1 || true
		rm -rf -- "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -t 1 ]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi
# Echo a command (arguments with spaces quoted, paths relative), then run it.
run() {
	local a line="\$"
	for a in "${@#"$root"/}"; do
		case $a in
		*[[:space:]]*) line+=" \"$a\"" ;;
		*) line+=" $a" ;;
		esac
	done
	printf '%s\n' "$line"
	"$@"
}

step "Dependencies"
bash scripts/setup.sh

step "Build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2

step "Private PostgreSQL"
work=$(mktemp -d /tmp/pathways-demo.XXXXXX)
chmod 755 "$work"
conninfo=$(bash scripts/pg.sh start "$work/pg")
echo "$conninfo"

step "Schema and demo organization"
run "$ctl" --db "$conninfo" migrate
run "$ctl" --db "$conninfo" import sql/demo

step "Daemon on $endpoint"
"$daemon" --db "$conninfo" --listen "$endpoint" --foreground \
	>"$work/pathwaysd.log" 2>&1 &
daemon_pid=$!
ready=0
for _ in $(seq 1 60); do
	if ! kill -0 "$daemon_pid" 2>/dev/null; then
		break
	fi
	# up and serving: Health answers before the first snapshot is loaded
	if "$ctl" --endpoint "$endpoint" --json health 2>/dev/null |
		grep -q '"serving": *true'; then
		ready=1
		break
	fi
	sleep 0.5
done
if [ "$ready" -ne 1 ]; then
	echo "demo: pathwaysd did not start serving within 30 s; its log:" >&2
	tail -n 40 "$work/pathwaysd.log" >&2 || true
	exit 1
fi
echo "pathwaysd is up (pid $daemon_pid)"

ctl() { run "$ctl" --endpoint "$endpoint" "$@"; }

step "Health"
ctl health

step "Roles of the framework (3 areas, IC and management ladders)"
ctl roles

step "Readiness of three employees for every role one move away"
# E1001 Senior Operations Analyst, E1002 Financial Analyst (a certification
# outranks an older manager rating), E1003 Lead Marketing Specialist.
ctl readiness E1001 E1002 E1003

step "A new hire and the next rung of the ladder"
ctl readiness E1005 --role fin-ic-2

step "Ready on paper, blocked by a must-have"
# E1004 scores above 90 for Director of Operations but lacks the required
# people-leadership level: READY_SOON, not READY_NOW.
ctl readiness E1004 --role ops-mgr-5

step "Gap of a senior analyst who would like to lead a team"
ctl gap E1001 ops-mgr-3

step "Staircase, not ladder: routes from a senior analyst to Operations Manager"
ctl path --from-employee E1001 --to ops-mgr-4 --routes 3

step "What the LMS should offer next to close that gap"
ctl modules E1001 ops-mgr-3

step "Who could step into Operations Manager, and is the pipeline fair?"
ctl bench ops-mgr-4 --limit 5 --by employment_type

step "Pressure-testing the framework"
ctl audit

if [ -t 0 ]; then
	step "Serving on $endpoint"
	echo "Ask it more from another terminal:"
	echo "  ${ctl#"$root"/} --endpoint $endpoint COMMAND ..."
	echo "Press Ctrl-C to stop."
	wait "$daemon_pid" || true
	daemon_pid=""
	echo "demo: pathwaysd exited; its log:"
	tail -n 20 "$work/pathwaysd.log"
fi
