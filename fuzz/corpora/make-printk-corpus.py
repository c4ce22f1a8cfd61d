#!/usr/bin/python3
"""Write fuzz/corpora/printk/: printk ring copies in fuzz-printk.c's input format.

A small writer mimics the kernel's (kernel/printk/printk_ringbuffer.c):
descriptor ids from DESC0_ID, data blocks of id + text aligned to 8, blocks
that would cross the end of the ring stored at its start, the tail pushed
when the text ring is full, descriptors reused when the descriptor ring is
full. Then a few hostile variants. Deterministic: run it again to rebuild.
"""
import os
import struct
import sys

MASK = (1 << 62) - 1
U64 = (1 << 64) - 1
DESC, INFO = 24, 88


class Ring:
    def __init__(self, cb, sb):
        self.cb, self.sb = cb, sb
        self.count, self.size = 1 << cb, 1 << sb
        self.descs = bytearray(self.count * DESC)
        self.infos = bytearray(self.count * INFO)
        self.data = bytearray(self.size)
        self.head_id = self.tail_id = (-(self.count + 1)) & MASK
        self.set_desc(self.head_id, 3, 1, 1)
        struct.pack_into("<Q", self.infos, 0, (-self.count) & U64)
        self.head_lpos = self.tail_lpos = (-(self.size * 5)) & U64

    def di(self, id_):
        return (id_ & (self.count - 1))

    def set_desc(self, id_, state, begin, nxt):
        struct.pack_into("<QQQ", self.descs, self.di(id_) * DESC, (id_ & MASK) | state << 62, begin, nxt)

    def desc(self, id_):
        return struct.unpack_from("<QQQ", self.descs, self.di(id_) * DESC)

    def push_tail(self):
        sv, begin, nxt = self.desc(self.tail_id)
        self.set_desc(self.tail_id, 3, begin, nxt)
        if not nxt & 1:
            self.tail_lpos = nxt
        self.tail_id = (self.tail_id + 1) & MASK

    def add(self, ts, level, facility, text, caller=1):
        id_ = (self.head_id + 1) & MASK
        if ((id_ - self.tail_id) & MASK) >= self.count:
            self.push_tail()
        off = self.di(id_) * INFO
        seq = struct.unpack_from("<Q", self.infos, off)[0]
        seq = self.di(id_) if seq == 0 and self.di(id_) != 0 else (seq + self.count) & U64
        self.infos[off:off + INFO] = bytes(INFO)
        struct.pack_into("<QQHBBI", self.infos, off, seq, ts, len(text), facility, level << 5 | 2, caller)
        if not text:
            self.set_desc(id_, 2, 3, 3)
        else:
            bsize = (8 + len(text) + 7) & ~7
            begin = self.head_lpos
            nxt = (begin + bsize) & U64
            if begin >> self.sb != nxt >> self.sb:
                nxt = ((nxt & ~(self.size - 1)) + bsize) & U64
            while (nxt - self.tail_lpos) & U64 > self.size:
                self.push_tail()
            at = (nxt - bsize) & U64
            struct.pack_into("<Q", self.data, begin & (self.size - 1), id_)
            struct.pack_into("<Q", self.data, at & (self.size - 1), id_)
            p = (at & (self.size - 1)) + 8
            self.data[p:p + len(text)] = text
            self.set_desc(id_, 2, begin, nxt)
            self.head_lpos = nxt
        self.head_id = id_

    def snapshot(self, again=False, window=None):
        n = ((self.head_id - self.tail_id) & MASK) + 1
        descs = b"".join(self.descs[self.di(self.tail_id + i) * DESC:][:DESC] for i in range(n))
        infos = b"".join(self.infos[self.di(self.tail_id + i) * INFO:][:INFO] for i in range(n))
        w = window or self.size
        lpos = (self.head_lpos - w) & U64
        data = bytes(self.data[(lpos + i) & (self.size - 1)] for i in range(w))
        hdr = struct.pack("<BBHB3xQQQ", self.cb, self.sb - 3, n, 1 if again else 0, self.tail_id, lpos, w)
        return bytearray(hdr + descs + infos + data + (descs if again else b""))


def lines(r, n, start=0):
    for i in range(start, start + n):
        r.add(i * 1234567, i % 8, i % 3, (f"line {i} " + "x" * (i % 37)).encode())


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "printk")
    os.makedirs(out, exist_ok=True)
    cases = {}
    r = Ring(4, 10)
    r.add(0, 5, 0, b"Linux version 6.1.0-fake (hvscope@tests)")
    r.add(1000, 6, 0, b"two\nlines")
    r.add(2000, 4, 1, b"")
    r.add(3000, 3, 0, b"ctl\x01\x7f bytes")
    cases["small"] = r.snapshot()
    cases["small-again"] = r.snapshot(again=True)
    r = Ring(3, 8)
    lines(r, 300)
    cases["wrapped"] = r.snapshot(again=True)
    cases["window"] = r.snapshot(window=64)
    r = Ring(8, 12)
    lines(r, 400)
    cases["full"] = r.snapshot()
    # Hostile variants of a small valid ring.
    r = Ring(4, 10)
    lines(r, 12)
    base = r.snapshot()
    hdr = 32
    v = bytearray(base); struct.pack_into("<Q", v, hdr + 8 * DESC + 8, 1); cases["failed-lpos"] = v
    v = bytearray(base); struct.pack_into("<QQ", v, hdr + 3 * DESC + 8, 0xfff8, 8); cases["illegal-block"] = v
    v = bytearray(base); struct.pack_into("<H", v, hdr + 13 * DESC + 5 * INFO + 16, 0xffff); cases["text-len-huge"] = v
    v = bytearray(base); struct.pack_into("<Q", v, hdr + 2 * DESC, 0xffffffffffffffff); cases["state-garbage"] = v
    v = bytearray(base); struct.pack_into("<Q", v, 24, 0); cases["no-data"] = v
    v = bytearray(base); v[0] = 8; v[1] = 9; cases["geometry-mismatch"] = v
    cases["zeros"] = bytearray(32 + 64)
    cases["ones"] = bytearray(b"\xff" * 600)
    for name, blob in sorted(cases.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
    print(f"wrote {len(cases)} inputs to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
