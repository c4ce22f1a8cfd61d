#!/usr/bin/python3
"""Writes fuzz/corpora/dentry/ from the pristine object region of fuzz-dentry.

usage: make-dentry-corpus.py BUILD_DIR
Runs BUILD_DIR/fuzz/fuzz-dentry on an empty input with HVS_FUZZ_DENTRY_PRISTINE
set, then derives inputs: the pristine region itself, every pointer slot turned
into a self-pointer, parent/mount links turned into 2-cycles, huge name lengths,
unmapped and non-canonical pointers, plus zero and 0xff fills.
"""
import os
import random
import struct
import subprocess
import sys
import tempfile

OBJ_VA = 0xffff888000100000  # FAKE_LINUX_OBJ_PA in the direct map
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dentry")


def pristine(build):
    with tempfile.TemporaryDirectory() as d:
        empty, dump = os.path.join(d, "empty"), os.path.join(d, "pristine")
        open(empty, "wb").close()
        subprocess.run([os.path.join(build, "fuzz", "fuzz-dentry"), empty], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, HVS_FUZZ_DENTRY_PRISTINE=dump))
        return open(dump, "rb").read()


def ptr_slots(data):
    return [o for o in range(0, len(data) - 7, 8)
            if OBJ_VA <= struct.unpack_from("<Q", data, o)[0] < OBJ_VA + len(data)]


def with_u64(data, pairs):
    b = bytearray(data)
    for off, v in pairs:
        struct.pack_into("<Q", b, off, v & (2**64 - 1))
    return bytes(b)


def main():
    base = pristine(sys.argv[1])
    rnd = random.Random(1)
    slots = ptr_slots(base)
    out = {
        "pristine": base,
        "zeros-16": bytes(16),
        "zeros-all": bytes(len(base)),
        "ff-all": b"\xff" * len(base),
        "self-pointers": with_u64(base, [(o, OBJ_VA + (o & ~0x3f)) for o in slots]),
        "unmapped-pointers": with_u64(base, [(o, 0xffffc90000000000 + o) for o in slots]),
        "noncanonical-pointers": with_u64(base, [(o, 0x8000000000000000 | o) for o in slots]),
        "name-len-huge": with_u64(base, [(o - 8, 0xffffffff00000000) for o in slots if o >= 8]),
    }
    for i in range(6):
        pairs = [(o, OBJ_VA + rnd.randrange(0, len(base), 8)) for o in rnd.sample(slots, min(len(slots), 12))]
        out[f"swap-{i}"] = with_u64(base, pairs)
    for i in range(3):  # every pointer to one of a few objects: cycles everywhere
        targets = [OBJ_VA + rnd.randrange(0, len(base), 0x40) for _ in range(3)]
        out[f"pointer-soup-{i}"] = with_u64(base, [(o, rnd.choice(targets)) for o in slots])
    os.makedirs(OUT, exist_ok=True)
    for name, data in out.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"{len(out)} inputs in {OUT}")


if __name__ == "__main__":
    main()
