#!/usr/bin/python3
"""hvscope collect and the case against the lab guest (run by guest_views.py).

  * collect --pause from the live VM into a new case; a new process started
    in the guest (lab/guest-exec); collect again; `hvscope case diff 1 2`
    shows that process as added (by PID, with its command line) and nothing
    of the lab's long-lived processes as gone;
  * `hvscope case verify` passes on the case, and fails once a stored process
    row is edited with the sqlite3 shell;
  * on a dump-guest-memory ELF core, a collect stores, per view, exactly what
    the view's own command prints: the stored JSON is byte for byte the
    command's --json (kernel: up to its open time), and the typed tables hold
    as many rows as the command lists (processes, modules, sockets, open
    files, mounts, memory regions, credentials);
  * collect --json without --case prints every view in one object, with the
    same counts.
"""
import json
import os
import re
import sqlite3
import subprocess

from e2elib import HVSCOPE, check
from e2elib import run as sh


def hv(ctx, args):
    """hvscope ARGS; the commands that read a guest share the run's profile cache."""
    return sh([HVSCOPE] + args + ([] if args[0] == "case" else ["--cache-dir", ctx.cache]))


def db_rows(path, sql, args=()):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def live_diff(ctx, label):
    case = os.path.join(ctx.work, f"live-{ctx.series}-{ctx.kaslr}.sqlite")
    qmp = ["--vm", ctx.env["HVS_QMP"]]
    r = hv(ctx, ["collect", "--case", case, "--pause", "--label", "before", "--json"] + qmp)
    if not check(r.returncode == 0, f"{label} collect --pause into a new case ({r.stderr.strip()[:200]})"):
        return
    s1 = json.loads(r.stdout)
    check(s1["snapshot_id"] == 1 and s1["paused"] and s1["views"]["ps"]["count"] > 20,
          f"{label} snapshot 1: paused, {s1['views']['ps']['count']} processes")
    pid = int(ctx.guest("sleep 7777 >/dev/null 2>&1 & echo $!").strip().splitlines()[-1])
    try:
        r = hv(ctx, ["collect", "--case", case, "--label", "after"] + qmp)
        if not check(r.returncode == 0 and re.search(r"^snapshot 2 in case ", r.stdout, re.M),
                     f"{label} second collect, table summary ({r.stderr.strip()[:200]})"):
            return
        check(re.search(r"^ps +\d+ +processes", r.stdout, re.M) and re.search(r"^total ", r.stdout, re.M),
              f"{label} summary has a count per view and the time taken")
        r = hv(ctx, ["case", "diff", "1", "2", "--case", case, "--json"])
        if not check(r.returncode == 0, f"{label} case diff 1 2 ({r.stderr.strip()[:200]})"):
            return
        d = json.loads(r.stdout)
        added = [c for c in d["changes"] if c["what"] == "process" and c["change"] == "added"]
        mine = [c for c in added if c["pid"] == pid]
        check(len(mine) == 1 and "sleep 7777" in mine[0]["label"],
              f"{label} diff shows the new process {pid} 'sleep 7777' as added ({[c['label'] for c in added]})")
        gone = [c["label"] for c in d["changes"] if c["what"] == "process" and c["change"] == "removed"
                and re.search(r"httpd|nc -ll|hvs-labd", c["label"])]
        check(not gone, f"{label} diff shows none of the lab's long-lived processes as removed {gone}")
        r = hv(ctx, ["case", "diff", "1", "2", "--case", case])
        check(r.returncode == 0 and re.search(rf"^\+ process .*sleep 7777", r.stdout, re.M),
              f"{label} case diff table shows '+ process ... sleep 7777'")
        r = hv(ctx, ["case", "verify", "--case", case])
        check(r.returncode == 0 and r.stdout.startswith("OK: "), f"{label} case verify passes ({r.stdout.strip()[-120:]})")
        # An edit behind hvscope's back.
        subprocess.run(["sqlite3", case, f"UPDATE processes SET comm = 'x' WHERE snapshot_id = 2 AND pid = {pid}"],
                       check=True)
        r = hv(ctx, ["case", "verify", "--case", case])
        check(r.returncode == 1 and "snapshot 2: its content" in r.stdout,
              f"{label} case verify catches an edited process row")
    finally:
        ctx.guest(f"kill {pid} 2>/dev/null; true")


# View -> (command, how the command's --json counts what the case stores, the case's table).
VIEWS = {
    "ps": (["ps"], lambda o: len(o["processes"]), "processes"),
    "modules": (["modules"], lambda o: len(o["modules"]), "modules"),
    "net": (["net"], lambda o: len(o["sockets"]), "sockets"),
    "files": (["files"], lambda o: sum(len(p["files"]) for p in o["processes"]), "files"),
    "mounts": (["mounts"], lambda o: len(o["mounts"]), "mounts"),
    "maps": (["maps"], lambda o: sum(len(p.get("regions", [])) for p in o["processes"]), "mappings"),
    "creds": (["creds"], lambda o: sum("error" not in p for p in o["processes"]), "credentials"),
    "dmesg": (["dmesg"], lambda o: len(o["records"]), None),
    "kernel": (["kernel"], lambda o: 1, None),
}


def dump_counts(ctx, label):
    path, _, _ = ctx.dump("collect")
    try:
        case = os.path.join(ctx.work, f"dump-{ctx.series}-{ctx.kaslr}.sqlite")
        r = hv(ctx, ["collect", "--image", path, "--case", case, "--json"])
        if not check(r.returncode == 0, f"{label} collect from a dump ({r.stderr.strip()[:200]})"):
            return
        summary = json.loads(r.stdout)
        sid = summary["snapshot_id"]
        r = hv(ctx, ["collect", "--image", path, "--json"])
        allv = json.loads(r.stdout) if r.returncode == 0 else {"views": {}, "summary": {}}
        check(r.returncode == 0 and set(VIEWS) <= set(allv["views"]), f"{label} collect --json prints every view")
        for view, (cmd, count, table) in VIEWS.items():
            c = hv(ctx, cmd + ["--image", path, "--json"])
            if not check(c.returncode == 0, f"{label} hvscope {view} --json on the dump"):
                continue
            stored = db_rows(case, "SELECT json FROM view_json WHERE snapshot_id = ? AND view = ?", (sid, view))
            cli = c.stdout.rstrip("\n")
            got = stored[0][0] if stored else ""
            if view == "kernel":
                norm = lambda s: re.sub(r'"open_ms":[0-9.e+-]+', '"open_ms":0', s)  # noqa: E731
                cli, got = norm(cli), norm(got)
            check(got == cli, f"{label} {view}: the stored JSON is what 'hvscope {view} --json' prints")
            n = count(json.loads(c.stdout))
            check(summary["views"][view]["count"] == n and allv["summary"].get(view, {}).get("count") == n,
                  f"{label} {view}: collect counts {summary['views'][view]['count']}, the command lists {n}")
            if table:
                rows = db_rows(case, f"SELECT count(*) FROM {table} WHERE snapshot_id = ?", (sid,))[0][0]
                check(rows == n, f"{label} {view}: {rows} rows in table {table}, the command lists {n}")
        r = hv(ctx, ["case", "verify", "--case", case])
        check(r.returncode == 0, f"{label} case verify on the dump's case ({r.stdout.strip()[-120:]})")
    finally:
        os.unlink(path)


def run(ctx):
    label = f"{ctx.label} collect"
    live_diff(ctx, label)
    dump_counts(ctx, label)
