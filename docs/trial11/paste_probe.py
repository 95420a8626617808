"""The gedit paste cause, outside Deskpilot's steps: ClipboardPaster.paste of '你好' into gedit's buffer raises
TextNotDelivered (the trace: the text fetched at +2 ms, then TARGETS only), yet the buffer holds it; with
``_wait_until_done`` replaced (in this process only) by a short quiet serve, the next paste is done at once.
The driver's ctrl+s then saves both: '你好ü'.

    PYTHONPATH=. .venv/bin/python docs/trial11/paste_probe.py
"""

from __future__ import annotations

import subprocess
import tempfile
import time
import types
from pathlib import Path

from actions.x11.clipboard import ClipboardPaster
from actions.x11.windows import wait_for_window
from agent.desktop.xserver import VirtualDesktop
from scenarios.realapps.apps import _app_process


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "e.txt"
    path.write_text("")
    with VirtualDesktop() as desk:
        env = desk.env()
        with _app_process(["gedit", str(path)], env, subprocess.DEVNULL):
            wait_for_window(r"^e\.txt", timeout_s=30, display=env["DISPLAY"])
            time.sleep(1.5)

            def press() -> None:
                subprocess.run(["xdotool", "key", "ctrl+v"], env=env, check=False)

            with ClipboardPaster(env["DISPLAY"]) as paster:
                paster.recheck_timeout_s = 3.0
                try:
                    paster.paste("你好", press)
                    print("as is: done")
                except Exception as exc:  # noqa: BLE001  (what it raises is the finding)
                    print("as is:", type(exc).__name__)
                print([str(r) for r in paster.trace])

                def quiet_serve(self: ClipboardPaster) -> bool:
                    self.serve(0.3)
                    return True

                paster._wait_until_done = types.MethodType(quiet_serve, paster)  # type: ignore[method-assign]
                paster.paste("ü", press)
                print("patched: done")
            time.sleep(0.5)
            subprocess.run(["xdotool", "key", "ctrl+s"], env=env, check=False)
            time.sleep(1)
            print(repr(path.read_text()))


if __name__ == "__main__":
    main()
