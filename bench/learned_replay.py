"""Learn once, replay forever: a model-driven run saved with ``--save-scenario``, against its replay.

    .venv/bin/python -m bench.learned_replay

One process, side by side on the demo app: ``deskpilot run "fill in the form" --save-scenario`` driven
by the fake OpenAI-compatible server (it answers the way Qwen3-VL does, instantly: the model's own
latency is NOT in these numbers; ``bench.gpu_step`` measures a real model step), then ``deskpilot
replay`` of the saved flow on a fresh app with the server stopped. Per step: what found the point (the
model's answer, or a rung of the ladder), planning ms, and model calls; then the totals.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.timing import table


def _tool_call(action: str, **arguments: object) -> str:
    call = {"name": "computer_use", "arguments": {"action": action, **arguments}}
    return f"<tool_call>{json.dumps(call)}</tool_call>"


def _steps(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "steps.jsonl").read_text().splitlines()]


def main(argv: list[str] | None = None) -> int:
    from agent.cli.main import main as deskpilot
    from agent.desktop.xserver import VirtualDesktop
    from planners.fake_server import FakeChatServer
    from scenarios.harness import DemoAppProcess

    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        os.environ["DISPLAY"] = desk.display
        folder, flow = Path(tmp), Path(tmp) / "flow.yaml"
        with DemoAppProcess(folder / "s1.json", desk.env()) as app:
            grid = {
                w: [round(app.centre(w)[0] * 1000 / 1279), round(app.centre(w)[1] * 1000 / 799)]
                for w in ("name", "email", "agree", "submit")
            }
            script = [
                _tool_call("left_click", coordinate=grid["name"]),
                _tool_call("type", text="Ada Lovelace"),
                _tool_call("left_click", coordinate=grid["email"]),
                _tool_call("type", text="ada@example.com"),
                _tool_call("left_click", coordinate=grid["agree"]),
                _tool_call("left_click", coordinate=grid["submit"]),
                _tool_call("terminate", status="success"),
            ]
            with FakeChatServer(script) as server:
                started = time.monotonic()
                first = deskpilot(
                    [
                        "run",
                        "fill in the form",
                        "--base-url",
                        server.base_url,
                        "--model",
                        "fake-qwen3-vl",
                        "--out",
                        str(folder / "model"),
                        "--save-scenario",
                        str(flow),
                        "--quiet",
                    ]
                )
                model_s, model_calls = time.monotonic() - started, len(server.chat_requests)
        with DemoAppProcess(folder / "s2.json", desk.env()) as app:
            started = time.monotonic()
            second = deskpilot(["replay", str(flow), "--out", str(folder / "replay"), "--quiet"])
            replay_s = time.monotonic() - started
        model_steps, replay_steps = _steps(folder / "model"), _steps(folder / "replay")
    rows = []
    for a, b in zip(model_steps, replay_steps, strict=False):
        rung = (b.get("grounding") or [{}])[0].get("rung", "-")
        rows.append(
            [
                a["action"]["kind"],
                "model",
                f"{a['timings']['plan_ms']:.1f}",
                1,
                rung,
                f"{b['timings']['plan_ms']:.1f}",
                0,
            ]
        )
    rows.append(["whole run (s, incl. start-up)", "", f"{model_s:.2f}", model_calls, "", f"{replay_s:.2f}", 0])
    print("a saved model-driven run vs its replay with the server stopped (the fake model answers instantly)")
    print(
        table(["step", "run: found by", "plan ms", "model calls", "replay: found by", "plan ms", "model calls"], rows)
    )
    print(f"exit status: run {first}, replay {second}; model calls {model_calls} -> 0")
    return 0 if first == 0 and second == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
