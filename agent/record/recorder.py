"""``deskpilot record SCENARIO.yaml``: watch a person work and write a replayable scenario.

Recording is three stages, so that the person's input is never held up:

1. capture (:mod:`actions.x11.input_capture`): one XRecord stream of the person's presses and releases,
   the agent's own input left out by the ``_DESKPILOT_ACTING`` flag;
2. merging (:mod:`agent.record.steps`): clicks, double clicks, drags, scrolls, typed text and
   chords; at each pointer press a screenshot (mss, a few ms) and the window list are taken and the
   crops the scenario needs are cut (:mod:`agent.record.snapshot`); no screenshot outlives its gesture;
3. after the recording stops: OCR of the crops for labels (:mod:`agent.record.labels`),
   template PNGs under ``NAME.templates/``, and the YAML through :func:`save_scenario`.

Stop with the stop hotkey (default Ctrl+Alt+Shift+R, whose keys become no step) or Ctrl+C.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actions.errors import DesktopError, UserInputError
from actions.hotkeys import DEFAULT_HOTKEYS, parse_hotkey
from actions.x11 import require_x11
from actions.x11.input_capture import InputEvent, X11InputCapture
from agent.record.journal import RecordingJournal, read_journal
from agent.record.labels import describe, label_targets
from agent.record.snapshot import DesktopSnapshotter, Snapshot, changed_nothing, grab_snapshot
from agent.record.steps import PointerCapture, RawStep, StepBuilder
from planners.scenario_file import Anchor, Scenario, Setup, Step, Target, save_scenario, templates_dir

# A click is judged (did it change anything?) this long after it, unless the next input came first:
# Tk and GTK redraw a click's effect within a few ms on an idle desktop; a click followed sooner by
# more input is left to the default ("change") rather than guessed.
_JUDGE_AFTER_S = 0.05


@dataclass
class RecordingStats:
    events: int = 0
    synthetic_events: int = 0
    handle_ms: list[float] = field(default_factory=list)  # per event, on the capture thread
    press_ms: list[float] = field(default_factory=list)  # presses that took a snapshot
    postprocess_ms: float = 0.0
    event_errors: list[str] = field(default_factory=list)  # input elements that could not be handled


class ScenarioRecorder:
    """``start()``, then ``wait()`` for the stop hotkey (or not), then ``stop()`` writes the file."""

    def __init__(
        self,
        path: str | Path,
        display: str | None = None,
        stop_hotkey: str | None = DEFAULT_HOTKEYS["end_recording"],
        *,
        ocr: bool = True,
    ) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in (".yaml", ".yml"):
            raise UserInputError(f"{self.path}: a scenario file ends in .yaml")
        hotkey = parse_hotkey(stop_hotkey) if stop_hotkey else None  # UserInputError naming the combo
        require_x11("recording a scenario")
        self.display, self.stop_hotkey, self.ocr = display, stop_hotkey, ocr
        self.snapshotter = DesktopSnapshotter(display)
        self.builder = StepBuilder(self.snapshotter, hotkey)
        self.stats = RecordingStats()
        self.stop_requested = threading.Event()
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._capture: X11InputCapture | None = None
        self.journal: RecordingJournal | None = None
        # The last click, its "before" snapshot and when it ended: judged at the next event (did it
        # change anything?), so a replay does not stop at a click that only focused a field.
        self._unjudged: tuple[RawStep, Snapshot, object] | None = None

    def start(self) -> ScenarioRecorder:
        # Open mss and the window reader now (about 150 ms), not at the first press. From here on
        # only the capture thread uses them, one call at a time, which is all they need.
        self.snapshotter.snapshot()
        self.journal = RecordingJournal(self.path)
        self._capture = X11InputCapture(self._on_event, self.display).start()
        return self

    def _on_event(self, event: InputEvent) -> None:
        if self.stop_requested.is_set():
            return  # the stop hotkey's own releases, and anything after it
        started = time.perf_counter()
        with self._lock:
            self.stats.events += 1
            self.stats.synthetic_events += event.synthetic
            try:
                self._unjudged = None  # more input came before the last click was judged: leave it be
                steps_before = len(self.builder.steps)
                if self.builder.feed(event):
                    self.stop_requested.set()
                self._note_click(steps_before)
            except Exception as exc:  # noqa: BLE001 - losing input silently would be worse
                self._error = exc
                self.stop_requested.set()
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.stats.handle_ms.append(elapsed_ms)
        if event.kind == "button_press" and not event.synthetic:
            self.stats.press_ms.append(elapsed_ms)

    def _note_click(self, steps_before: int) -> None:
        steps = self.builder.steps
        if len(steps) > steps_before and steps[-1].action.get("kind") == "click" and self.snapshotter.last is not None:
            token = object()
            self._unjudged = (steps[-1], self.snapshotter.last, token)
            timer = threading.Timer(_JUDGE_AFTER_S, self._judge_click, args=(token,))
            timer.daemon = True
            timer.start()
        elif steps and steps[-1].action.get("count", 1) > 1:
            steps[-1].expect = None  # a double click: judged as one, by its default

    def _judge_click(self, token: object) -> None:
        """On a timer thread: did the last click change anything where it acted? Nothing: ``expect: none``,
        so a replay does not stop at a click that only focused a field."""
        with self._lock:
            if self._unjudged is None or self._unjudged[2] is not token or self.stop_requested.is_set():
                return
            step, before, _ = self._unjudged
            self._unjudged = None
            try:
                after = grab_snapshot(self.display)
            except Exception:  # noqa: BLE001 - a judgement missed leaves the default, never breaks the recording
                return
            if step.target is not None and changed_nothing(before, after, *step.target.screen_point):
                step.expect = "none"

    def wait(self, timeout_s: float | None = None) -> bool:
        """True once the stop hotkey was pressed, or the recording failed (``stop()`` then says why)."""
        if self._capture is not None and not self._capture.alive:
            return True
        stopped = self.stop_requested.wait(timeout_s)
        self._journal_finished_steps()
        return stopped

    def _journal_finished_steps(self) -> None:
        """On the waiting (main) thread, so the capture thread never waits for a PNG to be written."""
        if self.journal is not None:
            with self._lock:
                steps = list(self.builder.steps)
            self.journal.write_finished(steps)

    def stop(self, interrupted: bool = False) -> Scenario:
        """Stop listening, finish the steps, write templates and YAML; the scenario written."""
        if self._capture is not None:
            self._capture.stop()
            self._error = self._error or self._capture.error
            self.stats.event_errors = self._capture.event_errors
            self._capture = None
        self.stop_requested.set()
        with self._lock:
            if interrupted:
                self.builder.drop_trailing_interrupt()
            steps = self.builder.finish()
        self.snapshotter.close()
        failure = f"recording failed: {type(self._error).__name__}: {self._error}" if self._error else ""
        if not steps:
            self._close_journal(keep=False)
            raise DesktopError(failure) if failure else UserInputError(f"nothing was recorded; {self.path} not written")
        started = time.perf_counter()
        scenario = build_scenario(self.path, steps, ocr=self.ocr)
        save_scenario(scenario, self.path)
        self._close_journal(keep=False)  # the scenario file holds everything now
        self.stats.postprocess_ms = (time.perf_counter() - started) * 1000
        if failure:  # what came before the failure is still worth keeping
            kept = f"{len(steps)} step" + ("s" if len(steps) != 1 else "")
            raise DesktopError(f"{failure}; saved what came before it ({kept}) to {self.path}")
        return scenario

    def _close_journal(self, keep: bool) -> None:
        if self.journal is not None:
            self.journal.close(keep=keep)
            self.journal = None

    def __enter__(self) -> ScenarioRecorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self._capture is not None:  # left by an exception: release the X resources, write nothing
            self._capture.stop()
            self._capture = None
            self.snapshotter.close()
            self._close_journal(keep=True)  # what was journaled stays recoverable


def build_scenario(path: Path, steps: Sequence[RawStep], ocr: bool = True) -> Scenario:
    """Labels, template PNGs and the Scenario for raw steps (writes the PNGs, not the YAML)."""
    targets = [t for step in steps for t in (step.target, step.to_target) if t is not None]
    if ocr:
        label_targets(targets)
    folder = templates_dir(path)
    if folder.is_dir():
        for stale in folder.glob("step-*.png"):  # from an earlier recording to the same file
            stale.unlink()
    built: list[Step] = []
    for number, raw in enumerate(steps, start=1):
        target = _target(raw.target, folder, f"step-{number:03d}") if raw.target else None
        to_target = _target(raw.to_target, folder, f"step-{number:03d}-to") if raw.to_target else None
        built.append(Step(action=_tidy(raw.action), target=target, to_target=to_target, expect=raw.expect))
    first = next((t for t in targets if t.window_title), None)
    setup = Setup(window_title=f"^{re.escape(first.window_title)}$") if first and first.window_title else Setup()
    return Scenario(name=path.stem, description="recorded with deskpilot record", setup=setup, steps=tuple(built))


def _target(capture: PointerCapture, folder: Path, stem: str) -> Target:
    template, template_point = None, None
    crop = capture.template.result() if hasattr(capture.template, "result") else None  # a TemplateJob or a
    # crop read back from a journal
    if crop is not None:
        image, template_point = crop
        folder.mkdir(parents=True, exist_ok=True)
        image.save(folder / f"{stem}.png")
        template = f"{folder.name}/{stem}.png"  # relative to the scenario file, so the pair can move
    capture.template = None
    identity = capture.identity.result() if hasattr(capture.identity, "result") else capture.identity
    anchor = Anchor(
        window_title=capture.window_title,
        window_point=capture.window_point,
        window_size=capture.window_size,
        screen_point=capture.screen_point,
        template=template,
        template_point=template_point,
    )
    return Target(
        description=describe(capture),
        label=capture.label,
        label_offset=capture.label_offset,
        anchor=anchor,
        identity=identity,
    )


def _tidy(action: dict[str, Any]) -> dict[str, Any]:
    """Leave out what the action model defaults to, so the YAML says only what matters."""
    defaults = {"button": "left", "count": 1, "dx": 0, "dy": 0}
    return {k: v for k, v in action.items() if k == "kind" or defaults.get(k, object()) != v}


def record(
    path: str | Path,
    display: str | None = None,
    stop_hotkey: str | None = DEFAULT_HOTKEYS["end_recording"],
    *,
    ocr: bool = True,
    announce: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> Scenario:
    """Record until the stop hotkey, Ctrl+C (KeyboardInterrupt in the main thread) or ``stop`` (the
    session's event, set by SIGINT/SIGTERM/SIGHUP), then write ``path`` with every step made so far."""
    recorder = ScenarioRecorder(path, display, stop_hotkey, ocr=ocr).start()
    stop_how = f"press {stop_hotkey} or Ctrl+C" if stop_hotkey else "press Ctrl+C"
    if announce is not None:
        announce(f"recording to {path}: {stop_how} to stop")
    interrupted = False
    try:
        while not recorder.wait(0.25):  # a timed wait, so a signal or Ctrl+C is seen promptly
            if stop is not None and stop.is_set():
                interrupted = True
                break
    except KeyboardInterrupt:
        interrupted = True
    return recorder.stop(interrupted=interrupted)


def recover(journal: str | Path, ocr: bool = True) -> tuple[Path, Scenario]:
    """Turn the journal a killed recorder left into its scenario file; the journal is removed after."""
    path, steps = read_journal(Path(journal))
    if not steps:
        raise UserInputError(f"{journal}: the journal holds no finished step; nothing to recover")
    scenario = build_scenario(path, steps, ocr=ocr)
    save_scenario(scenario, path)
    RecordingJournal.remove(path)
    return path, scenario


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m agent.record.recorder SCENARIO.yaml [--display :N] [--stop-hotkey K] [--no-ocr]``."""
    import argparse

    from actions.errors import DeskpilotError

    parser = argparse.ArgumentParser(prog="python -m agent.record.recorder", description=__doc__.split("\n")[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--display", default=None)
    parser.add_argument("--stop-hotkey", default=DEFAULT_HOTKEYS["end_recording"])
    parser.add_argument("--no-ocr", action="store_true")
    args = parser.parse_args(argv)
    # Ctrl+C ends the recording even when SIGINT was inherited as ignored (a job started with `&`).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        scenario = record(
            args.scenario,
            args.display,
            args.stop_hotkey,
            ocr=not args.no_ocr,
            announce=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except DeskpilotError as exc:
        print(f"deskpilot: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.scenario}: {len(scenario.steps)} steps", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
