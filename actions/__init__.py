"""Actions: the action JSON as models, coordinate spaces, and the executors that perform them.

``PyAutoGuiExecutor`` is imported on first use: importing pyautogui opens the display.
"""

from typing import Any

from actions.coords import DisplayProfile, GridPoint, ImagePixel, ScreenPoint
from actions.executor import Executor, RecordingExecutor
from actions.frame import FakeScreen, Frame, Screen
from actions.models import Action, Click, Done, Drag, Key, Move, Scroll, Type, Wait, parse_action, parse_plan

__all__ = [
    "Action", "Click", "DisplayProfile", "Done", "Drag", "Executor", "FakeScreen", "Frame", "GridPoint", "ImagePixel",
    "Key", "Move", "PyAutoGuiExecutor", "RecordingExecutor", "Screen", "ScreenPoint", "Scroll", "Type",
    "Wait", "parse_action", "parse_plan",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name == "PyAutoGuiExecutor":
        from actions.pyautogui_executor import PyAutoGuiExecutor

        return PyAutoGuiExecutor
    raise AttributeError(f"module 'actions' has no attribute {name!r}")
