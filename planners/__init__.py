"""Planners: what to do next, given the task, the screen and what happened so far."""

from planners.base import Plan, Planner, StepFeedback
from planners.scripted import ScriptedPlanner

__all__ = ["Plan", "Planner", "ScriptedPlanner", "StepFeedback"]
