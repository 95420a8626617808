"""report.html: one self-contained page per run, built from the run directory alone.

Each frame is embedded once (JPEG, base64) as an SVG ``<image>`` in a hidden ``<defs>`` block;
every step shows it through ``<use>`` with the point acted on (and the changed region) drawn
over it in image-pixel coordinates, so the page stays one file without repeating images.
"""

from __future__ import annotations

import base64
import html
import io
import time
from pathlib import Path

from actions.coords import DisplayProfile, ScreenPoint
from actions.models import Drag
from agent.records import RUN_FILE, SUMMARY_FILE, StepRecord, Verdict, read_json, read_steps

REPORT_FILE = "report.html"
_JPEG_QUALITY = 82

_VERDICT_COLOURS = {
    Verdict.CHANGED: "#1a7f37",
    Verdict.NOT_CHECKED: "#57606a",
    Verdict.NO_CHANGE: "#bf8700",
    Verdict.UNSETTLED: "#bf8700",
    Verdict.INVALID: "#cf222e",
}

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
header{padding:20px 28px;background:#fff;border-bottom:1px solid #d0d7de}
h1{font-size:20px;margin:0 0 6px}.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff}
.meta{color:#57606a}.meta b{color:#1f2328}main{padding:16px 28px}
.step{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:0 0 16px;padding:12px 16px}
.step h2{font-size:15px;margin:0 0 8px;font-family:ui-monospace,monospace}
.frames{display:flex;gap:12px;flex-wrap:wrap}.frames figure{margin:0;flex:1 1 420px}
.frames svg{width:100%;height:auto;border:1px solid #d0d7de;border-radius:4px}
figcaption{color:#57606a;font-size:12px}pre{white-space:pre-wrap;background:#f6f8fa;padding:8px;border-radius:4px}
.chip{padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-family:system-ui}
"""


def build_report(run_dir: str | Path) -> Path:
    """Write RUN_DIR/report.html from run.json, steps.jsonl, summary.json and the frames."""
    run_dir = Path(run_dir)
    if not (run_dir / "steps.jsonl").exists() and not (run_dir / RUN_FILE).exists():
        from agent.errors import UserInputError

        raise UserInputError(f"{run_dir}: not a run directory (no steps.jsonl or run.json)")
    info = read_json(run_dir / RUN_FILE) or {}
    summary = read_json(run_dir / SUMMARY_FILE) or {}
    steps = read_steps(run_dir)
    profile = _profile(info)
    frames = _FrameEmbedder(run_dir)
    cards = [_step_card(step, profile, frames) for step in steps]
    page = "".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>Deskpilot run: {html.escape(str(info.get('task', run_dir.name)))}</title>",
            f"<style>{_CSS}</style></head><body>",
            _header(info, summary, len(steps)),
            f"<svg width='0' height='0' style='position:absolute'><defs>{frames.defs()}</defs></svg>",
            "<main>",
            *cards,
            "</main></body></html>",
        ]
    )
    target = run_dir / "report.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target


def _profile(info: dict[str, object]) -> DisplayProfile | None:
    raw = info.get("profile")
    try:
        return DisplayProfile.model_validate(raw) if raw else None
    except ValueError:
        return None


def _header(info: dict[str, object], summary: dict[str, object], step_count: int) -> str:
    success = summary.get("success")
    finished = summary.get("finished_s") is not None
    label, colour = ("succeeded", "#1a7f37") if success else ("failed", "#cf222e")
    if not finished:
        label, colour = "incomplete", "#57606a"
    started = info.get("started_s")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(started))) if isinstance(started, float) else "?"
    reason = html.escape(str(summary.get("reason", "no summary")))
    answer = summary.get("answer")
    answer_html = f" · answer: <b>{html.escape(str(answer))}</b>" if answer else ""
    duration = summary.get("duration_s") or 0.0
    return (
        f"<header><h1><span class='badge' style='background:{colour}'>{label}</span> "
        f"{html.escape(str(info.get('task', '')))}</h1>"
        f"<div class='meta'>reason: <b>{reason}</b>{answer_html}</div>"
        f"<div class='meta'>{step_count} steps · {summary.get('actions_performed', 0)} actions performed · "
        f"{summary.get('retries', 0)} retries · {summary.get('no_change_steps', 0)} without visible effect · "
        f"{summary.get('invalid_answers', 0)} refused answers · {float(str(duration)):.2f} s · "
        f"planner {html.escape(str(info.get('planner', '?')))} · started {when}</div></header>"
    )


def _step_card(step: StepRecord, profile: DisplayProfile | None, frames: _FrameEmbedder) -> str:
    colour = _VERDICT_COLOURS.get(step.verdict, "#57606a")
    title = html.escape(step.action.describe() if step.action else "no action (answer refused)")
    t = step.timings
    timing = (
        f"plan {t.plan_ms:.0f} ms · act {t.act_ms:.0f} ms · settle {t.settle_ms:.0f} ms · "
        f"verify {t.verify_ms:.1f} ms · total {t.total_ms:.0f} ms"
    )
    parts = [
        f"<section class='step' id='step-{step.index}'><h2>#{step.index} {title} "
        f"<span class='chip' style='background:{colour}'>{step.verdict.value}</span>"
        + (f" <span class='meta'>tries: {step.tries}</span>" if step.tries > 1 else "")
        + f"</h2><div class='meta'>{timing}</div>"
    ]
    if step.note or step.error:
        parts.append(f"<p>{html.escape(step.error or step.note)}</p>")
    if step.thought:
        parts.append(f"<p class='meta'>thought: {html.escape(step.thought)}</p>")
    parts.append("<div class='frames'>")
    if step.before:
        parts.append(_figure(frames, step.before, "before: where it acted", _marks_before(step, profile)))
    if step.after:
        parts.append(_figure(frames, step.after, "after: what changed", _marks_after(step)))
    parts.append("</div>")
    if step.raw_answer:
        parts.append(f"<details><summary>raw model answer</summary><pre>{html.escape(step.raw_answer)}</pre></details>")
    parts.append("</section>")
    return "".join(parts)


def _figure(frames: _FrameEmbedder, name: str, caption: str, marks: str) -> str:
    ref = frames.ref(name)
    if ref is None:
        return f"<figure><figcaption>{html.escape(caption)} (frame {html.escape(name)} missing)</figcaption></figure>"
    frame_id, (width, height) = ref
    return (
        f"<figure><svg viewBox='0 0 {width} {height}' xmlns='http://www.w3.org/2000/svg'>"
        f"<use href='#{frame_id}'/>{marks}</svg><figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _marks_before(step: StepRecord, profile: DisplayProfile | None) -> str:
    action = step.action
    if action is None or action.point is None or profile is None:
        return ""
    start = profile.screen_to_image(ScreenPoint(*action.point))
    # Big enough to spot on a thumbnail of a whole screen: about 1/60 of the frame's width.
    radius = max(12.0, profile.pixel_size[0] / 60.0)
    marks = (
        f"<circle cx='{start.x:.1f}' cy='{start.y:.1f}' r='{radius:.0f}' fill='rgba(207,34,46,.25)' "
        f"stroke='#cf222e' stroke-width='4'/>"
        f"<circle cx='{start.x:.1f}' cy='{start.y:.1f}' r='3' fill='#cf222e'/>"
    )
    if isinstance(action, Drag):
        end = profile.screen_to_image(ScreenPoint(action.to_x, action.to_y))
        marks += (
            f"<line x1='{start.x:.1f}' y1='{start.y:.1f}' x2='{end.x:.1f}' y2='{end.y:.1f}' "
            f"stroke='#cf222e' stroke-width='3' stroke-dasharray='8 5'/>"
            f"<circle cx='{end.x:.1f}' cy='{end.y:.1f}' r='{radius:.0f}' fill='none' "
            "stroke='#cf222e' stroke-width='3'/>"
        )
    return marks


def _marks_after(step: StepRecord) -> str:
    if not step.changed_bbox:
        return ""
    left, top, right, bottom = step.changed_bbox
    return (
        f"<rect x='{left}' y='{top}' width='{right - left}' height='{bottom - top}' fill='rgba(9,105,218,.12)' "
        f"stroke='#0969da' stroke-width='3'/>"
    )


class _FrameEmbedder:
    """Embeds each referenced frame once, as JPEG, and hands out its SVG id and size."""

    def __init__(self, run_dir: Path) -> None:
        self._run_dir = run_dir
        self._ids: dict[str, tuple[str, tuple[int, int]] | None] = {}
        self._defs: list[str] = []

    def ref(self, name: str) -> tuple[str, tuple[int, int]] | None:
        if name not in self._ids:
            self._ids[name] = self._embed(name)
        return self._ids[name]

    def _embed(self, name: str) -> tuple[str, tuple[int, int]] | None:
        from PIL import Image

        path = self._run_dir / name
        try:
            with Image.open(path) as image:
                rgb = image.convert("RGB")
        except (OSError, ValueError):
            return None
        buffer = io.BytesIO()
        rgb.save(buffer, format="JPEG", quality=_JPEG_QUALITY)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        frame_id = f"frame-{len(self._ids)}"
        width, height = rgb.size
        self._defs.append(
            f"<image id='{frame_id}' width='{width}' height='{height}' href='data:image/jpeg;base64,{data}'/>"
        )
        return frame_id, (width, height)

    def defs(self) -> str:
        return "".join(self._defs)
