#!/usr/bin/python3
"""hvscope creds against the lab guest's own view (run by guest_views.py).

For the lab's long-lived processes (init, nc, httpd, hvs-labd, the shell loop)
and kthreadd: Uid/Gid (real, effective, saved, fs), the number of groups and
CapInh/CapPrm/CapEff/CapBnd/CapAmb of /proc/PID/status, the inode numbers of
every link in /proc/PID/ns/ ("net:[4026531840]"), and the cgroup v2 path of
/proc/PID/cgroup's "0::" line when the guest shows one (the lab mounts no
cgroup fs, so it shows none and the path must then be "/"). Live VM and a
dump. The lab's processes all run as root with full capabilities; other ids,
groups and capability sets are covered by tests/unit/test-creds.c.
"""
import re
import time

from e2elib import check, guest
from check_maps import lab_pids

NS = ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"]


def guest_creds(env, pids):
    cmd = ("for p in %s; do echo \"== $p\"; grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+):' /proc/$p/status; "
           "for n in /proc/$p/ns/*; do echo \"ns ${n##*/} $(readlink $n)\"; done; sed 's/^/cg /' /proc/$p/cgroup; done"
           % " ".join(map(str, sorted(pids))))
    res, cur = {}, None
    for line in guest(env, cmd).splitlines():
        if line.startswith("== "):
            cur = res.setdefault(int(line[3:]), {"ns": {}, "cgroup": None})
        elif cur is None:
            continue
        elif line.startswith("ns "):
            _, name, link = line.split(None, 2)
            m = re.match(r"\w+:\[(\d+)\]", link)
            cur["ns"][name] = int(m.group(1)) if m else None
        elif line.startswith("cg 0::"):
            cur["cgroup"] = line[len("cg 0::"):]
        elif ":" in line:
            k, _, v = line.partition(":")
            cur[k] = v.split()
    return res


def compare(label, pids, g1, hv, g2):
    procs = {p["pid"]: p for p in hv["processes"]}
    for pid, name in sorted(pids.items()):
        p, a, b = procs.get(pid), g1.get(pid), g2.get(pid)
        if not check(p is not None and "uid" in p and a and a == b, f"{label}: {name} (pid {pid}) read, guest stable"):
            continue
        check([str(x) for x in p["uid"]] == a["Uid"] and [str(x) for x in p["gid"]] == a["Gid"],
              f"{label}: {name}: Uid {p['uid']} Gid {p['gid']} match /proc/{pid}/status {a['Uid']} {a['Gid']}")
        check(p["ngroups"] == len(a.get("Groups", [])) and [str(g) for g in p["groups"]] == a.get("Groups", []),
              f"{label}: {name}: groups {p['groups']} match {a.get('Groups', [])}")
        caps = {"CapInh": "cap_inheritable", "CapPrm": "cap_permitted", "CapEff": "cap_effective",
                "CapBnd": "cap_bounding", "CapAmb": "cap_ambient"}
        bad = [(k, a[k][0], p[v]) for k, v in caps.items() if [p[v]] != a.get(k)]
        check(not bad, f"{label}: {name}: capability sets match" + (f" {bad}" if bad else ""))
        mine = {n: v["inum"] for n, v in p["namespaces"].items()}
        want = {n: v for n, v in a["ns"].items() if v}
        check(mine == want and len(want) >= 8,
              f"{label}: {name}: {len(want)} namespace inode numbers match /proc/{pid}/ns" + ("" if mine == want else f" {mine} != {want}"))
        check(p["cgroup"] == (a["cgroup"] if a["cgroup"] is not None else "/"),
              f"{label}: {name}: cgroup {p['cgroup']!r} (guest shows {a['cgroup']!r})")
        check(not p["unreadable"], f"{label}: {name}: nothing unreadable {p['unreadable']}")


def run(ctx):
    qmp = ctx.env["HVS_QMP"]
    pids = lab_pids(ctx.env)
    pids[2] = "kthreadd"
    g1 = guest_creds(ctx.env, pids)
    t0 = time.monotonic()
    hv = ctx.hvscope_json(["creds", "--vm", qmp])
    took = time.monotonic() - t0
    g2 = guest_creds(ctx.env, pids)
    compare(f"{ctx.label} creds live", pids, g1, hv, g2)
    print(f"     {ctx.label} creds live: {took * 1000:.0f} ms, {len(hv['processes'])} processes")
    dump, g1, g2 = ctx.dump("creds", before=lambda: guest_creds(ctx.env, pids), after=lambda: guest_creds(ctx.env, pids))
    hv = ctx.hvscope_json(["creds", "--image", dump])
    compare(f"{ctx.label} creds dump", pids, g1, hv, g2)
