#!/usr/bin/python3
"""hvscope symbols export-isf and --isf against the lab guest (run by guest_views.py).

Volatility 3 cannot be installed on this machine, so the exported ISF is
checked by our own validator, written from what Volatility's source requires
(volatility3/schemas/schema-6.x.json, framework/symbols/intermed.py,
framework/automagic/{linux,symbol_cache}.py, framework/symbols/linux/__init__.py,
framework/plugins/linux/pslist.py; see docs/isf.md):

  * the file is what the 6.2.0 schema allows (dwarf2json writes 6.2.0, and
    Volatility validates against schema-<format>.json): the five sections
    and no others, every entry with exactly the keys its definition allows,
    type descriptors of the seven kinds, bitfields of base or enum types;
  * every type a descriptor names exists (user_types, enums, base_types),
    enums' base types exist, "pointer" and "void" base types exist, every
    field marked anonymous names a struct/union (Volatility flattens them),
    and every field lies inside its struct;
  * the types LinuxKernelIntermedSymbols sets classes on exist; init_task is
    typed task_struct with pid/comm/tasks/files fields, and init_files,
    init_top_pgt, _text, _etext are there (the Linux stacker and
    find_aslr() use them);
  * linux_banner's constant_data (Volatility's key to pick the ISF for an
    image) decodes to the guest's /proc/version plus the terminating NUL,
    consistent with `uname -r` and `uname -v`;
  * symbols are un-slid: _text is 0xffffffff81000000, and the ISF address
    plus hvscope's KASLR slide is /proc/kallsyms' address (KASLR on and off);
then, on one dump-guest-memory image, every view run with --isf FILE
--no-cache gives the same JSON as with the guest's BTF (kernel: the same
facts, types from "isf"), also from .json.xz and .json.gz copies; an ISF of
another build (its banner, or with no banner its symbols) is refused with
one line on stderr; an ISF with no banner but the right symbols is taken.
"""
import base64
import copy
import gzip
import json
import lzma
import os
import re
import time

from e2elib import HVSCOPE, check
from e2elib import run as sh

VIEWS = ["ps", "modules", "net", "files", "maps", "creds", "env", "mounts", "dmesg", "kernel"]
# Types volatility3/framework/symbols/linux/__init__.py sets a class on unconditionally.
VOL_TYPES = ["file", "list_head", "hlist_head", "mm_struct", "super_block", "task_struct", "vm_area_struct", "qstr",
             "dentry", "fs_struct", "files_struct", "kobject", "cred", "inode", "idr", "address_space", "page",
             "module_sect_attr", "vfsmount", "net", "socket", "sock", "inet_sock", "unix_sock"]
VOL_SYMBOLS = ["init_task", "init_files", "init_top_pgt", "linux_banner", "_text", "_etext"]
DESC_KEYS = {"pointer": ({"kind", "subtype"}, {"base"}), "base": ({"kind", "name"}, set()),
             "array": ({"kind", "subtype", "count"}, set()), "struct": ({"kind", "name"}, set()),
             "union": ({"kind", "name"}, set()), "class": ({"kind", "name"}, set()),
             "enum": ({"kind", "name"}, set()), "function": ({"kind"}, set()),
             "bitfield": ({"kind", "bit_position", "bit_length", "type"}, set())}


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


class Validator:
    def __init__(self, d):
        self.d, self.problems = d, []

    def bad(self, what):
        if len(self.problems) < 20:
            self.problems.append(what)

    def keys(self, where, obj, required, optional=frozenset()):
        if not isinstance(obj, dict):
            return self.bad(f"{where}: not an object")
        missing, extra = set(required) - obj.keys(), obj.keys() - set(required) - set(optional)
        if missing or extra:
            self.bad(f"{where}: missing {sorted(missing)}, not allowed {sorted(extra)}")

    def desc(self, where, t, depth=0):
        """Check a type descriptor; return its size in bytes (None if it has none)."""
        if depth > 32 or not isinstance(t, dict) or t.get("kind") not in DESC_KEYS:
            self.bad(f"{where}: bad type descriptor {str(t)[:80]}")
            return None
        req, opt = DESC_KEYS[t["kind"]]
        self.keys(where, t, req, opt)
        k, d = t["kind"], self.d
        if k == "base":
            if t.get("name") not in d["base_types"]:
                return self.bad(f"{where}: base type {t.get('name')!r} undefined")
            return d["base_types"][t["name"]]["size"]
        if k in ("struct", "union", "class"):
            u = d["user_types"].get(t.get("name"))
            if u is None:
                return self.bad(f"{where}: {k} {t.get('name')!r} undefined")
            return u["size"]
        if k == "enum":
            if t.get("name") not in d["enums"]:
                return self.bad(f"{where}: enum {t.get('name')!r} undefined")
            return d["enums"][t["name"]]["size"]
        if k == "pointer":
            self.desc(where, t.get("subtype"), depth + 1)
            return d["base_types"]["pointer"]["size"]
        if k == "array":
            sub = self.desc(where, t.get("subtype"), depth + 1)
            if not is_int(t.get("count")) or t["count"] < 0:
                return self.bad(f"{where}: array count {t.get('count')!r}")
            return None if sub is None else sub * t["count"]
        if k == "bitfield":
            if not isinstance(t.get("type"), dict) or t["type"].get("kind") not in ("base", "enum"):
                return self.bad(f"{where}: bitfield of {str(t.get('type'))[:60]}")
            self.desc(where, t["type"], depth + 1)
            if not (is_int(t.get("bit_position")) and is_int(t.get("bit_length")) and t["bit_length"] > 0):
                self.bad(f"{where}: bitfield position/length")
            return None
        return None     # function

    def run(self):
        d = self.d
        self.keys("top level", d, {"metadata", "base_types", "user_types", "enums", "symbols"})
        if self.problems:
            return self.problems
        m = d["metadata"]
        self.keys("metadata", m, {"format", "linux"}, {"producer"})
        if m.get("format") != "6.2.0":
            self.bad(f"metadata.format {m.get('format')!r}: Volatility validates against schema-<format>.json; "
                     "dwarf2json writes 6.2.0")
        p = m.get("producer", {})
        self.keys("metadata.producer", p, {"name", "version"}, {"datetime"})
        if not re.match(r"^[0-9]+\.[0-9]+\.[0-9]+$", str(p.get("version"))):
            self.bad(f"producer version {p.get('version')!r}")
        lx = m.get("linux", {})
        self.keys("metadata.linux", lx, set(), {"symbols", "types"})
        for part in ("symbols", "types"):
            for item in lx.get(part, []):
                self.keys(f"metadata.linux.{part}[]", item, set(), {"kind", "name", "hash_type", "hash_value"})
                if item.get("kind") not in ("dwarf", "symtab", "system-map"):
                    self.bad(f"metadata.linux.{part} kind {item.get('kind')!r}")
        for name, b in d["base_types"].items():
            self.keys(f"base_types.{name}", b, {"size", "signed", "kind", "endian"})
            if b.get("kind") not in ("void", "int", "float", "char", "bool") or b.get("endian") not in ("little", "big") \
                    or not is_int(b.get("size")) or not isinstance(b.get("signed"), bool):
                self.bad(f"base_types.{name}: {b}")
        if d["base_types"].get("pointer", {}).get("size") != 8 or "void" not in d["base_types"]:
            self.bad("base types 'pointer' (8 bytes) and 'void' must exist")
            return self.problems
        for name, e in d["enums"].items():
            self.keys(f"enums.{name}", e, {"size", "base", "constants"})
            if e.get("base") not in d["base_types"]:
                self.bad(f"enums.{name}: base {e.get('base')!r} undefined")
            if not all(is_int(v) for v in e.get("constants", {}).values()):
                self.bad(f"enums.{name}: a constant is not an integer")
        for name, u in d["user_types"].items():
            self.keys(f"user_types.{name}", u, {"kind", "size", "fields"})
            if u.get("kind") not in ("struct", "union", "class") or not is_int(u.get("size")) or u["size"] < 0:
                self.bad(f"user_types.{name}: kind/size {u.get('kind')} {u.get('size')}")
                continue
            for fname, f in u["fields"].items():
                where = f"user_types.{name}.{fname}"
                self.keys(where, f, {"type", "offset"}, {"anonymous"})
                if not is_int(f.get("offset")) or f["offset"] < 0:
                    self.bad(f"{where}: offset {f.get('offset')!r}")
                    continue
                size = self.desc(where, f.get("type"))
                t = f.get("type", {})
                if f.get("anonymous") and (t.get("kind") not in ("struct", "union") or t.get("name") not in d["user_types"]):
                    self.bad(f"{where}: anonymous member of {t}")
                if t.get("kind") == "bitfield":
                    if f["offset"] * 8 + t["bit_position"] + t["bit_length"] > u["size"] * 8:
                        self.bad(f"{where}: bitfield beyond the end of {name}")
                elif size is not None and f["offset"] + size > u["size"] and not (t.get("kind") == "array" and t["count"] == 0):
                    self.bad(f"{where}: offset {f['offset']} + size {size} beyond {name}'s {u['size']}")
        for name, s in d["symbols"].items():
            self.keys(f"symbols.{name}", s, {"address"}, {"linkage_name", "type", "constant_data"})
            if not is_int(s.get("address")) or not 0 <= s["address"] < 1 << 64:
                self.bad(f"symbols.{name}: address {s.get('address')!r}")
            if "type" in s:
                self.desc(f"symbols.{name}", s["type"])
            if "constant_data" in s:
                try:
                    base64.b64decode(s["constant_data"], validate=True)
                except ValueError:
                    self.bad(f"symbols.{name}: constant_data is not base64")
        # What Volatility's Linux support needs.
        missing = [t for t in VOL_TYPES if t not in d["user_types"]]
        if missing:
            self.bad(f"types LinuxKernelIntermedSymbols needs are missing: {missing}")
        missing = [s for s in VOL_SYMBOLS if s not in d["symbols"]]
        if missing:
            self.bad(f"symbols Volatility's Linux stacker/pslist need are missing: {missing}")
            return self.problems
        if d["symbols"]["init_task"].get("type") != {"kind": "struct", "name": "task_struct"}:
            self.bad(f"init_task is typed {d['symbols']['init_task'].get('type')}, not struct task_struct")
        ts = d["user_types"]["task_struct"]["fields"]
        lacking = [f for f in ("pid", "tgid", "comm", "tasks", "files", "real_parent", "cred", "mm") if f not in ts]
        if lacking or not ("state" in ts or "__state" in ts):
            self.bad(f"task_struct lacks {lacking} (or state/__state)")
        if "constant_data" not in d["symbols"]["linux_banner"]:
            self.bad("linux_banner has no constant_data: Volatility could not match the file to an image")
        # Variables Volatility reads as objects: typed as the kernel declares them
        # (checked against the 6.1 debug vmlinux's DWARF), tk_core for pslist's creation times.
        for sym, want in (("jiffies", {"kind": "base", "name": "long unsigned int"}),
                          ("nr_cpu_ids", {"kind": "base", "name": "unsigned int"}),
                          ("page_offset_base", {"kind": "base", "name": "long unsigned int"}),
                          ("tk_core", {"kind": "struct", "name": "unnamed_tk_core"})):
            got = d["symbols"].get(sym, {}).get("type")
            if got != want:
                self.bad(f"{sym} is typed {got}, not {want}")
        tk = d["user_types"].get("unnamed_tk_core", {}).get("fields", {})
        if tk.get("timekeeper", {}).get("type", {}).get("name") != "timekeeper" or tk["timekeeper"]["offset"] != 8:
            self.bad(f"tk_core's type has no timekeeper at 8: {tk}")
        return self.problems


def validate(d):
    return Validator(d).run()


def differ(a, b, path="$"):
    """The first path where two JSON values differ, or None."""
    if type(a) is not type(b):
        return f"{path}: {str(a)[:80]} != {str(b)[:80]}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only on one side"
            r = differ(a[k], b[k], f"{path}.{k}")
            if r:
                return r
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            r = differ(x, y, f"{path}[{i}]")
            if r:
                return r
        return None
    return None if a == b else f"{path}: {str(a)[:80]} != {str(b)[:80]}"


def hv(args):
    """hvscope ARGS --json; (exit status, parsed stdout or None, stderr)."""
    r = sh([HVSCOPE] + args + ["--json"])
    try:
        out = json.loads(r.stdout) if r.returncode == 0 else None
    except ValueError:
        out = None
    return r.returncode, out, r.stderr


def expect_refused(label, args, words):
    r = sh([HVSCOPE] + args)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    check(r.returncode == 1 and len(lines) == 1 and not r.stdout and all(w in lines[0] for w in words),
          f"{label}: exit 1, one line naming {words} ({r.returncode}: {r.stderr.strip()!r})")


def write_isf(path, d):
    with open(path, "w") as f:
        json.dump(d, f)


def run(ctx):
    qmp = ctx.env["HVS_QMP"]
    label = f"{ctx.label} isf"
    path = os.path.join(ctx.work, f"isf-{ctx.series}-{ctx.kaslr}.json")
    t0 = time.monotonic()
    stats = ctx.hvscope_json(["symbols", "export-isf", "-o", path, "--vm", qmp])
    took = time.monotonic() - t0
    with open(path) as f:
        d = json.load(f)
    print(f"     {label}: export {took * 1000:.0f} ms, {os.path.getsize(path)} bytes, {stats['user_types']} user types, "
          f"{stats['enums']} enums, {stats['symbols']} symbols ({stats['typed_symbols']} typed)")
    problems = validate(d)
    check(not problems, f"{label}: the file is what Volatility's 6.2.0 schema and Linux support need" +
          (f": {problems}" if problems else ""))
    check(stats["symbols"] == len(d["symbols"]) and stats["user_types"] == len(d["user_types"]),
          f"{label}: --json figures match the file")

    # The banner Volatility keys on.
    version = ctx.guest("cat /proc/version").strip("\r\n")
    release, uv = ctx.guest("uname -r").strip(), ctx.guest("uname -v").strip()
    k = ctx.hvscope_json(["kernel", "--vm", qmp])
    cd = base64.b64decode(d["symbols"]["linux_banner"].get("constant_data", ""))
    check(cd == (version + "\n").encode() + b"\0" and cd.startswith(k["banner"].encode()) and
          f" {release} " in version and version.endswith(uv),
          f"{label}: linux_banner constant_data is the guest's /proc/version + NUL ({cd[:60]!r}...)")
    check(d["symbols"]["linux_banner"]["type"]["count"] == len(cd), f"{label}: linux_banner typed char[{len(cd)}]")

    # Addresses as linked: the slide taken off.
    slide = int(k["kaslr_slide"], 16)
    check((slide != 0) == (ctx.kaslr == "on"), f"{label}: KASLR {ctx.kaslr} (slide {slide:#x})")
    check(d["symbols"]["_text"]["address"] == 0xffffffff81000000,
          f"{label}: _text at the vmlinux link address 0xffffffff81000000 ({d['symbols']['_text']['address']:#x})")
    names = ["_text", "init_task", "linux_banner", "init_top_pgt", "init_files", "modules"]
    ks = {}
    for line in ctx.guest("grep -E ' (" + "|".join(names) + ")$' /proc/kallsyms").splitlines():
        f = line.split()
        if len(f) == 3:
            ks.setdefault(f[2], int(f[0], 16))
    bad = [(n, hex(ks.get(n, 0)), hex(d["symbols"][n]["address"] + slide)) for n in names
           if ks.get(n) != d["symbols"][n]["address"] + slide]
    check(len(ks) == len(names) and not bad,
          f"{label}: ISF address + slide = /proc/kallsyms for {names}" + (f" {bad}" if bad else ""))

    # The views, from BTF and from the ISF, on one image.
    dump, _, _ = ctx.dump("isf")
    try:
        timing = []
        for view in VIEWS:
            rb, jb, eb = hv([view, "--image", dump, "--cache-dir", ctx.cache])
            t0 = time.monotonic()
            ri, ji, ei = hv([view, "--image", dump, "--isf", path, "--no-cache"])
            timing.append(f"{view} {(time.monotonic() - t0) * 1000:.0f}")
            if view == "kernel" and ji and jb:
                check(ji["types_source"] == "isf" and ji["profile_cache"] == "",
                      f"{label} kernel: types from 'isf', no profile cache ({ji['types_source']!r})")
                for key in ("open_ms", "types_source", "profile_source", "profile_cache"):
                    jb.pop(key, None)
                    ji.pop(key, None)
            diff = differ(jb, ji) if jb is not None and ji is not None else "failed"
            check(rb == 0 and ri == 0 and diff is None,
                  f"{label} {view}: --isf gives what BTF gives" +
                  (f" ({diff}; exit {rb}/{ri}: {eb.strip()[:200]!r} {ei.strip()[:200]!r})" if diff else ""))
        print(f"     {label}: views with --isf --no-cache (ms): {', '.join(timing)}")

        _, ps_btf, _ = hv(["ps", "--image", dump, "--cache-dir", ctx.cache])
        if not ctx.first:
            return
        # Compressed files.
        for ext, opener in ((".xz", lzma.open), (".gz", gzip.open)):
            with open(path, "rb") as src, opener(path + ext, "wb") as dst:
                dst.write(src.read())
            rc, got, err = hv(["ps", "--image", dump, "--isf", path + ext, "--no-cache"])
            check(rc == 0 and got == ps_btf, f"{label} ps --isf FILE.json{ext}: as with BTF ({err.strip()[:200]!r})")
            os.unlink(path + ext)
        # No cache is read or written with --isf.
        cache2 = os.path.join(ctx.work, "isf-cache")
        rc, _, _ = hv(["ps", "--image", dump, "--isf", path, "--cache-dir", cache2])
        profiles = os.path.join(cache2, "profiles")
        check(rc == 0 and (not os.path.exists(profiles) or not os.listdir(profiles)),
              f"{label}: --isf writes no profile cache")
        # Another build: by its banner, or (no banner) by its symbols.
        other = copy.deepcopy(d)
        other["symbols"]["linux_banner"]["constant_data"] = base64.b64encode(
            b"Linux version 6.1.0-99-amd64 (other@build) (gcc) #1 SMP Debian 6.1.999-1\n\0").decode()
        p_other = os.path.join(ctx.work, "isf-other.json")
        write_isf(p_other, other)
        expect_refused(f"{label} ISF of another build", ["ps", "--image", dump, "--isf", p_other, "--no-cache"],
                       ["another kernel build", "6.1.0-99-amd64"])
        nob = copy.deepcopy(d)
        del nob["symbols"]["linux_banner"]["constant_data"]
        write_isf(p_other, nob)
        rc, got, err = hv(["ps", "--image", dump, "--isf", p_other, "--no-cache"])
        check(rc == 0 and got == ps_btf, f"{label} ISF without a banner, right symbols: taken ({err.strip()[:200]!r})")
        nob["symbols"]["init_task"]["address"] += 64
        write_isf(p_other, nob)
        expect_refused(f"{label} ISF without a banner, symbols of another build",
                       ["ps", "--image", dump, "--isf", p_other, "--no-cache"], ["another kernel build", "init_task"])
        with open(p_other, "w") as f:
            f.write('{"metadata": {"format": "6.2.0"}, "base_types": ')
        expect_refused(f"{label} truncated ISF", ["ps", "--image", dump, "--isf", p_other, "--no-cache"],
                       ["isf", p_other])
        expect_refused(f"{label} --btf and --isf", ["ps", "--image", dump, "--isf", path, "--btf", path],
                       ["--btf", "--isf"])
        expect_refused(f"{label} export-isf with --isf", ["symbols", "export-isf", "-o", p_other, "--image", dump,
                                                          "--isf", path], ["--isf"])
        os.unlink(p_other)
    finally:
        os.unlink(dump)
        if os.path.exists(path):
            os.unlink(path)
