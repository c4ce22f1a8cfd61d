#!/usr/bin/python3
"""hvscope maps against the lab guest's own /proc/PID/maps (run by guest_views.py).

For the lab's long-lived processes (init, nc, httpd, hvs-labd, the shell loop)
every line the guest shows in two reads taken before and after hvscope's read
(so a region that changes in between cannot make the test flaky; these
processes do not allocate while idle) must be listed by hvscope with the same
start, end, permissions, offset, device (major:minor from the superblock's
s_dev), inode and path or label, and hvscope must list no region the guest
never showed. Done on the live VM and on a dump-guest-memory ELF core. Also:
-p for one process, kernel threads rejected with -p, bad input -> one line.
"""
import time

from e2elib import check, expect_error, guest


def lab_pids(env):
    """{pid: label} of the lab's long-lived processes."""
    pids = {1: "init"}
    for line in guest(env, "ps -o pid,comm,args").splitlines()[1:]:
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[0].isdigit():
            continue
        pid, comm, args = int(parts[0]), parts[1], parts[2]
        if comm in ("nc", "httpd", "hvs-labd") or (comm == "sh" and "hvs.fifo" in args):
            pids[pid] = comm if comm != "sh" else "shell loop"
    return pids


def guest_maps(env, pids):
    """{pid: set of (start, end, perms, offset, dev, inode, name)} from /proc/PID/maps."""
    out = guest(env, "for p in %s; do echo \"== $p\"; cat /proc/$p/maps; done" % " ".join(map(str, sorted(pids))))
    res, cur = {}, None
    for line in out.splitlines():
        if line.startswith("== "):
            cur = int(line[3:])
            res[cur] = set()
            continue
        f = line.split(None, 5)
        if cur is None or len(f) < 5:
            continue
        start, end = (int(x, 16) for x in f[0].split("-"))
        res[cur].add((start, end, f[1], int(f[2], 16), f[3], int(f[4]), f[5].strip() if len(f) > 5 else ""))
    return res


def hv_maps(proc):
    return {(int(r["start"], 16), int(r["end"], 16), r["perms"], r["offset"], r["dev"], r["inode"], r["name"])
            for r in proc["regions"]}


def compare(label, pids, g1, hv, g2):
    procs = {p["pid"]: p for p in hv["processes"]}
    for pid, name in sorted(pids.items()):
        p = procs.get(pid)
        if not check(p is not None and "regions" in p, f"{label}: {name} (pid {pid}) listed with its regions"):
            continue
        check(not p["truncated"], f"{label}: {name}: region walk complete ({p.get('truncated_reason', '')})")
        stable = g1.get(pid, set()) & g2.get(pid, set())
        mine = hv_maps(p)
        missing = sorted(stable - mine)
        extra = sorted(r for r in mine if r not in g1.get(pid, set()) and r not in g2.get(pid, set()))
        check(len(stable) >= 5 and not missing and not extra,
              f"{label}: {name}: all {len(stable)} lines of /proc/{pid}/maps match (start, end, perms, offset, dev, "
              f"inode, path)" + (f" missing {missing}" if missing else "") + (f" extra {extra}" if extra else ""))
        labels = {r[6] for r in mine}
        check({"[heap]", "[stack]", "[vdso]", "[vvar]"} <= labels and any(n.startswith("/") for n in labels),
              f"{label}: {name}: file, [heap], [stack], [vdso] and [vvar] regions named")
        check(all(int(r["vma_address"], 16) >> 63 for r in p["regions"]), f"{label}: {name}: every region has its vm_area_struct address")


def run(ctx):
    qmp = ctx.env["HVS_QMP"]
    pids = lab_pids(ctx.env)
    check(len(pids) == 5, f"{ctx.label} maps: the lab's 5 long-lived processes found ({pids})")
    g1 = guest_maps(ctx.env, pids)
    t0 = time.monotonic()
    hv = ctx.hvscope_json(["maps", "--vm", qmp])
    took = time.monotonic() - t0
    g2 = guest_maps(ctx.env, pids)
    compare(f"{ctx.label} maps live", pids, g1, hv, g2)
    print(f"     {ctx.label} maps live: {took * 1000:.0f} ms, {len(hv['processes'])} processes, "
          f"{sum(len(p.get('regions', [])) for p in hv['processes'])} regions")

    one = ctx.hvscope_json(["maps", "--vm", qmp, "-p", "1", "--pause"])
    check([p["pid"] for p in one["processes"]] == [1], f"{ctx.label} maps -p 1 --pause: only init")

    dump, g1, g2 = ctx.dump("maps", before=lambda: guest_maps(ctx.env, pids), after=lambda: guest_maps(ctx.env, pids))
    hv = ctx.hvscope_json(["maps", "--image", dump])
    compare(f"{ctx.label} maps dump", pids, g1, hv, g2)

    if ctx.first:
        expect_error("maps -p of a kernel thread", ["maps", "--vm", qmp, "-p", "2", "--cache-dir", ctx.cache])
        expect_error("maps -p of a missing process", ["maps", "--vm", qmp, "-p", "999999", "--cache-dir", ctx.cache])
        expect_error("maps -p not a number", ["maps", "--vm", qmp, "-p", "x"])
