#!/usr/bin/python3
"""hvscope timeline and report against the lab guest (run by guest_views.py).

  * a hostile process is started in the guest first: a script named
    "<svg onload=1>" (its comm) run with the argument "<script>alert(1)</script>"
    (in its command line);
  * `hvscope collect --case` twice (a process "hvs-report-gone" is killed and
    one "hvs-report-new" started between the two), then
    `hvscope timeline --format ndjson`:
    one "process-started" document for each of nc, httpd and hvs-labd (not
    two: the two snapshots saw the same processes), with the guest's PID, PPID,
    name, command line (its /proc/PID/cmdline), start time (its /proc/PID/stat
    starttime plus /proc/stat btime, within 2 s) and host name, and ECS fields
    (@timestamp, event.kind/category/type/action/dataset/module, host.name,
    process.user.id, ...); no (PID, start) twice; two snapshot-taken documents;
    times in order; hvs-report-gone "process-ended" at the second snapshot's
    time, hvs-report-new started between the snapshots;
  * `--format csv`: Timesketch's columns first, one row per NDJSON document,
    timestamp in microseconds matching datetime; `--from`/`--to` narrow;
  * `hvscope report -o`: the page is rendered in headless Chromium (selenium
    with Debian's chromedriver; no sandbox as root, no network, a temporary
    profile, everything in a child process killed after RENDER_TIMEOUT s):
    it loads with no console error or JavaScript exception, has no script, no
    event handler attribute, loads no resource, shows the lab's processes
    with their command lines in the process tree, shows the hostile name and
    argument as text, and draws the timeline chart. The screenshot of the whole
    page and the HTML are kept: <build>/meson-logs/report-<series>-kaslr-<on|off>.{png,html};
    the page must fit a 1400 px window (no sideways scrolling);
  * bad input (first boot only): a missing, a truncated and a non-case file,
    a bad --format, a bad --from, report without -o: one line on stderr,
    exit status 1, no output file left.
"""
import csv
import datetime
import io
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time

from e2elib import HVSCOPE, check, expect_error, iso_seconds, run as run_cmd

LAB_PROCS = {
    "nc": ["nc", "-ll", "-p", "4444", "-e", "/bin/cat"],
    "httpd": ["httpd", "-f", "-p", "8080", "-h", "/www"],
    "hvs-labd": ["/bin/sh", "/usr/sbin/hvs-labd", "--mode", "watch", "--interval", "5"],
}
HOSTILE_NAME = "<svg onload=1>"
HOSTILE_ARG = "<script>alert(1)</script>"
RENDER_TIMEOUT = 120


def build_root():
    if os.environ.get("HVS_BUILD_ROOT"):
        return os.environ["HVS_BUILD_ROOT"]
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(HVSCOPE))))


def hv(args):
    t0 = time.monotonic()
    r = run_cmd([HVSCOPE] + args)
    return r, time.monotonic() - t0


def guest_procs(ctx):
    """{pid: (ppid, comm, argv, start seconds since the epoch)} of the guest's processes."""
    out = ctx.guest("btime=$(sed -n 's/^btime //p' /proc/stat); echo BTIME $btime; "
                    "for p in /proc/[0-9]*; do s=$(cat $p/stat 2>/dev/null) || continue; "
                    "c=$(tr '\\000' '\\001' < $p/cmdline 2>/dev/null); echo \"P ${p#/proc/} $s @@ $c\"; done; true")
    btime, res = 0, {}
    for line in out.splitlines():
        if line.startswith("BTIME "):
            btime = int(line.split()[1])
        elif line.startswith("P "):
            head, _, cmd = line[2:].partition(" @@ ")
            pid, rest = head.split(" ", 1)
            comm = rest[rest.index("(") + 1:rest.rindex(")")]
            fields = rest[rest.rindex(")") + 2:].split()
            # stat fields after comm: state(3) ppid(4) ... starttime(22)
            res[int(pid)] = (int(fields[1]), comm, [a for a in cmd.split("\x01") if a] if cmd else [],
                             int(fields[19]))
    return {pid: (ppid, comm, argv, btime + ticks / 100.0) for pid, (ppid, comm, argv, ticks) in res.items()}


def by_comm(procs, comm):
    return [pid for pid, p in procs.items() if p[1] == comm]


def check_ndjson(label, text, g, hostname):
    docs = [json.loads(line) for line in text.splitlines()]
    check(docs and all(set(d) >= {"@timestamp", "message", "event", "ecs"} for d in docs),
          f"{label}: {len(docs)} NDJSON documents, each with @timestamp, message, event, ecs")
    times = [iso_seconds(d["@timestamp"]) for d in docs]
    check(times == sorted(times), f"{label}: documents in time order")
    starts = [d for d in docs if d["event"].get("action") == "process-started"]
    keys = [(d.get("host", {}).get("name"), d["process"]["pid"], d["process"].get("start")) for d in starts]
    check(len(keys) == len(set(keys)) and len(starts) >= 20,
          f"{label}: {len(starts)} process starts, no (VM, PID, start) twice")
    snaps = [d for d in docs if d["event"].get("action") == "snapshot-taken"]
    check(len(snaps) == 2 and all(d["event"]["kind"] == "state" for d in snaps), f"{label}: two snapshot-taken")
    for comm, argv in LAB_PROCS.items():
        pids = by_comm(g, comm)
        mine = [d for d in starts if d["process"].get("name") == comm]
        ok = len(pids) == 1 and len(mine) == 1
        if ok:
            d, (ppid, _, gargv, gstart) = mine[0], g[pids[0]]
            p, e = d["process"], d["event"]
            ok = (p["pid"] == pids[0] and p["parent"]["pid"] == ppid and gargv == argv and
                  p.get("command_line") == " ".join(argv) and p["user"]["id"] == "0" and
                  abs(iso_seconds(d["@timestamp"]) - gstart) <= 2 and d["@timestamp"] == p["start"] and
                  e["kind"] == "event" and e["category"] == ["process"] and e["type"] == ["start"] and
                  e["dataset"] == "hvscope.process" and e["module"] == "hvscope" and
                  d["host"]["hostname"] == hostname and d["host"].get("name") and
                  d["hvscope"]["clock"] == "guest" and d["ecs"]["version"].startswith("8."))
        check(ok, f"{label}: {comm} started once, pid {pids}, with ECS fields matching the guest" +
              ("" if ok else f" ({mine[0] if len(mine) == 1 else len(mine)}; guest {[g[p] for p in pids]})"))
    hostile = [d for d in starts if d["process"].get("name") == HOSTILE_NAME]
    check(len(hostile) == 1 and HOSTILE_ARG in hostile[0]["process"].get("command_line", ""),
          f"{label}: the hostile process, with its name and argument as data")
    return docs


def check_csv(label, text, docs):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    head = rows[0] if rows else []
    check(head[:4] == ["message", "datetime", "timestamp_desc", "timestamp"],
          f"{label}: CSV header starts with Timesketch's columns ({head[:6]})")
    body = rows[1:]
    ok = len(body) == len(docs)
    for row, d in zip(body, docs):
        t = datetime.datetime.strptime(row[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        us = (t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(microseconds=1)
        ok = ok and len(row) == len(head) and int(row[3]) == us and row[0] == d["message"] and row[1] == d["@timestamp"]
    check(ok, f"{label}: {len(body)} CSV rows, one per NDJSON document, timestamp in microseconds")
    col = {name: i for i, name in enumerate(head)}
    nc = [r for r in body if r[col["process_name"]] == "nc" and r[col["event_action"]] == "process-started"]
    check(len(nc) == 1 and nc[0][col["command_line"]] == " ".join(LAB_PROCS["nc"]) and
          nc[0][col["timestamp_desc"]] == "Process Start Time", f"{label}: nc's row")


# ---- rendering in Chromium (run in a child process: python3 check_report.py --render HTML PNG) ----

def render_child(html, png, profile):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
              "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-extensions", "--disable-default-apps", "--metrics-recording-only",
              "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
              "--window-size=1400,1000", "--force-device-scale-factor=1", "--hide-scrollbars",
              f"--user-data-dir={profile}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path="/usr/bin/chromedriver", log_path=os.devnull)
    t0 = time.monotonic()
    driver = webdriver.Chrome(service=service, options=opts)
    try:
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(10)
        driver.get("file://" + os.path.abspath(html))
        js = driver.execute_script
        res = {
            "title": driver.title,
            "ready": js("return document.readyState"),
            "scripts": js("return document.scripts.length"),
            "handlers": js("return Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes)"
                           ".some(a => a.name.startsWith('on'))).length"),
            "resources": js("return performance.getEntriesByType('resource').map(e => e.name)"),
            "text": js("return document.body.innerText"),
            "tree_rows": js("return Array.from(document.querySelectorAll('table.tree tbody tr')).map("
                            "tr => Array.from(tr.cells).map(c => c.innerText))"),
            "chart_bars": js("return document.querySelectorAll('svg.chart rect[fill] title').length"),
            "chart_box": js("const r = document.querySelector('svg.chart').getBoundingClientRect();"
                            "return [r.width, r.height]"),
            "svg_elements": js("return document.querySelectorAll('svg').length"),
        }
        # Console messages and uncaught exceptions (both are "SEVERE").
        res["log"] = [{"level": e["level"], "message": e["message"]} for e in driver.get_log("browser")]
        # The whole page: size the viewport to the document, then capture beyond it.
        w = js("return document.documentElement.scrollWidth")
        h = js("return Math.min(document.documentElement.scrollHeight, 16000)")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": max(w, 1400), "height": h, "scale": 1}})
        import base64
        with open(png, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        res["page_size"] = [w, h]
        res["seconds"] = time.monotonic() - t0
    finally:
        driver.quit()
    print(json.dumps(res))


def chromium_pids(profile):
    """PIDs of processes whose command line names @profile (ours only)."""
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    if profile.encode() in f.read():
                        pids.append(int(d))
            except OSError:
                pass
    return pids


def render(html, png):
    profile = tempfile.mkdtemp(prefix="hvs-report-chromium-")
    try:
        # Debian's python3: python3-selenium is installed for it (whatever python3 runs the tests).
        py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        p = subprocess.Popen([py, os.path.abspath(__file__), "--render", html, png, profile],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = p.communicate(timeout=RENDER_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            out, err = p.communicate()
            err += f"\nrendering took more than {RENDER_TIMEOUT} s: killed"
        return (json.loads(out.splitlines()[-1]) if p.returncode == 0 and out.strip() else None), err
    finally:
        # Anything of ours still running (found by our own profile directory).
        for pid in chromium_pids(profile):
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        shutil.rmtree(profile, ignore_errors=True)


def check_render(label, res, g, png):
    if not check(res is not None, f"{label}: Chromium rendered the report"):
        return
    severe = [e for e in res["log"] if e["level"] in ("SEVERE", "ERROR")]
    check(res["ready"] == "complete" and res["title"] and not severe,
          f"{label}: the page loaded, no console error or exception ({severe or res['title']})")
    check(res["scripts"] == 0 and res["handlers"] == 0 and res["resources"] == [],
          f"{label}: no script, no event handler, no resource loaded ({res['scripts']}, {res['handlers']}, "
          f"{res['resources'][:3]})")
    text = res["text"]
    rows = {int(r[0]): r for r in res["tree_rows"] if r and r[0].strip().isdigit()}
    ok = True
    for comm, argv in LAB_PROCS.items():
        pids = by_comm(g, comm)
        r = rows.get(pids[0]) if len(pids) == 1 else None
        ok = ok and r is not None and comm in r[6] and " ".join(argv) in r[7] and r[1].strip() == str(g[pids[0]][0])
    check(ok and len(rows) >= 20, f"{label}: the process tree shows {len(rows)} processes, nc, httpd and hvs-labd "
                                  f"with their PPID and command lines")
    check(HOSTILE_NAME in text and HOSTILE_ARG in text and res["svg_elements"] == 1,
          f"{label}: the hostile name and argument shown as text, nothing injected")
    check(res["chart_bars"] >= 5 and res["chart_box"][0] > 800 and res["chart_box"][1] > 150,
          f"{label}: the timeline chart is drawn ({res['chart_bars']} bars, {res['chart_box']})")
    check(res["page_size"][0] <= 1400, f"{label}: the page fits a 1400 px window, no sideways scrolling "
                                       f"({res['page_size'][0]} px)")
    check(all(s in text for s in ("Case summary", "Findings", "Acquisitions", "Network connections",
                                  "Chain of custody")) and "4444" in text,
          f"{label}: every section is there")
    print(f"     {label}: rendered in {res['seconds']:.1f} s, page {res['page_size'][0]}x{res['page_size'][1]}; "
          f"screenshot {png}")


def start_waiter(ctx, name, arg):
    """Starts /tmp/NAME ARG in the guest: one process that waits (read -t on a
    fifo nobody writes), whose comm is NAME. Returns its PID, or None."""
    path = "/tmp/" + name
    ctx.guest(f"mkfifo /tmp/hvs-report-fifo 2>/dev/null; "
              f"printf '#!/bin/sh\\nread -t 900 x <> /tmp/hvs-report-fifo\\n' > '{path}'; chmod +x '{path}'; "
              f"('{path}' '{arg}' </dev/null >/dev/null 2>&1 & echo $! >> /tmp/hvs-report.pids); true")
    for _ in range(50):
        found = ctx.guest(f"grep -lx '{name}' /proc/[0-9]*/comm 2>/dev/null; true").split()
        if found:
            return int(found[0].split("/")[2])
        time.sleep(0.1)
    return None


def check_between(label, docs, gone, new, snaps):
    """The process that ended between the snapshots and the one that started between them."""
    ended = [d for d in docs if d["event"]["action"] == "process-ended"]
    mine = [d for d in ended if d["process"]["pid"] == gone]
    check(len(mine) == 1 and mine[0]["@timestamp"] == snaps[1]["@timestamp"] and
          mine[0]["event"]["type"] == ["end"] and mine[0]["hvscope"]["clock"] == "host" and
          mine[0]["process"]["name"] == "hvs-report-gone",
          f"{label}: the process killed between the snapshots ended at the second ({len(mine)} of {len(ended)})")
    started = [d for d in docs if d["event"]["action"] == "process-started" and d["process"]["pid"] == new]
    # The start is on the guest's clock, the snapshots on the host's. The guest
    # clock was set from the RTC at boot (whole seconds) and /proc/stat's btime,
    # from which the guest's own start times are counted, is whole seconds too:
    # up to 2 s apart plus the drift of a loaded TCG guest, so 3 s of slack.
    t = [iso_seconds(d["@timestamp"]) for d in (snaps[0], started[0] if started else snaps[0], snaps[1])]
    # A loaded TCG guest's clock falls behind the host's (seen: 15 s within a
    # minute); the snapshot states its offset, which maps the guest-clock start
    # onto the host's clock.
    m = re.search(r"guest clock ([+-]?\d+) s from the host's", snaps[1].get("message", ""))
    if m:
        t[1] -= int(m.group(1))
    check(len(started) == 1 and started[0]["hvscope"]["snapshot_id"] == snaps[1]["hvscope"]["snapshot_id"] and
          t[0] - 3 < t[1] < t[2] + 3,
          f"{label}: the process started between the snapshots, from the second snapshot, between their times "
          f"({len(started)} found; snapshot 1, start, snapshot 2: {t[0]:.3f} {t[1]:.3f} {t[2]:.3f})")


def bad_input(work, vm):
    missing = os.path.join(work, "no-such-case.sqlite")
    expect_error("timeline: a missing case", ["timeline", "--case", missing])
    check(not os.path.exists(missing), "timeline: a missing case is not created")
    junk = os.path.join(work, "junk.sqlite")
    with open(junk, "w") as f:
        f.write("this is not a case\n" * 100)
    expect_error("timeline: not a case", ["timeline", "--case", junk])
    out = os.path.join(work, "bad.html")
    expect_error("report: not a case", ["report", "--case", junk, "-o", out])
    check(not os.path.exists(out) and not [n for n in os.listdir(work) if n.startswith("bad.html")],
          "report: nothing written for a bad case")
    expect_error("timeline: bad --format", ["timeline", "--case", junk, "--format", "xml"])
    expect_error("timeline: bad --from", ["timeline", "--case", junk, "--from", "yesterday"])
    expect_error("report: no -o", ["report", "--case", junk])


def run(ctx):
    label = f"{ctx.label} report"
    vm = ["--vm", ctx.env["HVS_QMP"], "--cache-dir", ctx.cache]
    case = os.path.join(ctx.work, f"report-{ctx.series}-{ctx.kaslr}.sqlite")
    try:
        check(start_waiter(ctx, HOSTILE_NAME, HOSTILE_ARG), f"{label}: the hostile process runs in the guest")
        gone = start_waiter(ctx, "hvs-report-gone", "x")
        r, took = hv(["collect"] + vm + ["--case", case])
        check(r.returncode == 0, f"{label}: collect #1 ({took:.1f} s) {r.stderr.strip()[-300:]}")
        ctx.guest(f"kill {gone}; true")
        new = start_waiter(ctx, "hvs-report-new", "y")
        r, took = hv(["collect"] + vm + ["--case", case])
        check(r.returncode == 0, f"{label}: collect #2 ({took:.1f} s) {r.stderr.strip()[-300:]}")
        g = guest_procs(ctx)
        hostname = ctx.guest("hostname").strip()

        ndjson = os.path.join(ctx.work, "timeline.ndjson")
        r, took = hv(["timeline", "--case", case, "--format", "ndjson", "-o", ndjson])
        if not check(r.returncode == 0 and os.path.exists(ndjson), f"{label}: timeline --format ndjson -o "
                                                                   f"({took * 1000:.0f} ms) {r.stderr.strip()}"):
            return
        with open(ndjson, encoding="utf-8") as f:
            docs = check_ndjson(label, f.read(), g, hostname)
        snaps = [d for d in docs if d["event"]["action"] == "snapshot-taken"]
        if len(snaps) == 2:
            check_between(label, docs, gone, new, snaps)
        r, _ = hv(["timeline", "--case", case, "--format", "csv"])
        check(r.returncode == 0, f"{label}: timeline --format csv")
        check_csv(label, r.stdout, docs)
        r, _ = hv(["timeline", "--case", case])
        check(r.returncode == 0 and "process-started" in r.stdout and "snapshot-taken" in r.stdout and
              len(r.stdout.splitlines()) == len(docs) + 1, f"{label}: timeline as a table, one line per entry")
        t0, t1 = (d["@timestamp"] for d in snaps[:2])
        r, _ = hv(["timeline", "--case", case, "--json", "--from", t0, "--to", t1])
        sub = [json.loads(line) for line in r.stdout.splitlines()]
        check(r.returncode == 0 and sub and all(t0 <= d["@timestamp"] <= t1 for d in sub) and
              len(sub) < len(docs), f"{label}: --from/--to keep {len(sub)} of {len(docs)} entries")

        logs = os.path.join(build_root(), "meson-logs")
        os.makedirs(logs, exist_ok=True)
        base = os.path.join(logs, f"report-{ctx.series}-kaslr-{ctx.kaslr}")
        html = base + ".html"
        r, took = hv(["report", "--case", case, "-o", html])
        if not check(r.returncode == 0 and os.path.exists(html),
                     f"{label}: report -o ({took * 1000:.0f} ms) {r.stderr.strip()}"):
            return
        with open(html, encoding="utf-8") as f:
            page = f.read()
        check("<script" not in page.lower() and "&lt;svg onload=1&gt;" in page and
              "&lt;script&gt;alert(1)&lt;/script&gt;" in page,
              f"{label}: the hostile strings are escaped in the file ({len(page)} bytes)")
        res, err = render(html, base + ".png")
        if res is None:
            print(err[-2000:])
        check_render(label, res, g, base + ".png")
        if ctx.first:
            bad_input(ctx.work, vm)
    finally:
        ctx.guest("kill $(cat /tmp/hvs-report.pids) 2>/dev/null; rm -f /tmp/hvs-report.pids /tmp/hvs-report-fifo "
                  f"'/tmp/{HOSTILE_NAME}' /tmp/hvs-report-gone /tmp/hvs-report-new; true")


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--render":
    render_child(*sys.argv[2:5])
