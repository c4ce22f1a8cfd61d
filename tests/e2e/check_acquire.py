#!/usr/bin/python3
"""hvscope acquire against the lab guest (run by guest_views.py).

  * acquire memory --consistent: exit 0, the file's SHA-256 as printed and in
    the sidecar, the guest stopped for a measured time and running again;
    `hvscope ps --image` on the image lists the processes hvscope's live
    `ps --pause` saw just before and just after (and the guest's own ps),
    and `hvscope kernel --image` finds the same kernel as live;
  * the image's vCPU notes: the page tables hvscope uses from the image give
    the same paging mode as the vCPUs' CR4;
  * acquire registers: every vCPU QEMU has (query-cpus-fast), and CR3, CR4
    and RIP equal to QEMU's own `info registers -a` read while the VM is
    stopped by this test (hvscope must then leave it stopped);
  * acquire memory --live --compress zstd (first boot only): marked smeared,
    `zstd -d` gives the ELF whose hash the sidecar recorded, ps on it works;
  * the case records the acquisitions with their hashes;
  * crash (when HVS_CRASH_VMLINUX names a vmlinux with debug info for this
    kernel): `crash` reads the image, reports the guest's release and walks
    init_task.tasks to the tasks `hvscope ps --image` lists.
"""
import hashlib
import json
import os
import re
import sqlite3
import subprocess

from check_ps import compare, guest_ps
from e2elib import HVSCOPE, check, lab_manifest, qmp, run as run_cmd


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def acquire(ctx, what, args):
    r = run_cmd([HVSCOPE, "acquire", what, "--vm", ctx.env["HVS_QMP"], "--json"] + args)
    if r.returncode != 0:
        raise RuntimeError(f"hvscope acquire {what} failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)


def live_ps(ctx):
    return {p["pid"]: p for p in ctx.hvscope_json(["ps", "--vm", ctx.env["HVS_QMP"], "--pause"])["processes"]}


def run(ctx):
    label = f"{ctx.label} acquire"
    case = os.path.join(ctx.work, f"case-{ctx.series}-{ctx.kaslr}.sqlite")
    img = os.path.join(ctx.work, f"acq-{ctx.series}-{ctx.kaslr}.elf")

    # ---- consistent memory image against hvscope's live view and the guest's own ----
    g1, hv1 = guest_ps(ctx.env), live_ps(ctx)
    res = acquire(ctx, "memory", ["-o", img, "--case", case])
    hv2, g2 = live_ps(ctx), guest_ps(ctx.env)
    check(sha256(img) == res["sha256"], f"{label}: sha256 of the file is the printed one")
    with open(img + ".json") as f:
        side = json.load(f)
    check(side["image"]["sha256"] == res["sha256"] and side["status"] == "complete",
          f"{label}: sidecar records the hash, status complete")
    check(not res["smeared"] and res["downtime_ns"] and res["downtime_ns"] > 0,
          f"{label}: consistent, guest stopped {res['downtime_ns'] / 1e6:.1f} ms (QEMU's events)")
    st = qmp(ctx.env["HVS_QMP"], "query-status")
    check(st["running"], f"{label}: the guest runs again ({st['status']})")
    print(f"     {label}: {res['data_bytes'] >> 20} MiB of {res['ram_bytes'] >> 20} MiB in {res['loads']} loads, "
          f"stopped {res['downtime_ns'] / 1e6:.1f} ms, written in {res['write_ns'] / 1e6:.0f} ms")
    hv = ctx.hvscope_json(["ps", "--image", img])
    compare(f"{label} ps --image vs the guest", g1, hv, g2)
    img_pids = {p["pid"]: p for p in hv["processes"]}
    stable = set(hv1) & set(hv2)
    missing = sorted(p for p in stable if p not in img_pids)
    check(not missing, f"{label}: ps --image lists all {len(stable)} processes live ps --pause saw before and after"
          + (f" (missing {missing})" if missing else ""))
    extra = sorted(p for p in img_pids if p not in hv1 and p not in hv2)
    check(not extra, f"{label}: ps --image lists no process live ps --pause never saw" + (f" {extra}" if extra else ""))
    differ = [(p, img_pids[p]["name"], hv1[p]["name"]) for p in sorted(stable)
              if p in img_pids and (img_pids[p]["name"], img_pids[p]["ppid"], img_pids[p]["argv"]) !=
              (hv1[p]["name"], hv1[p]["ppid"], hv1[p]["argv"])]
    check(not differ, f"{label}: names, parents and command lines as live" + (f" {differ}" if differ else ""))
    k_img = ctx.hvscope_json(["kernel", "--image", img])
    k_live = ctx.hvscope_json(["kernel", "--vm", ctx.env["HVS_QMP"]])
    check((k_img["banner"], k_img["text_va"], k_img["kaslr_slide"]) == (k_live["banner"], k_live["text_va"], k_live["kaslr_slide"]),
          f"{label}: kernel --image finds the live kernel (_text {k_img['text_va']}, slide {k_img['kaslr_slide']})")

    # ---- registers: every vCPU, equal to QEMU's own view of the stopped VM ----
    cpus = qmp(ctx.env["HVS_QMP"], "query-cpus-fast")
    qmp(ctx.env["HVS_QMP"], "stop")
    try:
        regs = acquire(ctx, "registers", ["--case", case])
        text = qmp(ctx.env["HVS_QMP"], "human-monitor-command", {"command-line": "info registers -a"})
        still = not qmp(ctx.env["HVS_QMP"], "query-status")["running"]
    finally:
        qmp(ctx.env["HVS_QMP"], "cont")
    check(still, f"{label}: registers of a VM stopped by someone else leave it stopped")
    theirs = {}
    parts = re.split(r"CPU#(\d+)", text)
    for i in range(1, len(parts), 2):
        body = parts[i + 1]
        theirs[int(parts[i])] = {k.lower(): int(re.search(rf"\b{k}=([0-9a-f]+)", body).group(1), 16)
                                 for k in ("CR3", "CR4", "RIP")}
    ours = {v["cpu"]: v for v in regs["vcpus"]}
    check(sorted(ours) == sorted(c["cpu-index"] for c in cpus),
          f"{label}: registers of every vCPU ({sorted(ours)}, QEMU has {len(cpus)})")
    bad = [(c, k) for c in theirs for k in ("cr3", "cr4", "rip")
           if c not in ours or int(ours[c][k], 16) != theirs[c][k]]
    check(not bad, f"{label}: CR3, CR4, RIP equal QEMU's info registers" + (f" (differ: {bad})" if bad else ""))
    threads = {c["cpu-index"]: c["thread-id"] for c in cpus}
    check(all(ours[c].get("thread_id") == threads[c] for c in threads),
          f"{label}: vCPU host thread ids as query-cpus-fast")
    la57 = bool(int(ours[0]["cr4"], 16) & (1 << 12))
    check(k_img["paging_levels"] == (5 if la57 else 4),
          f"{label}: the image's {k_img['paging_levels']}-level paging matches vCPU 0's CR4.LA57")

    # ---- live + zstd, once ----
    if ctx.first:
        z = os.path.join(ctx.work, "acq-live.elf.zst")
        lr = acquire(ctx, "memory", ["-o", z, "--live", "--compress", "zstd", "--case", case])
        check(lr["smeared"] and lr["downtime_ns"] == 0, f"{label} live: marked smeared, no downtime")
        check(sha256(z) == lr["sha256"], f"{label} live: sha256 of the compressed file")
        elf = z[:-4]
        r = run_cmd(["zstd", "-q", "-d", z, "-o", elf])
        check(r.returncode == 0 and sha256(elf) == lr["uncompressed_sha256"],
              f"{label} live: zstd -d gives the ELF whose hash was recorded")
        g1 = guest_ps(ctx.env)
        hv = ctx.hvscope_json(["ps", "--image", elf])
        compare(f"{label} live image", g1, hv, guest_ps(ctx.env))
        for p in (z, z + ".json", elf):
            os.unlink(p)

    # ---- the case ----
    db = sqlite3.connect(f"file:{case}?mode=ro", uri=True)
    rows = db.execute("SELECT kind, mode, status, sha256, path FROM acquisitions ORDER BY id").fetchall()
    db.close()
    check(("memory", "consistent", "complete", res["sha256"], img) in rows,
          f"{label}: the case records the image with its hash ({len(rows)} acquisitions)")
    check(any(r[0] == "registers" and r[2] == "complete" for r in rows), f"{label}: the case records the registers")

    # ---- crash, when a debug vmlinux of this kernel is at hand ----
    vmlinux = os.environ.get("HVS_CRASH_VMLINUX")
    if vmlinux and os.path.exists(vmlinux) and lab_manifest(ctx.series)["KVER"] in vmlinux:
        r = subprocess.run(["crash", "-s", vmlinux, img], input="sys\nquit\n", capture_output=True, text=True,
                           timeout=600)
        rel = re.search(r"RELEASE:\s*(\S+)", r.stdout)
        check(rel is not None and rel.group(1) == k_live["release"],
              f"{label}: crash reads the image (RELEASE {rel.group(1) if rel else r.stderr.strip()[-200:]})")
        # crash's own task list (`ps`) stays at the idle tasks on Debian's 6.1.192 with
        # crash 8.0.2, on QEMU's dump-guest-memory too; walk init_task.tasks instead.
        r = subprocess.run(["crash", "-s", vmlinux, img], capture_output=True, text=True, timeout=600,
                           input="list task_struct.tasks -s task_struct.pid -h init_task\nquit\n")
        cpids = sorted(int(m) for m in re.findall(r"^\s*pid = (\d+),", r.stdout, re.M))
        hpids = sorted([0] + [p["pid"] for p in ctx.hvscope_json(["ps", "--image", img])["processes"]])
        check(cpids == hpids, f"{label}: crash walks the image's task list: {len(cpids)} tasks, hvscope ps "
                              f"--image {len(hpids) - 1} plus init_task")
    os.unlink(img)
    os.unlink(img + ".json")
