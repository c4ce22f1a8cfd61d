#!/bin/bash
# Start, stop and query a lab guest (built by lab/build-guest.sh) under QEMU.
#
# Usage:
#   lab/run-guest.sh start --name NAME [--kaslr on|off] [--mem 512M]
#                          [--hostfwd-port PORT] [--kernel SERIES] [--timeout S]
#                          [--append 'KERNEL ARGS']
#   lab/run-guest.sh stop --name NAME
#   lab/run-guest.sh status --name NAME
#
# start runs QEMU daemonized, waits for HVSCOPE-LAB-READY on the serial
# console and prints shell-sourceable HVS_* lines (also in $RUN/env).
# --kaslr off (default) boots the uncompressed vmlinux via PVH (KASLR does
# not apply); --kaslr on boots the bzImage (KASLR on). --append adds kernel
# command-line arguments, e.g. 'no5lvl': the bzImage under TCG (-cpu max)
# otherwise runs 5-level paging, which Volatility 3's x86-64 layer cannot walk.
# Environment: HVS_LAB_DIR (build output), HVS_RUN_DIR (default /tmp; the run
# dir is $HVS_RUN_DIR/hvs-lab-NAME), HVS_LAB_ACCEL=kvm|tcg (force accelerator).
set -euo pipefail

LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${HVS_LAB_DIR:-$LAB/out}
PY=/usr/bin/python3
# ipv6.disable=1: busybox nc/httpd then listen on IPv4 sockets, which show
# up in /proc/net/tcp (not tcp6) and are simpler for forensic tests.
CMDLINE="console=ttyS0 panic=-1 quiet ipv6.disable=1"

usage() {
	sed -n '2,18s/^# \{0,1\}//p' "$0"
	exit "${1:-0}"
}
log() { echo "run-guest: $*" >&2; }
die() { log "$*"; exit 1; }

ACTION=${1:-}
[[ $# -gt 0 ]] && shift
NAME="" KASLR=off MEM=512M HOSTPORT="" SERIES="" TIMEOUT=120 APPEND=""
while [[ $# -gt 0 ]]; do
	case $1 in
	--name) NAME=${2:-}; shift ;;
	--kaslr) KASLR=${2:-}; shift ;;
	--mem) MEM=${2:-}; shift ;;
	--hostfwd-port) HOSTPORT=${2:-}; shift ;;
	--kernel) SERIES=${2:-}; shift ;;
	--timeout) TIMEOUT=${2:-}; shift ;;
	--append) APPEND=${2:-}; shift ;;
	-h | --help) usage 0 ;;
	*) log "unknown argument $1"; usage 2 ;;
	esac
	shift
done
case $ACTION in start | stop | status) ;; -h | --help) usage 0 ;; *) usage 2 ;; esac
[[ $NAME =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "--name NAME is required ([A-Za-z0-9_.-])"
[[ $KASLR == on || $KASLR == off ]] || die "--kaslr must be on or off"
[[ $MEM =~ ^[0-9]+[MG]$ ]] || die "--mem must look like 512M or 2G"
[[ -z $HOSTPORT || $HOSTPORT =~ ^[0-9]+$ ]] || die "--hostfwd-port must be a number"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds"
[[ $APPEND =~ ^[A-Za-z0-9_.,=\ -]*$ ]] || die "--append takes words of [A-Za-z0-9_.,=-] only"
CMDLINE+=${APPEND:+ $APPEND}

RUN=${HVS_RUN_DIR:-/tmp}/hvs-lab-$NAME
RAM=/dev/shm/hvs-lab-$NAME.ram
PIDFILE=$RUN/qemu.pid

# PID of our QEMU, only if the pidfile names a live QEMU of this run dir.
qemu_pid() {
	local pid cmd
	[[ -s $PIDFILE ]] || return 1
	pid=$(tr -dc 0-9 <"$PIDFILE")
	[[ -n $pid ]] || return 1
	# cmdline is NUL-separated; check it is qemu and mentions our run dir.
	cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	[[ $cmd == *qemu* && $cmd == *"$RUN/"* ]] || return 1
	echo "$pid"
}

# True while PID exists and is not a zombie (a daemonized QEMU is reparented;
# if nobody reaps it, it would otherwise look alive forever).
alive() {
	local stat
	stat=$(cat 2>/dev/null "/proc/$1/stat") || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# ---------------------------------------------------------------- stop
do_stop() {
	local pid i
	if [[ ! -d $RUN && ! -e $RAM ]]; then
		log "$NAME: not running"
		return 0
	fi
	if pid=$(qemu_pid); then
		if [[ -S $RUN/qmp.sock ]]; then
			"$PY" "$LAB/labtool.py" qmp-quit "$RUN/qmp.sock" 3 || true
		fi
		for ((i = 0; i < 100; i++)); do
			alive "$pid" || break
			sleep 0.1
		done
		# Still there after 10 s: kill it, but only if the PID is still ours.
		if alive "$pid" && pid=$(qemu_pid); then
			log "$NAME: QEMU $pid did not quit, killing it"
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
		fi
	fi
	rm -rf "$RUN"
	rm -f "$RAM"
	log "$NAME: stopped"
}

# ---------------------------------------------------------------- status
do_status() {
	local pid
	if pid=$(qemu_pid); then
		echo "$NAME: running (pid $pid)"
		[[ -f $RUN/env ]] && cat "$RUN/env"
		return 0
	fi
	echo "$NAME: not running"
	return 1
}

# ---------------------------------------------------------------- start
# KVM only with real hardware virtualization: PVM (kvm_pvm) also provides
# /dev/kvm but cannot boot a stock Linux kernel.
choose_accel() {
	case ${HVS_LAB_ACCEL:-} in
	kvm | tcg) echo "$HVS_LAB_ACCEL"; return ;;
	"") ;;
	*) die "HVS_LAB_ACCEL must be kvm or tcg" ;;
	esac
	if [[ -w /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo &&
		[[ ! -d /sys/module/kvm_pvm ]] && ! grep -q '^kvm_pvm ' /proc/modules 2>/dev/null; then
		echo kvm
	else
		echo tcg
	fi
}

# Reads the manifest written by build-guest.sh (key=value; values have no spaces).
manifest_get() {
	local key=$1 file=$2
	sed -n "s/^$key=//p" "$file" | head -n1
}

# True if nothing listens on 127.0.0.1:PORT (binding it succeeds).
port_free() {
	"$PY" -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' \
		"$1" 2>/dev/null
}

do_start() {
	local manifest kernel initrd disk accel pid gdbport t0 elapsed i
	local -a accel_args
	manifest=$OUT/manifest${SERIES:+-$SERIES}
	[[ -f $manifest ]] || die "no $manifest: run lab/build-guest.sh${SERIES:+ --kernel $SERIES} first"
	if [[ $KASLR == on ]]; then kernel=$(manifest_get BZIMAGE "$manifest"); else kernel=$(manifest_get VMLINUX "$manifest"); fi
	initrd=$(manifest_get INITRD "$manifest")
	disk=$(manifest_get DISK "$manifest")
	for f in "$kernel" "$initrd" "$disk"; do [[ -f $f ]] || die "missing $f: rebuild with lab/build-guest.sh"; done
	command -v qemu-system-x86_64 >/dev/null || {
		log "installing qemu-system-x86"
		DEBIAN_FRONTEND=noninteractive apt-get install -y qemu-system-x86 >&2
	}

	if qemu_pid >/dev/null; then die "$NAME is already running (run dir $RUN)"; fi
	# Leftovers of a dead run: clean them up first.
	rm -rf "$RUN"
	rm -f "$RAM"
	mkdir -p "$RUN"

	accel=$(choose_accel)
	if [[ $accel == kvm ]]; then
		accel_args=(-accel kvm -cpu host)
	else
		accel_args=(-accel "tcg,thread=multi" -cpu max)
	fi
	log "accelerator: $accel"

	gdbport=$("$PY" "$LAB/labtool.py" free-port)
	if [[ -z $HOSTPORT ]]; then
		HOSTPORT=$("$PY" "$LAB/labtool.py" free-port)
	elif ! port_free "$HOSTPORT"; then
		rm -rf "$RUN"
		die "host port $HOSTPORT is in use"
	fi
	# Each run gets its own copy of the data disk (32 MiB).
	cp "$disk" "$RUN/disk.raw"

	t0=$(date +%s%N)
	if ! qemu-system-x86_64 \
		-name "hvs-lab-$NAME" \
		"${accel_args[@]}" \
		-machine q35,memory-backend=mem \
		-object "memory-backend-file,id=mem,size=$MEM,mem-path=$RAM,share=on" \
		-m "$MEM" -smp 2 \
		-display none -nodefaults \
		-kernel "$kernel" -initrd "$initrd" -append "$CMDLINE" \
		-qmp "unix:$RUN/qmp.sock,server=on,wait=off" \
		-gdb "tcp:127.0.0.1:$gdbport" \
		-chardev "socket,id=ser0,path=$RUN/serial.sock,server=on,wait=off,logfile=$RUN/serial.log" \
		-serial chardev:ser0 \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$HOSTPORT-:8080" \
		-device virtio-net-pci,netdev=n0,romfile= \
		-drive "file=$RUN/disk.raw,format=raw,if=none,id=d0" \
		-device virtio-blk-pci,drive=d0 \
		-daemonize -pidfile "$PIDFILE" \
		2>"$RUN/qemu.err"; then
		cat "$RUN/qemu.err" >&2
		do_stop
		die "$NAME: QEMU failed to start"
	fi
	pid=$(qemu_pid) || { do_stop; die "$NAME: QEMU exited right after starting"; }

	# Wait for the boot marker (printed by the console shell when it is ready).
	for ((i = 0; ; i++)); do
		if grep -q '^HVSCOPE-LAB-READY' "$RUN/serial.log" 2>/dev/null; then break; fi
		if ! alive "$pid"; then
			log "$NAME: QEMU died during boot; serial log tail:"
			tail -n 30 "$RUN/serial.log" >&2 2>/dev/null || true
			do_stop
			exit 1
		fi
		if ((i >= TIMEOUT * 10)); then
			log "$NAME: no HVSCOPE-LAB-READY after $TIMEOUT s; serial log tail:"
			tail -n 30 "$RUN/serial.log" >&2 2>/dev/null || true
			do_stop
			exit 1
		fi
		sleep 0.1
	done
	elapsed=$((($(date +%s%N) - t0) / 1000000))
	log "$NAME: ready in $((elapsed / 1000)).$(printf %03d $((elapsed % 1000))) s (kaslr $KASLR, $accel)"

	cat >"$RUN/env" <<-EOF
		HVS_QMP=$RUN/qmp.sock
		HVS_SERIAL=$RUN/serial.sock
		HVS_SERIAL_LOG=$RUN/serial.log
		HVS_RAM=$RAM
		HVS_QEMU_PID=$pid
		HVS_GDB_PORT=$gdbport
		HVS_HOSTFWD_PORT=$HOSTPORT
		HVS_RUN_DIR=$RUN
		HVS_ACCEL=$accel
		HVS_KASLR=$KASLR
		HVS_MEM=$MEM
		HVS_KERNEL=$kernel
	EOF
	cat "$RUN/env"
}

case $ACTION in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
esac
