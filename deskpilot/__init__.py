"""Deskpilot: a desktop automation agent that looks at the screen.

This package is the public face only: it re-exports what users script against, so that
``from deskpilot import Agent`` works whatever the floors below are called. The work lives in
``actions`` (the contract), ``planners`` and ``agent``.

The re-exports are resolved on first use (PEP 562), not at import: ``import deskpilot`` must stay
free of the floors below, because the pytest plugin (``deskpilot.pytest_plugin``) is loaded into
every pytest run of every project in the environment, and a project's own ``agent`` or ``actions``
package would shadow ours if we imported them then.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:  # not actions.version.installed_version(): importing the floors here is what the plugin must avoid
    __version__ = version("deskpilot")  # the single source is `version` in pyproject.toml
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ["Action", "Click", "Done", "Drag", "Executor", "FakeScreen", "Frame", "Key", "Move", "RecordingExecutor",
         "Screen", "Scroll", "Type", "Wait", "parse_action", "parse_plan"], "actions"),
    **dict.fromkeys(
        ["ActionError", "BackendError", "CaptureError", "DeskpilotError", "DesktopError", "ExpectationFailed",
         "ModelOutputError", "PlanError", "PolicyError", "ReplayFailed", "StopRequested", "TargetAmbiguous",
         "TargetNotFound", "UserInputError"], "actions.errors"),
    "Target": "actions.targets",
    "Desktop": "agent.scripting",
    **dict.fromkeys(["Agent", "Budgets", "RunResult", "SettleConfig"], "agent"),
    "RunDirectory": "agent.run_dir",
    **dict.fromkeys(["Plan", "Planner", "ScriptedPlanner", "StepFeedback"], "planners"),
}  # fmt: skip

__all__ = [
    "Action", "ActionError", "Agent", "BackendError", "Budgets", "CaptureError", "Click", "DeskpilotError",
    "Desktop", "DesktopError", "Done", "ExpectationFailed", "Drag", "Executor", "FakeScreen", "Frame", "Key",
    "ModelOutputError", "Move", "Plan", "PlanError", "Planner", "PolicyError", "RecordingExecutor",
    "ReplayFailed", "RunDirectory", "RunResult", "Screen", "ScriptedPlanner", "Scroll", "SettleConfig",
    "StepFeedback", "StopRequested", "Target", "TargetAmbiguous", "TargetNotFound", "Type", "UserInputError",
    "Wait", "__version__", "parse_action", "parse_plan",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'deskpilot' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # what type checkers and IDEs see: the same names, eagerly
    from actions import (
        Action,
        Click,
        Done,
        Drag,
        Executor,
        FakeScreen,
        Frame,
        Key,
        Move,
        RecordingExecutor,
        Screen,
        Scroll,
        Type,
        Wait,
        parse_action,
        parse_plan,
    )
    from actions.errors import (
        ActionError,
        BackendError,
        CaptureError,
        DeskpilotError,
        DesktopError,
        ExpectationFailed,
        ModelOutputError,
        PlanError,
        PolicyError,
        ReplayFailed,
        StopRequested,
        TargetAmbiguous,
        TargetNotFound,
        UserInputError,
    )
    from actions.targets import Target
    from agent import Agent, Budgets, RunResult, SettleConfig
    from agent.run_dir import RunDirectory
    from agent.scripting import Desktop
    from planners import Plan, Planner, ScriptedPlanner, StepFeedback
