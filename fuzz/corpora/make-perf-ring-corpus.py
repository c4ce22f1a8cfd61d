#!/usr/bin/python3
"""Writes fuzz/corpora/perf-ring/: valid and broken perf rings with a
tracepoint format, in the input format of fuzz/fuzz-perf-ring.c."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "perf-ring")
PIO = (b"name: kvm_pio\nID: 110\nformat:\n"
       b"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
       b"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
       b"\tfield:unsigned int rw;\toffset:8;\tsize:4;\tsigned:0;\n"
       b"\tfield:unsigned int port;\toffset:12;\tsize:4;\tsigned:0;\n"
       b"\tfield:unsigned int size;\toffset:16;\tsize:4;\tsigned:0;\n"
       b"\tfield:unsigned int count;\toffset:20;\tsize:4;\tsigned:0;\n"
       b"\tfield:unsigned int val;\toffset:24;\tsize:4;\tsigned:0;\n"
       b"\nprint fmt: \"pio\"\n")
ENTER = (b"name: sys_enter\nID: 443\nformat:\n"
         b"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
         b"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
         b"\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n")


def sample(pid, tid, t, raw):
    raw = raw + bytes((-(len(raw) + 4)) % 8)
    body = struct.pack("<IIQI", pid, tid, t, len(raw)) + raw
    return struct.pack("<IHH", 9, 0, 8 + len(body)) + body


def pio_raw(port, rw=1, val=0x42):
    return struct.pack("<HBBiIIIII", 110, 0, 0, 1234, rw, port, 1, 1, val)


def lost(n):
    return struct.pack("<IHHQQ", 2, 0, 24, 1, n)


def ring(bits, tail, recs, fmt, avail=None):
    size = 1 << bits
    buf = bytearray(size)
    pos = tail
    for r in recs:
        for i, b in enumerate(r):
            buf[(pos + i) % size] = b
        pos += len(r)
    av = pos - tail if avail is None else avail
    return struct.pack("<BBHIQ", bits - 3, 0, len(fmt), av, tail % (1 << 64)) + fmt + bytes(buf)


def main():
    os.makedirs(OUT, exist_ok=True)
    storm = [sample(100, 101, 1000 + i, pio_raw(0x3f5)) for i in range(20)]
    cases = {
        "storm": ring(12, 0, storm, PIO),
        "wrap": ring(9, (1 << 9) - 20, storm[:8], PIO),
        "wrap-64bit": ring(9, (1 << 64) - 30, storm[:8], PIO),
        "lost": ring(10, 40, [lost(99999)] + storm[:4], PIO),
        "truncated": ring(10, 0, storm[:3], PIO, avail=3 * 56 - 10),
        "short-header": ring(8, 0, [struct.pack("<IHH", 9, 0, 4) + bytes(20)], PIO),
        "raw-too-long": ring(8, 0, [sample(1, 2, 3, pio_raw(0x80))[:24] + struct.pack("<I", 60000) + bytes(28)], PIO),
        "beyond-ring": ring(6, 0, storm[:1], PIO, avail=200),
        "syscalls": ring(12, 8, [sample(7, 8, 9, struct.pack("<HBBiq6Q", 443, 0, 0, 7, 59, 1, 2, 3, 4, 5, 6))] * 10,
                         ENTER),
        "bad-format": ring(8, 0, storm[:2], b"ID: 1\n\tfield:int a;\toffset:65534;\tsize:8;\tsigned:1;\n"),
        "empty": ring(3, 0, [], b""),
    }
    for name, data in cases.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
