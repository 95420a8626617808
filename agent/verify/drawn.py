"""Whether a text match is new on the screen by its pixels: the characters a match covers, compared pixel for
pixel with the frame before the action. OCR reads one row two ways now and then ("trial10" and "triall0", trial
10), but pixels that did not change hold no new text. The text judge (agent.verify.text) and a near scope's
tie-break (agent.verify.place) ask it.
"""

from __future__ import annotations

import math

import numpy as np

from actions.frame import Frame
from agent.motion import Box
from planners.grounding.ocr import TextMatch


def drawn_before(now: TextMatch, frame: Frame, before: Frame, dy: int = 0) -> bool:
    """Whether the characters of the match are the very pixels that were there before the action (``dy``
    pixels higher or lower, scrolled): OCR reads one row two ways now and then ("trial10" and "triall0", the
    prompt a false success of trial 10 was met by), but pixels that did not change hold no new text."""
    left, top, right, bottom = covered(now)
    if frame.data.shape != before.data.shape or right <= left or bottom <= top:
        return False
    height, width = frame.data.shape[:2]
    if min(left, top, top - dy) < 0 or right > width or max(bottom, bottom - dy) > height:
        return False
    return np.array_equal(frame.data[top:bottom, left:right], before.data[top - dy : bottom - dy, left:right])


def covered(match: TextMatch) -> Box:
    """What the match's own characters cover, (left, top, right, bottom): of a word it covers in part, that
    part (in proportion to its characters, as ``TextMatch.centre`` takes it) and a character either side."""
    first, last = match.words[0], match.words[-1]
    # A character more either side, within the word: the share is by characters, a proportional font's are not
    # alike, and a changed glyph just beside the cut must not be left out.
    left = first.box[0] + int(first.box[2] * max(0.0, match.cut[0] - 1 / max(1, len(first.text))))
    right = last.box[0] + math.ceil(last.box[2] * min(1.0, match.cut[1] + 1 / max(1, len(last.text))))
    left = min([left, *(w.box[0] for w in match.words[1:])])
    right = max([right, *(w.box[0] + w.box[2] for w in match.words[:-1])])
    _, top, _, bottom = match_box(match)
    return left, top, right, bottom


def match_box(match: TextMatch) -> Box:
    """Where the match is, as (left, top, right, bottom) image pixels."""
    boxes = [w.box for w in match.words]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[0] + b[2] for b in boxes),
        max(b[1] + b[3] for b in boxes),
    )
