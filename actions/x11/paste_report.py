"""What a paste saw, and the error when its text did not arrive: plain data, no Xlib, so that callers
can name them before an X connection exists (``actions.x11.text_input`` imports Xlib lazily). The
error itself, ``TextNotDelivered``, lives in the error tree (``actions.errors``); it is named here too."""

from __future__ import annotations

from dataclasses import dataclass

from actions.errors import TextNotDelivered

__all__ = ["PasteRequest", "TextNotDelivered", "not_delivered", "quote_text"]


@dataclass(frozen=True)
class PasteRequest:
    """One SelectionRequest seen while pasting: when (ms from the chord press; < 0 before it),
    from which client, for which target, and whether it counted as the paste."""

    at_ms: float
    client: int
    target: str
    focused: bool
    counted: bool = False

    def __str__(self) -> str:
        who = "focused" if self.focused else f"client {self.client:#x}"
        return f"{self.target}@{self.at_ms:+.0f}ms({who}{', the paste' if self.counted else ''})"


def quote_text(text: str, limit: int = 40) -> str:
    """``text`` for a message: its repr, cut in the middle when long (a paste may be 64 KiB)."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[: limit // 2]!r}...{text[-limit // 2 :]!r} ({len(text)} characters)"


def not_delivered(
    text: str, timeout_s: float, requests: tuple[PasteRequest, ...], *, lost: bool, chord: str
) -> TextNotDelivered:
    """The error for a paste the focused window never fetched: what was asked instead, and by whom."""
    if lost:
        why = "another program took the clipboard during the paste"
    elif not requests:
        why = "nothing asked for the clipboard"
    elif any(r.focused for r in requests):
        why = "the focused window asked only " + ", ".join(str(r) for r in requests if r.focused)
    else:
        why = "only another client (e.g. a clipboard manager) fetched it"
    return TextNotDelivered(
        f"text not delivered: the paste of {quote_text(text)} was not fetched by the focused window within "
        f"{timeout_s:.1f} s after the paste chord {chord} ({why}); is a text field focused, and does it paste "
        f"on {chord} (--paste-key sets the chord)?",
        text,
        requests,
    )
