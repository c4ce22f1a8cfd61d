#!/usr/bin/python3
"""Writes fuzz/corpora/case/: inputs for fuzz-case.c (see its header for the
format: a selector byte per mutation, then its parameters, integers as 8
bytes little-endian, strings as a length byte and the bytes). Selectors are
the index of the mutation in fuzz-case.c's table."""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "case")
(ARGS, HASH, PREV, SEQ, DEL, INS, FIRST, LAST, TABLE, ACQ_SHA, ACQ_PATH, PROC_INS, PROC_DEL, PROC_UPD, MOD_INS,
 SOCK_INS, HEAD, SNAP_UPD, EVT_INS, VIEW_INS, SNAP_DEL, VM_UPD, FIND_UPD) = range(23)


def i(v):
    return struct.pack("<q", v)


def t(v):
    b = v.encode() if isinstance(v, str) else v
    assert len(b) < 256
    return bytes([len(b)]) + b


def m(sel, *params):
    return bytes([sel]) + b"".join(params)


Z = "0" * 64
seeds = {
    "clean": b"",
    "edit-args": m(ARGS, i(2), t('{"rows":[{"table":"acquisitions","first":1,"last":1,"sha256":"x"}]}')),
    "bad-json": m(ARGS, i(3), t('{"rows":[')),
    "huge-range": m(LAST, i(3), i(2**62)) + m(FIRST, i(4), i(-5)),
    "unknown-table": m(TABLE, i(2), t("sqlite_schema")) + m(TABLE, i(3), t("custody")),
    "snapshot-range": m(LAST, i(5), i(2)),
    "hash": m(HASH, i(2), t(Z)) + m(PREV, i(3), t("")),
    "reorder": m(SEQ, i(2), i(100)) + m(SEQ, i(3), i(2)) + m(SEQ, i(100), i(3)),
    "delete": m(DEL, i(3)) + m(DEL, i(6)) + m(HEAD, t("1:" + Z)),
    "forged-row": m(INS, i(7), i(1), t("me"), t("h"), t("0.1.0"), t("x"), t("{}"), t(""), t(Z), t(Z)),
    "acq": m(ACQ_SHA, i(1), t("nothex"), i(-1)) + m(ACQ_PATH, i(1), t("../../etc/passwd")),
    "artifacts": m(PROC_INS, i(1), i(1), i(0), t("dup"), t("\xff\xfe"), i(1000), i(-1), t("R"), i(-1))
    + m(PROC_DEL, i(2)) + m(PROC_UPD, i(4), t("evil"), i(2**63 - 1), t(""))
    + m(MOD_INS, i(2), t("rootkit"), i(-1), i(-1), i(0), t("{bad"))
    + m(SOCK_INS, i(2), t("tcp"), t("inet"), t("LISTEN"), t("0.0.0.0"), i(8080), t("::"), i(-3), t(""), i(100),
        t("[]"), i(0)),
    "orphans": m(SNAP_DEL, i(1)) + m(EVT_INS, i(9), i(9), i(1), t("s"), t("c"), t("a"), i(-1), t(""), t("x"), t("{")),
    "views": m(VIEW_INS, i(1), t("net"), t('{"a":' * 40)) + m(SNAP_UPD, i(2), t(""), t("\n\x1b[31m")),
    "text": m(VM_UPD, i(1), t("\x00evil"), t("h" * 200)) + m(FIND_UPD, i(1), t("apocalyptic"), t("[")),
}
os.makedirs(HERE, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} inputs in {HERE}")
