#!/bin/bash
# Load a lab kernel module (lab/rootkits/MODULE.c) into a running lab guest.
#
#   lab/rootkits/insmod.sh --name NAME MODULE [PARAM=VALUE...]
#
# Asks the guest its kernel release (uname -r), builds MODULE.ko for it with
# lab/rootkits/build.sh (the lab/out/manifest-* whose KVER matches), copies
# it into the guest's /tmp over the serial console (base64; about 1 s for
# 10 KiB) and runs insmod there. Prints insmod's output; exits with its
# status. The VM must have been started by lab/run-guest.sh with the same
# HVS_RUN_DIR.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$(cd "$HERE/.." && pwd)
OUT=${HVS_LAB_DIR:-$LAB/out}

name=
if [[ ${1:-} == --name ]]; then
	name=${2:-}
	shift 2 || true
fi
[[ -n $name && $# -ge 1 ]] || { echo "usage: insmod.sh --name NAME MODULE [PARAM=VALUE...]" >&2; exit 2; }
mod=$1
shift
[[ $mod =~ ^[A-Za-z0-9_]+$ ]] || { echo "insmod.sh: bad module name $mod" >&2; exit 2; }
for p in "$@"; do
	[[ $p =~ ^[A-Za-z0-9_]+=[A-Za-z0-9_.,-]*$ ]] || { echo "insmod.sh: bad parameter $p" >&2; exit 2; }
done
gexec() { "$LAB/guest-exec" --name "$name" --timeout 60 -- "$@"; }

kver=$(gexec "uname -r" | tr -d '\r\n')
series=
for m in "$OUT"/manifest-*; do
	if [[ $(sed -n 's/^KVER=//p' "$m") == "$kver" ]]; then
		series=${m##*/manifest-}
		break
	fi
done
[[ -n $series ]] || { echo "insmod.sh: no lab kernel build for the guest's $kver" >&2; exit 1; }
ko=$("$HERE/build.sh" --kernel "$series" "$mod" | tail -n1)
gexec "base64 -d >/tmp/$mod.ko <<'HVS_EOF'
$(base64 -w 76 "$ko")
HVS_EOF
" >/dev/null
want=$(sha256sum "$ko" | cut -d' ' -f1)
got=$(gexec "sha256sum /tmp/$mod.ko" | cut -d' ' -f1)
[[ $want == "$got" ]] || { echo "insmod.sh: copy of $mod.ko into the guest is corrupt" >&2; exit 1; }
gexec "insmod /tmp/$mod.ko $*"
