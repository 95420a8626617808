"""The Python scripting API: ``from deskpilot import Desktop``."""

from agent.scripting.desktop import Desktop

__all__ = ["Desktop"]
