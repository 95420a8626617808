"""The robustness table: a form recorded once, replayed after it drifted, judged by what the app received.

    .venv/bin/python -m bench.robustness [--rows GTK,Qt] [--drifts moved,dark] [--keep DIR]

Rows GTK (yad), Qt (a PyQt5 form), Chromium (the identity form page), Tk (the demo app: no accessibility
tree, the vision path); columns: moved, re-ordered fields, dark theme, 150% zoom, translated labels
(``scenarios/realapps/forms.py`` says how each app shows each drift). Per row, the plain form is recorded
once as a user would (``deskpilot run --plan PLAN --save-scenario FLOW.yaml``: identity kept), then per
drift a fresh app is started and ``deskpilot replay FLOW.yaml`` runs on it, with the clock window ticking
beside it. A cell is "targets found right / wrong clicks", counted from the app's own output (what yad
printed, the Qt form's lines, what the page posted, the demo app's state): a field holding its own text is
right, one holding anything else is a wrong click, an empty one was not found (a failed replay that typed
nothing is "not found", never wrong); Submit pressed is right, another button (Cancel, Clear) is wrong. The
goal is 0 wrong clicks anywhere: the exit status is 1 when any cell has one. A cell that could not run
is an error cell with its reason; the rest of the table still runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.timing import table

if TYPE_CHECKING:
    from scenarios.realapps.forms import FormApp

CLOCK_GEOMETRY = "300x180+960+600"  # the clock window (tests' `clock` fixture): clear of every form


@dataclass
class Cell:
    right: int = 0
    wrong: int = 0
    targets: int = 3
    replay_ms: float | None = None
    note: str = ""  # what the app held and how the replay ended, for a cell that is not all right
    error: str = ""

    def text(self) -> str:
        if self.error.startswith("n/a"):
            return "n/a"
        if self.error:
            return "error (below)"
        return f"{self.right}/{self.targets} right, {self.wrong} wrong"


def replay(form: FormApp, env: dict[str, str], flow: Path, drift: str, out: Path) -> Cell:
    from scenarios.realapps.forms import NotApplicable, deskpilot, last_line, score

    try:
        with form.open(env, drift) as read:
            started = time.perf_counter()
            proc = deskpilot(env, "replay", str(flow), "--out", str(out))
            replay_ms = (time.perf_counter() - started) * 1000
            outcome = read(5.0)
    except NotApplicable as why:
        return Cell(targets=0, error=f"n/a: {why}")
    right, wrong = score(form.texts, outcome)
    cell = Cell(right, wrong, len(form.texts) + 1, replay_ms)
    if right < cell.targets or wrong:
        held = {**outcome.values, "submitted": outcome.submitted}
        cell.note = f"the app held {held}; replay exit {proc.returncode}: {last_line(proc)}"
    return cell


def measure_row(form: FormApp, env: dict[str, str], folder: Path, drifts: list[str]) -> dict[str, Cell]:
    from scenarios.realapps.forms import record_plain

    try:
        flow = record_plain(form, env, folder)
    except Exception as exc:  # one row's failure must not stop the table: it becomes its error cells
        return {drift: Cell(error=f"record: {exc}") for drift in drifts}
    cells = {}
    for drift in drifts:
        try:
            cells[drift] = replay(form, env, flow, drift, folder / drift.replace(" ", "-").replace("%", ""))
        except Exception as exc:
            cells[drift] = Cell(error=f"{type(exc).__name__}: {exc}")
    return cells


def main(argv: list[str] | None = None) -> int:
    from agent.desktop.xserver import VirtualDesktop
    from scenarios.harness import MotionAppProcess
    from scenarios.realapps.forms import DRIFTS, forms

    parser = argparse.ArgumentParser(prog="python -m bench.robustness", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", help="comma-separated row prefixes (GTK, Qt, Chromium, Tk; default all)")
    parser.add_argument("--drifts", help=f"comma-separated column prefixes (default all: {', '.join(DRIFTS)})")
    parser.add_argument("--keep", type=Path, help="keep every recording and run directory under DIR")
    args = parser.parse_args(argv)
    rows = [f for f in forms() if not args.rows or any(f.row.startswith(p) for p in args.rows.split(","))]
    drifts = [d for d in DRIFTS if not args.drifts or any(d.startswith(p) for p in args.drifts.split(","))]
    if not rows or not drifts:
        parser.error("--rows/--drifts matched nothing")

    results: dict[str, dict[str, Cell]] = {}
    with tempfile.TemporaryDirectory(prefix="deskpilot-robustness-") as tmp:
        base = args.keep or Path(tmp)
        with VirtualDesktop(accessibility=True) as desk:
            os.environ.update(desk.session_vars())
            env = desk.env()
            with MotionAppProcess(env, fps=10, clock=True, geometry=CLOCK_GEOMETRY):
                for form in rows:
                    results[form.row] = measure_row(form, env, base / form.row.split()[0], drifts)
                    print(f"{form.row}: done", file=sys.stderr, flush=True)
    cells = [(row, drift, cell) for row, by in results.items() for drift, cell in by.items()]
    print("\nTargets found right / wrong clicks, from what each app received (3 targets per replay)\n")
    print(table(["", *drifts], [[row, *(c.text() for c in by.values())] for row, by in results.items()]))
    print("\nms per replay (deskpilot replay as a whole process)\n")
    timing = [
        [row, *(c.replay_ms if c.replay_ms is not None else "-" for c in by.values())] for row, by in results.items()
    ]
    print(table(["", *drifts], timing))
    notes = [f"- {row} / {drift}: {cell.note or cell.error}" for row, drift, cell in cells if cell.note or cell.error]
    if notes:
        print("\nCells not all right:\n" + "\n".join(notes))
    wrong = sum(cell.wrong for _, _, cell in cells)
    print(f"\nwrong clicks: {wrong} (goal: 0)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
