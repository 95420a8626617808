"""``deskpilot replay FLOW.yaml --vars-csv ROWS.csv``: one replay per row, a table, an index page.

Column names are variable names; a row's empty cell falls back to the variable's default. Every row is
its own run directory (``OUT/row-001/`` ...) with its own report; ``OUT/rows.csv`` and
``OUT/index.html`` hold the table (row, result, failing step, seconds, reason) and link each report.
"""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from pathlib import Path

from actions.errors import UserInputError
from agent.run_dir import StepRecord
from planners.scenario_file import Scenario, resolve_variables


@dataclass
class RowResult:
    row: int
    success: bool
    failing_step: str  # "3 (click the Submit button)", or "-"
    seconds: float
    reason: str
    report: str  # relative to the index page

    @property
    def result(self) -> str:
        return "passed" if self.success else "failed"


def read_rows(path: Path, scenario: Scenario, given: dict[str, str]) -> list[dict[str, str]]:
    """Every row's variables, all checked before the first replay (a bad column stops nothing half-way)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            rows = [dict(row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserInputError(f"--vars-csv {path}: cannot read it: {exc}") from None
    unknown = [c for c in columns if c not in scenario.variables]
    if unknown:
        declared = ", ".join(sorted(scenario.variables)) or "none"
        raise UserInputError(
            f"--vars-csv {path}: column {unknown[0]!r} is not a variable of the scenario (it declares: {declared})"
        )
    if not rows:
        raise UserInputError(f"--vars-csv {path}: no rows")
    values = []
    for number, row in enumerate(rows, start=1):
        filled = {**given, **{k: v for k, v in row.items() if k and v not in (None, "")}}
        try:
            values.append(resolve_variables(scenario, filled))
        except UserInputError as exc:
            raise UserInputError(f"--vars-csv {path}: row {number}: {exc}") from None
    return values


def failing_step(steps: list[StepRecord], step_names: list[str]) -> str:
    """The first step that did not pass, as "3 (click the Submit button)"; "-" when every one did."""
    failed = next((step for step in steps if not step.verdict.passed), None)
    if failed is None:
        return "-"
    number = failed.index
    name = step_names[number - 1] if 0 < number <= len(step_names) else ""
    return f"{number} ({name})" if name else str(number)


def table(results: list[RowResult]) -> str:
    rows = [["row", "result", "failing step", "seconds", "reason"]]
    for r in results:
        rows.append([str(r.row), r.result, r.failing_step, f"{r.seconds:.1f}", "" if r.success else r.reason[:100]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    passed = sum(r.success for r in results)
    return "\n".join(lines) + f"\n{passed}/{len(results)} rows passed"


def write_index(out: Path, scenario: Scenario, csv_path: Path, results: list[RowResult]) -> Path:
    with open(out / "rows.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "result", "failing step", "seconds", "reason", "report"])
        for r in results:
            writer.writerow([r.row, r.result, r.failing_step, f"{r.seconds:.2f}", r.reason, r.report])
    body = "".join(
        f"<tr class='{r.result}'><td>{r.row}</td><td>{r.result}</td><td>{html.escape(r.failing_step)}</td>"
        f"<td>{r.seconds:.1f}</td><td>{html.escape('' if r.success else r.reason)}</td>"
        f"<td><a href='{html.escape(r.report)}'>report</a></td></tr>"
        for r in results
    )
    passed = sum(r.success for r in results)
    page = (
        "<!doctype html><meta charset='utf-8'><title>"
        f"{html.escape(scenario.name)}: {passed}/{len(results)} rows passed</title>"
        "<style>body{font:14px system-ui;margin:2em}td,th{padding:4px 10px;text-align:left}"
        ".failed{background:#fde8e8}.passed{background:#e8f6ea}</style>"
        f"<h1>{html.escape(scenario.name)}</h1><p>{passed}/{len(results)} rows of "
        f"{html.escape(str(csv_path))} passed</p>"
        "<table><tr><th>row</th><th>result</th><th>failing step</th><th>seconds</th><th>reason</th><th></th></tr>"
        f"{body}</table>"
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
