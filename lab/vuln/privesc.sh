#!/usr/bin/env bash
# A guest privilege escalation on the Linux lab guest, for 'hvscope vuln
# attack-evidence' (NIST IR 8221 step 2; docs/vuln.md).
#
#   lab/vuln/privesc.sh prepare --name NAME   install the vulnerable set-UID
#                                             helper (lab/vuln/suid-helper.py)
#                                             as /tmp/hvs-suid-helper, mode 4755
#   lab/vuln/privesc.sh attack --name NAME    an unprivileged shell (user
#                                             hvsuser, uid 1000, added to the
#                                             guest's /etc/passwd) runs it: the
#                                             child becomes root
#                                             (setuid(0)) and stays as
#                                             "sleep 600" under the uid-1000 shell
#
# The lab guest must run (lab/run-guest.sh start --name NAME). Nothing is
# written outside the guest's /tmp.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec_guest() { "$here/../guest-exec" --name "$name" --timeout 60 -- "$@"; }

cmd=${1:-}
shift || true
name=
while [ $# -gt 0 ]; do
	case $1 in
	--name) name=$2; shift 2 ;;
	*) echo "privesc.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$name" ] || { echo "usage: privesc.sh prepare|attack --name NAME" >&2; exit 2; }

case $cmd in
prepare)
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	python3 "$here/suid-helper.py" "$tmp"
	exec_guest "rm -f /tmp/hvs-suid-helper" >/dev/null
	# 48 bytes per line as octal escapes: short lines for the serial console.
	od -An -v -to1 -w48 "$tmp" | while read -r line; do
		esc=$(printf '\\%s' $line)
		exec_guest "printf '$esc' >> /tmp/hvs-suid-helper" >/dev/null
	done
	exec_guest "chown 0:0 /tmp/hvs-suid-helper && chmod 4755 /tmp/hvs-suid-helper && ls -l /tmp/hvs-suid-helper"
	;;
attack)
	# An unprivileged user (uid 1000) for busybox su; the guest has no passwd file.
	exec_guest "grep -q '^hvsuser:' /etc/passwd 2>/dev/null || { [ -s /etc/passwd ] || echo 'root:x:0:0:root:/:/bin/sh' > /etc/passwd; echo 'hvsuser:x:1000:1000:hvscope lab user:/tmp:/bin/sh' >> /etc/passwd; echo 'hvsuser:x:1000:' >> /etc/group; }" >/dev/null
	# su replaces itself by the user's shell; the shell forks the helper, which
	# becomes root and stays as 'sleep 600' under the uid-1000 shell.
	exec_guest "su -s /bin/sh hvsuser -c '/tmp/hvs-suid-helper; :' </dev/null >/dev/null 2>&1 &" >/dev/null
	sleep 1
	exec_guest "ps -o pid,ppid,user,comm | grep -E 'sleep' | tail -n 2"
	;;
*)
	echo "usage: privesc.sh prepare|attack --name NAME" >&2
	exit 2
	;;
esac
