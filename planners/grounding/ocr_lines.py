"""OCR words into lines by geometry: side by side, level, each at most ``gap`` text heights right of the last.

The grounder matches labels on these lines (``ocr.find_label``), and the engines number their words'
``line`` by them: at 200% one label is two text blobs ("Dark" and "mode" read apart), and a label read
half by tesseract, half by the recogniser ("Volume" and "75%") is still one line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from planners.grounding.disjoint_sets import DisjointSets
from planners.grounding.ocr_engine import Word


def group_lines(words: Sequence[Word], gap: float, engine_lines: bool = False) -> list[list[Word]]:
    """Words grouped into lines (left to right), the lines top to bottom. ``engine_lines``: words the
    engine put on one line stay on one (tesseract's box of the first of "キャ ン セ ル" spans them all)."""
    order = sorted(range(len(words)), key=lambda i: words[i].box[1] + words[i].box[3] / 2)
    tallest = max((word.box[3] for word in words), default=0)
    sets = DisjointSets(len(words))

    if engine_lines:
        first: dict[tuple[int, ...], int] = {}
        for i, word in enumerate(words):
            sets.join(first.setdefault(word.line, i), i)
    for n, i in enumerate(order):  # only words whose centres are within one text height can share a line
        a = words[i]
        for j in order[n + 1 :]:
            b = words[j]
            if (b.box[1] + b.box[3] / 2) - (a.box[1] + a.box[3] / 2) > tallest:
                break
            if _same_line(a, b, gap) or _same_line(b, a, gap):
                sets.join(i, j)
    groups: dict[int, list[Word]] = {}
    for i in order:
        groups.setdefault(sets.root(i), []).append(words[i])
    lines = [sorted(group, key=lambda w: w.box[0]) for group in groups.values()]
    return sorted(lines, key=lambda line: (min(w.box[1] for w in line), line[0].box[0]))


def numbered_lines(words: Sequence[Word], gap: float = 1.0) -> list[Word]:
    """``words`` with ``line`` renumbered by geometry (:func:`group_lines`), in reading order; words the
    engine read as one line stay one."""
    return [
        dataclasses.replace(word, line=(number,))
        for number, line in enumerate(group_lines(words, gap, engine_lines=True))
        for word in line
    ]


def _same_line(previous: Word, word: Word, gap: float) -> bool:
    """Whether ``word`` is the next word on ``previous``'s line: level with it, just right of it. Boxes
    may overlap a little: tesseract's box of "Count:" ran 9 px into the "1" after it (a 19 px tall box)."""
    (px, py, pw, ph), (x, y, _, h) = previous.box, word.box
    size = max(ph, h)
    level = abs((py + ph / 2) - (y + h / 2)) <= size / 2
    return level and x > px + pw / 2 and -0.6 * size <= x - (px + pw) <= gap * size
