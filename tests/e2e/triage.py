#!/usr/bin/python3
"""End-to-end test of 'hvscope triage' on the lab guest (suite 'e2e').

For each kernel series (HVS_E2E_KERNELS, default "6.1 6.12"): boot the lab guest,
then
  1. clean guest: every check runs and no finding is above "info"; the
     hidden-module views all ran and every mapped area of module space has
     an owner; then kprobes and an ftrace trampoline are set up in the guest
     (kernel code in module space that is no module's) and hidden-module
     still reports nothing above "info", with those areas owned by kprobes
     and ftrace (also run with HVS_E2E_SCENARIOS="hidden module");
  2. each scenario of SCENARIOS (lab/scenarios/*.sh, lab/...): start it, run
     triage, assert the expected finding (check id, pid, and a detail the
     guest itself confirms), stop it, and assert the finding is gone;
  3. --case: the findings stored with their snapshot show in 'hvscope
     report' and 'hvscope timeline'.

TO ADD A SCENARIO append a dict to SCENARIOS:
  name    label
  start   command (list) that compromises the guest; "{name}" is the VM name,
          "{port}" a host port something listens on (with listen=True); its
          stdout may print key=value lines (pid=N ...), given to expect()
  stop    command that undoes it
  check   the check id expected to report it
  expect  fn(finding, kv, ctx) -> (ok, what): the finding (from --json) is one
          of that check's findings; kv the start script's key=value output;
          ctx.guest(cmd) runs a command in the guest (to compare with what the
          guest says). The scenario passes when some finding of the check
          above "info" satisfies expect().
  listen  (optional) the test listens on 127.0.0.1:{port} first and accepts
  yara    (optional) rules file given with --yara
  gone    (optional, default True) after stop, no finding satisfies expect()
  exclusive (optional) every finding of the check above "info" must satisfy
          expect() (nothing else, e.g. no kernel match, is reported)
  min_matches (optional, default 1) how many distinct findings must satisfy
          expect() (a scenario that plants several objects, each its finding)
"""
import json
import os
import socket
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import ROOT, RUN_GUEST, Ctx, check, run  # noqa: E402

SCN = os.path.join(ROOT, "lab", "scenarios")
MARKER_RULES = os.path.join(SCN, "marker.yar")
SEVERITIES = ["info", "low", "medium", "high", "critical"]


def _kv(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def expect_reverse_shell(f, kv, ctx):
    ev = f.get("evidence") or {}
    pid = int(kv["pid"])
    if f.get("pid") != pid or f["severity"] not in ("high", "critical"):
        return False, f"pid {f.get('pid')} severity {f['severity']}"
    if ev.get("remote") != kv["remote"]:
        return False, f"remote {ev.get('remote')} != {kv['remote']}"
    # The guest's own /proc: fd 0 is the socket whose inode the finding names.
    link = ctx.guest(f"readlink /proc/{pid}/fd/0").strip()
    inodes = {f"socket:[{x['socket_inode']}]" for x in ev.get("std_fds", [])}
    return link in inodes, f"guest fd 0 {link!r} in {sorted(inodes)}"


def expect_memfd(f, kv, ctx):
    pid = int(kv["pid"])
    ev = f.get("evidence") or {}
    path = (ev.get("executable") or {}).get("path")
    guest_exe = ctx.guest(f"readlink /proc/{pid}/exe").strip()
    ok = f.get("pid") == pid and f.get("technique") == "T1620" and path == guest_exe and path.startswith("/memfd:" + kv["memfd"])
    return ok, f"pid {f.get('pid')}, exe {path!r}, guest says {guest_exe!r}"


def expect_yara(f, kv, ctx):
    pid = int(kv["pid"])
    ev = f.get("evidence") or {}
    if f.get("pid") != pid or ev.get("rule") != kv["rule"] or not f.get("address"):
        return False, f"pid {f.get('pid')} rule {ev.get('rule')}"
    # The guest reads its own memory at the address the finding gives.
    addr = int(f["address"], 16)
    got = ctx.guest(f"dd if=/proc/{pid}/mem bs=1 skip={addr} count=32 2>/dev/null; echo").strip()
    return got.startswith("HVSCOPE-LAB-YARA-MARKER"), f"guest memory at {f['address']}: {got!r}"


def expect_syscall_hook(f, kv, ctx):
    """sys_call_table[nr] names the syscall and the module; the guest's kallsyms and /proc/modules agree."""
    ev = f.get("evidence") or {}
    nr = int(kv["nr"])
    table = int(kv["table"], 16)
    target = int((ev.get("target") or {}).get("addr", "0"), 16)
    if (ev.get("index"), ev.get("syscall"), ev.get("module")) != (nr, kv["syscall"], kv["module"]):
        return False, f"index {ev.get('index')} syscall {ev.get('syscall')} module {ev.get('module')}"
    if int(f.get("address") or "0", 16) != table + 8 * nr or f["severity"] not in ("high", "critical"):
        return False, f"address {f.get('address')} != table 0x{table:x} + 8*{nr}, severity {f['severity']}"
    mods = ctx.guest(f"grep '^{kv['module']} ' /proc/modules").split()
    if len(mods) < 6:
        return False, f"guest /proc/modules: {mods}"
    base, size = int(mods[5], 16), int(mods[1])
    return base <= target < base + size, f"target 0x{target:x} in guest's {kv['module']} [0x{base:x}, +{size})"


def expect_kprobe_hook(f, kv, ctx):
    """The kprobe on __x64_sys_kill with the module's handler; the guest's debugfs kprobes list has it."""
    ev = f.get("evidence") or {}
    probed = (ev.get("probed") or {}).get("addr", "")
    if ev.get("module") != kv["module"] or ev.get("symbol_name") != "__x64_sys_kill":
        return False, f"module {ev.get('module')} symbol {ev.get('symbol_name')}"
    lst = ctx.guest("mount -t debugfs none /sys/kernel/debug 2>/dev/null; cat /sys/kernel/debug/kprobes/list")
    ok = any(l.split()[0] == probed[2:] and "__x64_sys_kill" in l for l in lst.splitlines() if l.strip())
    return ok, f"probe at {probed} in guest's kprobes/list: {lst.strip()[:160]!r}"


def expect_ftrace_hook(f, kv, ctx):
    """The module's ftrace_ops traces __x64_sys_getdents64; the guest's enabled_functions says the same."""
    ev = f.get("evidence") or {}
    if ev.get("module") != kv["module"] or not any(t.startswith("__x64_sys_getdents64") for t in ev.get("traced", [])):
        return False, f"module {ev.get('module')} traced {ev.get('traced')}"
    txt = ctx.guest("mount -t tracefs none /sys/kernel/tracing 2>/dev/null; cat /sys/kernel/tracing/enabled_functions")
    ok = any(l.startswith("__x64_sys_getdents64") and f"[{kv['module']}]" in l for l in txt.splitlines())
    return ok, f"guest's enabled_functions: {txt.strip()[:200]!r}"


def expect_hidden_process(f, kv, ctx):
    """The victim's pid and comm; the guest's PID table (/proc) still has it, its task list does not."""
    ev = f.get("evidence") or {}
    pid = int(kv["pid"])
    if f.get("pid") != pid or ev.get("comm") != kv["comm"] or f["severity"] not in ("high", "critical"):
        return False, f"pid {f.get('pid')} comm {ev.get('comm')} severity {f['severity']}"
    if "pid-table" not in ev.get("seen_by", []) or ev.get("missing_from") != ["task-list"]:
        return False, f"seen_by {ev.get('seen_by')} missing_from {ev.get('missing_from')}"
    comm = ctx.guest(f"cat /proc/{pid}/comm").strip()
    return comm == kv["comm"], f"guest /proc/{pid}/comm {comm!r}"


def expect_hidden_module(f, kv, ctx):
    """The module's name and struct module address, as the guest's own sysfs gives it; not in /proc/modules.
    Every other view saw it: the module tree, the memory scan, /sys/module, the page tables of module space
    (its text is mapped and executable, where the guest's sysfs says its .text is) and its own symbol table,
    which names hide_self.c's functions that the guest's /proc/kallsyms no longer shows."""
    ev = f.get("evidence") or {}
    if ev.get("name") != kv["module"] or int(f.get("address") or "0", 16) != int(kv["addr"], 16):
        return False, f"name {ev.get('name')} address {f.get('address')} (guest says {kv['addr']})"
    seen = set(ev.get("seen_by", []))
    want = {"module-tree", "memory-scan", "sysfs", "module-areas", "module-symbols"}
    if not want <= seen or ev.get("missing_from") != ["module-list"]:
        return False, f"seen_by {sorted(seen)} missing_from {ev.get('missing_from')}"
    names = [n.split(" ", 1)[-1] for n in (ev.get("symbols") or {}).get("names", [])]
    if not {"unhide_set", "unhide_get"} & set(names):
        return False, f"symbols {names}"
    text = int(ctx.guest(f"cat /sys/module/{kv['module']}/sections/.text").strip().splitlines()[-1], 16)
    mem = [(int(m["start"], 16), int(m["end"], 16), m["exec_pages"]) for m in ev.get("memory", [])]
    if not any(lo <= text < hi and x > 0 for lo, hi, x in mem):
        return False, f"guest .text 0x{text:x} not in an executable area of {mem}"
    ksyms = ctx.guest("grep -c -w unhide_set /proc/kallsyms; :").strip().splitlines()
    listed = ctx.guest(f"grep -c '^{kv['module']} ' /proc/modules; :").strip().splitlines()
    ok = listed[-1:] == ["0"] and ksyms[-1:] == ["0"] and f["severity"] in ("high", "critical")
    return ok, f"guest /proc/modules count {listed[-1:]}, /proc/kallsyms unhide_set {ksyms[-1:]}, .text 0x{text:x}"


def expect_unowned_code(f, kv, ctx):
    """The page hide_code.c allocated (its address as the guest's /sys/module/hide_code/parameters/addr gives it)
    is reported as code no module owns, with hide_code.c's payload as its first bytes; the guest's /proc/modules
    lists hide_code, and its range there does not hold the page."""
    ev = f.get("evidence") or {}
    addr = int(kv["addr"], 16)
    if int(f.get("address") or "0", 16) != addr or "belongs to no listed module" not in f["title"]:
        return False, f"address {f.get('address')} (guest says {kv['addr']}): {f['title']}"
    if f["severity"] != "high" or ev.get("exec_pages", 0) < 1 or not ev.get("code_head", "").startswith("f30f1efab82a000000c3"):
        return False, f"severity {f['severity']} exec_pages {ev.get('exec_pages')} code_head {ev.get('code_head')}"
    mods = ctx.guest(f"grep '^{kv['module']} ' /proc/modules").split()
    if len(mods) < 6:
        return False, f"guest /proc/modules: {mods}"
    base, size = int(mods[5], 16), int(mods[1])
    return not base <= addr < base + size, f"page 0x{addr:x} outside the guest's {kv['module']} [0x{base:x}, +{size})"


def _fdinfo(ctx, pid, fd):
    txt = ctx.guest(f"cat /proc/{pid}/fdinfo/{fd} 2>/dev/null; :")
    return dict((k.strip(), v.strip()) for k, v in (l.split(":", 1) for l in txt.splitlines() if ":" in l))


def expect_bpf(f, kv, ctx):
    """One of the three programs of lab/scenarios/bpf.sh, each compared with the guest: id, type and tag with
    /proc/PID/fdinfo of the loader's program descriptor, the JIT address with /proc/kallsyms
    (bpf_prog_TAG_NAME), the holder with the loader's pid and fd; and where it is attached: the kprobe with
    the guest's kprobes/list, the tracepoint with its tracefs id and the link's fdinfo, the socket with the
    inode /proc/PID/fd gives and /proc/net/packet."""
    ev = f.get("evidence") or {}
    pid = int(kv["pid"])
    kinds = {"hvs_kprobe": ("kprobe_prog_fd", "kprobe", "high"), "hvs_tp": ("tp_prog_fd", "tracepoint", "high"),
             "hvs_sock": ("sock_prog_fd", "socket", "medium")}
    if ev.get("name") not in kinds:
        return False, f"program {ev.get('name')!r} is not the scenario's"
    fdkey, kind, sev = kinds[ev["name"]]
    fd = int(kv[fdkey])
    info = _fdinfo(ctx, pid, fd)
    got = (ev.get("id"), ev.get("type_id"), ev.get("tag"), f.get("pid"), f["severity"])
    want = (int(info.get("prog_id", -1)), int(info.get("prog_type", -1)), info.get("prog_tag"), pid, sev)
    if got != want:
        return False, f"{ev['name']}: (id, type, tag, pid, severity) {got} != guest {want}"
    if {"pid": pid, "fd": fd, "as": "prog"} not in [{k: h[k] for k in ("pid", "fd", "as")} for h in ev.get("holders", [])]:
        return False, f"{ev['name']}: holders {ev.get('holders')} lack pid {pid} fd {fd}"
    ksym = ctx.guest(f"grep ' bpf_prog_{ev['tag']}_{ev['name']}' /proc/kallsyms; :").split()
    if not ksym or int(ksym[0], 16) != int(ev.get("bpf_func", "0"), 16) or not ev.get("jited"):
        return False, f"{ev['name']}: JIT image {ev.get('bpf_func')} vs guest kallsyms {ksym[:3]}"
    at = [a for a in ev.get("attached", []) if a.get("kind") == kind]
    if len(at) != 1 or len(ev.get("attached", [])) != 1:
        return False, f"{ev['name']}: attached {ev.get('attached')}"
    a = at[0]
    if kind == "kprobe":
        lst = ctx.guest("mount -t debugfs none /sys/kernel/debug 2>/dev/null; cat /sys/kernel/debug/kprobes/list")
        lines = [l.split() for l in lst.splitlines() if len(l.split()) >= 3]
        ok = a["target"].startswith(kv["kprobe_func"] + "+") and any(
            int(l[0], 16) == int(a["address"], 16) and l[2] == a["target"] for l in lines)
        return ok, f"hvs_kprobe on {a['target']} at {a['address']}; guest kprobes/list {lst.strip()[:160]!r}"
    if kind == "tracepoint":
        link = _fdinfo(ctx, pid, int(kv["tp_link_fd"]))
        ok = (a["target"] == kv["tracepoint"].replace("/", ":") and a.get("event_id") == int(kv["tp_id"])
              and a.get("link_id") == int(link.get("link_id", -1)) and link.get("prog_id") == str(ev["id"]))
        return ok, f"hvs_tp on {a['target']} (event {a.get('event_id')}, link {a.get('link_id')}); guest: id {kv['tp_id']}, link {link}"
    sock = ctx.guest(f"readlink /proc/{pid}/fd/{kv['sock_fd']}; :").strip()
    packet = ctx.guest("cat /proc/net/packet").split()
    ok = (a.get("family"), a.get("sock_type"), a.get("pid"), a.get("fd")) == (17, 3, pid, int(kv["sock_fd"])) \
        and sock == f"socket:[{a.get('inode')}]" and str(a.get("inode")) in packet and f.get("technique") == "T1205.002"
    return ok, f"hvs_sock on {a['target']} inode {a.get('inode')}; guest fd {sock!r}"


SCENARIOS = [
    {"name": "reverse shell", "start": [os.path.join(SCN, "reverse-shell.sh"), "start", "--name", "{name}", "--port", "{port}"],
     "stop": [os.path.join(SCN, "reverse-shell.sh"), "stop", "--name", "{name}"],
     "listen": True, "check": "reverse-shell", "expect": expect_reverse_shell},
    {"name": "memfd payload", "start": [os.path.join(SCN, "memfd.sh"), "start", "--name", "{name}"],
     "stop": [os.path.join(SCN, "memfd.sh"), "stop", "--name", "{name}"],
     "check": "fileless-exe", "expect": expect_memfd},
    {"name": "YARA marker", "start": [os.path.join(SCN, "yara-marker.sh"), "start", "--name", "{name}"],
     "stop": [os.path.join(SCN, "yara-marker.sh"), "stop", "--name", "{name}"],
     "yara": MARKER_RULES, "check": "yara", "expect": expect_yara, "exclusive": True},
    {"name": "hook syscall", "start": [os.path.join(SCN, "hook-syscall.sh"), "start", "--name", "{name}"],
     "stop": [os.path.join(SCN, "hook-syscall.sh"), "stop", "--name", "{name}"],
     "check": "syscall-hook", "expect": expect_syscall_hook, "exclusive": True},
    {"name": "hook syscall kprobe", "start": [os.path.join(SCN, "hook-syscall.sh"), "start", "--name", "{name}"],
     "stop": [os.path.join(SCN, "hook-syscall.sh"), "stop", "--name", "{name}"],
     "check": "kprobe-hook", "expect": expect_kprobe_hook, "exclusive": True},
    {"name": "hook syscall ftrace", "start": [os.path.join(SCN, "hook-syscall.sh"), "start", "--name", "{name}"],
     "stop": [os.path.join(SCN, "hook-syscall.sh"), "stop", "--name", "{name}"],
     "check": "ftrace-hook", "expect": expect_ftrace_hook, "exclusive": True},
    {"name": "hidden process", "start": [os.path.join(SCN, "hide-proc.sh"), "start", "--name", "{name}"],
     "stop": [os.path.join(SCN, "hide-proc.sh"), "stop", "--name", "{name}"],
     "check": "hidden-process", "expect": expect_hidden_process, "exclusive": True},
    {"name": "hidden module", "start": [os.path.join(SCN, "hide-module.sh"), "start", "--name", "{name}"],
     "stop": [os.path.join(SCN, "hide-module.sh"), "stop", "--name", "{name}"],
     "check": "hidden-module", "expect": expect_hidden_module, "exclusive": True},
    {"name": "eBPF programs", "start": [os.path.join(SCN, "bpf.sh"), "start", "--name", "{name}"],
     "stop": [os.path.join(SCN, "bpf.sh"), "stop", "--name", "{name}"],
     "check": "bpf-programs", "expect": expect_bpf, "exclusive": True, "min_matches": 3},
    {"name": "unowned code", "start": [os.path.join(SCN, "hide-code.sh"), "start", "--name", "{name}"],
     "stop": [os.path.join(SCN, "hide-code.sh"), "stop", "--name", "{name}"],
     "check": "hidden-module", "expect": expect_unowned_code, "exclusive": True},
]


def triage(ctx, extra=()):
    r = run([e2elib.HVSCOPE, "triage", "--vm", ctx.env["HVS_QMP"], "--json", "--cache-dir", ctx.cache] + list(extra))
    try:
        out = json.loads(r.stdout)
    except ValueError:
        out = None
    return r.returncode, out, r.stderr


class Listener:
    """Accepts connections on 127.0.0.1:port and holds them open."""

    def __init__(self):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(4)
        self.s.settimeout(60)
        self.port = self.s.getsockname()[1]
        self.conns = []
        self.t = threading.Thread(target=self._accept, daemon=True)
        self.t.start()

    def _accept(self):
        try:
            while True:
                c, _ = self.s.accept()
                self.conns.append(c)
        except OSError:
            pass

    def close(self):
        for c in self.conns:
            c.close()
        self.s.close()


def above_info(out):
    return [f for f in out["findings"] if SEVERITIES.index(f["severity"]) > 0]


def scenario(ctx, name, sc):
    label = f"{ctx.label} {sc['name']}"
    lis = Listener() if sc.get("listen") else None
    subst = {"name": name, "port": str(lis.port if lis else 0)}
    cmd = [a.format(**subst) for a in sc["start"]]
    stop = [a.format(**subst) for a in sc["stop"]]
    env = dict(os.environ)
    try:
        r = run(cmd, env=env, timeout=300)
        if not check(r.returncode == 0, f"{label}: scenario starts"):
            print(r.stdout, r.stderr)
            return
        kv = _kv(r.stdout)
        time.sleep(1)
        extra = ["--yara", sc["yara"]] if sc.get("yara") else []
        rc, out, err = triage(ctx, extra)
        if not check(rc == 0 and out is not None, f"{label}: triage runs ({rc}: {err.strip()[:200]})"):
            return
        mine = [f for f in out["findings"] if f["check"] == sc["check"] and SEVERITIES.index(f["severity"]) > 0]
        results = [sc["expect"](f, kv, ctx) for f in mine]
        need = sc.get("min_matches", 1)
        ok = sum(1 for x in results if x[0]) >= need
        check(ok, f"{label}: {sc['check']} reports it{f' ({need} findings)' if need > 1 else ''} "
              f"({'; '.join(x[1] for x in results) or 'no finding of that check'})")
        if sc.get("exclusive"):
            other = [f"{f['title']} {json.dumps(f.get('evidence'))[:300]}" for f, x in zip(mine, results) if not x[0]]
            check(not other, f"{label}: {sc['check']} reports nothing else ({'; '.join(other)})")
        for hit, x in zip(mine, results):
            if x[0]:
                print(f"     {hit['severity']} {hit['check']} pid {hit.get('pid')} {hit.get('address')}: {hit['title']}")
    finally:
        r = run(stop, env=env, timeout=120)
        check(r.returncode == 0, f"{label}: scenario stops")
        if lis:
            lis.close()
    if sc.get("gone", True):
        time.sleep(1)
        rc, out, _ = triage(ctx, ["--check", sc["check"]] + (["--yara", sc["yara"]] if sc.get("yara") else []))
        still = [f for f in (out or {"findings": []})["findings"]
                 if f["check"] == sc["check"] and SEVERITIES.index(f["severity"]) > 0 and sc["expect"](f, kv, ctx)[0]]
        check(rc == 0 and not still, f"{label}: the finding is gone once stopped")


def case_and_report(ctx, name, work):
    """Findings stored with --case show in the report and the timeline."""
    label = f"{ctx.label} --case"
    sc = SCENARIOS[1]   # memfd: needs no listener
    subst = {"name": name, "port": "0"}
    r = run([a.format(**subst) for a in sc["start"]], timeout=300)
    if not check(r.returncode == 0, f"{label}: memfd scenario starts"):
        return
    try:
        case = os.path.join(work, f"case-{ctx.series}.db")
        r = run([e2elib.HVSCOPE, "triage", "--vm", ctx.env["HVS_QMP"], "--cache-dir", ctx.cache, "--case", case,
                 "--check", "fileless-exe"])
        check(r.returncode == 0 and "stored in case" in r.stdout, f"{label}: triage stores findings ({r.stderr.strip()})")
        html = os.path.join(work, "report.html")
        r = run([e2elib.HVSCOPE, "report", "--case", case, "-o", html])
        text = open(html).read() if r.returncode == 0 and os.path.exists(html) else ""
        check("runs from a memfd" in text and "T1620" in text, f"{label}: the HTML report shows the finding")
        r = run([e2elib.HVSCOPE, "timeline", "--case", case])
        lines = [l for l in r.stdout.splitlines() if "finding" in l and "fileless-exe" in l]
        check(r.returncode == 0 and len(lines) == 1, f"{label}: the timeline has the finding ({len(lines)} lines)")
        r = run([e2elib.HVSCOPE, "case", "verify", "--case", case])
        check(r.returncode == 0, f"{label}: the case verifies ({r.stdout.strip()[-120:]})")
    finally:
        run([a.format(**subst) for a in sc["stop"]], timeout=120)


def hm_summary(ctx, out, label, need=()):
    """hidden-module's summary: every view ran, every mapped area of module space has an owner; @need: owners
    (bpf, ftrace, kprobes) that must own at least one area. Returns the areas_by_owner counts."""
    info = [f for f in out["findings"] if f["check"] == "hidden-module" and "module views compared" in f["title"]]
    if not check(len(info) == 1, f"{label}: hidden-module compared its views"):
        return {}
    ev = info[0].get("evidence") or {}
    views = ["module-list", "module-tree", "memory-scan", "sysfs", "module-areas", "module-symbols"]
    errors = {v: (ev.get(v) or {}).get("error") for v in views if (ev.get(v) or {}).get("error") or v not in ev}
    areas = ev.get("module-areas") or {}
    owners = areas.get("areas_by_owner") or {}
    nmods = (ev.get("module-list") or {}).get("modules")
    ok = (not errors and areas.get("areas", 0) >= nmods and owners.get("none") == 0
          and areas.get("unowned_code_areas") == 0 and owners.get("module", 0) >= nmods
          and (ev.get("module-symbols") or {}).get("modules") == nmods and all(owners.get(n, 0) > 0 for n in need))
    check(ok, f"{label}: hidden-module views all ran and every area of module space has an owner "
              f"({nmods} modules, areas {owners}, errors {errors})")
    return owners


def module_space_users(ctx):
    """kprobes (an instruction slot, then an optimized probe's slot) and an ftrace trampoline (a kprobe on a
    function's ftrace site) allocate executable pages in module space; hidden-module attributes them to their
    registries and reports nothing. The guest's /proc/kallsyms names the same pages."""
    label = f"{ctx.label} kernel code in module space"
    setup = ("mount -t tracefs none /sys/kernel/tracing 2>/dev/null; cd /sys/kernel/tracing && "
             "echo 'p:hvsk_a vfs_read' >> kprobe_events && "
             "(echo 'p:hvsk_b vfs_read+9' >> kprobe_events 2>/dev/null || echo 'p:hvsk_b vfs_read+5' >> kprobe_events) && "
             "echo 1 > events/kprobes/enable && sleep 1 && "
             "grep -c -E '__builtin__(kprobes|ftrace)' /proc/kallsyms")
    undo = ("cd /sys/kernel/tracing && echo 0 > events/kprobes/enable; echo '-:hvsk_a' >> kprobe_events; "
            "echo '-:hvsk_b' >> kprobe_events; :")
    try:
        n = ctx.guest(setup).strip().splitlines()[-1]
        if not check(n.isdigit() and int(n) >= 2, f"{label}: kprobes set, guest kallsyms shows {n} such pages"):
            return
        rc, out, err = triage(ctx, ["--check", "hidden-module"])
        if not check(rc == 0 and out is not None, f"{label}: triage runs ({err.strip()[:200]})"):
            return
        bad = above_info(out)
        check(not bad, f"{label}: no finding above info ({'; '.join(f['title'] for f in bad[:3])})")
        hm_summary(ctx, out, label, need=("kprobes", "ftrace"))
    finally:
        try:
            ctx.guest(undo)
        except RuntimeError as e:
            check(False, f"{label}: kprobes removed ({e})")


def one_guest(series, work):
    name = f"t1-triage-{series}-{os.getpid()}"
    label = f"[{series}]"
    try:
        r = run([RUN_GUEST, "start", "--name", name, "--kernel", series])
        if not check(r.returncode == 0, f"{label} lab guest boots"):
            print(r.stderr)
            return
        env = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
        ctx = Ctx(series, "off", env, os.path.join(work, f"cache-{series}"), work, True)
        ctx.label = label
        os.environ["HVS_LAB_NAME"] = name
        # 1. The clean guest.
        rc, out, err = triage(ctx, ["--yara", MARKER_RULES])
        if check(rc == 0 and out is not None, f"{label} clean: every check runs ({err.strip()[:300]})"):
            bad = above_info(out)
            check(not bad, f"{label} clean: no finding above info ({len(bad)}: "
                  + "; ".join(f"{f['severity']} {f['check']}: {f['title']}" for f in bad[:5]) + ")")
            ran = {c["id"] for c in out["checks"] if c["status"] == "ok"}
            check({"reverse-shell", "fileless-exe", "yara", "wx-memory", "root-from-user", "kthread-masquerade"} <= ran,
                  f"{label} clean: the process checks and yara ran ({sorted(ran)})")
            check({"syscall-hook", "idt-hook", "inline-hook", "ftrace-hook", "kprobe-hook", "bpf-programs"} <= ran,
                  f"{label} clean: the kernel-integrity checks ran")
            hm_summary(ctx, out, f"{label} clean")
        # 1b. The kernel's own code in module space (kprobe slots, an ftrace trampoline) is not a finding.
        only = os.environ.get("HVS_E2E_SCENARIOS", "").split(",")
        if only == [""] or "hidden module" in only:
            module_space_users(ctx)
        # 2. Each scenario.
        for sc in SCENARIOS:
            if only != [""] and sc["name"] not in only:
                continue
            try:
                scenario(ctx, name, sc)
            except Exception as e:  # one scenario failing must not hide the others
                check(False, f"{label} {sc['name']}: {e}")
        # 3. The case.
        case_and_report(ctx, name, work)
    finally:
        run([RUN_GUEST, "stop", "--name", name])
        check(not os.path.exists(f"/dev/shm/hvs-lab-{name}.ram"), f"{label} VM stopped")


def main():
    work = tempfile.mkdtemp(prefix="hvs-e2e-triage-")
    try:
        for series in os.environ.get("HVS_E2E_KERNELS", "6.1 6.12").split():
            one_guest(series, work)
    finally:
        run(["rm", "-rf", work])
    print(f"{e2elib.passed} passed, {e2elib.failed} failed")
    return 1 if e2elib.failed else 0


if __name__ == "__main__":
    sys.exit(main())
