#!/usr/bin/python3
"""hvscope env against the lab guest's own /proc/PID/environ (run by guest_views.py).

For the lab's long-lived processes (init, nc, httpd, hvs-labd, the shell loop)
the variables hvscope reads from each process's memory must equal the
guest's /proc/PID/environ, in order, and include HVS_LAB=1 (every lab
process has it, except init, which the kernel starts with its own
environment). Live VM and a dump.
"""
import base64
import time

from e2elib import check, guest
from check_maps import lab_pids


def guest_env(env, pids):
    out = guest(env, "for p in %s; do echo \"$p $(base64 < /proc/$p/environ | tr -d '\\n')\"; done"
                % " ".join(map(str, sorted(pids))))
    res = {}
    for line in out.splitlines():
        pid, _, b64 = line.partition(" ")
        if pid.isdigit():
            raw = base64.b64decode(b64)
            res[int(pid)] = [v.decode("utf-8", "replace") for v in raw.rstrip(b"\0").split(b"\0")] if raw else []
    return res


def compare(label, pids, g1, hv, g2):
    procs = {p["pid"]: p for p in hv["processes"]}
    for pid, name in sorted(pids.items()):
        p = procs.get(pid)
        if not check(p is not None and "variables" in p and g1.get(pid) == g2.get(pid),
                     f"{label}: {name} (pid {pid}) read, guest stable"):
            continue
        check(p["variables"] == g1[pid], f"{label}: {name}: {len(p['variables'])} variables match /proc/{pid}/environ"
              + ("" if p["variables"] == g1[pid] else f" {p['variables']} != {g1[pid]}"))
        if pid != 1:
            check("HVS_LAB=1" in p["variables"], f"{label}: {name}: HVS_LAB=1 present")
        check(not p["unreadable"], f"{label}: {name}: complete {p['unreadable']}")


def run(ctx):
    qmp = ctx.env["HVS_QMP"]
    pids = lab_pids(ctx.env)
    g1 = guest_env(ctx.env, pids)
    t0 = time.monotonic()
    hv = ctx.hvscope_json(["env", "--vm", qmp])
    took = time.monotonic() - t0
    g2 = guest_env(ctx.env, pids)
    compare(f"{ctx.label} env live", pids, g1, hv, g2)
    print(f"     {ctx.label} env live: {took * 1000:.0f} ms, {len(hv['processes'])} processes")
    dump, g1, g2 = ctx.dump("env", before=lambda: guest_env(ctx.env, pids), after=lambda: guest_env(ctx.env, pids))
    hv = ctx.hvscope_json(["env", "--image", dump])
    compare(f"{ctx.label} env dump", pids, g1, hv, g2)
