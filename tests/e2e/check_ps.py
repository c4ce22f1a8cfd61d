#!/usr/bin/python3
"""hvscope ps and kernel against the lab guest's own view (run by guest_views.py).

  * live VM: every PID the guest's `ps` shows in two reads taken before and after
    hvscope's read is listed by hvscope with the same name and parent, and every
    PID hvscope lists was seen by the guest in one of the two reads (so processes
    that start or end between the reads, such as the shell that runs `ps`, cannot
    make the test flaky; the lab's long-lived processes never fork on their own);
  * the full command lines of user processes match /proc/PID/cmdline;
  * hvscope's _text and KASLR slide match the guest's /proc/kallsyms, the release
    its uname -r, the boot time its date - uptime, the paging mode the vCPU's CR4;
  * a second run is a warm start from the profile cache, and so is the first run
    on the KASLR-on boot (the profile cached on the KASLR-off boot is reused);
  * the same comparison by QEMU PID, on an ELF core written by QEMU's
    dump-guest-memory (with the guest's BTF, without the cache, with types from
    --btf vmlinux), and on the VM's RAM file read as a raw physical image;
  * bad input gives one line on stderr and exit status 1 (first boot only).
Name rule: for workqueue workers the guest's /proc shows "kworker/0:1-events"
(task->comm plus the workqueue's name, fs/proc/array.c); hvscope reports
task->comm, so a guest name equal to hvscope's followed by '-' or '+' matches.
"""
import os
import re
import time

from e2elib import ROOT, check, expect_error, guest, iso_seconds, lab_manifest, qmp


def guest_ps(env):
    """{pid: (ppid, name)} from busybox ps in the guest."""
    procs = {}
    for line in guest(env, "ps -o pid,ppid,comm").splitlines()[1:]:
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0].isdigit():
            procs[int(parts[0])] = (int(parts[1]), parts[2].strip())
    return procs


def guest_cmdlines(env):
    """{pid: [argv...]} for processes with a non-empty /proc/PID/cmdline."""
    # /proc files report size 0, so test the content, not the size.
    out = guest(env, "for p in /proc/[0-9]*; do c=$(tr '\\000' '\\001' < $p/cmdline 2>/dev/null); "
                     "[ -n \"$c\" ] && echo \"${p#/proc/} $c\"; done; true")
    res = {}
    for line in out.splitlines():
        pid, _, rest = line.partition(" ")
        if pid.isdigit() and rest:
            res[int(pid)] = rest.rstrip("\x01").split("\x01")
    return res


def names_match(guest_name, hv_name):
    return guest_name == hv_name or (guest_name.startswith(hv_name) and guest_name[len(hv_name):][:1] in ("-", "+"))


def compare(label, g1, hv, g2, cmdlines=None):
    hvp = {p["pid"]: p for p in hv["processes"]}
    check(not hv["truncated"], f"{label}: task list complete")
    stable = set(g1) & set(g2)
    missing = [p for p in sorted(stable) if p not in hvp]
    check(not missing, f"{label}: all {len(stable)} PIDs the guest shows are listed" + (f" (missing {missing})" if missing else ""))
    bad_names = [(p, g1[p][1], hvp[p]["name"]) for p in sorted(stable) if p in hvp and not names_match(g1[p][1], hvp[p]["name"])]
    check(not bad_names, f"{label}: names match" + (f" {bad_names}" if bad_names else ""))
    bad_ppid = [(p, g1[p][0], hvp[p]["ppid"]) for p in sorted(stable) if p in hvp and g1[p][0] != hvp[p]["ppid"]]
    check(not bad_ppid, f"{label}: parents match" + (f" {bad_ppid}" if bad_ppid else ""))
    extra = [p for p in sorted(hvp) if p not in g1 and p not in g2]
    check(not extra, f"{label}: hvscope lists no PID the guest never showed" + (f" (extra {extra})" if extra else ""))
    if cmdlines is not None:
        bad = [(p, cmdlines[p], hvp[p]["argv"]) for p in sorted(stable) if p in cmdlines and p in hvp and cmdlines[p] != hvp[p]["argv"]]
        n = len([p for p in stable if p in cmdlines])
        check(n >= 4 and not bad, f"{label}: command lines of {n} user processes match /proc/PID/cmdline" + (f" {bad}" if bad else ""))
    if hv.get("boot_time"):
        boot = iso_seconds(hv["boot_time"])
        init = hvp.get(1)
        check(init is not None and init.get("start_time") and 0 <= iso_seconds(init["start_time"]) - boot < 60,
              f"{label}: init started within a minute of boot ({init and init.get('start_time')})")
    lab = {p["name"]: p for p in hv["processes"]}
    for name, argv0 in (("httpd", "httpd"), ("nc", "nc"), ("hvs-labd", "/bin/sh")):
        check(name in lab and lab[name]["argv"][:1] == [argv0], f"{label}: lab process '{name}' found with its arguments")





def run(ctx):
    label = f"{ctx.label} live"
    # Live VM. The cache is per kernel series: the KASLR-off boot starts
    # cold, the KASLR-on boot must start warm from the profile the other
    # boot cached, although its kernel sits at other addresses.
    if ctx.kaslr == "on":
        k = ctx.hvscope_json(["kernel", "--vm", ctx.env["HVS_QMP"]])
        check(k["profile_source"] == "cache",
              f"{label}: warm start from the profile cached on the KASLR-off boot ({k['profile_source']})")
    g1 = guest_ps(ctx.env)
    t0 = time.monotonic()
    hv = ctx.hvscope_json(["ps", "--vm", ctx.env["HVS_QMP"]])
    first = time.monotonic() - t0
    g2 = guest_ps(ctx.env)
    cmdlines = guest_cmdlines(ctx.env)
    compare(label, g1, hv, g2, cmdlines)
    print(f"     {label}: ps {first * 1000:.0f} ms ({'warm' if ctx.kaslr == 'on' else 'cold'}), "
          f"{len(hv['processes'])} processes")

    # Kernel placement against the guest's own kallsyms.
    k = ctx.hvscope_json(["kernel", "--vm", ctx.env["HVS_QMP"]])
    text = ctx.guest("grep ' _text$' /proc/kallsyms").split()[0]
    check(int(k["text_va"], 16) == int(text, 16), f"{label}: _text {k['text_va']} matches guest /proc/kallsyms {text}")
    check(k["kaslr"] == ctx.kaslr, f"{label}: KASLR reported {k['kaslr']}")
    check(k["profile_source"] == "cache", f"{label}: second run starts warm from the profile cache ({k['profile_source']})")
    # Boot time from the guest's timekeeper against its own date - uptime
    # (1 s resolution of date, plus the time between the two reads).
    now_s, up_s = ctx.guest("date +%s; cut -d' ' -f1 /proc/uptime").split()
    guest_boot = float(now_s) - float(up_s)
    hv_boot = iso_seconds(k["boot_time"]) if k.get("boot_time") else None
    check(hv_boot is not None and abs(hv_boot - guest_boot) < 2.5,
          f"{label}: boot time {k.get('boot_time')} matches the guest's date - uptime ({guest_boot:.1f})")
    uname = ctx.guest("uname -r").strip()
    check(k["release"] == uname, f"{label}: release {k['release']} matches uname -r {uname}")
    regs = qmp(ctx.env["HVS_QMP"], "human-monitor-command", {"command-line": "info registers"})
    cr4 = int(re.search(r"CR4=([0-9a-f]+)", regs).group(1), 16)
    want = 5 if cr4 & (1 << 12) else 4
    check(k["paging_levels"] == want, f"{label}: {k['paging_levels']}-level paging, as the vCPU's CR4.LA57 says ({want})")

    # Warm ps by QEMU PID.
    g1 = guest_ps(ctx.env)
    hv = ctx.hvscope_json(["ps", "--pid", ctx.env["HVS_QEMU_PID"]])
    g2 = guest_ps(ctx.env)
    compare(f"{ctx.label} --pid", g1, hv, g2)

    # A dump-guest-memory ELF core of the same VM.
    dump, g1, g2 = ctx.dump("ps", before=lambda: guest_ps(ctx.env), after=lambda: guest_ps(ctx.env))
    hv = ctx.hvscope_json(["ps", "--image", dump])
    compare(f"{ctx.label} dump", g1, hv, g2)
    hv = ctx.hvscope_json(["ps", "--image", dump, "--no-cache"])
    compare(f"{ctx.label} dump, no cache", g1, hv, g2)
    vmlinux = lab_manifest(ctx.series).get("VMLINUX")
    if check(vmlinux and os.path.exists(vmlinux), f"{ctx.label} lab vmlinux for --btf"):
        hv = ctx.hvscope_json(["ps", "--image", dump, "--btf", vmlinux])
        compare(f"{ctx.label} dump, types from --btf vmlinux", g1, hv, g2)

    # The VM's RAM file read as a raw physical image (offset == guest-physical address).
    g1 = guest_ps(ctx.env)
    hv = ctx.hvscope_json(["ps", "--image", ctx.env["HVS_RAM"]])
    g2 = guest_ps(ctx.env)
    compare(f"{ctx.label} raw image", g1, hv, g2)

    if ctx.first:
        trunc = os.path.join(ctx.work, "truncated.elf")
        with open(dump, "rb") as src, open(trunc, "wb") as dst:
            dst.write(src.read(1 << 20))
        expect_error("truncated dump", ["ps", "--image", trunc, "--no-cache"])
        notlinux = os.path.join(ctx.work, "zeros.raw")
        with open(notlinux, "wb") as f:
            f.truncate(16 << 20)
        expect_error("a guest that is not Linux", ["ps", "--image", notlinux, "--no-cache"])
        expect_error("non-ELF text file", ["ps", "--image", os.path.join(ROOT, "README.md"), "--no-cache"])
        expect_error("missing QMP socket", ["ps", "--vm", os.path.join(ctx.work, "nope.sock")])
        expect_error("missing dump", ["ps", "--image", os.path.join(ctx.work, "nope.elf")])
        expect_error("PID that is not QEMU", ["ps", "--pid", str(os.getpid())])
        expect_error("no target", ["ps"])
        os.unlink(dump)