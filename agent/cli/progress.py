"""Live progress in the terminal: one line per step as it finishes."""

from __future__ import annotations

import sys

from agent.run_dir import StepRecord
from planners.verdicts import Verdict


def format_step(record: StepRecord) -> str:
    if record.action is not None:
        what = record.action.describe()
    elif record.verdict is Verdict.INVALID:  # only a model's answer is "refused"; the error says why
        what = f"refused answer: {record.error}"
    else:  # nothing was performed for another reason (a scripted target not found): say that
        what = record.error or record.note or "nothing performed"
    if len(what) > 70:
        what = what[:67] + "..."
    return f"step {record.index:>3}  {what:<70}  {record.verdict.value}  {record.timings.total_ms:6.0f} ms"


def print_step(record: StepRecord) -> None:
    print(format_step(record), file=sys.stderr, flush=True)
