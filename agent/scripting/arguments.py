"""What a script passes to ``Desktop``, checked and turned into the models the loop takes.

Every function here refuses a bad argument with a ``UserInputError`` naming it, before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union

from actions.errors import UserInputError
from actions.expectations import Expectation
from actions.targets import Target
from actions.text_match import TextPattern
from agent.scripting import reading

if TYPE_CHECKING:
    from agent.policy import Policy, PolicyFile
    from planners.grounding.ocr import OcrGrounder
    from planners.qwen.build import ModelSpec

Where = Union[str, Target, dict[str, Any], tuple[int, int]]  # noqa: UP007 - a runtime alias on Python 3.10
# What ``expect=`` takes: an expectation model, its word, or its JSON object (as in a plan).
Expect = Union[Expectation, Literal["change", "none"], dict[str, Any], None]  # noqa: UP007
PolicySpec = Union[str, Path, "PolicyFile", "Policy", None]  # noqa: UP007


def where_of(
    text: Where | None,
    image: str | None = None,
    description: str | None = None,
    offset: tuple[int, int] | None = None,
    window: str | None = None,
    role: str | None = None,
    name: str | None = None,
    index: int | None = None,
) -> dict[str, Any]:
    """``{"x", "y"}`` or ``{"target": {...}}`` from what a script passed (``role``/``name``/``index``: an
    element of the accessibility tree, ``click(role="button", name="OK")``)."""
    if isinstance(text, tuple) and image is None and description is None and role is None:
        return {"x": text[0], "y": text[1]}
    if isinstance(text, Target):
        return {"target": text.model_dump()}
    if isinstance(text, dict):
        return {"target": text}
    target: dict[str, Any] = {
        "text": text,
        "image": image,
        "description": description,
        "role": role,
        "name": name,
        "index": index,
        "offset": offset,
        "window": window,
    }
    return {"target": {k: v for k, v in target.items() if v is not None}}


def target_of(text: Where | None, role: str | None, name: str | None, window: str | None, index: int | None) -> Target:
    """The element a tree call (``value``, ``state``) is about: a text, a ``Target`` or its dict, or
    ``role=``/``name=``; a bad one is a UserInputError naming it."""
    from pydantic import ValidationError

    from actions.expectations import ExpectState

    if isinstance(text, tuple):
        raise UserInputError("a point has no element to ask about: give a text, or role= and name=")
    if text is None and role is None:
        raise UserInputError('say which element: a text such as "Remember me", or role= (and name=)')
    if text is not None and (role is not None or name is not None or index is not None):
        raise UserInputError("give a text or role=/name=/index=, not both")
    given = where_of(text, window=window, role=role, name=name, index=index)["target"]
    target = given.model_dump() if isinstance(given, Target) else given
    try:  # the rules of an expectation's target: a text or a role, no offset
        return ExpectState(state="visible", target=target).target
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"] if part != "target")
        raise UserInputError(f"{where + ': ' if where else ''}{err['msg'].removeprefix('Value error, ')}") from None


def describe_call(data: dict[str, Any]) -> str:
    target = data.get("target")
    shown = Target.model_validate(target).describe() if isinstance(target, dict) else ""
    if data["kind"] == "type":
        return f"type({data['text']!r})"
    if data["kind"] == "wait":
        return f"wait({data['seconds']})"
    if data["kind"] == "key":
        return f"press({'+'.join(data['keys'])})"
    return f"{data['kind']}({shown})" if shown else data["kind"]


def scope_of(region: tuple[int, int, int, int] | None, near: Where | None, in_window: str | None) -> reading.Scope:
    """A look's scope from a script's arguments; a bad one is a UserInputError naming it."""
    from pydantic import ValidationError

    from actions.targets import parse_target

    given = [name for name, value in (("region", region), ("near", near), ("in_window", in_window)) if value]
    if len(given) > 1:
        raise UserInputError(f"give at most one of region, near, in_window (got {' and '.join(given)})")
    target = None
    if near is not None:
        try:
            target = near if isinstance(near, Target) else Target.model_validate(parse_target(near))
        except ValidationError as exc:
            raise UserInputError(f"near: {exc.errors()[0]['msg']}") from None
    return reading.Scope(region=region, near=target, in_window=in_window)


def paste_keys_of(chord: str | None) -> tuple[str, ...] | None:
    if chord is None:
        return None
    from actions.x11.paste_keys import parse_paste_key

    return parse_paste_key(chord, "paste_key")


def policy_of(spec: PolicySpec) -> Policy | None:
    if spec is None:
        return None
    from agent.policy import Policy, PolicyFile, load_policy

    if isinstance(spec, Policy):
        return spec
    rules = spec if isinstance(spec, PolicyFile) else load_policy(spec)
    return Policy(rules)


def model_spec_of(model: str | ModelSpec | None, base_url: str | None) -> ModelSpec | None:
    """The model settings a script gave: a name (and a server), or a whole ``ModelSpec``."""
    if model is None and base_url is None:
        return None
    from pydantic import ValidationError

    from planners.qwen.build import ModelSpec

    if isinstance(model, ModelSpec):
        return model if base_url is None else model.model_copy(update={"base_url": base_url})
    if not model:
        raise UserInputError("Desktop(base_url=...) needs model=NAME: the served model's name")
    try:
        return ModelSpec(model=model, base_url=base_url)
    except ValidationError as exc:
        raise UserInputError(f"Desktop(model=...): {exc.errors()[0]['msg']}") from None


def pattern_of(text: str, exact: bool) -> TextPattern:
    """The text rule for a script's text; an empty text or a bad ``/regex/`` is a UserInputError."""
    try:
        return TextPattern.parse(text, exact=exact)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None


def ocr_reader_of(engine: str | None, lang: str | None) -> OcrGrounder | None:
    """This script's own OCR reader (None: the default engine): checked now, so a missing package or
    language is refused before anything runs; never the process-wide default a command line sets."""
    if engine is None and lang is None:
        return None
    from planners.grounding.ocr import OcrGrounder
    from planners.grounding.ocr_engine import make_engine

    made = make_engine(engine, lang)
    getattr(made, "check", lambda: None)()
    return OcrGrounder(engine=made)
