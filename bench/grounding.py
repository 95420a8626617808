"""Cost of each grounding rung at 1280x800 on a private Xvfb with the demo app open.

    .venv/bin/python -m bench.grounding

Times, side by side in one run: the anchor template (a small window around the expected point), the
whole-screen template (half resolution plus full-resolution refinement, against a plain full-resolution
search), and the OCR rung: cold (a new frame and an empty cache; reading near the expected point, the
window or the whole screen first), on a new frame whose text is unchanged, and cached (another label
on the same frame). Then tesseract's page segmentation modes on the demo's labels: the plain 2x window
crop against the text-blob montage the OCR rung reads. Last, when Chromium is installed, the zoom
form (scenarios/pages) at 100% and at 125% device scale, crops taken at 100%: each rung's time at 125%
as a ratio to the same rung at 100% (the anchor rung with the window's scale hint, the template rung
with and without it, OCR of the two-word label, cold).
"""

from __future__ import annotations

import functools
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.timing import median, sample_ms, table

if TYPE_CHECKING:
    from actions.frame import Frame

REPEAT = 10
LABELS = ("Submit", "Clear", "Count", "Name", "Email", "Notes", "I agree", "Double-click me", "Right-click me")


def main(argv: list[str] | None = None) -> int:
    from agent.desktop.xserver import VirtualDesktop
    from scenarios.harness import DemoAppProcess

    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        os.environ["DISPLAY"] = desk.display
        with DemoAppProcess(Path(tmp) / "state.json", desk.env()) as app:
            from agent.screen import MssScreen

            screen = MssScreen(1)
            time.sleep(0.3)  # let the app finish drawing: one still frame serves every measurement
            frame = screen.capture()
            screen.close()
            widgets = app.state()["widgets"]
            print(rung_table(frame, widgets, Path(tmp)))
            print()
            print(psm_table(frame, widgets))
        from scenarios.pages.zoom_form import CHROMIUM

        if CHROMIUM is not None:
            print()
            print(zoom_table(desk.env(), desk.display, Path(tmp)))
    return 0


def _fresh(frame: Frame) -> Frame:
    """The same pixels as a new Frame object: what a new capture of an unchanged screen looks like."""
    from actions.frame import Frame

    return Frame(frame.data, frame.profile, frame.monotonic_s, frame.wall_time_s, frame.order)


def _ms(fn: Any, *args: Any, warmup: int = 2) -> float:
    return median(sample_ms(functools.partial(fn, *args), REPEAT, warmup=warmup))


def _cold_ocr(query: Any, frame: Frame) -> None:
    """A new grounder and engine (empty word caches; the default hybrid's recogniser model stays loaded, as
    in a run) on a new frame object (no gray image or text blobs yet)."""
    from planners.grounding.ocr import OcrGrounder, default_engine
    from planners.grounding.ocr_hybrid import HybridEngine

    shared = default_engine()
    engine = HybridEngine(rapid=shared.rapid) if isinstance(shared, HybridEngine) else type(shared)()
    OcrGrounder(engine=engine).ground(query, _fresh(frame))


def rung_table(frame: Frame, widgets: dict[str, dict[str, int]], tmp: Path) -> str:
    import cv2

    from actions.coords import ScreenPoint
    from actions.windows import WindowInfo
    from planners.grounding.base import GroundingQuery
    from planners.grounding.gray import frame_gray
    from planners.grounding.ocr import OcrGrounder
    from planners.grounding.template import AnchorTemplateGrounder, ScreenTemplateGrounder, crop_template, load_template

    def centre(name: str) -> ScreenPoint:
        box = widgets[name]
        return ScreenPoint(box["x"] + box["w"] // 2, box["y"] + box["h"] // 2)

    queries = {}
    for name in ("submit", "name"):
        image, point = crop_template(frame, centre(name))
        image.save(tmp / f"{name}.png")
        queries[name] = GroundingQuery(name, template=tmp / f"{name}.png", template_point=point, expected=centre(name))
    anchor, screen = AnchorTemplateGrounder(), ScreenTemplateGrounder()
    rows: list[list[object]] = []
    base = _ms(anchor.ground, queries["submit"], frame)
    for name, query in queries.items():
        assert query.template is not None
        template = load_template(query.template)
        ms = base if name == "submit" else _ms(anchor.ground, query, frame)  # submit's anchor is the baseline
        rows.append([f"anchor template, {name} ({template.shape[1]}x{template.shape[0]} px), +-64 pt", ms, ms / base])
        ms = _ms(screen.ground, query, frame)
        rows.append([f"screen template, {name}: half res + refine", ms, ms / base])
        ms = _ms(cv2.matchTemplate, frame_gray(frame), template, cv2.TM_CCOEFF_NORMED)
        rows.append([f"screen template, {name}: full res (matchTemplate alone)", ms, ms / base])
    box = widgets["window"]
    window = WindowInfo("Deskpilot Demo", box["x"], box["y"], box["w"], box["h"])
    submit = GroundingQuery("Submit", label="Submit", window=window)
    cold = {
        "near the expected point first": GroundingQuery(
            "Submit", label="Submit", window=window, expected=centre("submit")
        ),
        "window first": submit,
        "whole screen": GroundingQuery("Submit", label="Submit"),
    }
    for what, query in cold.items():
        ms = _ms(_cold_ocr, query, frame, warmup=1)
        rows.append([f"ocr 'Submit', cold, {what}", ms, ms / base])
    warm = OcrGrounder()
    warm.ground(submit, frame)
    first_runs = warm.engine_runs
    ms = _ms(warm.ground, GroundingQuery("Count", label="Count", window=window), frame)
    rows.append(["ocr 'Count', cached (same frame)", ms, ms / base])
    ms = median(sample_ms(lambda: warm.ground(submit, _fresh(frame)), REPEAT))
    rows.append(["ocr 'Submit', new frame, same text (blob cache)", ms, ms / base])
    assert warm.engine_runs == first_runs, "cached lookups must not run the OCR engine again"
    return f"grounding rungs at {frame.size[0]}x{frame.size[1]}, median ms of {REPEAT}\n" + table(
        ["rung", "ms", "x anchor"], rows
    )


def psm_table(frame: Frame, widgets: dict[str, dict[str, int]]) -> str:
    import cv2

    from planners.grounding.gray import frame_gray
    from planners.grounding.ocr import OcrGrounder, Word, find_label, normalise, text_blobs
    from planners.grounding.ocr_tesseract import TesseractEngine, run_tesseract

    box = widgets["window"]
    x0, y0, x1, y1 = box["x"], box["y"], box["x"] + box["w"], box["y"] + box["h"]
    crop = cv2.resize(frame_gray(frame)[y0:y1, x0:x1], None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    inside = [b for b in text_blobs(frame) if x0 <= b[0] < x1 and y0 <= b[1] < y1]
    rows: list[list[object]] = []
    for psm in (3, 6, 11, 12):
        tesseract = TesseractEngine(psm=psm)
        ocr = OcrGrounder(engine=tesseract)
        start = time.perf_counter()
        reads = run_tesseract(tesseract, crop, 192)
        raw = [Word(text, normalise(text), box, conf, line) for text, box, conf, line in reads]
        crop_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        blobs = ocr.read(frame, inside)
        montage_ms = (time.perf_counter() - start) * 1000
        found_raw = [label for label in LABELS if find_label(raw, label)]
        found_blobs = [label for label in LABELS if find_label(blobs, label)]
        missed = ", ".join(label for label in LABELS if label not in found_raw) or "-"
        found = (f"{len(found_raw)}/{len(LABELS)}", f"{len(found_blobs)}/{len(LABELS)}")
        rows.append([psm, found[0], crop_ms, found[1], montage_ms, missed])
    return "tesseract page segmentation on the demo window's labels (one run each)\n" + table(
        ["psm", "2x crop", "ms", "montage", "ms", "2x crop missed"], rows
    )


def zoom_table(env: dict[str, str], display: str, tmp: Path) -> str:
    """The zoom form's rungs at 125% against 100%, templates cropped at 100% (the recording)."""
    import dataclasses

    from actions.coords import ScreenPoint
    from agent.screen import MssScreen
    from planners.grounding.base import GroundingQuery
    from planners.grounding.gray import frame_gray, smoothed
    from planners.grounding.template import AnchorTemplateGrounder, ScreenTemplateGrounder, crop_template
    from scenarios.pages.zoom_form import chromium, element_point, form_server

    scales, shots = (1.0, 1.25), {}
    with form_server() as server:
        for scale in scales:
            with chromium(env, display, server, scale) as (window, layout):
                screen = MssScreen(0)
                time.sleep(1.0)  # let the page finish drawing: one still frame serves every measurement
                shots[scale] = (screen.capture(), window)
                screen.close()
                if scale == 1.0:
                    points = {name: element_point(window, layout, name) for name in ("submit", "fruit")}
    frame, window = shots[1.0]
    queries = {}
    for name, (x, y) in points.items():
        image, pixel = crop_template(frame, ScreenPoint(x, y))
        image.save(tmp / f"zoom-{name}.png")
        queries[name] = GroundingQuery(name, template=tmp / f"zoom-{name}.png", template_point=pixel)
    anchor, screen_rung = AnchorTemplateGrounder(), ScreenTemplateGrounder()
    times: dict[str, list[float]] = {}
    for scale in scales:
        frame, now = shots[scale]
        hint = None if scale == 1.0 else scale
        for name, query in queries.items():
            x, y = points[name]
            expected = ScreenPoint(
                now.left + round((x - window.left) * scale), now.top + round((y - window.top) * scale)
            )
            rows = {
                f"anchor, {name} (window's scale)": dataclasses.replace(query, expected=expected, scale=hint),
                f"template, {name} (window's scale first)": dataclasses.replace(query, scale=hint),
                f"template, {name} (no hint: every scale)": query,
            }
            for what, q in rows.items():
                grounder = anchor if what.startswith("anchor") else screen_rung
                found = grounder.ground(q, frame)
                assert found.point is not None, (what, scale, found)
                times.setdefault(what, []).append(_ms(grounder.ground, q, frame))
        label = GroundingQuery("Gift wrap", label="Gift wrap", window=now)
        times.setdefault("ocr 'Gift wrap', cold, in the window", []).append(_ms(_cold_ocr, label, frame, warmup=1))
    rows_out: list[list[object]] = [[what, a, b, b / a] for what, (a, b) in times.items()]
    # Paid once a frame by the first resized crop matched on it (anchor or template), then cached.
    gray = frame_gray(shots[1.25][0])
    rows_out.append(["smoothing the frame for resized crops (once a frame)", "-", _ms(smoothed, gray), "-"])
    return f"the zoom form at 125% against 100%, median ms of {REPEAT}\n" + table(
        ["rung", "100% ms", "125% ms", "x 100%"], rows_out
    )


if __name__ == "__main__":
    raise SystemExit(main())
