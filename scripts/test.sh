#!/usr/bin/env bash
# Every test tier, from a clean clone: install what is needed, build, then run
# the unit tests, the fuzz-corpus replays, the integration tests and the
# end-to-end tests against the lab guest under QEMU (meson suites unit, fuzz,
# integration, e2e) in two builds:
#   build       gcc, warnings are errors                      all suites
#   build-asan  clang, AddressSanitizer + UndefinedBehavior   all suites
# and print one summary line. Extra arguments go to both meson test runs
# (e.g. --suite unit).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
meson configure build -Dwerror=true >/dev/null
ninja -C build >/dev/null
if [ ! -f build-asan/build.ninja ]; then
	CC=clang meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C build-asan >/dev/null
# The lab kernels are inputs of the integration and e2e tiers: build them first.
lab/build-guest.sh --kernel 6.1 >/dev/null
lab/build-guest.sh --kernel 6.12 >/dev/null

rc=0
for b in build build-asan; do
	echo "== $b"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$b" --print-errorlogs --num-processes 2 "$@" || rc=$?
	cp "$b/meson-logs/testlog.json" "$b/meson-logs/testlog-$b.json"
done
python3 scripts/test-summary.py build/meson-logs/testlog-build.json build-asan/meson-logs/testlog-build-asan.json || rc=1
exit $rc
