"""Learn once, replay forever: a model-driven run saved as a scenario, replayed with the model gone;
and `deskpilot export`'s script, run as it is printed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from planners.fake_server import FakeChatServer
from scenarios.harness import DemoAppProcess

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "demo_form.yaml"


def tool_call(action: str, **arguments: object) -> str:
    payload = {"name": "computer_use", "arguments": {"action": action, **arguments}}
    return f"Action: {action}\n<tool_call>\n{json.dumps(payload)}\n</tool_call>"


def grid(point: tuple[int, int]) -> list[int]:
    return [round(point[0] * 1000 / 1279), round(point[1] * 1000 / 799)]


def deskpilot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskpilot", *args], capture_output=True, text=True, env=env, timeout=300
    )


def filled(state: dict, name: str = "Ada Lovelace") -> bool:
    return state["submitted"] == {"name": name, "email": "ada@example.com", "notes": "", "agree": True}


def test_a_saved_model_run_replays_without_the_model(desktop, tmp_path) -> None:
    env, flow = desktop.env(), tmp_path / "flow.yaml"
    with DemoAppProcess(tmp_path / "s1.json", env) as app:
        script = [
            tool_call("left_click", coordinate=grid(app.centre("name"))),
            tool_call("type", text="Ada Lovelace"),
            tool_call("left_click", coordinate=grid(app.centre("email"))),
            tool_call("type", text="ada@example.com"),
            tool_call("left_click", coordinate=grid(app.centre("agree"))),
            tool_call("left_click", coordinate=grid(app.centre("submit"))),
            tool_call("terminate", status="success"),
        ]
        with FakeChatServer(script) as server:
            proc = deskpilot(
                "run",
                "fill in the form",
                "--base-url",
                server.base_url,
                "--model",
                "fake-qwen3-vl",
                "--out",
                str(tmp_path / "run1"),
                "--save-scenario",
                str(flow),
                env=env,
            )
            model_calls = len(server.chat_requests)
        assert proc.returncode == 0, proc.stderr
        assert filled(app.wait(lambda s: s["submitted"] is not None))
    assert model_calls == 7
    saved = yaml.safe_load(flow.read_text())
    assert [s["action"]["kind"] for s in saved["steps"]] == ["click", "type", "click", "type", "click", "click"]
    assert saved["steps"][5]["target"]["label"] == "Submit"
    assert saved["steps"][5]["target"]["anchor"]["window_title"] == "Deskpilot Demo"
    assert all((tmp_path / s["target"]["anchor"]["template"]).exists() for s in saved["steps"] if "target" in s)

    # The server is gone; a fresh app, elsewhere on the screen.
    with DemoAppProcess(tmp_path / "s2.json", env, x=300, y=150) as app:
        proc = deskpilot("replay", str(flow), "--out", str(tmp_path / "run2"), "--quiet", env=env)
        assert proc.returncode == 0, proc.stderr
        assert filled(app.wait(lambda s: s["submitted"] is not None))
    steps = [json.loads(line) for line in (tmp_path / "run2" / "steps.jsonl").read_text().splitlines()]
    assert {g["rung"] for s in steps for g in (s.get("grounding") or [])} <= {"anchor", "template", "ocr"}

    # And the same flow as a Python script.
    exported = deskpilot("export", str(flow), env=env)
    assert exported.returncode == 0, exported.stderr
    assert "from deskpilot import Desktop" in exported.stdout and "desk.type('Ada Lovelace')" in exported.stdout


def test_the_exported_script_runs(desktop, demo_app, tmp_path) -> None:
    flow = tmp_path / "demo_form.yaml"
    shutil.copy(BUNDLED, flow)
    shutil.copytree(BUNDLED.with_name("demo_form.templates"), tmp_path / "demo_form.templates")
    script = tmp_path / "flow.py"
    proc = deskpilot("export", str(flow), "-o", str(script), env=desktop.env())
    assert proc.returncode == 0, proc.stderr
    ran = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=desktop.env(), cwd=tmp_path, timeout=300
    )
    assert ran.returncode == 0, ran.stderr
    state = demo_app.wait(lambda s: s["count_clicks"] == 1)
    assert filled(state)
    assert (tmp_path / "demo_form.cache" / "index.json").exists()
    assert len(list((tmp_path / "runs").glob("*/report.html"))) == 1
