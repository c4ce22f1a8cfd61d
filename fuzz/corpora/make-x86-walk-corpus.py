#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build the seed corpus of fuzz/fuzz-x86-walk.c in fuzz/corpora/x86-walk/.

Input format: u64 LE root, u64 LE gva, u8 flags (bit 0 = 5-level paging),
then guest RAM at gpa 0. Each seed is a small guest whose page tables take
the walker down one interesting path, so the fuzzer starts from inputs that
reach every level. Deterministic: rerunning gives identical files.
"""
import os
import random
import struct
import sys

P, RW, US, PS, NX = 1, 2, 4, 0x80, 1 << 63
PAGE = 4096


class Guest:
    def __init__(self, pages, levels):
        self.ram = bytearray(pages * PAGE)
        self.levels = levels
        self.next = pages * PAGE          # tables from the top down, like fake_guest.c
        self.root = self.alloc()

    def alloc(self):
        self.next -= PAGE
        assert self.next > 0, "guest too small"
        return self.next

    def get(self, pa):
        return struct.unpack_from("<Q", self.ram, pa)[0]

    def put(self, pa, v):
        struct.pack_into("<Q", self.ram, pa, v)

    def slot(self, table, va, level):
        return table + ((va >> (12 + 9 * (level - 1))) & 511) * 8

    def map(self, va, pa, leaf_level=1, flags=RW):
        table = self.root
        for level in range(self.levels, leaf_level, -1):
            s = self.slot(table, va, level)
            e = self.get(s)
            if not e & P:
                t = self.alloc()
                self.put(s, t | P | RW | US)
                table = t
            else:
                table = e & 0x000FFFFFFFFFF000
        self.put(self.slot(table, va, leaf_level), pa | flags | P | (PS if leaf_level > 1 else 0))

    def entry_slot(self, va, level):
        table = self.root
        for lv in range(self.levels, level, -1):
            table = self.get(self.slot(table, va, lv)) & 0x000FFFFFFFFFF000
        return self.slot(table, va, level)

    def blob(self, gva, root=None):
        flags = 1 if self.levels == 5 else 0
        r = self.root if root is None else root
        return struct.pack("<QQB", r, gva & (2**64 - 1), flags) + bytes(self.ram)


KVA = 0xFFFF888000000000


def seeds():
    for levels in (4, 5):
        tag = f"{levels}level"

        g = Guest(levels + 4, levels)
        g.map(KVA, 0x1000)
        g.map(KVA + 0x1000, 0x3000)                        # virtually adjacent, physically not
        g.ram[0x1FF8:0x2000] = b"hello, w"
        g.ram[0x3000:0x3006] = b"orld!\0"
        yield f"{tag}-4k-string-across-pages", g.blob(KVA + 0xFF8)

        g = Guest(levels + 2, levels)
        g.map(KVA + 0x200000, 0x0, leaf_level=2, flags=RW | NX | (1 << 12))   # PAT bit set
        g.ram[0x1234:0x1240] = b"large page\0\0"
        yield f"{tag}-2m-pat", g.blob(KVA + 0x201234)

        g = Guest(levels + 2, levels)
        g.map(KVA + 0x40000000, 0x0, leaf_level=3)
        yield f"{tag}-1g", g.blob(KVA + 0x40000010)

        g = Guest(levels + 2, levels)
        g.map(0xFFFFFFFFFFFFF000, 0x1000)                  # index 511 everywhere
        g.ram[0x1FF8:0x2000] = b"lastpage"
        yield f"{tag}-last-pte", g.blob(0xFFFFFFFFFFFFFFF8)

        g = Guest(2, levels)                                # every top entry points at the root
        for i in range(512):
            g.put(g.root + i * 8, g.root | P | RW)
        yield f"{tag}-self-loop", g.blob(KVA + 0x123)

        g = Guest(levels + 2, levels)
        g.map(KVA, 0x1000)
        g.put(g.entry_slot(KVA, 4), g.get(g.entry_slot(KVA, 4)) | PS)  # reserved PS at PML4
        yield f"{tag}-ps-at-pml4", g.blob(KVA)

        g = Guest(levels + 2, levels)
        g.map(KVA, 0x1000)
        g.put(g.entry_slot(KVA, 2), 0x000FFFFFFFFFF000 | P)             # table outside RAM
        yield f"{tag}-table-outside-ram", g.blob(KVA)

        g = Guest(levels + 2, levels)
        g.map(KVA, 0x1000)
        for lv in range(levels, 0, -1):                                  # NX, pkeys, software bits
            s = g.entry_slot(KVA, lv)
            g.put(s, g.get(s) | 0xFFF0000000000000)
        yield f"{tag}-high-bits", g.blob(KVA + 8, root=g.root | 0x8000000000000FFF)

    g = Guest(6, 4)
    g.map(0x00007FFFFFFFF000, 0x1000)
    yield "4level-canonical-hole", g.blob(0x00007FFFFFFFFFF8)

    g = Guest(7, 5)
    g.map(0x0000800000000000, 0x1000)
    yield "5level-maps-4level-hole", g.blob(0x0000800000000000)

    rng = random.Random(20240601)
    for i in range(3):
        ram = bytes(rng.getrandbits(8) for _ in range(PAGE * 4))
        head = struct.pack("<QQB", rng.getrandbits(64) & 0x3FFF, rng.getrandbits(64), i & 1)
        yield f"garbage-{i}", head + ram


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "x86-walk")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
