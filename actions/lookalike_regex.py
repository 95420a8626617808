"""OCR's look-alike glyphs in a regular expression: its literal characters also match what OCR reads them as.

The exact and regex modes of the one text rule (``actions.text_match``) keep case, and forgive the glyphs OCR
reads for one another, one way, as the default mode does: an I or l written also matches I, l, 1 or | on the
screen, an O or o also 0, a 0 also O or o. In a regular expression only its literal characters are widened:
not those in ``[...]`` classes, escapes (``\\x4f``, ``\\N{...}``, a group number), group headers (names,
flags, conditions) or counts (``{10}``), which say what the user spelled out.
"""

from __future__ import annotations

import re

CASED_LOOKALIKES = {"I": "[Il1|]", "l": "[lI1|]", "O": "[O0]", "o": "[o0]", "0": "[0Oo]"}


def with_lookalikes(body: str) -> str:
    """A regular expression whose literal look-alike characters (outside ``[...]``, escapes, group headers and
    counts) also match the glyphs OCR reads them as (``CASED_LOOKALIKES``); all else as written."""
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            end = _escape_end(body, i)
        elif ch == "[":
            end = _class_end(body, i)
        elif ch == "{" and (count := _COUNT.match(body, i)) is not None:
            end = count.end()
        elif body.startswith("(?", i):
            end = _group_header_end(body, i)
        else:
            out.append(CASED_LOOKALIKES.get(ch, ch))
            i += 1
            continue
        out.append(body[i:end])
        i = end
    return "".join(out)


_COUNT = re.compile(r"\{\d*(,\d*)?\}")
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}


def _escape_end(body: str, i: int) -> int:
    """Where the escape at ``body[i]`` (a backslash) ends: ``\\x41``, ``\\N{...}``, ``\\12`` whole."""
    kind = body[i + 1 : i + 2]
    if kind in _HEX_DIGITS:
        return min(len(body), i + 2 + _HEX_DIGITS[kind])
    if kind == "N" and body.startswith("{", i + 2):
        close = body.find("}", i + 3)
        return len(body) if close < 0 else close + 1
    end = i + 2
    while kind.isdigit() and end < len(body) and end < i + 4 and body[end].isdigit():
        end += 1  # a group number or an octal escape
    return min(end, len(body))


def _class_end(body: str, i: int) -> int:
    """Where the ``[...]`` class opening at ``body[i]`` ends (a ``]`` first in it is a member)."""
    j = i + 1
    j += body.startswith("^", j)
    j += body.startswith("]", j)
    while j < len(body) and body[j] != "]":
        j = _escape_end(body, j) if body[j] == "\\" else j + 1
    return min(j + 1, len(body))


def _group_header_end(body: str, i: int) -> int:
    """Where the header of the ``(?...`` group at ``body[i]`` ends: its name, flags or condition kept whole."""
    j = i + 2
    if body.startswith(("P<", "P="), j):
        closer = ">" if body[j + 1] == "<" else ")"
        close = body.find(closer, j)
        return len(body) if close < 0 else close + 1
    if body.startswith(("#", "("), j):
        close = body.find(")", j)
        return len(body) if close < 0 else close + 1
    if body.startswith(("<=", "<!"), j):
        return j + 2
    while j < len(body) and body[j] in "aiLmsux-":
        j += 1
    return min(j + 1, len(body))
