"""``Desktop``: the Python scripting API. Say what to click, not where; every call is a step of one run.

    from deskpilot import Desktop, TargetNotFound, ExpectationFailed

    with Desktop(out="runs/invoice", cache="invoice.cache") as desk:
        desk.click("Apply Changes")                     # text on the screen (OCR), learned in the cache
        desk.click("Customer name", offset=(180, 0))    # a point relative to a text
        desk.click(image="submit.png")                  # a picture
        desk.type("Grüße ✓"); desk.press("ctrl", "s", expect="none")
        desk.wait_for("Saved", timeout_s=10)            # or ExpectationFailed
        total = desk.read_text(near="Total")

Each call runs the loop's own machinery (agent.single_step: plan, act, settle, verify, record) into
one run directory (steps.jsonl, frames, summary.json, report.html at exit), under the same policy,
stop hotkey, signals and secrets as ``deskpilot run``. Errors are typed: ``TargetNotFound`` (with
every rung's reason), ``TargetAmbiguous``, ``ExpectationFailed``, ``PolicyError``, ``StopRequested``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from actions.errors import ExpectationFailed, UserInputError
from actions.frame import Frame
from actions.hotkeys import DEFAULT_HOTKEYS
from actions.models import Action, parse_action
from actions.targets import Target
from agent.scripting import reading
from agent.single_step import SharedRun, StepParts, run_planner, run_single_action

Where = str | Target | dict[str, Any] | tuple[int, int]


class Desktop:
    """``with Desktop(out=..., model=..., base_url=..., monitor=0, policy=..., cache=...) as desk:``

    A click whose effect is not visible (into a field that has the focus) ends the script with
    ``ExpectationFailed``, as a plan's does: say ``expect="none"`` on it (or ``on_no_change="continue"``).
    ``cache``: a folder where found targets are learned (None: nothing is learned); ``learn=False``
    reads it only; ``strict_cache=True`` fails a target the cache does not confirm. ``images``: the
    folder ``image=`` paths are relative to (default: the working directory). ``policy``: a policy
    file, a ``PolicyFile`` or a ``Policy``. ``stop_hotkey=None`` turns the stop hotkey off.
    """

    def __init__(
        self, out: str | Path | None = None, model: str | None = None, base_url: str | None = None, monitor: int = 0,
        policy: Any = None, cache: str | Path | None = None, *, learn: bool = True, strict_cache: bool = False,
        images: str | Path | None = None, stop_hotkey: str | None = DEFAULT_HOTKEYS["stop"], name: str = "script",
        on_no_change: Literal["stop", "continue"] = "stop",
    ) -> None:  # fmt: skip
        self.out, self.model_id, self.base_url, self.monitor = out, model, base_url, monitor
        self.cache_dir, self.learn, self.strict_cache = cache, learn, strict_cache
        self.images, self.stop_hotkey, self.name = Path(images or Path.cwd()), stop_hotkey, name
        self._policy_spec, self.on_no_change = policy, on_no_change
        self._model: Any = None
        self._session: Any = None
        self.parts: StepParts | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> Desktop:
        from agent.cli.checks import require_display
        from agent.cli.session import DesktopSession
        from agent.run_dir import RunInfo, new_run_dir
        from agent.stop import stop_hotkey_from_flag

        hotkey = stop_hotkey_from_flag(self.stop_hotkey)  # a bad combo is refused before anything starts
        guard = _policy(self._policy_spec)
        require_display()
        if self.model_id or self.base_url:
            self._model = _build_model(self.model_id, self.base_url)
        self._session = DesktopSession(hotkey, monitor=self.monitor, quiet=True).__enter__()
        try:
            run = SharedRun(Path(self.out) if self.out is not None else new_run_dir())
            self.parts = StepParts(self._session.executor, self._session.screen, run, self._resolver(),
                                   self._session.stop, guard=guard, windows=self._session.windows,
                                   on_no_change=self.on_no_change)  # fmt: skip
            run.start(RunInfo(task=self.name, planner="Desktop", profile=self._session.screen.profile,
                              started_s=run.started_s))  # fmt: skip
        except BaseException:
            self._session.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.parts is not None:
                from agent.report import build_report

                reason = "done" if exc is None else f"{type(exc).__name__}: {exc}"
                self.parts.run.finish(exc is None, reason)
                build_report(self.parts.run.run_dir, self.parts.run.frames)
        finally:
            if self._session is not None:
                self._session.__exit__(exc_type, exc, tb)
            self._session = None

    @property
    def run_dir(self) -> Path:
        return self._parts().run.run_dir

    def _parts(self) -> StepParts:
        if self.parts is None:
            raise UserInputError("use Desktop in a with block: `with Desktop(...) as desk:`")
        return self.parts

    def _resolver(self) -> Any:
        from agent.targeting import X11Windows, desktop_trees, wait_enabled_s
        from planners.target_cache import TargetCache
        from planners.targeting import TargetResolver

        cache = TargetCache(self.cache_dir, learn=self.learn) if self.cache_dir is not None else None
        return TargetResolver(cache=cache, model=self._model, base_dir=self.images, windows=X11Windows(),
                              strict_cache=self.strict_cache, tree=desktop_trees(),
                              wait_enabled_s=wait_enabled_s())  # fmt: skip

    @property
    def calls(self) -> dict[str, int]:
        """Grounder calls so far, per rung ("anchor", "template", "ocr", "vlm")."""
        return dict(self._parts().resolver.calls)

    # -- pointer ---------------------------------------------------------------------------------------
    def click(
        self, text: Where | None = None, *, image: str | None = None, description: str | None = None,
        offset: tuple[int, int] | None = None, window: str | None = None, button: str = "left", count: int = 1,
        expect: Any = None,
    ) -> None:  # fmt: skip
        where = _where(text, image, description, offset, window)
        self._act({"kind": "click", **where, "button": button, "count": count}, expect)

    def double_click(self, text: Where | None = None, **kwargs: Any) -> None:
        self.click(text, count=2, **kwargs)

    def right_click(self, text: Where | None = None, **kwargs: Any) -> None:
        self.click(text, button="right", **kwargs)

    def move(
        self, text: Where | None = None, *, image: str | None = None, description: str | None = None,
        offset: tuple[int, int] | None = None, window: str | None = None, expect: Any = "none",
    ) -> None:  # fmt: skip
        self._act({"kind": "move", **_where(text, image, description, offset, window)}, expect)

    def drag(self, source: Where, destination: Where, *, button: str = "left", expect: Any = None) -> None:
        start, end = _where(source), _where(destination)
        end = {("to_" + k): v for k, v in end.items()}
        self._act({"kind": "drag", **start, **end, "button": button}, expect)

    def scroll(self, target: Where, dy: int = 0, dx: int = 0, *, expect: Any = None) -> None:
        self._act({"kind": "scroll", **_where(target), "dy": dy, "dx": dx}, expect)

    # -- keyboard ----------------------------------------------------------------------------------------
    def type(self, text: str, *, expect: Any = None) -> None:
        """Type into the focused field; ``{{secret:NAME}}`` is typed as $NAME and recorded as written."""
        from agent.cli.checks import check_secrets

        check_secrets([text], "type()")
        self._act({"kind": "type", "text": text}, expect)

    def press(self, *keys: str, expect: Any = None) -> None:
        """One chord, pressed together: ``press("ctrl", "s")``, ``press("enter")``."""
        self._act({"kind": "key", "keys": list(keys)}, expect)

    def wait(self, seconds: float, *, expect: Any = "none") -> None:
        """A fixed pause, as a step (prefer ``wait_for``: it waits for the screen, not the clock)."""
        self._act({"kind": "wait", "seconds": seconds}, expect)

    def _act(self, data: dict[str, Any], expect: Any) -> None:
        if expect is not None:
            data["expect"] = expect
        try:
            action: Action = parse_action(data)
        except ValueError as exc:
            raise UserInputError(str(exc)) from None
        what = _describe(data)
        run_single_action(self._parts(), action, what, check_verdict=expect != "none")

    # -- looking -----------------------------------------------------------------------------------------
    def sees(self, text: str) -> bool:
        frame, started = self._capture(), time.monotonic()
        seen = reading.sees_text(self._parts().resolver.ocr, frame, text)
        self._note(frame, f"sees({text!r})", f"{'seen' if seen else 'not seen'}", started)
        return seen

    def wait_for(self, text: str, timeout_s: float = 10.0) -> None:
        """Until ``text`` is on the screen; ``ExpectationFailed`` (saying what was read) after ``timeout_s``."""
        reader, started = self._parts().resolver.ocr, time.monotonic()
        while True:
            frame = self._capture()
            if reading.sees_text(reader, frame, text):
                self._note(frame, f"wait_for({text!r})", f"seen after {time.monotonic() - started:.1f} s", started)
                return
            if time.monotonic() - started >= timeout_s or self._parts().stop.is_set():
                shown = " ".join(w.text for w in reader.read(frame))[:300]
                why = f"{text!r} did not appear within {timeout_s:g} s; the screen reads: {shown!r}"
                self._note(frame, f"wait_for({text!r})", why, started, failed=True)
                raise ExpectationFailed(f"wait_for: {why}")

    def read_text(self, near: str | None = None, region: tuple[int, int, int, int] | None = None) -> str:
        """OCR: the words written after the label ``near`` (or under it), or every word in ``region``."""
        if (near is None) == (region is None):
            raise UserInputError("read_text needs exactly one of near= or region=")
        frame, started, reader = self._capture(), time.monotonic(), self._parts().resolver.ocr
        text = reading.text_near(reader, frame, near) if near is not None else reading.text_in_region(
            reader, frame, region or (0, 0, 0, 0))  # fmt: skip
        self._note(frame, f"read_text(near={near!r})" if near else f"read_text(region={region})", repr(text), started)
        return text

    # -- the model -------------------------------------------------------------------------------------------
    def ask(self, question: str) -> str:
        """The model's answer about the screen; nothing is performed."""
        from actions.errors import ModelOutputError
        from actions.models import Done

        planner, frame, started = self._fresh_planner("ask"), self._capture(), time.monotonic()
        task = f"Answer this question about the screen without acting, with the answer action: {question}"
        plan = planner.plan(task, frame, ())
        answer = next((a.answer for a in plan.actions if isinstance(a, Done) and a.answer), None)
        if answer is None:
            self._note(frame, f"ask({question!r})", "the model gave no answer", started, failed=True)
            raise ModelOutputError(f"ask: the model did not answer ({plan.raw or 'no text'})", raw=plan.raw)
        self._note(frame, f"ask({question!r})", answer, started)
        return answer

    def do(self, task: str, max_steps: int = 20, max_seconds: float = 600.0) -> str | None:
        """A sub-task for the agent loop and the model; returns the model's answer, if it gave one."""
        from agent.cli.checks import check_secrets

        check_secrets([task], "do()")
        result = run_planner(self._parts(), self._fresh_planner("do"), task, max_steps, max_seconds)
        return result.answer

    def _fresh_planner(self, what: str) -> Any:
        if self._model is None:
            raise UserInputError(f"{what}() needs a model: Desktop(model=...) or Desktop(base_url=..., model=...)")
        from planners.qwen.planner import QwenPlanner

        model = self._model
        return QwenPlanner(model.backend, family=model.family, preset=model.preset.name)

    # -- records -------------------------------------------------------------------------------------------
    def _capture(self) -> Frame:
        return self._parts().screen.capture()

    def _note(self, frame: Frame, what: str, note: str, started: float, failed: bool = False) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000.0
        self._parts().run.note(frame, what, note, failed=failed, elapsed_ms=elapsed_ms)


def _where(
    text: Where | None, image: str | None = None, description: str | None = None,
    offset: tuple[int, int] | None = None, window: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """``{"x", "y"}`` or ``{"target": {...}}`` from what a script passed."""
    if isinstance(text, tuple) and image is None and description is None:
        return {"x": text[0], "y": text[1]}
    if isinstance(text, Target):
        return {"target": text.model_dump()}
    if isinstance(text, dict):
        return {"target": text}
    target: dict[str, Any] = {"text": text, "image": image, "description": description, "offset": offset,
                              "window": window}  # fmt: skip
    return {"target": {k: v for k, v in target.items() if v is not None}}


def _describe(data: dict[str, Any]) -> str:
    target = data.get("target")
    shown = Target.model_validate(target).describe() if isinstance(target, dict) else ""
    if data["kind"] == "type":
        return f"type({data['text']!r})"
    if data["kind"] == "wait":
        return f"wait({data['seconds']})"
    if data["kind"] == "key":
        return f"press({'+'.join(data['keys'])})"
    return f"{data['kind']}({shown})" if shown else data["kind"]


def _policy(spec: Any) -> Any:
    if spec is None:
        return None
    from agent.policy import Policy, PolicyFile, load_policy

    if isinstance(spec, Policy):
        return spec
    rules = spec if isinstance(spec, PolicyFile) else load_policy(spec)
    return Policy(rules)


def _build_model(model: str | None, base_url: str | None) -> Any:
    from agent.cli.model_flags import add_model_flags, build_planner

    parser = argparse.ArgumentParser()
    add_model_flags(parser)
    argv = [*(["--model", model] if model else []), *(["--base-url", base_url] if base_url else [])]
    return build_planner(parser.parse_args(argv))



