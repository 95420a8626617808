"""``deskpilot report RUN_DIR``: (re)build a run directory's report.html from its records."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_report_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="(re)build RUN_DIR/report.html")
    report.add_argument("run_dir", type=Path)


def run_report(args: argparse.Namespace) -> int:
    from agent.report import build_report

    print(build_report(args.run_dir))
    return 0
