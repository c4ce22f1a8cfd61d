#!/usr/bin/python3
"""End-to-end: 'hvscope watch --break' (hardware breakpoints through QEMU's gdbstub) on the lab guest.

For each kernel series (HVS_E2E_KERNELS, default "6.1 6.12") it boots the lab
guest under QEMU (TCG here), and:
  1. with the VM's own gdbstub (run-guest.sh starts one): watches
     exec,creds,module,connect while the guest runs an exec with a known
     argv, a modprobe, a TCP connect to the user-net gateway 10.0.2.2 (which
     refuses) and a UID change (su to a user added to /etc/passwd); each shell writes its PID first, so
     the events' PID, name and arguments are compared with what the guest
     says. Afterwards the VM is running, its gdbstub is back to waiting for a
     client, and the bytes at the probed functions (read with HMP 'x' before
     and after) are unchanged: nothing was written into guest memory.
  2. with no gdbstub (HMP 'gdbserver none' first): the watch starts one,
     catches an exec, and afterwards there is no gdbstub again and the VM runs.
  2d. a hot function (vfs_read under a 3000-read dd) with --bp-max-rate 20:
     the probe is taken out (probe-suspended) and put back (probe-resumed),
     and the guest is not held up by a stop per read.
  3. five probes: one clear error line, exit 1, and the VM left as it was.
The VM is stopped on exit, pass or fail.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import HVSCOPE, RUN_GUEST, SERIES, check, guest, hvscope_json, qmp, run  # noqa: E402

PROBES = {"exec": "__x64_sys_execve", "creds": "commit_creds", "module": "do_init_module",
          "connect": "tcp_connect"}
PORTS = {"6.1": "5621", "6.12": "5622"}


def gdb_chardev(env):
    for c in qmp(env["HVS_QMP"], "query-chardev"):
        if c["label"] == "gdb":
            return c["filename"]
    return None


def running(env):
    return qmp(env["HVS_QMP"], "query-status")["running"]


def code_bytes(env, addr, kernel):
    """32 bytes of kernel text at @addr, read physically (HMP xp): a vCPU in user mode under PTI
    does not map kernel text, so a virtual read (HMP xp) would depend on where the vCPU is."""
    pa = addr + int(kernel["kaslr_slide"], 16) - int(kernel["text_va"], 16) + int(kernel["text_pa"], 16)
    out = qmp(env["HVS_QMP"], "human-monitor-command", {"command-line": f"xp /32xb 0x{pa:x}"})
    return re.findall(r"0x[0-9a-f]{2}\b", "\n".join(l.split(":", 1)[1] for l in out.splitlines() if ":" in l))


def symbols(env, cache, work):
    """Addresses of the probed functions as the ISF gives them: without the KASLR slide."""
    path = os.path.join(work, "isf.json")
    r = run([HVSCOPE, "symbols", "export-isf", "--vm", env["HVS_QMP"], "--cache-dir", cache, "-o", path])
    if r.returncode != 0:
        raise RuntimeError(f"symbols export-isf failed: {r.stderr}")
    with open(path) as f:
        syms = json.load(f)["symbols"]
    return {k: syms[v]["address"] for k, v in PROBES.items() if v in syms}


class Watch:
    """hvscope watch --json in the background; stop() sends SIGINT and returns the events."""

    def __init__(self, env, cache, work, breaks, extra=()):
        self.out = open(os.path.join(work, "watch.json"), "w+")
        self.err = open(os.path.join(work, "watch.err"), "w+")
        self.p = subprocess.Popen([HVSCOPE, "watch", "--vm", env["HVS_QMP"], "--cache-dir", cache, "--no-flight",
                                   "--break", breaks, "--json"] + list(extra), stdout=self.out, stderr=self.err)
        # Attached when the loop says it started (the sources are added first). QMP is
        # hvscope's meanwhile: QEMU serves one client per socket.
        deadline = time.time() + 60
        while time.time() < deadline and self.p.poll() is None:
            with open(self.out.name) as f:
                if '"watch-started"' in f.read():
                    break
            time.sleep(0.2)

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


def bp_events(events, action):
    return [e for e in events if e["event"]["provider"] == "breakpoint" and e["event"]["action"] == action]


def one_guest(series, work):
    name = f"w2-bp-{series}-{os.getpid()}"
    label = f"[{series}]"
    kaslr = "off" if series == "6.1" else "on"
    cache = os.path.join(work, f"cache-{series}")
    try:
        r = run([RUN_GUEST, "start", "--name", name, "--kaslr", kaslr, "--kernel", series,
                 "--hostfwd-port", PORTS.get(series, "5623")])
        if not check(r.returncode == 0, f"{label} lab guest boots"):
            print(r.stderr)
            return
        env = {}
        for line in r.stdout.splitlines():
            k, _, v = line.partition("=")
            env[k] = v.strip("'\"")
        addrs = symbols(env, cache, work)
        kernel = hvscope_json(["kernel", "--vm", env["HVS_QMP"]], cache)
        check(len(addrs) == 4, f"{label} the four probed functions are kernel symbols ({addrs})")
        before = {k: code_bytes(env, a, kernel) for k, a in addrs.items()}
        stub_before = gdb_chardev(env)
        check(stub_before and stub_before.startswith("disconnected:tcp:"), f"{label} the VM has a gdbstub ({stub_before})")

        # 1. The VM's own gdbstub, four probes.
        guest(env, "grep -q '^crc32c_generic ' /proc/modules && rmmod crc32c_generic; "
                   "grep -q '^hvsbp:' /etc/passwd || echo 'hvsbp:x:4321:4321::/tmp:/bin/sh' >> /etc/passwd")
        w = Watch(env, cache, work, "exec,creds,module,connect")
        t0 = time.time()
        guest(env, "sh -c 'echo $$ > /tmp/bp-exec; exec /bin/busybox echo hvs-bp-marker \"two words\"' >/dev/null")
        guest(env, "sh -c 'echo $$ > /tmp/bp-mod; exec insmod /lib/modules/crc32c_generic.ko'")
        guest(env, "sh -c 'echo $$ > /tmp/bp-conn; exec nc -w 2 10.0.2.2 5999 </dev/null' >/dev/null 2>&1; true")
        guest(env, "sh -c 'echo $$ > /tmp/bp-uid; exec su -s /bin/sh hvsbp -c true'")
        busy = time.time() - t0
        pids = {k: int(guest(env, f"cat /tmp/bp-{k}").strip()) for k in ("exec", "mod", "conn", "uid")}
        rc, events, err = w.stop()
        check(rc == 0, f"{label} watch exits 0 on SIGINT ({rc}: {err.strip()[:300]})")
        print(f"{label} {len(events)} events in {busy:.1f} s of guest commands")

        ex = [e for e in bp_events(events, "exec") if e.get("process", {}).get("pid") == pids["exec"]]
        check(any(e["process"].get("executable") == "/bin/busybox" and
                  e["process"].get("args") == ["/bin/busybox", "echo", "hvs-bp-marker", "two words"] and
                  e["process"].get("name") == "sh" for e in ex),
              f"{label} exec: pid {pids['exec']}, name sh, /bin/busybox and its argv "
              f"({[(e['process'].get('executable'), e['process'].get('args')) for e in ex]})")
        mods = bp_events(events, "module-loaded")
        check(any(e.get("process", {}).get("pid") == pids["mod"] and e["process"].get("name") == "insmod" and
                  "crc32c_generic" in json.dumps(e) for e in mods),
              f"{label} module load: crc32c_generic by insmod pid {pids['mod']} "
              f"({[(e.get('process', {}).get('pid'), e['message']) for e in mods]})")
        conns = bp_events(events, "tcp-connect")
        check(any(e.get("process", {}).get("pid") == pids["conn"] and e["process"].get("name") == "nc" and
                  e.get("destination", {}).get("ip") == "10.0.2.2" and e["destination"].get("port") == 5999 and
                  e.get("source", {}).get("ip") == "10.0.2.15" for e in conns),
              f"{label} tcp connect: nc pid {pids['conn']} 10.0.2.15 -> 10.0.2.2:5999 "
              f"({[(e.get('process', {}).get('pid'), e['message']) for e in conns]})")
        creds = bp_events(events, "commit-creds")
        uid = [e for e in creds if e.get("process", {}).get("pid") == pids["uid"]]
        check(any(e["process"].get("name") == "su" and e.get("user", {}).get("id") == 0 and
                  e["user"].get("changes", {}).get("id") == 4321 for e in uid),
              f"{label} uid change: su pid {pids['uid']} uid 0 -> 4321 ({[e['message'] for e in uid]})")
        check(all(e["event"]["provider"] in ("breakpoint", "watcher") for e in events),
              f"{label} only breakpoint (and watcher) events with --no-flight")

        # After detaching: running, the VM's stub waiting again, code bytes unchanged.
        check(running(env), f"{label} VM running after the watch")
        check(gdb_chardev(env) == stub_before, f"{label} the VM's gdbstub is as before ({gdb_chardev(env)})")
        after = {k: code_bytes(env, a, kernel) for k, a in addrs.items()}
        check(all(len(before[k]) == 32 for k in before) and before == after,
              f"{label} probed functions' bytes unchanged ({ {k: ' '.join(v[:4]) for k, v in after.items()} })")
        check(guest(env, "echo alive").strip() == "alive", f"{label} guest still answers")

        # 2. No gdbstub: the watch starts one and removes it.
        qmp(env["HVS_QMP"], "human-monitor-command", {"command-line": "gdbserver none"})
        check(gdb_chardev(env) is None, f"{label} gdbstub removed for the second run")
        w = Watch(env, cache, work, "exec")
        guest(env, "sh -c 'echo $$ > /tmp/bp-exec2; exec /bin/busybox true second-run'")
        pid2 = int(guest(env, "cat /tmp/bp-exec2").strip())
        rc, events, err = w.stop()
        check(rc == 0, f"{label} second watch exits 0 ({rc}: {err.strip()[:300]})")
        check(any(e.get("process", {}).get("pid") == pid2 and e["process"].get("args") == ["/bin/busybox", "true",
                                                                                           "second-run"]
                  for e in bp_events(events, "exec")), f"{label} exec seen through a gdbstub the watch started")
        check(gdb_chardev(env) is None, f"{label} no gdbstub after the watch ({gdb_chardev(env)})")
        check(running(env), f"{label} VM running after the second watch")
        again = {k: code_bytes(env, a, kernel) for k, a in addrs.items()}
        check(all(len(v) == 32 for v in again.values()) and again == before, f"{label} code bytes unchanged again")

        # 2b. The reader goes away (| head -1): the watch must still detach, not die of SIGPIPE.
        p = subprocess.Popen(f"'{HVSCOPE}' watch --vm '{env['HVS_QMP']}' --cache-dir '{cache}' --no-flight "
                             f"--break exec --json | head -1", shell=True, stdout=subprocess.PIPE, text=True)
        time.sleep(3)
        guest(env, "/bin/busybox true; /bin/busybox true; /bin/busybox true")
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
        check(p.returncode is not None and guest(env, "/bin/busybox echo alive").strip() == "alive" and running(env),
              f"{label} watch piped into head -1 detaches when the pipe closes")
        check(gdb_chardev(env) is None, f"{label} ... and removes the gdbstub it started")

        # 2c. A watcher killed with SIGKILL leaves its breakpoint in QEMU: the next hit stops the VM for
        # nobody ("debug"). Running the watch again must leave it running.
        k = subprocess.Popen([HVSCOPE, "watch", "--vm", env["HVS_QMP"], "--cache-dir", cache, "--no-flight",
                              "--break", "module", "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(4)
        k.kill()
        k.wait()
        guest(env, "rmmod crc32c_generic; (sleep 1; insmod /lib/modules/crc32c_generic.ko) >/dev/null 2>&1 &")
        time.sleep(4)
        st = qmp(env["HVS_QMP"], "query-status")["status"]
        check(st == "debug", f"{label} a killed watcher's breakpoint stopped the VM ({st})")
        r = run([HVSCOPE, "watch", "--vm", env["HVS_QMP"], "--cache-dir", cache, "--no-flight", "--break", "module",
                 "--duration", "1"])
        check(r.returncode == 0, f"{label} watch after a killed one ({r.returncode}: {r.stderr.strip()[:200]})")
        check(running(env) and guest(env, "grep -c '^crc32c_generic ' /proc/modules").strip() == "1",
              f"{label} running the watch again leaves the VM running with no breakpoint left")
        qmp(env["HVS_QMP"], "human-monitor-command", {"command-line": "gdbserver none"})

        # 2d. A hot function: the hit-rate guard takes its breakpoint out (each hit stops the whole
        # VM) and puts it back later; the guest is not held up by thousands of stops.
        w = Watch(env, cache, work, "vfs_read", ["--bp-max-rate", "20"])
        t0 = time.time()
        out = guest(env, "dd if=/dev/zero of=/dev/null bs=1 count=3000 2>&1 | tail -1")
        dt = time.time() - t0
        time.sleep(3)   # the first suspension (1 s) is over: the probe goes back in
        rc, events, err = w.stop()
        sus, back = bp_events(events, "probe-suspended"), bp_events(events, "probe-resumed")
        calls = bp_events(events, "kernel-call")
        check(rc == 0, f"{label} hot-probe watch exits 0 ({rc}: {err.strip()[:300]})")
        check(bool(sus) and sus[0]["hvscope"]["function"] == "vfs_read" and sus[0]["hvscope"]["hits"] > 20,
              f"{label} vfs_read taken out after more than 20 hits in a second "
              f"({[(e['hvscope'].get('hits'), e['hvscope'].get('suspended_ms')) for e in sus]})")
        check(bool(back), f"{label} ... and put back ({len(back)} probe-resumed events)")
        check(0 < len(calls) < 3000 and "3000" in out, f"{label} {len(calls)} hits reported, not one per read "
              f"of the guest's 3000 ({out.strip()[-60:]})")
        check(dt < 60, f"{label} 3000 reads under the probe took {dt:.1f} s (each hit would stop the VM)")
        check(gdb_chardev(env) is None and running(env) and guest(env, "echo alive").strip() == "alive",
              f"{label} VM running, gdbstub removed after the hot-probe watch")

        # 3. Five probes: a clear error, nothing attached.
        r = run([HVSCOPE, "watch", "--vm", env["HVS_QMP"], "--cache-dir", cache, "--no-flight",
                 "--break", "exec,creds,module,connect,vfs_read", "--duration", "1"])
        check(r.returncode == 1 and "at most 4 hardware breakpoints (x86 debug registers)" in r.stderr,
              f"{label} five probes refused ({r.returncode}: {r.stderr.strip()})")
        r = run([HVSCOPE, "watch", "--vm", env["HVS_QMP"], "--cache-dir", cache, "--no-flight",
                 "--break", "exec,no_such_function_hvs", "--duration", "1"])
        check(r.returncode == 1 and "no_such_function_hvs" in r.stderr,
              f"{label} unknown function refused ({r.returncode}: {r.stderr.strip()})")
        check(gdb_chardev(env) is None and running(env), f"{label} refused watches left the VM as it was")
    finally:
        run([RUN_GUEST, "stop", "--name", name])
        check(not os.path.exists(f"/dev/shm/hvs-lab-{name}.ram"), f"{label} VM stopped")


def main():
    work = tempfile.mkdtemp(prefix="hvs-e2e-bp-")
    try:
        for series in SERIES:
            one_guest(series, work)
    finally:
        subprocess.run(["rm", "-rf", work])
    print(f"{e2elib.passed} passed, {e2elib.failed} failed")
    return 1 if e2elib.failed else 0


if __name__ == "__main__":
    sys.exit(main())
