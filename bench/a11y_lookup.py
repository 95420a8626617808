"""Target lookup through the accessibility tree against OCR and a template, on real GTK, Qt and Chromium.

    .venv/bin/python -m bench.a11y_lookup

One private desktop (with its accessibility bus); per app, one still frame and, per target, side by side:
the tree rung cold (a new reader: the active window's tree read, then matched), the tree rung on a frame
whose tree is already read (what every later lookup on an unchanged screen costs), the OCR rung cold (a new
grounder on a new frame) and a whole-screen template search (the crop cut from the frame at the element's
box). Each cell is the median ms of a few runs and whether the point found lies inside the element's
box ("ok", "wrong", "none", or "disabled": the tree refused it). Then the ratio OCR / tree (cold) per
app, and the cost of one tree read.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bench.timing import median, sample_ms, table

if TYPE_CHECKING:
    from actions.a11y import Box
    from actions.frame import Frame

REPEAT = 5
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>bench buttons</title>
<style>body { font: 20px sans-serif; margin: 16px; } button, input { font: 20px sans-serif; margin: 8px; }</style>
</head><body><button>Start</button> <button>Send</button> <button>Cancel</button>
<p><label for="c">City</label> <input id="c"></p><p><a href="#">Open the report</a></p></body></html>"""


def _apps(tmp: Path) -> list[tuple[str, list[str], str, list[str]]]:
    """(toolkit, command, window title pattern, target names)."""
    from scenarios.realapps.apps import chromium_binary, chromium_command

    note = tmp / "note.txt"
    note.write_text("hello\n")
    apps = [
        ("GTK 3 (galculator)", ["galculator"], "^galculator$", ["7", "=", "sqrt", "MR", "AC"]),
        (
            "Qt 5 (featherpad)",
            ["featherpad", "--standalone", str(note)],
            re.escape(note.name),
            ["File", "Edit", "Options", "Search", "Help"],
        ),
    ]
    binary = chromium_binary()
    if binary is not None:
        url = "data:text/html;charset=utf-8," + quote(PAGE)
        apps.append(
            (
                "Chromium",
                chromium_command(binary, url, tmp / "profile"),
                "^bench buttons$",
                ["Start", "Send", "Cancel", "Open the report"],
            )
        )
    return apps


def main(argv: list[str] | None = None) -> int:
    from agent.desktop.xserver import VirtualDesktop

    with VirtualDesktop(accessibility=True) as desk, tempfile.TemporaryDirectory() as tmp_name:
        os.environ.update(desk.session_vars())
        tmp = Path(tmp_name)
        rows: list[list[object]] = []
        summary: list[list[object]] = []
        for toolkit, cmd, title, names in _apps(tmp):
            if not _installed(cmd[0]):
                print(f"{toolkit}: not installed, skipped", file=sys.stderr)
                continue
            with _running(cmd, desk.env(), title):
                app_rows, app_summary = measure(toolkit, names, tmp)
            rows += app_rows
            summary.append(app_summary)
        print(table(["app", "target", "tree cold ms", "tree (tree read) ms", "OCR cold ms", "template ms"], rows))
        print()
        print(table(["app", "elements", "one tree read ms", "OCR / tree (cold), median"], summary))
    return 0


def _installed(program: str) -> bool:
    import shutil

    return shutil.which(program) is not None or Path(program).exists()


@contextmanager
def _running(cmd: list[str], env: dict[str, str], title: str) -> Iterator[None]:
    from scenarios.realapps.apps import running_app

    with running_app(cmd, env, title):
        time.sleep(1.0)  # let the app finish drawing and publishing: one still frame serves every measurement
        yield


def measure(toolkit: str, names: list[str], tmp: Path) -> tuple[list[list[object]], list[object]]:
    from actions.a11y import FrameTrees
    from actions.x11 import windows
    from agent.screen import MssScreen
    from planners.grounding.base import GroundingQuery
    from planners.grounding.tree import TreeGrounder

    screen = MssScreen(1)
    frame = screen.capture()
    screen.close()
    warm = FrameTrees(active_window=windows.active_window)
    tree = warm.snapshot(frame)
    read_ms = median(sample_ms(lambda: FrameTrees(active_window=windows.active_window).snapshot(frame), REPEAT, 1))
    rows: list[list[object]] = []
    ratios = []
    for name in names:
        found = tree.find(name=name)
        box = tree.visible_box(found[0]) if found else None
        query = GroundingQuery(description=name, label=name)

        def cold_tree(query: GroundingQuery = query) -> Any:
            trees = FrameTrees(active_window=windows.active_window)
            try:
                return TreeGrounder(trees, wait_enabled_s=0.0).ground(query, _fresh(frame))
            finally:
                trees.close()

        tree_ms, tree_ok = _timed(cold_tree, box)
        cached_ms, _ = _timed(lambda query=query: TreeGrounder(warm, wait_enabled_s=0.0).ground(query, frame), box)
        ocr_ms, ocr_ok = _timed(lambda query=query: _cold_ocr(query, frame), box)
        template_ms, template_ok = _template(frame, box, tmp, name)
        rows.append(
            [
                toolkit,
                name,
                f"{tree_ms:.0f} {tree_ok}",
                f"{cached_ms:.1f} {tree_ok}",
                f"{ocr_ms:.0f} {ocr_ok}",
                f"{template_ms:.0f} {template_ok}" if template_ms else "no box",
            ]
        )
        ratios.append(ocr_ms / tree_ms)
    warm.close()
    return rows, [toolkit, len(tree), f"{read_ms:.0f}", f"{median(ratios):.1f}x"]


def _timed(fn: Any, box: Box | None) -> tuple[float, str]:
    result = fn()
    samples = sample_ms(fn, REPEAT, warmup=0)
    return median(samples), "disabled" if getattr(result, "refused", False) else _verdict(result.point, box)


def _verdict(point: Any, box: Box | None) -> str:
    if point is None:
        return "none"
    if box is None:
        return "?"
    inside = box.x <= point.x < box.x + box.width and box.y <= point.y < box.y + box.height
    return "ok" if inside else "wrong"


def _fresh(frame: Frame) -> Frame:
    from actions.frame import Frame

    return Frame(frame.data, frame.profile, frame.monotonic_s, frame.wall_time_s, frame.order)


def _cold_ocr(query: Any, frame: Frame) -> Any:
    """The OCR rung as on a screen it never read: the engine's per-blob words forgotten first (its models
    stay loaded), or every sample after the first would be answered from that cache."""
    from planners.grounding.ocr import OcrGrounder, default_engine

    engine = default_engine()
    forget = getattr(engine, "forget", None)
    if forget is not None:
        forget()
    return OcrGrounder(engine).ground(query, _fresh(frame))


def _template(frame: Frame, box: Box | None, tmp: Path, name: str) -> tuple[float, str]:
    """The element's crop (cut at its box) searched for on the whole screen."""
    if box is None:
        return 0.0, "none"
    from planners.grounding.base import GroundingQuery
    from planners.grounding.template import ScreenTemplateGrounder

    path = tmp / f"crop-{abs(hash(name))}.png"
    frame.to_image().crop((box.x, box.y, box.x + box.width, box.y + box.height)).save(path)
    query = GroundingQuery(description=name, template=path)
    return _timed(lambda: ScreenTemplateGrounder().ground(query, _fresh(frame)), box)


if __name__ == "__main__":
    sys.exit(main())
