"""Secrets stay off the pixels (issue 17, point 8), scanned in the PNGs a run saved, in report.html's
embedded frames and in the screenshots a model server received.

Two kinds of field: a Tk entry that shows what is typed (the demo app's Name: no tree, so the place is
where the screen changed while the secret was typed) and a GTK password entry (zenity --hide-text: the tree
says "password text"). Each test first proves the field really showed something (the live screen after
the run), then that no saved or sent frame does.
"""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from agent.secret_mask import MASK_RGB
from planners.fake_server import FakeChatServer
from planners.fake_server_behaviours import images_in
from scenarios.realapps.apps import ENTRY_TITLE, zenity_entry
from tests.realapps.conftest import explain, require, run_plan, steps

SECRET = "WMWM-8888-QXQX"  # wide glyphs: many pixels to find
MASK = np.array(MASK_RGB)


def live(box: dict[str, int]) -> np.ndarray:
    import mss

    with mss.MSS() as grab:
        shot = grab.grab({"left": box["x"], "top": box["y"], "width": box["w"], "height": box["h"]})
    return np.asarray(Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX"))


def png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def cut(image: np.ndarray, box: dict[str, int]) -> np.ndarray:
    return image[box["y"] : box["y"] + box["h"], box["x"] : box["x"] + box["w"]]


def inner(box: dict[str, int], border: int = 5) -> dict[str, int]:
    """The field without its frame: a focus ring that comes and goes is not what was typed."""
    return {"x": box["x"] + border, "y": box["y"] + border, "w": box["w"] - 2 * border, "h": box["h"] - 2 * border}


def shown_pixels(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Where the field's pixels differ from the empty field: what typing put on the screen."""
    return np.abs(before.astype(int) - after.astype(int)).max(axis=-1) > 40


def assert_hidden(field: np.ndarray, empty: np.ndarray, typed: np.ndarray, what: str) -> None:
    """The secret's pixels are painted over, and nothing else of it shows: what differs from the empty field
    outside the mask fits in the caret (a blinking 1-2 px line, on in one capture and off in another)."""
    masked = (field == MASK).all(axis=-1)
    assert masked[typed].mean() >= 0.95, f"{what} shows the secret"
    stray = (np.abs(field.astype(int) - empty.astype(int)).max(axis=-1) > 40) & ~masked
    assert np.flatnonzero(stray.any(axis=0)).size <= 3, f"{what} shows more than a caret outside the mask"


def report_frames(html: str) -> list[np.ndarray]:
    """Every frame report.html embeds, rebuilt (a patch drawn over the frame it refers to)."""
    frames: dict[str, np.ndarray] = {}
    whole = re.compile(r"<image id='(frame-\d+)' width='\d+' height='\d+' href='data:image/jpeg;base64,([^']+)'/>")
    patch = re.compile(
        r"<g id='(frame-\d+)'><use href='#(frame-\d+)'/><image x='(\d+)' y='(\d+)' width='\d+' height='\d+' "
        r"href='data:image/jpeg;base64,([^']+)'/></g>"
    )
    for match in re.finditer(f"{whole.pattern}|{patch.pattern}", html):
        if match.group(1):
            frames[match.group(1)] = _jpeg(match.group(2))
        else:
            name, base, left, top, data = match.group(3, 4, 5, 6, 7)
            image = frames[base].copy()
            piece = _jpeg(data)
            x, y = int(left), int(top)
            image[y : y + piece.shape[0], x : x + piece.shape[1]] = piece
            frames[name] = image
    return list(frames.values())


def _jpeg(data: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


def test_a_secret_typed_into_a_tk_field_never_shows_in_a_saved_frame_or_the_report(
    desktop, clock, demo_app, tmp_path: Path
) -> None:
    name = inner(demo_app.box("name"))
    x, y = demo_app.centre("name")
    plan: list[dict[str, Any]] = [
        {"kind": "click", "x": x, "y": y, "expect": "none"},
        {"kind": "type", "text": "{{secret:DP_SECRET}}"},
        {"kind": "key", "keys": ["tab"], "expect": "none"},  # the focus moves on: the field keeps the secret
    ]
    proc = run_plan(plan, {**desktop.env(), "DP_SECRET": SECRET}, tmp_path)
    assert demo_app.wait(lambda s: s["name"] == SECRET)["name"] == SECRET, explain(proc, tmp_path)
    assert proc.returncode == 0, explain(proc, tmp_path)
    run = tmp_path / "run"
    empty = cut(png(run / "frames/step-0000.png"), name)
    typed = shown_pixels(empty, live(name))
    assert typed.sum() > 100, "the field shows the secret on the live screen (Tk has no password mode here)"
    for record in steps(tmp_path)[1:]:  # after the secret and after Tab: masked where it shows
        assert_hidden(cut(png(run / record["after"]), name), empty, typed, record["after"])
    assert not (cut(png(run / "frames/step-0001.png"), name)[typed] == MASK).all(axis=-1).any()  # before: real
    # The report's frames: each shows the empty field or the flat mask there, never the text.
    looks = []
    screens = [f for f in report_frames((run / "report.html").read_text(encoding="utf-8")) if f.shape == (800, 1280, 3)]
    assert len(screens) >= 3
    for frame in screens:
        there = cut(frame, name)[typed].astype(int)  # JPEG: near, not equal; a blinking caret: a few pixels
        is_empty = (np.abs(there - empty[typed]).max(axis=-1) <= 60).mean() >= 0.95
        is_mask = (np.abs(there - MASK).max(axis=-1) <= 60).mean() >= 0.95
        assert is_empty or is_mask, "a report frame shows the secret's pixels"
        looks.append("mask" if is_mask else "empty")
    assert "mask" in looks and "empty" in looks


def test_a_gtk_password_field_is_masked_by_what_the_tree_says_it_is(desktop, clock, tmp_path: Path) -> None:
    require("zenity", "zenity")
    from actions.a11y import AtspiReader

    env = {**desktop.env(), "DP_SECRET": SECRET}
    with zenity_entry(desktop.env(), hide_text=True) as dialog:
        reader = AtspiReader()
        tree = reader.snapshot(window=f"^{ENTRY_TITLE}$")
        (index,) = tree.find(role="password text")
        visible = tree.visible_box(index)
        reader.close()
        assert visible is not None
        field = {"x": visible.x, "y": visible.y, "w": visible.width, "h": visible.height}
        proc = run_plan([{"kind": "type", "text": "{{secret:DP_SECRET}}"}], env, tmp_path)
        run = tmp_path / "run"
        dots = shown_pixels(cut(png(run / "frames/step-0000.png"), field), live(field))
        assert dots.sum() > 20, "the password field shows its dots on the live screen"
        after = cut(png(run / "frames/step-0001.png"), field)
        assert (after == MASK).all(), explain(proc, tmp_path)  # the whole field, as the tree gives its box
        (tmp_path / "enter").mkdir()
        finish = run_plan([{"kind": "key", "keys": ["enter"], "expect": "none"}], env, tmp_path / "enter")
        printed = dialog.answer(timeout_s=10)
    assert printed == SECRET, explain(finish, tmp_path / "enter")
    assert proc.returncode == 0, explain(proc, tmp_path)


def grid(point: tuple[int, int], size: tuple[int, int] = (1280, 800)) -> list[int]:
    return [round(point[0] * 1000 / (size[0] - 1)), round(point[1] * 1000 / (size[1] - 1))]


def tool_call(action: str, **arguments: object) -> str:
    payload = {"name": "computer_use", "arguments": {"action": action, **arguments}}
    return f"Action: {action}\n<tool_call>\n{json.dumps(payload)}\n</tool_call>"


def run_task(server: FakeChatServer, env: dict[str, str], out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "deskpilot", "run", "log in", "--base-url", server.base_url]
    cmd += ["--model", "fake-qwen3-vl", "--out", str(out), "--max-steps", "6", "--quiet", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_the_model_server_is_sent_the_masked_screen(desktop, clock, demo_app, tmp_path: Path) -> None:
    name = inner(demo_app.box("name"))
    script = [
        tool_call("left_click", coordinate=grid(demo_app.centre("name"))),
        tool_call("type", text="{{secret:DP_SECRET}}"),
        tool_call("key", keys=["tab"]),
        tool_call("terminate", status="success"),
    ]
    with FakeChatServer(script) as server:
        proc = run_task(server, {**desktop.env(), "DP_SECRET": SECRET}, tmp_path / "run")
        requests = server.chat_requests
    assert demo_app.wait(lambda s: s["name"] == SECRET)["name"] == SECRET, proc.stderr
    assert len(requests) == 4, proc.stderr
    assert SECRET not in json.dumps(requests)  # the model's own answer comes back as the reference only
    seen = [np.asarray(images_in(request)[-1].convert("RGB")) for request in requests]
    assert seen[0].shape == (800, 1280, 3)  # balanced preset: the whole screen, pixel for pixel
    empty = cut(seen[1], name)
    typed = shown_pixels(empty, live(name))
    assert typed.sum() > 100, "the field shows the secret on the live screen"
    for number, after in enumerate(seen[2:], 3):  # the screens after the secret was typed, and after Tab
        assert_hidden(cut(after, name), empty, typed, f"request {number}'s screenshot")
    assert not (cut(seen[1], name)[typed] == MASK).all(axis=-1).any()


def test_observe_screenshot_and_tree_sends_the_windows_elements_on_the_grid(desktop, clock, tmp_path: Path) -> None:
    require("zenity", "zenity")
    from actions.a11y import AtspiReader

    with zenity_entry(desktop.env()):
        reader = AtspiReader()
        tree = reader.snapshot(window=f"^{ENTRY_TITLE}$")
        (ok,) = tree.find(role="button", name="OK")
        box = tree.visible_box(ok)
        reader.close()
        assert box is not None
        left, top = grid((box.x, box.y))
        right, bottom = grid((box.x + box.width - 1, box.y + box.height - 1))
        expected = f'push button "OK" [{left},{top},{right},{bottom}]'
        prompts = {}
        for observe in ("screenshot+tree", "screenshot"):
            with FakeChatServer([tool_call("terminate", status="success")]) as server:
                proc = run_task(server, desktop.env(), tmp_path / observe, "--observe", observe)
                assert proc.returncode == 0, proc.stderr
                content = server.chat_requests[0]["messages"][-1]["content"]
                prompts[observe] = "\n".join(part["text"] for part in content if part["type"] == "text")
    assert expected in prompts["screenshot+tree"], prompts["screenshot+tree"]
    assert f'Interactive elements of the active window "{ENTRY_TITLE}"' in prompts["screenshot+tree"]
    assert "Interactive elements" not in prompts["screenshot"]


def test_the_scripting_api_masks_its_steps_and_its_looks(desktop, clock, demo_app, tmp_path: Path, monkeypatch) -> None:
    from deskpilot import Desktop

    monkeypatch.setenv("DP_SECRET", SECRET)
    name = inner(demo_app.box("name"))
    out = tmp_path / "run"
    with Desktop(out=out, stop_hotkey=None) as desk:
        desk.click(demo_app.centre("name"), expect="none")
        desk.type("{{secret:DP_SECRET}}")
        assert desk.sees("Name", in_window="^Deskpilot Demo$")  # a look: its frame is saved too
    assert demo_app.state()["name"] == SECRET
    empty = cut(png(out / "frames/call-0001-step-0001.png"), name)
    typed = shown_pixels(empty, live(name))
    assert typed.sum() > 100, "the field shows the secret on the live screen"
    for frame in ("call-0002-step-0001.png", "call-0003-look.png"):  # after the secret, and the look after it
        assert_hidden(cut(png(out / "frames" / frame), name), empty, typed, frame)


PASSWORD_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>deskpilot password</title>
<style>body { font: 22px sans-serif; margin: 24px; } input { font: 22px sans-serif; width: 420px; }</style>
</head><body><label for="pw">Password</label> <input id="pw" type="password" autofocus
oninput="document.title = 'deskpilot password ' + this.value.length"></body></html>"""


def test_a_chromium_password_input_is_masked_by_what_the_tree_says_it_is(desktop, clock, tmp_path: Path) -> None:
    from urllib.parse import quote

    from actions.a11y import AtspiReader
    from actions.x11.windows import wait_for_window
    from scenarios.realapps.apps import chromium_binary, chromium_command, running_app

    binary = chromium_binary()
    if binary is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium; `make deps` installs it)")
    url = "data:text/html;charset=utf-8," + quote(PASSWORD_PAGE)
    with running_app(chromium_command(binary, url, tmp_path / "profile"), desktop.env(), "^deskpilot password$"):
        reader = AtspiReader()
        tree = reader.snapshot(window="^deskpilot password$")
        (index,) = tree.find(role="password text")
        visible = tree.visible_box(index)
        reader.close()
        assert visible is not None
        field = {"x": visible.x, "y": visible.y, "w": visible.width, "h": visible.height}
        x, y = visible.centre
        plan = [
            {"kind": "click", "x": x, "y": y, "expect": "none"},
            {"kind": "type", "text": "{{secret:DP_SECRET}}"},
        ]
        proc = run_plan(plan, {**desktop.env(), "DP_SECRET": SECRET}, tmp_path)
        # The page's own count of what its field holds (the title it sets on input): every character arrived.
        wait_for_window(f"^deskpilot password {len(SECRET)}$", timeout_s=10, display=desktop.display)
        run = tmp_path / "run"
        dots = shown_pixels(cut(png(run / "frames/step-0000.png"), field), live(field))
    assert dots.sum() > 20, "the password input shows its dots on the live screen"
    assert (cut(png(run / "frames/step-0002.png"), field) == MASK).all(), explain(proc, tmp_path)
    assert not (cut(png(run / "frames/step-0001.png"), field) == MASK).all(axis=-1).any()  # before typing: real
    assert proc.returncode == 0, explain(proc, tmp_path)
