#!/usr/bin/env bash
# The main job, from a clean clone: install what is needed, build hvscope,
# build and boot the lab guest (a real Debian Linux under QEMU, KASLR on), and
# show the guest's processes from the hypervisor side. The VM is stopped and
# its files removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
lab/build-guest.sh >&2

name="demo-$$"
trap 'lab/run-guest.sh stop --name "$name" >/dev/null 2>&1 || true' EXIT
eval "$(lab/run-guest.sh start --name "$name" --kaslr on)"

echo
echo "== the guest kernel, found in guest memory (no profile, no agent)"
build/tools/hvscope/hvscope kernel --vm "$HVS_QMP"
echo
echo "== hvscope ps --tree --vm $HVS_QMP"
build/tools/hvscope/hvscope ps --tree --vm "$HVS_QMP"
echo
echo "== for comparison, the guest's own ps (over its serial console)"
lab/guest-exec --serial "$HVS_SERIAL" -- ps -o pid,ppid,user,comm,args
