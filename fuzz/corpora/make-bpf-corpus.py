#!/usr/bin/python3
"""Seeds for fuzz-bpf (layout in fuzz/fuzz-bpf.c, offsets in tests/fixtures/fake_bpf.h):
nothing loaded; the lab scenario (lab/scenarios/bpf.sh): a kprobe program on a
perf kprobe event held by a descriptor, a tracepoint program on
syscalls:sys_enter_kill through a perf_event link, a socket filter on a packet
socket; and the same with cycles (an XArray node that is its own child, a
ftrace_events loop that misses its head, a prog_array with no end)."""
import os
import struct

POB = 0xffff888000000000
BASE = POB + 0x100000
T = 0xffffffff81000000
KPROBE_DISPATCHER = T + 0x5000
DUMMY_PROG = T + 0x1200000
PROG_FOPS, LINK_FOPS, PERF_FOPS, SOCKET_FOPS = T + 0x1035de0, T + 0x1035f00, T + 0x1040000, T + 0x1050000
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bpf")


class Region:
    def __init__(self):
        self.b = bytearray(0x10000)
        self.next = 0x1000

    def alloc(self, n):
        off = self.next
        self.next += (n + 63) & ~63
        return BASE + off

    def u64(self, va, v):
        struct.pack_into("<Q", self.b, va - BASE, v)

    def u32(self, va, v):
        struct.pack_into("<I", self.b, va - BASE, v)

    def u16(self, va, v):
        struct.pack_into("<H", self.b, va - BASE, v)

    def raw(self, va, data):
        self.b[va - BASE:va - BASE + len(data)] = data

    def str(self, s):
        va = self.alloc(len(s) + 1)
        self.raw(va, s.encode() + b"\0")
        return va

    def prog(self, ptype, pid, name):
        p, aux = self.alloc(0x48), self.alloc(0x100)
        self.u32(p + 0x4, ptype)
        self.u32(p + 0x10, 40)
        self.raw(p + 0x14, bytes(range(pid * 16, pid * 16 + 8)))
        self.u64(p + 0x30, 0xffffffffc0000000 + 0x100 * pid)
        self.u64(p + 0x38, aux)
        self.u32(aux + 0x20, pid)
        self.raw(aux + 0x40, name.encode())
        return p

    def node(self, shift):
        n = self.alloc(0x228)
        self.raw(n, bytes([shift]))
        return n

    def array(self, progs):
        a = self.alloc(0x10 + 0x18 * (len(progs) + 1))
        for i, p in enumerate(progs):
            self.u64(a + 0x10 + 0x18 * i, p)
        return a

    def call(self, at, system, name, event_id, array):
        cls = self.alloc(0x48)
        self.u64(cls, self.str(system))
        self.u64(at + 0x10, cls)
        self.u64(at + 0x18, self.str(name))
        self.u32(at + 0x30, event_id)
        self.u64(at + 0x68, array)
        return at

    def perf(self, prog, call):
        e = self.alloc(0x420)
        self.u64(e + 0x400, prog)
        self.u64(e + 0x410, call)
        return e

    def file(self, at, fop, priv):
        self.u64(at + 0x10, fop)
        self.u64(at + 0x20, priv)


def scenario(cycles):
    r = Region()
    head = BASE + 0x80
    r.u64(head, head)
    r.u64(head + 8, head)
    kp, tp, sk = r.prog(2, 1, "hvs_kprobe"), r.prog(5, 2, "hvs_tp"), r.prog(1, 3, "hvs_sock")
    leaf = r.node(0)
    for i, p in ((1, kp), (2, tp), (3, sk)):
        r.u64(leaf + 0x28 + 8 * i, p)
    r.u64(BASE + 0x8, leaf | 2)
    # kprobe: trace_probe_event (call @0x50, probes @0xd8) and trace_kprobe (tp @0xd0, rp.kp.addr @0x40, pre @0x58)
    tpe, tk = r.alloc(0xf0), r.alloc(0x100)
    kcall = r.call(tpe + 0x50, "kprobes", "__x64_sys_getdents64", 0, r.array([kp]))
    r.u64(tpe + 0xd8, tk + 0xd0)
    r.u64(tk + 0xd0, tpe + 0xd8)
    r.u64(tk + 0x40, T + 0x1004)
    r.u64(tk + 0x58, KPROBE_DISPATCHER)
    r.file(BASE + 0x100, PROG_FOPS, kp)
    r.file(BASE + 0x140, PERF_FOPS, r.perf(kp, kcall))
    # tracepoint event on ftrace_events, behind the dummy program, and a perf_event link (id 1)
    call = r.call(r.alloc(0x80), "syscalls", "sys_enter_kill", 183,
                  r.array([DUMMY_PROG] * 70 if cycles else [DUMMY_PROG, tp]))
    r.u64(head, call)
    r.u64(head + 8, call)
    r.u64(call, head)
    r.u64(call + 8, head)
    link = r.alloc(0x48)
    r.u32(link + 0x8, 1)
    r.u32(link + 0xc, 7)
    r.u64(link + 0x18, tp)
    lfile = r.alloc(0x30)
    r.file(lfile, PERF_FOPS, r.perf(tp, call))
    r.u64(link + 0x40, lfile)
    r.u64(BASE + 0x40 + 0x8, link)
    r.file(BASE + 0x180, LINK_FOPS, link)
    # packet raw socket with the filter
    so, sock, filt = r.alloc(0x80), r.alloc(0x240), r.alloc(0x20)
    r.u64(so + 0x18, sock)
    r.u64(sock + 0xf8, filt)
    r.u16(sock + 0x10, 17)
    r.u16(sock + 0x23c, 3)
    r.u64(filt + 0x18, sk)
    r.file(BASE + 0x1c0, SOCKET_FOPS, so)
    if cycles:
        r.u64(leaf + 0x28 + 8 * 5, leaf | 2)     # a node that is its own child
        r.u64(call, call)                        # the event list loops on itself
    return bytes(r.b)


def main():
    os.makedirs(HERE, exist_ok=True)
    seeds = {"empty": b"", "scenario": scenario(False), "cycles": scenario(True)}
    for name, data in seeds.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data.rstrip(b"\0"))


if __name__ == "__main__":
    main()
