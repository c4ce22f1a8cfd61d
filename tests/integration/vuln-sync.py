#!/usr/bin/python3
"""'hvscope vuln sync' against a local NVD API 2.0 stand-in (vuln-nvd-server.py)
on 127.0.0.1: paging, the API key header, the rate limit, back-off on 403, 429
and 5xx, truncated and malformed replies, incremental windows of at most 120
days, a non-retryable error, resuming after a persistent failure and after
Ctrl-C. Nothing leaves the loopback interface.

usage: vuln-sync.py HVSCOPE   (HVS_SOURCE_ROOT: the source tree)
"""
import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HVSCOPE = os.path.abspath(sys.argv[1])
SRC = os.environ.get("HVS_SOURCE_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SERVER = os.path.join(SRC, "tests", "integration", "vuln-nvd-server.py")
SHARED_QEMU = os.path.join(os.path.dirname(SRC.rstrip("/")), "shared", "data", "nvd", "qemu.json")
TMP = tempfile.mkdtemp(prefix="hvs-vuln-sync-")
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if cond:
        print("ok   %s" % what)
    else:
        failures += 1
        print("FAIL %s" % what)


def epoch(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc).timestamp())


class Server:
    def __init__(self, name, *args):
        self.port_file = os.path.join(TMP, name + ".port")
        self.log = os.path.join(TMP, name + ".log")
        self.proc = subprocess.Popen([sys.executable, SERVER, "--port-file", self.port_file, "--log", self.log]
                                     + list(args))
        for _ in range(200):
            if os.path.exists(self.port_file):
                break
            time.sleep(0.02)
        self.port = int(open(self.port_file).read())
        self.url = "http://127.0.0.1:%d/rest/json/cves/2.0" % self.port

    def requests(self):
        if not os.path.exists(self.log):
            return []
        return [json.loads(line) for line in open(self.log)]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def sync(db, url, *args, env_url=False, timeout=120):
    env = dict(os.environ, HVS_VULN_DB=db)
    cmd = [HVSCOPE, "vuln", "sync", "--json", "--quiet"]
    if env_url:
        env["HVS_NVD_API_URL"] = url
    else:
        cmd += ["--api-url", url]
    p = subprocess.run(cmd + list(args), env=env, capture_output=True, text=True, timeout=timeout)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = {}
    return p.returncode, out, p.stderr


def status(db):
    p = subprocess.run([HVSCOPE, "vuln", "status", "--json", "--db", db], capture_output=True, text=True)
    return json.loads(p.stdout)


def count(db):
    c = sqlite3.connect(db)
    n = c.execute("SELECT count(*), count(DISTINCT id) FROM vuln_cve").fetchone()
    c.close()
    return n


FAST = ["--backoff-ms", "40", "--backoff-max-ms", "300", "--timeout-ms", "5000", "--results-per-page", "10"]

# 1. A full first sync through every kind of failure, under a rate limit.
srv = Server("full", "--fail", "2:503,4:429,6:truncate,8:403,10:garbage,11:cut,12:wrongindex")
db = os.path.join(TMP, "full.db")
t0 = time.time()
rc, out, err = sync(db, srv.url, "--all", "--rate", "4/600", "--api-key", "secret-key-123", *FAST,
                    "--now", str(epoch("2021-06-01")))
elapsed = time.time() - t0
reqs = srv.requests()
srv.stop()
check(rc == 0 and out.get("complete"), "full sync completes through 503, 429, truncated, 403, garbage, cut, wrong page (rc %d: %s)" % (rc, err.strip()))
check(count(db) == (57, 57), "57 synthetic records stored once each: %s" % (count(db),))
check(out.get("retries") == 7 and out.get("pages") == 6, "7 retries, 6 pages: %s/%s" % (out.get("retries"), out.get("pages")))
check(all(r["apikey"] == "secret-key-123" for r in reqs), "the API key goes in the apiKey header of every request")
check(all("lastModStartDate" not in r["query"] for r in reqs), "a first sync is a full pass (no date range)")
check([int(r["query"]["startIndex"]) for r in reqs if r["status"] == 200][-6:] == [0, 10, 20, 30, 40, 50] or
      sorted(set(int(r["query"]["startIndex"]) for r in reqs)) == [0, 10, 20, 30, 40, 50], "pages by startIndex 0..50")
times = sorted(r["t"] for r in reqs)
# (arrival times at the server; 30 ms of slack for scheduling on a loaded machine)
worst = max(sum(1 for u in times if t <= u < t + 0.57) for t in times)
check(worst <= 4, "at most 4 requests in any 600 ms window (seen %d, %d requests in %.1f s)" % (worst, len(reqs), elapsed))
st = status(db)
check(st["sync.state"] == "done" and st["sync.watermark"] == "2021-06-01T00:00:00.000",
      "watermark at the end of the range: %s" % st.get("sync.watermark"))

# 2. Incremental: only what changed since the watermark, with its date range.
srv = Server("incr", "--touch", "CVE-2020-10003=2021-07-01T00:00:00.000")
rc, out, err = sync(db, srv.url, "--all", *FAST, "--now", str(epoch("2021-08-01")), env_url=True)
reqs = srv.requests()
srv.stop()
check(rc == 0 and out.get("updated") == 1 and out.get("inserted") == 0,
      "incremental sync updates the one changed record (HVS_NVD_API_URL): %s %s" % (out, err.strip()))
check(count(db) == (57, 57), "no duplicate after the update")
check(len(reqs) == 1 and reqs[0]["query"].get("lastModStartDate", "").startswith("2021-06-01T00:00:00")
      and reqs[0]["query"].get("lastModEndDate", "").startswith("2021-08-01T00:00:00"),
      "asked for lastModStartDate=watermark..lastModEndDate=now: %s" % [r["query"] for r in reqs])
c = sqlite3.connect(db)
desc = c.execute("SELECT description FROM vuln_cve WHERE id = 'CVE-2020-10003'").fetchone()[0]
c.close()
check(desc.endswith("(updated)"), "the stored description is the new one")

# 3. A long range is cut into windows of at most 120 days, back to back.
srv = Server("windows")
rc, out, err = sync(db, srv.url, "--all", *FAST, "--since", "2020-01-01T00:00:00", "--now", str(epoch("2021-08-01")))
reqs = srv.requests()
srv.stop()
wins = []
for r in reqs:
    w = (r["query"]["lastModStartDate"], r["query"]["lastModEndDate"])
    if w not in wins:
        wins.append(w)
spans = [(datetime.datetime.fromisoformat(a[:19]), datetime.datetime.fromisoformat(b[:19])) for a, b in wins]
check(rc == 0 and len(spans) == 5, "2020-01-01..2021-08-01 in 5 windows: %d (%s)" % (len(spans), err.strip()))
check(all((b - a).days <= 120 for a, b in spans) and all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1)),
      "windows of at most 120 days, contiguous")
check(all(r["status"] == 200 for r in reqs), "the stand-in accepted every window (it refuses > 120 days)")

# 4. A non-retryable error stops at once with NVD's message.
srv = Server("notfound", "--fail", "1:404")
db4 = os.path.join(TMP, "notfound.db")
rc, out, err = sync(db4, srv.url, "--all", *FAST)
reqs = srv.requests()
srv.stop()
check(rc == 1 and len(reqs) == 1 and "HTTP 404" in err and "injected failure 404" in err,
      "HTTP 404 is not retried and its message is shown: %s" % err.strip())

# 5. A page that keeps failing: the sync gives up, keeps what it stored, and resumes there.
srv = Server("die", "--die-at-index", "20")
db5 = os.path.join(TMP, "resume.db")
rc, out, err = sync(db5, srv.url, "--all", *FAST, "--retries", "2", "--now", str(epoch("2021-06-01")))
srv.stop()
st = status(db5)
check(rc == 1 and "giving up" in err and count(db5)[0] == 20,
      "gives up on startIndex 20 after retries, 20 records kept: %s %s" % (count(db5), err.strip()))
check(st["sync.state"] == "running" and st["sync.next_index"] == "20", "progress saved: next index %s" % st.get("sync.next_index"))
srv = Server("resume")
rc, out, err = sync(db5, srv.url, "--all", *FAST, "--now", str(epoch("2021-07-01")))
reqs = srv.requests()
srv.stop()
check(rc == 0 and out.get("resumed") and out.get("complete"), "the next sync resumes and completes: %s" % err.strip())
check(reqs and int(reqs[0]["query"]["startIndex"]) == 20 and all(int(r["query"]["startIndex"]) >= 20 for r in reqs),
      "it starts at startIndex 20, nothing fetched twice: %s" % [r["query"]["startIndex"] for r in reqs])
check(count(db5) == (57, 57), "57 records after resuming")
check(status(db5)["sync.watermark"] == "2021-06-01T00:00:00.000", "the watermark is the interrupted run's end")

# 6. Ctrl-C during a sync: stops after the current request, resumes later.
srv = Server("slow", "--delay", "0.25")
db6 = os.path.join(TMP, "sigint.db")
env = dict(os.environ, HVS_VULN_DB=db6)
p = subprocess.Popen([HVSCOPE, "vuln", "sync", "--quiet", "--all", "--api-url", srv.url] + FAST, env=env,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(0.9)
p.send_signal(signal.SIGINT)
o, e = p.communicate(timeout=20)
srv.stop()
n6 = count(db6)[0]
check(p.returncode == 1 and "interrupted" in e and 0 < n6 < 57, "SIGINT stops the sync, %d records kept: %s" % (n6, e.strip()))
srv = Server("slow2")
rc, out, err = sync(db6, srv.url, "--all", *FAST)
srv.stop()
check(rc == 0 and out.get("resumed") and count(db6) == (57, 57), "and the next sync finishes it: %s" % err.strip())

# 7. By default only the products' records are kept (here: recorded NVD pages of QEMU, when shared/ has them).
if os.path.exists(SHARED_QEMU):
    srv = Server("real", "--data", SHARED_QEMU)
    db7 = os.path.join(TMP, "real.db")
    rc, out, err = sync(db7, srv.url, "--results-per-page", "100", "--backoff-ms", "40", "--rate", "50/100")
    srv.stop()
    n = count(db7)[0]
    check(rc == 0 and out.get("complete") and n == out.get("records") and n + out.get("not_selected") == 351,
          "recorded QEMU pages (351 NVD records): %d stored, %d not selected by the product rules" %
          (n, out.get("not_selected", -1)))
else:
    print("skip recorded NVD pages: %s is absent" % SHARED_QEMU)

subprocess.run(["rm", "-rf", TMP])
print("%d passed, %d failed" % (checks - failures, failures))
sys.exit(1 if failures else 0)
