"""``Desktop``: the Python scripting API. Say what to click, not where; every call is a step of one run.

    from deskpilot import Desktop, TargetNotFound, ExpectationFailed

    with Desktop(out="runs/invoice", cache="invoice.cache") as desk:
        desk.click("Apply Changes")                     # text on the screen (OCR), learned in the cache
        desk.click("Customer name", offset=(180, 0))    # a point relative to a text
        desk.click(image="submit.png")                  # a picture
        desk.click(role="checkbox", name="Remember me",  # an element of the app's accessibility tree
                   expect={"state": "checked", "target": "Remember me"})
        desk.value("City"); desk.state("Remember me")   # what the app says the element holds, its states
        desk.type("Grüße ✓"); desk.press("ctrl", "s", expect="none")
        desk.wait_for("Saved", timeout_s=10)            # or ExpectationFailed
        total = desk.read_text(near="Total")

Each call runs the loop's own machinery (agent.single_step: plan, act, settle, verify, record) into
one run directory (steps.jsonl, frames, summary.json, report.html at exit), under the same policy,
stop hotkey, signals and secrets as ``deskpilot run``. Errors are typed: ``TargetNotFound`` (with
every rung's reason), ``TargetAmbiguous``, ``ExpectationFailed``, ``PolicyError``, ``StopRequested``.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from actions.errors import UserInputError
from actions.frame import Frame
from actions.hotkeys import DEFAULT_HOTKEYS
from actions.models import Action, parse_action
from agent.scripting.arguments import (
    Expect,
    PolicySpec,
    Where,
    describe_call,
    model_spec_of,
    ocr_reader_of,
    paste_keys_of,
    policy_of,
    where_of,
)
from agent.scripting.inspecting import Inspecting
from agent.scripting.looking import Looking
from agent.single_step import SharedRun, StepParts, run_planner, run_single_action, script_end

if TYPE_CHECKING:
    from agent.session import DesktopSession
    from planners.grounding.ocr import OcrGrounder
    from planners.qwen.build import ModelSpec
    from planners.qwen.planner import QwenPlanner
    from planners.targeting import TargetResolver


class Desktop(Looking, Inspecting):
    """``with Desktop(out=..., model=..., base_url=..., monitor=0, policy=..., cache=...) as desk:``

    Every argument is a keyword. ``model``: a model id or directory (with ``base_url``: the served
    model's name), or a ``planners.qwen.build.ModelSpec`` for every model setting. A click whose effect
    is not visible (into a field that has the focus) ends the script with ``ExpectationFailed``, as a
    plan's does: say ``expect="none"`` on it (or ``on_no_change="continue"``). ``cache``: a folder where
    found targets are learned (None: nothing is learned); ``learn=False`` reads it only;
    ``strict_cache=True`` fails a target the cache does not confirm. ``images``: the folder ``image=``
    paths are relative to (default: the working directory). ``policy``: a policy file, a
    ``PolicyFile`` or a ``Policy``. ``stop_hotkey=None`` turns the stop hotkey off. ``paste_key``: the
    chord that pastes text, for every window (default: each window's own, by its class, e.g.
    shift+Insert for xterm). ``ocr``/``ocr_lang``: the OCR engine ("hybrid", "tesseract", "rapidocr") and
    its languages, as ``--ocr``/``--ocr-lang``. After ``close()``
    (or the end of the ``with`` block) every call raises ``UserInputError``.
    """

    def __init__(
        self,
        *,
        out: str | Path | None = None,
        model: str | ModelSpec | None = None,
        base_url: str | None = None,
        monitor: int = 0,
        policy: PolicySpec = None,
        cache: str | Path | None = None,
        learn: bool = True,
        strict_cache: bool = False,
        images: str | Path | None = None,
        stop_hotkey: str | None = DEFAULT_HOTKEYS["stop"],
        name: str = "script",
        on_no_change: Literal["stop", "continue"] = "stop",
        paste_key: str | None = None,
        ocr: str | None = None,
        ocr_lang: str | None = None,
    ) -> None:
        self.out, self.base_url, self.monitor = out, base_url, monitor
        self.paste_key, self.ocr, self.ocr_lang = paste_key, ocr, ocr_lang
        self.cache_dir, self.learn, self.strict_cache = cache, learn, strict_cache
        self.images, self.stop_hotkey, self.name = Path(images or Path.cwd()), stop_hotkey, name
        self._model_spec, self._policy_spec, self.on_no_change = model, policy, on_no_change
        self._model: QwenPlanner | None = None
        self._session: DesktopSession | None = None
        self.parts: StepParts | None = None
        self._closed = False
        self._reader: OcrGrounder | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> Desktop:
        from agent.preflight import require_display
        from agent.run_dir import RunInfo, new_run_dir
        from agent.run_setup import RunOutput
        from agent.session import DesktopSession
        from agent.stop import stop_hotkey_from_flag

        if self._closed:
            raise UserInputError("this Desktop is closed; make a new one for another run")
        hotkey = stop_hotkey_from_flag(self.stop_hotkey)  # a bad combo is refused before anything starts
        paste_keys = paste_keys_of(self.paste_key)
        reader = ocr_reader_of(self.ocr, self.ocr_lang)  # before anything starts: a bad engine is refused
        guard = policy_of(self._policy_spec)
        require_display()
        spec = model_spec_of(self._model_spec, self.base_url)
        if spec is not None:
            from agent.targeting import observed_trees
            from planners.qwen.build import build_planner

            self._model = build_planner(spec, trees=observed_trees(spec.observe))
        session = DesktopSession(hotkey, monitor=self.monitor, quiet=True, paste_keys=paste_keys).__enter__()
        self._session = session
        try:
            output = RunOutput(Path(self.out) if self.out is not None else new_run_dir(), directory=SharedRun)
            self._reader = reader
            self.parts = StepParts(
                session.executor,
                session.screen,
                output,
                self._resolver(),
                session.stop,
                guard=guard,
                windows=session.windows,
                on_no_change=self.on_no_change,
            )
            self.parts.run.start(
                RunInfo(
                    task=self.name,
                    planner="Desktop",
                    profile=session.screen.profile,
                    started_s=self.parts.run.started_s,
                )
            )
        except BaseException:
            session.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._end(exc, exc_type, tb)

    def close(self) -> None:
        """End the run: summary.json and report.html are written; the Desktop can no longer be used."""
        self._end(None, None, None)

    def _end(self, exc: BaseException | None, exc_type: type[BaseException] | None, tb: TracebackType | None) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.parts is not None:
                self.parts.run.finish(script_end(exc))
                self.parts.output.report()
        finally:
            if self._session is not None:
                self._session.__exit__(exc_type, exc, tb)
            self._session = None

    @property
    def run_dir(self) -> Path:
        return self._parts().run.run_dir

    def _parts(self) -> StepParts:
        if self._closed:
            raise UserInputError("this Desktop is closed (its with block ended, or close() was called)")
        if self.parts is None:
            raise UserInputError("use Desktop in a with block: `with Desktop(...) as desk:`")
        return self.parts

    def _resolver(self) -> TargetResolver:
        from agent.targeting import X11Windows, desktop_trees, wait_enabled_s
        from planners.target_cache import TargetCache
        from planners.targeting import TargetResolver

        cache = TargetCache(self.cache_dir, learn=self.learn) if self.cache_dir is not None else None
        return TargetResolver(
            ocr=self._reader,
            cache=cache,
            model=self._model,
            base_dir=self.images,
            windows=X11Windows(),
            strict_cache=self.strict_cache,
            tree=desktop_trees(),
            wait_enabled_s=wait_enabled_s(),
        )

    @property
    def calls(self) -> dict[str, int]:
        """Grounder calls so far, per rung ("anchor", "template", "ocr", "vlm")."""
        return dict(self._parts().resolver.calls)

    # -- pointer ---------------------------------------------------------------------------------------
    def click(
        self,
        text: Where | None = None,
        *,
        image: str | None = None,
        description: str | None = None,
        role: str | None = None,
        name: str | None = None,
        index: int | None = None,
        offset: tuple[int, int] | None = None,
        window: str | None = None,
        button: Literal["left", "right", "middle"] = "left",
        count: Literal[1, 2, 3] = 1,
        expect: Expect = None,
    ) -> None:
        """``role``/``name``/``index``: an element of the accessibility tree, ``click(role="button", name="OK")``."""
        where = where_of(text, image, description, offset, window, role, name, index)
        self._act({"kind": "click", **where, "button": button, "count": count}, expect)

    def double_click(
        self,
        text: Where | None = None,
        *,
        image: str | None = None,
        description: str | None = None,
        role: str | None = None,
        name: str | None = None,
        index: int | None = None,
        offset: tuple[int, int] | None = None,
        window: str | None = None,
        expect: Expect = None,
    ) -> None:
        where = where_of(text, image, description, offset, window, role, name, index)
        self._act({"kind": "click", **where, "count": 2}, expect)

    def right_click(
        self,
        text: Where | None = None,
        *,
        image: str | None = None,
        description: str | None = None,
        role: str | None = None,
        name: str | None = None,
        index: int | None = None,
        offset: tuple[int, int] | None = None,
        window: str | None = None,
        expect: Expect = None,
    ) -> None:
        where = where_of(text, image, description, offset, window, role, name, index)
        self._act({"kind": "click", **where, "button": "right"}, expect)

    def move(
        self,
        text: Where | None = None,
        *,
        image: str | None = None,
        description: str | None = None,
        offset: tuple[int, int] | None = None,
        window: str | None = None,
        expect: Expect = "none",
    ) -> None:
        self._act({"kind": "move", **where_of(text, image, description, offset, window)}, expect)

    def drag(
        self,
        source: Where,
        destination: Where,
        *,
        button: Literal["left", "right", "middle"] = "left",
        expect: Expect = None,
    ) -> None:
        start, end = where_of(source), where_of(destination)
        end = {("to_" + k): v for k, v in end.items()}
        self._act({"kind": "drag", **start, **end, "button": button}, expect)

    def scroll(self, target: Where, dy: int = 0, dx: int = 0, *, expect: Expect = None) -> None:
        self._act({"kind": "scroll", **where_of(target), "dy": dy, "dx": dx}, expect)

    # -- keyboard ----------------------------------------------------------------------------------------
    def type(self, text: str, *, expect: Expect = None) -> None:
        """Type into the focused field; ``{{secret:NAME}}`` is typed as $NAME and recorded as written."""
        from agent.preflight import check_secrets

        check_secrets([text], "type()")
        self._act({"kind": "type", "text": text}, expect)

    def press(self, *keys: str, expect: Expect = None) -> None:
        """One chord, pressed together: ``press("ctrl", "s")``, ``press("enter")``."""
        self._act({"kind": "key", "keys": list(keys)}, expect)

    def wait(self, seconds: float, *, expect: Expect = "none") -> None:
        """A fixed pause, as a step (prefer ``wait_for``: it waits for the screen, not the clock)."""
        self._act({"kind": "wait", "seconds": seconds}, expect)

    def _act(self, data: dict[str, Any], expect: Expect) -> None:
        parts = self._parts()
        if expect is not None:
            data["expect"] = expect
        try:
            action: Action = parse_action(data)
        except ValueError as exc:
            raise UserInputError(str(exc)) from None
        run_single_action(parts, action, describe_call(data))

    # -- the model -------------------------------------------------------------------------------------------
    def ask(self, question: str) -> str:
        """The model's answer about the screen; nothing is performed."""
        from actions.errors import ModelOutputError
        from actions.models import Done

        planner, frame, started = self._fresh_planner("ask"), self._capture(), time.monotonic()
        task = f"Answer this question about the screen without acting, with the answer action: {question}"
        plan = planner.plan(task, self._parts().run.mask.apply(frame), ())  # the model sees no secret
        answer = next((a.answer for a in plan.actions if isinstance(a, Done) and a.answer), None)
        if answer is None:
            self._note(frame, f"ask({question!r})", "the model gave no answer", started, failed=True)
            raise ModelOutputError(f"ask: the model did not answer ({plan.raw or 'no text'})", raw=plan.raw)
        self._note(frame, f"ask({question!r})", answer, started)
        return answer

    def do(self, task: str, max_steps: int = 20, max_seconds: float = 600.0) -> str | None:
        """A sub-task for the agent loop and the model; returns the model's answer, if it gave one."""
        from agent.preflight import check_secrets

        check_secrets([task], "do()")
        result = run_planner(self._parts(), self._fresh_planner("do"), task, max_steps, max_seconds)
        return result.answer

    def _fresh_planner(self, what: str) -> QwenPlanner:
        if self._model is None:
            raise UserInputError(f"{what}() needs a model: Desktop(model=...) or Desktop(base_url=..., model=...)")
        from planners.qwen.planner import QwenPlanner

        model = self._model
        return QwenPlanner(
            model.backend, family=model.family, preset=model.preset.name, observe=model.observe, trees=model.trees
        )

    # -- records -------------------------------------------------------------------------------------------
    def _capture(self) -> Frame:
        return self._parts().screen.capture()

    def _note(self, frame: Frame, what: str, note: str, started: float, failed: bool = False) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000.0
        self._parts().run.note(frame, what, note, failed=failed, elapsed_ms=elapsed_ms)
