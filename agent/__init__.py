"""Deskpilot's agent, the top floor: the loop, screen capture, settle/verify, run directories, CLI.

Importing this package imports nothing else: ``deskpilot --help`` passes through it and must not pay
for the loop's dependencies. ``from deskpilot import Agent`` is the public way in; inside, each module
is imported by its own name (``agent.loop.Agent``, ``agent.settle.SettleConfig``).
"""
