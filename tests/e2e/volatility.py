#!/usr/bin/python3
"""hvscope and Volatility 3 on the same lab guest (suite 'e2e').

Runs only where Volatility 3 is installed: $VOLATILITY3 (vol.py, a directory
holding vol.py, or a command), else `vol` or `vol.py` on PATH; otherwise it
prints "SKIP: Volatility 3 not installed" and exits 77.

For each lab boot (HVS_E2E_KERNELS, default "6.1 6.12"; KASLR off and on, the
KASLR boot with the kernel argument no5lvl since Volatility's x86-64 layer
walks 4-level page tables only; HVS_VOL_KASLR="off" limits the boots):

  * `hvscope symbols export-isf` writes the ISF into SYMDIR/linux/ as .json.xz
    and `hvscope acquire memory --consistent` writes the ELF core;
  * `vol -f IMAGE -s SYMDIR -r json linux.pslist` (Volatility finds the ISF by
    its linux_banner, the kernel shifts and page tables itself) exits 0 and
    lists exactly the processes `hvscope ps --image IMAGE` lists: the same
    (PID, PPID, COMM) set, each TID the PID (no threads without --threads),
    and the task addresses hvscope reports;
  * each process's CREATION TIME (Volatility: the boot time from the ISF's
    tk_core, in whole seconds, plus the task's start_boottime) is hvscope's
    start time less under a second;
  * the processes the guest's own ps shows both before and after the dump
    (the ones that lived through it) are all in Volatility's list, by PID,
    parent and name;
  * hvscope takes the ISF Volatility accepted back: `hvscope ps --image IMAGE
    --isf ISF --no-cache` gives the same processes as with the guest's BTF.
The counts are printed for docs/isf.md and docs/acquisition.md.
"""
import datetime
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from check_ps import guest_ps, names_match  # noqa: E402
from e2elib import HVSCOPE, RUN_GUEST, SERIES, check, iso_seconds, run  # noqa: E402
import e2elib  # noqa: E402

VOL_TIMEOUT = int(os.environ.get("HVS_VOL_TIMEOUT", "1800"))


def find_volatility():
    """The command that runs Volatility 3's CLI, or None."""
    v = os.environ.get("VOLATILITY3")
    if v:
        if os.path.isdir(v):
            v = os.path.join(v, "vol.py")
        if v.endswith(".py") and os.path.isfile(v):
            return [sys.executable, v]
        found = shutil.which(v)
        return [found] if found else None
    for name in ("vol", "vol.py"):
        found = shutil.which(name)
        if found:
            return [found]
    return None


def start_guest(name, series, kaslr, run_dir):
    cmd = [RUN_GUEST, "start", "--name", name, "--kaslr", kaslr, "--kernel", series]
    if kaslr == "on":
        cmd += ["--append", "no5lvl"]
    r = run(cmd, env=dict(os.environ, HVS_RUN_DIR=run_dir))
    if r.returncode != 0:
        raise RuntimeError(f"run-guest.sh start failed: {r.stderr.strip()}")
    return dict(line.split("=", 1) for line in r.stdout.splitlines() if line.startswith("HVS_") and "=" in line)


def stop_guest(name, run_dir):
    run([RUN_GUEST, "stop", "--name", name], env=dict(os.environ, HVS_RUN_DIR=run_dir))


def hv(args):
    r = run([HVSCOPE] + args)
    if r.returncode != 0:
        raise RuntimeError(f"hvscope {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def vol_rows(vol, image, symdir, cache):
    """Volatility's linux.pslist rows (JSON renderer), flattened."""
    help_text = run(vol + ["--help"]).stdout
    cmd = list(vol) + ["-q", "-f", image, "-s", symdir, "-r", "json"]
    if "--offline" in help_text:
        cmd.append("--offline")
    if "--cache-path" in help_text:
        # Volatility opens CACHE/identifier.cache with sqlite and does not
        # create the directory: a missing one ends the run before stacking.
        os.makedirs(cache, exist_ok=True)
        cmd += ["--cache-path", cache]
    cmd.append("linux.pslist")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=VOL_TIMEOUT)
    if not check(r.returncode == 0, f"vol linux.pslist exits 0 ({r.returncode}: {r.stderr.strip()[-300:]})"):
        return []
    try:
        data = json.loads(r.stdout)
    except ValueError:
        check(False, f"vol -r json prints JSON ({r.stdout[:200]!r})")
        return []
    rows = []

    def walk(items):
        for it in items:
            rows.append(it)
            walk(it.get("__children", []))
    walk(data)
    return rows


def one_boot(vol, series, kaslr, work, first):
    label = f"[{series} kaslr {kaslr}]"
    name = f"vol-e2e-{series}-{kaslr}-{os.getpid()}"
    run_dir = os.path.join(work, "run")
    env = start_guest(name, series, kaslr, run_dir)
    try:
        qmp_sock = env["HVS_QMP"]
        symdir = os.path.join(work, f"symbols-{series}-{kaslr}")
        os.makedirs(os.path.join(symdir, "linux"))
        isf_json = os.path.join(work, f"hvscope-{series}-{kaslr}.json")
        hv(["symbols", "export-isf", "--vm", qmp_sock, "-o", isf_json])
        isf = os.path.join(symdir, "linux", f"hvscope-{series}.json.xz")
        with open(isf_json, "rb") as src, lzma.open(isf, "wb", preset=1) as dst:
            shutil.copyfileobj(src, dst)
        before = guest_ps(env)
        image = os.path.join(work, f"mem-{series}-{kaslr}.elf")
        hv(["acquire", "memory", "--vm", qmp_sock, "--consistent", "-o", image,
            "--case", os.path.join(work, "case.sqlite")])
        after = guest_ps(env)
    finally:
        stop_guest(name, run_dir)

    hps = json.loads(hv(["ps", "--image", image, "--json", "--no-cache"]))["processes"]
    rows = vol_rows(vol, image, symdir, os.path.join(work, "volcache"))
    vset = {(int(r["PID"]), int(r["PPID"]), r["COMM"]) for r in rows}
    hset = {(p["pid"], p["ppid"], p["name"]) for p in hps}
    check(len(rows) > 20, f"{label} Volatility lists the guest's processes ({len(rows)})")
    check(vset == hset, f"{label} Volatility's pslist == hvscope ps on the image: {len(vset)} vs {len(hset)} "
                        f"(only Volatility: {sorted(vset - hset)[:5]}, only hvscope: {sorted(hset - vset)[:5]})")
    check(bool(rows) and all(int(r["TID"]) == int(r["PID"]) for r in rows),
          f"{label} one row per process (TID == PID)")
    # Volatility masks kernel addresses to the layer's 48 bits (symbol_mask, Pointer.dereference).
    mask = (1 << 48) - 1
    haddr = {p["pid"]: int(p["task_address"], 16) & mask for p in hps}
    vaddr = {int(r["PID"]): int(r["OFFSET (V)"]) & mask for r in rows}
    check(vaddr == haddr, f"{label} task_struct addresses agree")
    # Creation times: Volatility reads tk_core.timekeeper (the ISF's tk_core type)
    # and truncates the boot time to whole seconds; hvscope keeps the fraction.
    hstart = {p["pid"]: iso_seconds(p["start_time"]) for p in hps if p.get("start_time")}
    bad = []
    for r in rows:
        ct = r.get("CREATION TIME")
        try:
            v = datetime.datetime.fromisoformat(ct).timestamp()
        except (TypeError, ValueError):
            v = None
        h = hstart.get(int(r["PID"]))
        if v is None or h is None or not -1.0 < v - h <= 0.002:
            bad.append((int(r["PID"]), ct, h))
    check(rows and not bad, f"{label} Volatility's creation times are hvscope's start times, to the second "
                            f"(differing: {len(bad)}: {bad[:3]})")
    stable = {pid: v for pid, v in before.items() if after.get(pid) == v}
    vby = {int(r["PID"]): (int(r["PPID"]), r["COMM"]) for r in rows}
    missing = [pid for pid, (ppid, comm) in stable.items()
               if pid not in vby or vby[pid][0] != ppid or not names_match(comm, vby[pid][1])]
    check(stable and not missing, f"{label} every process the guest's ps shows before and after the dump "
                                  f"({len(stable)}) is in Volatility's list (missing: {missing[:5]})")
    back = json.loads(hv(["ps", "--image", image, "--isf", isf, "--no-cache", "--json"]))["processes"]
    check([(p["pid"], p["ppid"], p["name"]) for p in back] == [(p["pid"], p["ppid"], p["name"]) for p in hps],
          f"{label} hvscope --isf with the ISF Volatility took: the same processes ({len(back)})")
    print(f"counts {label}: volatility {len(rows)}, hvscope {len(hps)}, guest ps before {len(before)}, "
          f"after {len(after)}, stable {len(stable)}")


def main():
    vol = find_volatility()
    if not vol:
        print("SKIP: Volatility 3 not installed")
        return 77
    kaslrs = os.environ.get("HVS_VOL_KASLR", "off on").split()
    first = True
    for series in SERIES:
        for kaslr in kaslrs:
            work = tempfile.mkdtemp(prefix=f"hvs-vol-{series}-{kaslr}-")
            try:
                one_boot(vol, series, kaslr, work, first)
            except (RuntimeError, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
                check(False, f"[{series} kaslr {kaslr}] {e}")
            finally:
                shutil.rmtree(work, ignore_errors=True)
            first = False
    print(f"{e2elib.passed} passed, {e2elib.failed} failed")
    return 1 if e2elib.failed else 0


if __name__ == "__main__":
    sys.exit(main())
