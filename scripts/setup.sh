#!/usr/bin/env bash
# Install every build, run and test dependency of pathwaysd on Debian 12.
# Idempotent: when everything is already installed, apt is not touched.
set -euo pipefail

PACKAGES=(
	# build
	gcc g++ make cmake pkg-config git ca-certificates
	libzmq3-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
	libpq-dev
	# the HTTP side door: HTTP(S), JSON, token hashes
	libmicrohttpd-dev libjansson-dev libsodium-dev
	# tests: unit, sanitizers, fuzzing, leaks
	libcriterion-dev clang libclang-rt-14-dev llvm valgrind
	# run and integration tests: private PostgreSQL, Python client
	postgresql-15 postgresql-client-15
	python3 python3-zmq python3-protobuf
	# the HTTP door's tests: a real Prometheus text parser, curl, openssl
	python3-prometheus-client curl openssl
	# docs: man pages built from scdoc sources, checked with groff
	scdoc groff-base
	# packages: .deb files from cpack (dpkg-dev: dpkg-shlibdeps), checked
	# with lintian (tests/package/test_packages.sh)
	dpkg-dev lintian
	# scripts: runuser/useradd, pgrep/ps, ss, docs graphs
	util-linux passwd procps iproute2 graphviz
	# service tests: systemd-analyze, sysusers, tmpfiles, a user manager
	systemd
)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#PACKAGES[@]} packages already installed"
	exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		echo "setup: missing packages (${missing[*]}) and not root, no sudo" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: installed ${#missing[@]} missing package(s): ${missing[*]}"
