"""What a step's outcome was: the verdict the loop records and the planner is told."""

from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    CHANGED = "changed"  # expect "change": the action changed the screen where it acted
    NO_CHANGE = "no_change"  # expect "change": nothing changed where it acted (performed once, never again)
    UNSETTLED = "unsettled"  # the action's own window was still changing when the settle timeout ran out
    NOT_CHECKED = "not_checked"  # expect "none" (move, wait, done, or said so), or a dry run
    MET = "met"  # an explicit expectation (text, no_text, window, no_window) held within its timeout
    FAILED = "failed"  # an explicit expectation did not hold; the record says what was seen instead
    INVALID = "invalid"  # the planner's answer could not be used; nothing was performed
    REFUSED = "refused"  # the policy refused the action (or the person declined it); nothing was performed
