"""Reading PLAN.json: a user file, so the agent reads it; validating its actions is the contract's job."""

from __future__ import annotations

import json
from pathlib import Path

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
