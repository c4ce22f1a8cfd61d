#!/usr/bin/python3
"""hvscope dmesg against the lab guest's own kernel log (run by guest_views.py).

  * a marker written to /dev/kmsg (level 4, facility user) just before the read
    is in hvscope's log with that level, facility and text;
  * every record of the guest's `dmesg -r` (busybox: raw "<prio>[sec.usec] text"
    lines, prio = facility * 8 + level), read before hvscope, appears in
    hvscope's --json output with the same level, facility, timestamp and text
    (a multi-line record is one line per text line, as the kernel's syslog
    output); hvscope may show records the guest added after its read;
  * every record hvscope shows is in the guest's `dmesg -r` read after it;
  * hvscope's text output reproduces the guest's plain `dmesg` lines;
  * --level err,warn keeps only those levels;
  * the same on a dump-guest-memory ELF core.
"""
import os
import re
import subprocess
import time

from e2elib import HVSCOPE, check

LINE = re.compile(r"^<(\d+)>\[\s*(\d+)\.(\d{6})\] ?(.*)$")


def guest_raw(ctx):
    """[(prio, ts_us, text)] from the guest's dmesg -r."""
    res = []
    for line in ctx.guest("dmesg -r").splitlines():
        m = LINE.match(line.rstrip("\r"))
        if m:
            res.append((int(m.group(1)), int(m.group(2)) * 1000000 + int(m.group(3)), m.group(4)))
    return res


def hv_lines(hv):
    """hvscope's records as the guest's raw lines."""
    res = []
    for r in hv["records"]:
        for text in r["text"].split("\n"):
            res.append((r["facility"] * 8 + r["level"], r["timestamp_ns"] // 1000, text))
    return res


def compare(label, before, hv, after):
    check(not hv["truncated"], f"{label}: kernel log complete")
    lines = hv_lines(hv)
    have = set(lines)
    missing = [l for l in before if l not in have]
    check(len(before) > 100 and not missing,
          f"{label}: all {len(before)} lines of the guest's dmesg -r match in level, timestamp and text" +
          (f" (missing {missing[:5]})" if missing else ""))
    later = set(after)
    extra = [l for l in lines if l not in later]
    check(not extra, f"{label}: every record hvscope shows is in the guest's log" + (f" (extra {extra[:5]})" if extra else ""))
    seqs = [r["seq"] for r in hv["records"]]
    check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"{label}: records in sequence order, each once")


def run(ctx):
    qmp_sock = ctx.env["HVS_QMP"]
    marker = f"hvscope-e2e-marker-{os.getpid()}-{ctx.series}-{ctx.kaslr}"
    ctx.guest(f"echo '<12>{marker}' > /dev/kmsg")
    before = guest_raw(ctx)
    t0 = time.monotonic()
    hv = ctx.hvscope_json(["dmesg", "--vm", qmp_sock])
    ms = (time.monotonic() - t0) * 1000
    after = guest_raw(ctx)
    label = f"{ctx.label} live"
    compare(label, before, hv, after)
    mk = [r for r in hv["records"] if r["text"] == marker]
    check(len(mk) == 1 and mk[0]["level"] == 4 and mk[0]["facility"] == 1,
          f"{label}: /dev/kmsg marker found with level 4, facility 1 "
          f"({[(x['level'], x['facility']) for x in mk]})")
    check(hv["records"] and hv["records"][0]["text"].startswith("Linux version ")
          and hv["records"][0]["time"] is not None,
          f"{label}: the log starts with the banner, with a wall-clock time")
    print(f"     {label}: dmesg {ms:.0f} ms, {len(hv['records'])} records, {hv['skipped']} skipped")

    # Text rendering against the guest's plain dmesg.
    plain = [l.rstrip("\r") for l in ctx.guest("dmesg").splitlines() if l.startswith("[")]
    r = subprocess.run([HVSCOPE, "dmesg", "--vm", qmp_sock, "--cache-dir", ctx.cache], capture_output=True, text=True)
    out = set(r.stdout.splitlines())
    miss = [l for l in plain if l not in out]
    check(r.returncode == 0 and len(plain) > 100 and not miss,
          f"{label}: text output reproduces the guest's {len(plain)} dmesg lines" + (f" (missing {miss[:3]})" if miss else ""))

    hvl = ctx.hvscope_json(["dmesg", "--vm", qmp_sock, "--level", "err,warn"])
    levels = {x["level"] for x in hvl["records"]}
    want = sum(1 for x in hv["records"] if x["level"] in (3, 4))
    check(levels <= {3, 4} and len(hvl["records"]) >= want,
          f"{label}: --level err,warn keeps {len(hvl['records'])} records of levels {sorted(levels)}")

    dump, before, after = ctx.dump("dmesg", before=lambda: guest_raw(ctx), after=lambda: guest_raw(ctx))
    try:
        hv = ctx.hvscope_json(["dmesg", "--image", dump])
        compare(f"{ctx.label} dump", before, hv, after)
    finally:
        os.unlink(dump)
