#!/usr/bin/python3
"""Benchmark: the "kvm" watch source (src/trace/) against port-I/O storms of
bare-metal guests under -accel kvm (tests/e2e/kvm_guest.py), measured as:
  * produced: how often kvm:kvm_pio fired for the VM (the kernel's own count
    of the perf events, read() of each event), per second;
  * read: samples the reader took from its rings, per second, and records
    lost (PERF_RECORD_LOST, reported by the source as events-lost);
  * reader CPU: user + system time of the reader process over its wall time;
  * guest slowdown: the guest's own loop count (a dword in its RAM, read from
    the shared RAM file) per second without the source, with it, and without
    it again (the mean of the two without-runs is the baseline);
for two workloads: 'in al, dx' from the PIC's mask register (port 0x21,
emulated in the host kernel: the fastest exit KVM has) and 'out dx, al' to an
unassigned port (0x1234, an exit to QEMU in user space, like the floppy
FIFO of VENOM). Then the same reader on raw_syscalls of a process making
getppid() calls from 1 and 2 threads (bench/syscall-storm.c): a rate above
what this host's KVM exits reach (~240,000/s). Then a deliberately small ring (1 page per CPU) under the
fast storm, to show that losses are counted: read + lost == produced. And
bench-trace, the parser alone on a synthetic ring.
Target (issue 5): the reader keeps up with at least 500,000 events/s without
loss; PASS or MISS is printed, with what limited the measurement. Nothing
fails on timing.

Usage: bench/bench_kvm_trace.py [--seconds S] [--build DIR]
Needs root, /dev/kvm, tracefs (a private mount is made and removed when none
is mounted).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
import kvm_guest  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--seconds", type=float, default=4.0)
ap.add_argument("--build", default=os.path.join(SRC, "build"))
args = ap.parse_args()
RUNNER = os.path.join(args.build, "tests", "e2e", "trace-run")
PARSER = os.path.join(args.build, "bench", "bench-trace")
STORM = os.path.join(args.build, "bench", "syscall-storm")
TMP = tempfile.mkdtemp(prefix="hvs-bench-kvm-")
os.environ.setdefault("HVS_RUN_DIR", TMP)
kvm_guest.RUN = os.environ["HVS_RUN_DIR"]
NAME = "bench-kvm-%d" % os.getpid()
mounted = None


def tracefs():
    global mounted
    for d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        if os.path.isdir(os.path.join(d, "events")):
            return d
    for line in open("/proc/self/mounts"):
        f = line.split()
        if len(f) > 2 and f[2] == "tracefs":
            return f[1]
    d = os.path.join(TMP, "tracefs")
    os.makedirs(d, exist_ok=True)
    if subprocess.run(["mount", "-t", "tracefs", "nodev", d]).returncode:
        return None
    mounted = d
    return d


def run_reader(pid, ram, seconds, *extra):
    """Runs the reader for @seconds while measuring the guest's own rate inside that window."""
    p = subprocess.Popen([RUNNER, "--pid", str(pid), "--seconds", str(seconds), "--tracefs", TFS, "--quiet"] + list(extra),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    g = kvm_guest.rate(ram, max(seconds - 1.0, 0.5))
    out, err = p.communicate()
    c = [json.loads(l)["counters"] for l in out.splitlines() if l.startswith('{"counters"')]
    if not c:
        raise SystemExit("trace-run failed: " + err.strip())
    return c[0], g


def workload(port, mode, label):
    r = kvm_guest.start(NAME, port, mode)
    if not r:
        raise SystemExit("SKIP: no usable /dev/kvm")
    pid, _, ram = r
    try:
        if not kvm_guest.wait_running(ram):
            raise SystemExit("the guest's loop never ran")
        time.sleep(0.5)
        base1 = kvm_guest.rate(ram, args.seconds - 1.0)
        c, g = run_reader(pid, ram, args.seconds)
        base2 = kvm_guest.rate(ram, args.seconds - 1.0)
        base = (base1 + base2) / 2
        wall = c["wall_s"]
        produced, read = c["fired"] / wall, c["read"] / wall
        print("%s" % label)
        print("  guest loop without the source %.0f/s and %.0f/s, with it %.0f/s: slowdown %.1f%%" %
              (base1, base2, g, 100 * (1 - g / base) if base else 0))
        print("  produced %.0f events/s, read %.0f events/s, lost %d of %d, reader CPU %.3f s in %.1f s (%.2f%% of a core,"
              " %.0f ns per event)" % (produced, read, c["lost"], c["fired"], c["cpu_s"], wall, 100 * c["cpu_s"] / wall,
                                       1e9 * c["cpu_s"] / max(c["read"], 1)))
        small, _ = run_reader(pid, ram, 2.0, "--ring-pages", "1", "--interval-ms", "1000")
        print("  with a 1-page ring per CPU: produced %d, read %d, lost %d (read + lost %s produced)" %
              (small["fired"], small["read"], small["lost"],
               "==" if small["read"] + small["lost"] == small["fired"] else "!="))
        return read, c["lost"], c["cpu_s"] / max(c["read"], 1)
    finally:
        kvm_guest.stop(NAME)


def syscall_workload(threads):
    """The same reader (perf rings, record walk, aggregation) on raw_syscalls
    of a process making getppid() calls from @threads threads: a load above
    the rate this host's KVM exits reach. Returns (read/s, lost, cpu/event)."""
    storm = subprocess.Popen([STORM, str(args.seconds + 1.5), str(threads)], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        p = subprocess.run([RUNNER, "--pid", str(storm.pid), "--source", "vmm-syscall", "--seconds", str(args.seconds),
                            "--tracefs", TFS, "--quiet"], capture_output=True, text=True)
        c = [json.loads(l)["counters"] for l in p.stdout.splitlines() if l.startswith('{"counters"')]
        out, _ = storm.communicate(timeout=args.seconds + 30)
    finally:
        if storm.poll() is None:
            storm.kill()
            storm.wait()
    if not c:
        raise SystemExit("trace-run failed: " + p.stderr.strip())
    c, s_ = c[0], json.loads(out)
    wall = c["wall_s"]
    print("getppid() storm, %d thread(s), traced by the vmm-syscall source (raw_syscalls:sys_enter)" % threads)
    print("  the storm's own rate over its run (traced part included) %.0f calls/s" % s_["per_second"])
    print("  produced %.0f events/s, read %.0f events/s, lost %d of %d, reader CPU %.3f s in %.1f s (%.2f%% of a core,"
          " %.0f ns per event)" % (c["fired"] / wall, c["read"] / wall, c["lost"], c["fired"], c["cpu_s"], wall,
                                   100 * c["cpu_s"] / wall, 1e9 * c["cpu_s"] / max(c["read"], 1)))
    return c["read"] / wall, c["lost"], c["cpu_s"] / max(c["read"], 1)


try:
    if not os.access("/dev/kvm", os.W_OK):
        raise SystemExit("SKIP: no usable /dev/kvm")
    TFS = tracefs()
    if not TFS:
        raise SystemExit("SKIP: no tracefs")
    print("load average at start: %s" % open("/proc/loadavg").read().split()[:3])
    results = [workload(0x21, "in", "in al, 0x21 (PIC, emulated in the host kernel)"),
               workload(0x1234, "out", "out 0x1234, al (unassigned port: exit to QEMU in user space)")]
    print("== the same reader on raw_syscalls, at rates above this host's exit rate")
    sys_results = [syscall_workload(1), syscall_workload(2)]
    print("== parser alone (bench-trace)")
    p = subprocess.run([PARSER], capture_output=True, text=True)
    print(p.stdout.rstrip())
    best = max(results, key=lambda r: r[0])
    cpu_per_event = min(r[2] for r in results if r[2] > 0)
    ok = best[0] >= 500000 and best[1] == 0
    print("target: the KVM reader keeps up with >= 500,000 events/s without loss: %s (best live rate %.0f/s, %d lost; "
          "the guests here produce no more than that; reader CPU %.0f ns per event live, i.e. about %.1f M events/s "
          "per core)" % ("PASS" if ok else "MISS", best[0], best[1], cpu_per_event * 1e9, 1 / cpu_per_event / 1e6))
    sbest = max(sys_results, key=lambda r: r[0])
    print("target, shown with the same reader on raw_syscalls: >= 500,000 events/s without loss: %s (best %.0f/s, "
          "%d lost)" % ("PASS" if sbest[0] >= 500000 and sbest[1] == 0 else "MISS", sbest[0], sbest[1]))
    print("load average at end: %s" % open("/proc/loadavg").read().split()[:3])
finally:
    kvm_guest.stop(NAME)
    if mounted:
        subprocess.run(["umount", mounted])
