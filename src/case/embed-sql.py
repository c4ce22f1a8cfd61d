#!/usr/bin/env python3
"""Writes a C file defining `const char NAME[]` with the bytes of an SQL file,
so the program carries its schema (src/case/meson.build)."""
import sys

src, out, name = sys.argv[1:4]
data = open(src, "rb").read()
lines = [f"/* Generated from {src.split('/')[-1]} by embed-sql.py: do not edit. */",
         "#include <stddef.h>",
         f"extern const char {name}[];",
         f"extern const size_t {name}_len;",
         f"const char {name}[] ="]
for line in data.decode("utf-8").splitlines(keepends=True):
    esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    lines.append(f'        "{esc}"')
lines[-1] += ";"
if len(lines) == 5:
    lines.append('        "";')
lines.append(f"const size_t {name}_len = sizeof({name}) - 1;")
open(out, "w").write("\n".join(lines) + "\n")
