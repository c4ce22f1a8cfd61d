#!/bin/sh
# timeline-report.sh HVSCOPE SYNTH_IMAGE - hvscope timeline and report on a
# case collected from synthetic guests (no VM; tests/fixtures/synth_image.h).
#
# Two images (two VMs), the first collected twice, into one case; then:
#  - 'timeline --format ndjson': one process-started document per task of
#    each image (the second collection adds none), with the task's PID, PPID,
#    name, command line and kernel-thread flag, ECS fields, times in order;
#    three snapshot-taken documents; every line strict JSON;
#  - '--format csv': Timesketch's four columns first, one row per document;
#    '--from'/'--to' keep only the entries in range; the table has a line per
#    entry;
#  - 'report -o': every task of the latest snapshot of each VM in the page,
#    no script; written to a file that did not exist before and left alone
#    when writing fails (-o into a missing directory, /dev/full);
#  - bad input: a truncated case, a missing case, an unknown format, a time
#    that is not one, report with no -o: exit 1, one line on stderr.
# Everything lives in one temporary directory, removed pass or fail.
set -eu
HVSCOPE=$1
SYNTH=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/hvs-timeline.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
"$SYNTH" "$dir" >/dev/null
python3 - "$HVSCOPE" "$dir" <<'EOF'
import csv, io, json, os, re, shutil, subprocess, sys

hvscope, d = os.path.abspath(sys.argv[1]), sys.argv[2]
images = {i["file"]: i for i in json.load(open(os.path.join(d, "expect.json")))["images"]}
A, B = "l4-61.raw", "l5-612.elf"
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


def bad(label, *args):
    rc, out, err = run(*args)
    lines = [line for line in err.splitlines() if line.strip()]
    check(label, rc == 1 and not out and len(lines) == 1 and lines[0].startswith("hvscope: "),
          f"exit {rc}, stdout {out[:80]!r}, stderr {err!r}")


case = os.path.join(d, "case.sqlite")
cache = os.path.join(d, "cache")
for img in (A, A, B):
    rc, out, err = run("collect", "--image", img, "--case", case, "--cache-dir", cache)
    check(f"collect {img}", rc == 0, err.strip())

rc, out, err = run("timeline", "--case", case, "--format", "ndjson")
check("timeline --format ndjson: exit 0", rc == 0, err)
docs = [json.loads(line) for line in out.splitlines()]
check("every document has @timestamp, message, ecs.version, event.kind/category/type/dataset/module",
      docs and all(d_["@timestamp"].endswith("Z") and d_["message"] and d_["ecs"]["version"] and
                   {"kind", "category", "type", "dataset", "module"} <= set(d_["event"]) for d_ in docs))
check("documents in time order", [d_["@timestamp"] for d_ in docs] == sorted(d_["@timestamp"] for d_ in docs))
check("three snapshot-taken", sum(d_["event"]["action"] == "snapshot-taken" for d_ in docs) == 3)
starts = [d_ for d_ in docs if d_["event"]["action"] == "process-started"]
vms = sorted({d_["host"]["name"] for d_ in starts})
check("process starts on two VMs", len(vms) == 2, str(vms))
for img, vm in zip((A, B), vms):
    want = {t["pid"]: t for t in images[img]["tasks"]}
    got = {}
    for d_ in starts:
        if d_["host"]["name"] == vm:
            got.setdefault(d_["process"]["pid"], []).append(d_)
    ok = set(got) == set(want) and all(len(v) == 1 for v in got.values())
    check(f"{img}: one process start per task ({len(want)})", ok, f"{sorted(got)} vs {sorted(want)}")
    for pid, t in want.items():
        g = got.get(pid, [None])[0]
        p = g["process"] if g else {}
        ok = (g is not None and p["name"] == t["name"] and p["parent"]["pid"] == t["ppid"] and
              p.get("command_line", "") == " ".join(t["argv"]) and p["user"]["id"] == str(t["uid"]) and
              g["hvscope"]["kthread"] == t["kernel_thread"] and g["event"]["category"] == ["process"] and
              g["event"]["type"] == ["start"] and g["hvscope"]["clock"] == "guest")
        if not check(f"{img}: task {pid} ({t['name']})", ok, json.dumps(g)):
            break

rc, out, err = run("timeline", "--case", case, "--format", "csv")
rows = list(csv.reader(io.StringIO(out, newline="")))
check("csv: Timesketch columns first, one row per document",
      rc == 0 and rows[0][:4] == ["message", "datetime", "timestamp_desc", "timestamp"] and len(rows) == len(docs) + 1
      and all(r[0] == d_["message"] and r[1] == d_["@timestamp"] for r, d_ in zip(rows[1:], docs)))
mid = docs[len(docs) // 2]["@timestamp"]
rc, out, err = run("timeline", "--case", case, "--json", "--from", mid)
sub = [json.loads(line) for line in out.splitlines()]
check("--from keeps the entries at or after it", rc == 0 and sub and all(s["@timestamp"] >= mid for s in sub) and
      len(sub) == sum(d_["@timestamp"] >= mid for d_ in docs))
rc, out, err = run("timeline", "--case", case, "--to", mid, "--no-kthreads")
check("table with --to and --no-kthreads", rc == 0 and "kthreadd" not in out and
      len(out.splitlines()) == 1 + sum(d_["@timestamp"] <= mid and not d_.get("hvscope", {}).get("kthread")
                                       for d_ in docs))

html = os.path.join(d, "report.html")
# Each report is logged in the case's custody log, which the next report shows:
# the page written to stdout below is made from the case as it was before this one.
shutil.copy(case, case + ".before-report")
rc, out, err = run("report", "--case", case, "-o", html)
page = open(html, encoding="utf-8").read() if os.path.exists(html) else ""
check("report -o: exit 0, nothing on stdout", rc == 0 and not out and page.endswith("</html>\n"), err)
check("report: no script, no temporary file left", "<script" not in page.lower() and
      sorted(os.listdir(d)).count("report.html") == 1 and not [n for n in os.listdir(d) if ".tmp-" in n])
for img in (A, B):
    missing = [t["name"] for t in images[img]["tasks"] if not any(
               f"{pre}{t['name']}{post}" in page for pre, post in ((">", "<"), ("&#x2500; ", "<"), ("[", "]")))]
    check(f"report: every task of {img} in the process tree", not missing, str(missing))
shutil.copy(case + ".before-report", case)
rc, out, err = run("report", "--case", case, "-o", "-")
check("report -o - writes the same page to stdout",
      rc == 0 and re.sub("generated [^ ]+ by", "", out) == re.sub("generated [^ ]+ by", "", page))

before = open(html).read()
bad("report -o into a missing directory", "report", "--case", case, "-o", os.path.join(d, "no", "r.html"))
if os.path.exists("/dev/full"):
    bad("report -o /dev/full (disk full)", "report", "--case", case, "-o", "/dev/full")
    bad("timeline -o /dev/full", "timeline", "--case", case, "-o", "/dev/full")
    check("/dev/full is still a device", not os.path.isfile("/dev/full"))
check("the earlier report is untouched", open(html).read() == before)
trunc = os.path.join(d, "trunc.sqlite")
with open(case, "rb") as f, open(trunc, "wb") as g:
    g.write(f.read()[:20000])
bad("timeline of a truncated case", "timeline", "--case", trunc)
bad("report of a truncated case", "report", "--case", trunc, "-o", os.path.join(d, "t.html"))
check("no report for a truncated case", not os.path.exists(os.path.join(d, "t.html")))
bad("timeline of a missing case", "timeline", "--case", os.path.join(d, "none.sqlite"))
bad("timeline --format xml", "timeline", "--case", case, "--format", "xml")
bad("timeline --from garbage", "timeline", "--case", case, "--from", "2024-13-01")
bad("timeline --from after --to", "timeline", "--case", case, "--from", "2024-01-02", "--to", "2024-01-01")
bad("report without -o", "report", "--case", case)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
