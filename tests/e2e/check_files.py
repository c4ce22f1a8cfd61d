#!/usr/bin/python3
"""hvscope files against the lab guest's /proc/PID/fd (run by guest_views.py).

  * live VM and a dump-guest-memory core: the guest's readlink of every
    /proc/PID/fd/N is read before and after hvscope's read; for every process
    whose fd table was the same in both reads (the lab's long-lived processes:
    init, nc, httpd, hvs-labd, the shell loop, the console shell, plus a
    helper started here), hvscope lists exactly the same descriptors with the
    same targets; processes that came or went between the reads (the shell
    that runs the reads) are compared only where stable;
  * the lab's known descriptors: the shell loop's fd 3 is /run/hvs.fifo, open
    O_RDWR, a fifo; nc and httpd hold a socket:[INODE] on fd 3;
  * a helper holding an unlinked file and a pipe: "/tmp/... (deleted)",
    "pipe:[INODE]" on both ends; it is stopped at the end;
  * flags and position of the lab processes' descriptors match their
    /proc/PID/fdinfo (flags without O_CLOEXEC, which fdinfo adds from the
    close-on-exec bitmap);
  * -p PID lists only that process; a PID that does not exist is one error
    line and exit status 1.
"""
import time

from e2elib import check, expect_error

O_CLOEXEC = 0o2000000
LAB = ("nc", "httpd", "hvs-labd")
HELPER = ("rm -f /tmp/hvs-files-del.txt /tmp/hvs-files.pid; echo gone > /tmp/hvs-files-del.txt; "
          "sh -c 'echo $$ > /tmp/hvs-files.pid; exec 4</tmp/hvs-files-del.txt; rm /tmp/hvs-files-del.txt; "
          "exec sleep 900' 2>/dev/null | cat >/dev/null 2>&1 & "
          "i=0; while [ ! -s /tmp/hvs-files.pid ] && [ $i -lt 50 ]; do usleep 100000; i=$((i+1)); done; "
          "usleep 200000; cat /tmp/hvs-files.pid")


def guest_fds(ctx):
    """{pid: {fd: target}} from readlink of /proc/PID/fd/*."""
    out = ctx.guest("for p in /proc/[0-9]*; do for f in $p/fd/*; do l=$(readlink $f 2>/dev/null) && "
                    "echo \"${p#/proc/} ${f##*/} $l\"; done; done; true")
    res = {}
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            res.setdefault(int(parts[0]), {})[int(parts[1])] = parts[2]
    return res


def guest_fdinfo(ctx, pids):
    """{(pid, fd): (pos, flags)} from /proc/PID/fdinfo of @pids."""
    plist = " ".join(str(p) for p in pids)
    out = ctx.guest(f"for p in {plist}; do for f in /proc/$p/fdinfo/*; do "
                    "echo \"$p ${f##*/} $(grep -E '^(pos|flags):' $f | tr '\\n\\t' '  ')\"; done; done; true")
    res = {}
    for line in out.splitlines():
        w = line.split()
        if len(w) >= 6 and w[2] == "pos:" and w[4] == "flags:":
            res[(int(w[0]), int(w[1]))] = (int(w[3]), int(w[5], 8))
    return res


def hv_fds(hv):
    return {p["pid"]: {f["fd"]: f["path"] for f in p["files"]} for p in hv["processes"]}


def compare(label, g1, hv, g2, must=()):
    check(not hv["truncated"], f"{label}: complete ({hv.get('truncated_reason', '')})")
    h = hv_fds(hv)
    stable = [p for p in sorted(set(g1) & set(g2)) if g1[p] == g2[p] and g1[p]]
    bad = [(p, g1[p], h.get(p)) for p in stable if h.get(p) != g1[p]]
    check(not bad, f"{label}: fds and targets of {len(stable)} stable processes match /proc/PID/fd"
                   + (f" {bad[:3]}" if bad else ""))
    # Processes that changed between the reads: what hvscope shows must have been
    # seen in one of them, fd by fd.
    odd = []
    for p, fds in h.items():
        if p in stable:
            continue
        for fd, path in fds.items():
            if g1.get(p, {}).get(fd) != path and g2.get(p, {}).get(fd) != path:
                odd.append((p, fd, path))
    check(not odd, f"{label}: descriptors of changing processes were seen by the guest" + (f" {odd[:5]}" if odd else ""))
    missing = [p for p in must if p not in stable]
    check(not missing, f"{label}: the lab processes {list(must)} are stable in the guest's reads ({missing})")
    return h


def run(ctx):
    label = f"{ctx.label} files"
    helper = int(ctx.guest(HELPER).split()[-1])
    try:
        procs = {p["name"]: p["pid"] for p in ctx.hvscope_json(["ps", "--vm", ctx.env["HVS_QMP"]])["processes"]}
        lab = {n: procs[n] for n in LAB if n in procs}
        check(len(lab) == len(LAB), f"{label}: lab processes found {lab}")
        # The shell loop: sh holding /run/hvs.fifo on fd 3 (the console shell is also "sh").
        g1 = guest_fds(ctx)
        loop = [p for p, fds in g1.items() if fds.get(3) == "/run/hvs.fifo" and p not in lab.values() and p != 1]
        must = sorted(set(lab.values()) | set(loop[:1]) | {1, helper})

        t0 = time.monotonic()
        hv = ctx.hvscope_json(["files", "--vm", ctx.env["HVS_QMP"]])
        ms = (time.monotonic() - t0) * 1000
        g2 = guest_fds(ctx)
        h = compare(f"{label} live", g1, hv, g2, must)
        nfds = sum(len(p["files"]) for p in hv["processes"])
        print(f"     {label}: files {ms:.0f} ms, {len(hv['processes'])} processes, {nfds} descriptors")

        by = {(p["pid"], f["fd"]): f for p in hv["processes"] for f in p["files"]}
        if check(loop, f"{label}: the shell loop holding /run/hvs.fifo on fd 3 found"):
            f = by.get((loop[0], 3), {})
            check(f.get("type") == "fifo" and f.get("flags", 0) & 3 == 2 and not f.get("deleted"),
                  f"{label}: loop fd 3 is /run/hvs.fifo, a fifo open O_RDWR ({f.get('type')}, {f.get('flags_names')})")
        for n in ("nc", "httpd"):
            f = by.get((lab.get(n), 3), {})
            check(f.get("type") == "socket" and f.get("path", "").startswith("socket:[")
                  and f.get("path") == f"socket:[{f.get('inode')}]",
                  f"{label}: {n} fd 3 is {f.get('path')}, a socket named by its inode")
        hf = h.get(helper, {})
        dele = by.get((helper, 4), {})
        check(hf.get(4) == "/tmp/hvs-files-del.txt (deleted)" and dele.get("deleted") and dele.get("type") == "file",
              f"{label}: the helper's unlinked file is '{hf.get(4)}', marked deleted")
        pipe = by.get((helper, 1), {})
        check(pipe.get("type") == "pipe" and pipe.get("path") == f"pipe:[{pipe.get('inode')}]",
              f"{label}: the helper's stdout is {pipe.get('path')}, a pipe")

        # Flags and positions against fdinfo, where the guest's two reads agree.
        i1 = guest_fdinfo(ctx, must)
        hv = ctx.hvscope_json(["files", "--vm", ctx.env["HVS_QMP"]])
        i2 = guest_fdinfo(ctx, must)
        by = {(p["pid"], f["fd"]): f for p in hv["processes"] for f in p["files"]}
        keys = [k for k in sorted(i1) if i1[k] == i2.get(k)]
        bad = [(k, i1[k], (by.get(k, {}).get("pos"), by.get(k, {}).get("flags"))) for k in keys
               if k not in by or by[k]["pos"] != i1[k][0] or by[k]["flags"] != i1[k][1] & ~O_CLOEXEC]
        check(len(keys) >= 10 and not bad, f"{label}: pos and flags of {len(keys)} descriptors match fdinfo"
                                           + (f" {bad[:3]}" if bad else ""))

        # One process.
        one = ctx.hvscope_json(["files", "--vm", ctx.env["HVS_QMP"], "-p", str(lab.get("nc", 0))])
        check([p["pid"] for p in one["processes"]] == [lab.get("nc")], f"{label}: -p {lab.get('nc')} lists only nc")
        if ctx.first:
            expect_error("files -p 999999", ["files", "--vm", ctx.env["HVS_QMP"], "-p", "999999"])
            expect_error("files -p x", ["files", "--vm", ctx.env["HVS_QMP"], "-p", "x"])

        # A dump of the same VM.
        dump, g1, g2 = ctx.dump("files", before=lambda: guest_fds(ctx), after=lambda: guest_fds(ctx))
        hv = ctx.hvscope_json(["files", "--image", dump])
        compare(f"{label} dump", g1, hv, g2, must)
    finally:
        ctx.guest(f"kill {helper} 2>/dev/null; rm -f /tmp/hvs-files.pid; true")
