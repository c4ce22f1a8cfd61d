#!/usr/bin/python3
"""End to end: the "kvm" and "vmm-syscall" watch sources (src/trace/) on two
bare-metal guests under -accel kvm.

  VM A: lab/vuln/venom.sh, the VENOM-style floppy-controller storm (0x3f2,
        then 0x8e and parameter bytes into the FIFO at 0x3f5, forever)
  VM B: tests/e2e/kvm_guest.py, 'out dx, al' to port 0x1234 in a loop that
        counts its iterations in guest RAM (the guest's own view of its rate)

Checks: tracing A shows port-I/O events at 0x3f0-0x3f7 and a plausible
0x3f5 write rate, all of A's own threads, nothing of B's port; tracing B
shows 0x1234 at the rate B itself counts (within a factor of 2), and no
floppy storm; the counters agree with the rate summaries (nothing lost
silently). VM C (in place of B) reads every port in turn: the key table
stops at its limit, the rest is counted as overflow, events stay under their
per-interval limits and the watcher's memory stays small. vmm-syscall on A: a QMP chardev-add of a listening TCP socket
shows up as socket/bind/listen of QEMU with their return values, and no
bind or listen before it.

Needs root (perf_event_open of tracepoints) and tracefs: when tracefs is not
mounted the test mounts a private instance in its temporary directory and
unmounts it at the end. Exit 77 (skip), saying why, when /dev/kvm or tracing
is unusable.

The kvm part on A is also run through the CLI (`hvscope watch --sources kvm`,
which needs no Linux in the guest) when HVSCOPE is set.

env: HVS_TRACE_RUN (tests/e2e/trace-run), HVSCOPE, HVS_SOURCE_ROOT, HVS_RUN_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("HVS_SOURCE_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RUNNER = os.environ.get("HVS_TRACE_RUN", "trace-run")
HVSCOPE = os.environ.get("HVSCOPE")
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
sys.path.insert(0, os.path.join(SRC, "lab"))
import kvm_guest  # noqa: E402
from qmp_client import qmp  # noqa: E402

TMP = tempfile.mkdtemp(prefix="hvs-kvm-trace-")
os.environ.setdefault("HVS_RUN_DIR", TMP)
kvm_guest.RUN = os.environ["HVS_RUN_DIR"]
NAME_A, NAME_B = "kvmtrace-a-%d" % os.getpid(), "kvmtrace-b-%d" % os.getpid()
PORT_B = 0x1234
CHARDEV_PORT = 5641
failures = checks = 0
mounted = None


def check(cond, what):
    global failures, checks
    checks += 1
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def skip(why):
    print("SKIP: " + why)
    cleanup()
    sys.exit(77)


def find_tracefs():
    global mounted
    for d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        if os.path.isdir(os.path.join(d, "events")):
            return d
    for line in open("/proc/self/mounts"):
        f = line.split()
        if len(f) > 2 and f[2] == "tracefs" and os.path.isdir(os.path.join(f[1], "events")):
            return f[1]
    d = os.path.join(TMP, "tracefs")
    os.makedirs(d, exist_ok=True)
    if subprocess.run(["mount", "-t", "tracefs", "nodev", d], capture_output=True).returncode != 0:
        return None
    mounted = d
    return d


def cleanup():
    subprocess.run([os.path.join(SRC, "lab", "vuln", "venom.sh"), "stop", "--name", NAME_A], capture_output=True)
    kvm_guest.stop(NAME_B)
    if mounted:
        subprocess.run(["umount", mounted], capture_output=True)


def trace(pid, seconds, *extra, during=None):
    """Runs trace-run; @during(pid) is called a second in. Returns (events, counters)."""
    p = subprocess.Popen([RUNNER, "--pid", str(pid), "--seconds", str(seconds), "--tracefs", TRACEFS] + list(extra),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if during:
        time.sleep(1.0)
        during(pid)
    out, err = p.communicate(timeout=seconds + 60)
    if p.returncode == 77:
        skip("tracing unusable: " + err.strip())
    events, counters = [], {}
    for line in out.splitlines():
        o = json.loads(line)
        if "counters" in o:
            counters[o["counters"]["source"]] = o["counters"]
        else:
            events.append(o)
    check(p.returncode == 0, "trace-run %s exits 0 (%s)" % (" ".join(extra), err.strip()[:200]))
    return events, counters


def port_of(e):
    d = e.get("data") or {}
    if e["action"] == "port-io":
        return d.get("port")
    if e["action"] == "rate-summary" and d.get("kind") == "port-io":
        return d.get("key")
    return None


TRACEFS = None
try:
    if not os.access("/dev/kvm", os.W_OK):
        skip("no usable /dev/kvm")
    TRACEFS = find_tracefs()
    if not TRACEFS:
        skip("tracefs is not mounted and cannot be mounted here")
    env = dict(os.environ)
    r = subprocess.run([os.path.join(SRC, "lab", "vuln", "venom.sh"), "start", "--name", NAME_A], capture_output=True,
                       text=True, env=env)
    if r.returncode == 77:
        skip("no usable /dev/kvm (%s)" % r.stderr.strip())
    check(r.returncode == 0, "VM A (venom.sh) starts")
    va = dict(kv.split("=", 1) for kv in r.stdout.split())
    pid_a = int(va["HVS_QEMU_PID"])
    b = kvm_guest.start(NAME_B, PORT_B, "out")
    if not b:
        skip("no usable /dev/kvm (the second guest did not start)")
    pid_b, _, ram_b = b
    check(kvm_guest.wait_running(ram_b), "VM B's loop runs (its counter in guest RAM moves)")
    time.sleep(1.0)     # A's BIOS is done as well by now

    # --- kvm on A ---
    ev_a, c_a = trace(pid_a, 3, "--source", "kvm")
    ca = c_a.get("kvm", {})
    started = [e for e in ev_a if e["action"] == "trace-started"]
    check(started and "kvm:kvm_pio" in started[0]["data"]["tracepoints"], "trace-started names kvm:kvm_pio")
    threads_a = {int(t) for t in os.listdir("/proc/%d/task" % pid_a)}
    fdc = [e for e in ev_a if e["action"] == "port-io" and 0x3f0 <= e["data"]["port"] <= 0x3f7]
    check(len(fdc) > 0, "port-io events at 0x3f0-0x3f7 for VM A (%d)" % len(fdc))
    check(all(e["data"]["qemu.pid"] == pid_a and e["data"]["host.tid"] in threads_a for e in ev_a if e["action"] == "port-io"),
          "every port-io event is from a thread of VM A's QEMU (pid %d)" % pid_a)
    rates = [e["data"] for e in ev_a if e["action"] == "rate-summary" and e["data"].get("kind") == "port-io"
             and e["data"].get("key") == 0x3f5 and e["data"].get("direction") == "write"]
    best = max((r.get("per_second", 0) for r in rates), default=0)
    check(best >= 1000, "rate of port-io 0x3f5 write for VM A is plausible: %.0f/s (>= 1000/s)" % best)
    check(not [e for e in ev_a if port_of(e) == PORT_B], "no event of VM B's port %#x in VM A's trace" % PORT_B)
    summed = sum(e["data"]["count"] for e in ev_a if e["action"] == "rate-summary" and "count" in (e["data"] or {}))
    summed += sum(e["data"].get("other_count", 0) + e["data"].get("overflow_count", 0) for e in ev_a
                  if e["action"] == "rate-summary" and "other_count" in (e["data"] or {}))
    check(ca.get("read", -1) == summed, "rate summaries account for every sample read (%d == %d)" % (summed, ca.get("read", -1)))
    check(ca.get("fired", 0) >= ca.get("read", 0) + ca.get("lost", 0) - 0 and ca.get("read", 0) > 0,
          "fired %d >= read %d + lost %d" % (ca.get("fired", 0), ca.get("read", 0), ca.get("lost", 0)))
    lost_ev = sum(e["data"]["lost"] for e in ev_a if e["action"] == "events-lost")
    check(lost_ev == ca.get("lost", 0), "lost records reported as events-lost (%d == %d)" % (lost_ev, ca.get("lost", 0)))
    check(ca.get("foreign", 1) == 0, "no sample of another process reached the source")
    print("     VM A: %d samples read in %.1f s, %d lost, reader CPU %.3f s, best 0x3f5 rate %.0f/s" %
          (ca.get("read", 0), ca.get("wall_s", 0), ca.get("lost", 0), ca.get("cpu_s", 0), best))

    # --- the same through the CLI: hvscope watch on a guest that is not Linux ---
    if HVSCOPE:
        sock_a = os.path.join(os.environ["HVS_RUN_DIR"], "hvs-vuln-" + NAME_A, "qmp.sock")
        w = subprocess.run([HVSCOPE, "watch", "--vm", sock_a, "--sources", "kvm", "--duration", "3", "--json",
                            "--tracefs", TRACEFS], capture_output=True, text=True, timeout=120)
        check(w.returncode == 0, "hvscope watch --sources kvm on VM A (no Linux in it) exits 0 (%s)" % w.stderr.strip()[:200])
        wev = [json.loads(line) for line in w.stdout.splitlines() if line.startswith("{")]
        wport = [e for e in wev if e["event"]["action"] == "port-io"]
        check(any(e["hvscope"]["port"] == 0x3f5 for e in wport),
              "hvscope watch: port-io events at 0x3f5 (%d port-io events)" % len(wport))
        check(all(e["hvscope"]["qemu"]["pid"] == pid_a and e["hvscope"]["host"]["tid"] in threads_a for e in wport),
              "hvscope watch: every port-io event is from a thread of VM A's QEMU")
        wr = max((e["hvscope"].get("per_second", 0) for e in wev if e["event"]["action"] == "rate-summary"
                  and e["hvscope"].get("key") == 0x3f5 and e["hvscope"].get("direction") == "write"), default=0)
        check(wr >= 1000, "hvscope watch: 0x3f5 write rate %.0f/s (>= 1000/s)" % wr)
        check(not any(port_of({"action": e["event"]["action"], "data": e.get("hvscope")}) == PORT_B for e in wev),
              "hvscope watch: nothing of VM B's port %#x" % PORT_B)
        check(all("os" not in e.get("host", {}) for e in wev), "hvscope watch: no guest OS claimed (host.os absent)")
    else:
        print("     (HVSCOPE not set: the hvscope watch CLI part is not run)")

    # --- kvm on B, against B's own count ---
    g0, t0 = kvm_guest.counter(ram_b), time.monotonic()
    ev_b, c_b = trace(pid_b, 3, "--source", "kvm")
    g1, t1 = kvm_guest.counter(ram_b), time.monotonic()
    guest_rate = ((g1 - g0) & 0xffffffff) / (t1 - t0)
    rb = [e["data"].get("per_second", 0) for e in ev_b if e["action"] == "rate-summary" and e["data"].get("kind") == "port-io"
          and e["data"].get("key") == PORT_B]
    traced = max(rb, default=0)
    check(traced > 0 and 0.5 <= traced / max(guest_rate, 1) <= 2.0,
          "VM B: traced rate of port %#x %.0f/s matches the guest's own count %.0f/s (x0.5-2)" % (PORT_B, traced, guest_rate))
    storm = [e for e in ev_b if e["action"] == "rate-summary" and port_of(e) == 0x3f5 and e["data"].get("per_second", 0) > 100]
    check(not storm, "no floppy storm in VM B's trace")

    # --- hostile: a guest that reads every port in turn (a new key per exit) ---
    kvm_guest.stop(NAME_B)
    c_ = kvm_guest.start(NAME_B, 0, "sweep")
    check(c_ and kvm_guest.wait_running(c_[2]), "the port-sweep guest runs")
    ev_c, c_c = trace(c_[0], 4, "--source", "kvm")
    cc = c_c.get("kvm", {})
    per = {}
    for e in ev_c:
        if e["action"] in ("port-io", "rate-summary"):
            sec = e["@timestamp_ns"] // 1000000000
            per.setdefault((e["action"], sec), 0)
            per[(e["action"], sec)] += 1
    over = [e["data"] for e in ev_c if e["action"] == "rate-summary" and "overflow_count" in (e["data"] or {})]
    check(cc.get("keys") == 4096, "the key table stops at HVS_TRACE_MAX_KEYS (%s keys)" % cc.get("keys"))
    check(sum(o["overflow_count"] for o in over) > 0, "hits beyond the table are counted as overflow (%d)" %
          sum(o["overflow_count"] for o in over))
    # Intervals are not aligned to calendar seconds: one second can hold the
    # end of one interval and the start of the next, so at most two limits.
    check(max((n for (a, _), n in per.items() if a == "port-io"), default=0) <= 2 * (256 + 8),
          "individual events stay under the per-interval limit (most in one calendar second: %d, limit 2 x 264)" %
          max((n for (a, _), n in per.items() if a == "port-io"), default=0))
    check(max((n for (a, _), n in per.items() if a == "rate-summary"), default=0) <= 2 * 65,
          "rate summaries stay under 65 per interval")
    check(cc.get("read", 0) > 100000 and cc.get("maxrss_kb", 1 << 30) < 64 * 1024,
          "the watcher read %d exits over %d keys with %d KiB of peak memory (< 64 MiB)" %
          (cc.get("read", 0), cc.get("keys", 0), cc.get("maxrss_kb", -1)))
    check(cc.get("read", 0) + cc.get("lost", 0) <= cc.get("fired", 0) and cc.get("malformed", 1) == 0,
          "every record read or counted lost (fired %d, read %d, lost %d)" % (cc.get("fired", 0), cc.get("read", 0),
                                                                              cc.get("lost", 0)))

    # --- vmm-syscall on A: a chardev socket added over QMP ---
    sock = os.path.join(os.environ["HVS_RUN_DIR"], "hvs-vuln-" + NAME_A, "qmp.sock")
    marks = {}

    def add_chardev(_pid):
        marks["t0"] = time.time_ns()
        qmp(sock, "chardev-add", {"id": "hvsw3", "backend": {"type": "socket", "data": {
            "addr": {"type": "inet", "data": {"host": "127.0.0.1", "port": str(CHARDEV_PORT)}},
            "server": True, "wait": False}}})
        marks["t1"] = time.time_ns()
        qmp(sock, "chardev-remove", {"id": "hvsw3"})

    ev_s, c_s = trace(pid_a, 3, "--source", "vmm-syscall", during=add_chardev)
    sys_ev = [e for e in ev_s if e["action"] == "vmm-syscall"]
    names = [e["data"]["syscall.name"] for e in sys_ev]
    flagged = {n: [e for e in sys_ev if e["data"]["syscall.name"] == n] for n in ("socket", "bind", "listen", "accept4")}
    check(any(e["data"].get("first_seen") for e in sys_ev), "first-seen system calls of QEMU are reported")
    for n in ("socket", "bind", "listen"):
        ok = [e for e in flagged[n] if e["data"]["qemu.pid"] == pid_a and e["data"].get("syscall.return", -1) >= 0]
        check(ok, "QEMU's %s after chardev-add is seen with its return value (%d events)" % (n, len(flagged[n])))
    early = [e for n in ("bind", "listen") for e in flagged[n] if e["@timestamp_ns"] < marks.get("t0", 0) - 5000000]
    check(not early, "no bind/listen of QEMU before the chardev-add (%d)" % len(early))
    bl = [e for e in flagged["bind"] + flagged["listen"] if marks.get("t0", 0) - 5000000 <= e["@timestamp_ns"] <= marks.get("t1", 0) + 5000000]
    check(len(bl) >= 2, "bind and listen fall inside the chardev-add command's time window (%d)" % len(bl))
    check(all(e["severity"] >= 2 for e in flagged["bind"] + flagged["listen"]), "socket calls are flagged (severity >= 2)")
    cs = c_s.get("vmm-syscall", {})
    print("     vmm-syscall: %d calls read, %d events, first names: %s" % (cs.get("read", 0), len(sys_ev), sorted(set(names))[:12]))
finally:
    cleanup()

print("%d passed, %d failed" % (checks - failures, failures))
sys.exit(1 if failures else 0)
