#!/usr/bin/env bash
# Lab scenario: a kernel rootkit that hides a running process by unlinking
# it from the kernel's task list (DKOM). Starts a victim, /tmp/hvs-hidden (a
# shell script: comm "hvs-hidden", sleeping), then loads
# lab/rootkits/hide_proc.c with pid=<victim> (built for the guest's kernel
# and copied in by lab/rootkits/insmod.sh). The victim keeps running and
# stays in the PID table (so the guest's own ps still shows it) but
# for_each_process() and task-list walkers no longer see it.
#
#   lab/scenarios/hide-proc.sh start --name NAME
#   lab/scenarios/hide-proc.sh stop --name NAME     (rmmod links it back; the victim is killed)
#
# start prints pid=N, comm=hvs-hidden and module=hide_proc for tests.
. "$(dirname "$0")/common.sh"
scn_parse "$@"
case $scn_cmd in
start)
	scn_exec "rmmod hide_proc 2>/dev/null; :" >/dev/null
	scn_kill hide-proc
	# TERM kills the sleeping child too, so stop leaves nothing behind.
	scn_exec "printf '#!/bin/sh\ntrap \"kill \\\$c 2>/dev/null; exit 0\" TERM\nwhile :; do sleep 3600 & c=\$!; wait \$c; done\n' >/tmp/hvs-hidden; chmod 755 /tmp/hvs-hidden" >/dev/null
	pid=$(scn_exec "/tmp/hvs-hidden </dev/null >/dev/null 2>&1 & echo \$! >/tmp/hvs-scn-hide-proc.pid; cat /tmp/hvs-scn-hide-proc.pid" |
		tr -d '\r' | grep -E '^[0-9]+$' | tail -n 1)
	[ -n "$pid" ] || { echo "hide-proc.sh: victim did not start" >&2; exit 1; }
	sleep 0.3
	out=$("$scn_here/../rootkits/insmod.sh" --name "$scn_name" hide_proc "pid=$pid" 2>&1) || {
		echo "hide-proc.sh: insmod failed: $out" >&2
		exit 1
	}
	comm=$(scn_exec "cat /proc/$pid/comm" | tr -d '\r' | tail -n 1)
	[ "$comm" = hvs-hidden ] || { echo "hide-proc.sh: victim $pid is '$comm'" >&2; exit 1; }
	echo "pid=$pid"
	echo "comm=$comm"
	echo "module=hide_proc"
	;;
stop)
	scn_exec "rmmod hide_proc 2>/dev/null; :" >/dev/null
	scn_kill hide-proc
	;;
esac
