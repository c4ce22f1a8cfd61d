#!/usr/bin/env bash
# Lab scenario: executable code in module space that belongs to no module.
# Loads lab/rootkits/hide_code.c (built for the guest's kernel and copied in
# by lab/rootkits/insmod.sh): it allocates a page where modules live, copies
# a payload there and makes it executable; the page is no part of the
# module's own memory and in no registry of the kernel's (eBPF, ftrace,
# kprobes). The module itself stays on the module list.
#
#   lab/scenarios/hide-code.sh start --name NAME
#   lab/scenarios/hide-code.sh stop --name NAME   (rmmod: frees the page)
#
# start prints module=hide_code and addr=0x... (the page, from the guest's
# /sys/module/hide_code/parameters/addr) for tests.
. "$(dirname "$0")/common.sh"
scn_parse "$@"
case $scn_cmd in
start)
	scn_exec "rmmod hide_code 2>/dev/null; :" >/dev/null
	out=$("$scn_here/../rootkits/insmod.sh" --name "$scn_name" hide_code 2>&1) || {
		echo "hide-code.sh: insmod failed: $out" >&2
		exit 1
	}
	dec=$(scn_exec "cat /sys/module/hide_code/parameters/addr" | tr -d '\r' | grep -E '^[0-9]+$' | tail -n 1)
	[ -n "$dec" ] && [ "$dec" != 0 ] || { echo "hide-code.sh: no page address" >&2; exit 1; }
	echo "module=hide_code"
	printf 'addr=0x%x\n' "$dec"
	;;
stop)
	scn_exec "rmmod hide_code 2>/dev/null; :" >/dev/null
	;;
esac
