#!/bin/sh
# golden.sh HVSCOPE SYNTH_IMAGE [--update] - the CLI's exact output on one
# fixed synthetic guest against the snapshots in this directory.
#
# The guest is 'SYNTH_IMAGE --golden': 4-level paging, 6.1 kallsyms layout,
# raw image, the default tasks of tests/fixtures/synth_image.c; every address
# in it is fixed, so the output is deterministic up to what varies by run,
# which is normalised here before comparing:
#   - "found in 12.3 ms" (kernel)      -> "found in N ms"
#   - "open_ms": 12.345 (kernel --json) -> "open_ms": 0
# Paths need no normalisation: each command runs in a temporary directory on
# the relative image path 'synth-4level.raw' with a fresh relative
# '--cache-dir cache' (so every run is a cold start, "profile": "memory", and
# the cache file name is the SHA-256 of the banner).
#
# Snapshot <name> is the stdout of:
#   ps.txt        hvscope ps          ps-tree.txt  hvscope ps --tree
#   ps.json       hvscope ps --json   kernel.txt   hvscope kernel
#   kernel.json   hvscope kernel --json
# Without --update, prints a unified diff per mismatch and exits 1. With
# --update (scripts/update-golden), rewrites the snapshots: review with git diff.
set -eu
abspath() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
HVSCOPE=$(abspath "$1")
SYNTH=$(abspath "$2")
update=${3:-}
golden=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/hvs-golden.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
cd "$dir"
"$SYNTH" --golden synth-4level.raw
mkdir out

fail=0
snap() {        # snap NAME ARGS...
	name=$1
	shift
	rm -rf cache
	rc=0
	"$HVSCOPE" "$@" --image synth-4level.raw --cache-dir cache >raw 2>err || rc=$?
	if [ "$rc" -ne 0 ] || [ -s err ]; then
		echo "FAIL $name: hvscope $* exited $rc: $(cat err)"
		fail=1
	fi
	sed -e 's/^\(found in  *\)[0-9][0-9.]* ms$/\1N ms/' \
	    -e 's/^\(  "open_ms":\) *[0-9][0-9.e+-]*$/\1 0/' raw >"out/$name"
	if [ "$update" = --update ]; then
		cp "out/$name" "$golden/$name"
	elif ! diff -u "$golden/$name" "out/$name"; then
		echo "FAIL $name: output differs from tests/golden/$name (scripts/update-golden regenerates it)"
		fail=1
	else
		echo "ok   $name"
	fi
}
snap ps.txt ps
snap ps-tree.txt ps --tree
snap ps.json ps --json
snap kernel.txt kernel
snap kernel.json kernel --json
exit $fail
