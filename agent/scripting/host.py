"""What the halves of ``Desktop`` (``Looking``, ``Inspecting``) need from the class they are mixed into."""

from __future__ import annotations

from typing import TYPE_CHECKING

from actions.frame import Frame

if TYPE_CHECKING:
    from agent.single_step import StepParts


class ScriptHost:
    """``_parts()``, ``_capture()`` and ``_note()``: ``Desktop`` defines them."""

    def _parts(self) -> StepParts:
        raise NotImplementedError

    def _capture(self) -> Frame:
        raise NotImplementedError

    def _note(self, frame: Frame, what: str, note: str, started: float, failed: bool = False) -> None:
        raise NotImplementedError
