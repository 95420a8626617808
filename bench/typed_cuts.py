"""Typed text cut short, judged without a tree (``agent/verify/typed_ocr.py``): how many whole texts it fails
(false failures: must be 0) and how many cut texts it catches.

Each case is a fresh app, a click into a field and one ``type`` through ``deskpilot run --plan``; the truth is
the app's own: what the Tk demo's field holds, what Dillo's form sends (a loopback server receives it). Whole
texts are narrow on purpose ("still", "lllll", "I/O"): those are the lines the check reads by OCR. Cuts come
from Dillo's ``maxlength=3`` field. Dillo is skipped where it is not installed.

    .venv/bin/python -m bench.typed_cuts
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.timing import table

NARROW_WORDS = ("still", "illicit", "1111", "mill", "lilt", "tiff", "fill", "rnrn", "ill", "jiffy", "Hill", "1.11",
                "ii", "fitting", "little", "iiiii", "lllll", "title", "if it", "I/O")  # fmt: skip
DILLO_WHOLE = ("still", "illicit", "1111", "lilt", "fitting", "iiiii", "title", "12345", "hello world")
DILLO_LIMITED = ("12345", "abcdef", "hello", "9876543", "xyz", "ab")  # into the field that takes 3 characters
LIMIT = 3


def _run(plan: list[dict[str, Any]], env: dict[str, str], work: Path) -> str:
    """The verdict of the plan's last step (its ``type``)."""
    (work / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    out = work / "run"
    cmd = [sys.executable, "-m", "deskpilot", "run", "--plan", str(work / "plan.json"), "--out", str(out), "--quiet"]
    subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    lines = (out / "steps.jsonl").read_text(encoding="utf-8").splitlines()
    return str(json.loads(lines[-1])["verdict"]) if lines else "no step"


def _tk_rows(desk: Any, tmp: Path) -> list[list[object]]:
    from scenarios.harness import DemoAppProcess

    rows: list[list[object]] = []
    for n, word in enumerate(NARROW_WORDS):
        work = tmp / f"tk{n}"
        work.mkdir()
        with DemoAppProcess(work / "state.json", desk.env()) as app:
            x, y = app.centre("email")
            verdict = _run([{"kind": "click", "x": x, "y": y}, {"kind": "type", "text": word}], desk.env(), work)
            held = app.wait(lambda state: True)["email"]
        rows.append(["Tk demo", word, "whole" if held == word else f"cut ({held!r})", verdict])
    return rows


def _dillo_rows(desk: Any, tmp: Path) -> list[list[object]]:
    from scenarios.realapps.apps import running_app
    from scenarios.realapps.order_form import LIMITED_PAGE, order_server

    cases = [("Note:", "note", word) for word in DILLO_WHOLE] + [("Qty:", "qty", word) for word in DILLO_LIMITED]
    rows: list[list[object]] = []
    for n, (label, name, word) in enumerate(cases):
        work = tmp / f"dillo{n}"
        work.mkdir()
        env = desk.env()
        plan = [
            {"kind": "click", "target": {"text": label, "window": "^Dillo", "offset": [60, 0]}},
            {"kind": "type", "text": word},
        ]
        # The plan stops at the type (the form is not sent): the field's limit says what it holds.
        with (
            order_server(LIMITED_PAGE) as (url, _),
            running_app(["dillo", "-g", "700x500+0+0", url], env, "^Dillo: Order"),
        ):
            verdict = _run(plan, env, work)
        held = word[:LIMIT] if name == "qty" else word
        rows.append([f"Dillo {label[:-1].lower()}", word, "whole" if held == word else f"cut ({held!r})", verdict])
    return rows


def main() -> int:
    from agent.desktop.xserver import VirtualDesktop

    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        rows = _tk_rows(desk, Path(tmp))
        if shutil.which("dillo"):
            rows += _dillo_rows(desk, Path(tmp))
        else:
            print("dillo is not installed: its rows are skipped (apt-get install dillo)")
    print(table(["app, field", "typed", "the app holds", "verdict"], rows))
    whole = [row for row in rows if row[2] == "whole"]
    cuts = [row for row in rows if row[2] != "whole"]
    false_failures = sum(row[3] == "failed" for row in whole)
    caught = sum(row[3] == "failed" for row in cuts)
    print(f"whole texts failed (false failures): {false_failures} of {len(whole)} (target 0)")
    print(f"cut texts failed (caught): {caught} of {len(cuts)}")
    return 1 if false_failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
