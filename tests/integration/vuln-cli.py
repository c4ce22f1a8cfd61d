#!/usr/bin/python3
"""'hvscope vuln' on the real NVD records of shared/data/nvd: import (API 2.0
and a 1.1 feed, plain and gzip), re-import without duplicates, product
selection against the files' own selection, classify --explain, report in
every format (text, JSON, CSV, HTML with SVG charts), gaps against the
evidence map, the time to classify everything, bad input that must leave the
database as it was, and the vulnerability tables inside a case file.

usage: vuln-cli.py HVSCOPE   (HVS_SOURCE_ROOT: the source tree; skipped,
exit 77, when ../shared/data/nvd is absent)
"""
import csv
import gzip
import html.parser
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

HVSCOPE = os.path.abspath(sys.argv[1])
SRC = os.environ.get("HVS_SOURCE_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NVD = os.path.join(os.path.dirname(SRC.rstrip("/")), "shared", "data", "nvd")
FILES = ["xen.json", "kvm.json", "qemu.json", "kernel-cna-supplement.json"]
if not all(os.path.exists(os.path.join(NVD, f)) for f in FILES):
    print("SKIP: the NVD records of shared/data/nvd are absent (%s)" % NVD)
    sys.exit(77)
TMP = tempfile.mkdtemp(prefix="hvs-vuln-cli-")
DB = os.path.join(TMP, "vuln.db")
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def hv(*args, env_extra=None):
    env = dict(os.environ, HVS_VULN_DB=DB, **(env_extra or {}))
    return subprocess.run([HVSCOPE, "vuln"] + list(args), env=env, capture_output=True, text=True, timeout=120)


def count(db=DB):
    c = sqlite3.connect(db)
    n = c.execute("SELECT count(*) FROM vuln_cve").fetchone()[0]
    c.close()
    return n


paths = [os.path.join(NVD, f) for f in FILES]
expected = set()
for p in paths:
    for v in json.load(open(p))["vulnerabilities"]:
        expected.add(v["cve"]["id"])

# ---- import, re-import
r = hv("import", *paths)
check(r.returncode == 0 and count() == len(expected), "import of the four files: %d records (%d ids in the files)" % (count(), len(expected)))
r = hv("import", "--json", *paths)
j = json.loads(r.stdout)
check(r.returncode == 0 and all(f["inserted"] == 0 and f["updated"] == 0 for f in j["files"]) and count() == len(expected),
      "re-import: nothing new, nothing duplicated")
# the same records as a gzip'ed file and as an NVD 1.1 feed
feed11 = {"CVE_data_timestamp": "2021-09-10T07:00Z", "CVE_Items": []}
def node11(n):
    return {"operator": n.get("operator", "OR"),
            "cpe_match": [{"vulnerable": m["vulnerable"], "cpe23Uri": m["criteria"]} for m in n.get("cpeMatch", [])],
            "children": [node11(k) for k in n.get("nodes", []) + n.get("children", [])]}


for v in json.load(open(paths[2]))["vulnerabilities"][:20]:
    # the reverse of shared/data/nvd's conversion (its README): 2.0 -> 1.1
    c = v["cve"]
    m = c.get("metrics", {})
    impact = {}
    if m.get("cvssMetricV2"):
        impact["baseMetricV2"] = {"cvssV2": m["cvssMetricV2"][0]["cvssData"]}
    v3 = m.get("cvssMetricV31") or m.get("cvssMetricV30")
    if v3:
        impact["baseMetricV3"] = {"cvssV3": v3[0]["cvssData"]}
    nodes = []
    for cfg in c.get("configurations", []):
        if len(cfg["nodes"]) == 1 and "operator" not in cfg:
            nodes.append(node11(cfg["nodes"][0]))
        else:
            nodes.append({"operator": cfg.get("operator", "OR"), "cpe_match": [], "children": [node11(n) for n in cfg["nodes"]]})
    feed11["CVE_Items"].append({
        "cve": {"CVE_data_meta": {"ID": c["id"], "ASSIGNER": c.get("sourceIdentifier", "")},
                "description": {"description_data": c["descriptions"]},
                "problemtype": {"problemtype_data": [{"description": w["description"]} for w in c.get("weaknesses", [])]}},
        "configurations": {"nodes": nodes}, "impact": impact,
        "publishedDate": c["published"][:16] + "Z", "lastModifiedDate": c["lastModified"][:16] + "Z"})
gz = os.path.join(TMP, "nvdcve-1.1-test.json.gz")
with gzip.open(gz, "wt") as f:
    json.dump(feed11, f)
r = hv("import", "--json", gz)
j = json.loads(r.stdout)["files"][0] if r.returncode == 0 else {}
check(j.get("format") == "NVD 1.1 feed" and j.get("gzip") and j.get("unchanged") == 20 and count() == len(expected),
      "the same records as a gzip'ed 1.1 feed: recognised, identical to the stored copies (%s)" %
      {k: j.get(k) for k in ("format", "unchanged", "updated")})

# ---- products, against the selection shared/data/nvd was built with
r = hv("classify", "--csv")
rows = list(csv.DictReader(io.StringIO(r.stdout)))
mine = {x["id"]: set(filter(None, x["products"].split(";"))) for x in rows}
truth = {}
for f, prod in (("xen.json", "xen"), ("kvm.json", "kvm"), ("qemu.json", "qemu")):
    for v in json.load(open(os.path.join(NVD, f)))["vulnerabilities"]:
        truth.setdefault(v["cve"]["id"], set()).add(prod)
diff = [i for i in truth if truth[i] != mine.get(i, set())]
check(not diff, "product rules select exactly the NVD records of xen/kvm/qemu.json (%d differ: %s)" % (len(diff), diff[:5]))

# ---- classify --explain
r = hv("classify", "CVE-2015-3456", "--explain")
check(r.returncode == 0 and "io_device" in r.stdout and "floppy" in r.stdout.lower() and "classes.rules:" in r.stdout,
      "classify --explain names the deciding rules (VENOM: io_device, by 'floppy')")
r = hv("classify", "CVE-2015-3456", "--explain", "--json")
j = json.loads(r.stdout)[0]
hits = j["explain"]["functionality"]["rules"]
check(j["functionality"] == "io_device" and j["type"] in ("code_execution", "privilege_escalation")
      and any(h["class"] == "io_device" and h["weight"] > 0 for h in hits), "classify --json --explain: %s/%s/%s" % (j["functionality"], j["type"], j["source"]))
r = hv("classify", "CVE-1999-0001")
check(r.returncode == 1 and "not in the vulnerability database" in r.stderr, "an unknown CVE id is an error")

# ---- report: text, JSON, CSV, HTML
r = hv("report", "--product", "kvm-stack", "--years", "2016-2017", "--explain", env_extra={"HVS_VULN_TIMING": "1"})
check(r.returncode == 0 and "vulnerabilities of kvm-stack (kvm + qemu), published 2016-2017" in r.stdout
      and "functionality by attack type" in r.stdout and "product selection rules" in r.stdout,
      "report (text) with --explain")
ms = [float(x.split(" in ")[1].split(" ms")[0]) for x in r.stderr.splitlines() if "classified" in x]
# The < 1 s target is measured by bench/bench_vuln on an idle machine; here, under
# sanitizers and a loaded CI machine, three times that is still a failure.
check(ms and ms[0] < 3000, "classifying all %d records takes %.0f ms" % (len(expected), ms[0] if ms else -1))
r = hv("report", "--product", "kvm-stack", "--years", "2016-2017", "--json")
rep = json.loads(r.stdout)
total = rep["total"]
sums = {d: sum(c["primary"] for c in rep["dimensions"][d]) for d in ("functionality", "type", "source")}
ids = [x["id"] for x in rep["records"]]
kvm_qemu = {i for i, p in truth.items() if p & {"kvm", "qemu"}}
pub = {}
for p in paths:
    for v in json.load(open(p))["vulnerabilities"]:
        pub[v["cve"]["id"]] = v["cve"].get("published", "")
want = sorted(i for i in kvm_qemu if pub.get(i, "")[:4] in ("2016", "2017"))
check(total > 0 and all(s == total for s in sums.values()), "JSON: the primary counts of each dimension add up to %d" % total)
check(sorted(ids) == want, "JSON: the records are the kvm+qemu ones published 2016-2017 (%d, want %d)" % (len(ids), len(want)))
ft = rep["cross"]["functionality_by_type"]["counts"]
check(sum(map(sum, ft)) == total, "JSON: the cross table holds every record")
check(all(c["multi"] >= c["primary"] for d in rep["dimensions"].values() for c in d), "JSON: multi-label counts >= primary")
r = hv("report", "--product", "kvm-stack", "--years", "2016-2017", "--csv")
rows = list(csv.DictReader(io.StringIO(r.stdout)))
prim = [x for x in rows if x["table"] == "primary" and x["dimension"] == "type"]
check(r.returncode == 0 and sum(int(x["count"]) for x in prim) == total and rows[-1]["table"] == "total",
      "CSV: primary type counts add up")
page = os.path.join(TMP, "report.html")
r = hv("report", "--product", "xen", "--years", "2013-2017", "--html", page)


class Parser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = {}
        self.external = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.external.append(v)


pp = Parser()
text = open(page).read() if os.path.exists(page) else ""
pp.feed(text)
check(r.returncode == 0 and pp.tags.get("svg", 0) == 3 and pp.tags.get("rect", 0) > 20 and not pp.tags.get("script")
      and not pp.external, "HTML: self-contained, 3 SVG bar charts, no script, nothing fetched")
check("Vulnerabilities of xen, published 2013-2017" in text and "CVE-2015-" in text, "HTML: title and records")

# ---- gaps
r = hv("gaps", "--product", "kvm-stack", "--years", "2016-2017", "--json")
g = json.loads(r.stdout)
ev = {e["evidence"]: e for e in g["evidence"]}
check(r.returncode == 0 and g["records"] == total and 0 < g["coverage_pct"] < 100, "gaps: %.1f%% of the needed evidence covered" % g["coverage_pct"])
check(ev.get("pio-mmio-access", {}).get("covered") and ev["pio-mmio-access"]["command"] == "watch",
      "port/MMIO accesses: covered by hvscope watch (the kvm source), as this hvscope has it")
check(ev.get("guest-process-list", {}).get("covered") and ev["guest-process-list"]["command"] == "ps",
      "the guest process list is covered by hvscope ps")
# What 'vuln attack-evidence' now runs during and after a privilege escalation (vuln-attack.py checks the rows).
check(ev.get("credential-change-events", {}).get("covered") and ev["credential-change-events"]["command"] == "watch"
      and ev.get("guest-kernel-integrity", {}).get("covered") and ev["guest-kernel-integrity"]["command"] == "triage",
      "credential-change events (hvscope watch) and kernel integrity (hvscope triage): covered, as this hvscope has them")
r = hv("attack-evidence", "--class", "type=privilege_escalation")
check(r.returncode == 1 and "a live VM" in r.stderr and not r.stdout,
      "attack-evidence without a live VM: refused, nothing run (%s)" % r.stderr.strip())
unc = [e["needed_by"] for e in g["evidence"] if not e["covered"]]
check(unc == sorted(unc, reverse=True) and all(not e["covered"] for e in g["evidence"][:len(unc)]),
      "uncovered evidence first, ranked by how many vulnerabilities need it")
r = hv("gaps", "--product", "xen")
check(r.returncode == 0 and "uncovered evidence, ranked" in r.stdout and "TECHNIQUE" in r.stdout, "gaps (text)")

# ---- bad input leaves the database as it was
before = count()
bad = {
    "malformed.json": '{"vulnerabilities": [ {"cve": ',
    "notnvd.json": '{"hello": "world"}',
    "trailing.json": '{"vulnerabilities": []} extra',
}
for name, body in bad.items():
    p = os.path.join(TMP, name)
    open(p, "w").write(body)
    r = hv("import", p)
    check(r.returncode == 1 and r.stderr.startswith("hvscope: cannot import") and count() == before,
          "%s: one-line error, nothing changed (%s)" % (name, r.stderr.strip()))
huge = {"vulnerabilities": [
    {"cve": {"id": "CVE-2099-0001", "descriptions": [{"lang": "en", "value": "x" * 70000}]}},
    {"cve": {"id": "CVE-2099-0002"}},
    {"cve": {"id": "CVE-2099-0003", "published": "2099-01-01T00:00:00.000", "descriptions": [{"lang": "en", "value": "A QEMU floppy bug."}]}}]}
p = os.path.join(TMP, "huge.json")
json.dump(huge, open(p, "w"))
r = hv("import", p)
check(r.returncode == 0 and count() == before + 1 and "CVE-2099-0001" in r.stderr and "exceeds limit" in r.stderr,
      "a huge description and a record without one are skipped with a warning; the good record is kept")
p = os.path.join(TMP, "trunc.json.gz")
open(p, "wb").write(gzip.compress(json.dumps(huge).encode())[:100])
r = hv("import", p)
check(r.returncode == 1 and "gzip" in r.stderr and count() == before + 1, "truncated gzip: error, nothing changed")
r = hv("import", "/nonexistent/file.json")
check(r.returncode == 1 and "No such file" in r.stderr, "a missing file: error")
notdb = os.path.join(TMP, "notdb")
open(notdb, "w").write("not a database " * 200)
r = subprocess.run([HVSCOPE, "vuln", "status", "--db", notdb], capture_output=True, text=True)
check(r.returncode == 1 and "cannot open the vulnerability database" in r.stderr, "a file that is not SQLite: error")
r = hv("report", "--product", "vmware")
check(r.returncode == 1 and "unknown product 'vmware'" in r.stderr, "an unknown product: error")
r = hv("report", "--product", "xen", "--years", "2017-2016")
check(r.returncode == 1 and "invalid --years" in r.stderr, "a reversed year range: error")
rules = os.path.join(TMP, "broken.rules")
open(rules, "w").write("class functionality x \"X\"\n[functionality x]\nphrase 1 ** oops\n")
r = hv("classify", "--rules", rules)
check(r.returncode == 1 and "broken.rules:3:" in r.stderr, "a broken rules file: FILE:LINE error")

# ---- inside a case file, beside the case's tables
case = os.path.join(TMP, "case.db")
c = sqlite3.connect(case)
c.execute("CREATE TABLE vms (id INTEGER PRIMARY KEY)")
c.execute("PRAGMA user_version = 3")
c.commit()
c.close()
r = subprocess.run([HVSCOPE, "vuln", "import", "--case", case, paths[1]], capture_output=True, text=True)
c = sqlite3.connect(case)
uv = c.execute("PRAGMA user_version").fetchone()[0]
n = c.execute("SELECT count(*) FROM vuln_cve").fetchone()[0]
c.close()
check(r.returncode == 0 and uv == 3 and n == 109, "vuln tables in a case file: 109 KVM records, the case's version untouched")

subprocess.run(["rm", "-rf", TMP])
print("%d passed, %d failed" % (checks - failures, failures))
sys.exit(1 if failures else 0)
