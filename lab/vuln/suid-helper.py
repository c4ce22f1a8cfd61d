#!/usr/bin/python3
"""Writes a tiny static x86-64 Linux executable that does what a privilege
escalation payload does once it holds root: setgid(0), setuid(0), then runs
/bin/sleep 600 (so the escalated process stays around to be seen). Made
set-UID root inside the guest, it stands for a vulnerable set-UID helper an
unprivileged user abuses (CWE-250). No compiler needed: the bytes are laid
out here.

usage: suid-helper.py OUTPUT
"""
import struct
import sys

BASE = 0x400000
HDR = 64 + 56                                    # ELF header + one program header


def build():
    code = bytearray()
    code += b"\xb8" + struct.pack("<I", 106)      # mov eax, SYS_setgid
    code += b"\x31\xff\x0f\x05"                   # xor edi, edi; syscall
    code += b"\xb8" + struct.pack("<I", 105)      # mov eax, SYS_setuid
    code += b"\x31\xff\x0f\x05"                   # xor edi, edi; syscall
    lea_rdi = len(code)
    code += b"\x48\x8d\x3d\0\0\0\0"               # lea rdi, [rip + path]
    lea_rsi = len(code)
    code += b"\x48\x8d\x35\0\0\0\0"               # lea rsi, [rip + argv]
    code += b"\x31\xd2"                           # xor edx, edx
    code += b"\xb8" + struct.pack("<I", 59)       # mov eax, SYS_execve
    code += b"\x0f\x05"                           # syscall
    code += b"\xb8" + struct.pack("<I", 60)       # mov eax, SYS_exit
    code += b"\xbf\x01\x00\x00\x00\x0f\x05"       # mov edi, 1; syscall
    while len(code) % 8:
        code += b"\x90"
    path_off = len(code)
    code += b"/bin/sleep\0"
    a1 = len(code)
    code += b"sleep\0"
    a2 = len(code)
    code += b"600\0"
    while len(code) % 8:
        code += b"\0"
    argv_off = len(code)
    code += struct.pack("<QQQ", BASE + HDR + a1, BASE + HDR + a2, 0)
    struct.pack_into("<i", code, lea_rdi + 3, path_off - (lea_rdi + 7))
    struct.pack_into("<i", code, lea_rsi + 3, argv_off - (lea_rsi + 7))
    size = HDR + len(code)
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 0x3e, 1, BASE + HDR, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, BASE, BASE, size, size, 0x1000)
    return ehdr + phdr + bytes(code)


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as f:
        f.write(build())
