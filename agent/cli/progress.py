"""Live progress in the terminal: one line per step as it finishes."""

from __future__ import annotations

import sys

from agent.run_dir import StepRecord


def format_step(record: StepRecord) -> str:
    what = record.action.describe() if record.action else f"refused answer: {record.error}"
    if len(what) > 70:
        what = what[:67] + "..."
    return f"step {record.index:>3}  {what:<70}  {record.verdict.value}  {record.timings.total_ms:6.0f} ms"


def print_step(record: StepRecord) -> None:
    print(format_step(record), file=sys.stderr, flush=True)
