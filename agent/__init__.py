"""Deskpilot's agent: the observe-plan-act loop, screen capture, settle/verify, run records, CLI."""

from agent.errors import DeskpilotError
from agent.loop import Agent, Budgets, RunResult
from agent.settle import SettleConfig

__all__ = ["Agent", "Budgets", "DeskpilotError", "RunResult", "SettleConfig"]
