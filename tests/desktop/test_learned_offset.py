"""A target with an ``offset`` learns its label, not the blank field beside it: the second run finds it
by the learned anchor with no OCR call, and the click lands in the field. Real demo app, real frames,
real clicks; the window sits against the screen's top-left corner, so the label is 24 pt from the edge.
"""

from __future__ import annotations

from pathlib import Path

from actions.coords import ScreenPoint
from actions.models import Click, Type
from actions.targets import Target
from agent.targeting import X11Windows
from planners.target_cache import TargetCache, label_side
from planners.targeting import TargetResolver
from scenarios.harness import DemoAppProcess, MotionAppProcess

NAME = Target(text="Name", offset=(280, 0))  # near the field's right end: 280 pt of blank field from its label


def _run(screen, executor, cache_dir: Path, app: DemoAppProcess, text: str, field: str) -> tuple[TargetResolver, dict]:
    """One "run": a fresh resolver on the cache folder (as a new process would), find, click, type."""
    resolver = TargetResolver(cache=TargetCache(cache_dir), windows=X11Windows())
    found = resolver.resolve(NAME, screen.capture())
    executor.perform(Click(x=found.point.x, y=found.point.y))
    app.wait(lambda s: s["last_click_widget"] == "name")
    executor.perform(Type(text=text))
    app.wait(lambda s: s["name"] == field)  # the app's own state: the text went into this field
    return resolver, found.record


def test_an_offset_target_is_confirmed_by_its_learned_label_without_ocr(desktop, tmp_path: Path) -> None:
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from agent.screen import MssScreen

    cache_dir = tmp_path / "plan.cache"
    executor, screen = PyAutoGuiExecutor(), MssScreen(monitor=0)
    try:
        with (
            MotionAppProcess(desktop.env(), fps=0, clock=True, geometry="300x180+900+560"),
            DemoAppProcess(tmp_path / "state.json", desktop.env(), x=-25, y=-20) as app,
        ):
            box = app.box("name")
            first, learned = _run(screen, executor, cache_dir, app, "Ada", "Ada")
            assert learned["rung"] == "ocr" and learned["cache"] == "learned" and first.calls["ocr"] == 1
            label = learned["found_at"]
            assert label[0] < 40, label  # the label, near the screen's left edge; "point" is in the field
            assert box["x"] <= learned["point"][0] < box["x"] + box["w"]
            entry = TargetCache(cache_dir).get(NAME)
            assert entry is not None and entry.screen_point == tuple(label) and entry.offset == (280, 0)

            app.wait(lambda s: s["focus"] == "name")
            email_x, email_y = app.centre("email")
            executor.perform(Click(x=email_x, y=email_y))  # the field loses the focus (and its caret)
            app.wait(lambda s: s["last_click_widget"] == "email")
            second, record = _run(screen, executor, cache_dir, app, " Lovelace", "Ada Lovelace")
    finally:
        screen.close()
    assert record["rung"] == "anchor" and record["cache"] == "hit", record
    assert dict(second.calls) == {"anchor": 1}  # no OCR, no template search
    assert record["point"] == learned["point"] and record["found_at"] == label


def test_the_label_crop_stops_before_the_field(desktop, tmp_path: Path) -> None:
    """The crop may not reach the field: its caret blinks, and the run types into it."""
    from agent.screen import MssScreen

    screen = MssScreen(monitor=0)
    try:
        with DemoAppProcess(tmp_path / "state.json", desktop.env()) as app:
            box = app.box("name")
            frame = screen.capture()
    finally:
        screen.close()
    found = TargetResolver().resolve(Target(text="Name", offset=(175, 0)), frame)
    label = ScreenPoint(*found.record["found_at"])
    x0, _, x1, _ = label_side(frame, label, (175, 0))
    assert x0 == 0 and label.x < x1 <= box["x"], (label, x1, box)
    x0, _, x1, _ = label_side(frame, label, (-175, 0))  # a field on its left: the crop stops left of it
    assert x1 == frame.size[0] and 0 < x0 < label.x
