#!/usr/bin/python3
"""Benchmark: `hvscope ps` on the lab guest, cold and warm, next to QEMU's dump-guest-memory.

Boots the lab guest (KASLR on), then prints for each:
  * cold ps: empty profile cache (kallsyms recovery, BTF parse, task walk);
  * warm ps: profile cache filled (the normal case after the first run);
  * QEMU's own dump-guest-memory of the same VM to tmpfs (what a responder
    would otherwise do before running a memory-forensics tool on the dump);
wall time (median, min, max over the runs) and peak RSS (from wait4).
Targets (issue 2): warm under 20 ms, cold under 1 s, peak RSS under 64 MiB.
Usage: bench/bench_ps.py [--runs N] [--hvscope PATH]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lab"))
from qmp_client import qmp  # noqa: E402


def run_measured(cmd):
    """(seconds, peak RSS in KiB, stdout) of one child."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[0]} failed: {err.decode().strip()}")
    return dt, ru.ru_maxrss, out




def row(name, times, rss_kib, note=""):
    ms = [t * 1000 for t in times]
    rss = f"{max(rss_kib) / 1024:7.1f} MiB" if rss_kib else "      n/a"
    print(f"{name:34s} {statistics.median(ms):9.1f} {min(ms):9.1f} {max(ms):9.1f}  {rss}  {note}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--hvscope", default=os.path.join(ROOT, "build", "tools", "hvscope", "hvscope"))
    a = ap.parse_args()
    subprocess.run([os.path.join(ROOT, "lab", "build-guest.sh")], check=True, capture_output=True)
    name = f"bench-ps-{os.getpid()}"
    work = tempfile.mkdtemp(prefix="hvs-bench-", dir="/dev/shm")
    run_guest = os.path.join(ROOT, "lab", "run-guest.sh")
    try:
        r = subprocess.run([run_guest, "start", "--name", name, "--kaslr", "on"], capture_output=True, text=True, check=True)
        env = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
        qmp_path = env["HVS_QMP"].strip("'\"")
        time.sleep(2)  # let the guest settle after boot

        cold_t, cold_rss = [], []
        for i in range(max(3, a.runs // 3)):
            cache = os.path.join(work, f"cold-{i}")
            t, rss, _ = run_measured([a.hvscope, "ps", "--vm", qmp_path, "--cache-dir", cache])
            cold_t.append(t)
            cold_rss.append(rss)
        cache = os.path.join(work, "warm")
        _, _, out = run_measured([a.hvscope, "ps", "--json", "--vm", qmp_path, "--cache-dir", cache])
        nproc = len(json.loads(out)["processes"])
        warm_t, warm_rss = [], []
        for _ in range(a.runs):
            t, rss, _ = run_measured([a.hvscope, "ps", "--vm", qmp_path, "--cache-dir", cache])
            warm_t.append(t)
            warm_rss.append(rss)
        _, _, out = run_measured([a.hvscope, "kernel", "--json", "--vm", qmp_path, "--cache-dir", cache])
        k = json.loads(out)

        dump_t = []
        for i in range(3):
            path = os.path.join(work, f"dump-{i}.elf")
            t0 = time.monotonic()
            qmp(qmp_path, "dump-guest-memory", {"paging": False, "protocol": "file:" + path})
            dump_t.append(time.monotonic() - t0)
            size = os.path.getsize(path)
            os.unlink(path)

        print(f"lab guest: {k['banner'][:60]}..., KASLR {k['kaslr']}, {k['paging_levels']}-level paging, "
              f"{k['symbols']} symbols, {nproc} processes, RAM {env.get('HVS_MEM', '?')}")
        print(f"{'':34s} {'median ms':>9s} {'min ms':>9s} {'max ms':>9s}  {'peak RSS':>11s}")
        row("hvscope ps, cold (no cache)", cold_t, cold_rss, "target < 1000 ms, < 64 MiB")
        row("hvscope ps, warm (profile cached)", warm_t, warm_rss, "target < 20 ms")
        row("QEMU dump-guest-memory (tmpfs)", dump_t, [], f"{size / 2**20:.0f} MiB image, guest paused meanwhile")
        print(f"warm ps is {statistics.median(dump_t) / statistics.median(warm_t):.0f}x faster than taking a dump "
              "(before any analysis of the dump)")
    finally:
        subprocess.run([run_guest, "stop", "--name", name], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
