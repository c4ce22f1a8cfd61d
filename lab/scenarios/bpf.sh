#!/usr/bin/env bash
# Lab scenario: eBPF programs loaded and attached the way an eBPF implant
# does it, with nothing but the bpf(2) and perf_event_open(2) system calls.
# lab/scenarios/bpf-load.c is built here (gcc, no libc: ~2.5 KiB), copied
# into the guest as /tmp/hvs-bpf-load and run in the background, where it
# stays, holding its descriptors (see bpf-load.c):
#   hvs_kprobe  kprobe program on __x64_sys_getdents64 (perf kprobe event +
#               PERF_EVENT_IOC_SET_BPF)
#   hvs_tp      tracepoint program on syscalls/sys_enter_kill (perf
#               tracepoint event + BPF_LINK_CREATE)
#   hvs_sock    socket filter on an AF_PACKET raw socket (SO_ATTACH_BPF)
# stop kills it: closing its descriptors unloads and detaches all three.
#
#   lab/scenarios/bpf.sh start --name NAME   prints pid=PID, the loader's
#                                            descriptors (kprobe_prog_fd=...),
#                                            kprobe_func=, tracepoint=, tp_id=
#   lab/scenarios/bpf.sh stop --name NAME
. "$(dirname "$0")/common.sh"
scn_parse "$@"
KPROBE_FUNC=__x64_sys_getdents64
TRACEPOINT=syscalls/sys_enter_kill
case $scn_cmd in
start)
	scn_kill bpf
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	# -ffreestanding and no loop-idiom rewriting: there is no strlen/memset to call.
	gcc -Os -static -nostdlib -ffreestanding -fno-tree-loop-distribute-patterns -fno-pie -no-pie \
		-fno-asynchronous-unwind-tables -fno-stack-protector \
		-Wl,--build-id=none -Wl,-n -Wl,-z,noseparate-code -s -o "$tmp" "$scn_here/bpf-load.c"
	scn_push "$tmp" /tmp/hvs-bpf-load 0755
	out=$(scn_exec "/tmp/hvs-bpf-load $KPROBE_FUNC $TRACEPOINT </dev/null >/tmp/hvs-scn-bpf.out 2>&1 & echo \$! > /tmp/hvs-scn-bpf.pid; for i in 1 2 3 4 5 6 7 8 9 10; do grep -q -e '^ready' -e '^error' /tmp/hvs-scn-bpf.out && break; sleep 1; done; cat /tmp/hvs-scn-bpf.out")
	out=$(printf '%s\n' "$out" | tr -d '\r')
	if ! printf '%s\n' "$out" | grep -q '^ready$'; then
		echo "bpf.sh: the loader did not finish: $out" >&2
		scn_kill bpf
		exit 1
	fi
	printf '%s\n' "$out" | grep -E '^[a-z_]+=[0-9]+$'
	echo "kprobe_func=$KPROBE_FUNC"
	echo "tracepoint=$TRACEPOINT"
	;;
stop)
	scn_kill bpf
	scn_exec "rm -f /tmp/hvs-bpf-load /tmp/hvs-scn-bpf.out" >/dev/null
	;;
esac
