"""``make bench``: every benchmark, one after the other, each printing its own table and ratios."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["bench.capture", "bench.plan_speed", "bench.presets", "bench.grounding", "bench.replay"]


def main() -> int:
    status = 0
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(name)
        result = module.main([])
        status = status or result
    return status


if __name__ == "__main__":
    sys.exit(main())
