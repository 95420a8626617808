"""Targets in scripts: the first run (OCR, template search, model) against the learned run (anchor).

    .venv/bin/python -m bench.targets

One script of 8 steps through ``Desktop`` on the demo app, run twice in one process, side by side:
cold (an empty cache: every target found by its kind's rung) and learned (the same cache; the app
restarted 260 pt to the right and 80 pt lower, so the anchors are confirmed in a moved window). The
"model" for the description target is an oracle that counts its calls and points at the true widget
(it stands in for Qwen3-VL: what is measured is whether the learned run still needs it).
Per step: the rung that found it, grounding ms (the loop's plan time), tesseract runs, model calls.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actions.coords import ScreenPoint
from actions.frame import Frame
from bench.timing import table


class OracleModel:
    def __init__(self) -> None:
        self.app: Any = None
        self.calls = 0

    def ground(self, description: str, frame: Frame) -> ScreenPoint:
        self.calls += 1
        assert "Count" in description, description
        return ScreenPoint(*self.app.centre("count"))


STEPS: list[tuple[str, Callable[[Any], None]]] = [
    ("click text 'Name' +offset", lambda d: d.click("Name", offset=(175, 0), expect="none")),  # has the focus
    ("type", lambda d: d.type("Ada Lovelace")),
    ("click text 'Email' +offset", lambda d: d.click("Email", offset=(177, 0))),
    ("type", lambda d: d.type("ada@example.com")),
    ("click text 'I agree'", lambda d: d.click("I agree")),
    ("click image submit.png", lambda d: d.click(image="submit.png")),
    ("click description (model)", lambda d: d.click(description="the Count button")),
    ("double_click text", lambda d: d.double_click("Double-click me")),
]


def _run(folder: Path, oracle: OracleModel, name: str) -> list[dict[str, Any]]:
    from agent.scripting import Desktop

    measured = []
    with Desktop(out=folder / name, cache=folder / "script.cache", images=folder, stop_hotkey=None) as desk:
        desk._model = oracle  # the oracle stands in for a served model (no backend to build)
        desk.parts.resolver.vlm = _vlm(oracle)  # type: ignore[union-attr]
        resolver = desk.parts.resolver  # type: ignore[union-attr]
        for label, step in STEPS:
            calls, tess, model = dict(resolver.calls), resolver.ocr.tesseract_runs, oracle.calls
            step(desk)
            record = desk.parts.run.steps[-1]  # type: ignore[union-attr]
            grounding = record.grounding or [{}]
            measured.append(
                {
                    "step": label,
                    "rung": grounding[0].get("rung", "-"),
                    "ms": record.timings.plan_ms,
                    "ocr_calls": resolver.calls.get("ocr", 0) - calls.get("ocr", 0),
                    "tesseract": resolver.ocr.tesseract_runs - tess,
                    "model": oracle.calls - model,
                }
            )
    return measured


def _vlm(oracle: OracleModel) -> Any:
    from planners.grounding.vlm import VlmGrounder

    return VlmGrounder(oracle)


def main(argv: list[str] | None = None) -> int:
    from agent.desktop.xserver import VirtualDesktop
    from scenarios.harness import DemoAppProcess

    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        os.environ["DISPLAY"] = desk.display
        folder, oracle = Path(tmp), OracleModel()
        with DemoAppProcess(folder / "s1.json", desk.env()) as app:
            oracle.app = app
            app.save_widget_png("submit", folder / "submit.png")
            cold = _run(folder, oracle, "cold")
        with DemoAppProcess(folder / "s2.json", desk.env(), x=300, y=120) as app:
            oracle.app = app
            learned = _run(folder, oracle, "learned")
    rows = []
    for a, b in zip(cold, learned, strict=True):
        ratio = f"{a['ms'] / b['ms']:.1f}x" if b["ms"] > 0.05 and a["rung"] != "-" else "-"
        rows.append(
            [
                a["step"],
                a["rung"],
                f"{a['ms']:.1f}",
                a["tesseract"],
                a["model"],
                b["rung"],
                f"{b['ms']:.1f}",
                b["tesseract"],
                b["model"],
                ratio,
            ]
        )
    total = [sum(r["ms"] for r in run if r["rung"] != "-") for run in (cold, learned)]
    rows.append(
        [
            "all targets",
            "",
            f"{total[0]:.1f}",
            sum(r["tesseract"] for r in cold),
            sum(r["model"] for r in cold),
            "",
            f"{total[1]:.1f}",
            sum(r["tesseract"] for r in learned),
            sum(r["model"] for r in learned),
            f"{total[0] / total[1]:.1f}x" if total[1] else "-",
        ]
    )
    print("8-step Desktop script on the demo app; first run vs learned run (window moved), one process")
    print(
        table(
            [
                "step",
                "first: rung",
                "ms",
                "tesseract",
                "model",
                "learned: rung",
                "ms",
                "tesseract",
                "model",
                "first/learned",
            ],
            rows,
        )
    )
    learned_calls = sum(r["tesseract"] + r["model"] + r["ocr_calls"] for r in learned)
    print(f"OCR + model calls in the learned run: {learned_calls} (target 0)")
    return 0 if learned_calls == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
