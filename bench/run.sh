#!/usr/bin/env bash
# Builds and runs every benchmark; each prints its own figures. Not a test:
# nothing here passes or fails on timing. Arguments (--runs N, --hvscope PATH)
# go to every lab-guest benchmark: bench_ps.py, bench_views.py, bench_acquire.py, bench_triage.py.
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
echo
echo "== bench/bench_views.py (boots the lab guest)"
python3 bench/bench_views.py "$@"
echo
echo "== bench/bench_acquire.py (boots the lab guest)"
python3 bench/bench_acquire.py "$@"
echo
echo "== bench/bench_kvm_trace.py (bare-metal guests under -accel kvm; skips without /dev/kvm)"
python3 bench/bench_kvm_trace.py || true
echo
echo "== bench/bench_watch.py (boots the lab guest)"
python3 bench/bench_watch.py
echo "== bench/bench_triage.py (boots the lab guest)"
python3 bench/bench_triage.py "$@"
