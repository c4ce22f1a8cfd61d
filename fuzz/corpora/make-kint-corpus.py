#!/usr/bin/python3
"""Seeds for fuzz-kint (layout in fuzz/fuzz-kint.c): a clean fake kernel, one
with a hooked table entry, x64_sys_call call, inline detours and an IDT gate
into module space, and the classifier's patterns alone."""
import os
import struct

T = 0xffffffff81000000
MOD = 0xffffffffc0001000
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kint")


def rel32(op, at, target):
    return bytes([op]) + struct.pack("<i", target - (at + 5))


def kernel(hooked):
    code = bytearray(0x300)
    clean = bytes([0x0f, 0x1f, 0x44, 0x00, 0x00, 0x31, 0xc0, 0xc3])
    for i in range(4):
        code[0x40 * i:0x40 * i + len(clean)] = clean
    d = rel32(0xe8, T + 0x1100, T + 0x1000) + rel32(0xe8, T + 0x1105, T + 0x1040)
    d += rel32(0xe8, T + 0x110a, MOD if hooked else T + 0x1080) + b"\xc3"
    code[0x100:0x100 + len(d)] = d
    code[0x200:0x205] = rel32(0xe8, T + 0x1200, T + 0x2000)
    code[0x240:0x245] = rel32(0xe8, T + 0x1240, T + 0x2040)
    if hooked:
        code[0x80:0x85] = rel32(0xe9, T + 0x1080, MOD)
        code[0x280:0x285] = b"\xcc\x1f\x44\x00\x00"
        code[0x2c0:0x2d0] = b"\xf3\x0f\x1e\xfa\x48\xb8" + struct.pack("<Q", MOD) + b"\xff\xe0"
    table = [T + 0x1000, T + 0x1040, T + 0x1080, MOD if hooked else T + 0x10c0, T + 0x10c0, 0, 0, 0]
    idt = b""
    for v in range(256):
        off = MOD if hooked and v == 0x80 else T + 0x140000 + 20 * 9 if v == 20 else T + 0x3000 + 16 * v
        idt += struct.pack("<HHBBHI4x", off & 0xffff, 0x10, 0, 0x8e, (off >> 16) & 0xffff, off >> 32)
    head = bytes(code[0x80:0xa0]) if hooked else bytes(code[0:32])
    return head + bytes(code) + b"".join(struct.pack("<Q", e) for e in table) + idt


def main():
    os.makedirs(HERE, exist_ok=True)
    seeds = {
        "clean-kernel": kernel(False),
        "hooked-kernel": kernel(True),
        "entry-nop5": bytes([0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3]),
        "entry-endbr-nop5": bytes([0xf3, 0x0f, 0x1e, 0xfa, 0x0f, 0x1f, 0x44, 0x00, 0x00]),
        "entry-jmp-rip": b"\xff\x25\x00\x00\x00\x00" + struct.pack("<Q", MOD),
        "entry-push-ret": b"\x68\x00\x10\x00\xc0\xc3",
        "entry-int3": b"\xcc",
        "empty": b"",
    }
    for name, data in seeds.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
