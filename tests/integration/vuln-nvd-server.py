#!/usr/bin/python3
"""A stand-in for the NVD CVE API 2.0 on 127.0.0.1, for 'hvscope vuln sync' tests.

It serves records in the API 2.0 shape: from a file of that shape (--data,
e.g. shared/data/nvd/qemu.json: real, recorded NVD records) or generated
(--synthetic N). It pages by startIndex/resultsPerPage, filters by
lastModStartDate/lastModEndDate as NVD does (both or neither, at most 120
days, else 404 with a 'message' header), and can misbehave on purpose:

  --fail N:KIND[,N:KIND...]   the N-th request (1-based) gets KIND:
        503, 500, 502, 504, 404   that status (empty body)
        403                        NVD's throttling answer
        429                        with 'Retry-After: 1'
        truncate                   Content-Length says more than is sent, then the
                                   connection closes
        cut                        a 200 whose JSON stops in the middle (no length)
        garbage                    a 200 with a body that is not JSON
        wrongindex                 a 200 page claiming another startIndex
        slow                       answers after 0.5 s
  --die-at-index K            every request for startIndex K gets a 500
  --delay S                   every answer waits S seconds
  --touch ID=DATE             serve record ID with lastModified DATE and a changed
                              description (an update since the last sync)

It writes its port to --port-file once listening, and one JSON line per
request to --log: time, path, query, apiKey header, status answered.
"""
import argparse
import datetime
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_date(s):
    s = s.replace("Z", "")
    for suffix in ("+00:00", "-00:00"):
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.datetime.strptime(s, fmt)
        except ValueError:
            pass
    raise ValueError(s)


def synthetic(n):
    devices = ["floppy disk controller", "e1000 NIC", "Cirrus VGA", "xHCI USB controller", "9pfs", "VNC server"]
    out = []
    for i in range(n):
        day = datetime.datetime(2019, 1, 1) + datetime.timedelta(days=13 * i)
        cid = "CVE-2020-%05d" % (10000 + i)
        out.append({"cve": {
            "id": cid, "sourceIdentifier": "test@example.invalid",
            "published": day.strftime("%Y-%m-%dT%H:%M:%S.000"),
            "lastModified": (day + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.000"),
            "vulnStatus": "Analyzed",
            "descriptions": [{"lang": "en", "value": "A flaw in the %s of QEMU allows guest OS users to cause a "
                              "denial of service (crash). Record %d." % (devices[i % len(devices)], i)}],
            "configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [
                {"vulnerable": True, "criteria": "cpe:2.3:a:qemu:qemu:*:*:*:*:*:*:*:*"}]}]}],
        }})
    return out


class State:
    def __init__(self, args):
        if args.data:
            self.records = json.load(open(args.data))["vulnerabilities"]
        else:
            self.records = synthetic(args.synthetic)
        for t in args.touch or []:
            cid, date = t.split("=", 1)
            for r in self.records:
                if r["cve"]["id"] == cid:
                    r["cve"]["lastModified"] = date
                    r["cve"]["descriptions"] = [{"lang": "en", "value": r["cve"]["descriptions"][0]["value"] + " (updated)"}]
        self.records.sort(key=lambda r: r["cve"]["id"])
        self.fail = {}
        for item in (args.fail or "").split(","):
            if item:
                n, kind = item.split(":", 1)
                self.fail[int(n)] = kind
        self.die_at = args.die_at_index
        self.delay = args.delay
        self.count = 0
        self.lock = threading.Lock()
        self.log = open(args.log, "a") if args.log else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, body=b"", headers=None, length=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def record(self, q, status):
        st = self.server.state
        if st.log:
            with st.lock:
                st.log.write(json.dumps({"t": self.arrived, "path": self.path.split("?")[0], "query": q,
                                         "apikey": self.headers.get("apiKey"), "status": status}) + "\n")
                st.log.flush()

    def do_GET(self):
        self.arrived = time.time()
        st = self.server.state
        with st.lock:
            st.count += 1
            n = st.count
        url = urllib.parse.urlparse(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        kind = st.fail.get(n)
        if st.delay:
            time.sleep(st.delay)
        if kind == "slow":
            time.sleep(0.5)
        if kind in ("500", "502", "503", "504", "404", "403"):
            self.record(q, int(kind))
            return self.answer(int(kind), headers={"message": "injected failure %s" % kind} if kind == "404" else None)
        if kind == "429":
            self.record(q, 429)
            return self.answer(429, headers={"Retry-After": "1"})
        if kind == "garbage":
            self.record(q, 200)
            return self.answer(200, b"<html>Service Unavailable</html>")
        try:
            start = int(q.get("startIndex", "0"))
            per = int(q.get("resultsPerPage", "2000"))
        except ValueError:
            self.record(q, 404)
            return self.answer(404, headers={"message": "Invalid startIndex or resultsPerPage"})
        if per < 1 or per > 2000 or start < 0:
            self.record(q, 404)
            return self.answer(404, headers={"message": "resultsPerPage out of range"})
        if st.die_at is not None and start == st.die_at:
            self.record(q, 500)
            return self.answer(500)
        recs = st.records
        a, b = q.get("lastModStartDate"), q.get("lastModEndDate")
        if (a is None) != (b is None):
            self.record(q, 404)
            return self.answer(404, headers={"message": "Both lastModStartDate and lastModEndDate are required"})
        if a is not None:
            try:
                da, db = parse_date(a), parse_date(b)
            except ValueError:
                self.record(q, 404)
                return self.answer(404, headers={"message": "Invalid date format"})
            if db < da or (db - da).days > 120 or (db - da) > datetime.timedelta(days=120):
                self.record(q, 404)
                return self.answer(404, headers={"message": "The date range must not exceed 120 days"})
            recs = [r for r in recs if da <= parse_date(r["cve"]["lastModified"]) <= db]
        page = recs[start:start + per]
        doc = {"resultsPerPage": len(page), "startIndex": start if kind != "wrongindex" else start + 1,
               "totalResults": len(recs), "format": "NVD_CVE", "version": "2.0",
               "timestamp": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.000"),
               "vulnerabilities": page}
        body = json.dumps(doc).encode()
        self.record(q, 200)
        if kind == "truncate":
            self.answer(200, body[: len(body) // 2], length=len(body))
            self.close_connection = True
            return
        if kind == "cut":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.answer(200, body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--synthetic", type=int, default=57)
    ap.add_argument("--fail")
    ap.add_argument("--die-at-index", type=int)
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--touch", action="append")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
