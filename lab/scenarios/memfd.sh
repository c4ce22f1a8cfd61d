#!/usr/bin/env bash
# Lab scenario: a payload executed from a memfd (fileless execution).
# lab/scenarios/memfd-exec.c is built here (gcc, no libc: ~800 bytes),
# copied into the guest as /tmp/hvs-memfd-exec, and run: it copies
# /bin/busybox into a memfd named "hvs-payload" and executes that memfd as
# "sleep 600". The copy on disk is then deleted: the running process's
# executable is "/memfd:hvs-payload (deleted)" and exists nowhere on disk.
#
#   lab/scenarios/memfd.sh start --name NAME     prints pid=PID and memfd=NAME
#   lab/scenarios/memfd.sh stop --name NAME
. "$(dirname "$0")/common.sh"
scn_parse "$@"
case $scn_cmd in
start)
	scn_kill memfd
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	gcc -Os -static -nostdlib -fno-pie -no-pie -fno-asynchronous-unwind-tables -fno-stack-protector \
		-Wl,--build-id=none -Wl,-n -Wl,-z,noseparate-code -s -o "$tmp" "$scn_here/memfd-exec.c"
	scn_push "$tmp" /tmp/hvs-memfd-exec 0755
	out=$(scn_exec "/tmp/hvs-memfd-exec hvs-payload /bin/busybox sleep 600 </dev/null >/dev/null 2>&1 & echo \$! > /tmp/hvs-scn-memfd.pid; sleep 1; rm -f /tmp/hvs-memfd-exec; cat /tmp/hvs-scn-memfd.pid")
	pid=$(printf '%s\n' "$out" | tr -d '\r' | grep -E '^[0-9]+$' | tail -n 1)
	[ -n "$pid" ] || { echo "memfd.sh: no pid from the guest: $out" >&2; exit 1; }
	echo "pid=$pid"
	echo "memfd=hvs-payload"
	;;
stop)
	scn_kill memfd
	scn_exec "rm -f /tmp/hvs-memfd-exec" >/dev/null
	;;
esac
