"""The action JSON (the README's "Running plans" contract) as frozen pydantic models.

The same models are used by scripted plans, scenarios, model planners and run records, so a
plan that validates here is a plan every executor can perform. Coordinates are screen points
(the space pyautogui uses: the virtual screen, origin at the primary monitor's top-left).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union, get_args

from pydantic import (
    BaseModel,
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

from actions.expectations import Expectation, ExpectChange, ExpectField, ExpectNone
from actions.keys import normalize_key
from actions.targets import OptionalCoord, OptionalTarget, PointOrTarget

# Far beyond any real virtual screen, near enough to catch a garbage coordinate early.
_COORD_LIMIT = 100_000
Coord = Annotated[int, Field(ge=-_COORD_LIMIT, le=_COORD_LIMIT, strict=False)]
Button = Literal["left", "right", "middle"]


class _Action(BaseModel):
    """One action kind. What the rest of Deskpilot needs to know of a kind is declared once, here on
    its class; every list of kinds (``CHANGES_SCREEN``, ``POINTER_KINDS``, the policy's kinds, ...) is
    derived from the ``Action`` union below, so adding a kind is its class, the union and its executor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The kind's name in the action JSON, in policy files (``allowed_actions``) and in records.
    kind: str
    # Acts at a screen point (x, y, or a target found at run time); a scenario step of it needs a target.
    pointer: ClassVar[bool] = False
    # Its default expectation is a visible change ("change"); for the others it is "none".
    changes_screen: ClassVar[bool] = False
    # Goes to the focused window, wherever the pointer is: a policy's window title applies to the active one.
    keyboard: ClassVar[bool] = False
    # May commit something where it acts (a click on "Delete"): a policy reads its confirm words there,
    # and the keyboard focus is where the last one landed.
    commits: ClassVar[bool] = False

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
    def expectation(self) -> Expectation:
        """The expectation in force: the one given, else "change" for actions that should show one."""
        if self.expect is not None:
            return self.expect
        return ExpectChange() if self.kind in CHANGES_SCREEN else ExpectNone()

    @property
    def point(self) -> tuple[int, int] | None:
        """The screen point this action acts on, if it has one (for reports and policies)."""
        x, y = getattr(self, "x", None), getattr(self, "y", None)
        return None if x is None or y is None else (x, y)

    def describe(self) -> str:
        fields = self.model_dump(exclude={"kind"})
        args = ", ".join(f"{k}={v!r}" for k, v in fields.items())
        return f"{self.kind}({args})"


class _PointerAction(_Action, PointOrTarget):
    """An action at a screen point: coordinates, or a target found at run time (actions.targets)."""

    pointer = True
    target: OptionalTarget = None  # instead of x, y
    x: OptionalCoord = None
    y: OptionalCoord = None


class Click(_PointerAction):
    kind: Literal["click"] = "click"
    changes_screen = True
    commits = True
    button: Button = "left"
    count: Literal[1, 2, 3] = 1


class Move(_PointerAction):
    kind: Literal["move"] = "move"


class Drag(_PointerAction):
    kind: Literal["drag"] = "drag"
    changes_screen = True
    commits = True
    to_target: OptionalTarget = None  # instead of to_x, to_y
    to_x: OptionalCoord = None
    to_y: OptionalCoord = None
    button: Button = "left"


class Scroll(_PointerAction):
    kind: Literal["scroll"] = "scroll"
    changes_screen = True
    dy: int = Field(default=0, ge=-100, le=100, description="wheel clicks; > 0 scrolls up")
    dx: int = Field(default=0, ge=-100, le=100, description="wheel clicks; > 0 scrolls right")

    @model_validator(mode="after")
    def _some_motion(self) -> Scroll:
        if self.dx == 0 and self.dy == 0:
            raise ValueError("scroll needs a non-zero dy or dx")
        return self


class Type(_Action):
    kind: Literal["type"] = "type"
    changes_screen = True
    keyboard = True
    text: str = Field(min_length=1, max_length=100_000)


class Key(_Action):
    kind: Literal["key"] = "key"
    changes_screen = True
    keyboard = True
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

# -- derived from the union: never written out by hand --------------------------------------------
# kind -> class, in the union's order (the order pydantic's errors list the kinds in)
ACTION_CLASSES: dict[str, type[_Action]] = {
    cls.model_fields["kind"].default: cls for cls in get_args(get_args(Action)[0])
}
ACTION_KINDS: tuple[str, ...] = tuple(ACTION_CLASSES)
# Actions whose default expectation is a visible change (``"expect": "change"``); others default to "none".
CHANGES_SCREEN: frozenset[str] = frozenset(kind for kind, cls in ACTION_CLASSES.items() if cls.changes_screen)
POINTER_KINDS: frozenset[str] = frozenset(kind for kind, cls in ACTION_CLASSES.items() if cls.pointer)


def first_error(exc: ValidationError, prefix: str = "") -> str:
    """One line naming the place and the problem, from pydantic's first error."""
    err = exc.errors()[0]
    loc = _place(err["loc"])  # "click.y": the action kind, then the field
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "union_tag_invalid" and err.get("ctx", {}).get("discriminator") == "'kind'":
        return f"{prefix}{loc + ': ' if loc else ''}{_unknown_kind(err['ctx'].get('tag'))}"
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) or got is None or not loc else f" (got {got!r})"
    where = f"{prefix}{loc}" if loc else prefix.rstrip(". ")
    return f"{where}: {msg}{shown}" if where else f"{msg}{shown}"


# Kinds people reach for that are a click or a key with a field (the Qt/pyautogui names).
_KIND_HINTS = {
    "double_click": 'a click with "count": 2',
    "triple_click": 'a click with "count": 3',
    "right_click": 'a click with "button": "right"',
    "middle_click": 'a click with "button": "middle"',
    "hotkey": 'a key with "keys": [...]',
    "press": 'a key with "keys": [...]',
    "write": "a type",
}


def _unknown_kind(tag: object) -> str:
    """An unknown action kind, named, with the kinds there are and what it is called here if we know."""
    hint = _KIND_HINTS.get(str(tag))
    known = ", ".join(ACTION_CLASSES)
    return f"unknown action kind {tag!r} (kinds: {known})" + (f"; that is {hint}" if hint else "")


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
