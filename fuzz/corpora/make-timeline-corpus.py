#!/usr/bin/python3
"""Writes fuzz/corpora/timeline/: inputs for fuzz-timeline.c (see its header for
the format: a selector byte per row, then its columns, integers as 8 bytes
little-endian, strings as a length byte and the bytes; a length byte 0xf0+k
stands for the k-th of the target's `words`)."""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "timeline")
VMS, SNAP, PROC, MOD, ACQ, EVT, FIND, SOCK, CUST = range(9)
WORDS = ["memory", "registers", "views", "complete", "failed", "partial", "info", "low", "medium", "high",
         "critical", "tcp", "unix", "LISTEN", "live", "process"]
S = 10**9
T0 = 1714564800 * S


def i(v):
    return struct.pack("<q", v)


def t(v):
    if isinstance(v, str) and v in WORDS:
        return bytes([0xf0 + WORDS.index(v)])
    b = v.encode() if isinstance(v, str) else v
    assert len(b) < 0xf0
    return bytes([len(b)]) + b


def row(sel, *cols):
    return bytes([sel]) + b"".join(cols)


def vm(id_, name):
    return row(VMS, i(id_), t("hv1"), t(name), t("uuid-%d" % id_), t("/run/qmp"), i(42), i(T0), i(T0))


def snap(id_, vm_, taken, hostname="lab"):
    return row(SNAP, i(id_), i(vm_), i(taken), i(taken), i(T0 - 3600 * S), i(0), t("live"), t("6.1.0"),
               t(hostname), t(""))


def proc(s, pid, ppid, comm, cmd, start, kthread=0):
    return row(PROC, i(s), i(pid), i(ppid), i(0), i(0), t("S"), i(kthread), t(comm), t(cmd), i(start), i(1),
               i(0xffff888000000000 - 2**64 + pid * 4096))


def mod(s, name, addr):
    return row(MOD, i(s), t(name), i(addr), i(4096), i(addr))


def acq(id_, vm_, kind, status, start, finish, detail="{}"):
    return row(ACQ, i(id_), i(vm_), t(kind), t("consistent"), t("/cases/mem.elf"), i(1 << 29), t("ab" * 32),
               i(start), i(finish), t("0.1.0"), t("hv1"), t("root"), t(status), t(detail))


def evt(vm_, s, ts, cat, action, pid, summary, data="{}"):
    return row(EVT, i(vm_), i(s), i(ts), t("breakpoint"), t(cat), t(action), i(pid), t("sh"), t(summary), t(data))


def find(vm_, s, ts, check, sev, title, tech="T1014", ev="[]"):
    return row(FIND, i(vm_), i(s), i(ts), t(check), t(sev), t(title), t("why"), t(tech), t(ev))


def sock(s, state, lport, owners, path=""):
    return row(SOCK, i(s), t("tcp"), t("inet"), t(state), t("0.0.0.0"), i(lport), t("10.0.0.2"), i(4000),
               t(path), i(77), t(owners), i(1))


def cust(seq, ts, action):
    return row(CUST, i(seq), i(ts), t("root"), t("hv1"), t("0.1.0"), t(action), t("{}"), t(""), t("0" * 64),
               t("1" * 64))


def lab():
    out = vm(1, "lab") + snap(1, 1, T0 + 100 * S) + snap(2, 1, T0 + 200 * S)
    for s in (1, 2):
        out += proc(s, 1, 0, "sh", "/bin/sh /init", T0 - 3600 * S)
        out += proc(s, 2, 0, "kthreadd", "", T0 - 3599 * S, 1)
        out += proc(s, 115, 1, "nc", "nc -ll -p 4444 -e /bin/cat", T0 - 3500 * S)
        out += mod(s, "ext4", 0x1000)
        out += sock(s, "LISTEN", 4444, '[{"pid":115,"comm":"nc","fd":3}]')
    out += proc(1, 60, 1, "old", "old", T0) + proc(2, 70, 1, "new", "new", T0 + 150 * S)
    out += mod(2, "rootkit", 0x2000) + mod(1, "gone", 0x3000)
    out += acq(3, 1, "memory", "complete", T0 + 150 * S, T0 + 152 * S)
    out += evt(1, 2, T0 + 150 * S, "process", "process-exec", 70, "exec")
    out += find(1, 2, T0 + 210 * S, "hidden-module", "high", "hidden")
    out += find(1, 2, T0 + 210 * S, "odd", "info", "odd", "")
    out += cust(1, T0, "create") + cust(2, T0 + 100 * S, "snapshot")
    return out


def hostile():
    bad = [b"<script>alert(1)</script>", b"\"><img src=x onerror=alert(1)>", b"\xff\xfe\xc0\xaf\xed\xa0\x80",
           b"a,b\"c\nd\re", b"\x1b[2J\x00x", b"</td></tr></table><svg onload=1>", b"&amp;&#60;", b"'\\u0000'"]
    out = vm(1, "<b>vm</b>") + snap(1, 1, T0, "<i onmouseover=x>")
    for k, b in enumerate(bad):
        out += proc(1, 100 + k, 1, b, b + b" " + b, T0 + k * S)
        out += mod(1, b, 0x1000 + k)
        out += evt(1, 1, T0 + k, b, b, 100 + k, b, b)
        out += find(1, 1, T0 + k, b, "critical", b, b, b)
        out += sock(1, b, k, b'[{"pid":1,"comm":"' + b.replace(b'"', b"") + b'","fd":1}]', b)
        out += cust(k + 1, T0 + k, b)
    out += find(1, 1, T0, "deep", "low", "deep JSON", "", "[" * 100 + "]" * 100)
    out += evt(1, 1, T0, "file", "x", 1, "not json", "{\"a\":")
    return out


def cycles():
    out = vm(1, "c") + snap(1, 1, T0)
    out += proc(1, 10, 11, "ten", "ten", T0) + proc(1, 11, 10, "eleven", "eleven", T0)
    out += proc(1, 12, 12, "self", "self", T0) + proc(1, 13, 99, "orphan", "orphan", T0)
    for k in range(200):   # a long chain
        out += proc(1, 1000 + k, 999 + k, "chain", "chain", T0 + k)
    return out


def extremes():
    lo, hi = -2**63, 2**63 - 1
    out = vm(1, "x") + snap(1, 1, lo) + snap(2, 1, hi) + snap(3, 1, 0)
    out += proc(1, -1, -2, "neg", "neg", lo) + proc(2, 2**31 - 1, 2**31, "big", "big", hi)
    out += proc(3, 5, 5, "zero", "zero", 0)
    out += acq(1, 1, "memory", "partial", hi, lo) + acq(2, 1, "views", "failed", lo, hi)
    out += evt(1, 1, hi, "process", "exit", -1, "max") + evt(1, 1, lo, "process", "exit", 0, "min")
    out += find(1, 1, lo, "c", "medium", "min") + cust(1, hi, "x") + cust(2, lo, "y")
    return out


def orphans():
    # Rows whose snapshot or VM does not exist (foreign keys are not enforced on a tampered file).
    out = snap(5, 77, T0) + proc(9, 1, 0, "ghost", "ghost", T0) + mod(9, "ghost", 1)
    out += proc(5, 1, 0, "init", "init", T0) + evt(99, 99, T0, "process", "start", 1, "e")
    out += find(99, 99, T0, "c", "high", "f") + acq(1, 99, "registers", "complete", T0, T0 + 1)
    out += sock(99, "ESTAB", 1, "[]")
    return out


def many():
    out = vm(1, "m") + snap(1, 1, T0) + snap(2, 1, T0 + S)
    for k in range(400):
        out += proc(1 + k % 2, k, 1, "p", "p", T0 - k * S)
    return out


CASES = {
    "empty": b"",
    "lab": lab(),
    "lab-cap": bytes([9]) + lab()[1:],     # selector 9 is vms too, and odd: max_entries 3
    "hostile": hostile(),
    "cycles": cycles(),
    "extremes": extremes(),
    "orphans": orphans(),
    "many": many(),
    "truncated": lab()[:700],
    "duplicates": vm(1, "a") + vm(1, "b") + snap(1, 1, T0) + snap(1, 1, T0) + proc(1, 1, 0, "a", "a", T0) * 3,
}

if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    for name, data in CASES.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    print(f"{len(CASES)} inputs in {HERE}")
