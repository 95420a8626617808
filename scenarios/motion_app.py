"""Background motion for tests and benchmarks: ``python -m scenarios.motion_app [--fps 30] [--clock]``.

A small Tk window with a bar sweeping across it at ``--fps`` frames a second (a video, a spinner,
a progress bar in another window) and, with ``--clock``, a clock label that ticks once a second.
Nothing in it reacts to input: any change it makes is motion the agent must not take for the
effect of its own actions.
"""

from __future__ import annotations

import argparse
import signal
import time
import tkinter as tk
from collections.abc import Sequence

TITLE = "Deskpilot Motion"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenarios.motion_app", description=__doc__)
    parser.add_argument("--fps", type=float, default=30.0, help="frames a second of the sweeping bar (0: still)")
    parser.add_argument("--clock", action="store_true", help="also show a clock that ticks every second")
    parser.add_argument("--geometry", default="300x180+720+40", help="Tk geometry WxH+X+Y")
    args = parser.parse_args(argv)

    root = tk.Tk()
    root.title(TITLE)
    root.geometry(args.geometry)
    canvas = tk.Canvas(root, background="#101820", highlightthickness=0)
    canvas.pack(fill="both", expand=True)
    bar = canvas.create_rectangle(0, 60, 40, 100, fill="#f2aa4c", outline="")
    clock = canvas.create_text(150, 140, text="", fill="#ffffff", font=("TkFixedFont", 16))
    step_ms = int(1000 / args.fps) if args.fps > 0 else 0

    def sweep() -> None:
        x1 = canvas.coords(bar)[0]
        width = max(canvas.winfo_width(), 100)
        canvas.move(bar, 6 if x1 + 46 <= width else -x1, 0)
        root.after(step_ms, sweep)

    def tick() -> None:
        canvas.itemconfigure(clock, text=time.strftime("%H:%M:%S"))
        root.after(1000 - int(time.time() * 1000) % 1000 + 5, tick)

    if step_ms:
        root.after(step_ms, sweep)
    if args.clock:
        tick()

    def heartbeat() -> None:  # let Python see SIGTERM while Tcl idles
        root.after(200, heartbeat)

    signal.signal(signal.SIGTERM, lambda *_: root.quit())  # quit the loop; destroy() mid-callback would raise
    heartbeat()
    root.mainloop()
    root.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
