#!/usr/bin/python3
"""hvscope mounts against the lab guest's /proc/mounts and mountinfo (run by guest_views.py).

  * live VM (read before and after hvscope; the lab mounts nothing after
    boot, so both reads must agree), with --pause, and a dump-guest-memory
    core: the same mounts in the same order, line by line: device, mount
    point and file system type equal (after undoing /proc's octal escapes),
    ro/rw equal to the first mount option;
  * mount ids and parent ids equal to /proc/self/mountinfo's first two fields;
  * a read-only bind mount made here (of /data/notes on /tmp/hvs-ro) shows
    as "ro" through MNT_READONLY, with its mount point and the device of
    the mount it came from; it is unmounted at the end.
"""
import re
import time

from e2elib import check


def unescape(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def guest_mounts(ctx):
    """[(device, mount point, type, ro/rw)] and [(id, parent id)] in /proc order."""
    out = ctx.guest("cat /proc/mounts; echo ---; cut -d' ' -f1,2 /proc/self/mountinfo")
    mounts_txt, _, info_txt = out.partition("---")
    mounts = []
    for line in mounts_txt.splitlines():
        w = line.split()
        if len(w) >= 4:
            mounts.append((unescape(w[0]), unescape(w[1]), w[2], w[3].split(",")[0]))
    ids = [tuple(int(x) for x in line.split()) for line in info_txt.splitlines() if len(line.split()) == 2]
    return mounts, ids


def compare(label, g1, hv, g2):
    check(not hv["truncated"], f"{label}: complete ({hv.get('truncated_reason', '')})")
    check(g1 == g2, f"{label}: the guest's mount table did not change between its reads")
    mine = [(m["device"], m["mount_point"], m["type"], "ro" if m["readonly"] else "rw") for m in hv["mounts"]]
    bad = [(i, g, h) for i, (g, h) in enumerate(zip(g1[0], mine)) if g != h]
    check(len(mine) == len(g1[0]) and not bad,
          f"{label}: {len(mine)} mounts match /proc/mounts line by line (device, mount point, type, ro/rw)"
          + (f" (guest {len(g1[0])}) {bad[:3]}" if bad or len(mine) != len(g1[0]) else ""))
    ids = [(m["id"], m["parent_id"]) for m in hv["mounts"]]
    check(ids == g1[1], f"{label}: mount ids and parent ids match mountinfo" + ("" if ids == g1[1] else f" {ids} {g1[1]}"))
    kernel = lambda a: int(a, 16) >= 0xff00000000000000  # noqa: E731 (kernel half, 4- or 5-level, any KASLR)
    check(all(kernel(m["mount_address"]) and kernel(m["sb_address"]) for m in hv["mounts"]),
          f"{label}: every mount carries its struct mount and superblock addresses")


def run(ctx):
    label = f"{ctx.label} mounts"
    ctx.guest("mkdir -p /tmp/hvs-ro && mount --bind /data/notes /tmp/hvs-ro && mount -o remount,bind,ro /tmp/hvs-ro")
    try:
        g1 = guest_mounts(ctx)
        t0 = time.monotonic()
        hv = ctx.hvscope_json(["mounts", "--vm", ctx.env["HVS_QMP"]])
        ms = (time.monotonic() - t0) * 1000
        g2 = guest_mounts(ctx)
        compare(f"{label} live", g1, hv, g2)
        print(f"     {label}: mounts {ms:.0f} ms, {len(hv['mounts'])} mounts")
        ro = [m for m in hv["mounts"] if m["mount_point"] == "/tmp/hvs-ro"]
        check(len(ro) == 1 and ro[0]["readonly"] and ro[0]["device"] == "/dev/vda" and ro[0]["type"] == "ext4"
              and ro[0]["mnt_flags"] & 0x40,
              f"{label}: the read-only bind mount /tmp/hvs-ro is ro by MNT_READONLY ({ro})")

        hv = ctx.hvscope_json(["mounts", "--vm", ctx.env["HVS_QMP"], "--pause"])
        compare(f"{label} --pause", g1, hv, guest_mounts(ctx))

        dump, g1, g2 = ctx.dump("mounts", before=lambda: guest_mounts(ctx), after=lambda: guest_mounts(ctx))
        hv = ctx.hvscope_json(["mounts", "--image", dump])
        compare(f"{label} dump", g1, hv, g2)
    finally:
        ctx.guest("umount /tmp/hvs-ro 2>/dev/null; rmdir /tmp/hvs-ro 2>/dev/null; true")
