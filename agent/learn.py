"""``deskpilot run "TASK" --save-scenario FLOW.yaml``: the steps a model run performed, as a scenario.

Learn once, replay forever: each pointer step that passed becomes a step with a target (the model's
words for it, the OCR label found near the point in the frame before the action, the window-relative
anchor and a template crop, exactly what ``deskpilot record`` keeps), typed text keeps its secret
references, key steps stay key steps. Refused, invalid and failed steps are left out. ``deskpilot
replay FLOW.yaml`` then does the same work with no model call on an unchanged app.

Where the app has an accessibility tree, each pointer target also keeps its identity (role, name,
label, path; :mod:`planners.grounding.identity`): the element the tree rung found, or else the element
under the point read right after the step, kept only when it is a control that has the keyboard focus then
(the click put it there, so it is the element clicked, not whatever a click that closed a dialog or
submitted a page uncovered).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from actions.coords import DisplayProfile
from actions.frame import Frame
from actions.windows import WindowInfo
from agent.run_dir import RUN_FILE, StepRecord
from planners.grounding.identity import Identity
from planners.scenario_file import Scenario, save_scenario

# Left out: what was never performed or did not do what it was expected to. A "no_change" step stays
# (a click into a field that already had the focus shows nothing, and is still needed on replay).
_FAILED = frozenset({"invalid", "failed", "refused"})
_COORDS = ("x", "y", "to_x", "to_y", "target", "to_target")


@dataclass
class _Seen:
    record: StepRecord
    windows: list[WindowInfo]
    identity: Identity | None = None


IdentityReader = Callable[[int, int, WindowInfo | None], "Identity | None"]


class ScenarioLearner:
    """Pass ``learner.on_step`` (or ``learner.chain(print_step)``) as the agent's ``on_step``; after the
    run, ``save(run_dir, path, task)`` writes FLOW.yaml and its templates."""

    def __init__(
        self, list_windows: Callable[[], list[WindowInfo]] | None = None, identity: IdentityReader | None = None
    ) -> None:
        self._list_windows = list_windows or _x11_windows
        self._tree = _TreeAtPoint() if identity is None else None
        self._identity_at = identity or self._tree.focused_at  # type: ignore[union-attr]
        self.seen: list[_Seen] = []

    def on_step(self, record: StepRecord) -> None:
        if _passed(record):
            point = record.action.point if record.action is not None else None
            windows = self._list_windows() if point is not None else []
            seen = _Seen(record, windows)
            if point is not None:
                seen.identity = self._identity(record, point, windows)
            self.seen.append(seen)

    def _identity(self, record: StepRecord, point: tuple[int, int], windows: list[WindowInfo]) -> Identity | None:
        from planners.grounding.identity import from_record

        found = next((g for g in record.grounding or [] if g.get("slot", "target") == "target"), None)
        known = from_record(found.get("element")) if found is not None else None
        if known is not None:
            return known
        window = next((w for w in reversed(windows) if w.viewable and w.contains(*point)), None)
        return self._identity_at(point[0], point[1], window)

    def chain(self, other: Callable[[StepRecord], None] | None) -> Callable[[StepRecord], None]:
        def both(record: StepRecord) -> None:
            self.on_step(record)
            if other is not None:
                other(record)

        return both

    def scenario(self, run_dir: Path, path: Path, task: str) -> Scenario:
        from agent.record.recorder import build_scenario
        from agent.record.snapshot import DesktopSnapshotter, Snapshot
        from agent.record.steps import RawStep

        if not self.seen:
            from actions.errors import UserInputError

            raise UserInputError("--save-scenario: no step passed, so there is nothing to save")
        profile = _profile(run_dir)
        snapshotter = DesktopSnapshotter()
        raw_steps: list[RawStep] = []
        try:
            for seen in self.seen:
                action = seen.record.action
                assert action is not None
                data = {k: v for k, v in action.model_dump(mode="json").items() if k not in _COORDS}
                raw = RawStep(action=data)
                if action.point is not None and seen.record.before:
                    snapshot = Snapshot(_load_frame(run_dir / seen.record.before, profile), seen.windows)
                    raw.target = snapshotter.anchor(snapshot, *action.point)
                    end = getattr(action, "to_point", None)
                    raw.to_target = snapshotter.anchor(snapshot, *end) if end is not None else None
                raw_steps.append(raw)
            scenario = build_scenario(path, raw_steps)
        finally:
            snapshotter.close()
            if self._tree is not None:
                self._tree.close()
        steps = [
            _expect_none_if_invisible(_with_thought(_with_identity(step, seen), _model_words(seen.record)), seen.record)
            for step, seen in zip(scenario.steps, self.seen, strict=True)
        ]
        return scenario.model_copy(
            update={
                "steps": tuple(steps),
                "description": f"learned from: deskpilot run {json.dumps(task, ensure_ascii=False)}",
            }
        )

    def save(self, run_dir: Path, path: Path, task: str) -> Scenario:
        scenario = self.scenario(run_dir, path, task)
        save_scenario(scenario, path)
        return scenario


def _passed(record: StepRecord) -> bool:
    return record.action is not None and record.error is None and record.verdict.value not in _FAILED


def _expect_none_if_invisible(step: Any, record: StepRecord) -> Any:
    """A step that showed no change when the model did it (a click into a focused field) is saved with
    ``expect: none``: the replay must not stop at it for want of a change it never showed."""
    if record.verdict.value != "no_change" or step.expect is not None or "expect" in step.action:
        return step
    from actions.expectations import parse_expect

    return step.model_copy(update={"expect": parse_expect("none")})


def _with_identity(step: Any, seen: _Seen) -> Any:
    if step.target is None or seen.identity is None:
        return step
    return step.model_copy(update={"target": step.target.model_copy(update={"identity": seen.identity})})


class _TreeAtPoint:
    """The element under a point in its window's accessibility tree, when it has the keyboard focus."""

    def __init__(self) -> None:
        self._reader: Any = None
        self._unavailable = False

    def focused_at(self, x: int, y: int, window: WindowInfo | None) -> Identity | None:
        import re

        from actions.a11y import A11yUnavailable, AtspiReader, Box
        from actions.a11y.roles import INTERACTIVE_ROLES
        from planners.grounding.identity import element_at, identity_of

        if self._unavailable or window is None:
            return None
        try:
            self._reader = self._reader or AtspiReader()
            box = Box(window.left, window.top, window.width, window.height)
            tree = self._reader.snapshot(f"^{re.escape(window.title)}$", window_box=box)
        except A11yUnavailable:
            self._unavailable = self._reader is None or not self._reader.connected
            return None
        index = element_at(tree, x, y) if len(tree) > 1 else None
        element = tree.elements[index] if index is not None else None
        # A page the click went on to has its document focused: only a control holding the focus is the one clicked.
        if index is None or element is None or "focused" not in element.states or element.role not in INTERACTIVE_ROLES:
            return None
        return identity_of(tree, index)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _model_words(record: StepRecord) -> str | None:
    """The thought, when a model gave it (a raw answer is on record); a script's thought is its own log
    line ("scripted action 3 of 5; found by tree"), nothing a person or the VLM rung should read."""
    return record.thought if record.raw_answer is not None else None


def _with_thought(step: Any, thought: str | None) -> Any:
    """The model's words for the target, when it gave any (for people, and the VLM rung if all else fails)."""
    if step.target is None or not thought:
        return step
    line = next((part.strip() for part in thought.splitlines() if part.strip()), "")[:160]
    line = line.removeprefix("Action:").strip()  # Qwen's computer-use answers start "Action: click the ..."
    if not line:
        return step
    described = f"{line} ({step.target.description})"
    return step.model_copy(update={"target": step.target.model_copy(update={"description": described})})


def _profile(run_dir: Path) -> DisplayProfile:
    data = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    return DisplayProfile.model_validate(data["profile"])


def _load_frame(path: Path, profile: DisplayProfile) -> Frame:
    from PIL import Image

    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"))
    bgra = np.dstack([rgb[..., ::-1], np.full(rgb.shape[:2], 255, np.uint8)])  # as mss grabs it
    return Frame(np.ascontiguousarray(bgra), profile, 0.0, 0.0, order="BGRA")


def _x11_windows() -> list[WindowInfo]:
    from actions.x11.windows import list_windows

    return list_windows()
