#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz-elfcore into fuzz/corpora/elfcore/.

Small ELF cores shaped like QEMU 7.2's dump-guest-memory output (ELF64,
ET_CORE, one PT_NOTE with "CORE"/NT_PRSTATUS notes then "QEMU" CPU-state
notes, one PT_LOAD per RAM block with p_paddr = gpa), plus broken variants
of each check the parser makes. Deterministic; every file stays < 64 KiB.

Usage: fuzz/corpora/make-elfcore-corpus.py [OUTDIR]
"""
import os
import struct
import sys

EM_386, EM_X86_64 = 3, 62
PT_LOAD, PT_NOTE = 1, 4
NT_PRSTATUS = 1
PN_XNUM = 0xFFFF


def note(name, ntype, desc):
    n = name.encode() + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def prstatus64(base, cs=0x10):
    regs = [base + k for k in range(27)]
    regs[17] = cs
    return b"\0" * 112 + struct.pack("<27Q", *regs) + b"\0" * 8


def prstatus32(base):
    return b"\0" * 72 + struct.pack("<17I", *[(base + k) & 0xFFFFFFFF for k in range(17)]) + b"\0" * 4


def seg(sel, base, limit, flags):
    return struct.pack("<IIIIQ", sel, limit, flags, 0, base)


def qemu_state(size=440, gpr=None, rip=0, rflags=2, segs=None, cr=(0, 0, 0, 0, 0), kgs=0):
    gpr = gpr or [0] * 16
    segs = segs or [seg(0, 0, 0xFFFF, 0x9300)] * 10
    b = struct.pack("<II", 1, size) + struct.pack("<16Q", *gpr) + struct.pack("<QQ", rip, rflags)
    b += b"".join(segs) + struct.pack("<5Q", *cr) + struct.pack("<Q", kgs)
    return b[:size] + b"\0" * max(0, size - len(b))


def core(loads, notes=b"", machine=EM_X86_64, ident=None, phentsize=56, xnum=False, tail=b""):
    """loads: list of (paddr, vaddr, data, memsz or None, offset or None)."""
    nph = len(loads) + (1 if notes else 0)
    phoff = 64
    off = phoff + 56 * nph
    blobs, phdrs = [], []
    if notes:
        phdrs.append(struct.pack("<IIQQQQQQ", PT_NOTE, 0, off, 0, 0, len(notes), len(notes), 0))
        blobs.append(notes)
        off += len(notes)
    for paddr, vaddr, data, memsz, where in loads:
        o = off if where is None else where
        phdrs.append(struct.pack("<IIQQQQQQ", PT_LOAD, 0, o, vaddr, paddr, len(data),
                                 len(data) if memsz is None else memsz, 0))
        if where is None:
            blobs.append(data)
            off += len(data)
    shoff, shnum = 0, 0
    body = b"".join(phdrs) + b"".join(blobs)
    if xnum:
        shoff, shnum = 64 + len(body), 1
        body += struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, nph, 0, 0)
    ident = ident or (b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 4, machine, 1, 0, phoff, shoff, 0, 64, phentsize,
                               PN_XNUM if xnum else nph, 64, shnum, 0)
    return ehdr + body + tail


def pattern(seed, n):
    return bytes((seed + i * 13) & 0xFF for i in range(n))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "elfcore")
    os.makedirs(out, exist_ok=True)
    files = {}

    # A long-mode guest, 2 vCPUs, RAM below 1 MiB, above 1 MiB and above 4 GiB.
    long_notes = (note("CORE", NT_PRSTATUS, prstatus64(0x1000)) + note("CORE", NT_PRSTATUS, prstatus64(0x2000))
                  + note("QEMU", 0, qemu_state(gpr=[0xA0 + k for k in range(16)], rip=0xFFFFFFFF81A592EB,
                                               rflags=0x246, cr=(0x80050033, 0, 0x42EE70, 0x2A10000, 0x750EF0),
                                               segs=[seg(0x10, 0, 0xFFFFFFFF, 0xAF9B00)] * 5
                                               + [seg(0x18, 0, 0xFFFFFFFF, 0xCF9300)] * 3
                                               + [seg(0, 0xFFFFFE0000001000, 0x7F, 0),
                                                  seg(0, 0xFFFFFE0000000000, 0xFFF, 0)]))
                  + note("QEMU", 0, qemu_state(rip=0xFFFFFFFF81A592EB, cr=(0x80050033, 0, 0, 0x100A2A000, 0x750EE0))))
    ram = [(0x0, 0, pattern(1, 0x1000), None, None), (0x100000, 0, pattern(2, 0x800), None, None),
           (0x100000000, 0, pattern(3, 0x1000), None, None)]
    files["valid-long-mode-2cpu.elf"] = core(ram, long_notes)

    # What QEMU 7.2 writes for a VM at reset with > 4 GiB: ELF64 but EM_386 and an i386 prstatus.
    reset = note("CORE", NT_PRSTATUS, prstatus32(0)) + note(
        "QEMU", 0, qemu_state(gpr=[0, 0, 0, 0x60FB1] + [0] * 12, rip=0xFFF0, rflags=2,
                              segs=[seg(0xF000, 0xFFFF0000, 0xFFFF, 0x9B00)] + [seg(0, 0, 0xFFFF, 0x9300)] * 9,
                              cr=(0x60000010, 0, 0, 0, 0)))
    files["valid-qemu72-reset-em386.elf"] = core([(0x100000000, 0, pattern(4, 0x2000), None, None)], reset, EM_386)

    # Older QEMU: 432-byte state without kernel_gs_base; and other notes to skip.
    files["valid-old-state-432.elf"] = core(ram[:1], note("VMCOREINFO", 0, b"OSRELEASE=6.1.0\nPAGESIZE=4096\n")
                                            + note("QEMU", 0, qemu_state(size=432, rip=0x1234)))

    # paging=true: several loads name the same physical bytes (same p_offset - p_paddr).
    data = pattern(5, 0x3000)
    base = 64 + 56 * 3
    files["valid-paging-overlap.elf"] = core(
        [(0x10000, 0xFFFF888000010000, data, None, None),
         (0x11000, 0xFFFFFFFF81000000, data[0x1000:0x2000], None, base + 0x1000),
         (0x12000, 0xFFFFC90000000000, data[0x2000:], None, base + 0x2000)])

    # More headers than e_phnum holds: count in section header 0.
    files["valid-pn-xnum.elf"] = core(ram[:2], xnum=True)

    # Zero-filled tails (p_memsz > p_filesz) and a load with no file bytes.
    files["valid-memsz-tail.elf"] = core([(0x1000, 0, pattern(6, 0x800), 0x1000, None),
                                          (0x8000, 0, b"", 0x4000, None)])

    good = files["valid-long-mode-2cpu.elf"]
    files["bad-truncated.elf"] = good[:-100]
    files["bad-magic.elf"] = b"\x7fELG" + good[4:]
    files["bad-elf32.elf"] = good[:4] + b"\x01" + good[5:]
    files["bad-big-endian.elf"] = good[:5] + b"\x02" + good[6:]
    files["bad-header-only.elf"] = good[:40]
    files["bad-phentsize.elf"] = core(ram, long_notes, phentsize=32)
    files["bad-overlap.elf"] = core([(0x1000, 0, pattern(7, 0x1000), None, None),
                                     (0x1800, 0, pattern(8, 0x1000), None, None)])
    files["bad-filesz-gt-memsz.elf"] = core([(0x1000, 0, pattern(9, 0x100), 0x80, None)])
    files["bad-paddr-wraps.elf"] = core([(0xFFFFFFFFFFFFFF00, 0, pattern(10, 0x200), None, None)])
    overrun = bytearray(core(ram[:1], note("CORE", NT_PRSTATUS, prstatus64(1))))
    struct.pack_into("<I", overrun, 64 + 2 * 56 + 4, 0xFFFFFFF0)  # descsz
    files["bad-note-overrun.elf"] = bytes(overrun)
    huge = bytearray(core(ram[:1], xnum=True))
    struct.pack_into("<I", huge, len(huge) - 64 + 44, 0x7FFFFFFF)  # sh_info
    files["bad-phnum-huge.elf"] = bytes(huge)
    files["bad-no-loads.elf"] = core([(0x1000, 0, b"", 0x1000, None)], long_notes)

    for name, blob in sorted(files.items()):
        assert len(blob) < 64 * 1024, name
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
    print(f"wrote {len(files)} files to {out}")


if __name__ == "__main__":
    main()
