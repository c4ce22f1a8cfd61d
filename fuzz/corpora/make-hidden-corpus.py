#!/usr/bin/python3
"""Seeds for fuzz-task-scan, fuzz-module-scan and fuzz-module-syms (layouts of those targets).

task-scan: the object region at physical 0x100000 (direct map POB + pa):
init_task at +0, the PID namespace at +0x800, the run queue at +0xc00,
an xa_node at +0x2000, struct pids from +0x3000, tasks from +0x4000 (one
listed, one hidden: self-linked, in the PID table and the run queue).
module-scan: module space at MODVA: the list head at +0, mod_tree at +0x1000,
struct modules at +0x2040 (listed) and +0x3040 (hidden), tree nodes at +0x800;
each module's core layout is its page, its mod_kallsyms at page +0x400 (symtab
+0x500, strtab +0x700, typetab +0x780); module_kset (+0x1800) points at the
kset (+0x1900) whose list holds both modules' kobjects; the registries of
module-space users start at +0x1a00.
module-syms: one struct module at MODVA + 0x40 with its symbol table in its
page (6.1 layout; bit 0 of the first byte selects the mem[] layout).
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
    # /sys/module: module_kset -> kset, whose list holds both kobjects (mkobj.kobj.entry at +0x68)
    kset = MODVA + 0x1900
    put(b, 0x1800, "<Q", kset)
    nodes = [MODVA + 0x2040 + 0x68, MODVA + 0x3040 + 0x68]
    ring = [kset] + nodes
    for k, n in enumerate(ring):
        off = n - MODVA
        put(b, off, "<Q", ring[(k + 1) % len(ring)])
        put(b, off + 8, "<Q", ring[k - 1])
    for h in range(4):                                          # empty registries
        put(b, 0x1a00 + 0x10 * h, "<Q", MODVA + 0x1a00 + 0x10 * h)
        put(b, 0x1a00 + 0x10 * h + 8, "<Q", MODVA + 0x1a00 + 0x10 * h)
    for off, fn in ((0x2040, b"ext4_fill_super"), (0x3040, b"unhide_set")):
        symbols(b, off, fn)
    return b


def symbols(b, off, fn, mem=False):
    """Core layout (or mem[0]) = the struct's page; a table of 3 symbols in it."""
    page = off & ~0xfff
    if mem:
        put(b, off + 0x140, "<Q", MODVA + page)
        put(b, off + 0x148, "<I", 0x1000)
    else:
        put(b, off + 0x100, "<Q", MODVA + page)
        put(b, off + 0x108, "<I", 0x1000)
    ks = page + 0x400
    put(b, off + 0x138, "<Q", MODVA + ks)
    put(b, ks, "<Q", MODVA + page + 0x500)
    put(b, ks + 8, "<I", 3)
    put(b, ks + 0x10, "<Q", MODVA + page + 0x700)
    put(b, ks + 0x18, "<Q", MODVA + page + 0x780)
    b[page + 0x701:page + 0x701 + len(fn)] = fn
    b[page + 0x740:page + 0x746] = b"state\0"
    for i, (name, typ, val) in enumerate(((0, b"U", 0), (1, b"t", MODVA + page + 0x10), (0x40, b"d", MODVA + off + 0x300))):
        sym = page + 0x500 + 24 * i
        put(b, sym, "<I", name)
        put(b, sym + 6, "<H", 1 if val else 0)
        put(b, sym + 8, "<Q", val)
        b[page + 0x780 + i] = typ[0]


def syms_seed(mem):
    b = bytearray(0x1000)
    b[0] = 1 if mem else 0                                      # state 1 (COMING) selects mem[]
    b[0x18:0x18 + 9] = b"hide_self"
    put(b, 0x40 + 0x80, "<Q", MODVA + 0x40)
    symbols(b, 0x40, b"unhide_set", mem)
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
    unowned = bytearray(m)
    put(unowned, 0x2040 + 0x100, "<Q", 0)                      # ext4's core layout erased: its page is unowned
    write("module-scan", "unowned-code", unowned)
    os.makedirs(os.path.join(HERE, "module-syms"), exist_ok=True)
    for mem in (False, True):
        s = syms_seed(mem)
        write("module-syms", "mem" if mem else "layout", s)
        big = bytearray(s)
        put(big, 0x400 + 8, "<I", 0xffffffff)                   # num_symtab past the limit
        write("module-syms", ("mem" if mem else "layout") + "-huge-count", big)
    write("module-syms", "zeros-4096", bytes(4096))
    write("module-syms", "ff-8192", b"\xff" * 8192)


if __name__ == "__main__":
    main()
