"""The action JSON (the README's "Running plans" contract) as frozen pydantic models.

The same models are used by scripted plans, scenarios, model planners and run records, so a
plan that validates here is a plan every executor can perform. Coordinates are screen points
(the space pyautogui uses: the virtual screen, origin at the primary monitor's top-left).
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from actions.keys import normalize_key
from actions.targets import OptionalCoord, OptionalTarget, PointOrTarget
from actions.text_match import TextPattern

# Far beyond any real virtual screen, near enough to catch a garbage coordinate early.
_COORD_LIMIT = 100_000
Coord = Annotated[int, Field(ge=-_COORD_LIMIT, le=_COORD_LIMIT, strict=False)]
Button = Literal["left", "right", "middle"]


# -- expectations: what an action's effect looks like ----------------------------------------------
class _Expect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    timeout_s: float = Field(default=5.0, gt=0, le=600, description="how long to wait for it to hold")

    @model_serializer(mode="wrap")
    def _timeout_last(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        for last in ("exact", "timeout_s"):  # {"text": "Saved", "exact": true, "timeout_s": 5}, as people write it
            if isinstance(data, dict) and last in data:
                data[last] = data.pop(last)
        return data

    def describe(self) -> str:
        dumped = self.model_dump()
        kind, value = next((k, v) for k, v in dumped.items() if k not in ("timeout_s", "exact"))
        return f"{kind} {value!r}{' (exact)' if dumped.get('exact') else ''} within {self.timeout_s:g} s"


def _is_false(value: Any) -> bool:
    return value is False


class _ExpectReading(_Expect):
    """A text expectation: matched by the one rule of ``actions.text_match`` (``exact``: the whole line)."""

    exact: bool = Field(False, description="the whole line, case kept (default: a case-insensitive part of a line)",
                        exclude_if=_is_false)  # fmt: skip

    @model_validator(mode="after")
    def _parses(self) -> _ExpectReading:
        TextPattern.parse(str(getattr(self, "text", None) or getattr(self, "no_text", "")), exact=self.exact)
        return self


class ExpectText(_ExpectReading):
    text: str = Field(min_length=1, description="OCR finds this text on the screen")


class ExpectNoText(_ExpectReading):
    no_text: str = Field(min_length=1, description="OCR no longer finds this text on the screen")


class _ExpectPattern(_Expect):
    @model_validator(mode="after")
    def _compiles(self) -> _ExpectPattern:
        pattern = str(getattr(self, "window", None) or getattr(self, "no_window", ""))
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return self


class ExpectWindow(_ExpectPattern):
    window: str = Field(min_length=1, description="regular expression the active window's title matches")


class ExpectNoWindow(_ExpectPattern):
    no_window: str = Field(min_length=1, description="regular expression no window's title matches any more")


ExpectSpec = Union[ExpectText, ExpectNoText, ExpectWindow, ExpectNoWindow]  # noqa: UP007
Expectation = Union[Literal["change", "none"], ExpectText, ExpectNoText, ExpectWindow, ExpectNoWindow]  # noqa: UP007
_EXPECT_KINDS: dict[str, type[_Expect]] = {
    "text": ExpectText, "no_text": ExpectNoText, "window": ExpectWindow, "no_window": ExpectNoWindow,
}  # fmt: skip


def parse_expect(value: Any) -> Any:
    """``expect`` as written (a word or an object) to its model; a ValueError says what is wrong in one line."""
    if value is None or isinstance(value, _Expect) or value in ("change", "none"):
        return value
    if isinstance(value, str):
        raise ValueError('must be "change", "none" or an object such as {"text": ...}')
    if not isinstance(value, dict):
        raise ValueError('must be "change", "none" or an object such as {"text": ...}')
    known = dict.fromkeys([*_EXPECT_KINDS, *(name for model in _EXPECT_KINDS.values() for name in model.model_fields)])
    if unknown := [key for key in value if key not in known]:
        close = difflib.get_close_matches(str(unknown[0]), list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (an expect object takes {', '.join(known)})"
        raise ValueError(f"unknown key {unknown[0]!r}{hint}")
    kinds = [key for key in _EXPECT_KINDS if key in value]
    if len(kinds) != 1:
        named = f"it has {' and '.join(kinds)}" if kinds else "it has none"
        raise ValueError(f"an expect object needs exactly one of text, no_text, window, no_window ({named})")
    if stray := [key for key in value if key not in _EXPECT_KINDS[kinds[0]].model_fields]:
        raise ValueError(f"{stray[0]!r} does not apply to a {kinds[0]!r} expectation")
    try:
        return _EXPECT_KINDS[kinds[0]].model_validate(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"]) or kinds[0]
        raise ValueError(f"{where}: {err['msg'].removeprefix('Value error, ')}") from None


# The optional ``expect`` of an action and of a scenario step: one definition, so the two cannot drift.
ExpectField = Annotated[
    Optional[Expectation],  # noqa: UP045 - pydantic evaluates this at runtime on Python 3.10 too
    BeforeValidator(parse_expect),
    Field(
        description='what the effect looks like: "change" (default for click, drag, scroll, key, type), "none" '
        '(not visible: never waited for, never judged no_change), or {"text"|"no_text"|"window"|"no_window": ..., '
        '"timeout_s": 5}',
    ),
]


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    expect: ExpectField = None

    @model_serializer(mode="wrap")
    def _without_default_expect(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if isinstance(data, dict) and "expect" in data:
            expect = data.pop("expect")  # last, and left out when not given: no "expect": null everywhere
            if expect is not None:
                data["expect"] = expect
        return data

    @property
    def expectation(self) -> str | ExpectSpec:
        """The expectation in force: the one given, else "change" for actions that should show one."""
        if self.expect is not None:
            return self.expect
        return "change" if self.kind in CHANGES_SCREEN else "none"  # type: ignore[attr-defined]

    @property
    def point(self) -> tuple[int, int] | None:
        """The screen point this action acts on, if it has one (for reports and policies)."""
        x, y = getattr(self, "x", None), getattr(self, "y", None)
        return None if x is None or y is None else (x, y)

    def describe(self) -> str:
        fields = self.model_dump(exclude={"kind"})
        args = ", ".join(f"{k}={v!r}" for k, v in fields.items())
        return f"{self.kind}({args})"  # type: ignore[attr-defined]


class Click(_Action, PointOrTarget):
    kind: Literal["click"] = "click"
    target: OptionalTarget = None  # instead of x, y: found at run time (actions.targets)
    x: OptionalCoord = None
    y: OptionalCoord = None
    button: Button = "left"
    count: Literal[1, 2, 3] = 1


class Move(_Action, PointOrTarget):
    kind: Literal["move"] = "move"
    target: OptionalTarget = None  # instead of x, y: found at run time (actions.targets)
    x: OptionalCoord = None
    y: OptionalCoord = None


class Drag(_Action, PointOrTarget):
    kind: Literal["drag"] = "drag"
    target: OptionalTarget = None  # instead of x, y: found at run time (actions.targets)
    to_target: OptionalTarget = None  # instead of to_x, to_y
    x: OptionalCoord = None
    y: OptionalCoord = None
    to_x: OptionalCoord = None
    to_y: OptionalCoord = None
    button: Button = "left"


class Scroll(_Action, PointOrTarget):
    kind: Literal["scroll"] = "scroll"
    target: OptionalTarget = None  # instead of x, y: found at run time (actions.targets)
    x: OptionalCoord = None
    y: OptionalCoord = None
    dy: int = Field(default=0, ge=-100, le=100, description="wheel clicks; > 0 scrolls up")
    dx: int = Field(default=0, ge=-100, le=100, description="wheel clicks; > 0 scrolls right")

    @model_validator(mode="after")
    def _some_motion(self) -> Scroll:
        if self.dx == 0 and self.dy == 0:
            raise ValueError("scroll needs a non-zero dy or dx")
        return self


class Type(_Action):
    kind: Literal["type"] = "type"
    text: str = Field(min_length=1, max_length=100_000)


class Key(_Action):
    kind: Literal["key"] = "key"
    keys: tuple[str, ...] = Field(min_length=1, max_length=6)

    @field_validator("keys", mode="before")
    @classmethod
    def _normalize(cls, value: Any) -> Any:
        if isinstance(value, str):  # "ctrl+s" is what people write; accept it
            value = value.split("+") if len(value) > 1 else [value]
        if not isinstance(value, (list, tuple)):
            return value
        return tuple(normalize_key(k) for k in value)


class Wait(_Action):
    kind: Literal["wait"] = "wait"
    seconds: float = Field(gt=0, le=3600)


class Done(_Action):
    kind: Literal["done"] = "done"
    success: bool = True
    answer: str | None = None


Action = Annotated[
    Union[Click, Move, Drag, Scroll, Type, Key, Wait, Done],  # noqa: UP007 - pydantic needs Union here
    Field(discriminator="kind"),
]
ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)
_PLAN_ADAPTER: TypeAdapter[list[Action]] = TypeAdapter(list[Action])

# Actions whose default expectation is a visible change (``"expect": "change"``); others default to "none".
CHANGES_SCREEN: frozenset[str] = frozenset({"click", "drag", "scroll", "type", "key"})


def first_error(exc: ValidationError, prefix: str = "") -> str:
    """One line naming the place and the problem, from pydantic's first error."""
    err = exc.errors()[0]
    loc = _place(err["loc"])  # "click.y": the action kind, then the field
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) or got is None or not loc else f" (got {got!r})"
    where = f"{prefix}{loc}" if loc else prefix.rstrip(". ")
    return f"{where}: {msg}{shown}" if where else f"{msg}{shown}"


def _place(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as people count: ``steps.0.action.kind`` is "step 1: action.kind" (steps are
    numbered from 1 everywhere, in plan errors and run errors alike)."""
    groups: list[list[str]] = [[]]  # dotted paths, joined by ": " after each step number
    for part in loc:
        if isinstance(part, int) and groups[-1] and groups[-1][-1] in ("steps", "actions"):
            groups[-1][-1] = f"step {part + 1}"
            groups.append([])
        else:
            groups[-1].append(str(part))
    return ": ".join(".".join(group) for group in groups if group)


def parse_action(data: Any) -> Action:
    """Validate one action from decoded JSON; raises ValueError with a one-line message."""
    try:
        return ACTION_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise ValueError(first_error(exc)) from None


def parse_plan(data: Any, source: str = "plan") -> list[Action]:
    """Validate a list of actions; the error names the source, the step (from 1) and the field."""
    from actions.errors import PlanError

    if not isinstance(data, list):
        raise PlanError(f"{source}: expected a JSON list of actions, got {type(data).__name__}")
    if not data:
        raise PlanError(f"{source}: the plan is empty")
    actions: list[Action] = []
    for index, item in enumerate(data):
        try:
            actions.append(ACTION_ADAPTER.validate_python(item))
        except ValidationError as exc:
            raise PlanError(f"{source}: step {index + 1}: {first_error(exc)}") from None
    return actions


def translate(action: Action, dx: int, dy: int) -> Action:
    """The same action moved by (dx, dy) points: monitor-relative answers to screen points."""
    if dx == 0 and dy == 0:
        return action
    update: dict[str, int] = {}
    for x_field, y_field in (("x", "y"), ("to_x", "to_y")):
        if getattr(action, x_field, None) is not None:
            update[x_field] = getattr(action, x_field) + dx
            update[y_field] = getattr(action, y_field) + dy
    return ACTION_ADAPTER.validate_python({**action.model_dump(), **update}) if update else action
