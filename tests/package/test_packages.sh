#!/bin/bash
# test_packages.sh SOURCE_DIR BUILD_DIR: the Debian packages, end to end.
#
#  1. cpack builds pathwaysd, libpathways0, libpathways-dev and
#     python3-pathways from BUILD_DIR;
#  2. lintian finds no error and no warning (the rest is overridden, each
#     override with its reason, and no override goes unused);
#  3. each .deb is extracted into one fresh root with `dpkg-deb -x` (dpkg
#     --root would need a dpkg database and the dependencies inside the
#     root), after checking that no two packages ship the same file;
#  4. the installed pathwaysd and pathwaysctl run from there (--version,
#     --help, --check-config on the shipped config);
#  5. a program is built against the installed tree with nothing but
#     `pkg-config --cflags --libs pathways` (PKG_CONFIG_SYSROOT_DIR and
#     PKG_CONFIG_PATH into the root), in C and in C++; the library exports
#     only its API;
#  6. with PostgreSQL (PATHWAYS_TEST_PG, or a private cluster from
#     scripts/pg.sh): the installed pathwaysctl migrates and imports the
#     installed demo, the installed daemon serves it, and both the program
#     of 5 (LD_LIBRARY_PATH into the root) and the installed Python package
#     (PYTHONPATH into the root) call it;
#  7. the installed manual pages render without a groff warning.
#
# Exits 0 when every step passed, 1 on a failure, 77 (skipped) when a step
# needed a tool this machine lacks and everything else passed.
set -u

src=${1:?usage: test_packages.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: test_packages.sh SOURCE_DIR BUILD_DIR}
PY=/usr/bin/python3
skipped=()
daemon_pid=
pg_dir=
db=

work=$(mktemp -d /tmp/pathways-packages.XXXXXX)
chmod 755 "$work"
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill -KILL "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
	fi
	[ -n "$db" ] && psql -X -q -d "$(with_db postgres)" \
		-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
	[ -n "$pg_dir" ] && bash "$src/scripts/pg.sh" destroy "$pg_dir" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

step() { echo "--- $*"; }
with_db() {	# the test cluster's conninfo with another dbname
	if [[ $conninfo == *dbname=* ]]; then
		sed -E "s/dbname=[^ ]+/dbname=$1/" <<<"$conninfo"
	else
		echo "$conninfo dbname=$1"
	fi
}
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIPPED: $*"; skipped+=("$*"); }

for tool in cpack dpkg-deb; do
	command -v $tool >/dev/null ||
		{ echo "SKIPPED: $tool is not installed (apt-get install ${tool/cpack/cmake})"; exit 77; }
done

# ---- 1. build the packages
step "cpack"
out=$work/debs
cpack --config "$build/CPackConfig.cmake" -B "$out" >"$work/cpack.log" 2>&1 ||
	{ cat "$work/cpack.log"; fail "cpack"; }
pkgs=(pathwaysd libpathways0 libpathways-dev python3-pathways)
debs=()
for p in "${pkgs[@]}"; do
	d=$(ls "$out"/${p}_*.deb 2>/dev/null)
	[ -n "$d" ] || { ls "$out"; fail "no $p package"; }
	debs+=("$d")
	echo "$(basename "$d")"
done
[ "$(dpkg-deb -f "$out"/python3-pathways_*.deb Architecture)" = all ] ||
	fail "python3-pathways is not Architecture: all"

# ---- 2. lintian
step "lintian"
if command -v lintian >/dev/null; then
	# --show-overrides prints what the overrides silence as "O:" lines;
	# anything left as "E:" or "W:" fails
	lintian --info --show-overrides "${debs[@]}" >"$work/lintian.log" 2>&1
	grep -v '^N:' "$work/lintian.log"
	if grep -E '^[EW]: ' "$work/lintian.log" >/dev/null; then
		fail "lintian reports errors or warnings"
	fi
	grep -E '^O: ' "$work/lintian.log" | sort -u >"$work/used"
	for f in "$src"/packaging/lintian/*; do
		p=$(basename "$f")
		dpkg-deb -c "$out"/${p}_*.deb |
			grep "usr/share/lintian/overrides/$p\$" >/dev/null ||
			fail "$p does not ship its lintian overrides"
		# every override says why (a comment right above it) and
		# silences something (lintian 2.116 does not always say
		# unused-override)
		awk -v f="$f" '/^#/ { why = 1; next }
			/^[^ ]/ { if (!why) { print f ": no reason for: " $0; bad = 1 } }
			/^$/ { why = 0 }
			END { exit bad }' "$f" || fail "an override without a reason"
		grep -v -E '^(#|$)' "$f" | while read -r pkg tag rest; do
			grep -F "O: $pkg $tag" "$work/used" >/dev/null ||
				{ echo "unused override in $f: $pkg $tag $rest"; exit 1; }
		done || fail "a lintian override silences nothing"
	done
else
	skip "lintian is not installed (apt-get install lintian)"
fi

# ---- 3. extract into a fresh root
step "extract into a fresh root (dpkg-deb -x)"
root=$work/root
mkdir -p "$root"
for d in "${debs[@]}"; do
	dpkg-deb -c "$d" | awk '$1 !~ /^d/ { print $6 }' >>"$work/files"
	dpkg-deb -x "$d" "$root" || fail "dpkg-deb -x $d"
done
dups=$(sort "$work/files" | uniq -d)
[ -z "$dups" ] || fail "files in more than one package: $dups"
for f in usr/bin/pathwaysd usr/bin/pathwaysctl etc/pathwaysd/pathwaysd.conf \
	etc/logrotate.d/pathwaysd usr/lib/systemd/system/pathwaysd.service \
	usr/share/bash-completion/completions/pathwaysctl \
	usr/include/libpathways.h usr/include/pathways/v1/pathways.pb-c.h \
	usr/share/pathwaysd/proto/pathways/v1/pathways.proto \
	usr/lib/python3/dist-packages/pathways/v1/pathways_pb2.py; do
	[ -e "$root/$f" ] || fail "/$f is not installed"
done
for p in "${pkgs[@]}"; do
	for f in copyright changelog.gz; do
		[ -f "$root/usr/share/doc/$p/$f" ] || fail "$p has no $f"
	done
done
libdir=$(dirname "$(find "$root/usr/lib" -name libpathways.so.0 | head -1)")
[ -e "$libdir/libpathways.so.0" ] || fail "no libpathways.so.0"
pcdir=$libdir/pkgconfig

# ---- 4. the installed binaries run
step "installed pathwaysd and pathwaysctl"
version=$(sed -n 's/^Version: //p' "$pcdir/pathways.pc")
"$root/usr/bin/pathwaysd" --version | grep -qx "pathwaysd $version" ||
	fail "pathwaysd --version is not $version"
"$root/usr/bin/pathwaysctl" --version | grep -q " $version\$" ||
	fail "pathwaysctl --version is not $version"
"$root/usr/bin/pathwaysd" --help | grep -q '^usage: pathwaysd' ||
	fail "pathwaysd --help"
"$root/usr/bin/pathwaysctl" --help | grep -q '^usage: pathwaysctl' ||
	fail "pathwaysctl --help"
"$root/usr/bin/pathwaysd" --check-config \
	--config "$root/etc/pathwaysd/pathwaysd.conf" ||
	fail "the shipped config does not pass --check-config"
echo "pathwaysd $version, pathwaysctl $version"

# ---- 5. build against the installed tree with pkg-config only
step "pkg-config build against the installed tree"
if command -v pkg-config >/dev/null && command -v cc >/dev/null; then
	pc() {
		PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$pcdir \
			pkg-config "$@" pathways
	}
	flags=$(pc --cflags --libs) || fail "pkg-config --cflags --libs pathways"
	echo "pkg-config: $flags"
	# shellcheck disable=SC2086  # the flags are words
	cc -std=c11 -Wall -Werror -o "$work/pw_health" \
		"$src/tests/package/pw_health.c" $flags ||
		fail "cc against the installed tree"
	readelf -d "$work/pw_health" | grep -q 'NEEDED.*\[libpathways\.so\.0\]' ||
		fail "pw_health is not linked to libpathways.so.0"
	if command -v c++ >/dev/null; then
		# the header's extern "C": a C++ caller links to the C symbols
		printf '#include <libpathways.h>\nint main() { return pw_version()[0] == 0; }\n' \
			>"$work/cxx.cc"
		# shellcheck disable=SC2086
		c++ -Wall -Werror -o "$work/cxx" "$work/cxx.cc" $flags ||
			fail "c++ against the installed tree"
		LD_LIBRARY_PATH=$libdir "$work/cxx" || fail "the C++ program"
	else
		skip "c++ is not installed: the extern \"C\" check (apt-get install g++)"
	fi
	# the library exports its API and the generated protobuf-c code only
	other=$(nm -D --defined-only "$libdir/libpathways.so.0" |
		awk '{ print $3 }' | grep -v -E '^(pw_|pathways__v1__|PATHWAYS_0$)')
	[ -z "$other" ] || fail "libpathways.so.0 exports more than its API: $other"
else
	skip "pkg-config or cc is not installed: the build against the installed tree"
fi

# ---- 6. the installed daemon, CLI, C program and Python package, live
step "live: the installed daemon answers"
pythonpath=$root/usr/lib/python3/dist-packages
PYTHONPATH=$pythonpath $PY -c 'import pathways; print("python:", pathways.__file__)' ||
	fail "import pathways from the installed tree"
case $(PYTHONPATH=$pythonpath $PY -c 'import pathways; print(pathways.__file__)') in
"$pythonpath"/*) ;;
*) fail "import pathways did not load the installed package" ;;
esac
conninfo=${PATHWAYS_TEST_PG:-}
if [ -z "$conninfo" ] && { command -v initdb >/dev/null ||
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }; then
	pg_dir=$work/pg
	conninfo=$(bash "$src/scripts/pg.sh" start "$pg_dir" | tail -1) ||
		fail "scripts/pg.sh start"
fi
if [ -n "$conninfo" ]; then
	psql -X -q -d "$(with_db postgres)" -c "CREATE DATABASE pkg_$$" ||
		fail "CREATE DATABASE"
	db=pkg_$$
	dbc=$(with_db "$db")
	"$root/usr/bin/pathwaysctl" --db "$dbc" migrate >"$work/ctl.log" 2>&1 ||
		{ cat "$work/ctl.log"; fail "installed pathwaysctl migrate"; }
	"$root/usr/bin/pathwaysctl" --db "$dbc" import \
		"$root/usr/share/pathwaysd/sql/demo" >"$work/ctl.log" 2>&1 ||
		{ cat "$work/ctl.log"; fail "installed pathwaysctl import of the installed demo"; }
	port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	endpoint=tcp://127.0.0.1:$port
	"$root/usr/bin/pathwaysd" --config "$root/etc/pathwaysd/pathwaysd.conf" \
		--listen "$endpoint" --db "$dbc" --workers 2 >"$work/daemon.log" 2>&1 &
	daemon_pid=$!
	PYTHONPATH=$pythonpath $PY - "$endpoint" <<'PYEOF' || { cat "$work/daemon.log"; fail "the installed Python package against the installed daemon"; }
import sys, time
import pathways
with pathways.Client(sys.argv[1], timeout=2.0) as c:
    deadline = time.time() + 60
    while True:
        try:
            h = c.health()
            if h.serving:
                break
        except pathways.Timeout:
            pass
        if time.time() > deadline:
            sys.exit("not serving within 60 s")
        time.sleep(0.1)
    r = c.readiness(employee_ids=["E1002"], role_keys=["fin-ic-3"])
    assert len(r.results) == 1, r
    try:
        c.readiness(employee_ids=["nobody"], role_keys=["fin-ic-3"])
        sys.exit("an unknown employee did not raise")
    except pathways.NotFound as e:
        assert e.code == 5, e
    print("python: daemon %s serving %d roles; E1002 for fin-ic-3: %.1f"
          % (h.version, h.roles, r.results[0].readiness))
PYEOF
	if [ -x "$work/pw_health" ]; then
		LD_LIBRARY_PATH=$libdir "$work/pw_health" "$endpoint" ||
			fail "the pkg-config program against the installed daemon"
	fi
	"$root/usr/bin/pathwaysctl" --endpoint "$endpoint" health >/dev/null ||
		fail "installed pathwaysctl health"
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	rc=$?
	daemon_pid=
	[ $rc -eq 0 ] || { cat "$work/daemon.log"; fail "pathwaysd exited $rc on SIGTERM"; }
else
	skip "no PostgreSQL (set PATHWAYS_TEST_PG or install postgresql): the live checks"
fi

# ---- 7. manual pages
step "manual pages render"
mkdir -p "$work/man"
pages=()
for gz in "$root"/usr/share/man/man*/*.gz; do
	[ -e "$gz" ] || fail "no manual page installed"
	p=$work/man/$(basename "$gz" .gz)
	gzip -dc "$gz" >"$p" || fail "gzip -d $gz"
	pages+=("$p")
done
bash "$src/docs/tests/man_lint.sh" "${pages[@]}"
rc=$?
if [ $rc -eq 77 ]; then
	skip "groff is not installed: the manual pages (apt-get install groff-base)"
elif [ $rc -ne 0 ]; then
	fail "a manual page does not render cleanly"
fi

if [ ${#skipped[@]} -gt 0 ]; then
	printf 'SKIPPED: %s\n' "${skipped[@]}"
	exit 77
fi
echo "packages: all checks passed"
