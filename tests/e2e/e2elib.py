#!/usr/bin/python3
"""Shared by the end-to-end tests: the lab guest, the guest's own view, hvscope, checks.

guest_views.py boots each lab guest once and hands a Ctx to every check_*.py
module's run(ctx). A check module compares one hvscope view with what the
guest itself says over its serial console.
"""
import datetime
import json
import os
import subprocess
import sys

ROOT = os.environ.get("HVS_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "lab"))
from guest_exec import guest_exec  # noqa: E402,F401
from qmp_client import qmp  # noqa: E402,F401

HVSCOPE = os.environ.get("HVSCOPE") or os.path.join(ROOT, "build", "tools", "hvscope", "hvscope")
RUN_GUEST = os.path.join(ROOT, "lab", "run-guest.sh")
# Debian kernel series of the lab guest: the 6.1 series, and 6.12 whose kallsyms layout differs.
SERIES = os.environ.get("HVS_E2E_KERNELS", "6.1 6.12").split()

passed = 0
failed = 0


class Ctx:
    """One booted lab guest.

    series, kaslr: which kernel and boot; env: run-guest.sh's HVS_* values
    (HVS_QMP, HVS_SERIAL, HVS_RAM, HVS_QEMU_PID, ...); cache: the profile cache
    directory for this kernel series; work: a scratch directory removed at the
    end; first: True for the first boot of the run (for checks done once);
    label: "[6.1 kaslr off]".
    """

    def __init__(self, series, kaslr, env, cache, work, first):
        self.series, self.kaslr, self.env, self.cache, self.work, self.first = series, kaslr, env, cache, work, first
        self.label = f"[{series} kaslr {kaslr}]"

    def guest(self, cmd):
        return guest(self.env, cmd)

    def hvscope_json(self, args):
        return hvscope_json(args, self.cache)

    def dump(self, name, before=None, after=None):
        """A dump-guest-memory ELF core of this guest; before()/after() run around it."""
        path = os.path.join(self.work, f"{name}-{self.series}-{self.kaslr}.elf")
        b = before() if before else None
        qmp(self.env["HVS_QMP"], "dump-guest-memory", {"paging": False, "protocol": "file:" + path})
        a = after() if after else None
        return path, b, a


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}")
    return cond


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def guest(env, cmd):
    """The output of @cmd run by the guest's root shell; raises if it fails."""
    rc, out = guest_exec(env["HVS_SERIAL"], cmd, timeout=60)
    if rc != 0:
        raise RuntimeError(f"guest command {cmd!r} failed ({rc}): {out}")
    return out


def hvscope_json(args, cache):
    r = run([HVSCOPE] + args + ["--json", "--cache-dir", cache])
    if r.returncode != 0:
        raise RuntimeError(f"hvscope {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)


def iso_seconds(text):
    """Seconds since the epoch of hvscope's ISO 8601 UTC time."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def lab_manifest(series):
    path = os.path.join(os.environ.get("HVS_LAB_DIR") or os.path.join(ROOT, "lab", "out"), f"manifest-{series}")
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def expect_error(label, args):
    r = run([HVSCOPE] + args)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 1 and len(lines) == 1 and lines[0].startswith("hvscope: ") and not r.stdout,
          f"bad input: {label} -> exit 1 and one line ({r.returncode}: {r.stderr.strip()!r})")


