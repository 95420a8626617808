"""Run records: a directory per run, written as the run happens so a crash loses nothing.

RUN_DIR/
  run.json        what ran: task, planner, display profile, start time (written first)
  steps.jsonl     one JSON line per finished step, appended, flushed and fsynced
  frames/         PNG screenshots; step N's "before" is step N-1's "after"
  summary.json    outcome, reason, counts, timings (rewritten at the end)
  report.html     the human-readable page (agent.report.page)
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from actions.coords import DisplayProfile
from actions.expectations import ExpectField, ParsedExpectation
from actions.frame import Frame
from actions.models import Action
from actions.png import encode_png
from actions.secrets import redact
from agent.secret_mask import SecretMask
from agent.version import installed_version
from planners.verdicts import Verdict

# The run record's format: 2 dropped ``tries``/``retries`` (nothing is performed twice on its own; a step
# says ``performed``), added the summary's ``cause``, ``left_open`` and per-verdict counts.
RECORD_FORMAT = 2
STEPS_FILE = "steps.jsonl"
RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"
FRAMES_DIR = "frames"


class StepTimings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_ms: float = 0.0
    ready_ms: float = 0.0  # waiting for the target window to finish reacting to the previous action
    acted_unready: bool = False  # it was still changing at ready_timeout_s: the action went in anyway
    act_ms: float = 0.0
    settle_ms: float = 0.0
    verify_ms: float = 0.0
    total_ms: float = 0.0


class Seen(BaseModel):
    """What a step's judgement looked at, and what was there: the evidence behind a verdict."""

    model_config = ConfigDict(extra="forbid")

    expected: str  # the expectation in words
    detail: str  # what was seen instead (or that it was met), one line
    region: tuple[int, int, int, int] | None = None  # image pixels of the after frame that were looked at
    region_windows: list[str] = Field(default_factory=list)  # the windows that region covers
    words: list[str] = Field(default_factory=list)  # OCR words read there
    windows: list[str] = Field(default_factory=list)  # window titles open at the time
    active_window: str | None = None
    crop: str | None = None  # PNG of the region looked at, relative to the run directory
    # A type whose paste was not taken: every clipboard request seen, "TARGET@+MSms(who)"; [] if none.
    paste_requests: list[str] | None = None
    found: tuple[int, int, int, int] | None = None  # where the text was found (image pixels, l, t, r, b)
    already_there: bool = False  # the text was at that place before the action too: it proves nothing
    # What the accessibility tree said about the element a value/state expectation is about (role, name,
    # states, text, value: ``actions.a11y.Element.summary``).
    element: dict[str, Any] | None = None
    # A type read back: what the field holds (around its caret; never a secret). Written only when there is one.
    field_text: str | None = Field(default=None, exclude_if=lambda value: value is None)


class StepRecord(BaseModel):
    """One line of steps.jsonl."""

    model_config = ConfigDict(extra="forbid")

    index: int
    action: Action | None
    verdict: Verdict
    performed: bool = True  # False: refused, not found, an unusable answer, a look (nothing was done)
    changed_pixels: int = 0
    changed_bbox: tuple[int, int, int, int] | None = None  # image pixels of the after frame
    before: str | None = None
    after: str | None = None
    thought: str | None = None
    raw_answer: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    grounding: list[dict[str, Any]] | None = None
    error: str | None = None
    note: str = ""
    text_strategy: list[tuple[str, str]] | None = None
    expect: ExpectField = None  # the expectation judged ("change", "none" or an object)
    region: tuple[int, int, int, int] | None = None  # where a change counted (image pixels); None: everywhere
    seen: Seen | None = None  # the evidence: where it looked and what was there
    checks: list[ParsedExpectation] = Field(default_factory=list)  # judged after ``expect`` (a scenario's checks)
    focus: str | None = None  # the window that had the keyboard focus (key and type steps)
    # ... and the element in it, from the app's tree: role, name, label, states, box, path (absent: no tree)
    focus_element: dict[str, Any] | None = Field(default=None, exclude_if=lambda value: value is None)
    timings: StepTimings = Field(default_factory=StepTimings)
    wall_time_s: float = Field(default_factory=time.time)

    @model_validator(mode="before")
    @classmethod
    def _format_1(cls, data: Any) -> Any:
        """Records of format 1 counted ``tries`` (0: nothing performed, 1: performed once)."""
        if isinstance(data, dict) and "tries" in data:
            tries = data["tries"]
            data = {k: v for k, v in data.items() if k != "tries"}
            data.setdefault("performed", bool(tries))
        return data


class RunInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: str
    planner: str
    profile: DisplayProfile
    started_s: float
    dry_run: bool = False  # --dry-run: every action was planned and drawn, none performed
    format: int = RECORD_FORMAT
    deskpilot_version: str = Field(default_factory=lambda: installed_version())


class RunSummary(BaseModel):
    """summary.json: computed once, from the steps (agent.outcome.summarize)."""

    model_config = ConfigDict(extra="forbid")

    format: int = RECORD_FORMAT
    success: bool
    cause: str = "unfinished"  # agent.outcome.EndCause
    reason: str
    answer: str | None = None
    steps: int = 0
    actions_performed: int = 0
    no_change_steps: int = 0
    unsettled_steps: int = 0
    failed_steps: int = 0
    invalid_answers: int = 0
    left_open: list[str] = Field(default_factory=list)  # windows that appeared during the run, still open
    started_s: float = 0.0
    finished_s: float | None = None
    duration_s: float = 0.0
    mean_overhead_ms: float = 0.0  # ready + settle + verify per performed action


class RunDirectory:
    """Writes one run directory. Every method leaves the directory readable if we die right after.

    Step lines are written synchronously (append, flush, fsync: a step is on disk before the next
    action starts). Screenshots are PNG-encoded on one background thread, because encoding them and
    embedding them in the report costs 10-20 ms a frame, a sizeable part of a step; a SIGKILL can therefore
    leave the last step's screenshot unwritten (its line is there, and the report says the frame is missing).
    """

    def __init__(self, run_dir: str | Path, on_frame: Callable[[str, Any, bytes], None] | None = None) -> None:
        """``on_frame(name, rgb_image, png_bytes)`` is called on the writer thread after each frame is on
        disk (the report embeds it meanwhile: agent.report.frames.FrameStore.add)."""
        self.run_dir = Path(run_dir)
        self._on_frame = on_frame
        (self.run_dir / FRAMES_DIR).mkdir(parents=True, exist_ok=True)
        self._steps: IO[str] = open(self.run_dir / STEPS_FILE, "a", encoding="utf-8")  # noqa: SIM115
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deskpilot-frames")
        self._pending: list[Future[None]] = []
        # The run's secret places (agent.secret_mask): whoever hands this directory a frame masks it first.
        self.mask = SecretMask()

    def start(self, info: RunInfo) -> None:
        _write_atomic(self.run_dir / RUN_FILE, info.model_dump_json(indent=2))
        running = RunSummary(success=False, reason="running (or ended without a summary)", started_s=info.started_s)
        self.write_summary(running)

    def save_frame(self, frame: Frame, name: str) -> str:
        """Save a frame as PNG (as given: the caller has masked it); returns its path relative to the run directory."""
        relative = f"{FRAMES_DIR}/{name}.png"
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(self._encoder.submit(self._write_frame, frame, relative))
        return relative

    def _write_frame(self, frame: Frame, relative: str) -> None:
        target = self.run_dir / relative
        tmp = target.with_suffix(".png.tmp")
        image = frame.to_image()
        png = encode_png(np.asarray(image))  # a third of Pillow's time for the same bytes (actions.png)
        tmp.write_bytes(png)
        os.replace(tmp, target)
        if self._on_frame is not None:
            self._on_frame(relative, image, png)

    def flush(self) -> None:
        """Wait until every screenshot handed to save_frame is on disk; re-raise a write error."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def append_step(self, record: StepRecord) -> StepRecord:
        """Write the step line (flushed and fsynced); returns the record as written: with any secret
        value read back from the screen replaced by its reference (``actions.secrets.redact``)."""
        line = record.model_dump_json()
        redacted = redact(line)
        if redacted != line:
            line, record = redacted, StepRecord.model_validate_json(redacted)
        self._steps.write(line + "\n")
        self._steps.flush()
        os.fsync(self._steps.fileno())
        return record

    def write_summary(self, summary: RunSummary) -> None:
        _write_atomic(self.run_dir / SUMMARY_FILE, redact(summary.model_dump_json(indent=2)))

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._encoder.shutdown(wait=True)
            if not self._steps.closed:
                self._steps.close()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_steps(run_dir: str | Path) -> list[StepRecord]:
    """Every complete line of steps.jsonl; a torn last line (killed mid-write) is skipped."""
    path = Path(run_dir) / STEPS_FILE
    records: list[StepRecord] = []
    if not path.exists():
        return records
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            records.append(StepRecord.model_validate_json(line))
        except ValueError:
            continue
    return records


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def new_run_dir(root: str | Path = "runs") -> Path:
    """runs/20261123-024512-1 style: sortable, unique even for runs started in the same second."""
    root = Path(root)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        candidate = root / f"{stamp}-{n}"
        try:
            candidate.mkdir(parents=True, exist_ok=False)
            return candidate
        except FileExistsError:
            continue
    raise RuntimeError(f"cannot create a run directory under {root}")
