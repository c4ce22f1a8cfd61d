#!/usr/bin/python3
"""End-to-end: 'hvscope watch' with the flight recorder on the lab guest.

For each kernel series (HVS_E2E_KERNELS, default "6.1 6.12") it boots the lab
guest under QEMU (TCG here), and:
  1. watches (--json, default 2 Hz, --case) while the guest runs, each from a
     shell that first writes its own PID to a file:
       - 'exec sleep 2' (process start and exit, argv ["sleep", "2"]);
       - 'insmod crc32c_generic.ko', then 'rmmod' (module load and unload);
       - 'exec nc -l -p 5555' in the background, killed later (a listening
         socket opened and closed, owner nc);
       - /tmp/hvs-setuid, a static program written here: as root it sleeps,
         calls setgid(1000) and setuid(1000) with no exec, sleeps again (a
         credential change of a running process);
     and compares the events' PID, name, arguments and UIDs with what the
     guest says. The events are then in the case: 'hvscope timeline' lists
     them.
  2. a flood: the guest starts 600 'sleep 8' as fast as it can; with a
     per-action rate of 5/s the process-started events forwarded plus those
     the rate-summary events count make up at least the 600; with a queue of
     8 and no rate limit the events-lost events count what did not fit
     (forwarded + lost >= 600). The watcher's own memory (RssAnon, sampled)
     grows by less than 16 MiB from when it started (opening a kernel
     without a profile cache alone takes about 35 MiB).
The VM is stopped on exit, pass or fail.
"""
import json
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import HVSCOPE, RUN_GUEST, SERIES, check, guest, iso_seconds, run  # noqa: E402

PORTS = {"6.1": "5601", "6.12": "5602"}
FLOOD = 600


def setuid_program():
    """A static x86-64 executable: nanosleep 2 s, setgid(1000), setuid(1000),
    nanosleep 4 s, exit 0. No libc, no exec: its comm stays 'hvs-setuid'."""
    base, hdr = 0x400000, 64 + 56
    code = bytearray()
    fixups = []

    def sleep_at(label):
        code.extend(b"\x48\x8d\x3d\0\0\0\0")          # lea rdi, [rip + ts]
        fixups.append((len(code) - 4, label))
        code.extend(b"\x31\xf6")                      # xor esi, esi
        code.extend(b"\xb8" + struct.pack("<I", 35))  # mov eax, SYS_nanosleep
        code.extend(b"\x0f\x05")

    sleep_at("ts1")
    code += b"\xb8" + struct.pack("<I", 106) + b"\xbf" + struct.pack("<I", 1000) + b"\x0f\x05"  # setgid(1000)
    code += b"\xb8" + struct.pack("<I", 105) + b"\xbf" + struct.pack("<I", 1000) + b"\x0f\x05"  # setuid(1000)
    sleep_at("ts2")
    code += b"\xb8" + struct.pack("<I", 60) + b"\x31\xff\x0f\x05"                              # exit(0)
    while len(code) % 8:
        code += b"\x90"
    labels = {"ts1": len(code)}
    code += struct.pack("<qq", 2, 0)
    labels["ts2"] = len(code)
    code += struct.pack("<qq", 4, 0)
    for at, label in fixups:
        struct.pack_into("<i", code, at, labels[label] - (at + 4))
    size = hdr + len(code)
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 0x3e, 1, base + hdr, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
    return ehdr + phdr + bytes(code)


def put_file(env, path, data):
    guest(env, f"rm -f {path}")
    for i in range(0, len(data), 48):
        esc = "".join("\\%03o" % b for b in data[i:i + 48])
        guest(env, f"printf '{esc}' >> {path}")
    guest(env, f"chmod 755 {path}")


def asan_build(path):
    """True when the hvscope binary is built with AddressSanitizer."""
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


ASAN = asan_build(HVSCOPE)
ASAN_QUARANTINE_MIB = 4
# The watcher's own memory may grow this much while watching (KiB). Under
# ASan every block also carries redzones and shadow memory, and freed blocks
# wait in the (here 4 MiB) quarantine: twice the bound plus the quarantine.
RSS_GROWTH_KIB = 16 * 1024 * (2 if ASAN else 1) + (ASAN_QUARANTINE_MIB * 1024 if ASAN else 0)


class Watch:
    def __init__(self, env, cache, work, tag, extra):
        self.out = open(os.path.join(work, f"watch-{tag}.json"), "w+")
        self.err = open(os.path.join(work, f"watch-{tag}.err"), "w+")
        penv = dict(os.environ)
        if ASAN:
            # ASan keeps freed blocks in a quarantine (256 MiB by default) and
            # not reused: in a flood that is the growth, not the watcher's.
            penv["ASAN_OPTIONS"] = ":".join(filter(None, [penv.get("ASAN_OPTIONS"),
                                                          f"quarantine_size_mb={ASAN_QUARANTINE_MIB}"]))
        self.p = subprocess.Popen([HVSCOPE, "watch", "--vm", env["HVS_QMP"], "--cache-dir", cache, "--json"] + extra,
                                  stdout=self.out, stderr=self.err, env=penv)
        # The first read sets the baseline silently; wait for it (two periods).
        deadline = time.time() + 120
        while time.time() < deadline and self.p.poll() is None:
            with open(self.out.name) as f:
                if "watch-started" in f.read():
                    break
            time.sleep(0.2)
        time.sleep(1.5)
        self.base = self.anon_kib()

    def anon_kib(self):
        """The watcher's own memory (RssAnon): its RSS also counts the guest
        RAM pages it read through the shared mapping, which are not its own."""
        try:
            with open(f"/proc/{self.p.pid}/status") as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        self.peak = max(getattr(self, "peak", 0), int(line.split()[1]))
        except OSError:
            pass
        return getattr(self, "peak", -1)

    def sample(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            self.anon_kib()
            time.sleep(0.25)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        try:
            rc = self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.out.seek(0)
        self.err.seek(0)
        events = [json.loads(l) for l in self.out if l.strip()]
        return rc, events, self.err.read()


def act(events, action):
    return [e for e in events if e["event"]["action"] == action]


def by_pid(events, action, pid):
    return [e for e in act(events, action) if e.get("process", {}).get("pid") == pid]


def one_guest(series, work):
    name = f"w1-fr-{series}-{os.getpid()}"
    label = f"[{series}]"
    kaslr = "off" if series == "6.1" else "on"
    cache = os.path.join(work, f"cache-{series}")
    case = os.path.join(work, f"case-{series}.sqlite")
    try:
        r = run([RUN_GUEST, "start", "--name", name, "--kaslr", kaslr, "--kernel", series,
                 "--hostfwd-port", PORTS.get(series, "5603")])
        if not check(r.returncode == 0, f"{label} lab guest boots"):
            print(r.stderr)
            return
        env = {}
        for line in r.stdout.splitlines():
            k, _, v = line.partition("=")
            env[k] = v.strip("'\"")
        put_file(env, "/tmp/hvs-setuid", setuid_program())
        guest(env, "grep -q '^crc32c_generic ' /proc/modules && rmmod crc32c_generic; true")

        # 1. Process, module, socket and credential events.
        w = Watch(env, cache, work, f"{series}-views", ["--case", case])
        guest(env, "sh -c 'echo $$ > /tmp/fr-uid; exec /tmp/hvs-setuid' </dev/null >/dev/null 2>&1 &")
        guest(env, "sh -c 'echo $$ > /tmp/fr-nc; exec nc -l -p 5555' </dev/null >/dev/null 2>&1 &")
        t_sleep = time.time()
        guest(env, "sh -c 'echo $$ > /tmp/fr-exec; exec sleep 2'")
        guest(env, "insmod /lib/modules/crc32c_generic.ko")
        time.sleep(1.5)
        guest(env, "rmmod crc32c_generic")
        time.sleep(3.5)  # the setuid program has run out; nc is killed now
        guest(env, "kill $(cat /tmp/fr-nc)")
        w.sample(2)
        pids = {k: int(guest(env, f"cat /tmp/fr-{k}").strip()) for k in ("exec", "nc", "uid")}
        rss = w.anon_kib()
        rc, events, err = w.stop()
        check(rc == 0, f"{label} watch exits 0 on SIGINT ({rc}: {err.strip()[:300]})")
        check(act(events, "watch-started") and act(events, "watch-stopped"),
              f"{label} watch-started and watch-stopped events")

        p = pids["exec"]
        starts = [e for e in by_pid(events, "process-started", p) + by_pid(events, "exec", p)
                  if e["process"].get("name") == "sleep"]
        check(any(e["process"].get("args") == ["sleep", "2"] for e in starts),
              f"{label} process start: pid {p} 'sleep' args ['sleep', '2'] "
              f"({[(e['event']['action'], e['process'].get('args')) for e in by_pid(events, 'process-started', p) + by_pid(events, 'exec', p)]})")
        check(any(e["process"].get("parent", {}).get("pid", 0) > 0 and e["user"]["id"] == "0" for e in starts),
              f"{label} process start has the parent pid and uid 0")
        ex = by_pid(events, "process-exited", p)
        check(len(ex) == 1 and ex[0]["process"]["name"] == "sleep", f"{label} process exit: pid {p} 'sleep' once")
        if starts:
            lat = iso_seconds(starts[0]["@timestamp"]) - t_sleep
            check(lat < 0.5 + 1.0, f"{label} the start is seen {lat:.2f} s after guest-exec began (< 1 period + TCG exec)")

        ml = [e for e in act(events, "module-loaded") if e["hvscope"]["module"]["name"] == "crc32c_generic"]
        mu = [e for e in act(events, "module-unloaded") if e["hvscope"]["module"]["name"] == "crc32c_generic"]
        check(len(ml) == 1 and len(mu) == 1, f"{label} module crc32c_generic loaded and unloaded once each "
              f"({len(ml)}, {len(mu)})")
        if ml and mu:
            check(ml[0]["hvscope"]["module"]["base"] == mu[0]["hvscope"]["module"]["base"],
                  f"{label} the module's base address is the same in both")

        so = [e for e in act(events, "socket-opened") if e.get("source", {}).get("port") == 5555]
        check(len(so) == 1 and so[0]["network"]["transport"] == "tcp" and
              so[0]["hvscope"]["socket"]["state"] == "LISTEN",
              f"{label} a TCP LISTEN socket on port 5555 opened ({[e['message'] for e in so]})")
        check(any(e.get("process", {}).get("pid") == pids["nc"] and e["process"].get("name") == "nc" for e in so),
              f"{label} its owner is pid {pids['nc']} 'nc'")
        sc = [e for e in act(events, "socket-closed") if e.get("source", {}).get("port") == 5555]
        check(len(sc) == 1, f"{label} the socket on port 5555 closed once ({len(sc)})")

        u = pids["uid"]
        cc = by_pid(events, "credential-change", u)
        check(len(cc) == 1 and cc[0]["process"]["name"] == "hvs-setuid",
              f"{label} credential change without exec: pid {u} 'hvs-setuid' ({[e['message'] for e in cc]})")
        if cc:
            c = cc[0]
            check(c["user"]["id"] == "1000" and c["process"]["user"]["id"] == "1000" and
                  c["hvscope"]["previous"]["real_user"]["id"] == "0" and c["process"]["group"]["id"] == "1000",
                  f"{label} uid 0 -> 1000, gid -> 1000 in the event")
        check(not by_pid(events, "exec", u), f"{label} no exec event for the setuid program")
        check(0 <= rss - w.base < RSS_GROWTH_KIB, f"{label} watcher's own memory (RssAnon) {w.base} KiB once started, "
              f"at most {rss} KiB while watching")

        db = sqlite3.connect(case)
        stored = dict(db.execute("SELECT action, count(*) FROM events GROUP BY action").fetchall())
        db.close()
        check(stored.get("credential-change") == 1 and stored.get("module-loaded", 0) >= 1,
              f"{label} the events are in the case ({stored})")
        tl = run([HVSCOPE, "timeline", "--case", case, "--json"])
        lines = [json.loads(l) for l in tl.stdout.splitlines() if l.strip()]
        check(tl.returncode == 0 and any(l.get("event", {}).get("action") == "credential-change" for l in lines),
              f"{label} 'hvscope timeline' shows the credential change")

        # 2. A flood of processes: rate limit and summaries, then losses.
        for tag, extra, kind in (("rate", ["--max-action-rate", "5"], "rate-summary"),
                                 ("queue", ["--max-rate", "100000", "--max-action-rate", "100000",
                                            "--max-queue", "8"], "events-lost")):
            w = Watch(env, cache, work, f"{series}-flood-{tag}", ["--rate", "2"] + extra)
            t0 = time.time()
            guest(env, f"i=0; while [ $i -lt {FLOOD} ]; do sleep 8 & i=$((i+1)); done")
            print(f"     {FLOOD} processes started in {time.time() - t0:.1f} s")
            w.sample(6)
            rss = w.anon_kib()
            rc, events, err = w.stop()
            check(rc == 0, f"{label} flood ({tag}): watch exits 0 ({err.strip()[:200]})")
            started = len(act(events, "process-started")) + len(act(events, "exec"))
            if kind == "rate-summary":
                held = sum(e["hvscope"]["suppressed"] for e in act(events, "rate-summary")
                           if e["hvscope"]["for_action"] in ("process-started", "exec"))
            else:
                held = sum(e["hvscope"]["lost"] for e in act(events, "events-lost"))
            stop = act(events, "watch-stopped")
            check(held > 0 and started + held >= FLOOD,
                  f"{label} flood ({tag}): {started} start events forwarded + {held} in {kind} events >= {FLOOD}")
            check(stop and stop[0]["hvscope"]["lost" if tag == "queue" else "suppressed"] >= held,
                  f"{label} flood ({tag}): watch-stopped totals count them")
            check(0 <= rss - w.base < RSS_GROWTH_KIB, f"{label} flood ({tag}): watcher's own memory (RssAnon) {w.base} KiB "
                  f"once started, at most {rss} KiB in the flood")
            guest(env, "killall sleep 2>/dev/null; true")
            time.sleep(1)
    except Exception as e:  # a failed guest command or a parse error is a failed test, not a crash
        check(False, f"{label} {type(e).__name__}: {e}")
    finally:
        run([RUN_GUEST, "stop", "--name", name])


def main():
    work = tempfile.mkdtemp(prefix="hvs-e2e-watch-")
    try:
        for series in SERIES:
            one_guest(series, work)
    finally:
        if not os.environ.get("HVS_KEEP"):
            subprocess.run(["rm", "-rf", work])
        else:
            print(f"kept {work}")
    print(f"{e2elib.passed} passed, {e2elib.failed} failed")
    return 1 if e2elib.failed else 0


if __name__ == "__main__":
    sys.exit(main())
