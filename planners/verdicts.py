"""What a step's outcome was: the verdict the loop records and the planner is told."""

from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    CHANGED = "changed"  # expect "change": the action changed the screen where it acted
    FOCUSED = "focused"  # expect "change": nothing changed, but the app says the focus is on what was clicked
    READ_BACK = "read_back"  # expect "change" on a type: the app's focused field holds the typed text, read back
    NO_CHANGE = "no_change"  # expect "change": nothing changed where it acted (performed once, never again)
    UNSETTLED = "unsettled"  # the action's own window was still changing when the settle timeout ran out
    NO_PLACE = "no_place"  # nobody can say where the action acted (no window to judge): not a pass
    NOT_CHECKED = "not_checked"  # expect "none" (move, wait, done, or said so), or a dry run
    MET = "met"  # an explicit expectation (text, window, value, state and their no_) held within its timeout
    UNPROVEN = "unproven"  # a text expectation held, but the text was already there before: proves nothing
    FAILED = "failed"  # an expectation did not hold, or the action could not be delivered; see `seen`
    INVALID = "invalid"  # the planner's answer could not be used; nothing was performed
    REFUSED = "refused"  # the policy refused the action (or the person declined it); nothing was performed

    @property
    def passed(self) -> bool:
        """Whether the step proves what it claimed: its effect was seen, or it asked for no check."""
        return self in _PASSED


_PASSED = frozenset({Verdict.CHANGED, Verdict.FOCUSED, Verdict.READ_BACK, Verdict.MET, Verdict.NOT_CHECKED})
