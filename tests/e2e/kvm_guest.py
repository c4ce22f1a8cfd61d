#!/usr/bin/python3
"""Small bare-metal guests under -accel kvm for the host-tracing tests and
benchmark (src/trace/): a boot sector that does port I/O on one port in a
loop and counts its iterations in guest RAM (a dword at guest-physical
0x600), so the host can read the guest's own progress from the shared RAM
file without any agent. No operating system: the BIOS loads the sector at
0x7c00 and jumps to it, in real mode.

  python3 kvm_guest.py start NAME PORT in|out|sweep|idle   prints pid=... qmp=... ram=...
  python3 kvm_guest.py stop NAME

Exit 77 when /dev/kvm cannot run the guest (callers skip, saying so).
"""
import os
import signal
import struct
import subprocess
import sys
import time

RUN = os.environ.get("HVS_RUN_DIR", "/tmp")
COUNTER_GPA = 0x600


def boot_sector(port, mode):
    """in: 'in al, dx' per iteration; out: 'out dx, al'; sweep: 'in' from every
    port in turn (a guest that makes a new key per exit); idle: hlt forever."""
    if mode == "idle":
        code = bytes([0xfa, 0xf4, 0xeb, 0xfd])      # cli; hlt; jmp $-1 (back to hlt)
    elif mode == "sweep":
        code = bytes([
            0xfa, 0x31, 0xc0, 0x8e, 0xd8,           # cli; xor ax, ax; mov ds, ax
            0x31, 0xd2,                             # xor dx, dx
            # top (0x07):
            0xec,                                   # in al, dx   (reads only: no port is written)
            0x42,                                   # inc dx      (every port, 0 to 0xffff, round and round)
            0x66, 0xff, 0x06, COUNTER_GPA & 0xff, COUNTER_GPA >> 8,   # inc dword [0x600]
            0xeb, 0xf7,                             # jmp top (0x10 - 9 = 0x07)
        ])
        assert len(code) == 0x10
    else:
        io = 0xec if mode == "in" else 0xee
        code = bytes([
            0xfa,                                   # cli
            0x31, 0xc0,                             # xor ax, ax
            0x8e, 0xd8,                             # mov ds, ax
            0xba, port & 0xff, port >> 8,           # mov dx, PORT
            0xb0, 0x42,                             # mov al, 0x42
            # top (0x0a):
            io,                                     # in al, dx / out dx, al
            0x66, 0xff, 0x06, COUNTER_GPA & 0xff, COUNTER_GPA >> 8,   # inc dword [0x600]
            0xeb, 0xf8,                             # jmp top (0x12 - 8 = 0x0a)
        ])
        assert len(code) == 0x12
    sector = bytearray(512)
    sector[:len(code)] = code
    sector[0x40:0x40 + 16] = b"HVS-PIO-GUEST\0\0\0"
    sector[510:512] = b"\x55\xaa"
    return bytes(sector) + bytes(64 * 1024 - 512)


def paths(name):
    d = os.path.join(RUN, "hvs-kvmg-" + name)
    return d, os.path.join(d, "qmp.sock"), os.path.join(d, "qemu.pid"), "/dev/shm/hvs-kvmg-%s.ram" % name


def start(name, port, mode):
    """Returns (pid, qmp, ram) or None when KVM is unusable (the reason on stderr)."""
    if not os.access("/dev/kvm", os.W_OK):
        print("kvm_guest: /dev/kvm is not usable here", file=sys.stderr)
        return None
    d, qmp, pidf, ram = paths(name)
    os.makedirs(d, exist_ok=True)
    img = os.path.join(d, "boot.img")
    with open(img, "wb") as f:
        f.write(boot_sector(port, mode))
    for p in (qmp, pidf):
        if os.path.exists(p):
            os.unlink(p)
    cmd = ["qemu-system-x86_64", "-accel", "kvm", "-machine", "pc,memory-backend=mem", "-m", "16",
           "-object", "memory-backend-file,id=mem,size=16M,mem-path=%s,share=on" % ram,
           "-drive", "file=%s,format=raw,if=ide,index=0" % img,
           "-display", "none", "-serial", "none", "-monitor", "none", "-nodefaults",
           "-qmp", "unix:%s,server=on,wait=off" % qmp, "-daemonize", "-pidfile", pidf]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print("kvm_guest: QEMU with -accel kvm failed: " + r.stderr.strip(), file=sys.stderr)
        return None
    for _ in range(50):
        if os.path.exists(qmp) and os.path.exists(pidf):
            break
        time.sleep(0.1)
    pid = int(open(pidf).read().strip())
    return pid, qmp, ram


def stop(name):
    d, qmp, pidf, ram = paths(name)
    if os.path.exists(pidf):
        try:
            pid = int(open(pidf).read().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
        except (ProcessLookupError, ValueError):
            pass
    for p in (os.path.join(d, "boot.img"), qmp, pidf, ram):
        if os.path.exists(p):
            os.unlink(p)
    if os.path.isdir(d):
        os.rmdir(d)


def counter(ram):
    """The guest's iteration count (dword at COUNTER_GPA of its RAM)."""
    with open(ram, "rb") as f:
        f.seek(COUNTER_GPA)
        return struct.unpack("<I", f.read(4))[0]


def wait_running(ram, timeout=20.0):
    """Wait until the guest's loop runs (the BIOS takes 2-4 s here). Returns bool."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if counter(ram):
            return True
        time.sleep(0.1)
    return False


def rate(ram, seconds=1.0):
    """Guest loop iterations per second over @seconds (wrap-safe)."""
    a, t0 = counter(ram), time.monotonic()
    time.sleep(seconds)
    b, t1 = counter(ram), time.monotonic()
    return ((b - a) & 0xffffffff) / (t1 - t0)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "stop":
        stop(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 5 and sys.argv[1] == "start":
        r = start(sys.argv[2], int(sys.argv[3], 0), sys.argv[4])
        if not r:
            sys.exit(77)
        print("pid=%d qmp=%s ram=%s" % r)
        sys.exit(0)
    print(__doc__, file=sys.stderr)
    sys.exit(2)
