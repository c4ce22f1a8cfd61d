#!/usr/bin/python3
"""Writes fuzz/corpora/sockets/: inputs for fuzz-sockets.c (see its header for
the format: region byte, 16-bit offset, bytes written there). Offsets are
those of tests/fixtures/fake_net.c's layout."""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sockets")
TABLES, EHASH, LHASH, OBJ = 0, 1, 2, 3
POB = 0xffff888000000000
HINFO = 0x1000          # inet_hashinfo, from the table region's start (0x100000)
UDPT = 0x2000           # udp_table
UNIX = 0x3000           # unix buckets
SKC_NODE = 0x68
SOCK_SIZE = 0x400


def inp(region, off, data):
    return bytes([region]) + struct.pack("<H", off) + data


CASES = {
    "pristine": b"",
    "tables-zero": inp(TABLES, 0, bytes(0x4000)),
    "tables-ff": inp(TABLES, 0, b"\xff" * 0x4000),
    "ehash-mask-huge": inp(TABLES, HINFO + 0x10, b"\xff\xff\xff\xff"),
    "ehash-mask-not-pow2": inp(TABLES, HINFO + 0x10, struct.pack("<I", 1000)),
    "udp-hash-wraps": inp(TABLES, UDPT, struct.pack("<QQI", 0xfffffffffffff000, 0, 0xffff)),
    "ehash-self-loop": inp(EHASH, 0, struct.pack("<Q", POB + 0x110000)),
    "ehash-odd-everywhere": inp(EHASH, 0, struct.pack("<Q", 1) * 64),
    "unix-bucket-cycle": inp(TABLES, UNIX, struct.pack("<Q", POB + 0x200000 + SKC_NODE)),
    "objects-ff": inp(OBJ, 0, b"\xff" * 0x1000),
    "objects-zero": inp(OBJ, 0, bytes(0x4000)),
    "sock-next-self": inp(OBJ, SKC_NODE, struct.pack("<Q", POB + 0x200000 + SKC_NODE)),
    "sock-next-misaligned": inp(OBJ, SKC_NODE, struct.pack("<Q", POB + 0x200000 + SKC_NODE + 3)),
    "sock-socket-wild": inp(OBJ, 0x110, struct.pack("<Q", 0xdead000000000000)),
    "sock-net-wild": inp(OBJ, 0x30, struct.pack("<Q", 0x4141414141414141)),
    "lhash-garbage": inp(LHASH, 0, bytes(range(256)) * 4),
}

os.makedirs(HERE, exist_ok=True)
for name, data in CASES.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
