"""Totals of a trial from its results.jsonl (one line per run, written by the driver): runs by class, the plans'
own faults, runs per app, the batch table and one line per run. Each trial's ``summarize.py`` calls it."""

from __future__ import annotations

import json
from collections import Counter, defaultdict


def summarize(path: str) -> None:
    """Print the totals, the batch table and each run's line of a results.jsonl."""
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
    print(
        "| batch | runs | said succeeded, work done | said failed, work not done | false successes | false failures |"
    )
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
