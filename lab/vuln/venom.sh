#!/usr/bin/env bash
# A bare-metal guest that drives the floppy disk controller's ports the way
# the VENOM exploit (CVE-2015-3456) did, under -accel kvm, for 'hvscope vuln
# attack-evidence' (NIST IR 8221 step 2; docs/vuln.md).
#
#   eval "$(lab/vuln/venom.sh start --name NAME)"   prints HVS_QMP=... HVS_RAM=... HVS_QEMU_PID=...
#   lab/vuln/venom.sh stop --name NAME
#
# The guest is the boot sector of lab/vuln/venom-boot.py on an IDE disk of a
# 'pc' machine (which has an ISA floppy controller), 16 MiB of RAM in a shared
# file (hvscope reads it), a QMP socket, no display. start exits 77 when
# /dev/kvm cannot run it (say so and skip: the rest of a test suite runs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
shift || true
name=
while [ $# -gt 0 ]; do
	case $1 in
	--name) name=$2; shift 2 ;;
	*) echo "venom.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$name" ] || { echo "usage: venom.sh start|stop --name NAME" >&2; exit 2; }
run=${HVS_RUN_DIR:-/tmp}/hvs-vuln-$name
ram=/dev/shm/hvs-vuln-$name.ram

case $cmd in
start)
	if [ ! -w /dev/kvm ]; then
		echo "venom.sh: /dev/kvm is not usable here: no KVM guest" >&2
		exit 77
	fi
	mkdir -p "$run"
	python3 "$here/venom-boot.py" "$run/boot.img"
	rm -f "$run/qmp.sock" "$run/qemu.pid"
	if ! qemu-system-x86_64 -accel ${HVS_VENOM_ACCEL:-kvm} -machine pc,memory-backend=mem -m 16 \
		-object "memory-backend-file,id=mem,size=16M,mem-path=$ram,share=on" \
		-drive "file=$run/boot.img,format=raw,if=ide,index=0" \
		-display none -serial none -monitor none -nodefaults -device isa-fdc \
		-qmp "unix:$run/qmp.sock,server=on,wait=off" \
		-daemonize -pidfile "$run/qemu.pid" 2>"$run/qemu.log"; then
		echo "venom.sh: QEMU with -accel kvm failed: $(cat "$run/qemu.log")" >&2
		exit 77
	fi
	for _ in $(seq 50); do [ -S "$run/qmp.sock" ] && break; sleep 0.1; done
	echo "HVS_QMP=$run/qmp.sock"
	echo "HVS_RAM=$ram"
	echo "HVS_QEMU_PID=$(cat "$run/qemu.pid")"
	;;
stop)
	if [ -f "$run/qemu.pid" ]; then
		pid=$(cat "$run/qemu.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -rf "$run" "$ram"
	;;
*)
	echo "usage: venom.sh start|stop --name NAME" >&2
	exit 2
	;;
esac
