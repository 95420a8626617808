"""The one text-matching rule: targets, expectations, ``wait_for``/``sees``/``read_text``, scenario
checks and policy words all ask ``TextPattern.search`` whether (and where) a line holds the text.

Shaped after Playwright's text matching, for text read off a screen:

    written                      mode       matches in a line                 case      whitespace
    "Applied 1 time"             substring  anywhere ("Applied 1 time(s)")    ignored   ignored
    {"text": S, "exact": true}   exact      the whole line, nothing more      kept      runs are one space, trimmed,
                                                                                        none beside punctuation
    "/Applied \\d+ times?/i"     regex      ``re.search`` on the line         by flags  runs are one space, trimmed

* substring: case-insensitive (``casefold``), Unicode compatibility forms folded (NFKC: a "ﬁ"
  ligature is "fi", a full-width "Ａ" is "A"), and whitespace ignored altogether, because OCR splits
  and joins words ("Giftwrap", "Sub mit"). Look-alike glyphs, one way only: a letter I or l in the
  text also matches I, l, 1 or | on the screen, an o also 0 (UI fonts draw them alike; tesseract read
  a checkbox's "I agree" as "[1 agree"). A digit in the text matches only that digit (a 0 also an O), and a lowercase
  i only i or I, so "10" never matches the "lo" in "Hello" and "Mail" never "Mall" (an l in the text may
  be read as i: tesseract read "ctrl+s" as "ctri+s"). A typed symbol also matches the forms apps draw it
  in (``APP_SYMBOLS``: "100/8" matches a calculator's "100÷8", "6*7" its "6×7"). Nothing else is
  forgiven: a misread letter ("Save chanqes", "AOS" for "408") is no match, because a wrong match is
  a false success.
* exact: the whole line, as written (NFC), with whitespace runs made one space, and none beside punctuation
  (OCR hears a space where a monospace font leaves a gap around a narrow glyph: mlterm's "DONE-42" was read
  "DONE -42", trial 10). A string that looks like ``/regex/`` is plain text here: ``exact`` is the way to look
  for a literal "/s/".
* regex: ``/BODY/FLAGS``, flags ``i`` (ignore case), ``m``, ``s`` as in Python; ``g`` and ``u`` (JavaScript
  habits) are accepted and change nothing. Anchor it (``^...$``) for a whole line.
* In exact and regex modes too, the look-alikes OCR confuses go one way (case kept): an I or l written
  also matches I, l, 1 or | on the screen, an O or o also 0, a 0 also O or o; in a regex, its literal
  characters (not those in ``[...]`` classes, escapes, group names or counts). A terminal with no
  accessibility tree showed "L1-OK", OCR read "L1-0K", and ``/^L1-OK$/`` failed although the shell had
  printed it (trial 10, a false failure).

Where several places match (a target), a match that covers its whole line wins over partial ones
(``Span.whole``); the caller refuses a tie. Spans are in the caller's own line, so it can tell which
words (and boxes) a match covers. Pure string work: no OCR, no geometry (planners.grounding.ocr).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from actions.lookalike_regex import CASED_LOOKALIKES, with_lookalikes

Mode = Literal["substring", "exact", "regex"]
_CAPITAL_I = "\ue049"  # a private-use character: a capital I read off the screen (see _fold_screen)
# Default mode: what a letter of the text also matches on the screen, because UI fonts draw them alike
# and OCR reads them for one another ("I agree" read "[1 agree", "Log in" read "L0g in", "ctrl+s" read
# "ctri+s": at UI sizes a dot is all that tells l from i, and tesseract loses it; a terminal's "DONE02"
# read "DONEO2": a zero and an O differ by a slash or a dot in some fonts only).
_LOOKALIKES = {
    "I": f"[i{_CAPITAL_I}l1|]", "l": f"[il{_CAPITAL_I}1|]", "o": "[o0]", "O": "[o0]", "0": "[0o]",
}  # fmt: skip
# The forms apps draw typed symbols in, to the plain one typed, one character for one: a calculator shows
# "6*7" as "6×7" (qalculate, trial 8: a false failure of the read back), "100/8" as "100÷8" (mate-calc, trial
# 9), "-" as "−"; a word processor curls its quotes. The read back of a typed text (agent.verify.readback)
# counts either as the other; the default mode matches a plain one in the text with any of its forms on the
# screen (one way only: a "÷" in the text is a "÷").
APP_SYMBOLS = {
    "×": "*",
    "·": "*",
    "∙": "*",
    "⋅": "*",
    "÷": "/",
    "∕": "/",
    "−": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
}
PLAIN_SYMBOLS = str.maketrans(APP_SYMBOLS)
_DRAWN_AS: dict[str, str] = {}
for _drawn, _plain in APP_SYMBOLS.items():
    _DRAWN_AS[_plain] = _DRAWN_AS.get(_plain, _plain) + _drawn
_REGEX = re.compile(r"/(?P<body>.+)/(?P<flags>[gimsu]*)", re.DOTALL)
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "g": 0, "u": 0}


class Span(NamedTuple):
    """One match in a line: ``line[start:end]``; ``whole`` when it is all the line holds (spaces aside)."""

    start: int
    end: int
    whole: bool


@dataclass(frozen=True)
class _Folded:
    """A line folded for comparison; each folded character keeps the ``[start, end)`` of the original
    characters it came from (a base letter with its combining marks, "ß" folded to "ss")."""

    text: str
    origin: tuple[tuple[int, int], ...]

    def span(self, start: int, end: int) -> Span:
        return Span(self.origin[start][0], self.origin[end - 1][1], start == 0 and end == len(self.text))


def _clusters(line: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each character with the combining marks after it (composed as one: "e" + "\u0301")."""
    bounds: list[tuple[int, int]] = []
    for index, ch in enumerate(line):
        if bounds and unicodedata.combining(ch):
            bounds[-1] = (bounds[-1][0], index + 1)
        else:
            bounds.append((index, index + 1))
    return bounds


def _fold(line: str, mode: Mode) -> _Folded:
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    space: tuple[int, int] | None = None  # a whitespace run not yet kept: where it was
    for start, end in _clusters(line):
        cluster = line[start:end]
        if cluster.isspace():
            # substring: whitespace is ignored; exact and regex: a run is one space, the ends trimmed.
            if mode != "substring" and chars and space is None:
                space = (start, end)
            continue
        folded = _fold_screen(cluster) if mode == "substring" else unicodedata.normalize("NFC", cluster)
        if space is not None and not (mode == "exact" and (_punctuation(chars[-1]) or _punctuation(folded[:1]))):
            chars.append(" ")
            origin.append(space)
        space = None
        for out in folded:
            if not out.isspace():
                chars.append(out)
                origin.append((start, end))
    return _Folded("".join(chars), tuple(origin))


def _punctuation(ch: str) -> bool:
    """Punctuation or a symbol: the exact mode keeps no space beside one ("DONE -42" is "DONE-42")."""
    return bool(ch) and unicodedata.category(ch)[0] in "PS"


def _fold_screen(cluster: str) -> str:
    """Text on the screen as the default mode compares it: NFKC, case-folded, except that a capital I
    stays apart from i (it looks like l, 1 and |; a lowercase i, with its dot, does not)."""
    return "".join(_CAPITAL_I if ch == "I" else ch.casefold() for ch in unicodedata.normalize("NFKC", cluster))


def _needle_regex(written: str) -> re.Pattern[str]:
    """The default mode's text as a regex over ``_fold_screen`` output: each character its case-folded
    self, a letter I or l also any glyph it looks like, an o also 0. Digits match only digits."""
    parts: list[str] = []
    for ch in unicodedata.normalize("NFKC", written):
        if ch.isspace():
            continue
        if ch in _LOOKALIKES:
            parts.append(_LOOKALIKES[ch])
            continue
        if ch in _DRAWN_AS:
            parts.append(f"[{re.escape(_DRAWN_AS[ch])}]")
            continue
        for out in ch.casefold():
            parts.append(f"[i{_CAPITAL_I}]" if out == "i" else re.escape(out))
    return re.compile("".join(parts))


def _exact_regex(needle: str) -> re.Pattern[str]:
    """The exact mode's folded text as a regex for the whole folded line: each character itself, a look-alike
    also the glyphs OCR reads it as (``CASED_LOOKALIKES``)."""
    return re.compile("".join(CASED_LOOKALIKES.get(ch) or re.escape(ch) for ch in needle))


def fold(text: str) -> str:
    """``text`` as the default (substring) mode compares it: case-folded, NFKC, no whitespace."""
    return _fold(text, "substring").text


@dataclass(frozen=True)
class TextPattern:
    """What to look for, parsed once: ``TextPattern.parse("Save")``, ``parse("/^Total: \\d+$/")``,
    ``parse("OK", exact=True)``. ``written`` is the text as the user wrote it."""

    written: str
    mode: Mode
    _regex: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, written: str, exact: bool = False) -> TextPattern:
        """The pattern, or a ValueError that says what is wrong (nothing to look for, a bad regex)."""
        if not written.strip():
            raise ValueError("the text to look for is empty")
        if exact:
            return cls(written, "exact", _regex=_exact_regex(_fold(written, "exact").text))
        if (regex := _REGEX.fullmatch(written)) is not None:
            flags = 0
            for letter in regex["flags"]:
                flags |= _FLAGS[letter]
            try:
                compiled = re.compile(regex["body"], flags)
            except (re.error, OverflowError, RecursionError) as exc:
                raise ValueError(f"{written!r} is not a regular expression: {exc}") from None
            with contextlib.suppress(re.error, OverflowError, RecursionError):  # else as written, checked above
                compiled = re.compile(with_lookalikes(regex["body"]), flags)
            return cls(written, "regex", _regex=compiled)
        return cls(written, "substring", _regex=_needle_regex(written))

    def search(self, line: str) -> list[Span]:
        """Every place in ``line`` that matches, left to right, not overlapping."""
        folded = _fold(line, self.mode)
        if not folded.text:
            return []
        assert self._regex is not None  # every mode is a regex over the folded line
        if self.mode == "exact":
            return [folded.span(0, len(folded.text))] if self._regex.fullmatch(folded.text) else []
        # An empty match is no text found: "/a*/" must not match every line.
        return [folded.span(*m.span()) for m in self._regex.finditer(folded.text) if m.end() > m.start()]

    def matches(self, line: str) -> bool:
        return bool(self.search(line))

    def describe(self) -> str:
        """For messages: the text as written, and how it is matched when that is not the default."""
        return repr(self.written) + {"substring": "", "exact": " (exact)", "regex": " (regex)"}[self.mode]


def as_pattern(wanted: str | TextPattern) -> TextPattern:
    """A string is parsed with the default rule (so "/.../" is a regex); a pattern is kept as it is."""
    return wanted if isinstance(wanted, TextPattern) else TextPattern.parse(wanted)
