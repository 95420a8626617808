"""The "why" section at the top of report.html: each step that failed, was refused, changed nothing
or never settled, with the expectation, what was seen instead, the region looked at (drawn on the
frame) and the OCR words and window titles read there. It answers "why did this run fail?"
without scrolling through every step."""

from __future__ import annotations

from agent.report.frames import change_box, fit, view_svg
from agent.report.steps import Context, chip, text, title_of
from agent.report.why_grounding import candidates_figure, grounding_rows
from agent.run_dir import StepRecord
from planners.verdicts import Verdict

WHY_VERDICTS = (
    Verdict.FAILED,
    Verdict.REFUSED,
    Verdict.NO_CHANGE,
    Verdict.UNSETTLED,
    Verdict.NO_PLACE,
    Verdict.UNPROVEN,
)
_MAX_WORDS_SHOWN = 120


def why_section(steps: list[StepRecord], ctx: Context) -> str:
    cards = [_card(step, ctx) for step in steps if step.verdict in WHY_VERDICTS]
    if not cards:
        return ""
    return "<h2 class='section'>Why</h2>" + "".join(cards)


def _region_marks(region: tuple[int, int, int, int]) -> str:
    box = change_box(region)
    assert box is not None
    return (
        f"<rect x='{box.x}' y='{box.y}' width='{box.w}' height='{box.h}' fill='none' stroke='#cf222e' "
        "stroke-width='2.5' stroke-dasharray='8 4' vector-effect='non-scaling-stroke'/>"
    )


def _card(step: StepRecord, ctx: Context) -> str:
    seen = step.seen
    rows: list[str] = []
    expected = seen.expected if seen else (step.expect.describe() if step.expect is not None else None)
    if expected:
        rows.append(_row("expected", text(expected)))
    if seen is not None:
        rows.append(_row("seen instead", f"<b>{text(seen.detail)}</b>"))
        if seen.region is not None:
            left, top, right, bottom = seen.region
            where = f"{right - left}×{bottom - top} at ({left}, {top}), image pixels of the after frame"
            if seen.region_windows:
                where += " · windows: " + ", ".join(f"<code>{text(t)}</code>" for t in seen.region_windows)
            rows.append(_row("looked at", where))
        if seen.paste_requests is not None:  # a type whose paste was not taken: what asked for the clipboard
            asked = ", ".join(f"<code>{text(r)}</code>" for r in seen.paste_requests)
            rows.append(_row("clipboard asked", asked or "nothing asked for the clipboard"))
        if seen.words:
            shown = " ".join(text(w) for w in seen.words[:_MAX_WORDS_SHOWN])
            more = f" … ({len(seen.words) - _MAX_WORDS_SHOWN} more)" if len(seen.words) > _MAX_WORDS_SHOWN else ""
            rows.append(_row("OCR read", f"<code class='words'>{shown}{more}</code>"))
        if seen.element is not None:  # a value or state expectation: what the app's tree said about its element
            said = "; ".join(
                f"{key} {', '.join(map(str, shown)) if isinstance(shown, list) else shown}"
                for key, shown in seen.element.items()
                if key != "box"
            )
            rows.append(_row("the tree said", f"<code>{text(said)}</code>"))
        if seen.active_window is not None or seen.windows:
            rows.append(_row("active window", f"<code>{text(seen.active_window)}</code>"))
            rows.append(_row("windows open", ", ".join(f"<code>{text(t)}</code>" for t in seen.windows) or "none"))
    not_found = step.verdict is Verdict.FAILED and step.action is None and bool(step.grounding)
    if not_found:  # a target no rung was sure of: what each rung tried
        rows += [_row(label, body) for label, body in grounding_rows(step.grounding or [])]
    if step.error:
        rows.append(_row("refused" if step.verdict is Verdict.REFUSED else "error", text(step.error)))
    elif step.note and seen is None:
        rows.append(_row("note", text(step.note)))
    picture = ""
    ref = ctx.frames.ref(step.after) or ctx.frames.ref(step.before)
    region = seen.region if seen is not None else None
    if ref is not None and not_found:
        picture = candidates_figure(step.grounding or [], ref, ctx.profile)
    elif ref is not None and region is not None:
        box = change_box(region)
        assert box is not None
        view = fit(box.padded(24), ref)
        picture = (
            f"<figure class='tile' style='max-width:520px'>{view_svg(ref, view, _region_marks(region), 'looked at')}"
            "<figcaption>the region looked at (dashed)</figcaption></figure>"
        )
    return (
        f"<section class='step why' id='why-{step.index}'><header><span class='idx'>#{step.index}</span>"
        f"<code>{title_of(step)}</code>{chip(step.verdict)}"
        f"<a class='when' href='#step-{step.index}'>the step in full</a></header>"
        f"<div class='facts'>{''.join(rows)}</div>{picture}</section>"
    )


def _row(label: str, body: str) -> str:
    return f"<div class='row'><span>{label}</span>{body}</div>"
