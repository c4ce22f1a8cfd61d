#!/usr/bin/python3
"""Helpers for the hvscope lab scripts (python3 stdlib only).

Subcommands:
  extract-vmlinux BZIMAGE OUT      decompress the kernel payload of a bzImage into an ELF
  modclosure MODDIR MODULE...      print the modules to load (dependency order) for MODULE...
  free-port                        print a free TCP port on 127.0.0.1
  qmp-quit SOCK [TIMEOUT]          ask the QEMU behind a QMP socket to quit
"""
import bz2
import lzma
import os
import socket
import struct
import subprocess
import sys
import zlib

# --------------------------------------------------------------------------- vmlinux

# Magic numbers of the compressors the kernel's boot decompressor supports.
_MAGICS = [
    ("xz", b"\xfd7zXZ\x00"),
    ("zstd", b"\x28\xb5\x2f\xfd"),
    ("gzip", b"\x1f\x8b\x08"),
    ("bzip2", b"BZh"),
    ("lzma", b"\x5d\x00\x00"),
    ("lz4", b"\x02\x21\x4c\x18"),
    ("lzo", b"\x89LZO"),
]


def _decompress(kind, data):
    """Decompress one stream starting at data[0]; trailing bytes are ignored."""
    if kind == "xz":
        # The kernel's xz streams use CRC32 only; the stdlib decoder handles them.
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
    if kind == "lzma":
        return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(data)
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    if kind == "bzip2":
        return bz2.BZ2Decompressor().decompress(data)
    if kind == "zstd":
        # Not in the stdlib: use the zstd CLI. The kernel appends the 4-byte
        # uncompressed size after the frame, which zstd rejects as a second
        # frame; it still writes the first frame's output, so accept that.
        proc = subprocess.run(["zstd", "-dc", "-q"], input=data, capture_output=True, check=False)
        return proc.stdout
    if kind == "lz4":
        proc = subprocess.run(["lz4", "-dc"], input=data, capture_output=True, check=False)
        return proc.stdout
    raise ValueError("unsupported compression " + kind)


def _is_elf64(blob):
    return len(blob) > 64 and blob[:4] == b"\x7fELF" and blob[4] == 2


def extract_vmlinux(bzimage, out):
    with open(bzimage, "rb") as f:
        img = f.read()
    candidates = []
    # Boot protocol >= 2.08: the setup header says exactly where the payload is.
    if img[0x202:0x206] == b"HdrS" and struct.unpack_from("<H", img, 0x206)[0] >= 0x208:
        setup_sects = img[0x1F1] or 4
        payload_offset, payload_length = struct.unpack_from("<II", img, 0x248)
        start = (setup_sects + 1) * 512 + payload_offset
        candidates.append((start, img[start:start + payload_length]))
    # Fallback: every occurrence of every known magic (like scripts/extract-vmlinux).
    for _kind, magic in _MAGICS:
        pos = img.find(magic)
        while pos >= 0:
            candidates.append((pos, img[pos:]))
            pos = img.find(magic, pos + 1)
    for pos, data in candidates:
        for kind, magic in _MAGICS:
            if not data.startswith(magic):
                continue
            try:
                blob = _decompress(kind, data)
            except (lzma.LZMAError, zlib.error, OSError, ValueError, EOFError):
                continue
            if _is_elf64(blob):
                tmp = out + ".tmp"
                with open(tmp, "wb") as f:
                    f.write(blob)
                os.replace(tmp, out)
                print("extract-vmlinux: %s payload at offset %#x -> %s (%d bytes)"
                      % (kind, pos, out, len(blob)))
                return 0
    print("extract-vmlinux: no compressed ELF payload found in " + bzimage, file=sys.stderr)
    return 1


# --------------------------------------------------------------------------- modules

def _modname(path_or_name):
    """Module name as the kernel knows it: basename without .ko[.xz|.zst|.gz], '-' -> '_'."""
    base = os.path.basename(path_or_name)
    base = base.split(".ko")[0]
    return base.replace("-", "_")


def modclosure(moddir, wanted):
    """Print 'relative/path.ko[.xz]' lines in load order for the wanted modules.

    Reads the files depmod writes: modules.builtin (built-in, nothing to load),
    modules.dep (hard dependencies) and modules.softdep / modules.alias
    (soft 'pre:' dependencies such as ext4 -> crypto-crc32c).
    """
    builtin = set()
    with open(os.path.join(moddir, "modules.builtin")) as f:
        for line in f:
            if line.strip():
                builtin.add(_modname(line.strip()))
    deps = {}   # name -> (path, [dep names])
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            if ":" not in line:
                continue
            path, rest = line.split(":", 1)
            deps[_modname(path)] = (path, [_modname(d) for d in rest.split()])
    aliases = {}
    alias_file = os.path.join(moddir, "modules.alias")
    if os.path.exists(alias_file):
        with open(alias_file) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0] == "alias":
                    aliases.setdefault(parts[1], []).append(_modname(parts[2]))
    softpre = {}
    soft_file = os.path.join(moddir, "modules.softdep")
    if os.path.exists(soft_file):
        with open(soft_file) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3 or parts[0] != "softdep":
                    continue
                pre, mode = [], None
                for tok in parts[2:]:
                    if tok in ("pre:", "post:"):
                        mode = tok
                    elif mode == "pre:":
                        pre.append(tok)
                softpre[_modname(parts[1])] = pre

    order, seen = [], set()

    def resolve(name):
        mod = name.replace("-", "_")
        if mod in deps or mod in builtin:
            return [mod]
        return aliases.get(name, [])

    def visit(name, stack=()):
        if name in seen or name in builtin:
            return
        if name not in deps:
            raise SystemExit("modclosure: module %s not found in modules.dep" % name)
        if name in stack:
            raise SystemExit("modclosure: dependency cycle at " + name)
        for soft in softpre.get(name, []):
            for target in resolve(soft):
                if target not in deps:
                    continue
                visit(target, stack + (name,))
        # modules.dep lists the transitive closure; visiting each keeps the order right.
        for dep in deps[name][1]:
            visit(dep, stack + (name,))
        seen.add(name)
        order.append(deps[name][0])

    for want in wanted:
        targets = resolve(want)
        if not targets:
            raise SystemExit("modclosure: %s is neither built in nor a module" % want)
        for t in targets:
            if t in builtin:
                print("modclosure: %s is built in" % t, file=sys.stderr)
            else:
                visit(t)
    for path in order:
        print(path)
    return 0


# --------------------------------------------------------------------------- misc

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    print(port)
    return 0


def qmp_quit(path, timeout=5.0):
    """Send qmp_capabilities + quit. Returns 0 if the command was delivered."""
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(path)
        f = s.makefile("rwb")
        f.readline()  # greeting
        for cmd in (b'{"execute":"qmp_capabilities"}\n', b'{"execute":"quit"}\n'):
            f.write(cmd)
            f.flush()
            # Read until the command's return (skipping asynchronous events).
            while True:
                line = f.readline()
                if not line or b'"return"' in line or b'"error"' in line:
                    break
        s.close()
        return 0
    except OSError as e:
        print("qmp-quit: %s: %s" % (path, e), file=sys.stderr)
        return 1


def main(argv):
    if len(argv) >= 3 and argv[0] == "extract-vmlinux":
        return extract_vmlinux(argv[1], argv[2])
    if len(argv) >= 3 and argv[0] == "modclosure":
        return modclosure(argv[1], argv[2:])
    if argv[:1] == ["free-port"]:
        return free_port()
    if len(argv) in (2, 3) and argv[0] == "qmp-quit":
        return qmp_quit(argv[1], float(argv[2]) if len(argv) == 3 else 5.0)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
