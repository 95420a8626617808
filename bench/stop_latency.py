"""How fast the stop hotkey ends a run, measured where it is hardest: during a long ``wait``, right
after a long ``type`` (a type action is not cut in half), and while a model call is in flight.

The promise is "within a second" from the key press to the process's exit (xdotool's own start-up
included). Timings depend on the machine's load, so they are measured here, side by side in one run,
and printed as ratios to the promise, not asserted in tests.

    .venv/bin/python -m bench.stop_latency [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import table

PROMISE_S = 1.0


def _plan(kind: str, app) -> list[dict]:
    if kind == "wait":
        x, y = app.centre("count")
        return [{"kind": "click", "x": x, "y": y}, {"kind": "wait", "seconds": 30}]
    x, y = app.centre("notes")
    text = {"kind": "type", "text": "abc def " * 60}
    return [{"kind": "click", "x": x, "y": y}, text, {"kind": "wait", "seconds": 30}]


def _one(kind: str, desk, workdir: Path) -> float:
    from planners.fake_server import Delay, FakeChatServer
    from scenarios.harness import DemoAppProcess

    out = Path(tempfile.mkdtemp(dir=workdir))
    app_state = workdir / f"{kind}-state.json"
    with DemoAppProcess(app_state, desk.env()) as app, FakeChatServer(default=Delay(30.0)) as server:
        if kind == "model":
            cmd = ["run", "click the Count button", "--base-url", server.base_url, "--model", server.model]
        else:
            plan = workdir / f"{kind}.json"
            plan.write_text(json.dumps(_plan(kind, app)))
            cmd = ["run", "--plan", str(plan), "--settle-timeout-s", "30"]
        argv = [sys.executable, "-m", "deskpilot", *cmd, "--out", str(out), "--quiet"]
        proc = subprocess.Popen(argv, env=desk.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        steps = out / "steps.jsonl"
        while not (server.chat_requests if kind == "model" else steps.is_file() and steps.read_text().strip()):
            if proc.poll() is not None:
                raise RuntimeError(f"{kind}: ended early: {proc.communicate()[1]}")
            time.sleep(0.005)
        time.sleep(0.2 if kind != "type" else 0.0)
        pressed = time.monotonic()
        subprocess.run(["xdotool", "key", "ctrl+alt+shift+q"], env=desk.env(), check=True)
        proc.wait(timeout=30)
        took = time.monotonic() - pressed
        if proc.returncode != 130:
            raise RuntimeError(f"{kind}: exit status {proc.returncode}: {proc.communicate()[1]}")
        return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stop_latency")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from agent.desktop.xserver import VirtualDesktop

    rows = []
    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        for kind in ("wait", "type", "model"):
            samples = [_one(kind, desk, Path(tmp)) for _ in range(args.rounds)]
            median = statistics.median(samples)
            rows.append([kind, f"{median * 1000:.0f}", f"{max(samples) * 1000:.0f}", f"{median / PROMISE_S:.2f}x"])
    print(table(["stopped during", "median ms", "worst ms", "median / 1 s promise"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
