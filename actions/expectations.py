"""What an action's effect looks like: the ``expect`` of an action, a scenario step or a scripting call.

Every expectation is a frozen model named by one JSON key, and each key has exactly one judge on the
top floor (``agent.verify``); adding a kind is one model here plus one judge there.

    "change"                                    default for click, drag, scroll, type, key: the action
                                                changed its own place (its window, a box at the pointer)
    {"change": true, "radius": 60}              ... within 60 points of where it acted
    {"change": true, "region": [x, y, w, h]}    ... inside that box of screen points
    "none"                                      not visible: never waited for, never judged no_change
    {"text": "Saved", "timeout_s": 5}           the text appears where the action acted
    {"no_text": "Saving"}                       ... is no longer there
    {"window": "REGEX"} / {"no_window": "REGEX"}  the active window's title matches / no window's does
    {"value": "Zürich", "target": T}            what the app's accessibility tree says the element holds
    {"state": "checked", "target": T}           the element has that state: checked, enabled, focused,
                                                selected, expanded or visible
    {"no_state": "checked", "target": T}        ... does not have it

A text expectation is judged at a place: by default the action's own region (its window, windows it
opened, the box at the pointer); ``"region": [x, y, w, h]`` (screen points), ``"near": TARGET`` (around
what the target finds) or ``"in_window": REGEX`` name another. ``"exact": true`` matches whole lines.

A tree expectation (``value``, ``state``, ``no_state``) is about one element, named by ``target`` as a
pointer target is (a text, or ``{"role": ..., "name": ...}`` with ``window``/``index``), and judged by
asking the app's accessibility tree, never the pixels (``agent.verify.element``). ``value`` is exact: the
element's whole text (case kept, whitespace runs one space, the ends trimmed; ``""`` an empty field), or
its numeric value where it has no text (a slider); a ``value`` that is a number is compared as a number
(``"50"`` holds for a slider at 50.0 and a spin button showing "50.00"); ``"/regex/"`` is searched in
the text, as everywhere.
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any, ClassVar, Literal, Optional, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from actions.targets import Target, parse_target
from actions.text_match import TextPattern

ScreenBox = tuple[int, int, int, int]  # x, y, width, height in screen points


def _check_box(box: ScreenBox | None) -> None:
    if box is not None and (box[2] <= 0 or box[3] <= 0):
        raise ValueError(f"a region is [x, y, width, height] with a positive width and height (got {list(box)})")


def _check_regex(pattern: str | None) -> None:
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None


class _Expect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: ClassVar[str]  # the JSON key (or word) that names this kind

    def describe(self) -> str:
        return self.key


class _Timed(_Expect):
    timeout_s: float = Field(default=5.0, gt=0, le=600, description="how long to wait for it to hold")

    @model_serializer(mode="wrap")
    def _timeout_last(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if isinstance(data, dict) and "timeout_s" in data:
            data["timeout_s"] = data.pop("timeout_s")  # {"text": "Saved", "timeout_s": 5}, as people write it
        return data

    def describe(self) -> str:
        value = getattr(self, self.key)
        return f"{self.key} {value!r}{self._where()} within {self.timeout_s:g} s"

    def _kind_first(self, data: dict[str, Any]) -> dict[str, Any]:
        """The kind first and the timeout last: {"text": "Saved", "exact": true, "timeout_s": 5}, as people
        write it."""
        kind, timeout_s = data.pop(self.key), data.pop("timeout_s", self.timeout_s)
        return {self.key: kind, **data, "timeout_s": timeout_s}

    def _where(self) -> str:
        return ""


class ExpectChange(_Expect):
    """A visible change caused by the action, where it acted (or within ``radius`` / ``region``)."""

    key: ClassVar[str] = "change"
    change: Literal[True] = True
    radius: int | None = Field(None, ge=4, le=2000, description="half-size of the square around the point acted on")
    region: ScreenBox | None = Field(None, description="[x, y, width, height] in screen points")

    @model_validator(mode="after")
    def _one_place(self) -> ExpectChange:
        if self.radius is not None and self.region is not None:
            raise ValueError("give radius or region, not both")
        _check_box(self.region)
        return self

    @model_serializer(mode="wrap")
    def _as_word(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("radius") is None and data.get("region") is None:
            return "change"  # the plain default, written as people write it
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data

    def describe(self) -> str:
        if self.radius is not None:
            return f"a visible change within {self.radius} points of where the action acted"
        if self.region is not None:
            return f"a visible change inside {list(self.region)}"
        return "a visible change where the action acted"


class ExpectNone(_Expect):
    """Nothing visible to judge: the step is recorded ``not_checked``."""

    key: ClassVar[str] = "none"
    none: Literal[True] = True

    @model_serializer(mode="wrap")
    def _as_word(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        handler(self)  # raises for another kind: a union's serializer then tries the next one
        return "none"

    def describe(self) -> str:
        return "nothing visible"


class _TextScope(_Timed):
    """Where a text expectation looks; at most one of ``region``, ``near``, ``in_window``."""

    exact: bool = Field(False, description="the whole line, case kept (default: a case-insensitive part of a line)")
    region: ScreenBox | None = Field(None, description="[x, y, width, height] in screen points")
    near: Target | None = Field(None, description="around what this target finds (same forms as pointer targets)")
    in_window: str | None = Field(None, min_length=1, description="regular expression of a window title")

    @field_validator("near", mode="before")
    @classmethod
    def _short_target(cls, value: Any) -> Any:
        return parse_target(value)

    @model_validator(mode="after")
    def _one_scope(self) -> _TextScope:
        TextPattern.parse(str(getattr(self, self.key)), exact=self.exact)  # names an empty text or a bad regex
        given = [name for name in ("region", "near", "in_window") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give at most one of region, near, in_window (got {' and '.join(given)})")
        _check_box(self.region)
        _check_regex(self.in_window)
        return self

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if v is not None and not (k == "exact" and v is False)}
        return self._kind_first(data)

    def _where(self) -> str:
        return (" (exact)" if self.exact else "") + self._place()

    def _place(self) -> str:
        if self.region is not None:
            return f" in {list(self.region)}"
        if self.near is not None:
            return f" near {self.near.describe()}"
        if self.in_window is not None:
            return f" in the window /{self.in_window}/"
        return ""


class ExpectText(_TextScope):
    key: ClassVar[str] = "text"
    text: str = Field(min_length=1, description="this text is read at the place looked at")


class ExpectNoText(_TextScope):
    key: ClassVar[str] = "no_text"
    no_text: str = Field(min_length=1, description="this text is no longer read at the place looked at")


class _WindowPattern(_Timed):
    @model_validator(mode="after")
    def _compiles(self) -> _WindowPattern:
        _check_regex(str(getattr(self, self.key)))
        return self


class ExpectWindow(_WindowPattern):
    key: ClassVar[str] = "window"
    window: str = Field(min_length=1, description="regular expression the active window's title matches")


class ExpectNoWindow(_WindowPattern):
    key: ClassVar[str] = "no_window"
    no_window: str = Field(min_length=1, description="regular expression no window's title matches any more")


# The states a tree expectation names, as people say them; each is one or two AT-SPI states
# (``actions.a11y``: GTK says "sensitive" where others say "enabled", shown means "visible" and "showing").
TREE_STATES: dict[str, frozenset[str]] = {
    "checked": frozenset({"checked"}),
    "enabled": frozenset({"enabled", "sensitive"}),  # any of them
    "focused": frozenset({"focused"}),
    "selected": frozenset({"selected"}),
    "expanded": frozenset({"expanded"}),
    "visible": frozenset({"visible", "showing"}),  # all of them
}


class _OfElement(_Timed):
    """An expectation about one element of the accessibility tree, named by ``target``."""

    target: Target = Field(description='the element: a text, or {"role": ..., "name": ...} (window, index)')

    @model_validator(mode="before")
    @classmethod
    def _needs_target(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("target") is None:
            raise ValueError(
                f'a {cls.key!r} expectation needs a target: the element it is about, a text such as "Remember me" '
                'or {"role": "checkbox", "name": "Remember me"}'
            )
        return data

    @field_validator("target", mode="before")
    @classmethod
    def _short_target(cls, value: Any) -> Any:
        return parse_target(value)

    @field_validator("target")
    @classmethod
    def _in_the_tree(cls, target: Target) -> Target:
        if target.kind not in ("text", "role"):
            raise ValueError(f"an element of the tree is named by a text or a role, not by {target.kind!r}")
        if target.offset is not None or target.exact:
            raise ValueError(f"{'offset' if target.offset is not None else 'exact'} does not apply to an element")
        return target

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        target = data["target"]
        if isinstance(target, dict) and list(target) == ["text"]:
            data["target"] = target["text"]  # {"state": "checked", "target": "Remember me"}, as people write it
        return self._kind_first(data)

    def _where(self) -> str:
        return f" of {self.target.describe()}"


class ExpectValue(_OfElement):
    key: ClassVar[str] = "value"
    value: str = Field(description='the element\'s whole text (exact), or its number; "/regex/" is searched')

    @field_validator("value", mode="before")
    @classmethod
    def _number_as_written(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # {"value": 50}: a slider's number, compared as a number
        return value

    @field_validator("value")
    @classmethod
    def _pattern(cls, value: str) -> str:
        if value.strip():
            TextPattern.parse(value)  # names a bad regex
        return value


class _State(_OfElement):
    @model_validator(mode="after")
    def _known_state(self) -> _State:
        state = str(getattr(self, self.key))
        if state not in TREE_STATES:
            close = difflib.get_close_matches(state, list(TREE_STATES), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"unknown state {state!r} ({hint}a state is one of {', '.join(TREE_STATES)})")
        return self


class ExpectState(_State):
    key: ClassVar[str] = "state"
    state: str = Field(description="checked, enabled, focused, selected, expanded or visible")


class ExpectNoState(_State):
    key: ClassVar[str] = "no_state"
    no_state: str = Field(description="checked, enabled, focused, selected, expanded or visible: not so")


Expectation = Union[  # noqa: UP007
    ExpectChange, ExpectNone, ExpectText, ExpectNoText, ExpectWindow, ExpectNoWindow, ExpectValue, ExpectState,
    ExpectNoState,
]  # fmt: skip
# Every kind by its key: the one table parse_expect, the schema and the judges' registry derive from.
EXPECTATION_KINDS: dict[str, type[_Expect]] = {
    kind.key: kind
    for kind in (
        ExpectChange, ExpectNone, ExpectText, ExpectNoText, ExpectWindow, ExpectNoWindow, ExpectValue, ExpectState,
        ExpectNoState,
    )
}  # fmt: skip
_OBJECT_KEYS = tuple(key for key in EXPECTATION_KINDS if key not in ("none",))
_WORDS = {"change": ExpectChange(), "none": ExpectNone()}
_SHAPE = 'must be "change", "none" or an object such as {"text": ...}'


def parse_expect(value: Any) -> Any:
    """``expect`` as written (a word or an object) to its model; a ValueError says what is wrong in one line."""
    if value is None or isinstance(value, _Expect):
        return value
    if isinstance(value, str):
        if value in _WORDS:
            return _WORDS[value]
        raise ValueError(_SHAPE)
    if not isinstance(value, dict):
        raise ValueError(_SHAPE)
    known = [*_OBJECT_KEYS, *sorted(_known_fields() - set(_OBJECT_KEYS) - {"none"})]
    if unknown := [key for key in value if key not in known]:
        close = difflib.get_close_matches(str(unknown[0]), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (an expect object takes {', '.join(known)})"
        raise ValueError(f"unknown key {unknown[0]!r}{hint}")
    kinds = [key for key in _OBJECT_KEYS if key in value]
    if len(kinds) != 1:
        named = f"it has {' and '.join(kinds)}" if kinds else "it has none"
        raise ValueError(f"an expect object needs exactly one of {', '.join(_OBJECT_KEYS)} ({named})")
    model = EXPECTATION_KINDS[kinds[0]]
    if stray := [key for key in value if key not in model.model_fields]:
        raise ValueError(f"{stray[0]!r} does not apply to a {kinds[0]!r} expectation")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"]) or kinds[0]
        raise ValueError(f"{where}: {err['msg'].removeprefix('Value error, ')}") from None


def _known_fields() -> set[str]:
    return {name for kind in EXPECTATION_KINDS.values() for name in kind.model_fields}


# An expectation as written anywhere (a word or an object), parsed to its model: records read back
# through it, so "change" in steps.jsonl is ExpectChange() again.
ParsedExpectation = Annotated[Expectation, BeforeValidator(parse_expect)]
# The optional ``expect`` of an action and of a scenario step: one definition, so the two cannot drift.
ExpectField = Annotated[
    Optional[Expectation],  # noqa: UP045 - pydantic evaluates this at runtime on Python 3.10 too
    BeforeValidator(parse_expect),
    Field(
        description='what the effect looks like: "change" (default for click, drag, scroll, key, type), "none" '
        '(not visible: never waited for, never judged no_change), or {"text"|"no_text"|"window"|"no_window": ..., '
        '"timeout_s": 5}; text expectations take one of "region", "near", "in_window" and "exact"; '
        '{"value"|"state"|"no_state": ..., "target": T} ask the accessibility tree about the element T',
    ),
]
