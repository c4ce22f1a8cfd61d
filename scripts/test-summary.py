#!/usr/bin/python3
"""Prints 'N passed, M failed, K skipped' from meson testlog.json files: per build and suite, then in all.

Usage: test-summary.py BUILD/meson-logs/testlog*.json...
"""
import json
import os
import sys
from collections import Counter

suites = {}
for path in sys.argv[1:]:
    build = os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(path))))
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            # "name" is "project:suite / test"
            suite = build + "/" + t["name"].split(" / ")[0].split(":")[-1]
            res = t["result"]
            kind = "passed" if res in ("OK", "EXPECTEDFAIL") else "skipped" if res == "SKIP" else "failed"
            suites.setdefault(suite, Counter())[kind] += 1
total = Counter()
for name, c in sorted(suites.items()):
    print(f"  {name:24s} {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped")
    total.update(c)
print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
sys.exit(1 if total["failed"] or not total["passed"] else 0)
