#!/usr/bin/env bash
# Builds and runs every benchmark; each prints its own figures. Not a test:
# nothing here passes or fails on timing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
for b in build/bench/bench-*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	echo "== $b"
	"$b"
	echo
done
echo "== bench/bench_ps.py (boots the lab guest)"
python3 bench/bench_ps.py "$@"
