"""The live progress line says what happened: a model's unusable answer is a "refused answer"; a scripted
plan's target that was not found is said as such (issue 16 point 9), never as a refused answer."""

from __future__ import annotations

from agent.cli.progress import format_step
from agent.run_dir import StepRecord
from planners.verdicts import Verdict


def test_a_target_not_found_is_not_called_a_refused_answer() -> None:
    error = "step 2 (click): text 'Launch' is not on the screen"
    record = StepRecord(
        index=2, action=None, verdict=Verdict.FAILED, tries=0, error=error, note="target not found: nothing performed"
    )
    line = format_step(record)
    assert line.startswith(f"step   2  {error}") and "refused" not in line and line.split()[-3] == "failed"


def test_a_models_unusable_answer_is_a_refused_answer() -> None:
    record = StepRecord(index=1, action=None, verdict=Verdict.INVALID, tries=0, error="unknown action 'fly'")
    assert format_step(record).startswith("step   1  refused answer: unknown action 'fly'")
