"""The steps of report.html: the timeline table near the top and one card per step."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from actions.coords import DisplayProfile
from actions.expectations import ExpectChange, ExpectNone
from actions.secrets import SECRET
from agent.report.frames import (
    ZOOM_MIN_W,
    Box,
    FrameRef,
    FrameStore,
    action_box,
    change_box,
    change_marks,
    fit,
    looked_marks,
    point_marks,
    view_svg,
)
from agent.report.style import GREY, PHASES, VERDICT_COLOURS, VERDICT_MEANINGS
from agent.run_dir import StepRecord, StepTimings
from planners.verdicts import Verdict

_DEFAULTS = (ExpectChange(), ExpectNone())

_LONG_THOUGHT_CHARS = 600


@dataclass(frozen=True)
class Context:
    profile: DisplayProfile | None
    frames: FrameStore
    started_s: float | None
    slowest_ms: float  # the longest step, the full width of the timeline's bars


def text(value: object) -> str:
    """Escaped text; ``{{secret:NAME}}`` references (never values: runs only store those) marked."""
    escaped = html.escape(str(value))
    return SECRET.sub(lambda m: f"<span class='secret' title='typed from ${m.group(1)}'>{m.group(0)}</span>", escaped)


def title_of(step: StepRecord) -> str:
    if step.action is None and step.verdict is not Verdict.INVALID and step.thought:
        return text(step.thought)  # a script's look at the screen (Desktop.wait_for, sees, read_text, ask)
    if step.action is None and step.verdict is Verdict.FAILED and step.grounding:
        return "target not found: nothing performed"
    return text(step.action.describe()) if step.action else "no action (answer refused)"


def chip(verdict: Verdict) -> str:
    colour = VERDICT_COLOURS.get(verdict, GREY)
    meaning = html.escape(VERDICT_MEANINGS.get(verdict, ""))
    return f"<span class='chip' style='background:{colour}' title='{meaning}'>{verdict.value}</span>"


def timing_bar(t: StepTimings, scale_ms: float) -> str:
    """Phases side by side, widths proportional to their time; the bar is total_ms / scale_ms wide."""
    phases = [(name, colour, float(getattr(t, f"{name}_ms"))) for name, colour in PHASES]
    total = max(t.total_ms, sum(ms for _, _, ms in phases), 1e-9)
    other = total - sum(ms for _, _, ms in phases)
    segments = [*phases, ("other", "#afb8c1", other)]
    parts = "".join(
        f"<i style='width:{100 * ms / total:.2f}%;background:{colour}' title='{name} {ms:.0f} ms'></i>"
        for name, colour, ms in segments
        if ms > 0
    )
    width = 100 * min(total / scale_ms, 1.0) if scale_ms > 0 else 100
    return f"<div class='bar' style='width:{max(width, 1.5):.1f}%'>{parts}</div>"


def rungs(step: StepRecord) -> list[dict[str, Any]]:
    return [g for g in step.grounding or [] if isinstance(g, dict)]


def when(step: StepRecord, ctx: Context) -> str:
    """Seconds since the run started, when the step began."""
    if ctx.started_s is None:
        return ""
    began = step.wall_time_s - step.timings.total_ms / 1000 - ctx.started_s
    return f"t+{max(began, 0.0):.2f} s"


def timeline(steps: list[StepRecord], ctx: Context) -> str:
    show_rung = any(rungs(s) for s in steps)
    rung_head = "<th>found by</th>" if show_rung else ""
    legend = "".join(f"<i style='background:{c}'></i>{n}" for n, c in PHASES)
    rows = []
    for step in steps:
        link = f"#step-{step.index}"
        rung_cell = f"<td>{_rung_summary(step)}</td>" if show_rung else ""
        rows.append(
            f"<tr><td class='num'><a href='{link}'>{step.index}</a></td>"
            f"<td class='opt'><a class='mini' href='{link}' title='step {step.index}'>{_mini(step, ctx)}</a></td>"
            f"<td class='act'><a href='{link}'><code>{title_of(step)}</code></a></td>"
            f"<td>{chip(step.verdict)}</td>{rung_cell}"
            f"<td class='num opt'>{when(step, ctx)}</td><td class='num'>{step.timings.total_ms:.0f} ms</td>"
            f"<td style='width:18%'>{timing_bar(step.timings, ctx.slowest_ms)}</td></tr>"
        )
    return (
        "<table class='timeline'><thead><tr><th class='num'>#</th><th class='opt'></th><th>action</th>"
        f"<th>verdict</th>{rung_head}<th class='num opt'>began</th>"
        f"<th class='num'>took</th><th class='legend'>{legend}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _rung_summary(step: StepRecord) -> str:
    found = rungs(step)
    if not found:
        return ""
    parts = []
    for g in found:
        failed = sum(1 for t in g.get("tried", []) if isinstance(t, dict) and not t.get("ok"))
        hint = f" <span class='meta' title='rungs tried before it'>after {failed} ✗</span>" if failed else ""
        rung = f"<span class='rung'>{text(g.get('rung', '?'))}</span>" if was_found(g) else "not found"
        parts.append(f"{rung}{hint}")
    return " ".join(parts)


def _views(step: StepRecord, ctx: Context) -> dict[str, tuple[FrameRef, Box, str]]:
    """The views a step shows: name -> (frame, view box, marks). "-zoom": around the point or the
    change; "-lb": the whole frame, for the full-size view."""
    views: dict[str, tuple[FrameRef, Box, str]] = {}
    act, chg = action_box(step.action, ctx.profile), change_box(step.changed_bbox)
    content = ctx.frames.content()
    for side, ref, focus in (
        ("before", ctx.frames.ref(step.before), act or chg),
        ("after", ctx.frames.ref(step.after), chg or act),
    ):
        if ref is None:
            continue

        def draw(view: Box, side: str = side) -> str:
            if side == "before":
                return point_marks(step.action, ctx.profile, view)
            seen = step.seen
            looked = looked_marks(seen.region, seen.found) if seen is not None else ""
            return change_marks(step.changed_bbox) + looked + point_marks(step.action, ctx.profile, view, faint=True)

        # The overview: the windows (not the empty desktop around them), the point and the change.
        overview = (content or ref.full).union(act.padded(40) if act else None).union(chg)
        full_view = fit(overview, ref)
        views[side] = (ref, full_view, draw(full_view))
        zoom = fit(focus.padded(32), ref, ZOOM_MIN_W) if focus else None
        if zoom is not None and zoom.w < 0.8 * full_view.w:
            views[f"{side}-zoom"] = (ref, zoom, draw(zoom))
        views[f"{side}-lb"] = (ref, ref.full, draw(ref.full))
    return views


def _mini(step: StepRecord, ctx: Context) -> str:
    views = _views(step, ctx)
    for name in ("after-zoom", "before-zoom", "after", "before"):
        if name in views:
            ref, view, marks = views[name]
            return view_svg(ref, view, marks, f"step {step.index}")
    return "<span class='meta'>no frame</span>"


def step_card(step: StepRecord, ctx: Context) -> str:
    views = _views(step, ctx)
    head = (
        f"<header><span class='idx'>#{step.index}</span><code>{title_of(step)}</code>{chip(step.verdict)}"
        f"<span class='when'>{when(step, ctx)} · took {step.timings.total_ms:.0f} ms</span></header>"
    )
    tiles = [
        _tile(step, views, "before", "before", "before"),
        _tile(step, views, "before-zoom", "before", "at the point" if step.action and step.action.point else "before"),
        _tile(step, views, "after-zoom", "after", "what changed" if step.changed_bbox else "after"),
        _tile(step, views, "after", "after", "after"),
    ]
    if step.before and "before" not in views:
        tiles[0] = _missing("before", step.before)
    if step.after and "after" not in views:
        tiles[3] = _missing("after", step.after)
    shown = [tile for tile in tiles if tile]
    columns = max(len(shown), 2)  # fewer tiles are bigger; a lone one still only half the width
    lightboxes = "".join(_lightbox(step, views, side) for side in ("before", "after") if f"{side}-lb" in views)
    return (
        f"<section class='step' id='step-{step.index}'>{head}"
        f"<div class='tiles' style='grid-template-columns:repeat({columns},minmax(0,1fr))'>{''.join(shown)}</div>"
        f"<div class='facts'>{_facts(step)}</div>{lightboxes}</section>"
    )


def _tile(step: StepRecord, views: dict[str, tuple[FrameRef, Box, str]], name: str, side: str, caption: str) -> str:
    if name not in views:
        return ""
    ref, view, marks = views[name]
    zoom = f" · {ref.width / view.w:.1f}×" if name.endswith("-zoom") else ""
    label = html.escape(f"step {step.index}: {caption}")
    return (
        f"<figure class='tile'><a href='#lb-{step.index}-{side}' title='full size'>"
        f"{view_svg(ref, view, marks, label)}</a>"
        f"<figcaption>{caption}{zoom}</figcaption></figure>"
    )


def _missing(caption: str, name: str) -> str:
    return (
        f"<figure class='tile missing'><div>frame {html.escape(name)} missing</div>"
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _lightbox(step: StepRecord, views: dict[str, tuple[FrameRef, Box, str]], side: str) -> str:
    ref, view, marks = views[f"{side}-lb"]
    label = f"step {step.index}, {side}"
    return (
        f"<div class='lb' id='lb-{step.index}-{side}'><a class='close' href='#step-{step.index}' title='close'></a>"
        f"{view_svg(ref, view, marks, label)}<p>{label} · {ref.width}×{ref.height} · "
        f"<a href='#step-{step.index}'>close</a></p></div>"
    )


def _facts(step: StepRecord) -> str:
    rows: list[str] = []
    if step.error:
        what = "refused" if step.verdict is Verdict.INVALID else "error"
        rows.append(f"<div class='error'><b>{what}:</b> {text(step.error)}</div>")
    if step.note:
        rows.append(f"<div class='note'>{text(step.note)}</div>")
    for expectation in [step.expect, *step.checks]:
        if expectation is not None and expectation not in _DEFAULTS:  # the defaults go without saying
            rows.append(_row("expected", text(expectation.describe())))
    if step.thought:
        thought = f"<div class='thought'>{text(step.thought)}</div>"
        if len(step.thought) > _LONG_THOUGHT_CHARS:
            preview = text(step.thought[:120].replace("\n", " ")) + "…"
            thought = f"<details><summary>{preview}</summary>{thought}</details>"
        rows.append(_row("thought", thought))
    t = step.timings
    numbers = " · ".join(f"{name} {getattr(t, f'{name}_ms'):.1f} ms" for name, _ in PHASES)
    rows.append(
        _row(
            "timings",
            f"<div style='flex:1'>{timing_bar(t, t.total_ms)}<div class='meta' style='padding:2px 0 0'>"
            f"{numbers} · total {t.total_ms:.0f} ms</div></div>",
        )
    )
    for g in rungs(step):
        rows.append(_row("grounding", _ladder(g)))
    if step.text_strategy:
        typed = "; ".join(f"{text(how)}: <code>{text(what)}</code>" for how, what in step.text_strategy)
        rows.append(_row("typed", typed))
    if step.focus_element:
        rows.append(_row("focus", _focus_element(step.focus_element)))
    if step.changed_bbox:
        left, top, right, bottom = step.changed_bbox
        rows.append(_row("changed", f"{step.changed_pixels:,} px in {right - left}×{bottom - top} at ({left}, {top})"))
    if step.prompt_tokens is not None or step.completion_tokens is not None:
        rows.append(_row("tokens", f"{step.prompt_tokens or 0:,} prompt · {step.completion_tokens or 0:,} completion"))
    if step.raw_answer:
        refused = step.verdict is Verdict.INVALID
        rows.append(
            f"<details{' open' if refused else ''}><summary>raw model answer ({len(step.raw_answer):,} chars)"
            f"</summary><pre>{text(step.raw_answer)}</pre></details>"
        )
    return "".join(rows)


def _focus_element(entry: dict[str, Any]) -> str:
    """Where the keys went, as the app's tree said: "text 'Name' in dialog 'Sign in'"."""
    name = entry.get("name") or entry.get("label") or ""
    path = entry.get("path") or []
    window = next((f" in {role} {title!r}" for role, title in path if title and role != entry.get("role")), "")
    return text(f"{entry.get('role', '?')}{f' {name!r}' if name else ''}{window}")


def _row(label: str, body: str) -> str:
    return f"<div class='row'><span>{label}</span>{body}</div>"


def was_found(g: dict[str, Any]) -> bool:
    """A grounding record names a rung that was sure (a not-found target's record keeps what was tried)."""
    tried = [t for t in g.get("tried", []) if isinstance(t, dict)]
    return g.get("rung") is not None and (not tried or any(t.get("ok") for t in tried))


def _ladder(g: dict[str, Any]) -> str:
    score = g.get("score")
    found = f"found by <span class='rung'>{text(g.get('rung', '?'))}</span>" if was_found(g) else "<b>not found</b>"
    if isinstance(score, (int, float)) and was_found(g):
        found += f" <span class='meta'>score {score:.3f}</span>"
    items = []
    for tried in g.get("tried", []):
        if not isinstance(tried, dict):
            continue
        ok = bool(tried.get("ok"))
        ms = tried.get("ms")
        ms_text = f" <span class='ms'>{ms:.1f} ms</span>" if isinstance(ms, (int, float)) else ""
        items.append(
            f"<li class='{'ok' if ok else 'no'}'><b>{'✓' if ok else '✗'}</b>{text(tried.get('rung', '?'))}{ms_text}"
            f" — {text(tried.get('why', ''))}</li>"
        )
    return f"<div>{found}<ol class='ladder'>{''.join(items)}</ol></div>"
