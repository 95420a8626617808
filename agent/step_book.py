"""The run's book of steps: numbering, frames saved, records appended, the history a planner sees.

The loop decides; the book writes. Every step, performed or not, goes through ``_append``: into memory,
into steps.jsonl (already on disk when the next action starts), to the progress callback, and into the
history the planner is shown next.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from actions.expectations import Expectation
from actions.frame import Frame
from actions.models import Action
from agent.run_dir import RunDirectory, StepRecord, StepTimings
from agent.secret_mask import SecretMask
from agent.settle import SettleResult
from agent.verify import Judgement
from planners.base import Plan, StepFeedback
from planners.verdicts import Verdict


class StepBook:
    def __init__(
        self,
        records: RunDirectory | None,
        on_step: Callable[[StepRecord], None] | None,
        mask: SecretMask | None = None,
    ) -> None:
        self.records, self.on_step = records, on_step
        # Every frame saved goes through it: a secret's place never reaches the disk (agent.secret_mask).
        self.mask = mask or getattr(records, "mask", None) or SecretMask()
        self.steps: list[StepRecord] = []
        self._history: list[StepFeedback] = []
        self.last_frame_file: str | None = None  # the screen the next step starts from

    @property
    def history(self) -> tuple[StepFeedback, ...]:
        return tuple(self._history)

    @property
    def next_index(self) -> int:
        return len(self.steps) + 1

    def observe(self, frame: Frame, name: str) -> Frame:
        self.last_frame_file = self.save(frame, name)
        return frame

    def save(self, frame: Frame, name: str) -> str | None:
        return self.records.save_frame(self.mask.apply(frame), name) if self.records else None

    def performed(
        self,
        action: Action,
        judgement: Judgement,
        settled: SettleResult,
        region: tuple[int, int, int, int] | None,
        timings: StepTimings,
        plan: Plan | None,
        *,
        expectation: Expectation,
        checks: list[Expectation],
        note: str,
        text_strategy: list[tuple[str, str]] | None,
        focus: str | None,
        focus_element: dict[str, Any] | None = None,
    ) -> StepRecord:
        index, after = self.next_index, self.mask.apply(judgement.frame)
        after_name = self.records.save_frame(after, f"step-{index:04d}") if self.records else None
        seen = judgement.seen
        if seen is not None and seen.region is not None and self.records:
            crop = self.records.save_frame(_crop(after, seen.region), f"step-{index:04d}-seen")
            seen = seen.model_copy(update={"crop": crop})
        timings.total_ms = timings.plan_ms + timings.ready_ms + timings.act_ms + timings.settle_ms + timings.verify_ms
        record = StepRecord(
            index=index,
            action=action,
            verdict=judgement.verdict,
            changed_pixels=settled.change.changed_pixels,
            changed_bbox=settled.change.bbox,
            before=self.last_frame_file,
            after=after_name,
            thought=plan.thought if plan else None,
            raw_answer=plan.raw if plan else None,
            prompt_tokens=plan.prompt_tokens if plan else None,
            completion_tokens=plan.completion_tokens if plan else None,
            grounding=plan.grounding if plan else None,
            note=note,
            text_strategy=text_strategy,
            expect=expectation,
            checks=checks,
            region=region,
            seen=seen,
            focus=focus,
            focus_element=focus_element,
            timings=timings,
        )
        self.last_frame_file = after_name
        return self._append(record)

    def unperformed(
        self,
        frame: Frame,
        action: Action | None,
        verdict: Verdict,
        error: str,
        why: str,
        plan: Plan | None,
        plan_ms: float,
        grounding: list[dict[str, Any]] | None = None,
    ) -> StepRecord:
        """A step that ended before anything was performed (refused by the policy, or its target not found);
        its after frame is the screen it was decided on."""
        index, before = self.next_index, self.last_frame_file
        self.last_frame_file = self.save(frame, f"step-{index:04d}")
        record = StepRecord(
            index=index,
            action=action,
            verdict=verdict,
            performed=False,
            before=before,
            after=self.last_frame_file,
            thought=plan.thought if plan else None,
            raw_answer=plan.raw if plan else None,
            error=error,
            note=f"{why}; nothing was performed",
            grounding=grounding or (plan.grounding if plan else None),
            timings=StepTimings(plan_ms=plan_ms, total_ms=plan_ms),
        )
        return self._append(record)

    def invalid(self, error: str, raw: str | None, plan_ms: float) -> StepRecord:
        record = StepRecord(
            index=self.next_index,
            action=None,
            verdict=Verdict.INVALID,
            performed=False,
            before=self.last_frame_file,
            raw_answer=raw,
            error=error,
            note="the answer was refused; nothing was performed",
            timings=StepTimings(plan_ms=plan_ms, total_ms=plan_ms),
        )
        return self._append(record)

    def _append(self, record: StepRecord) -> StepRecord:
        if self.records is not None:
            record = self.records.append_step(record)  # a shared run numbers steps across calls
        self.steps.append(record)
        self._history.append(
            StepFeedback(
                index=record.index, action=record.action, verdict=record.verdict.value, note=record.error or record.note
            )
        )
        if self.on_step:
            self.on_step(record)
        return record


def _crop(frame: Frame, box: tuple[int, int, int, int]) -> Frame:
    left, top, right, bottom = box
    data = np.ascontiguousarray(frame.data[top:bottom, left:right])
    return Frame(data, frame.profile, frame.monotonic_s, frame.wall_time_s, frame.order)
