"""The recording journal: every finished step on disk as it is made, so a killed recorder loses at
most the step in progress, and ``deskpilot record --recover JOURNAL`` writes the scenario anyway.

``SCENARIO.recording/`` beside the scenario holds ``journal.jsonl`` (a header line naming the
scenario, then one line per step: the action and, for pointer steps, the anchor fields) and the
crops the step needs later (``step-NNN[-to].png`` template crops, ``...-label.png`` grayscale crops
for OCR). Lines are appended, flushed and fsynced. A step is journaled once it can no longer change:
the builder keeps growing the last step (more typed text, a second click of a double click, more
wheel notches), so the last one waits for its successor or for the end of the recording. The folder
is removed once the scenario file is written.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actions.errors import UserInputError
from agent.record.steps import PointerCapture, RawStep

JOURNAL_FILE = "journal.jsonl"
_FORMAT = "deskpilot-recording-journal/1"
_ANCHOR_FIELDS = ("screen_point", "window_title", "window_point", "window_size", "label_point")


def journal_dir(scenario_path: Path) -> Path:
    return scenario_path.with_name(scenario_path.stem + ".recording")


@dataclass
class FinishedCrop:
    """A template crop read back from the journal; quacks like the recorder's TemplateJob."""

    image: Any
    point: tuple[int, int]

    def result(self) -> tuple[Any, tuple[int, int]]:
        return self.image, self.point


class RecordingJournal:
    """Appends finished steps for one recording; ``close(keep=False)`` removes it after a clean save."""

    def __init__(self, scenario_path: Path) -> None:
        self.folder = journal_dir(scenario_path)
        if self.folder.exists():
            shutil.rmtree(self.folder)  # a journal of an earlier recording to the same file
        self.folder.mkdir(parents=True)
        self.written = 0
        self._file = (self.folder / JOURNAL_FILE).open("a", encoding="utf-8")
        self._append({"format": _FORMAT, "scenario": str(scenario_path.resolve())})

    def write_finished(self, steps: list[RawStep]) -> None:
        """Journal ``steps[written:-1]``: every step but the last is final."""
        for step in steps[self.written : max(self.written, len(steps) - 1)]:
            self.written += 1
            self._append(self._entry(step, f"step-{self.written:03d}"))

    def _entry(self, step: RawStep, stem: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"action": step.action}
        for key, capture in (("target", step.target), ("to_target", step.to_target)):
            if capture is not None:
                entry[key] = self._capture(capture, stem if key == "target" else f"{stem}-to")
        return entry

    def _capture(self, capture: PointerCapture, stem: str) -> dict[str, Any]:
        saved: dict[str, Any] = {name: getattr(capture, name) for name in _ANCHOR_FIELDS}
        crop = capture.template.result() if hasattr(capture.template, "result") else None
        if crop is not None:
            image, point = crop
            image.save(self.folder / f"{stem}.png")
            saved["template"], saved["template_point"] = f"{stem}.png", list(point)
        identity = capture.identity.result() if hasattr(capture.identity, "result") else capture.identity
        saved["identity"] = identity.model_dump(mode="json") if identity is not None else None
        if capture.label_crop is not None:
            from PIL import Image

            Image.fromarray(capture.label_crop, mode="L").save(self.folder / f"{stem}-label.png")
            saved["label_crop"] = f"{stem}-label.png"
        return saved

    def _append(self, entry: dict[str, Any]) -> None:
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self, keep: bool) -> None:
        self._file.close()
        if not keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def remove(scenario_path: Path) -> None:
        shutil.rmtree(journal_dir(scenario_path), ignore_errors=True)


def read_journal(path: Path) -> tuple[Path, list[RawStep]]:
    """The scenario path a journal was for and its steps, crops loaded; UserInputError names the problem."""
    folder = path if path.is_dir() else path.parent
    file = folder / JOURNAL_FILE
    try:
        lines = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        raise UserInputError(f"{path}: no {JOURNAL_FILE} there (give the .recording folder a recorder left)") from None
    except json.JSONDecodeError:
        # A SIGKILL can leave half a line at the end: everything before it is whole.
        raw = file.read_text(encoding="utf-8").splitlines()
        lines = [json.loads(line) for line in raw[:-1] if line.strip()]
    if not lines or lines[0].get("format") != _FORMAT:
        raise UserInputError(f"{file}: not a deskpilot recording journal")
    steps = [
        RawStep(entry["action"], _capture(entry.get("target"), folder), _capture(entry.get("to_target"), folder))
        for entry in lines[1:]
    ]
    return Path(lines[0]["scenario"]), steps


def _capture(saved: dict[str, Any] | None, folder: Path) -> PointerCapture | None:
    if saved is None:
        return None
    import numpy as np
    from PIL import Image

    def point(name: str) -> tuple[int, int] | None:
        value = saved.get(name)
        return (int(value[0]), int(value[1])) if value is not None else None

    capture = PointerCapture(
        screen_point=point("screen_point") or (0, 0),
        window_title=saved.get("window_title"),
        window_point=point("window_point"),
        window_size=point("window_size"),
        label_point=point("label_point"),
    )
    if saved.get("identity"):
        from planners.grounding.identity import Identity

        capture.identity = Identity.model_validate(saved["identity"])
    if saved.get("template"):
        with Image.open(folder / saved["template"]) as image:
            capture.template = FinishedCrop(image.convert("RGB"), tuple(saved["template_point"]))
    if saved.get("label_crop"):
        with Image.open(folder / saved["label_crop"]) as image:
            capture.label_crop = np.asarray(image.convert("L"))
    return capture
