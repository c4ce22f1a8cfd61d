#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# acquire.sh HVSCOPE - `hvscope acquire` against a real QEMU (no guest kernel:
# SeaBIOS runs and waits for a boot device).
#
# QEMU gets 5 GiB of RAM in a sparse shared file (RAM above 4 GiB at
# 0x100000000 = file offset 2 GiB) and two QMP monitors: one for hvscope, one
# for the test's own checks. Markers and 64 MiB of random data are written
# into the RAM file; then:
#  - consistent, live, zstd and --pid acquisitions: exit 0, the file's
#    sha256sum equals the printed and the sidecar's, markers at their
#    guest-physical addresses (ELF read by an independent reader here), the
#    VM stopped exactly once (STOP/RESUME events) and running again;
#  - registers: every vCPU, saved JSON hashed as printed;
#  - the case: acquisitions recorded, complete and failed;
#  - bad input (one line on stderr, exit 1, no FILE, FILE.part or FILE.json,
#    the VM running): existing output without --force, missing directory,
#    read-only and full file systems (small tmpfs; ulimit -f), interrupted
#    while the guest is stopped, and the VM killed while it is stopped
#    (HVSCOPE_TEST_HOOK=stop-while-paused stops hvscope at that point).
#
# Kills only the QEMUs it started (by their pidfiles), unmounts and removes
# what it made, also on failure. Exit 77 (skip) without QEMU or /dev/shm.
set -uo pipefail

HVSCOPE=${1:?usage: acquire.sh HVSCOPE}
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null 2>&1 || { echo "SKIP: $QEMU not installed"; exit 77; }
[ -d /dev/shm ] && [ -w /dev/shm ] || { echo "SKIP: /dev/shm not writable"; exit 77; }

DIR=$(mktemp -d /dev/shm/hvs-acq-test.XXXXXX)
RAM=$DIR/guest.ram
OUT=$DIR/out
mkdir -p "$OUT"
QEMU_PID=
MOUNTS=()

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
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	if [ "$rc" -ne 0 ] && [ -s "$DIR/qemu.log" ]; then echo "--- qemu log:"; cat "$DIR/qemu.log"; fi
	rm -rf "$DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0 failed=0
check() {        # check LABEL COMMAND...
	local label=$1
	shift
	if "$@"; then
		echo "ok   $label"
		passed=$((passed + 1))
	else
		echo "FAIL $label"
		failed=$((failed + 1))
	fi
}

# One QMP command on the test's own monitor; prints the "return" value as JSON.
ctl() {
	python3 - "$DIR/ctl.sock" "$@" <<'EOF'
import json, socket, sys
path, cmd = sys.argv[1], sys.argv[2]
args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
s = socket.socket(socket.AF_UNIX); s.settimeout(30); s.connect(path); f = s.makefile("rwb")
f.readline()
for m in ({"execute": "qmp_capabilities"}, {"execute": cmd, **({"arguments": args} if args else {})}):
    f.write(json.dumps(m).encode() + b"\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            break
if "error" in r:
    sys.exit("qmp error: %s" % r["error"])
print(json.dumps(r["return"]))
EOF
}

running() { [ "$(ctl query-status | python3 -c 'import json,sys; print(json.load(sys.stdin)["running"])')" = True ]; }

start_qemu() {
	rm -f "$DIR/qmp.sock" "$DIR/ctl.sock" "$DIR/qemu.pid"
	"$QEMU" -display none -nodefaults -name hvs-acq-test -S \
		-machine q35,memory-backend=mem -smp 2 -m 5G -accel tcg \
		-object memory-backend-file,id=mem,size=5G,mem-path="$RAM",share=on \
		-qmp unix:"$DIR/qmp.sock",server=on,wait=off \
		-qmp unix:"$DIR/ctl.sock",server=on,wait=off \
		-pidfile "$DIR/qemu.pid" -daemonize >"$DIR/qemu.log" 2>&1 || return 1
	QEMU_PID=$(cat "$DIR/qemu.pid")
	# Markers below and above 4 GiB, and 64 MiB of random data so a copy takes a while.
	python3 - "$RAM" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.pwrite(fd, b"hvscope-acquire-marker-low!" * 8, 0x10000000)
os.pwrite(fd, b"hvscope-acquire-marker-high" * 8, (2 << 30) + 0x1000000)
chunk = os.urandom(1 << 20)
for i in range(64):
    os.pwrite(fd, chunk, 0x20000000 + i * (1 << 20))
EOF
	ctl cont >/dev/null
	echo "qemu pid $QEMU_PID, ram $RAM"
}

# Markers at their guest-physical addresses in the ELF @1, read by a reader of its own.
markers_in() {
	python3 - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:4] == b"\x7fELF" and b[4] == 2, "not ELF64"
phoff, = struct.unpack_from("<Q", b, 32); phnum, = struct.unpack_from("<H", b, 56)
loads = []
for i in range(phnum):
    t, _, off, va, pa, fs, ms, _ = struct.unpack_from("<IIQQQQQQ", b, phoff + 56 * i)
    if t == 1:
        assert fs == ms and off + fs <= len(b), "load %d" % i
        loads.append((pa, off, fs))
def read(gpa, n):
    for pa, off, fs in loads:
        if pa <= gpa and gpa + n <= pa + fs:
            return b[off + gpa - pa: off + gpa - pa + n]
    return None
ok = read(0x10000000, 27) == b"hvscope-acquire-marker-low!" and read(0x101000000, 27) == b"hvscope-acquire-marker-high"
# The 64 MiB of random data at gpa 0x20000000 are in the image too.
ok = ok and read(0x20000000 + (63 << 20), 1 << 20) is not None
sys.exit(0 if ok else 1)
EOF
}

sidecar() {      # sidecar FILE.json KEY.PATH -> value
	python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}

none_left() {    # no FILE, FILE.part, FILE.json, FILE.json.part
	[ ! -e "$1" ] && [ ! -e "$1.part" ] && [ ! -e "$1.json" ] && [ ! -e "$1.json.part" ]
}

one_line_error() {      # one_line_error PATTERN (reads $DIR/err, $DIR/stdout, $rc)
	[ "$rc" -eq 1 ] && [ ! -s "$DIR/stdout" ] && [ "$(wc -l <"$DIR/err")" -eq 1 ] &&
		grep -q '^hvscope: ' "$DIR/err" && grep -qE "$1" "$DIR/err" ||
		{ echo "     exit $rc, stderr: $(cat "$DIR/err")"; return 1; }
}

acq() {  # acq ARGS... -> $rc, $DIR/stdout, $DIR/err
	"$HVSCOPE" acquire "$@" >"$DIR/stdout" 2>"$DIR/err"
	rc=$?
}

start_qemu || { echo "QEMU did not start"; exit 1; }
CASE=$DIR/case.sqlite

# ---- consistent (the default) ----
acq memory --vm "$DIR/qmp.sock" -o "$OUT/c.elf" --case "$CASE"
check "consistent: exit 0" [ "$rc" -eq 0 ]
sha=$(sha256sum "$OUT/c.elf" | cut -d' ' -f1)
check "consistent: sha256sum matches the printed hash" grep -q "sha256 *$sha" "$DIR/stdout"
check "consistent: sidecar has the same hash" [ "$(sidecar "$OUT/c.elf.json" image.sha256)" = "$sha" ]
check "consistent: no .part left" [ ! -e "$OUT/c.elf.part" ]
check "consistent: markers at their guest-physical addresses (above 4 GiB too)" markers_in "$OUT/c.elf"
check "consistent: not smeared, downtime from QEMU's events" \
	[ "$(sidecar "$OUT/c.elf.json" smeared)" = false -a "$(sidecar "$OUT/c.elf.json" downtime_source)" = "qmp STOP/RESUME event timestamps" ]
dt=$(sidecar "$OUT/c.elf.json" downtime_ns)
echo "     guest stopped $((dt / 1000)) us for $(sidecar "$OUT/c.elf.json" ram.data_bytes) bytes"
check "consistent: the VM runs again" running
check "consistent: holes left out (image far smaller than 5 GiB)" [ "$(stat -c %s "$OUT/c.elf")" -lt $((1 << 30)) ]
check "consistent: readelf sees the vCPU notes" bash -c "readelf -n '$OUT/c.elf' | grep -c NT_PRSTATUS | grep -qx 2"
# The note is final while the guest is stopped (the hash starts there): the
# stop's time is in it, the resume's only in the sidecar.
check "consistent: the note has the stop time, not the resume time" \
	bash -c "grep -aq '\"paused_ns\":' '$OUT/c.elf' && ! grep -aq '\"resumed' '$OUT/c.elf'"
check "consistent: the sidecar has the resume time" [ "$(sidecar "$OUT/c.elf.json" resumed_ns)" -gt 0 ]

# The final name only ever holds the complete image: watch the directory while
# hvscope writes (as fast as python can stat), then compare every sighting.
final_only_complete() {
	python3 - "$HVSCOPE" "$DIR/qmp.sock" "$OUT/w.elf" <<'EOF2'
import hashlib, json, os, subprocess, sys
hv, qmp, out = sys.argv[1:4]
p = subprocess.Popen([hv, "acquire", "memory", "--vm", qmp, "-o", out, "--no-case"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
seen, part_seen, polls = [], False, 0
while p.poll() is None:
    polls += 1
    try:
        seen.append((os.stat(out).st_size, os.path.exists(out + ".json")))
    except FileNotFoundError:
        part_seen = part_seen or os.path.exists(out + ".part")
if p.wait() != 0:
    sys.exit("hvscope failed")
size = os.stat(out).st_size
sha = hashlib.sha256(open(out, "rb").read()).hexdigest()
side = json.load(open(out + ".json"))
bad = [s for s in seen if s != (size, True)]
print("     %d polls, .part seen %s, final name seen %d times before exit" % (polls, part_seen, len(seen)))
sys.exit(0 if part_seen and not bad and side["image"]["sha256"] == sha and side["image"]["size"] == size else 1)
EOF2
}
check "consistent: FILE.part while writing, FILE only complete, sidecar hash = sha256 of FILE" final_only_complete

# ---- live ----
acq memory --vm "$DIR/qmp.sock" -o "$OUT/l.elf" --live --no-case
check "live: exit 0" [ "$rc" -eq 0 ]
check "live: marked smeared in the sidecar" [ "$(sidecar "$OUT/l.elf.json" smeared)" = true ]
check "live: marked smeared in the image's HVSCOPE note" grep -aq '"smeared":true' "$OUT/l.elf"
check "live: markers" markers_in "$OUT/l.elf"

# ---- zstd, by PID, --json ----
acq memory --pid "$QEMU_PID" -o "$OUT/z.elf.zst" --compress zstd --no-case --json
check "zstd by pid: exit 0" [ "$rc" -eq 0 ]
zsha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$DIR/stdout")
check "zstd: hash of the compressed file" [ "$(sha256sum "$OUT/z.elf.zst" | cut -d' ' -f1)" = "$zsha" ]
zstd -q -d "$OUT/z.elf.zst" -o "$OUT/z.elf"
check "zstd: zstd -d gives the ELF whose hash was recorded" \
	[ "$(sha256sum "$OUT/z.elf" | cut -d' ' -f1)" = "$(sidecar "$OUT/z.elf.zst.json" image.uncompressed_sha256)" ]
check "zstd: markers in the decompressed ELF" markers_in "$OUT/z.elf"
"$HVSCOPE" ps --image "$OUT/z.elf.zst" >"$DIR/stdout" 2>"$DIR/err"; rc=$?
check "zstd: hvscope --image says how to read it" one_line_error "zstd -d"

# ---- registers ----
acq registers --vm "$DIR/qmp.sock" --json --no-case
check "registers: both vCPUs with CR3, segments, EFER, thread ids" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
v = r["vcpus"]
sys.exit(0 if len(v) == 2 and all("cr3" in c and "segments" in c and "IA32_EFER" in c["msrs"] and c["thread_id"] for c in v) else 1)' "$DIR/stdout"
acq registers --vm "$DIR/qmp.sock" --pause -o "$OUT/regs.json" --case "$CASE"
rsha=$(sha256sum "$OUT/regs.json" | cut -d' ' -f1)
check "registers -o: saved, hash printed" grep -q "$rsha" "$DIR/stdout"
check "registers --pause: the VM runs again" running

# ---- bad input ----
acq memory --vm "$DIR/qmp.sock" -o "$OUT/c.elf" --no-case
check "existing output: refused" one_line_error "exists.*--force"
check "existing output: untouched" [ "$(sha256sum "$OUT/c.elf" | cut -d' ' -f1)" = "$sha" ]
acq memory --vm "$DIR/qmp.sock" -o "$OUT/c.elf" --no-case --force
check "existing output with --force: replaced" [ "$rc" -eq 0 ]
acq memory --vm "$DIR/qmp.sock" -o "$DIR/nodir/x.elf" --case "$CASE"
check "missing directory" one_line_error "does not exist"
check "missing directory: nothing left" none_left "$DIR/nodir/x.elf"
acq memory --vm "$DIR/qmp.sock" -o "$OUT/c.elf.json/x.elf" --no-case
check "a file as directory" one_line_error "Not a directory"

if mkdir -p "$DIR/ro" "$DIR/small" && mount -t tmpfs -o size=4m,ro tmpfs "$DIR/ro" 2>/dev/null; then
	MOUNTS+=("$DIR/ro")
	acq memory --vm "$DIR/qmp.sock" -o "$DIR/ro/x.elf" --no-case
	check "read-only directory" one_line_error "Read-only file system"
	mount -t tmpfs -o size=4m tmpfs "$DIR/small" && MOUNTS+=("$DIR/small")
	acq memory --vm "$DIR/qmp.sock" -o "$DIR/small/x.elf" --no-case
	check "full disk (4 MiB tmpfs): refused" one_line_error "No space left"
	check "full disk: nothing left" none_left "$DIR/small/x.elf"
	acq memory --vm "$DIR/qmp.sock" -o "$DIR/small/x.elf.zst" --compress zstd --no-case
	check "full disk while writing (zstd, random data)" one_line_error "No space left|disk is full"
	check "full disk while writing: nothing left" none_left "$DIR/small/x.elf.zst"
	check "full disk: the VM runs" running
else
	echo "     (cannot mount tmpfs here: read-only and small file systems not tested)"
fi
(ulimit -f 2048; trap '' XFSZ; "$HVSCOPE" acquire memory --vm "$DIR/qmp.sock" -o "$OUT/f.elf" --no-case \
	>"$DIR/stdout" 2>"$DIR/err"); rc=$?
check "file size limit (ulimit -f)" one_line_error "File too large"
check "file size limit: nothing left" none_left "$OUT/f.elf"

# Interrupted while the guest is stopped: hvscope stops itself at that point (test hook).
HVSCOPE_TEST_HOOK=stop-while-paused "$HVSCOPE" acquire memory --vm "$DIR/qmp.sock" -o "$OUT/i.elf" --no-case \
	>"$DIR/stdout" 2>"$DIR/err" &
hv=$!
stopped_proc() { for _ in $(seq 300); do [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0; sleep 0.05; done; return 1; }
check "interrupt: hvscope reached the stopped guest" stopped_proc $hv
not_running() { ! running; }
check "interrupt: the guest is stopped meanwhile" not_running
kill -INT $hv; kill -CONT $hv; wait $hv; rc=$?
check "interrupt: clean error" one_line_error "cancel"
check "interrupt: the guest runs again" running
check "interrupt: nothing left" none_left "$OUT/i.elf"

# The VM killed while it is stopped (last: QEMU is gone afterwards).
HVSCOPE_TEST_HOOK=stop-while-paused "$HVSCOPE" acquire memory --vm "$DIR/qmp.sock" -o "$OUT/k.elf" --case "$CASE" \
	>"$DIR/stdout" 2>"$DIR/err" &
hv=$!
check "vm killed: hvscope reached the stopped guest" stopped_proc $hv
kill -9 "$QEMU_PID"
kill -CONT $hv; wait $hv; rc=$?
check "vm killed mid-acquisition: clear error" one_line_error "went away"
check "vm killed: nothing left" none_left "$OUT/k.elf"

# The case holds what happened, complete and failed.
check "case: acquisitions recorded (memory complete with its hash, registers, failures)" python3 - "$CASE" "$sha" "$rsha" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = db.execute("SELECT kind, mode, status, sha256, smeared, downtime_ns FROM acquisitions ORDER BY id").fetchall()
print("     case rows:", [(k, m, s) for k, m, s, *_ in rows])
mem = [r for r in rows if r[0] == "memory" and r[2] == "complete"]
ok = len(mem) == 1 and mem[0][3] == sys.argv[2] and mem[0][4] == 0 and mem[0][5] > 0
ok = ok and any(r[0] == "registers" and r[2] == "complete" and r[3] == sys.argv[3] for r in rows)
ok = ok and sum(1 for r in rows if r[0] == "memory" and r[2] == "failed") == 2
sys.exit(0 if ok else 1)
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
