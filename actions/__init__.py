"""Actions: the action JSON as models, coordinate spaces, and the executors that perform them.

``PyAutoGuiExecutor`` imports pyautogui (which opens the display) when one is made, not when this
package is imported.
"""

from actions.coords import DisplayProfile, GridPoint, ImagePixel, ScreenPoint
from actions.executor import Executor, RecordingExecutor
from actions.frame import FakeScreen, Frame, Screen
from actions.models import Action, Click, Done, Drag, Key, Move, Scroll, Type, Wait, parse_action, parse_plan
from actions.pyautogui_executor import PyAutoGuiExecutor

__all__ = [
    "Action", "Click", "DisplayProfile", "Done", "Drag", "Executor", "FakeScreen", "Frame", "GridPoint", "ImagePixel",
    "Key", "Move", "PyAutoGuiExecutor", "RecordingExecutor", "Screen", "ScreenPoint", "Scroll", "Type",
    "Wait", "parse_action", "parse_plan",
]  # fmt: skip
