"""``make bench``: every benchmark, each in its own process, each printing its own table and ratios.

Separate processes because each benchmark starts its own private desktop, and pyautogui binds to the
display it first saw for the life of a process.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = [
    "bench.startup", "bench.capture", "bench.plan_speed", "bench.presets", "bench.grounding", "bench.replay",
    "bench.stop_latency", "bench.typing", "bench.targets", "bench.learned_replay", "bench.a11y_lookup",
    "bench.readback", "bench.observe_tokens", "bench.ocr_engines", "bench.robustness", "bench.frame_png",
]  # fmt: skip


def main() -> int:
    status = 0
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        status = subprocess.run([sys.executable, "-m", name]).returncode or status
    return status


if __name__ == "__main__":
    sys.exit(main())
