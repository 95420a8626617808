"""What a step's outcome was: the verdict the loop records and the planner is told."""

from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    CHANGED = "changed"  # the screen changed as the action should have made it
    NO_CHANGE = "no_change"  # it should have changed and did not, even after one retry
    UNSETTLED = "unsettled"  # still changing when the settle timeout ran out
    NOT_CHECKED = "not_checked"  # actions that need not change anything (move, wait, done)
    INVALID = "invalid"  # the planner's answer could not be used; nothing was performed
