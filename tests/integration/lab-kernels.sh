#!/usr/bin/env bash
# Runs PROGRAM on the vmlinux of every lab kernel built (lab/out/manifest-*).
# Skips (77) when no lab kernel was built; scripts/test.sh builds the 6.1 lab
# kernel before the tests run, so CI always has one.
set -euo pipefail
prog=$1
root=${HVS_SOURCE_ROOT:-$(dirname "$0")/../..}
out=${HVS_LAB_DIR:-$root/lab/out}
ran=0
for m in "$out"/manifest-*; do
	[ -f "$m" ] || continue
	vmlinux=$(sed -n 's/^VMLINUX=//p' "$m")
	[ -f "$vmlinux" ] || continue
	echo "== $vmlinux"
	"$prog" "$vmlinux"
	ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
	echo "no lab kernel built (run lab/build-guest.sh): skipped"
	exit 77
fi
