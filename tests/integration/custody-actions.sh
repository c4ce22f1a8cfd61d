#!/bin/sh
# custody-actions.sh HVSCOPE SYNTH_IMAGE - actions that add no case rows are
# still in the chain of custody: 'hvscope report' (path, size, SHA-256 of the
# page written) and 'hvscope vuln import --case' (each file's SHA-256 and
# counts). On a case collected from a synthetic guest (no VM):
#  - report -o: one custody row "report" whose result is the SHA-256 of the
#    file on disk, whose path is the file's absolute path; -o - hashes what
#    went to stdout;
#  - vuln import --case of a small NVD API 2.0 file: one row "vuln-import"
#    with the file's SHA-256 and counts; a file that fails to import adds none;
#  - 'case log --json' lists both, 'case verify' passes, and an edit of the
#    report row (another path) with the triggers dropped is caught;
#  - a read-only case file (not as root, who writes it anyway): the report is
#    written, a warning says it was not logged, nothing is added.
# Everything lives in one temporary directory, removed pass or fail.
set -eu
HVSCOPE=$1
SYNTH=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/hvs-custody.XXXXXX")
trap 'chmod -R u+w "$dir" 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
"$SYNTH" "$dir" >/dev/null
python3 - "$HVSCOPE" "$dir" <<'EOF'
import hashlib, json, os, sqlite3, subprocess, sys

hvscope, d = os.path.abspath(sys.argv[1]), sys.argv[2]
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
    p = subprocess.run([hvscope, *args], cwd=d, capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode()


def log(case):
    rc, out, err = run("case", "log", "--case", case, "--json")
    check("case log --json", rc == 0, err)
    return json.loads(out)["custody"]


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


case = os.path.join(d, "case.sqlite")
rc, out, err = run("collect", "--image", "l4-61.raw", "--case", case, "--cache-dir", os.path.join(d, "cache"))
check("collect", rc == 0, err.strip())
n0 = len(log(case))

# ---- report
html = os.path.join(d, "report.html")
rc, out, err = run("report", "--case", case, "-o", "report.html")
check("report -o", rc == 0 and os.path.exists(html), err.strip())
rows = log(case)
r = rows[-1]
args = json.loads(r["args_json"])
check("one custody row 'report'", len(rows) == n0 + 1 and r["action"] == "report", str([x["action"] for x in rows]))
check("its result is the SHA-256 of the file written", r.get("result_sha256") == sha(html),
      f"{r.get('result_sha256')} vs {sha(html)}")
check("its path is the file's absolute path, its size the file's", args.get("path") == os.path.realpath(html)
      and args.get("bytes") == os.path.getsize(html), str(args))
check("the command line is recorded", args.get("argv", [])[:1] == ["report"], str(args.get("argv")))
rc, out, err = run("report", "--case", case, "-o", "-")
rows = log(case)
check("report -o -: a row with the SHA-256 of what went to stdout",
      rc == 0 and rows[-1]["action"] == "report" and rows[-1]["result_sha256"] == hashlib.sha256(out).hexdigest()
      and json.loads(rows[-1]["args_json"])["path"] == "-", err)

# ---- vuln import into the case
nvd = os.path.join(d, "nvd.json")
rec = {"cve": {"id": "CVE-2020-0001", "sourceIdentifier": "test", "published": "2020-01-01T00:00:00.000",
               "lastModified": "2020-01-02T00:00:00.000", "vulnStatus": "Analyzed",
               "descriptions": [{"lang": "en", "value": "A buffer overflow in the QEMU virtio-net device."}]}}
json.dump({"resultsPerPage": 1, "startIndex": 0, "totalResults": 1, "format": "NVD_CVE", "version": "2.0",
           "timestamp": "2024-01-01T00:00:00.000", "vulnerabilities": [rec]}, open(nvd, "w"))
n1 = len(log(case))
rc, out, err = run("vuln", "import", "--case", case, "nvd.json")
check("vuln import --case", rc == 0, err.strip())
rows = log(case)
r = rows[-1]
args = json.loads(r["args_json"])
f = (args.get("files") or [{}])[0]
check("one custody row 'vuln-import'", len(rows) == n1 + 1 and r["action"] == "vuln-import", str(rows[-1]))
check("with the file's path, SHA-256 and counts", f.get("path") == os.path.realpath(nvd) and f.get("sha256") == sha(nvd)
      and f.get("entries") == 1 and f.get("inserted") == 1 and args.get("records") == 1, str(args))
open(os.path.join(d, "bad.json"), "w").write("{")
rc, out, err = run("vuln", "import", "--case", case, "bad.json")
check("a file that fails to import: exit 1 and no custody row", rc == 1 and len(log(case)) == n1 + 1, err)

# ---- verify, then tamper
rc, out, err = run("case", "verify", "--case", case)
check("case verify passes with the new rows", rc == 0, (out.decode() + err)[-300:])
db = sqlite3.connect(case)
db.executescript("DROP TRIGGER custody_no_update; DROP TRIGGER custody_no_delete; "
                 "UPDATE custody SET args_json = replace(args_json, 'report.html', 'other.html') "
                 f"WHERE seq = {n0 + 1}")
db.close()
rc, out, err = run("case", "verify", "--case", case, "--json")
probs = json.loads(out).get("problems", []) if out else []
check("an edited report row is caught", rc == 1 and any(p.get("table") == "custody" and p.get("row") == n0 + 1
                                                          for p in probs), str(probs)[:300])

# ---- a read-only case: report written, a warning, nothing logged
case2 = os.path.join(d, "ro.sqlite")
rc, out, err = run("collect", "--image", "l4-61.raw", "--case", case2, "--cache-dir", os.path.join(d, "cache"))
n2 = len(log(case2))
os.chmod(case2, 0o444)
os.chmod(d, 0o555)
if os.geteuid() == 0:
    print("note: the read-only case check is skipped as root (root writes read-only files)")
rc, out, err = run("report", "--case", case2, "-o", "-")
os.chmod(d, 0o755)
os.chmod(case2, 0o644)
if os.geteuid() != 0:
    check("read-only case: report written, a warning, no row", rc == 0 and out and "custody log" in err
          and len(log(case2)) == n2, err)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
