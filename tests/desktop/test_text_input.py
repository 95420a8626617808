"""TextTyper under a real X server: every string arrives exactly, 20 times in a row.

A throwaway Tk app (an Entry and a Text) answers commands on stdin with its state as one JSON line,
so the test reads what the application itself holds; it never sleeps, it polls with a deadline.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.desktop

PROBE_APP = r"""
import json, os, sys, tkinter as tk

root = tk.Tk()
root.title("text-input-probe")
root.geometry("+30+30")
entry = tk.Entry(root, width=50)
entry.pack(padx=10, pady=10)
text = tk.Text(root, width=50, height=8)
text.pack(padx=10, pady=10)
names = {str(entry): "entry", str(text): "text"}

def state():
    focus = root.focus_get()  # None unless this app holds the X input focus
    return {"entry": entry.get(), "text": text.get("1.0", "end-1c"),
            "focus": names.get(str(focus)) if focus else None}

def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

pending = b""
def on_stdin(*_):
    global pending
    data = os.read(sys.stdin.fileno(), 65536)
    if not data:
        root.destroy()
        return
    pending += data
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        if line == b"get":
            reply(state())
        elif line == b"clear":  # answers with the content *before* clearing: late keys show up
            before = state()
            entry.delete(0, "end")
            text.delete("1.0", "end")
            reply(before)

def ready():
    root.wait_visibility(root)
    root.update()
    def centre(w):
        return [w.winfo_rootx() + w.winfo_width() // 2, w.winfo_rooty() + w.winfo_height() // 2]
    reply({"entry": centre(entry), "text": centre(text)})

root.tk.createfilehandler(sys.stdin, tk.READABLE, on_stdin)
root.after(0, ready)
root.mainloop()
"""

# (widget, text): the Entry is single-line (Tab moves the focus there), so tabs and newlines go
# to the Text widget.
CASES = [
    ("entry", "Grüße, café ✓"),
    ("entry", "你好，世界"),
    ("entry", "<tag> & 100%"),
    ("entry", "Hello, World! ~`!@#$%^&*()_+-={}[]|\\:;\"'<>?,./"),
    ("text", "a<b>é\tz"),
    ("text", "line one\nzweite Zeile ü\n\n  end ✓ 你好\n"),
]
ROUNDS = 20


class ProbeApp:
    def __init__(self, script: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(script)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._buffer = b""
        self.centres: dict[str, list[int]] = self._read(timeout_s=20)

    def _read(self, timeout_s: float) -> Any:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("the probe app did not answer")
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError(f"the probe app exited with {self.proc.wait()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def command(self, name: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(name.encode() + b"\n")
        self.proc.stdin.flush()
        return self._read(timeout_s=5)

    def wait(self, predicate: Callable[[dict[str, Any]], bool], timeout_s: float = 5.0) -> dict[str, Any]:
        """Poll the app until ``predicate(state)`` or the deadline; returns the last state."""
        deadline = time.monotonic() + timeout_s
        while True:
            state = self.command("get")
            if predicate(state) or time.monotonic() > deadline:
                return state

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # EOF: the app destroys its window and exits
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def desktop() -> Iterator[Any]:
    """This module's own Xvfb + openbox (it overrides the session-wide ``desktop`` fixture)."""
    from agent.desktop.xserver import VirtualDesktop

    missing = [tool for tool in ("Xvfb", "openbox", "xdotool", "xclip") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"missing: {', '.join(missing)}")
    with VirtualDesktop() as desk:
        yield desk


@pytest.fixture(scope="module")
def probe(desktop: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProbeApp]:
    pytest.importorskip("tkinter")
    script = tmp_path_factory.mktemp("probe") / "probe_app.py"
    script.write_text(PROBE_APP)
    app = ProbeApp(script, desktop.env())
    yield app
    app.close()


@pytest.fixture(scope="module")
def typer(desktop: Any) -> Iterator[Any]:
    from actions.x11.text_input import TextTyper

    with TextTyper(desktop.display) as text_typer:
        yield text_typer


def focus(desktop: Any, probe: ProbeApp, widget: str) -> None:
    x, y = probe.centres[widget]
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=desktop.env(), check=True)
    # Keys sent before the window manager gave the app the X focus would go elsewhere.
    assert probe.wait(lambda s: s["focus"] == widget)["focus"] == widget


def set_clipboard(desktop: Any, text: str) -> None:
    subprocess.run(["xclip", "-selection", "clipboard", "-i"], input=text.encode(), env=desktop.env(), check=True)
    # xclip's parent exits before its forked child owns CLIPBOARD: wait until the text reads back.
    deadline = time.monotonic() + 5
    while get_clipboard(desktop) != text and time.monotonic() < deadline:
        pass
    assert get_clipboard(desktop) == text


def get_clipboard(desktop: Any) -> str | None:
    proc = subprocess.run(["xclip", "-selection", "clipboard", "-o"], capture_output=True, env=desktop.env(), timeout=5)
    return proc.stdout.decode() if proc.returncode == 0 else None


def clipboard_owner(desktop: Any) -> int:
    from Xlib.display import Display

    conn = Display(desktop.display)
    try:
        owner = conn.get_selection_owner(conn.intern_atom("CLIPBOARD"))
        return owner if isinstance(owner, int) else int(owner.id)
    finally:
        conn.close()


def empty_clipboard(desktop: Any) -> None:
    """Own CLIPBOARD with a window and destroy it: the selection then has no owner."""
    from Xlib import X
    from Xlib.display import Display

    conn = Display(desktop.display)
    try:
        window = conn.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        window.set_selection_owner(conn.intern_atom("CLIPBOARD"), X.CurrentTime)
        window.destroy()
        conn.sync()
    finally:
        conn.close()
    assert clipboard_owner(desktop) == 0


@pytest.mark.parametrize(("widget", "text"), CASES, ids=[f"{w}-{i}" for i, (w, _) in enumerate(CASES)])
def test_text_arrives_exactly_twenty_times(desktop: Any, probe: ProbeApp, typer: Any, widget: str, text: str) -> None:
    set_clipboard(desktop, "the user's clipboard ✂")
    focus(desktop, probe, widget)
    probe.command("clear")
    for round_number in range(ROUNDS):
        typer.type_text(text)
        state = probe.wait(lambda s: s[widget] == text)
        assert state[widget] == text, f"round {round_number}"
        # "clear" answers with the content before clearing: a key arriving late would show here.
        assert probe.command("clear")[widget] == text, f"round {round_number}: late keys"
    assert get_clipboard(desktop) == "the user's clipboard ✂"


def test_the_previous_clipboard_is_restored(desktop: Any, probe: ProbeApp, typer: Any) -> None:
    set_clipboard(desktop, "previous ✓ clip")
    focus(desktop, probe, "entry")
    probe.command("clear")
    runs = typer.type_text("café ✓ <ok>")
    assert probe.wait(lambda s: s["entry"] == "café ✓ <ok>")["entry"] == "café ✓ <ok>"
    assert get_clipboard(desktop) == "previous ✓ clip"
    assert "".join(run.text for run in runs) == "café ✓ <ok>"
    assert {run.strategy for run in runs} == {"xtest", "clipboard"}  # on record for the run


def test_typing_works_with_an_empty_clipboard(desktop: Any, probe: ProbeApp, typer: Any) -> None:
    empty_clipboard(desktop)
    focus(desktop, probe, "entry")
    probe.command("clear")
    typer.type_text("leer → voll é")
    assert probe.wait(lambda s: s["entry"] == "leer → voll é")["entry"] == "leer → voll é"
    assert clipboard_owner(desktop) == 0  # released again, not left holding our text


def test_caps_lock_does_not_invert_the_case(desktop: Any, probe: ProbeApp, typer: Any) -> None:
    focus(desktop, probe, "entry")
    probe.command("clear")
    typer.keyboard.press_chord(["Caps_Lock"])
    try:
        typer.type_text("Hello ABC xyz <1!>")
        assert probe.wait(lambda s: s["entry"] == "Hello ABC xyz <1!>")["entry"] == "Hello ABC xyz <1!>"
    finally:
        typer.keyboard.press_chord(["Caps_Lock"])


def test_a_paste_nobody_fetches_raises_and_restores(desktop: Any, probe: ProbeApp) -> None:
    from Xlib import X
    from Xlib.display import Display

    from actions.errors import ActionError
    from actions.x11.text_input import TextTyper

    set_clipboard(desktop, "keep me")
    conn = Display(desktop.display)  # a focused window whose client never asks for the clipboard
    # override_redirect: mapped at once, without waiting for the window manager to manage it.
    window = conn.screen().root.create_window(0, 0, 50, 50, 0, X.CopyFromParent, override_redirect=True)
    window.map()
    conn.sync()
    window.set_input_focus(X.RevertToParent, X.CurrentTime)
    conn.sync()
    try:
        with TextTyper(desktop.display, paste_timeout_s=0.3) as short, pytest.raises(ActionError, match="paste"):
            short.type_text("✓")
        assert get_clipboard(desktop) == "keep me"
    finally:
        window.destroy()
        conn.close()


def test_keysyms_of_ascii_punctuation_are_their_code_points() -> None:
    """Why actions.x11.keysyms needs no punctuation table: keysym names map to the Latin-1 code points."""
    from Xlib import XK

    from actions.x11.keysyms import keysym_for_char

    names = {"<": "less", ">": "greater", "&": "ampersand", "%": "percent", "~": "asciitilde", "`": "grave",
             "\\": "backslash", '"': "quotedbl", "'": "apostrophe", "é": "eacute", " ": "space"}  # fmt: skip
    for ch, name in names.items():
        assert keysym_for_char(ch) == XK.string_to_keysym(name), ch
    assert XK.string_to_keysym("<") == 0  # it wants names, not characters
    assert keysym_for_char("\n") == XK.string_to_keysym("Return")
    assert keysym_for_char("✓") == 0x01000000 + ord("✓")


# A Chromium-like paste target (measured: see actions/x11/clipboard.py). On ctrl+v it fetches
# TARGETS and UTF8_STRING, asks TARGETS, pauses longer than the paster's quiet time, asks TARGETS,
# UTF8_STRING and TARGETS again, and inserts the text only if the clipboard kept its owner all
# along, as Chromium does. Mode "probe-first" also fetches the text as soon as the owner changes
# (XFixes) and says so; "targets-only" asks TARGETS and never the text (a field that takes no text);
# "never-rereads" asks TARGETS after its fetch but never finishes.
PICKY_APP = r"""
import json, sys, time
from Xlib import X, XK
from Xlib.display import Display
from Xlib.ext import xfixes

mode = sys.argv[1]
d = Display()
root = d.screen().root
w = root.create_window(0, 0, 60, 60, 0, X.CopyFromParent, override_redirect=True, event_mask=X.KeyPressMask)
w.map()
d.sync()
w.set_input_focus(X.RevertToParent, X.CurrentTime)
d.xfixes_query_version()
CLIP, PROP = d.intern_atom("CLIPBOARD"), d.intern_atom("PICKY_SELECTION")
TARGETS, UTF8 = d.intern_atom("TARGETS"), d.intern_atom("UTF8_STRING")
d.xfixes_select_selection_input(root, CLIP, xfixes.XFixesSetSelectionOwnerNotifyMask)
V = d.keysym_to_keycode(XK.string_to_keysym("v"))
d.sync()

def say(**obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

def owner():
    o = d.get_selection_owner(CLIP)
    return o if isinstance(o, int) else o.id

later = []  # events that came while waiting for a SelectionNotify

def next_event():
    return later.pop(0) if later else d.next_event()

def fetch(target):
    w.convert_selection(CLIP, target, PROP, X.CurrentTime)
    while True:
        ev = d.next_event()
        if ev.type == X.SelectionNotify:
            break
        later.append(ev)
    if ev.property == X.NONE:
        return None
    value = w.get_full_property(PROP, X.AnyPropertyType)
    w.delete_property(PROP)
    return None if value is None else bytes(value.value) if target == UTF8 else list(value.value)

say(ready=True)
while True:
    ev = next_event()
    if type(ev).__name__ == "SetSelectionOwnerNotify" and ev.owner and mode == "probe-first":
        fetch(TARGETS)
        fetch(UTF8)  # the probe: not a paste
        say(probed=True)
    elif ev.type == X.KeyPress and ev.detail == V and ev.state & X.ControlMask:
        before = owner()
        fetch(TARGETS)
        if mode == "targets-only":
            say(asked="TARGETS")
            continue
        text = fetch(UTF8)
        if mode == "never-rereads":
            fetch(TARGETS)
            say(fetched=text.decode())
            continue
        fetch(TARGETS)
        time.sleep(0.15)  # Chromium pauses here: 5-40 ms measured, once over 100 ms
        fetch(TARGETS)
        fetch(UTF8)
        fetch(TARGETS)
        kept = owner() == before
        say(inserted=text.decode() if kept and text is not None else None)
"""


class PickyApp:
    def __init__(self, desktop: Any, script: Path, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(script), mode], env=desktop.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
        )
        assert self.line() == {"ready": True}

    def line(self, timeout_s: float = 5.0) -> Any:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        return json.loads(self.proc.stdout.readline()) if ready else None

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def picky(desktop: Any, tmp_path: Path) -> Iterator[Callable[[str], PickyApp]]:
    script = tmp_path / "picky_app.py"
    script.write_text(PICKY_APP)
    apps: list[PickyApp] = []

    def start(mode: str) -> PickyApp:
        apps.append(PickyApp(desktop, script, mode))
        return apps[-1]

    yield start
    for app in apps:
        app.close()


def test_a_target_that_rechecks_after_a_pause_gets_every_paste(desktop: Any, picky: Any) -> None:
    """The clipboard keeps its owner until the target is done: restoring it after Chromium's first
    fetch (or in its pause) made Chromium drop the paste."""
    from actions.x11.clipboard import ClipboardPaster

    set_clipboard(desktop, "the user's clipboard ✂")
    app = picky("chromium-like")
    with ClipboardPaster(desktop.display) as paster, TextTyperKeys(desktop) as keys:
        for text in ("Zoë", "✓ ok", "你好"):
            paster.paste(text, keys.paste)
            assert app.line() == {"inserted": text}
            targets = [request.target for request in paster.trace]
            assert targets == ["TARGETS", "UTF8_STRING", "TARGETS", "TARGETS", "UTF8_STRING", "TARGETS"]
            assert [request.counted for request in paster.trace] == [False, True, False, False, False, False]
    assert get_clipboard(desktop) == "the user's clipboard ✂"


def test_a_probe_before_the_paste_chord_is_not_the_paste(desktop: Any, picky: Any) -> None:
    from actions.x11.clipboard import ClipboardPaster

    app = picky("probe-first")
    with ClipboardPaster(desktop.display) as paster, TextTyperKeys(desktop) as keys:

        def press_after_the_probe() -> None:
            assert app.proc.stdout is not None
            deadline = time.monotonic() + 5
            while not select.select([app.proc.stdout], [], [], 0)[0] and time.monotonic() < deadline:
                paster.serve(0.01)  # the probe needs answers before it says it probed
            assert app.line() == {"probed": True}
            keys.paste()

        paster.paste("Zoë ✓", press_after_the_probe)
        assert app.line() == {"inserted": "Zoë ✓"}
        probe = [request for request in paster.trace if request.at_ms < 0]
        assert [request.target for request in probe] == ["TARGETS", "UTF8_STRING"]
        assert not any(request.counted for request in probe)


def test_text_not_delivered_names_what_was_asked_and_restores(desktop: Any, picky: Any) -> None:
    from actions.errors import ActionError
    from actions.x11.text_input import TextNotDelivered, TextTyper

    set_clipboard(desktop, "keep me too")
    app = picky("targets-only")
    with TextTyper(desktop.display, paste_timeout_s=0.5) as short, pytest.raises(TextNotDelivered) as failure:
        short.type_text("ab✓")
    assert app.line() == {"asked": "TARGETS"}
    assert isinstance(failure.value, ActionError)
    assert failure.value.text == "✓"
    assert [request.target for request in failure.value.requests] == ["TARGETS"]
    assert "'ab' went in" in str(failure.value) and "asked only TARGETS" in str(failure.value)
    assert get_clipboard(desktop) == "keep me too"


def test_a_target_that_starts_a_paste_and_never_finishes_it_fails_the_paste(desktop: Any, picky: Any) -> None:
    from actions.x11.clipboard import ClipboardPaster, TextNotDelivered

    set_clipboard(desktop, "still mine")
    app = picky("never-rereads")
    with ClipboardPaster(desktop.display) as paster, TextTyperKeys(desktop) as keys:
        paster.recheck_timeout_s = 0.5
        with pytest.raises(TextNotDelivered, match="may not have arrived"):
            paster.paste("Zoë", keys.paste)
        assert app.line() == {"fetched": "Zoë"}
    assert get_clipboard(desktop) == "still mine"


class TextTyperKeys:
    """Presses the paste chord with XTEST, as TextTyper does."""

    def __init__(self, desktop: Any) -> None:
        from actions.x11.keyboard import XTestKeyboard

        self.keyboard = XTestKeyboard(desktop.display)

    def paste(self) -> None:
        self.keyboard.press_chord(("ctrl", "v"))

    def __enter__(self) -> TextTyperKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        self.keyboard.close()
