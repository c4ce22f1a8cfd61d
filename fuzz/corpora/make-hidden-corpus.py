#!/usr/bin/python3
"""Seeds for fuzz-task-scan and fuzz-module-scan (layouts of those targets).

task-scan: the object region at physical 0x100000 (direct map POB + pa):
init_task at +0, the PID namespace at +0x800, the run queue at +0xc00,
an xa_node at +0x2000, struct pids from +0x3000, tasks from +0x4000 (one
listed, one hidden: self-linked, in the PID table and the run queue).
module-scan: module space at MODVA: the list head at +0, mod_tree at +0x1000,
struct modules at +0x2040 (listed) and +0x3040 (hidden), tree nodes at +0x800.
Run from the repository root: fuzz/corpora/make-hidden-corpus.py
"""
import os
import struct

POB = 0xffff888000000000
OBJ = 0x100000
MODVA = 0xffffffffc0000000
HERE = os.path.dirname(os.path.abspath(__file__))


def put(b, off, fmt, v):
    struct.pack_into(fmt, b, off, v)


def va(off):
    return POB + OBJ + off


def task(b, off, pid, comm, linked_to=None):
    put(b, off + 0x128, "<i", pid)
    put(b, off + 0x12c, "<i", pid)
    b[off + 0x2f0:off + 0x2f0 + len(comm)] = comm
    put(b, off + 0x2e0, "<Q", va(0x7000))
    put(b, off + 0x2d8, "<Q", va(0x7000))
    put(b, off + 0x140, "<Q", va(off))
    node = va(off) + 0x100
    put(b, off + 0x100, "<Q", node)
    put(b, off + 0x108, "<Q", node)


def link(b, head_off, off):
    head, node = va(head_off) + 0x100, va(off) + 0x100
    put(b, head_off + 0x100, "<Q", node)
    put(b, head_off + 0x108, "<Q", node)
    put(b, off + 0x100, "<Q", head)
    put(b, off + 0x108, "<Q", head)


def task_seed():
    b = bytearray(0x8000)
    task(b, 0, 0, b"swapper/0")
    task(b, 0x4000, 1, b"init")
    task(b, 0x5000, 42, b"evil")
    link(b, 0, 0x4000)
    put(b, 0x800 + 0x10, "<Q", va(0x2000) | 2)                 # xa_head -> node
    for pid, toff in ((1, 0x4000), (42, 0x5000)):
        put(b, 0x2000 + 0x28 + 8 * pid, "<Q", va(0x3000 + 0x40 * pid))
        put(b, 0x3000 + 0x40 * pid + 0x8, "<Q", va(toff) + 0x150)
    put(b, 0xc00 + 0x10, "<Q", va(0x4000))                      # rq->curr
    put(b, 0xc00 + 0x40 + 0x8, "<Q", va(0x5000) + 0x200)        # cfs root -> evil's se.run_node
    return b


def module_seed():
    b = bytearray(0x4000)
    head = MODVA
    put(b, 0, "<Q", head)
    put(b, 8, "<Q", head)
    for i, (off, name, listed) in enumerate(((0x2040, b"ext4", True), (0x3040, b"hide_self", False))):
        put(b, off + 0x80, "<Q", MODVA + off)
        b[off + 0x18:off + 0x18 + len(name)] = name
        node = MODVA + off + 0x8
        if listed:
            put(b, 0, "<Q", node)
            put(b, 8, "<Q", node)
            put(b, off + 0x8, "<Q", head)
            put(b, off + 0x10, "<Q", head)
        else:
            put(b, off + 0x8, "<Q", node)
            put(b, off + 0x10, "<Q", node)
        put(b, 0x800 + 0x40 * i, "<Q", MODVA + off)             # mod_tree_node.mod
    put(b, 0x1000 + 0x8, "<Q", MODVA + 0x800 + 0x8)             # root -> node 0
    put(b, 0x800 + 0x8 + 0x8, "<Q", MODVA + 0x840 + 0x8)        # node 0 right -> node 1
    return b


def write(d, name, data):
    with open(os.path.join(HERE, d, name), "wb") as f:
        f.write(bytes(data))


def main():
    t = task_seed()
    write("task-scan", "hidden-task", t)
    loop = bytearray(t)
    put(loop, 0x2000 + 0x28, "<Q", va(0x2000) | 2)               # a node that points at itself
    loop[0x2000] = 6
    write("task-scan", "xa-self-loop", loop)
    rb = bytearray(t)
    put(rb, 0x5000 + 0x200 + 0x10, "<Q", va(0x5000) + 0x200)     # rb node that is its own child
    put(rb, 0x5000 + 0x200 + 0x8, "<Q", va(0x5000) + 0x200)
    write("task-scan", "rb-cycle", rb)
    write("task-scan", "zeros-4096", bytes(4096))
    write("task-scan", "ff-8192", b"\xff" * 8192)
    m = module_seed()
    write("module-scan", "hidden-module", m)
    cyc = bytearray(m)
    put(cyc, 0x800 + 0x8 + 0x10, "<Q", MODVA + 0x800 + 0x8)      # tree node that is its own left child
    write("module-scan", "tree-cycle", cyc)
    write("module-scan", "zeros-4096", bytes(4096))
    write("module-scan", "ff-8192", b"\xff" * 8192)


if __name__ == "__main__":
    main()
