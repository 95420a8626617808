"""The ``deskpilot`` command line: one module per command family, one desktop session they share."""

from agent.cli.main import main

__all__ = ["main"]
