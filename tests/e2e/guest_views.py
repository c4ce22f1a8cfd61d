#!/usr/bin/python3
"""End-to-end: every hvscope view against the real lab guest, compared with the guest's own view.

Boots the lab guest once per kernel series (Debian 6.1 and 6.12) and KASLR
setting (off: vmlinux; on: bzImage) under QEMU, and runs every check module
tests/e2e/check_*.py (in name order) against it: module.run(ctx) compares one
view with what the guest itself says over its serial console (see e2elib.Ctx).
A module that raises fails, and the others still run. The VM is stopped and
every file removed even when a check fails. Environment:
  HVSCOPE            the hvscope binary (meson sets it)
  HVS_E2E_KERNELS    kernel series to boot, default "6.1 6.12"
  HVS_E2E_CHECKS     check modules to run, default all (e.g. "ps modules")
"""
import glob
import importlib
import os
import shutil
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import ROOT, RUN_GUEST, SERIES, Ctx, check, run  # noqa: E402


def check_modules():
    here = os.path.dirname(os.path.abspath(__file__))
    names = sorted(os.path.basename(p)[len("check_"):-3] for p in glob.glob(os.path.join(here, "check_*.py")))
    wanted = os.environ.get("HVS_E2E_CHECKS", "").split()
    return [(n, importlib.import_module("check_" + n)) for n in names if not wanted or n in wanted]


def one_guest(series, kaslr, work, first, modules):
    name = f"e2e-{series}-{kaslr}-{os.getpid()}"
    label = f"[{series} kaslr {kaslr}]"
    try:
        r = run([RUN_GUEST, "start", "--name", name, "--kaslr", kaslr, "--kernel", series])
        if not check(r.returncode == 0, f"{label} lab guest boots"):
            print(r.stderr)
            return
        env = {}
        for line in r.stdout.splitlines():
            k, _, v = line.partition("=")
            env[k] = v.strip("'\"")
        ctx = Ctx(series, kaslr, env, os.path.join(work, f"cache-{series}"), work, first)
        for mod_name, mod in modules:
            try:
                mod.run(ctx)
            except Exception as e:  # one view failing must not hide the others
                traceback.print_exc()
                check(False, f"{label} {mod_name}: {e}")
    finally:
        run([RUN_GUEST, "stop", "--name", name])
        check(not os.path.exists(f"/dev/shm/hvs-lab-{name}.ram"), f"{label} VM stopped and its RAM file removed")


def main():
    for series in SERIES:
        r = run([os.path.join(ROOT, "lab", "build-guest.sh"), "--kernel", series])
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            print("0 passed, 1 failed")
            return 1
    modules = check_modules()
    print("checks: " + " ".join(n for n, _ in modules))
    work = tempfile.mkdtemp(prefix="hvs-e2e-")
    try:
        first = True
        for series in SERIES:
            for kaslr in ("off", "on"):
                one_guest(series, kaslr, work, first, modules)
                first = False
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{e2elib.passed} passed, {e2elib.failed} failed")
    return 1 if e2elib.failed else 0


if __name__ == "__main__":
    sys.exit(main())
