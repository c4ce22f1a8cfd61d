#!/usr/bin/python3
"""Benchmark: the breakpoint source (hvscope watch --break) on the lab guest.

Boots the lab guest and times a fixed guest workload (N execs of
/bin/busybox true from one shell: each is one execve and one commit_creds)
without any watcher, then with the breakpoint source attached (bench-bp)
for several probe sets:
  module            a probe the workload never hits: the cost of having
                    hardware breakpoints set at all (TCG: the translator's check)
  exec              one hit per exec
  exec,creds        two hits per exec
  exec,creds,module,connect
Prints the workload's wall time (median of --runs), the slowdown against no
watcher, and bench-bp's own figures: hits, mean and longest time per hit
(stop reply to the VM running again), attach and detach times.
Usage: bench/bench_bp.py [--runs N] [--execs N] [--kernel 6.1|6.12] [--build DIR]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lab"))
from guest_exec import guest_exec  # noqa: E402

PROBE_SETS = ["module", "exec", "exec,creds", "exec,creds,module,connect"]


def workload(env, execs):
    cmd = f"i=0; while [ $i -lt {execs} ]; do /bin/busybox true; i=$((i+1)); done"
    t0 = time.monotonic()
    rc, out = guest_exec(env["HVS_SERIAL"], cmd, timeout=600)
    if rc != 0:
        raise RuntimeError(f"workload failed: {out}")
    return time.monotonic() - t0


def with_bp(env, bench, probes, execs, runs):
    p = subprocess.Popen([bench, env["HVS_QMP"], probes, "3600"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    line = p.stderr.readline()
    if "attached" not in line:
        p.kill()
        raise RuntimeError(f"bench-bp: {line}{p.stderr.read()}")
    times = [workload(env, execs) for _ in range(runs)]
    p.send_signal(2)
    out, err = p.communicate(timeout=120)
    return times, json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--execs", type=int, default=200)
    ap.add_argument("--kernel", default="6.1")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    bench = os.path.join(a.build, "bench", "bench-bp")
    name = f"bench-bp-{os.getpid()}"
    r = subprocess.run([os.path.join(ROOT, "lab", "run-guest.sh"), "start", "--name", name, "--kernel", a.kernel],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr)
        return 1
    env = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
    env = {k: v.strip("'\"") for k, v in env.items()}
    try:
        workload(env, 20)       # warm the guest's page cache
        base = [workload(env, a.execs) for _ in range(a.runs)]
        b = statistics.median(base)
        print(f"kernel {a.kernel}, accelerator {env.get('HVS_ACCEL')}, {a.execs} execs per run, "
              f"median of {a.runs} runs")
        print(f"{'probes':28} {'workload s':>10} {'slowdown':>9} {'hits':>6} {'hit us mean':>12} "
              f"{'hit us max':>11} {'attach ms':>10} {'detach ms':>10}")
        print(f"{'(none)':28} {b:10.2f} {'':>9}")
        for probes in PROBE_SETS:
            times, st = with_bp(env, bench, probes, a.execs, a.runs)
            m = statistics.median(times)
            print(f"{probes:28} {m:10.2f} {100 * (m - b) / b:8.1f}% {st['hits']:6} {st['hit_us_mean']:12.0f} "
                  f"{st['hit_us_max']:11.0f} {st['attach_ms']:10.1f} {st['detach_ms']:10.1f}")
    finally:
        subprocess.run([os.path.join(ROOT, "lab", "run-guest.sh"), "stop", "--name", name], capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
