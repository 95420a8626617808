"""A Chromium form recorded at 100% replays at 125% (issue 10, item 5), under a real Xvfb.

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
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from actions.x11.windows import WindowInfo, wait_for_window
from agent.desktop.xserver import VirtualDesktop

PAGES = Path(__file__).resolve().parents[2] / "scenarios" / "pages"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TITLE = "Zoom form"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or shutil.which("tesseract") is None, reason="needs chromium and tesseract"
)


@dataclass
class FormServer:
    """Serves the pages; keeps the layout each page reported and every form it received."""

    layouts: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, str]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    port: int = 0

    def wait(self, what: str, count: int, timeout_s: float = 60.0) -> Any:
        items = self.layouts if what == "layout" else self.received
        with self.changed:
            assert self.changed.wait_for(lambda: len(items) >= count, timeout_s), f"no {what} from the page"
            return items[count - 1]


@contextmanager
def form_server() -> Iterator[FormServer]:
    state = FormServer()

    class Handler(SimpleHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with state.changed:
                state.layouts.append(json.loads(body))
                state.changed.notify_all()
            self.send_response(204)
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            if url.path != "/submit":
                super().do_GET()
                return
            form = {key: values[-1] for key, values in parse_qs(url.query).items()}
            with state.changed:
                state.received.append(form)
                state.changed.notify_all()
            page = f"<!doctype html><title>Received</title><h1>Received {len(form)} fields</h1>".encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(PAGES)))
    state.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def chromium(desktop: VirtualDesktop, server: FormServer, scale: float) -> Iterator[tuple[WindowInfo, dict[str, Any]]]:
    """The form in a Chromium app window at ``scale``; yields the window and the page's layout report."""
    assert CHROMIUM is not None
    seen = len(server.layouts)
    with tempfile.TemporaryDirectory(prefix="deskpilot-chromium-") as profile:
        argv = [
            CHROMIUM, f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check", "--disable-gpu",
            "--no-sandbox", "--test-type",  # root in CI needs --no-sandbox; --test-type drops the warning bar
            f"--force-device-scale-factor={scale:g}", "--window-position=40,40", "--window-size=640,480",
            f"--app=http://127.0.0.1:{server.port}/zoom_form.html",
        ]  # fmt: skip
        proc = subprocess.Popen(argv, env=desktop.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            layout = server.wait("layout", seen + 1)
            window = wait_for_window(f"^{TITLE}$", timeout_s=30.0, display=desktop.display)
            yield window, layout
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _point(window: WindowInfo, layout: dict[str, Any], name: str, dx: float | None = None) -> tuple[int, int]:
    """A screen point of a page element (CSS pixels at device scale 1): its centre, or ``dx`` from its left."""
    left, top, width, height = layout[name]
    inset = layout["outer"][1] - layout["inner"][1]  # a warning bar above the page, if Chromium shows one
    x = window.left + left + (width / 2 if dx is None else dx)
    return round(x), round(window.top + inset + top + height / 2)


@pytest.fixture(scope="module")
def recorded_form(
    desktop: VirtualDesktop, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, FormServer]]:
    """The form filled once at 100%, recorded into a scenario (labels, anchors, template crops)."""
    from actions import Click, PyAutoGuiExecutor, Type
    from agent.record.recorder import build_scenario
    from agent.record.snapshot import DesktopSnapshotter
    from agent.record.steps import RawStep
    from agent.screen import MssScreen
    from agent.settle import SettleConfig, settle
    from planners.grounding.base import GroundingQuery
    from planners.grounding.ocr import OcrGrounder
    from planners.scenario_file import save_scenario

    path = tmp_path_factory.mktemp("zoom") / "zoom_form.yaml"
    with form_server() as server, chromium(desktop, server, 1.0) as (window, layout):
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
            click(_point(window, layout, "name"))
            executor.perform(Type(text="Ada"))
            steps.append(RawStep({"kind": "type", "text": "Ada"}))
            frame = settle(screen, frame, expect_change=True, config=SettleConfig()).frame
            click(_point(window, layout, "fruit", dx=30))  # on the dropdown's value, "Apple"
            # The open list: where a person would click "Cherry" (found here as the person's eyes would).
            cherry = OcrGrounder().ground(GroundingQuery("Cherry", label="Cherry"), frame)
            assert cherry.point is not None, cherry.reason
            click((cherry.point.x, cherry.point.y))
            click(_point(window, layout, "giftLabel"))
            click(_point(window, layout, "submit"))
        finally:
            snapshotter.close()
            screen.close()
        assert server.wait("form", 1) == {"name": "Ada", "fruit": "Cherry", "gift": "on"}
        scenario = build_scenario(path, steps)
        save_scenario(scenario, path)
        server.received.clear()
        yield path, server


def test_recorded_labels_name_the_fields_not_their_values(recorded_form) -> None:
    from planners.scenario_file import load_scenario

    path, _ = recorded_form
    labels = [step.target.label for step in load_scenario(path).steps if step.target is not None]
    assert labels == ["Name", "Fruit", "Cherry", "Gift wrap", "Submit"]


@pytest.mark.parametrize("scale", [1.25, 1.5])
def test_a_form_recorded_at_100_percent_replays_zoomed(desktop: VirtualDesktop, recorded_form, tmp_path, scale) -> None:
    from agent.screen import MssScreen
    from planners.grounding.base import GroundingQuery
    from planners.grounding.ocr import OcrGrounder

    path, _ = recorded_form
    out = tmp_path / "run"
    with form_server() as fresh, chromium(desktop, fresh, scale) as (window, layout):
        assert (window.width, window.height) == (round(640 * scale), round(480 * scale))  # it grew with its contents
        # The two-word label is found by OCR, also at 150% where "Gift" and "wrap" are two text blobs.
        screen = MssScreen(0)
        try:
            frame = screen.capture()
        finally:
            screen.close()
        gift = OcrGrounder().ground(GroundingQuery("Gift wrap", label="Gift wrap", window=window), frame)
        left, top, width, height = (v * scale for v in layout["giftLabel"])
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
