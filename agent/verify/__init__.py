"""Judging a step: one judge per expectation kind, behind one registry.

``judge(expectation, ctx)`` is the only way a step is judged, for every planner (a model, a plan, a
replay's checks, a script's call): the judge of the expectation's kind looks where the action acted
(``agent.verify.place``) and returns the verdict with its evidence. Adding an expectation kind is
one model in ``actions.expectations`` and one function here decorated with ``@judges(Model)``.

    change.py   "change" (its place, a radius, a region) and "none"
    text.py     {"text"} and {"no_text"}, scoped to a place, read by OCR
    window.py   {"window"} and {"no_window"}, read from the window list
    element.py  {"value"}, {"state"} and {"no_state"}, asked of the app's accessibility tree
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from actions.expectations import EXPECTATION_KINDS, Expectation
from agent.verify.context import Judgement, StepContext, VerifyTools

E = TypeVar("E")
Judge = Callable[[E, StepContext], Judgement]
_JUDGES: dict[type, Callable[..., Judgement]] = {}


def judges(kind: type[E]) -> Callable[[Judge[E]], Judge[E]]:
    """Register the one judge of an expectation kind."""

    def register(fn: Judge[E]) -> Judge[E]:
        if kind in _JUDGES:
            raise RuntimeError(f"{kind.__name__} has two judges")
        _JUDGES[kind] = fn
        return fn

    return register


def judge(expectation: Expectation, ctx: StepContext) -> Judgement:
    return _JUDGES[type(expectation)](expectation, ctx)


def unjudged_kinds() -> list[str]:
    """Expectation kinds without a judge (a test keeps this empty)."""
    return [key for key, kind in EXPECTATION_KINDS.items() if kind not in _JUDGES]


from agent.verify import change, element, text, window  # noqa: E402,F401 - each registers its judges

__all__ = ["Judgement", "StepContext", "VerifyTools", "judge", "judges", "unjudged_kinds"]
