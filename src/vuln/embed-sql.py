#!/usr/bin/python3
"""Writes a C header that holds a text file as one string constant.
usage: embed-sql.py INPUT OUTPUT NAME"""
import sys

src, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(src, encoding="utf-8").read()
with open(out, "w", encoding="utf-8") as f:
    f.write("/* generated from %s by embed-sql.py: do not edit */\n" % src.split("/")[-1])
    f.write("static const char %s[] =\n" % name)
    for line in text.splitlines(True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        f.write('        "%s"\n' % esc)
    f.write("        ;\n")
