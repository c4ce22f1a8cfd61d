#!/usr/bin/env bash
# Lab scenario: a kernel rootkit that hooks a system call. Loads
# lab/rootkits/hook_syscall.c (built for the guest's kernel by
# lab/rootkits/build.sh, copied in and loaded by lab/rootkits/insmod.sh):
# sys_call_table[62] (kill) then points at a function of the module
# hook_syscall, and a kprobe on __x64_sys_kill and an ftrace hook on
# __x64_sys_getdents64 with handlers in the module are installed too.
#
#   lab/scenarios/hook-syscall.sh start --name NAME
#   lab/scenarios/hook-syscall.sh stop --name NAME     (rmmod: everything put back)
#
# start prints module=hook_syscall, nr=62, syscall=kill and table=ADDR (the
# guest's sys_call_table, from its /proc/kallsyms) for tests.
. "$(dirname "$0")/common.sh"
scn_parse "$@"
case $scn_cmd in
start)
	scn_exec "rmmod hook_syscall 2>/dev/null; :" >/dev/null
	out=$("$scn_here/../rootkits/insmod.sh" --name "$scn_name" hook_syscall nr=62 extra=1 2>&1) || {
		echo "hook-syscall.sh: insmod failed: $out" >&2
		exit 1
	}
	loaded=$(scn_exec "grep -c '^hook_syscall ' /proc/modules" | tr -d '\r' | grep -E '^[0-9]+$' | tail -n 1)
	[ "$loaded" = 1 ] || { echo "hook-syscall.sh: module not in /proc/modules after insmod: $out" >&2; exit 1; }
	table=$(scn_exec "grep ' sys_call_table\$' /proc/kallsyms" | tr -d '\r' | awk '/sys_call_table$/ {print $1}' | tail -n 1)
	echo "module=hook_syscall"
	echo "nr=62"
	echo "syscall=kill"
	echo "table=0x$table"
	;;
stop)
	scn_exec "rmmod hook_syscall 2>/dev/null; :" >/dev/null
	;;
esac
