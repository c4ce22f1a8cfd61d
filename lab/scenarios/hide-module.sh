#!/usr/bin/env bash
# Lab scenario: a kernel rootkit module that hides itself from the module
# list. Loads lab/rootkits/hide_self.c (built for the guest's kernel and
# copied in by lab/rootkits/insmod.sh): it unlinks its struct module from
# the kernel's `modules` list as it loads, so lsmod and /proc/modules do not
# show it; its code, its struct module, its nodes in the module address
# tree and its /sys/module/hide_self directory stay.
#
#   lab/scenarios/hide-module.sh start --name NAME
#   lab/scenarios/hide-module.sh stop --name NAME   (relinks it, then rmmod)
#
# start prints module=hide_self and addr=0x... (the guest's own address of
# its struct module: /sys/module/hide_self/sections/.gnu.linkonce.this_module)
# for tests.
. "$(dirname "$0")/common.sh"
scn_parse "$@"
unhide="[ -e /sys/module/hide_self/parameters/unhide ] && echo 1 >/sys/module/hide_self/parameters/unhide; rmmod hide_self 2>/dev/null; :"
case $scn_cmd in
start)
	scn_exec "$unhide" >/dev/null
	out=$("$scn_here/../rootkits/insmod.sh" --name "$scn_name" hide_self 2>&1) || {
		echo "hide-module.sh: insmod failed: $out" >&2
		exit 1
	}
	listed=$(scn_exec "grep -c '^hide_self ' /proc/modules; :" | tr -d '\r' | grep -E '^[0-9]+$' | tail -n 1)
	[ "$listed" = 0 ] || { echo "hide-module.sh: hide_self still in /proc/modules" >&2; exit 1; }
	addr=$(scn_exec "cat /sys/module/hide_self/sections/.gnu.linkonce.this_module" | tr -d '\r' | grep -E '^0x' | tail -n 1)
	[ -n "$addr" ] || { echo "hide-module.sh: no /sys/module/hide_self" >&2; exit 1; }
	echo "module=hide_self"
	echo "addr=$addr"
	;;
stop)
	scn_exec "$unhide" >/dev/null
	;;
esac
