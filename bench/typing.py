"""Typing exactness and speed in real applications: keymap+paste (the default) against paste-only.

Every string of the unicode typing tests is typed ``--rounds`` times (default 20) into each target:
a Chromium text input and textarea (a local form page that posts its values to a loopback server),
a GTK3 text view (mousepad; read back by saving to disk), a Qt editor (featherpad; same), a GTK3
entry (``zenity --entry``, a fresh dialog each round; Return makes zenity print the entry's text),
and our Tk demo app (its state file). A round is exact when the application's own copy equals the string.
The time is that of ``TextTyper.type_text`` alone (it returns once the last paste was fetched and
the target went quiet, and the last keystroke reached the X server).

Also prints, per application, what it asked of the clipboard on the last paste (ms from ctrl+v).

    .venv/bin/python -m bench.typing [--rounds 20] [--apps chromium,mousepad,featherpad,gtkentry,tk]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from actions.x11.text_input import TextTyper
from agent.desktop.xserver import VirtualDesktop
from bench.timing import table
from scenarios.harness import DemoAppProcess
from scenarios.realapps.apps import EntryDialog, chromium_binary, chromium_command, running_app, zenity_entry
from scenarios.realapps.form_server import FormServer
from scenarios.typing_strings import TYPING_STRINGS

STRINGS = TYPING_STRINGS
MODES = ("auto", "paste")


@dataclass
class Target:
    """One field of one app: ``clear()`` empties it (and focuses it); ``read(want)`` is its content
    once it equals ``want`` or a few seconds passed; ``single_line``: a tab would move the focus."""

    app: str
    field: str
    clear: Callable[[], None]
    read: Callable[[str], str | None]
    single_line: bool


def click(desk: VirtualDesktop, x: int, y: int) -> None:
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=desk.env(), check=True)


def poll(get: Callable[[], str | None], want: str, timeout_s: float = 3.0) -> str | None:
    deadline = time.monotonic() + timeout_s
    while True:
        value = get()
        if value == want or time.monotonic() > deadline:
            return value
        time.sleep(0.01)  # reading another process's output, not acting


@contextlib.contextmanager
def chromium_targets(desk: VirtualDesktop, typer: TextTyper) -> Iterator[list[Target]]:
    binary = chromium_binary()
    if binary is None:
        yield []
        return
    with (
        FormServer() as server,
        tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile,
        running_app(chromium_command(binary, server.url, Path(profile)), desk.env(), "^deskpilot form$") as win,
    ):
        if True:
            server.wait(lambda s: "rects" in s.state, timeout_s=30)

            def target(field: str, label: str) -> Target:
                x, y, width, height = server.state["rects"][field]

                def clear() -> None:
                    click(desk, win.left + x + width // 2, win.top + y + height // 2)
                    server.wait(lambda s: s.state.get("focus") == field)
                    typer.keyboard.press_chord(("ctrl", "a"))
                    typer.keyboard.press_chord(("BackSpace",))
                    server.wait(lambda s: s.state.get(field) == "")

                def read(want: str) -> str | None:
                    server.wait(lambda s: s.state.get(field) == want, timeout_s=3)
                    return server.state.get(field)

                return Target("chromium", label, clear, read, single_line=True)  # Tab moves the focus

            yield [target("name", "input"), target("notes", "textarea")]


@contextlib.contextmanager
def editor_target(desk: VirtualDesktop, typer: TextTyper, app: str) -> Iterator[list[Target]]:
    """mousepad or featherpad on an existing file: each round is read back by saving it (ctrl+s)."""
    if shutil.which(app) is None:
        yield []
        return
    with tempfile.TemporaryDirectory(prefix=f"bench-{app}-") as folder:
        path = Path(folder) / f"{app}-bench.txt"
        path.write_bytes(b"")
        cmd = (
            ["mousepad", "--disable-server", str(path)]
            if app == "mousepad"
            else ["featherpad", "--standalone", str(path)]
        )
        with running_app(cmd, desk.env(), path.name) as win:
            trailing = "\n" if app == "featherpad" else ""  # featherpad ends a saved file with a newline

            def clear() -> None:
                click(desk, win.left + win.width // 2, win.top + win.height // 2)
                typer.keyboard.press_chord(("ctrl", "a"))
                typer.keyboard.press_chord(("Delete",))

            def read(want: str) -> str | None:
                typer.keyboard.press_chord(("ctrl", "s"))
                text = poll(lambda: path.read_bytes().decode("utf-8", "replace"), want + trailing)
                return None if text is None else text.removesuffix(trailing)

            toolkit = "GTK3 text view" if app == "mousepad" else "Qt5 editor"
            yield [Target(app, toolkit, clear, read, single_line=False)]


@contextlib.contextmanager
def gtk_entry_target(desk: VirtualDesktop, typer: TextTyper) -> Iterator[list[Target]]:
    """A GtkEntry: ``clear()`` opens a fresh zenity entry dialog and waits, as the agent does before
    acting on a dialog, until it has been still for ``SettleConfig.dialog_quiet_ms``; ``read()``
    presses Return and takes what zenity printed."""
    if shutil.which("zenity") is None:
        yield []
        return
    from agent.motion import MotionMask, Region, Watch
    from agent.screen import MssScreen
    from agent.settle import SettleConfig, ready

    config, screen = SettleConfig(), MssScreen(monitor=0)
    with contextlib.ExitStack() as rounds:
        opened: list[EntryDialog] = []

        def clear() -> None:
            rounds.close()  # the previous round's dialog, if it is still open
            dialog = rounds.enter_context(zenity_entry(desk.env()))
            opened[:] = [dialog]
            w = dialog.window
            region = Region(boxes=[(w.left, w.top, w.left + w.width, w.top + w.height)], dialog=True)
            if not ready(screen, screen.capture(), Watch(MotionMask(), region), config).ready:
                print("  zenity: the dialog was still changing when the ready wait ran out")

        def read(want: str) -> str | None:
            typer.keyboard.press_chord(("Return",))
            return opened[0].answer(timeout_s=5)

        try:
            yield [Target("zenity", "GTK3 entry", clear, read, single_line=True)]  # Tab moves the focus
        finally:
            screen.close()


@contextlib.contextmanager
def tk_target(desk: VirtualDesktop, typer: TextTyper) -> Iterator[list[Target]]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-tk-") as folder,
        DemoAppProcess(Path(folder) / "state.json", desk.env()) as demo,
    ):

        def clear() -> None:
            click(desk, *demo.centre("clear"))
            demo.wait(lambda s: s["name"] == "")
            click(desk, *demo.centre("name"))
            demo.wait(lambda s: s["focus"] == "name")

        def read(want: str) -> str | None:
            return str(demo.wait(lambda s: s["name"] == want, timeout_s=3)["name"])

        yield [Target("tk demo", "entry", clear, read, single_line=True)]


def measure(target: Target, typer: TextTyper, rounds: int) -> tuple[list[list[object]], str]:
    rows: list[list[object]] = []
    trace = ""
    for text in STRINGS:
        text = text.split("\t")[0] if target.single_line else text
        for mode in MODES:
            exact, times_ms = 0, []
            for _ in range(rounds):
                target.clear()
                start = time.perf_counter()
                try:
                    typer.type_text(text, paste_all=mode == "paste")
                except Exception as exc:  # noqa: BLE001 - a failed round is counted, and shown below
                    print(f"  {target.app} {target.field} {mode} {text!r}: {exc}")
                times_ms.append((time.perf_counter() - start) * 1000.0)
                got = target.read(text)
                exact += got == text
                if got != text:
                    print(f"  {target.app} {target.field} {mode}: wanted {text!r}, the app has {got!r}")
                    print(f"    requests: {' '.join(str(request) for request in typer.paster.trace)}")
                if typer.paster.trace:
                    trace = " ".join(str(request) for request in typer.paster.trace)
            median = statistics.median(times_ms)
            p90 = sorted(times_ms)[int(0.9 * (len(times_ms) - 1))]
            rows.append([target.app, target.field, repr(text)[:28], mode, f"{exact}/{rounds}", median, p90])
    return rows, trace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--apps", default="chromium,mousepad,featherpad,gtkentry,tk")
    args = parser.parse_args(argv)
    apps = args.apps.split(",")
    rows: list[list[object]] = []
    traces: list[tuple[str, str]] = []
    with VirtualDesktop() as desk, TextTyper(desk.display) as typer:
        os.environ["DISPLAY"] = desk.display  # screen captures (mss) read it; never the user's desktop
        launchers: dict[str, Callable[[], contextlib.AbstractContextManager[list[Target]]]] = {
            "chromium": lambda: chromium_targets(desk, typer),
            "mousepad": lambda: editor_target(desk, typer, "mousepad"),
            "featherpad": lambda: editor_target(desk, typer, "featherpad"),
            "gtkentry": lambda: gtk_entry_target(desk, typer),
            "tk": lambda: tk_target(desk, typer),
        }
        for app in apps:
            with launchers[app]() as targets:
                if not targets:
                    print(f"{app}: not installed, skipped")
                for target in targets:
                    found, trace = measure(target, typer, args.rounds)
                    rows += found
                    traces.append((f"{target.app} {target.field}", trace))
    print(table(["app", "field", "string", "mode", "exact", "median ms", "p90 ms"], rows))
    print("\nlast paste, clipboard requests (ms from the ctrl+v press):")
    for name, trace in traces:
        print(f"  {name}: {trace}")
    inexact = [row for row in rows if not str(row[4]).startswith(f"{args.rounds}/")]
    return 1 if inexact else 0


if __name__ == "__main__":
    raise SystemExit(main())
