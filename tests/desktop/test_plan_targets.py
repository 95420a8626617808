"""`deskpilot run --plan` with targets instead of coordinates, on the real demo app under Xvfb.

The first run finds every target by OCR, a template or the model and learns it; the second finds
every one by its learned anchor, with no OCR and no model call (counted in the step records and
proved by --strict-cache, which fails a target the anchor does not confirm).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from planners.fake_server import FakeChatServer
from scenarios.harness import DemoAppProcess


def write_plan(path: Path, actions: list[dict]) -> Path:
    path.write_text(json.dumps(actions), encoding="utf-8")
    return path


def run_plan(plan: Path, env: dict[str, str], out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "deskpilot", "run", "--plan", str(plan), "--out", str(out), "--quiet", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def groundings(out: Path) -> list[dict]:
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    return [g for s in steps for g in (s.get("grounding") or [])]


def rungs_tried(out: Path) -> list[str]:
    return [t["rung"] for g in groundings(out) for t in g["tried"]]


FORM = [
    {"kind": "click", "target": {"text": "Name", "offset": [175, 0]}, "expect": "none"},  # it has the focus
    {"kind": "type", "text": "Ada Lovelace"},
    {"kind": "click", "target": {"text": "Email", "offset": [177, 0], "window": "^Deskpilot Demo$"}},
    {"kind": "type", "text": "ada@example.com"},
    {"kind": "click", "target": {"text": "I agree"}},
    {"kind": "click", "target": {"image": "submit.png"}},
]


def filled(state: dict) -> bool:
    return state["submitted"] == {"name": "Ada Lovelace", "email": "ada@example.com", "notes": "", "agree": True}


def test_targets_are_learned_then_found_by_anchor_even_in_a_moved_window(desktop, tmp_path) -> None:
    env = desktop.env()
    plan = write_plan(tmp_path / "form.json", FORM)
    with DemoAppProcess(tmp_path / "s1.json", env) as app:
        app.save_widget_png("submit", tmp_path / "submit.png")
        first = run_plan(plan, env, tmp_path / "run1")
        assert first.returncode == 0, first.stderr
        assert filled(app.wait(lambda s: s["submitted"] is not None))
    learned = groundings(tmp_path / "run1")
    assert [g["rung"] for g in learned] == ["ocr", "ocr", "ocr", "template"]
    assert {g["cache"] for g in learned} == {"learned"}
    assert (tmp_path / "form.cache" / "index.json").exists()

    with DemoAppProcess(tmp_path / "s2.json", env, x=420, y=170) as app:  # the window moved
        second = run_plan(plan, env, tmp_path / "run2", "--strict-cache")
        assert second.returncode == 0, second.stderr
        assert filled(app.wait(lambda s: s["submitted"] is not None))
    assert [g["rung"] for g in groundings(tmp_path / "run2")] == ["anchor"] * 4
    assert rungs_tried(tmp_path / "run2") == ["anchor"] * 4  # no OCR, no template search, no model


def test_a_description_needs_the_model_once(desktop, tmp_path) -> None:
    env = desktop.env()
    plan = write_plan(tmp_path / "count.json", [{"kind": "click", "target": {"description": "the Count button"}}])
    with DemoAppProcess(tmp_path / "s.json", env) as app:
        x, y = app.centre("count")
        grid = [round(x * 1000 / 1279), round(y * 1000 / 799)]
        call = {"name": "computer_use", "arguments": {"action": "left_click", "coordinate": grid}}
        answer = f"<tool_call>{json.dumps(call)}</tool_call>"
        no_model = run_plan(plan, env, tmp_path / "run0")
        assert no_model.returncode == 1
        assert "needs a model" in no_model.stderr and "step 1" in no_model.stderr
        with FakeChatServer([answer]) as server:
            first = run_plan(plan, env, tmp_path / "run1", "--base-url", server.base_url, "--model", "fake-qwen3-vl")
            model_calls = len(server.chat_requests)
        assert first.returncode == 0, first.stderr
        assert model_calls == 1
        app.wait(lambda s: s["count_clicks"] == 1)
        # The server is gone: the learned anchor is all the second run has, and all it needs.
        second = run_plan(plan, env, tmp_path / "run2", "--strict-cache")
        assert second.returncode == 0, second.stderr
        app.wait(lambda s: s["count_clicks"] == 2)
    assert [g["rung"] for g in groundings(tmp_path / "run1")] == ["vlm"]
    assert rungs_tried(tmp_path / "run2") == ["anchor"]


def test_two_equally_good_matches_are_refused_with_the_candidates(desktop, tmp_path) -> None:
    env = desktop.env()
    plan = write_plan(tmp_path / "submit.json", [{"kind": "click", "target": {"text": "Submit"}}])
    with DemoAppProcess(tmp_path / "s.json", env, extra_args=["--submit", "two"]) as app:
        proc = run_plan(plan, env, tmp_path / "run")
        assert proc.returncode == 1
        assert "step 1" in proc.stderr and "ambiguous" in proc.stderr and "equally good matches" in proc.stderr
        assert app.state()["submitted"] is None  # nothing was clicked


def test_a_target_not_found_names_the_step_and_every_rung(desktop, demo_app, tmp_path) -> None:
    plan = write_plan(
        tmp_path / "gone.json",
        [{"kind": "click", "target": {"text": "Count"}}, {"kind": "click", "target": {"text": "Frobnicate"}}],
    )
    proc = run_plan(plan, desktop.env(), tmp_path / "run")
    assert proc.returncode == 1
    assert "step 2" in proc.stderr and "'Frobnicate'" in proc.stderr and "ocr:" in proc.stderr
    assert demo_app.wait(lambda s: s["count_clicks"] == 1)
