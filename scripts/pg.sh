#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster reachable only over a Unix socket.
#
#   pg.sh start DIR     create (initdb) if needed, start, create database
#                       "pathways"; print the conninfo (one line on stdout)
#   pg.sh restart DIR   start an existing cluster again (same port); conninfo
#   pg.sh stop DIR      fast shutdown (no error if not running)
#   pg.sh kill DIR      immediate shutdown, as in an outage
#   pg.sh destroy DIR   immediate shutdown, then rm -rf DIR
#   pg.sh conninfo DIR  print the conninfo
#   pg.sh status DIR    exit 0 when running, 3 when not
#   pg.sh standby DIR PRIMARY   a hot standby of the cluster in PRIMARY
#                       (pg_basebackup -R: streaming replication over its
#                       socket) in DIR, started; print its conninfo
#   pg.sh promote DIR   promote the standby in DIR (pg_ctl promote)
#   pg.sh follow DIR PRIMARY    point the standby in DIR at the cluster in
#                       PRIMARY (after a promotion), reload
#
# Layout: DIR/data (the cluster), DIR/postgres.log, DIR/port, and the socket
# DIR/.s.PGSQL.PORT. The conninfo is "host=DIR port=PORT dbname=pathways
# user=postgres" (trust authentication).
#
# initdb refuses to run as root, so as root the cluster belongs to the
# "postgres" system user (created if missing) and every server command runs
# through runuser. Anyone else runs it as themselves.
set -euo pipefail

prog=${0##*/}
die() { echo "$prog: $*" >&2; exit 1; }
usage() {
	echo "usage: $prog start|restart|stop|kill|destroy|conninfo|status DIR" >&2
	echo "       $prog standby|follow DIR PRIMARY_DIR" >&2
	echo "       $prog promote DIR" >&2
	exit 2
}

[ $# -eq 2 ] || { [ $# -eq 3 ] && { [ "$1" = standby ] || [ "$1" = follow ]; }; } ||
	usage
cmd=$1
dir=$2
[ -n "$dir" ] || usage
primary_dir=
if [ $# -eq 3 ]; then
	primary_dir=$(realpath -m -- "$3")
	[ -f "$primary_dir/port" ] || die "no cluster in $3"
fi

# The directory goes into postgresql.conf and into a conninfo unquoted.
case $dir in
*[[:space:]\'\"\\,=]*) die "DIR must not contain spaces, quotes, commas or '='" ;;
esac
case $dir in
/*) ;;
*) dir=$PWD/$dir ;;
esac
dir=$(realpath -m -- "$dir")
data=$dir/data
portfile=$dir/port
logfile=$dir/postgres.log

if command -v pg_config >/dev/null 2>&1 &&
	[ -x "$(pg_config --bindir)/pg_ctl" ]; then
	bindir=$(pg_config --bindir)
else
	bindir=/usr/lib/postgresql/15/bin
fi
[ -x "$bindir/pg_ctl" ] || die "no PostgreSQL server binaries in $bindir"

is_root() { [ "$(id -u)" -eq 0 ]; }

# The user that owns (or will own) the cluster.
owner() {
	if ! is_root; then
		id -un
	elif [ -d "$data" ]; then
		stat -c %U "$data"
	else
		echo postgres
	fi
}

# Run a server command as the cluster's owner, from a directory it can enter.
as_owner() {
	local u
	u=$(owner)
	if is_root && [ "$u" != root ]; then
		(cd / && runuser -u "$u" -- "$@")
	else
		(cd / && "$@")
	fi
}

ensure_postgres_user() {
	id -u postgres >/dev/null 2>&1 && return 0
	useradd --system --user-group --home-dir /var/lib/postgresql \
		--no-create-home --shell /bin/bash postgres ||
		die "cannot create the postgres user"
}

# As root, the postgres user must be able to reach DIR. Directories we own
# under the temporary directory (mktemp -d makes them 0700) are opened with
# o+x; anything else is left alone and reported.
make_traversable() {
	local u=$1 d tmp
	tmp=$(realpath -m -- "${TMPDIR:-/tmp}")
	d=$(dirname -- "$dir")
	while [ "$d" != / ]; do
		if ! runuser -u "$u" -- test -x "$d" 2>/dev/null; then
			case $d in
			"$tmp"/* | /tmp/*)
				[ "$(stat -c %u "$d")" -eq 0 ] ||
					die "$u cannot enter $d"
				chmod o+x "$d"
				;;
			*) die "$u cannot enter $d: choose a DIR under /tmp" ;;
			esac
		fi
		d=$(dirname -- "$d")
	done
}

is_running() {
	[ -f "$data/PG_VERSION" ] || return 1
	as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

conninfo() {
	[ -f "$portfile" ] || die "no cluster in $dir"
	echo "host=$dir port=$(cat "$portfile") dbname=pathways user=postgres"
}

port_is_free() {
	local p=$1
	[ -e "$dir/.s.PGSQL.$p" ] && return 1
	if command -v ss >/dev/null 2>&1; then
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . && return 1
	fi
	return 0
}

pick_port() {
	local i p
	for i in $(seq 1 50); do
		p=$((54320 + RANDOM % 1000))
		if port_is_free "$p"; then
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

# Run a command quietly; on failure show its output and the server log.
quiet() {
	local out
	if ! out=$("$@" 2>&1); then
		echo "$out" >&2
		[ -f "$logfile" ] && tail -n 20 "$logfile" >&2
		die "failed: $*"
	fi
}

# DIR made, owned by the cluster's user, reachable; sets the caller's u
# (the owner when root) and port (a free one).
prepare_dir() {
	mkdir -p -- "$dir"
	if is_root; then
		ensure_postgres_user
		u=postgres
		make_traversable "$u"
		chown "$u": "$dir"
	fi
	chmod 755 "$dir"
	port=$(pick_port)
	# The socket path (DIR/.s.PGSQL.PORT) must fit in sun_path (108 bytes).
	[ $((${#dir} + 15)) -lt 108 ] || die "DIR path too long for a Unix socket"
}

init_cluster() {
	local u port
	prepare_dir
	quiet as_owner "$bindir/initdb" -D "$data" -U postgres -A trust \
		--no-sync -E UTF8 --locale=C
	cat >>"$data/postgresql.conf" <<-CONF

	# pathwaysd private test cluster (scripts/pg.sh)
	listen_addresses = ''
	unix_socket_directories = '$dir'
	unix_socket_permissions = 0777
	port = $port
	fsync = off
	full_page_writes = off
	max_connections = 200
	log_min_messages = warning
	log_line_prefix = '%m [%p] %d '
	CONF
	echo "$port" >"$portfile.tmp"
	mv "$portfile.tmp" "$portfile"
	if is_root; then
		chown "$u": "$portfile"
	fi
}

start_server() {
	# A server killed with SIGKILL leaves a stale postmaster.pid behind;
	# pg_ctl/postgres detect that themselves when the pid is gone.
	quiet as_owner "$bindir/pg_ctl" -D "$data" -l "$logfile" -w -t 60 start
}

ensure_database() {
	local psql=("$bindir/psql" -X -q -A -t -v ON_ERROR_STOP=1
		-h "$dir" -p "$(cat "$portfile")" -U postgres -d postgres)
	local exists
	exists=$("${psql[@]}" -c \
		"SELECT 1 FROM pg_database WHERE datname = 'pathways'")
	if [ "$exists" != 1 ]; then
		quiet "${psql[@]}" -c "CREATE DATABASE pathways"
	fi
}

# The primary's conninfo for replication, over its socket.
primary_conninfo() {
	echo "host=$primary_dir port=$(cat "$primary_dir/port") user=postgres application_name=$(basename -- "$dir")"
}

make_standby() {
	local u port
	[ ! -e "$data" ] || die "$dir already holds a cluster"
	prepare_dir
	quiet as_owner "$bindir/pg_basebackup" -D "$data" -R -X stream \
		-c fast -d "$(primary_conninfo)"
	# the copied postgresql.conf names the primary's port and socket:
	# later lines win
	cat >>"$data/postgresql.conf" <<-CONF

	# hot standby (scripts/pg.sh standby)
	unix_socket_directories = '$dir'
	port = $port
	hot_standby = on
	CONF
	echo "$port" >"$portfile.tmp"
	mv "$portfile.tmp" "$portfile"
	if is_root; then
		chown "$u": "$portfile"
	fi
}

case $cmd in
standby)
	make_standby
	start_server
	conninfo
	;;
promote)
	is_running || die "no server running in $dir"
	quiet as_owner "$bindir/pg_ctl" -D "$data" -w -t 60 promote
	;;
follow)
	is_running || die "no server running in $dir"
	echo "primary_conninfo = '$(primary_conninfo)'" >>"$data/postgresql.auto.conf"
	quiet as_owner "$bindir/pg_ctl" -D "$data" reload
	;;
start)
	if [ ! -f "$data/PG_VERSION" ]; then
		if [ -d "$dir" ] && [ -n "$(ls -A -- "$dir")" ] &&
			[ ! -f "$portfile" ]; then
			die "$dir exists, is not empty and holds no cluster"
		fi
		rm -rf -- "$data"
		init_cluster
	fi
	is_running || start_server
	ensure_database
	conninfo
	;;
restart)
	[ -f "$data/PG_VERSION" ] && [ -f "$portfile" ] ||
		die "no cluster in $dir"
	is_running || start_server
	ensure_database
	conninfo
	;;
stop | kill)
	mode=fast
	[ "$cmd" = kill ] && mode=immediate
	if is_running; then
		quiet as_owner "$bindir/pg_ctl" -D "$data" -m "$mode" -w stop
	fi
	;;
destroy)
	[ -e "$dir" ] || exit 0
	# Refuse to delete a directory that is not one of ours.
	if [ -n "$(ls -A -- "$dir")" ] && [ ! -f "$portfile" ] &&
		[ ! -f "$data/PG_VERSION" ]; then
		die "$dir holds no cluster made by $prog; not removing it"
	fi
	if is_running; then
		quiet as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w stop
	fi
	rm -rf -- "$dir"
	;;
conninfo)
	conninfo
	;;
status)
	is_running || exit 3
	;;
*)
	usage
	;;
esac
