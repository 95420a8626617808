"""Launching the demo app on a desktop and reading back what reached it.

Shared by the tests, the benchmarks and ``make demo``: one place that knows how to start the app,
wait until its window is laid out, and find a widget's centre on the screen.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.desktop.processes import stop_process
from scenarios.demo_state import State, read_state, wait_for_state


@dataclass
class DemoAppProcess:
    """A running demo app; ``state()`` is what it reports, ``centre(name)`` where a widget is."""

    state_path: Path
    env: Mapping[str, str]
    x: int = 40
    y: int = 40
    extra_args: Sequence[str] = ()
    python: str = sys.executable  # the interpreter whose `scenarios` runs the app (tests/wheel: an installed one)
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self, timeout_s: float = 20.0) -> DemoAppProcess:
        # Absolute, and the app runs in the state file's own folder: a relative path handed to a child in
        # another working directory is another file (the app wrote into site-packages while we waited here).
        # The folder is ours, so no `scenarios` package of the user's can shadow ours in `python -m` either.
        self.state_path = Path(self.state_path).absolute()
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self.state_path.unlink(missing_ok=True)
        cmd = [self.python, "-m", "scenarios.demo_app", "--state", str(self.state_path)]
        cmd += ["--x", str(self.x), "--y", str(self.y), *self.extra_args]
        self.proc = subprocess.Popen(cmd, env=dict(self.env), cwd=self.state_path.parent)
        try:
            # The pid check: a stale state file from an earlier app must not pass for this one.
            pid = self.proc.pid
            self.wait(lambda s: bool(s["ready"]) and s.get("pid") == pid, timeout_s)
        except TimeoutError:
            self.stop()
            raise
        return self

    def state(self) -> State:
        return read_state(self.state_path)

    def wait(self, predicate: Callable[[State], bool], timeout_s: float = 5.0) -> State:
        """Poll the state file until ``predicate`` holds; fail at once if the app has died."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the demo app exited with status {self.proc.returncode}")
            remaining = deadline - time.monotonic()
            try:
                return wait_for_state(self.state_path, predicate, max(0.0, min(0.5, remaining)))
            except TimeoutError:
                if remaining <= 0.5:
                    raise

    def box(self, name: str) -> dict[str, int]:
        boxes = self.state()["widgets"]
        if name not in boxes:
            raise KeyError(f"the demo app has no widget {name!r}; it has {sorted(boxes)}")
        return dict(boxes[name])

    def centre(self, name: str) -> tuple[int, int]:
        box = self.box(name)
        return box["x"] + box["w"] // 2, box["y"] + box["h"] // 2

    def save_widget_png(self, name: str, path: Path, pad: int = 0) -> Path:
        """A PNG of one widget (and ``pad`` points around it) as it is on the screen: what an RPA author
        saves as ``submit.png``."""
        import mss
        from PIL import Image

        box = self.box(name)
        region = {
            "left": box["x"] - pad,
            "top": box["y"] - pad,
            "width": box["w"] + 2 * pad,
            "height": box["h"] + 2 * pad,
        }
        with mss.MSS(display=self.env.get("DISPLAY")) as grabber:
            shot = grabber.grab(region)
        Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX").save(path)
        return path

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)

    def __enter__(self) -> DemoAppProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class MotionAppProcess:
    """A window that moves on its own (scenarios.motion_app): a 30 fps bar and, optionally, a clock."""

    env: Mapping[str, str]
    fps: float = 30.0
    clock: bool = False
    geometry: str = "300x180+720+40"
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self, timeout_s: float = 20.0) -> MotionAppProcess:
        from actions.x11.windows import wait_for_window
        from scenarios.motion_app import TITLE

        cmd = [sys.executable, "-m", "scenarios.motion_app", "--fps", str(self.fps), "--geometry", self.geometry]
        cmd += ["--clock"] if self.clock else []
        self.proc = subprocess.Popen(cmd, env=dict(self.env))
        try:
            wait_for_window(f"^{TITLE}$", timeout_s, display=self.env.get("DISPLAY"))
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)

    def __enter__(self) -> MotionAppProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
