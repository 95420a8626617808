"""``deskpilot record``: watch a person work and write a scenario; the work is in agent.record."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from actions.errors import UserInputError
from actions.hotkeys import DEFAULT_HOTKEYS
from agent.preflight import require_display


def add_record_parser(sub: argparse._SubParsersAction) -> None:
    record = sub.add_parser("record", help="record your clicks, drags, scrolls and typing as a scenario")
    record.add_argument("scenario", type=Path, nargs="?", help="SCENARIO.yaml to write")
    record.add_argument(
        "--stop-hotkey", default=DEFAULT_HOTKEYS["end_recording"], help="ends the recording (or Ctrl+C)"
    )
    record.add_argument(
        "--recover", type=Path, metavar="JOURNAL", help="write the scenario from a killed recorder's SCENARIO.recording"
    )


def run_record(args: argparse.Namespace) -> int:
    from agent.record.recorder import record, recover
    from agent.session import EXIT_OK, DesktopSession

    if args.recover is not None:
        if args.scenario is not None:
            raise UserInputError("give either SCENARIO.yaml to record or --recover JOURNAL, not both")
        path, scenario = recover(args.recover)
        print(f"deskpilot: recovered {len(scenario.steps)} steps to {path}", file=sys.stderr)
        return EXIT_OK
    if args.scenario is None:
        raise UserInputError("record needs SCENARIO.yaml (or --recover JOURNAL)")
    require_display()
    # The recorder listens for its own end-recording combo; the session routes the signals.
    with DesktopSession(None) as session:
        scenario = record(
            args.scenario,
            stop_hotkey=args.stop_hotkey,
            stop=session.stop,
            announce=lambda line: print(line, file=sys.stderr, flush=True),
        )
        session.say(f"recorded {len(scenario.steps)} steps to {args.scenario}")
        return session.exit_status(not session.stop.is_set())
