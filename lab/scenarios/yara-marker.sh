#!/usr/bin/env bash
# Lab scenario: a process carrying a known marker string, which the rule
# lab/scenarios/marker.yar finds ('hvscope triage --yara lab/scenarios/marker.yar').
#
# The marker is sent to the guest as printf octal escapes and assembled only
# in a background subshell, which exports it and execs "sleep 600": the
# marker is then in that process's memory (its environment, on its stack)
# and not in the memory of the console shell that typed the command.
#
#   lab/scenarios/yara-marker.sh start --name NAME   prints pid=PID, rule=RULE
#   lab/scenarios/yara-marker.sh stop --name NAME
. "$(dirname "$0")/common.sh"
scn_parse "$@"
MARKER=HVSCOPE-LAB-YARA-MARKER-5f0c1e9a
case $scn_cmd in
start)
	scn_kill yara-marker
	esc=$(printf '%s' "$MARKER" | od -An -v -to1 | tr -s ' \n' ' ')
	esc=$(printf '\\%s' $esc)
	out=$(scn_exec "( HVS_MARK=\$(printf '$esc'); export HVS_MARK; exec sleep 600 ) </dev/null >/dev/null 2>&1 & echo \$! > /tmp/hvs-scn-yara-marker.pid; cat /tmp/hvs-scn-yara-marker.pid")
	pid=$(printf '%s\n' "$out" | tr -d '\r' | grep -E '^[0-9]+$' | tail -n 1)
	[ -n "$pid" ] || { echo "yara-marker.sh: no pid from the guest: $out" >&2; exit 1; }
	echo "pid=$pid"
	echo "rule=hvscope_lab_marker"
	;;
stop)
	scn_kill yara-marker
	;;
esac
