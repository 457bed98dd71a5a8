#!/bin/bash
# man_lint.sh PAGE...: renders each roff page with groff's warnings on and
# fails on any warning, so a page that builds but reads wrong (an unknown
# macro, a bad escape, an overlong line) does not ship. Exits 77 (skipped)
# without groff.
set -u
if ! command -v groff >/dev/null; then
	echo "man_lint: SKIPPED: groff is not installed (apt-get install groff)"
	exit 77
fi
status=0
for page in "$@"; do
	if [ ! -s "$page" ]; then
		echo "man_lint: $page: missing or empty"
		status=1
		continue
	fi
	# -ww: every warning; -z: discard the output; -rCHECKSTYLE=3: the
	# an macros' own style checks (groff >= 1.23 knows it)
	out=$(LC_ALL=C.UTF-8 groff -ww -z -rCHECKSTYLE=3 -man -Tutf8 "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "man_lint: $page:"
		echo "$out"
		status=1
	else
		echo "man_lint: $page: no warnings"
	fi
done
exit $status
