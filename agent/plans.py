"""Reading PLAN.json: a user file, so the agent reads it; validating its actions is the contract's job."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from actions.coords import ScreenBounds
from actions.errors import PlanError
from actions.models import Action, parse_plan
from planners.user_files import read_user_text


def load_plan(path: str | Path) -> list[Action]:
    """Read and validate a PLAN.json file; every problem is a PlanError naming the file."""
    path = Path(path)
    text = read_user_text(path, "plan", PlanError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})") from None
    return parse_plan(data, source=str(path))


def check_on_screen(actions: Sequence[Action], source: str) -> None:
    """Every point a plan gives lies on a monitor of the live screen, or a PlanError (exit 2, before
    anything runs) names the first step that does not, and the screen's bounds. The executor checks
    again at run time (``actions.errors.PointOffScreen``), for points that targets resolve to."""
    from agent.screen import list_monitors

    bounds = ScreenBounds.from_mss(list_monitors())
    for number, action in enumerate(actions, 1):
        if (off := bounds.outside((action.point, getattr(action, "to_point", None)))) is not None:
            raise PlanError(f"{source}: step {number} ({action.describe()}): {bounds.off_screen(off)}; nothing was run")
