"""`deskpilot run "TASK" --base-url` against a real HTTP server on loopback, on the real demo app.

The fake server answers the way Qwen3-VL does (a computer_use tool call on the 0-1000 grid); the
click must land on the real button, and every failure mode of a server ends the run cleanly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from planners.fake_server import Delay, FakeChatServer, HttpError, Malformed
from planners.fake_server_behaviours import images_in


def tool_call(action: str, **arguments: object) -> str:
    payload = {"name": "computer_use", "arguments": {"action": action, **arguments}}
    return f"Action: {action}\n<tool_call>\n{json.dumps(payload)}\n</tool_call>"


def grid(point: tuple[int, int], size: tuple[int, int] = (1280, 800)) -> list[int]:
    """Screen point -> Qwen3-VL's 0-1000 grid on monitor 1 (the inverse of the planner's mapping)."""
    return [round(point[0] * 1000 / (size[0] - 1)), round(point[1] * 1000 / (size[1] - 1))]


def run_task(server: FakeChatServer, env: dict[str, str], out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "deskpilot",
        "run",
        "click the Count button",
        "--base-url",
        server.base_url,
        "--model",
        "fake-qwen3-vl",
        "--out",
        str(out),
        "--max-steps",
        "4",
        *extra,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_the_models_click_lands_on_the_real_button(desktop, demo_app, tmp_path) -> None:
    count = demo_app.centre("count")
    script = [tool_call("left_click", coordinate=grid(count)), tool_call("terminate", status="success")]
    with FakeChatServer(script) as server:
        proc = run_task(server, desktop.env(), tmp_path / "run")
        requests = server.chat_requests
    assert proc.returncode == 0, proc.stderr
    state = demo_app.wait(lambda s: s["count_clicks"] == 1)
    assert state["last_click_widget"] == "count"
    # The model saw the whole 1280x800 monitor at the balanced preset, as a PNG data URL.
    (image,) = images_in(requests[0])
    assert image.size == (1280, 800)
    assert "computer_use" in json.dumps(requests[0]["messages"][0])
    # The second request tells the model what the first step did.
    assert "the screen changed" in json.dumps(requests[1]["messages"])
    steps = [json.loads(line) for line in (tmp_path / "run" / "steps.jsonl").read_text().splitlines()]
    assert steps[0]["action"] == {"kind": "click", "x": count[0], "y": count[1], "button": "left", "count": 1}
    assert steps[0]["raw_answer"].startswith("Action: left_click")
    assert steps[0]["prompt_tokens"] > 1000  # 1000 visual tokens at 1280x800 plus the prompt


def test_garbage_answers_are_refused_and_never_executed(desktop, demo_app, tmp_path) -> None:
    garbage = [
        "I would click the button.",
        '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click"}}</tool_call>',
        tool_call("left_click", coordinate=[1200, 5]),
    ]
    with FakeChatServer(garbage) as server:
        proc = run_task(server, desktop.env(), tmp_path / "run")
        requests = server.chat_requests
    assert proc.returncode == 1
    assert "the planner gave 3 unusable answers in a row" in proc.stderr
    assert demo_app.state()["last_click_button"] is None  # nothing was clicked
    steps = [json.loads(line) for line in (tmp_path / "run" / "steps.jsonl").read_text().splitlines()]
    assert [s["verdict"] for s in steps] == ["invalid"] * 3
    assert steps[0]["raw_answer"] == "I would click the button."
    # The model was told why its previous answer was refused.
    assert "could not be used" in json.dumps(requests[1]["messages"])


def test_a_503_then_an_answer_is_retried(desktop, demo_app, tmp_path) -> None:
    count = demo_app.centre("count")
    script = [
        HttpError(503, retry_after=0),
        tool_call("left_click", coordinate=grid(count)),
        tool_call("terminate", status="success"),
    ]
    with FakeChatServer(script) as server:
        proc = run_task(server, desktop.env(), tmp_path / "run")
    assert proc.returncode == 0, proc.stderr
    assert demo_app.wait(lambda s: s["count_clicks"] == 1)


def test_a_malformed_body_ends_the_run_with_a_clear_reason(desktop, demo_app, tmp_path) -> None:
    with FakeChatServer([Malformed("this is not json")]) as server:
        proc = run_task(server, desktop.env(), tmp_path / "run")
    assert proc.returncode == 1
    assert "not a chat completion" in proc.stderr and "Traceback" not in proc.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["success"] is False and "not a chat completion" in summary["reason"]
    assert demo_app.state()["last_click_button"] is None


def test_a_server_that_times_out_ends_the_run_after_bounded_retries(desktop, demo_app, tmp_path) -> None:
    with FakeChatServer(default=Delay(5.0, then="late")) as server:
        proc = run_task(server, desktop.env(), tmp_path / "run", "--timeout-s", "0.3")
    assert proc.returncode == 1
    assert "timed out" in proc.stderr.lower() or "timeout" in proc.stderr.lower(), proc.stderr
    assert demo_app.state()["last_click_button"] is None


def test_a_server_that_is_not_there_is_refused_before_the_run(desktop, tmp_path) -> None:
    with FakeChatServer() as server:
        url = server.base_url
    cmd = [
        sys.executable,
        "-m",
        "deskpilot",
        "run",
        "anything",
        "--base-url",
        url,
        "--model",
        "m",
        "--out",
        str(tmp_path),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.startswith("deskpilot: error:") and url in proc.stderr
    assert not (tmp_path / "steps.jsonl").exists()
