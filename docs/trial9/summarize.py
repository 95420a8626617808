"""Totals of trial 9 from /tmp/trial9/results.jsonl (one line per run, written by drive.py).

python3 docs/trial9/summarize.py [results.jsonl]
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict

path = sys.argv[1] if len(sys.argv) > 1 else "docs/trial9/results.jsonl"
recs = {}
with open(path, encoding="utf-8") as fh:
    for line in fh:
        rec = json.loads(line)
        recs[rec["id"]] = rec  # a run id rerun keeps its last record
runs = list(recs.values())
print(f"runs {len(runs)}: " + ", ".join(f"{k} {v}" for k, v in Counter(r["class"] for r in runs).items()))
print("plan's own fault among them:", [r["id"] for r in runs if r["plan_fault"]])
apps = defaultdict(list)
for r in runs:
    apps[r["app"]].append(r)
for app, rs in apps.items():
    print(f"  {app}: {len(rs)} runs, motion {sum(r['motion'] for r in rs)}")
batches = defaultdict(list)
for r in runs:
    batches[r["batch"]].append(r)
print("| batch | runs | said succeeded, work done | said failed, work not done | false successes | false failures |")
for b, rs in sorted(batches.items()):
    ok = sum(r["rc"] == 0 and r["done"] for r in rs)
    no = sum(r["rc"] != 0 and not r["done"] for r in rs)
    fs = [r["id"] for r in rs if r["rc"] == 0 and not r["done"]]
    ff = [r["id"] for r in rs if r["rc"] != 0 and r["done"]]
    print(f"| {b} | {len(rs)} | {ok} | {no} | {len(fs)} {fs} | {len(ff)} {ff} |")
for r in runs:
    print(
        f"{r['id']:4} {r['app']:17} m={int(r['motion'])} rc={r['rc']} done={int(r['done'])} {r['class']:13} "
        f"{r['steps']} | {r['truth'][:60]} | {r['line'][:150]}"
    )
