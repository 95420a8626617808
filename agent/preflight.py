"""Pre-flight checks every desktop command makes before it touches the desktop or loads a model."""

from __future__ import annotations

import os
import sys

from actions.errors import UserInputError


def check_secrets(texts: list[str], where: str) -> None:
    """Every ``{{secret:NAME}}`` must be set before anything runs, not discovered mid-run."""
    from actions.secrets import missing_secrets

    missing = missing_secrets(texts)
    if missing:
        names = ", ".join(missing)
        raise UserInputError(f"{where} uses {{{{secret:{missing[0]}}}}} but {names} not set in the environment")


def require_display() -> None:
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        raise UserInputError(
            "no display: DISPLAY is not set (run inside a desktop session, or under Xvfb as `make demo` does)"
        )
