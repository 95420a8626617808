"""Deskpilot's agent: the observe-plan-act loop, screen capture, settle/verify, run records, CLI.

``from agent import Agent`` works as documented; the names are resolved on first use so that
importing a submodule (``agent.errors``, ``agent.screen``) never drags in the whole loop, and the
planners package can depend on ``agent.screen`` without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.errors import DeskpilotError
    from agent.loop import Agent, Budgets, RunResult
    from agent.settle import SettleConfig

__all__ = ["Agent", "Budgets", "DeskpilotError", "RunResult", "SettleConfig"]

_HOMES = {
    "Agent": "agent.loop",
    "Budgets": "agent.loop",
    "RunResult": "agent.loop",
    "SettleConfig": "agent.settle",
    "DeskpilotError": "agent.errors",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'agent' has no attribute {name!r}")
