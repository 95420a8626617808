"""Deskpilot: a desktop automation agent that looks at the screen.

This package is the public face only: it re-exports what users script against, so that
``from deskpilot import Agent`` works whatever the floors below are called. The work lives in
``actions`` (the contract), ``planners`` and ``agent``.
"""

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
    ModelOutputError,
    PlanError,
    PolicyError,
    ReplayFailed,
    StopRequested,
    UserInputError,
)
from actions.version import installed_version
from agent import Agent, Budgets, RunResult, SettleConfig
from agent.run_dir import RunDirectory
from planners import Plan, Planner, ScriptedPlanner, StepFeedback

__version__ = installed_version()

__all__ = [
    "Action", "ActionError", "Agent", "BackendError", "Budgets", "CaptureError", "Click", "DeskpilotError",
    "DesktopError", "Done", "Drag", "Executor", "FakeScreen", "Frame", "Key", "ModelOutputError", "Move", "Plan",
    "PlanError", "Planner", "PolicyError", "RecordingExecutor", "ReplayFailed", "RunDirectory", "RunResult",
    "Screen", "ScriptedPlanner", "Scroll", "SettleConfig", "StepFeedback", "StopRequested", "Type",
    "UserInputError", "Wait", "__version__", "parse_action", "parse_plan",
]  # fmt: skip
