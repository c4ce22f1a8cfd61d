#!/bin/sh
# isf-synth.sh HVSCOPE SYNTH_IMAGE - Volatility ISF export and --isf on the
# synthetic Linux guests (tests/fixtures/synth_image.h), with no lab guest.
#
# For each build (4- and 5-level paging; 6.1 and 6.12 kallsyms layouts):
#  - 'symbols export-isf -o FILE --json' writes an ISF whose figures match the
#    file, with _text at 0xffffffff81000000 (the KASLR slide taken off),
#    init_task typed task_struct and linux_banner's constant_data the kernel's
#    banner, newline and NUL;
#  - another boot of the same build (other slides) exports the same file;
#  - 'ps --json' and 'kernel --json' with --isf FILE --no-cache give what the
#    guest's own BTF gives (kernel: types from "isf"), from .json.gz too;
#  - --isf writes no profile cache even without --no-cache;
# and the refusals: an ISF of another build (banner), a broken ISF, --btf
# with --isf, export-isf with --isf, symbols without a subcommand: exit 1
# and one line on stderr. Everything lives in one temporary directory.
set -eu
HVSCOPE=$1
SYNTH=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/hvs-isf-synth.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
"$SYNTH" "$dir" >/dev/null
rc=0
python3 - "$HVSCOPE" "$dir" <<'EOF' || rc=$?
import base64, gzip, json, os, subprocess, sys

hvscope, d = os.path.abspath(sys.argv[1]), sys.argv[2]
images = json.load(open(os.path.join(d, "expect.json")))["images"]
failed = passed = 0


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
    rc, out, err = run(*args, "--json")
    if not check(f"{label}: exit 0", rc == 0, f"exit {rc}, {err.strip()!r}"):
        return None
    return json.loads(out)


def refused(label, words, *args):
    rc, out, err = run(*args)
    lines = err.strip().splitlines()
    check(f"{label}: exit 1, one line", rc == 1 and not out and len(lines) == 1 and all(w in err for w in words),
          f"exit {rc}, {err.strip()!r}")


def strip_kernel(k):
    return {key: v for key, v in k.items() if key not in ("open_ms", "types_source", "profile_source", "profile_cache")}


exported = {}
for img in images:
    if img["flags"]:
        continue
    f, label = img["file"], img["file"]
    cache = f"cache-{f}"
    isf = f"{f}.isf.json"
    st = run_json(f"{label} export-isf", "symbols", "export-isf", "-o", isf, "--image", f, "--cache-dir", cache)
    if st is None:
        continue
    doc = json.load(open(os.path.join(d, isf)))
    check(f"{label}: figures", st["symbols"] == len(doc["symbols"]) == img["symbols"] and
          st["user_types"] == len(doc["user_types"]) and st["bytes"] == os.path.getsize(os.path.join(d, isf)))
    check(f"{label}: _text un-slid", doc["symbols"]["_text"]["address"] == 0xffffffff81000000 and
          int(st["kaslr_slide"], 16) == int(img["kaslr_slide"], 16), str(doc["symbols"]["_text"]))
    check(f"{label}: init_task typed", doc["symbols"]["init_task"]["type"] == {"kind": "struct", "name": "task_struct"})
    k = run_json(f"{label} kernel", "kernel", "--image", f, "--cache-dir", cache)
    banner = base64.b64decode(doc["symbols"]["linux_banner"]["constant_data"])
    check(f"{label}: banner bytes", k is not None and banner == k["banner"].encode() + b"\n\0", repr(banner))
    if img["build"] in exported:
        check(f"{label}: another boot of {img['build']} exports the same ISF", doc == exported[img["build"]])
    exported.setdefault(img["build"], doc)
    ps = run_json(f"{label} ps", "ps", "--image", f, "--cache-dir", cache)
    ps_isf = run_json(f"{label} ps --isf", "ps", "--image", f, "--isf", isf, "--no-cache")
    check(f"{label}: ps --isf as with BTF", ps is not None and ps == ps_isf)
    k_isf = run_json(f"{label} kernel --isf", "kernel", "--image", f, "--isf", isf, "--no-cache")
    if k and k_isf:
        check(f"{label}: kernel --isf as with BTF", strip_kernel(k) == strip_kernel(k_isf))
        check(f"{label}: types from isf", k_isf["types_source"] == "isf" and k_isf["profile_cache"] == "")

img = next(i for i in images if not i["flags"])
f, isf = img["file"], img["file"] + ".isf.json"
raw = open(os.path.join(d, isf), "rb").read()
with gzip.open(os.path.join(d, isf + ".gz"), "wb") as g:
    g.write(raw)
check("ps --isf FILE.json.gz", run_json("gz", "ps", "--image", f, "--isf", isf + ".gz", "--no-cache") ==
      run_json("plain", "ps", "--image", f, "--isf", isf, "--no-cache"))
rc, _, _ = run("ps", "--image", f, "--isf", isf, "--cache-dir", "cache-isf-only")
check("--isf writes no profile cache", rc == 0 and not os.path.exists(os.path.join(d, "cache-isf-only", "profiles")))
doc = json.loads(raw)
doc["symbols"]["linux_banner"]["constant_data"] = base64.b64encode(b"Linux version 9.9.9-other (x) #1\n\0").decode()
json.dump(doc, open(os.path.join(d, "other.json"), "w"))
refused("ISF of another build", ["another kernel build", "9.9.9-other"], "ps", "--image", f, "--isf", "other.json",
        "--no-cache")
open(os.path.join(d, "broken.json"), "w").write('{"metadata": {"format": "6.2.0"}, "base_types": {')
refused("broken ISF", ["broken.json"], "ps", "--image", f, "--isf", "broken.json", "--no-cache")
refused("missing ISF", ["nothing.json"], "ps", "--image", f, "--isf", "nothing.json", "--no-cache")
refused("--btf and --isf", ["--btf", "--isf"], "ps", "--image", f, "--isf", isf, "--btf", isf)
refused("export-isf with --isf", ["--isf"], "symbols", "export-isf", "-o", "x.json", "--image", f, "--isf", isf)
refused("export-isf without -o", ["-o"], "symbols", "export-isf", "--image", f)
refused("symbols without a subcommand", ["export-isf"], "symbols")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
EOF
exit $rc
