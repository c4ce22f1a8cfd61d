#!/usr/bin/env bash
# Every test tier, from a clean clone: install what is needed, build, then run
# the unit tests, the fuzz-corpus replays, the integration tests and the
# end-to-end tests against the lab guest under QEMU (meson suites unit, fuzz,
# integration, e2e), and print one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
# The lab kernels are inputs of the integration and e2e tiers: build them first.
lab/build-guest.sh --kernel 6.1 >/dev/null
lab/build-guest.sh --kernel 6.12 >/dev/null
rc=0
meson test -C build --print-errorlogs --num-processes 2 "$@" || rc=$?
python3 scripts/test-summary.py build/meson-logs/testlog.json || rc=1
exit $rc
