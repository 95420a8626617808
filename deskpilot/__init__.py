"""Deskpilot: a desktop automation agent that looks at the screen.

This package is the public face only: it re-exports what users script against, so that
``from deskpilot import Agent`` works whatever the floors below are called. The work lives in
``actions`` (the contract), ``planners`` and ``agent``.

The re-exports are resolved on first use (PEP 562), not at import: ``import deskpilot`` must stay
free of the floors below, because the pytest plugin (``deskpilot.pytest_plugin``) is loaded into
every pytest run of every project in the environment, and a project's own ``agent`` or ``actions``
package would shadow ours if we imported them then. Everything ``actions`` exports (the action
kinds, the executors, the screens, the coordinate types) is re-exported as it is, never listed here:
a new action kind needs no line in this file.
"""

from __future__ import annotations

import importlib

# Not `from typing import TYPE_CHECKING`: importing typing is a third of `deskpilot --help`'s own time.
# Type checkers treat any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# public name -> the module that defines it, for everything that is not one of `actions`' own names
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ["ActionError", "BackendError", "CaptureError", "DeskpilotError", "DesktopError", "ExpectationFailed",
         "ModelOutputError", "NoKeyboardFocus", "PlanError", "PolicyError", "ReplayFailed", "StepFailed",
         "StopRequested", "TargetAmbiguous", "TargetNotFound", "TextNotDelivered", "UserInputError"], "actions.errors"),
    "Target": "actions.targets",
    **dict.fromkeys(["Desktop", "ElementInfo"], "agent.scripting"),
    **dict.fromkeys(["Agent", "Budgets"], "agent.loop"),
    **dict.fromkeys(["EndCause", "RunEnd", "RunResult"], "agent.outcome"),
    "SettleConfig": "agent.settle",
    "RunDirectory": "agent.run_dir",
    **dict.fromkeys(["Plan", "Planner", "ScriptedPlanner", "StepFeedback"], "planners"),
}  # fmt: skip
_CONTRACT = "actions"  # its __all__ is re-exported whole


def _installed_version() -> str:
    # Not agent.version: importing the floors here is what the plugin must avoid.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("deskpilot")  # the single source is `version` in pyproject.toml
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _installed_version()
    elif name == "__all__":  # `from deskpilot import *`
        value = sorted({*_EXPORTS, *importlib.import_module(_CONTRACT).__all__, "__version__"})
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif not name.startswith("__") and name in importlib.import_module(_CONTRACT).__all__:
        value = getattr(importlib.import_module(_CONTRACT), name)
    else:
        raise AttributeError(f"module 'deskpilot' has no attribute {name!r}")
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    # Never imports: listing this package must not import the floors (see above). `actions`' own names
    # join the list once `actions` has been imported.
    import sys

    contract = sys.modules.get(_CONTRACT)
    return sorted({*globals(), *_EXPORTS, "__version__", *getattr(contract, "__all__", ())})


if TYPE_CHECKING:  # what type checkers and IDEs see: the same names, eagerly
    import actions
    from actions import *  # noqa: F403
    from actions.errors import (
        ActionError,
        BackendError,
        CaptureError,
        DeskpilotError,
        DesktopError,
        ExpectationFailed,
        ModelOutputError,
        NoKeyboardFocus,
        PlanError,
        PolicyError,
        ReplayFailed,
        StepFailed,
        StopRequested,
        TargetAmbiguous,
        TargetNotFound,
        TextNotDelivered,
        UserInputError,
    )
    from actions.targets import Target
    from agent.loop import Agent, Budgets
    from agent.outcome import EndCause, RunEnd, RunResult
    from agent.run_dir import RunDirectory
    from agent.scripting import Desktop
    from agent.settle import SettleConfig
    from planners import Plan, Planner, ScriptedPlanner, StepFeedback

    __version__: str
    __all__ = [
        "ActionError",
        "Agent",
        "BackendError",
        "Budgets",
        "CaptureError",
        "DeskpilotError",
        "Desktop",
        "DesktopError",
        "EndCause",
        "ExpectationFailed",
        "ModelOutputError",
        "NoKeyboardFocus",
        "Plan",
        "PlanError",
        "Planner",
        "PolicyError",
        "ReplayFailed",
        "RunDirectory",
        "RunEnd",
        "RunResult",
        "ScriptedPlanner",
        "SettleConfig",
        "StepFailed",
        "StepFeedback",
        "StopRequested",
        "Target",
        "TargetAmbiguous",
        "TargetNotFound",
        "TextNotDelivered",
        "UserInputError",
        "__version__",
    ]
    __all__ += actions.__all__
