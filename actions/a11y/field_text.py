"""What a text element holds around its caret (``AtspiReader.caret_text``): plain data, no D-Bus.

Offsets from the app are made indices into the Python string here, once: Qt counts UTF-16 code units
(measured: featherpad counts an emoji as 2; GTK and Chromium count characters), and U+FFFC in a text stands
for an embedded object (a child), not a character anybody typed, so it is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldText:
    """Part of what a text element holds, read at one moment: ``text`` starts at offset ``start`` of the
    element's ``length`` characters (in the app's units); ``caret`` is the caret's index in ``text`` (None:
    the app says none, or one outside the text); ``selection`` the selected span's indices, if any.
    ``objects``: how many embedded objects (children: a rich text's paragraphs, images) were in the span."""

    text: str
    caret: int | None
    length: int
    start: int = 0
    selection: tuple[int, int] | None = None
    objects: int = 0

    @classmethod
    def read(
        cls,
        raw: str,
        span: tuple[int, int],
        caret: int | None,
        length: int,
        selection: tuple[int, int] | None = None,
    ) -> FieldText:
        """What ``GetText(*span)`` answered, with the app's caret and selection offsets made indices."""
        start, end = span
        utf16 = len(raw) != end - start and _utf16_units(raw) == end - start

        def index(offset: int | None) -> int | None:
            if offset is None or not start <= offset <= end:
                return None
            at = offset - start
            if utf16:  # the app's offsets count UTF-16 units: walk the characters to the offset
                at = _index_of_unit(raw, at)
            return len(raw[:at].replace("\ufffc", ""))

        chosen = None
        if selection is not None and selection[0] < selection[1]:
            first, last = index(selection[0]), index(selection[1])
            chosen = (first, last) if first is not None and last is not None else None
        return cls(raw.replace("\ufffc", ""), index(caret), length, start, chosen, raw.count("\ufffc"))


def _index_of_unit(raw: str, units: int) -> int:
    counted, index = 0, 0
    while index < len(raw) and counted < units:
        counted, index = counted + _utf16_units(raw[index]), index + 1
    return index


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
