#!/usr/bin/python3
"""Prints 'N passed, M failed, K skipped' from meson's testlog.json, per suite and in all."""
import json
import sys
from collections import Counter

suites = {}
for line in open(sys.argv[1]):
    t = json.loads(line)
    # "name" is "project:suite / test"
    suite = t["name"].split(" / ")[0].split(":")[-1]
    res = t["result"]
    kind = "passed" if res in ("OK", "EXPECTEDFAIL") else "skipped" if res == "SKIP" else "failed"
    suites.setdefault(suite, Counter())[kind] += 1
total = Counter()
for name, c in sorted(suites.items()):
    print(f"  {name:12s} {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped")
    total.update(c)
print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
sys.exit(1 if total["failed"] or not total["passed"] else 0)
