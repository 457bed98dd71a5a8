#!/usr/bin/env bash
# The arrows of docs/architecture.md point only downward: main -> server ->
# methods -> queries -> snapshot; loader -> load -> snapshot. This checks
# the #include lines of the lower layers, so an arrow pointing up (or a
# socket or libpq reaching into a pure layer) fails the build's tests
# instead of waiting for a reviewer.
#   check_layers.sh SOURCE_DIR
set -uo pipefail
src=${1:?usage: check_layers.sh SOURCE_DIR}
cd "$src/daemon" || exit 2
bad=0

# forbid FILES... -- PATTERN WHY: none of FILES may include a header
# matching PATTERN (an extended regex over the name in quotes or <>).
forbid() {
	local why=$1 pattern=$2 f
	shift 2
	for f in "$@"; do
		[ -e "$f" ] || continue
		if grep -HnE "^#[[:space:]]*include[[:space:]]*[<\"]($pattern)[>\"]" "$f"; then
			echo "  ^ $f: $why"
			bad=1
		fi
	done
}

shopt -s nullglob
snapshot=(graph*.c graph*.h)
queries=(query/*.c query/*.h)
pure=("${snapshot[@]}" "${queries[@]}" methods.c methods.h pgtext.c
	pgtext.h persist.c persist.h common/settings.* common/array.*
	common/number.*)

forbid "a pure layer knows no sockets and no libpq" \
	'zmq\.h|libpq-fe\.h' "${pure[@]}"
forbid "queries and the snapshot know nothing of the server, the loader or the writer" \
	'(\.\./)?(server|server_private|loader|load|writer|access|security|config|methods)\.h' \
	"${snapshot[@]}" "${queries[@]}"
forbid "the snapshot knows no query" \
	'(query/)?(query|readiness|gap|path|modules|bench|mentors|audit|placement|roles)\.h' \
	"${snapshot[@]}"
forbid "only the graph files see the snapshot's private storage" \
	'graph_private\.h' "${queries[@]}" methods.c load.c loader.c persist.c \
	server*.c writer.c main.c
forbid "the loading layer does not reach up to the server" \
	'server\.h|server_private\.h|methods\.h' loader.c loader.h load.c load.h \
	pgtext.c persist.c writer.c

if [ "$bad" -ne 0 ]; then
	echo "layers: an arrow points the wrong way (see docs/architecture.md)"
	exit 1
fi
echo "layers: every include points downward"
