"""The part of a "why" card for a target that was not found: what every rung of the ladder tried,
its best candidates drawn on the frame the target was looked for in (numbered, best first, one
colour per rung), and the words OCR read there. A person sees at once whether the label was read
differently, the template matched somewhere else, or nothing on the screen came close."""

from __future__ import annotations

from typing import Any

from actions.coords import DisplayProfile, ScreenPoint
from agent.report.frames import FrameRef, view_svg
from agent.report.steps import text

_RUNG_COLOURS = {"anchor": "#8250df", "tree": "#9a6700", "template": "#0969da", "ocr": "#1a7f37", "vlm": "#bc4c00"}
_MAX_WORDS_SHOWN = 120


def grounding_rows(grounding: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(label, html) rows: one per rung tried, then the OCR words read."""
    rows: list[tuple[str, str]] = []
    words: list[str] = []
    for entry in grounding:
        for rung in entry.get("tried", []):
            best = f" · best {rung['score']:.2f}" if rung.get("score") else ""
            count = len(rung.get("candidates") or [])
            seen = f" · {count} candidate{'s' if count != 1 else ''}" if count else ""
            colour = _RUNG_COLOURS.get(rung.get("rung", ""), "#57606a")
            label = f"<span style='color:{colour}'>{text(rung.get('rung', '?'))}</span>"
            said = rung.get("element")  # the tree rung: what the tree said about the element it weighed
            tree = (
                f" · the tree: {text(said['role'])} {text(repr(said['name']))} {text(said.get('states'))}"
                if said
                else ""
            )
            rows.append((label, f"{text(rung.get('why') or 'no match')}{best}{seen}{tree}"))
            words += [str(word[0]) for word in rung.get("words") or []]
    if words:
        shown = " ".join(text(w) for w in words[:_MAX_WORDS_SHOWN])
        more = f" … ({len(words) - _MAX_WORDS_SHOWN} more)" if len(words) > _MAX_WORDS_SHOWN else ""
        rows.append(("OCR read", f"<code class='words'>{shown}{more}</code>"))
    return rows


def candidates_figure(grounding: list[dict[str, Any]], ref: FrameRef, profile: DisplayProfile | None) -> str:
    """The whole frame with every rung's candidates marked, or "" when no rung had one."""
    marks: list[str] = []
    r = max(ref.width / 90, 6.0)
    for entry in grounding:
        for rung in entry.get("tried", []):
            colour = _RUNG_COLOURS.get(rung.get("rung", ""), "#57606a")
            for number, (x, y) in enumerate(rung.get("candidates") or [], start=1):
                px, py = (x, y) if profile is None else profile.screen_to_image(ScreenPoint(x, y))
                marks.append(
                    f"<circle cx='{px:.0f}' cy='{py:.0f}' r='{r:.0f}' fill='none' stroke='{colour}' stroke-width='3' "
                    f"vector-effect='non-scaling-stroke'/><text x='{px + r:.0f}' y='{py - r:.0f}' fill='{colour}' "
                    f"font-size='{r * 1.6:.0f}' font-weight='bold'>{number}</text>"
                )
    if not marks:
        return ""
    svg = view_svg(ref, ref.full, "".join(marks), "every rung's best candidates")
    legend = ", ".join(f"<span style='color:{c}'>{name}</span>" for name, c in _RUNG_COLOURS.items())
    return (
        f"<figure class='tile' style='max-width:640px'>{svg}"
        f"<figcaption>each rung's best candidates, numbered best first ({legend})</figcaption></figure>"
    )
