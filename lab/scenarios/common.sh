# shellcheck shell=bash
# Shared by the lab compromise scenarios (lab/scenarios/*.sh): argument
# parsing, running commands in the guest, copying small files into it.
#
#   SCENARIO start --name NAME [--port PORT]   compromise the running lab guest
#   SCENARIO stop --name NAME                  undo it (kill what start left)
#
# start prints key=value lines (pid=..., at least) on stdout for tests.
# Every scenario keeps its state in the guest's /tmp/hvs-scn-SCENARIO.*.
set -euo pipefail
scn_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

scn_parse() {
	scn_cmd=${1:-}
	shift || true
	scn_name= scn_port=
	while [ $# -gt 0 ]; do
		case $1 in
		--name) scn_name=${2:-}; shift 2 ;;
		--port) scn_port=${2:-}; shift 2 ;;
		*) echo "$(basename "$0"): unknown argument '$1'" >&2; exit 2 ;;
		esac
	done
	case $scn_cmd in start | stop) ;; *) echo "usage: $(basename "$0") start|stop --name NAME [--port PORT]" >&2; exit 2 ;; esac
	[ -n "$scn_name" ] || { echo "$(basename "$0"): --name NAME is required" >&2; exit 2; }
}

scn_exec() { "$scn_here/../guest-exec" --name "$scn_name" --timeout 60 -- "$@"; }

# scn_push HOSTFILE GUESTPATH MODE: copy a small file, 48 bytes a line as
# octal escapes (short lines for the serial console; nothing but printf in
# the guest's shell input).
scn_push() {
	scn_exec "rm -f '$2'" >/dev/null
	od -An -v -to1 -w48 "$1" | while read -r line; do
		esc=$(printf '\\%s' $line)
		scn_exec "printf '$esc' >> '$2'" >/dev/null
	done
	scn_exec "chmod $3 '$2'" >/dev/null
}

# scn_kill SCENARIO: kill the process whose pid start saved, and forget it.
scn_kill() {
	scn_exec "f=/tmp/hvs-scn-$1.pid; [ -s \$f ] && kill \$(cat \$f) 2>/dev/null; rm -f \$f; :" >/dev/null
}
