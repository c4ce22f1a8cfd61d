#!/usr/bin/python3
"""Writes fuzz/corpora/maple/: maple trees in fuzz-maple.c's input form.

Input = root (u64 LE) + nodes of 256 bytes. Words with top 16 bits 0xfeed are
relocated by the harness to region + low 16 bits, so 0xfeed0000_0000_0000 |
(i * 256) | type << 3 | 2 is "node i with that type". Node layout: the 64-bit
kernel's maple_range_64 (pivot[15] @8, slot[16] @128, meta.end @248) and
maple_arange_64 (pivot[9] @8, slot[10] @80, gap[10] @160, meta.end @240).
"""
import os
import struct

LEAF, RANGE, ARANGE = 1, 2, 3
MAX = 2**64 - 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "maple")


def enode(i, t):
    return 0xFEED << 48 | i * 256 | t << 3 | 2


def node(t, pivots, slots, end):
    b = bytearray(256)
    poff, soff, moff = (8, 80, 240) if t == ARANGE else (8, 128, 248)
    for i, p in enumerate(pivots):
        struct.pack_into("<Q", b, poff + 8 * i, p)
    for i, s in enumerate(slots):
        struct.pack_into("<Q", b, soff + 8 * i, s)
    b[moff] = end
    return bytes(b)


def write(name, root, nodes):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<Q", root) + b"".join(nodes))


VMA = 0xFFFF888000A00000


def lab_leaf():
    # The lab's busybox processes: 10 VMAs with gaps, as one leaf.
    ranges = [(0x400000, 0x401000), (0x401000, 0x585000), (0x585000, 0x5DB000), (0x5DB000, 0x5E2000),
              (0x5E2000, 0x5E5000), (0x5E5000, 0x5EC000), (0x2B05E000, 0x2B080000)]
    piv, slots, at = [], [], 0
    for i, (s, e) in enumerate(ranges):
        if s > at:
            piv.append(s - 1)
            slots.append(0)
        piv.append(e - 1)
        slots.append(VMA + 0x100 * i)
        at = e
    piv.append(MAX)
    slots.append(0)
    return node(LEAF, piv, slots, len(piv) - 1)


def main():
    os.makedirs(OUT, exist_ok=True)
    write("empty", 0, [])
    write("single-root-entry", VMA, [])
    write("leaf", enode(0, LEAF), [lab_leaf()])
    full = node(LEAF, [0x10000 + 0x1000 * i - 1 for i in range(15)], [VMA + 8 * i if i % 2 else 0 for i in range(16)], 0)
    right = node(LEAF, [0x20FFF, MAX], [VMA, 0], 1)
    write("two-level", enode(0, ARANGE), [node(ARANGE, [0x1FFFF, MAX], [enode(1, LEAF), enode(2, LEAF)], 1), full, right])
    write("range-internal", enode(0, RANGE), [node(RANGE, [0x1FFFF, MAX], [enode(1, LEAF), enode(2, LEAF)], 1), full, right])
    write("cycle-self", enode(0, ARANGE), [node(ARANGE, [0xFFFF, MAX], [enode(0, ARANGE), enode(1, LEAF)], 1), full])
    write("cycle-parent", enode(0, ARANGE), [node(ARANGE, [0x1FFFF, MAX], [enode(1, LEAF), enode(0, ARANGE)], 1), full])
    write("dag", enode(0, ARANGE), [node(ARANGE, [0x1FFFF, MAX], [enode(1, LEAF), enode(1, LEAF)], 1), full])
    write("descending", enode(0, LEAF), [node(LEAF, [0x4FFF, 0x3FFF, MAX], [VMA, VMA, 0], 2)])
    write("bad-type", enode(0, 7), [lab_leaf()])
    write("dense", enode(0, 0), [lab_leaf()])
    write("bad-end", enode(0, LEAF), [node(LEAF, [0x3FFF, MAX], [VMA, 0], 200)])
    write("child-not-node", enode(0, ARANGE), [node(ARANGE, [0x1FFFF, MAX], [VMA, enode(1, LEAF)], 1), full])
    write("unmapped-child", enode(0, ARANGE), [node(ARANGE, [0x1FFFF, MAX], [0xFFFFC90000000002 | LEAF << 3, 0], 1)])
    # A chain of 20 single-child range nodes over one leaf (depth 21), and a 16-deep self-referencing chain.
    chain = [node(RANGE, [MAX], [enode(i + 1, RANGE if i < 13 else LEAF)], 0) for i in range(14)] + [lab_leaf()]
    write("deep-chain", enode(0, RANGE), chain)


main()
