"""report.html: one self-contained page per run, built from the run directory alone.

The page reads top down: the outcome (a coloured banner with the task, the reason and the answer),
the key numbers, why it failed (agent.report.why: each failed, refused, no-change or unsettled
step with what was expected and what was seen instead), a timeline of every step, then one card
per step with its screenshots, the point acted on and the region that changed, the model's
thought and raw answer, the verifier's verdict, the grounding ladder of replays and the step's timings.

One file, nothing fetched: each frame is embedded once (JPEG) and shown through SVG ``<use>``
(agent.report.frames), full-size views are CSS ``:target`` overlays, and the only script (Escape
closes a full-size view) is optional. Runs killed mid-way, missing frames, a missing summary and
refused answers all render; what is missing is said on the page.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

from actions.coords import DisplayProfile
from agent.report.frames import FrameStore
from agent.report.steps import Context, step_card, text, timeline
from agent.report.style import BLUE, CSS, GREEN, GREY, RED, SCRIPT
from agent.report.why import why_section
from agent.run_dir import RUN_FILE, STEPS_FILE, SUMMARY_FILE, StepRecord, read_json, read_steps
from planners.verdicts import Verdict

REPORT_FILE = "report.html"


def build_report(run_dir: str | Path, frames: FrameStore | None = None) -> Path:
    """Write RUN_DIR/report.html from run.json, steps.jsonl, summary.json and the frames.

    ``frames``: the store the run embedded its frames into while it ran (``RunDirectory(on_frame=
    store.add)``, written out: call this after the run directory was closed); frames it lacks are
    read from disk."""
    run_dir = Path(run_dir)
    if not (run_dir / STEPS_FILE).exists() and not (run_dir / RUN_FILE).exists():
        from actions.errors import UserInputError

        raise UserInputError(f"{run_dir}: not a run directory (no steps.jsonl or run.json)")
    info = read_json(run_dir / RUN_FILE) or {}
    summary = read_json(run_dir / SUMMARY_FILE) or {}
    steps = read_steps(run_dir)
    frames = frames if frames is not None else FrameStore(run_dir)
    for step in steps:  # embed first: the framing of every view depends on all the frames
        frames.ref(step.before)
        frames.ref(step.after)
    started = info.get("started_s", summary.get("started_s"))
    ctx = Context(
        profile=_profile(info),
        frames=frames,
        started_s=float(started) if isinstance(started, (int, float)) else None,
        slowest_ms=max((s.timings.total_ms for s in steps), default=0.0),
    )
    task = str(info.get("task", run_dir.name))
    page = "".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width,initial-scale=1'>",
            f"<title>Deskpilot run: {html.escape(task)}</title><style>{CSS}</style></head><body>",
            _banner(info, summary, task),
            _stats(summary, steps),
            _meta(info, run_dir, frames),
            f"<svg width='0' height='0' style='position:absolute' aria-hidden='true'><defs>{frames.defs()}</defs>",
            "</svg>",
            "<main>",
            why_section(steps, ctx),
            f"<h2 class='section'>Timeline · {len(steps)} step{'s' if len(steps) != 1 else ''}</h2>"
            + timeline(steps, ctx)
            if steps
            else "<p class='meta'>No step was recorded.</p>",
            "<h2 class='section'>Steps</h2>" if steps else "",
            *(step_card(step, ctx) for step in steps),
            "</main>",
            f"<footer>Deskpilot {text(info.get('deskpilot_version', ''))} · report built "
            f"{time.strftime('%Y-%m-%d %H:%M:%S')} from run directory {text(run_dir.name)}</footer>",
            f"<script>{SCRIPT}</script></body></html>",
        ]
    )
    target = run_dir / REPORT_FILE
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target


def _profile(info: dict[str, Any]) -> DisplayProfile | None:
    raw = info.get("profile")
    try:
        return DisplayProfile.model_validate(raw) if raw else None
    except ValueError:
        return None


def outcome(info: dict[str, Any], summary: dict[str, Any]) -> tuple[str, str]:
    """(label, colour) of the banner."""
    if not summary or summary.get("finished_s") is None:
        return "incomplete", GREY
    label, colour = ("succeeded", GREEN) if summary.get("success") else ("failed", RED)
    if info.get("dry_run"):
        return f"dry run · {label}", BLUE
    return label, colour


def _banner(info: dict[str, Any], summary: dict[str, Any], task: str) -> str:
    label, colour = outcome(info, summary)
    if not summary:
        reason = "no summary.json: the run ended before it could write one"
    elif summary.get("finished_s") is None:
        reason = "the run never finished (killed, or still running); what it recorded is below"
    else:
        reason = str(summary.get("reason", ""))
    if info.get("dry_run"):
        reason += " (dry run: every action was planned and drawn, none was performed)"
    answer = summary.get("answer")
    answer_html = f"<div class='answer'>answer: <b>{text(answer)}</b></div>" if answer else ""
    left_open = summary.get("left_open") or []
    if left_open:  # a dialog the run opened and never closed ("overwrite?") is the first thing to see
        answer_html += f"<div class='answer'>left open: <b>{text(', '.join(map(str, left_open)))}</b></div>"
    return (
        f"<header class='banner' style='background:{colour}'><div class='outcome'>{label}</div>"
        f"<h1>{text(task)}</h1><div class='why'>reason: <b>{text(reason)}</b></div>{answer_html}</header>"
    )


def _stats(summary: dict[str, Any], steps: list[StepRecord]) -> str:
    performed = [s for s in steps if s.action is not None and s.performed]

    def number(key: str, fallback: float) -> float:
        value = summary.get(key)
        return float(value) if isinstance(value, (int, float)) and summary.get("finished_s") is not None else fallback

    no_change = sum(1 for s in steps if s.verdict is Verdict.NO_CHANGE)
    refused = sum(1 for s in steps if s.verdict is Verdict.INVALID)
    failed = sum(1 for s in steps if s.verdict in (Verdict.FAILED, Verdict.REFUSED))
    duration = number("duration_s", sum(s.timings.total_ms for s in steps) / 1000)
    settle = [s.timings.ready_ms + s.timings.settle_ms + s.timings.verify_ms for s in performed]
    overhead = number("mean_overhead_ms", sum(settle) / len(settle) if settle else 0.0)
    prompt = sum(s.prompt_tokens or 0 for s in steps)
    completion = sum(s.completion_tokens or 0 for s in steps)
    cards = [
        (f"{len(steps)}", "steps", ""),
        (f"{number('actions_performed', len(performed)):.0f}", "actions performed", ""),
        (f"{failed}", "failed or refused steps", "bad"),
        (f"{no_change}", "no-change steps", "warn"),
        (f"{refused}", "refused answers", "bad"),
        (f"{duration:.2f} s", "duration", ""),
        (f"{overhead:.0f} ms", "mean overhead / action", ""),
    ]
    if prompt or completion:
        cards.append((f"{prompt + completion:,}", f"model tokens ({prompt:,} in · {completion:,} out)", ""))
    html_cards = "".join(
        f"<div class='stat {tone if value != '0' else ''}'><b>{value}</b><span>{label}</span></div>"
        for value, label, tone in cards
    )
    return f"<section class='stats'>{html_cards}</section>"


def _meta(info: dict[str, Any], run_dir: Path, frames: FrameStore) -> str:
    started = info.get("started_s")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if isinstance(started, (int, float)) else "?"
    parts = [f"planner <b>{text(info.get('planner', '?'))}</b>", f"started {when}", f"run {text(run_dir.name)}"]
    profile = _profile(info)
    if profile is not None:
        parts.append(
            f"display {profile.width}×{profile.height} at ({profile.left}, {profile.top}), scale {profile.scale:g}"
        )
    if frames.missing:
        parts.append(f"<span style='color:{RED}'>{len(frames.missing)} screenshot(s) missing</span>")
    parts.append("click a screenshot for full size")
    return f"<div class='meta runmeta'>{' · '.join(parts)}</div>"
