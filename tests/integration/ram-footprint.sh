#!/bin/bash
# ram-footprint.sh HVSCOPE - reading a live VM never allocates pages in its
# RAM file. QEMU's guest RAM is a sparse file on tmpfs (/dev/shm): a page the
# guest never wrote is a hole. A read fault through a shared mapping of a
# tmpfs hole allocates a page in the file, so a tool that reads holes that way
# grows the guest's host-side footprint (st_blocks) up to the whole RAM size.
#
# A QEMU with 256 MiB of RAM is started stopped (-S: the guest never runs, so
# only a reader can change the file), a few MiB of data are written to its
# RAM file (the rest are holes), and the file's allocated blocks are compared
# before and after each of: hvscope ps (finding the kernel scans all of RAM;
# there is none, so it fails, having read everything), collect, kernel,
# acquire memory --live and --consistent (the VM is left stopped).
# Exit 77 (skip) without QEMU or /dev/shm. Everything lives in one directory
# in /dev/shm, removed with the QEMU it started, pass or fail.
set -u
HVSCOPE=$(realpath "$1")
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null 2>&1 || { echo "SKIP: $QEMU not installed"; exit 77; }
[ -d /dev/shm ] && [ -w /dev/shm ] || { echo "SKIP: /dev/shm not writable"; exit 77; }

DIR=$(mktemp -d /dev/shm/hvs-footprint.XXXXXX)
RAM=$DIR/guest.ram
cleanup() {
	local rc=$?
	if [ -s "$DIR/qemu.pid" ]; then
		local pid
		pid=$(cat "$DIR/qemu.pid")
		if grep -qa "$DIR" "/proc/$pid/cmdline" 2>/dev/null; then
			kill "$pid" 2>/dev/null
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -9 "$pid" 2>/dev/null
		fi
	fi
	if [ "$rc" -ne 0 ] && [ -s "$DIR/qemu.log" ]; then echo "--- qemu log:"; cat "$DIR/qemu.log"; fi
	rm -rf "$DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$QEMU" -display none -nodefaults -name hvs-footprint-test -S \
	-machine q35,memory-backend=mem -smp 1 -m 256M -accel tcg \
	-object memory-backend-file,id=mem,size=256M,mem-path="$RAM",share=on \
	-qmp unix:"$DIR/qmp.sock",server=on,wait=off \
	-pidfile "$DIR/qemu.pid" -daemonize >"$DIR/qemu.log" 2>&1 || { echo "QEMU did not start"; exit 1; }
# 4 MiB of data in two places (and whatever QEMU itself wrote: firmware, ROMs).
python3 - "$RAM" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
chunk = os.urandom(1 << 20)
for off in (0x1000000, 0x1100000, 0x8000000, 0x8100000):
    os.pwrite(fd, chunk, off)
EOF

passed=0 failed=0
blocks() { stat -c %b "$RAM"; }
ran() {          # ran LABEL COMMAND...: run it (its exit status does not matter), then compare st_blocks
	local label=$1 before after
	shift
	before=$(blocks)
	(cd "$DIR" && "$@") >"$DIR/out.txt" 2>&1
	local rc=$?
	after=$(blocks)
	if [ "$after" -eq "$before" ]; then
		echo "ok   $label (exit $rc): RAM file $((before / 2)) KiB allocated before and after"
		passed=$((passed + 1))
	else
		echo "FAIL $label (exit $rc): RAM file $((before / 2)) KiB allocated before, $((after / 2)) KiB after"
		tail -3 "$DIR/out.txt"
		failed=$((failed + 1))
	fi
}

echo "RAM file: $(( $(stat -c %s "$RAM") >> 20 )) MiB, $(( $(blocks) / 2 )) KiB allocated"
Q=$DIR/qmp.sock
ran "ps --vm (scans all of RAM for a kernel)" "$HVSCOPE" ps --vm "$Q" --cache-dir "$DIR/cache"
ran "kernel --vm" "$HVSCOPE" kernel --vm "$Q" --cache-dir "$DIR/cache"
ran "collect --vm" "$HVSCOPE" collect --vm "$Q" --case "$DIR/case.sqlite" --cache-dir "$DIR/cache"
ran "acquire memory --live" "$HVSCOPE" acquire memory --vm "$Q" --live -o "$DIR/live.elf" --no-case
ran "acquire memory --consistent" "$HVSCOPE" acquire memory --vm "$Q" -o "$DIR/cons.elf" --no-case
ran "acquire memory --live --compress zstd" "$HVSCOPE" acquire memory --vm "$Q" --live --compress zstd \
	-o "$DIR/live.elf.zst" --no-case
# The acquisitions above must have worked for their checks to mean something.
if [ -s "$DIR/live.elf" ] && [ -s "$DIR/cons.elf" ]; then
	echo "ok   both images written"
	passed=$((passed + 1))
else
	echo "FAIL the images were not written"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
