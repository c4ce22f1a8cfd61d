#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# qemu-mem.sh MEM_PROBE - the live QEMU memory backend against a real QEMU.
#
# Starts qemu-system-x86_64 paused (-S, no kernel) with 5 GiB of RAM in a
# sparse shared file in /dev/shm (costs no memory until written) and two QMP
# monitors: one for the library under test, one for the probe's own checks.
# Then mem-probe checks: the RAM file and its layout from the memory tree
# (RAM above 4 GiB at 0x100000000 = file offset 2 GiB), markers written in the
# file read back at their gpa, registers, pause/resume/close, open by PID, and
# a dump-guest-memory ELF core read back with the same marker and registers.
#
# Kills only the QEMU it started (by its pidfile) and removes its files on
# exit, also on failure. Exit 77 (skip) when QEMU or /dev/shm is missing.
set -euo pipefail

PROBE=${1:?usage: qemu-mem.sh MEM_PROBE}
QEMU=${QEMU:-qemu-system-x86_64}

command -v "$QEMU" >/dev/null 2>&1 || { echo "SKIP: $QEMU not installed"; exit 77; }
[ -d /dev/shm ] && [ -w /dev/shm ] || { echo "SKIP: /dev/shm not writable"; exit 77; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/hvs-qemu-mem.XXXXXX")
RAM=/dev/shm/hvs-test-$$.ram
PIDFILE=$DIR/qemu.pid
QEMU_PID=

cleanup() {
        local rc=$?
        if [ -z "$QEMU_PID" ] && [ -s "$PIDFILE" ]; then
                QEMU_PID=$(cat "$PIDFILE")
        fi
        if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
                kill "$QEMU_PID" 2>/dev/null || true
                for _ in $(seq 50); do
                        kill -0 "$QEMU_PID" 2>/dev/null || break
                        sleep 0.1
                done
                kill -9 "$QEMU_PID" 2>/dev/null || true
        fi
        if [ "$rc" -ne 0 ] && [ -s "$DIR/qemu.log" ]; then
                echo "--- qemu log:"; cat "$DIR/qemu.log"
        fi
        rm -f "$RAM"
        rm -rf "$DIR"
        exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -daemonize writes the pidfile only once QEMU is set up (sockets listening).
"$QEMU" -S -display none -nodefaults -name hvs-mem-test \
        -machine q35,memory-backend=mem \
        -object memory-backend-file,id=mem,size=5G,mem-path="$RAM",share=on \
        -m 5G -accel tcg \
        -qmp unix:"$DIR"/qmp.sock,server=on,wait=off \
        -qmp unix:"$DIR"/ctl.sock,server=on,wait=off \
        -pidfile "$PIDFILE" -daemonize >"$DIR/qemu.log" 2>&1
QEMU_PID=$(cat "$PIDFILE")
echo "qemu pid $QEMU_PID, ram $RAM"

timeout 60 "$PROBE" live "$DIR/qmp.sock" "$DIR/ctl.sock" "$RAM" "$QEMU_PID" "$DIR/dump.elf"
