#!/usr/bin/python3
"""Write fuzz/corpora/isf/: Volatility 3 ISF JSON files for fuzz-isf.c.

A small Linux-like ISF (the shapes dwarf2json and hvscope write: nested and
anonymous members, bitfields, arrays of arrays, pointers, unions, enums,
typed symbols, linux_banner constant_data), written in several layouts
(compact, indented like dwarf2json, keys in another order), then hostile
variants: truncation, wrong types, duplicates, self-referencing anonymous
members, undefined types, deep nesting, huge numbers, bad escapes and
banners. Deterministic: run it again to rebuild (files named found-* are
inputs a libFuzzer run added, kept as they are).
"""
import base64
import json
import os
import sys

BANNER = b"Linux version 6.1.0-fuzz (f@h) (gcc) #1 SMP PREEMPT_DYNAMIC\n\0"


def base(name):
    return {"kind": "base", "name": name}


def struct(name):
    return {"kind": "struct", "name": name}


def ptr(sub):
    return {"kind": "pointer", "subtype": sub}


def arr(n, sub):
    return {"kind": "array", "count": n, "subtype": sub}


def field(t, off, anonymous=False):
    f = {"type": t, "offset": off}
    if anonymous:
        f["anonymous"] = True
    return f


def small():
    bt = lambda size, kind, signed: {"size": size, "signed": signed, "kind": kind, "endian": "little"}
    ut = {
        "list_head": {"kind": "struct", "size": 16, "fields": {
            "next": field(ptr(struct("list_head")), 0), "prev": field(ptr(struct("list_head")), 8)}},
        "kuid_t": {"kind": "struct", "size": 4, "fields": {"val": field(base("unsigned int"), 0)}},
        "cred": {"kind": "struct", "size": 12, "fields": {
            "usage": field(base("int"), 0), "uid": field(struct("kuid_t"), 4), "euid": field(struct("kuid_t"), 8)}},
        "unnamed_u1": {"kind": "union", "size": 8, "fields": {
            "pgd": field(base("long int"), 0), "pgd_alias": field(base("long int"), 0)}},
        "unnamed_s1": {"kind": "struct", "size": 24, "fields": {
            "start": field(base("long int"), 0),
            "unnamed_field_8": field({"kind": "union", "name": "unnamed_u1"}, 8, True),
            "arg_start": field(base("long int"), 16)}},
        "mm_struct": {"kind": "struct", "size": 32, "fields": {
            "unnamed_field_0": field(struct("unnamed_s1"), 0, True), "tail": field(base("long int"), 24)}},
        "unnamed_s2": {"kind": "struct", "size": 8, "fields": {
            "u_deep": field(base("int"), 0), "u_deep2": field(base("int"), 4)}},
        "unnamed_u2": {"kind": "union", "size": 8, "fields": {
            "u_a": field(base("int"), 0), "unnamed_field_0": field(struct("unnamed_s2"), 0, True)}},
        "task_struct": {"kind": "struct", "size": 112, "fields": {
            "__state": field(base("unsigned int"), 0),
            "flags": field({"kind": "bitfield", "bit_position": 0, "bit_length": 3, "type": base("unsigned int")}, 8),
            "pid": field(base("int"), 12),
            "comm": field(arr(16, base("char")), 16),
            "cred": field(ptr(struct("cred")), 32),
            "tasks": field(struct("list_head"), 40),
            "mm": field(ptr(struct("mm_struct")), 56),
            "unnamed_field_58": field({"kind": "union", "name": "unnamed_u2"}, 88, True),
            "real_cred": field(struct("cred"), 96)}},
        "grid": {"kind": "struct", "size": 64, "fields": {
            "m": field(arr(3, arr(4, base("int"))), 0),
            "gp": field(ptr(struct("ghost")), 48),
            "state": field({"kind": "enum", "name": "pid_type"}, 56),
            "fn": field(ptr({"kind": "function"}), 56),
            "g": field(struct("ghost"), 60)}},
        "loop": {"kind": "struct", "size": 4, "fields": {"unnamed_field_0": field(struct("loop"), 0, True)}},
    }
    return {
        "metadata": {"format": "6.2.0", "producer": {"name": "fuzz", "version": "1.0.0"},
                     "linux": {"symbols": [{"kind": "symtab", "name": "kallsyms"}]}},
        "base_types": {"void": bt(0, "void", False), "int": bt(4, "int", True), "unsigned int": bt(4, "int", False),
                       "long int": bt(8, "int", True), "char": bt(1, "char", True), "_Bool": bt(1, "bool", False),
                       "pointer": bt(8, "int", False)},
        "user_types": ut,
        "enums": {"pid_type": {"size": 4, "base": "unsigned int", "constants": {"PIDTYPE_PID": 0, "PIDTYPE_MAX": 4}}},
        "symbols": {
            "_text": {"address": 0xffffffff81000000, "type": base("void")},
            "init_task": {"address": 0xffffffff82a0c940, "type": struct("task_struct")},
            "tk_core": {"address": 0xffffffff82a0d000, "type": struct("unnamed_s2")},
            "linux_banner": {"address": 0xffffffff82000100, "type": arr(len(BANNER), base("char")),
                             "constant_data": base64.b64encode(BANNER).decode()},
        },
    }


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "isf")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if not f.startswith("found-"):     # inputs libFuzzer found are kept
            os.unlink(os.path.join(out, f))
    files = {}
    d = small()
    compact = json.dumps(d, separators=(",", ":")).encode()
    files["small"] = compact
    files["small-indented"] = json.dumps(d, indent=2).encode()     # dwarf2json's layout
    files["small-reordered"] = json.dumps(dict(reversed(list(d.items()))), separators=(",", ":")).encode()
    files["truncated"] = compact[: len(compact) * 2 // 3]
    files["empty-sections"] = json.dumps({"metadata": {"format": "6.0.0"}, "base_types": {}, "user_types": {},
                                          "enums": {}, "symbols": {}}).encode()
    files["format-1"] = compact.replace(b'"6.2.0"', b'"1.0.0"')
    files["windows"] = json.dumps({"metadata": {"format": "6.2.0", "windows": {}}, "base_types": {},
                                   "user_types": {}, "enums": {}, "symbols": {}}).encode()

    def variant(name, mutate):
        v = json.loads(compact)
        mutate(v)
        files[name] = json.dumps(v, separators=(",", ":")).encode()

    variant("kind-typedef", lambda v: v["user_types"]["cred"].update(kind="typedef"))
    variant("negative-offset", lambda v: v["user_types"]["cred"]["fields"]["uid"].update(offset=-4))
    variant("huge-size", lambda v: v["user_types"]["cred"].update(size=1 << 40))
    variant("huge-array", lambda v: v["user_types"]["grid"]["fields"]["m"]["type"].update(count=0xffffffff))
    variant("bitfield-of-struct", lambda v: v["user_types"]["task_struct"]["fields"]["flags"]["type"].update(
        type=struct("cred")))
    variant("bitfield-wide", lambda v: v["user_types"]["task_struct"]["fields"]["flags"]["type"].update(
        bit_position=120, bit_length=64))
    variant("no-pointer-base", lambda v: v["base_types"].pop("pointer"))
    variant("pointer-size-3", lambda v: v["base_types"]["pointer"].update(size=3))
    variant("self-embedded", lambda v: v["user_types"]["task_struct"]["fields"].update(
        tasks=field(struct("task_struct"), 40)))
    variant("mutual-anonymous", lambda v: (
        v["user_types"]["unnamed_s2"]["fields"].update(back=field({"kind": "union", "name": "unnamed_u2"}, 0, True)),))
    variant("banner-bad-b64", lambda v: v["symbols"]["linux_banner"].update(constant_data="!!!"))
    variant("banner-not-linux", lambda v: v["symbols"]["linux_banner"].update(
        constant_data=base64.b64encode(b"Darwin Kernel Version\n\0").decode()))
    variant("banner-huge", lambda v: v["symbols"]["linux_banner"].update(
        constant_data=base64.b64encode(b"Linux version " + b"x" * 9000).decode()))
    variant("address-string", lambda v: v["symbols"]["init_task"].update(address="0xffffffff82a0c940"))
    variant("address-float", lambda v: v["symbols"]["init_task"].update(address=1.5e19))
    variant("symbol-type-int", lambda v: v["symbols"]["init_task"].update(type=base("int")))
    variant("unknown-kind", lambda v: v["user_types"]["cred"]["fields"]["uid"].update(type={"kind": "matrix"}))
    deep = base("int")
    for _ in range(40):
        deep = arr(1, deep)
    variant("deep-array", lambda v: v["user_types"]["grid"]["fields"]["m"].update(type=deep))
    chain = {}
    chain["c0"] = {"kind": "struct", "size": 4, "fields": {"bottom": field(base("int"), 0)}}
    for i in range(1, 24):
        chain[f"c{i}"] = {"kind": "struct", "size": 4, "fields": {
            "unnamed_field_0": field(struct(f"c{i-1}"), 0, True)}}
    variant("anonymous-chain", lambda v: v["user_types"].update(chain))

    # Text-level damage the JSON writer cannot produce.
    files["duplicate-type"] = compact.replace(b'"user_types":{', b'"user_types":{"cred":{"kind":"struct","size":1,'
                                              b'"fields":{}},', 1)
    files["duplicate-section"] = compact[:-1] + b',"enums":{}}'
    files["trailing"] = compact + b" {}"
    files["escapes"] = compact.replace(b'"kuid_t"', b'"kuid\\u005ft"').replace(b'"val"', b'"v\\u0061l"')
    files["nul-name"] = compact.replace(b'"kuid_t":{', b'"ku\\u0000id_t":{', 1)
    files["control-byte"] = compact.replace(b'"usage"', b'"us\x01age"', 1)
    files["unterminated"] = compact.replace(b'"usage"', b'"usage', 1)
    files["huge-number"] = compact.replace(b'"size":112', b'"size":1' + b"0" * 40, 1)
    files["long-name"] = compact.replace(b'"kuid_t":{', b'"' + b"k" * 2000 + b'":{', 1)
    files["brackets"] = compact.replace(b'"fields":{"val"', b'"fields":[{"val"', 1)
    files["not-json"] = b"ISF? not really {\x00\xff"
    files["bare-object"] = b"{}"
    for name, data in sorted(files.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {out}")


if __name__ == "__main__":
    main()
