"""A Chromium form recorded at 100% replays at 125%, under a real Xvfb.

The page (scenarios/pages/zoom_form.html) is served by a loopback server that keeps what the form
sent. It is recorded the way ``deskpilot record`` records: a snapshot before each press, the
recorder's labelling pass and its scenario builder, while the clicks are really made. Then Chromium
is started again at device scale 1.25 and ``deskpilot replay`` fills the form with default flags.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.desktop.xserver import VirtualDesktop
from scenarios.pages.zoom_form import CHROMIUM, WINDOW_SIZE, FormServer, chromium, element_point, form_server

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or shutil.which("tesseract") is None, reason="needs chromium and tesseract"
)


@pytest.fixture(scope="module")
def recorded_form(
    desktop: VirtualDesktop, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, FormServer]]:
    """The form filled once at 100%, recorded into a scenario (labels, anchors, template crops)."""
    from actions import Click, PyAutoGuiExecutor, Type
    from actions.expectations import ExpectText
    from agent.record.recorder import build_scenario
    from agent.record.snapshot import DesktopSnapshotter
    from agent.record.steps import RawStep
    from agent.screen import MssScreen
    from agent.settle import SettleConfig, settle
    from planners.grounding.base import GroundingQuery
    from planners.grounding.ocr import OcrGrounder
    from planners.scenario_file import save_scenario

    path = tmp_path_factory.mktemp("zoom") / "zoom_form.yaml"
    with form_server() as server, chromium(desktop.env(), desktop.display, server, 1.0) as (window, layout):
        screen, executor = MssScreen(0), PyAutoGuiExecutor()
        snapshotter = DesktopSnapshotter(desktop.display)
        steps: list[RawStep] = []
        frame = settle(screen, screen.capture(), expect_change=False, config=SettleConfig()).frame

        def click(point: tuple[int, int]) -> None:
            nonlocal frame
            steps.append(RawStep({"kind": "click"}, target=snapshotter.anchor(snapshotter.snapshot(), *point)))
            executor.perform(Click(x=point[0], y=point[1]))
            frame = settle(screen, frame, expect_change=True, config=SettleConfig()).frame

        try:
            click(element_point(window, layout, "name"))
            executor.perform(Type(text="Ada"))
            steps.append(RawStep({"kind": "type", "text": "Ada"}))
            frame = settle(screen, frame, expect_change=True, config=SettleConfig()).frame
            click(element_point(window, layout, "fruit", dx=30))  # on the dropdown's value, "Apple"
            # The open list: where a person would click "Cherry" (found here as the person's eyes would).
            # The list opens a little after the press: look again until it is there (or 10 s have passed).
            ocr, deadline = OcrGrounder(), time.monotonic() + 10.0
            while (cherry := ocr.ground(GroundingQuery("Cherry", label="Cherry"), frame)).point is None:
                assert time.monotonic() < deadline, cherry.reason
                frame = screen.capture()
            assert cherry.point is not None
            click((cherry.point.x, cherry.point.y))
            click(element_point(window, layout, "giftLabel"))
            click(element_point(window, layout, "submit"))
        finally:
            snapshotter.close()
            screen.close()
        assert server.wait("form", 1) == {"name": "Ada", "fruit": "Cherry", "gift": "on"}
        scenario = build_scenario(path, steps)
        # What an author adds to a recording: the list must be open before its option is looked for (the
        # popup may open after the screen has settled from the press; the replay then waits for it).
        fruit = scenario.steps[2]
        opened = fruit.model_copy(update={"checks": (ExpectText(text="Cherry", timeout_s=10.0),)})
        scenario = scenario.model_copy(update={"steps": (*scenario.steps[:2], opened, *scenario.steps[3:])})
        save_scenario(scenario, path)
        server.received.clear()
        yield path, server


def test_recorded_labels_name_the_fields_not_their_values(recorded_form) -> None:
    from planners.scenario_file import load_scenario

    path, _ = recorded_form
    labels = [step.target.label for step in load_scenario(path).steps if step.target is not None]
    assert labels == ["Name", "Fruit", "Cherry", "Gift wrap", "Submit"]


@pytest.mark.parametrize(
    ("how", "scale"), [("device", 1.25), ("device", 1.5), ("ctrl+plus", 1.25)], ids=["125", "150", "ctrl-plus-125"]
)
def test_a_form_recorded_at_100_percent_replays_zoomed(
    desktop: VirtualDesktop, recorded_form, tmp_path, how, scale
) -> None:
    """Device scale: the app window grows with its contents (the window's size ratio is the scale hint).
    Ctrl+plus twice (110%, then 125%): the window keeps its size, so the template rung finds the scale."""
    from actions import Key, PyAutoGuiExecutor
    from agent.screen import MssScreen
    from agent.settle import SettleConfig, settle
    from planners.grounding.base import GroundingQuery
    from planners.grounding.ocr import OcrGrounder

    path, _ = recorded_form
    out = tmp_path / "run"
    device = scale if how == "device" else 1.0
    with form_server() as fresh, chromium(desktop.env(), desktop.display, fresh, device) as (window, layout):
        assert (window.width, window.height) == tuple(round(v * device) for v in WINDOW_SIZE)
        if how == "ctrl+plus":
            for presses in (1, 2):
                PyAutoGuiExecutor().perform(Key(keys=["ctrl", "plus"]))
                layout = fresh.wait("layout", 1 + presses)  # the page reports each resize of its viewport
            assert layout["dpr"] == pytest.approx(scale)
        # The two-word label is found by OCR, also at 150% where "Gift" and "wrap" are two text blobs.
        screen = MssScreen(0)
        try:
            # The page reports its layout before it paints it: wait for the zoomed paint to settle.
            frame = settle(screen, screen.capture(), how == "ctrl+plus", SettleConfig()).frame
        finally:
            screen.close()
        gift = OcrGrounder().ground(GroundingQuery("Gift wrap", label="Gift wrap", window=window), frame)
        left, top, width, height = (v * layout["dpr"] for v in layout["giftLabel"])
        assert gift.point is not None, gift.reason
        assert window.left + left <= gift.point.x <= window.left + left + width, (gift, layout["giftLabel"])
        assert window.top + top <= gift.point.y <= window.top + top + height, (gift, layout["giftLabel"])

        cmd = [sys.executable, "-m", "deskpilot", "replay", str(path), "--out", str(out), "--quiet"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert fresh.wait("form", 1) == {"name": "Ada", "fruit": "Cherry", "gift": "on"}
    records = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    grounding = [r["grounding"][0] for r in records if r.get("grounding")]
    assert len(grounding) == 5
    # No rung needed the model; the template rungs matched the 100% crops at the window's scale.
    assert {g["rung"] for g in grounding} <= {"anchor", "template", "ocr"}
    scaled = [t for g in grounding for t in g["tried"] if t["ok"] and t["rung"] in ("anchor", "template")]
    assert len(scaled) >= 3 and all(t.get("scale") == scale for t in scaled), grounding


def test_a_point_is_where_the_window_scale_puts_it() -> None:
    from planners.scenario_planner import window_scale

    assert window_scale((640, 520), (800, 650)) == pytest.approx(1.25)
    assert window_scale((640, 520), (640, 520)) is None
    assert window_scale((640, 520), (860, 520)) is None  # resized by hand: no zoom
    assert window_scale(None, (800, 650)) is None
