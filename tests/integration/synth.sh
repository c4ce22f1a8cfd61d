#!/bin/sh
# synth.sh HVSCOPE SYNTH_IMAGE - the whole pipeline on synthetic guests.
#
# SYNTH_IMAGE writes synthetic Linux guests (tests/fixtures/synth_image.h:
# 4- and 5-level paging; 6.1, 6.1-seqs and 6.12 kallsyms layouts; raw images
# and ELF cores with and without a QEMU CPU-state note) and expect.json, what
# the fixture put in them. This runs the real CLI on each, with no help
# (no --btf, a fresh --cache-dir), and checks with python3 (stdlib only):
#  - 'kernel --json': release, _text va/pa, KASLR slide, direct map, page
#    table root, paging levels, symbol count; cold ("memory"), then warm
#    ("cache") on the next run;
#  - 'ps --json' (warm): pid, ppid, tgid, uids, name, threads, argv, task
#    address and unreadable flags of every task, in list order; a second run
#    gives identical output; 'ps --tree --json' holds the same tasks with
#    each child under its parent; the tables have one row per task;
#  - another boot of a build (other slides) starts warm from its profile;
#  - a hundred copies of the banner below the kernel (old logs) do not hide it;
#  - a profile with one byte flipped (header: always; middle, end: when the
#    run reads that block) falls back to a
#    cold start with the same results, and the rewritten cache is warm again;
#  - a cyclic task list: exit 0, one warning on stderr, "truncated": true,
#    every task once;
#  - a guest without kallsyms: exit 1, nothing on stdout, one line on stderr.
# Everything lives in one temporary directory, removed pass or fail.
set -eu
HVSCOPE=$1
SYNTH=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/hvs-synth.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
"$SYNTH" "$dir"
rc=0
python3 - "$HVSCOPE" "$dir" <<'EOF' || rc=$?
import json, os, shutil, subprocess, sys

hvscope, d = os.path.abspath(sys.argv[1]), sys.argv[2]
expect = json.load(open(os.path.join(d, "expect.json")))["images"]
failed = passed = 0
TASK_KEYS = ("pid", "ppid", "tgid", "uid", "gid", "euid", "egid", "name", "threads", "kernel_thread",
             "argv", "task_address", "unreadable")


def check(label, cond, detail=""):
    global failed, passed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {label}{': ' + detail if detail else ''}")
    return cond


def run(*args):
    p = subprocess.run([hvscope, *args], cwd=d, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def run_json(label, *args):
    rc, out, err = run(*args)
    if not check(f"{label}: exit 0", rc == 0, f"exit {rc}, stderr {err.strip()!r}"):
        return None, err
    try:
        return json.loads(out), err
    except ValueError as e:
        check(f"{label}: JSON", False, str(e))
        return None, err


def check_kernel(label, k, img, source):
    if k is None:
        return
    want = {
        "release": "6.1.0-synth", "kaslr": "on", "kaslr_slide": img["kaslr_slide"], "text_va": img["text_va"],
        "text_pa": img["text_pa"], "page_offset_base": img["page_offset_base"],
        "page_table_root": img["root"], "paging_levels": img["paging"], "symbols": img["symbols"],
        "profile_source": source, "types_source": "guest" if source == "memory" else "cache",
        "source": img["file"],
    }
    got = {key: k.get(key) for key in want}
    check(f"{label}: kernel facts", got == want,
          ", ".join(f"{key}={got[key]!r} (want {want[key]!r})" for key in want if got[key] != want[key]))
    check(f"{label}: banner", k.get("banner", "").startswith("Linux version 6.1.0-synth (hvscope@test)"))


def check_tasks(label, procs, img):
    got = [{key: p.get(key) for key in TASK_KEYS} for p in procs]
    want = img["tasks"]
    if got == want:
        check(label, True)
        return
    diffs = [f"#{i}: got {g} want {w}" for i, (g, w) in enumerate(zip(got, want)) if g != w]
    check(label, False, f"{len(got)} tasks (want {len(want)}); " + "; ".join(diffs[:3]))


def flatten(nodes, parent, out, bad):
    for n in nodes:
        if parent is not None and n["ppid"] != parent["pid"]:
            bad.append(n["pid"])
        out.append(n)
        flatten(n.get("children", []), n, out, bad)


def check_views(label, img, cache):
    ps, err = run_json(f"{label} ps --json", "ps", "--json", "-v", "--image", img["file"], "--cache-dir", cache)
    if ps is None:
        return None
    check(f"{label} ps: warm start", "profile from cache" in err, err.strip())
    check(f"{label} ps: not truncated", ps["truncated"] is False)
    check_tasks(f"{label} ps: tasks", ps["processes"], img)
    rc, out2, _ = run("ps", "--json", "--image", img["file"], "--cache-dir", cache)
    check(f"{label} ps: second run identical", rc == 0 and json.loads(out2) == ps)
    tree, _ = run_json(f"{label} ps --tree --json", "ps", "--tree", "--json", "--image", img["file"],
                       "--cache-dir", cache)
    if tree is not None:
        flat, bad = [], []
        flatten(tree["processes"], None, flat, bad)
        key = lambda p: p["task_address"]
        strip = lambda p: {k: v for k, v in p.items() if k != "children"}
        check(f"{label} ps --tree: same tasks", sorted(map(strip, flat), key=key) == sorted(ps["processes"], key=key))
        check(f"{label} ps --tree: children under their parents", not bad, f"misplaced pids {bad}")
    for args in (("ps",), ("ps", "--tree")):
        rc, out, err = run(*args, "--image", img["file"], "--cache-dir", cache)
        rows = out.splitlines()
        pids = sorted(int(r.split()[0]) for r in rows[1:]) if rc == 0 else []
        check(f"{label} {' '.join(args)}: table", rc == 0 and rows[0].split()[:2] == ["PID", "PPID"] and
              pids == sorted(t["pid"] for t in img["tasks"]), f"exit {rc}, {len(rows)} rows, {err.strip()!r}")
    return ps


caches, first_of_build, warm_ps = {}, {}, {}
for img in expect:
    f, label = img["file"], img["file"]
    if "cyclic" in img["flags"] or "no-kallsyms" in img["flags"]:
        continue
    base = first_of_build.get(img["build"])
    reboot = base is not None and (base["text_va"], base["text_pa"]) != (img["text_va"], img["text_pa"])
    if reboot:     # another boot of a build already seen: its profile must serve
        cache = caches[base["file"]]
        k, _ = run_json(f"{label} kernel --json", "kernel", "--json", "--image", f, "--cache-dir", cache)
        check_kernel(f"{label} (other boot, warm)", k, img, "cache")
        check_views(label, img, cache)
        continue
    first_of_build.setdefault(img["build"], img)
    cache = caches[f] = os.path.join("cache", f)
    k, _ = run_json(f"{label} kernel --json", "kernel", "--json", "--image", f, "--cache-dir", cache)
    check_kernel(f"{label} (cold)", k, img, "memory")
    if k:
        check(f"{label}: profile cached", k["profile_cache"].startswith(cache + "/profiles/") and
              os.path.isfile(os.path.join(d, k["profile_cache"])), k["profile_cache"])
    warm_ps[f] = check_views(label, img, cache)
    k, _ = run_json(f"{label} kernel --json (warm)", "kernel", "--json", "--image", f, "--cache-dir", cache)
    check_kernel(f"{label} (warm)", k, img, "cache")

# A corrupt profile: cold start, same answers, and the cache is rewritten.
img = expect[0]
src = os.path.join(d, caches[img["file"]])
prof = os.path.join(src, "profiles", os.listdir(os.path.join(src, "profiles"))[0])
size = os.path.getsize(prof)
for off in (9, size // 2, size - 10):
    label = f"{img['file']} profile byte {off} flipped"
    bad = os.path.join(d, "cache-corrupt")
    for cmd in ("kernel", "ps"):
        shutil.rmtree(bad, ignore_errors=True)
        shutil.copytree(src, bad)
        p = os.path.join(bad, "profiles", os.path.basename(prof))
        b = bytearray(open(p, "rb").read())
        b[off] ^= 0x40
        open(p, "wb").write(bytes(b))
        # The header is checked on every load, so a flip there forces a cold
        # start. Other 4 KiB blocks are checked (SHA-256) when first used: a
        # flip in a block this run never reads may go unnoticed, but an answer
        # is never wrong, and a flip in a block it reads forces a cold start.
        must_be_cold = off < 4096
        if cmd == "kernel":
            k, _ = run_json(f"{label} kernel", "kernel", "--json", "--image", img["file"], "--cache-dir", bad)
            check_kernel(f"{label} ({'cold' if must_be_cold else 'cold or warm'})", k, img,
                         "memory" if must_be_cold or (k and k["profile_source"] == "memory") else "cache")
            k, _ = run_json(f"{label} kernel again", "kernel", "--json", "--image", img["file"], "--cache-dir", bad)
            check_kernel(f"{label} (rewritten or intact, warm)", k, img, "cache")
        else:
            ps, err = run_json(f"{label} ps", "ps", "--json", "-v", "--image", img["file"], "--cache-dir", bad)
            if ps is not None:
                if must_be_cold:
                    check(f"{label} ps: cold start", "profile from memory" in err, err.strip())
                check(f"{label} ps: same as warm", ps == warm_ps[img["file"]])

for img in expect:
    f = img["file"]
    cache = os.path.join("cache", f)
    if "cyclic" in img["flags"]:
        rc, out, err = run("ps", "--json", "--image", f, "--cache-dir", cache)
        lines = err.strip().splitlines()
        check(f"{f}: exit 0", rc == 0, f"exit {rc}")
        check(f"{f}: one warning", len(lines) == 1 and lines[0].startswith("hvscope: warning: partial result") and
              "cycle" in lines[0], repr(err))
        if rc == 0:
            ps = json.loads(out)
            check(f"{f}: truncated", ps["truncated"] is True and "cycle" in ps.get("truncated_reason", ""))
            check_tasks(f"{f}: every task once", ps["processes"], img)
        rc, out, err = run("ps", "--tree", "--image", f, "--cache-dir", cache)
        check(f"{f} ps --tree: exit 0, all rows", rc == 0 and len(out.splitlines()) == len(img["tasks"]) + 1)
    if "no-kallsyms" in img["flags"]:
        for cmd in ("ps", "kernel"):
            rc, out, err = run(cmd, "--image", f, "--cache-dir", cache)
            check(f"{f} {cmd}: exit 1, one line on stderr, no stdout",
                  rc == 1 and out == "" and len(err.splitlines()) == 1 and err.startswith("hvscope: ") and
                  "no kallsyms" in err, f"exit {rc}, stdout {out[:60]!r}, stderr {err!r}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
exit $rc
