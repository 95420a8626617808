"""The Python scripting API: ``from deskpilot import Desktop``."""

from agent.scripting.desktop import Desktop
from agent.scripting.inspecting import ElementInfo

__all__ = ["Desktop", "ElementInfo"]
