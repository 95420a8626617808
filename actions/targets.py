"""What a pointer action may give instead of coordinates: a target, found on the screen at run time.

    {"kind": "click", "target": {"text": "Apply Changes"}}                      text on the screen (OCR)
    {"kind": "click", "target": {"text": "OK", "exact": true}}                  the whole line, case kept
    {"kind": "click", "target": {"text": "/^Item \\d+$/"}}                       a regular expression
    {"kind": "click", "target": {"text": "Customer name", "offset": [180, 0]}}  a point relative to it
    {"kind": "click", "target": {"image": "submit.png"}}                        a picture (relative to the plan)
    {"kind": "click", "target": {"description": "the round red button"}}        grounded by the model
    {"kind": "click", "target": {"role": "button", "name": "OK"}}               what the element is (the
                                                                                 accessibility tree)
    any of them with "window": "REGEX"                                          look only inside that window

Kept apart from ``actions.models`` so the action models change by a field and a validator only. The
models here say *what*; planners.targeting finds *where* (the grounding ladder, and the learned cache).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from actions.text_match import TextPattern

_COORD_LIMIT = 100_000
_KINDS = ("text", "image", "description", "role")


def _is_none(value: Any) -> bool:
    return value is None


def _is_false(value: Any) -> bool:
    return value is False


class Target(BaseModel):
    """One thing on the screen, named by exactly one of ``text``, ``image`` or ``description``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str | None = Field(
        None, min_length=1, description="text on (or beside) the target, read by OCR", exclude_if=_is_none
    )
    image: str | None = Field(
        None, min_length=1, description="a PNG of the target, relative to the plan file", exclude_if=_is_none
    )
    description: str | None = Field(
        None, min_length=1, description="the target in words, for the model", exclude_if=_is_none
    )
    offset: tuple[int, int] | None = Field(
        None, description="[dx, dy] points from what was found to the point acted on", exclude_if=_is_none
    )
    window: str | None = Field(
        None, min_length=1, description="regular expression of the window title to look in", exclude_if=_is_none
    )
    role: str | None = Field(
        None,
        min_length=1,
        description="the element's role in the accessibility tree: an "
        "AT-SPI role name or button, field, checkbox, radio, menu item, tab, link, list item, "
        "cell",
        exclude_if=_is_none,
    )
    name: str | None = Field(
        None,
        min_length=1,
        description="with role: the element's accessible name (or the label that labels it), by the text rule",
        exclude_if=_is_none,
    )
    index: int | None = Field(
        None,
        ge=0,
        description="with role: which of several equal matches, 0 first in the "
        "tree's order (otherwise several are refused)",
        exclude_if=_is_none,
    )
    # Left out of the JSON when false, so a learned target's cache key (a hash of it) stays as it was.
    exact: bool = Field(
        False,
        description="text: the whole line, case kept (default: a case-insensitive part of a line)",
        exclude_if=_is_false,
    )

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str | None) -> str | None:
        from actions.a11y.roles import ROLE_ALIASES, known_role

        if value is not None and not known_role(value):
            aliases = ", ".join(ROLE_ALIASES)
            raise ValueError(f"unknown role {value!r}: use an AT-SPI role name or one of {aliases}")
        return value

    @model_validator(mode="after")
    def _role_fields(self) -> Target:
        if self.role is None and (self.name is not None or self.index is not None):
            given = "name" if self.name is not None else "index"
            raise ValueError(
                f'{given} belongs to a role target ({{"role": ..., "{given}": ...}}); '
                "for any element showing a text, give text"
            )
        return self

    @field_validator("window")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        given = [kind for kind in _KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            named = ", ".join(given) if given else "none"
            raise ValueError(f"a target needs exactly one of text, image, description, role (got {named})")
        if self.exact and self.text is None:
            raise ValueError("exact applies to a text target only")
        if self.text is not None:
            TextPattern.parse(self.text, exact=self.exact)  # a ValueError names an empty text or a bad regex
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in _KINDS if getattr(self, kind) is not None)

    @property
    def value(self) -> str:
        return str(getattr(self, self.kind))

    def describe(self) -> str:
        shown = f"{self.kind} {self.value!r}"
        if self.role is not None:
            shown = f"{self.role} {self.name!r}" if self.name is not None else f"any {self.role}"
            shown += f" #{self.index}" if self.index is not None else ""
        if self.exact:
            shown += " (exact)"
        if self.offset is not None:
            shown += f" {list(self.offset)} off"
        return shown + (f" in /{self.window}/" if self.window else "")


def parse_target(value: Any) -> Any:
    """A target as written: ``"Submit"`` is short for ``{"text": "Submit"}``, as people write it."""
    return {"text": value} if isinstance(value, str) else value


# validate_default: a missing coordinate is checked (against the target) like a given one.
OptionalCoord = Annotated[
    int | None, Field(None, ge=-_COORD_LIMIT, le=_COORD_LIMIT, exclude_if=_is_none, validate_default=True)
]
OptionalTarget = Annotated[Target | None, Field(None, exclude_if=_is_none)]


class PointOrTarget(BaseModel):
    """Mixin of the pointer actions: coordinates or a target, never both (a drag: for each end)."""

    @field_validator("target", "to_target", mode="before", check_fields=False)
    @classmethod
    def _short_target(cls, value: Any) -> Any:
        return parse_target(value)

    @field_validator("x", "y", "to_x", "to_y", check_fields=False)
    @classmethod
    def _point_or_target(cls, value: int | None, info: ValidationInfo) -> int | None:
        # The target fields come first in each model, so info.data holds the target (if it validated).
        target_name = "to_target" if str(info.field_name).startswith("to_") else "target"
        has_target = info.data.get(target_name) is not None
        if value is None and not has_target:
            raise PydanticCustomError("missing", "Field required")
        if value is not None and has_target:
            raise ValueError(f"give either coordinates or {target_name}, not both")
        return value

    @property
    def to_point(self) -> tuple[int, int] | None:
        """A drag's end point, once it has one."""
        x, y = getattr(self, "to_x", None), getattr(self, "to_y", None)
        return None if x is None or y is None else (x, y)

    @property
    def targets(self) -> list[tuple[str, Target]]:
        """The ends still to be found: ("target", ...) and, for a drag, ("to_target", ...)."""
        found = [(name, getattr(self, name, None)) for name in ("target", "to_target")]
        return [(name, target) for name, target in found if target is not None]
