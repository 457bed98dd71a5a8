#!/bin/bash
# completion.sh COMPLETION_FILE PATHWAYSCTL: sources the bash completion and
# checks that it completes what the real CLI accepts: every command of
# `pathwaysctl --help` and every flag of each command's usage line, nothing
# else, plus a few values.
set -u
comp=$1
ctl=$2
failures=0

# shellcheck source=/dev/null
. "$comp" || { echo "completion: cannot source $comp"; exit 1; }

# complete WORD...: COMPREPLY for the last word, sorted, on one line
complete_words()
{
	COMP_WORDS=(pathwaysctl "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_pathwaysctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect()
{
	local want=$1 got
	shift
	got=$(complete_words "$@")
	if [ "$got" != "$want" ]; then
		echo "FAIL: pathwaysctl $*<TAB>: got '$got', want '$want'"
		failures=$((failures + 1))
	else
		echo "ok: pathwaysctl $*<TAB> -> $got"
	fi
}

# the commands, as the CLI lists them
cmds=$("$ctl" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')
[ -n "$cmds" ] || { echo "completion: no commands in '$ctl --help'"; exit 1; }
expect "$cmds" ""

# each command's flags, from its usage line, plus the global options
globals=$("$ctl" --help | awk '/^Options/ { on = 1; next } /^Commands:/ { on = 0 } on' |
	grep -oE -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')
for c in $cmds; do
	flags=$("$ctl" "$c" --help | head -1 | grep -oE -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')
	want=$(printf '%s\n' $flags $globals | sort -u | tr '\n' ' ' | sed 's/ $//')
	expect "$want" "$c" "--"
done

# a few by hand: prefixes, options before the command, values
expect "readiness record-assessment record-completion roles" "r"
expect "readiness" "--json" "-e" "tcp://127.0.0.1:5555" "rea"
expect "--from-employee --from-role" "path" "--fr"
expect "promotion" "path" "--kinds" "pro"
expect "lateral,track_switch" "path" "--kinds" "lateral,tr"
expect "peer" "record-assessment" "--source" "pe"
expect "" "readiness" "--role" ""
expect "--json" "--js"

if [ "$failures" -ne 0 ]; then
	echo "completion: $failures failed"
	exit 1
fi
echo "completion: all passed"
