"""Deskpilot's agent, the top floor: the loop, screen capture, settle/verify, run directories, CLI.

``from agent import Agent`` works as documented. Imports only go down the floors
(actions <- planners <- agent), so nothing here needs to be resolved lazily.
"""

from actions.errors import DeskpilotError
from agent.loop import Agent, Budgets, RunResult
from agent.settle import SettleConfig

__all__ = ["Agent", "Budgets", "DeskpilotError", "RunResult", "SettleConfig"]
