"""``deskpilot record``: watch a person work and write a scenario; the work is in agent.record."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agent.cli.checks import require_display
from agent.record.recorder import DEFAULT_STOP_HOTKEY


def add_record_parser(sub: argparse._SubParsersAction) -> None:
    record = sub.add_parser("record", help="record your clicks, drags, scrolls and typing as a scenario")
    record.add_argument("scenario", type=Path, help="SCENARIO.yaml to write")
    record.add_argument("--stop-hotkey", default=DEFAULT_STOP_HOTKEY, help="ends the recording (or Ctrl+C)")


def run_record(args: argparse.Namespace) -> int:
    from agent.cli.session import DesktopSession
    from agent.record.recorder import record

    require_display()
    # The recorder listens for its own end-recording combo; the session routes the signals.
    with DesktopSession(None, quiet=False) as session:
        scenario = record(
            args.scenario, stop_hotkey=args.stop_hotkey, stop=session.stop,
            announce=lambda line: print(line, file=sys.stderr, flush=True),
        )  # fmt: skip
        session.say(f"recorded {len(scenario.steps)} steps to {args.scenario}")
        return session.exit_status(not session.stop.is_set())
