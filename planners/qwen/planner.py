"""The Qwen-VL planner: screenshot and history in, validated actions out, through any ChatBackend.

One planning step: resize the frame to the preset's pixel budget, build the computer-use prompt,
ask the backend, parse the answer into actions in screen points (the monitor's offset added). An
answer that cannot be parsed raises ModelOutputError carrying the raw text; the loop records it,
tells the model why on the next turn, and asks again, a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actions.a11y.bus import A11yUnavailable
from actions.coords import ScreenPoint
from actions.errors import ModelOutputError
from actions.frame import Frame
from actions.models import Action, Done, translate
from planners.base import Plan, StepFeedback
from planners.grounding.tree import TreeSource
from planners.qwen.family import DEFAULT_PRESET, get_family, get_preset, resize_for_model
from planners.qwen.messages import ChatBackend, Completion
from planners.qwen.observe import DEFAULT_BUDGET, DEFAULT_OBSERVE, ElementBudget, check_observe, element_list
from planners.qwen.parse import parse_answer, parse_point, split_thinking
from planners.qwen.prompt import TERSE_PRESETS, HistoryItem, build_grounding_messages, build_messages

# Answer length limits. An answer is one or two tool calls (about 30-40 tokens each with Qwen's
# tokenizer) plus, outside the terse presets, an ``Action:`` line; a long ``type`` text or a
# ``<think>`` block needs more. Generation stops at the end of the call anyway
# (planners.qwen.answer_stop): the limit only bounds a model that never closes it.
MAX_NEW_TOKENS = 512
MAX_NEW_TOKENS_TERSE = 256
GROUNDING_MAX_NEW_TOKENS = 64  # one left_click call


@dataclass
class _Turn:
    """One call to the model, as the planner remembers it for later prompts."""

    answer: str  # the raw answer
    image: Any  # the screenshot the model decided on (resized)
    actions: int  # how many actions the loop will report back for it (1 for a refused answer)


class QwenPlanner:
    """``plan(task, frame, history)`` for Qwen3-VL (``family="qwen3"``) and Qwen2/2.5-VL (``"qwen2"``).

    ``family`` defaults to the backend's (``backend.family``). The backend's start-up ``check()``
    is its builder's to call, once, before the loop (``planners.qwen.build.build_planner``).

    ``keep_screenshots`` bounds the images per prompt (the current one included); older steps are
    sent as text with the verifier's verdict. ``max_history`` bounds how many steps are sent at all.
    ``max_new_tokens`` defaults to ``MAX_NEW_TOKENS``, ``MAX_NEW_TOKENS_TERSE`` at the terse (CPU)
    presets, which also ask for the tool call without prose.

    ``observe="screenshot+tree"`` adds the active window's interactive elements to each prompt, read from
    ``trees`` (``planners.qwen.observe``); ``"screenshot"`` (the default) sends the screenshot alone.
    """

    def __init__(
        self,
        backend: ChatBackend,
        *,
        family: str | None = None,
        preset: str = DEFAULT_PRESET,
        keep_screenshots: int = 1,
        max_history: int = 16,
        max_new_tokens: int | None = None,
        observe: str = DEFAULT_OBSERVE,
        trees: TreeSource | None = None,
        element_budget: ElementBudget = DEFAULT_BUDGET,
    ) -> None:
        self.backend = backend
        self.family = get_family(family if family is not None else backend.family).name
        self.preset = get_preset(preset)
        if keep_screenshots < 1:
            raise ValueError("keep_screenshots must be at least 1 (the current screenshot)")
        self.keep_screenshots = keep_screenshots
        self.max_history = max_history
        self.terse = self.preset.name in TERSE_PRESETS
        if max_new_tokens is None:
            max_new_tokens = MAX_NEW_TOKENS_TERSE if self.terse else MAX_NEW_TOKENS
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be at least 1, got {max_new_tokens}")
        self.max_new_tokens = max_new_tokens
        self.observe = check_observe(observe)
        # The active window's elements come through the planners' tree seam; without one (or with a
        # window that has no tree) the prompt is the screenshot-only prompt.
        self.trees = trees if self.observe == "screenshot+tree" else None
        self.element_budget = element_budget
        self.last_elements: str | None = None  # the element list the last prompt carried
        self._turns: list[_Turn] = []
        self._pointer: tuple[int, int] | None = None  # where our last action left the mouse, monitor points
        self.last_completion: Completion | None = None

    def plan(self, task: str, frame: Frame, history: Sequence[StepFeedback]) -> Plan:
        image = resize_for_model(frame.to_image(), self.preset, self.family)
        items = self._history_items(history)[-self.max_history :]
        messages = build_messages(
            task,
            image,
            items,
            family=self.family,
            keep_screenshots=self.keep_screenshots,
            screen_size=image.size,
            terse=self.terse,
            elements=self._elements(frame, image.size),
        )
        completion = self.backend.complete(messages, self.max_new_tokens)
        self.last_completion = completion
        profile = frame.profile
        try:
            parsed = parse_answer(
                completion.text,
                (profile.width, profile.height),
                family=self.family,
                resized=image.size,
                cursor=self._pointer,
            )
        except ModelOutputError as exc:
            self._turns.append(_Turn(completion.text, image, actions=1))
            raise ModelOutputError(str(exc), raw=completion.text) from None
        performed = [a for a in parsed.actions if not isinstance(a, Done)]
        self._turns.append(_Turn(completion.text, image, actions=max(1, len(performed))))
        self._remember_pointer(performed)
        actions = tuple(translate(a, profile.left, profile.top) for a in parsed.actions)
        thought = "\n".join(part for part in (parsed.thinking, parsed.thought) if part) or None
        return Plan(
            actions=actions,
            thought=thought,
            raw=completion.text,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
        )

    def ground(self, description: str, frame: Frame) -> ScreenPoint:
        """The screen point of a described element: one short prompt, one point."""
        image = resize_for_model(frame.to_image(), self.preset, self.family)
        messages = build_grounding_messages(description, image, self.family, screen_size=image.size)
        completion = self.backend.complete(messages, GROUNDING_MAX_NEW_TOKENS)
        self.last_completion = completion
        profile = frame.profile
        try:
            x, y = parse_point(completion.text, (profile.width, profile.height), self.family, image.size)
        except ModelOutputError as exc:
            raise ModelOutputError(str(exc), raw=completion.text) from None
        return ScreenPoint(profile.left + x, profile.top + y)

    def _elements(self, frame: Frame, resized: tuple[int, int]) -> str | None:
        """The element list for this screen, or None (screenshot only, no bus, a window with no tree)."""
        self.last_elements = None
        if self.trees is None:
            return None
        try:
            snapshot = self.trees.snapshot(frame)
        except A11yUnavailable:
            return None
        self.last_elements = element_list(snapshot, frame.profile, self.family, resized, self.element_budget)
        return self.last_elements

    def _remember_pointer(self, actions: Sequence[Action]) -> None:
        for action in actions:
            end = getattr(action, "to_x", None), getattr(action, "to_y", None)
            if end[0] is not None and end[1] is not None:
                self._pointer = (int(end[0]), int(end[1]))
            elif action.point is not None:
                self._pointer = action.point

    def _history_items(self, history: Sequence[StepFeedback]) -> list[HistoryItem]:
        """Our turns matched to the loop's step feedback, in order: one item per model turn.

        A turn with several actions gets as many feedback entries; its item carries the last
        verdict and every note. Steps we did not plan (none, today) are shown by their action.
        """
        items: list[HistoryItem] = []
        position = 0
        for turn in self._turns:
            feedback = list(history[position : position + turn.actions])
            position += turn.actions
            if not feedback:
                break  # the loop ended the turn early (budget); nothing more to report
            notes = "; ".join(f.note for f in feedback if f.note)
            answer = split_thinking(turn.answer)[1].strip()  # the reasoning stays in the run record only
            items.append(HistoryItem(answer, feedback[-1].verdict, notes, turn.image))
        for extra in history[position:]:
            described = extra.action.describe() if extra.action else "(no action)"
            items.append(HistoryItem(described, extra.verdict, extra.note))
        return items
