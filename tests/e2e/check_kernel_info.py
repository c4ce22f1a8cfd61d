#!/usr/bin/python3
"""hvscope kernel's kernel facts against the lab guest (run by guest_views.py).

  * the boot command line matches /proc/cmdline;
  * the hostname matches `hostname`, the domain name /proc/sys/kernel/domainname;
  * uname: sysname, nodename, release, version string and machine match
    `uname -s -n -r -v -m`;
  * online CPUs match `nproc` and the processors in /proc/cpuinfo;
  * the same on a dump-guest-memory ELF core.
"""
import os

from e2elib import check


def guest_facts(ctx):
    return {
        "cmdline": ctx.guest("cat /proc/cmdline").rstrip("\r\n"),
        "hostname": ctx.guest("hostname").strip(),
        "domainname": ctx.guest("cat /proc/sys/kernel/domainname").strip(),
        "uname": [ctx.guest(f"uname -{f}").strip() for f in "snrvm"],
        "nproc": int(ctx.guest("nproc").strip()),
        "cpuinfo": int(ctx.guest("grep -c ^processor /proc/cpuinfo").strip()),
    }


def compare(label, g, k):
    check(k["command_line"] == g["cmdline"], f"{label}: command line {k['command_line']!r} matches /proc/cmdline")
    check(k["hostname"] == g["hostname"], f"{label}: hostname {k['hostname']!r} matches the guest's")
    check(k["domainname"] == g["domainname"], f"{label}: domain name {k['domainname']!r} matches the guest's")
    u = k["uname"] or {}
    got = [u.get(f) for f in ("sysname", "nodename", "release", "version", "machine")]
    check(got == g["uname"], f"{label}: uname {got} matches the guest's {g['uname']}")
    check(k["cpus_online"] == g["nproc"] == g["cpuinfo"] and k["cpu_ids"] >= k["cpus_online"],
          f"{label}: {k['cpus_online']} CPUs online ({k['cpu_ids']} ids) as nproc and /proc/cpuinfo say")


def run(ctx):
    g = guest_facts(ctx)
    compare(f"{ctx.label} live", g, ctx.hvscope_json(["kernel", "--vm", ctx.env["HVS_QMP"]]))
    dump, _, _ = ctx.dump("kernel-info")
    try:
        compare(f"{ctx.label} dump", g, ctx.hvscope_json(["kernel", "--image", dump]))
    finally:
        os.unlink(dump)
