"""The paste counts only when the target really took it: a Chromium-like target under a real X server
(it re-checks after a pause and drops a paste whose owner changed), a probe before the paste chord,
a target that never fetches the text. Split from test_text_input.py, whose clipboard helpers it uses."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.desktop.test_text_input import get_clipboard, set_clipboard

# A Chromium-like paste target (measured: see actions/x11/clipboard.py). On ctrl+v it fetches
# TARGETS and UTF8_STRING, asks TARGETS, pauses longer than the paster's quiet time, asks TARGETS,
# UTF8_STRING and TARGETS again, and inserts the text only if the clipboard kept its owner all
# along, as Chromium does. Mode "probe-first" also fetches the text as soon as the owner changes
# (XFixes) and says so; "targets-only" asks TARGETS and never the text (a field that takes no text);
# "never-rereads" keeps asking TARGETS after its fetch and never fetches the text again; "asks-then-done" asks
# TARGETS twice after its fetch and then nothing, as gedit does; "keylog" is "targets-only" that also
# says every key pressed in it (to see what was typed, and how often).
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
    elif ev.type == X.KeyPress and mode == "keylog":
        say(key=XK.keysym_to_string(d.keycode_to_keysym(ev.detail, 0)), ctrl=bool(ev.state & X.ControlMask))
        if ev.detail == V and ev.state & X.ControlMask:
            fetch(TARGETS)
            say(asked="TARGETS")
    elif ev.type == X.KeyPress and ev.detail == V and ev.state & X.ControlMask:
        before = owner()
        fetch(TARGETS)
        if mode == "targets-only":
            say(asked="TARGETS")
            continue
        text = fetch(UTF8)
        if mode == "never-rereads":
            say(fetched=text.decode())
            for _ in range(40):  # keeps asking, and never fetches the text again
                fetch(TARGETS)
                time.sleep(0.05)
            continue
        if mode == "asks-then-done":  # gedit (trial 11): two TARGETS right after its fetch, then nothing
            fetch(TARGETS)
            fetch(TARGETS)
            say(inserted=text.decode())
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


def test_a_target_that_asks_a_little_more_after_its_fetch_and_then_nothing_has_pasted(desktop: Any, picky: Any) -> None:
    """gedit (trial 11): TARGETS twice within a millisecond of its text fetch, then silence. It had pasted, and
    the paste waited 10 s for a re-read that never came and failed: a false failure of a text that arrived."""
    from actions.x11.clipboard import ClipboardPaster

    set_clipboard(desktop, "still mine")
    app = picky("asks-then-done")
    with ClipboardPaster(desktop.display) as paster, TextTyperKeys(desktop) as keys:
        started = time.monotonic()
        paster.paste("Zoë", keys.paste)
        took_s = time.monotonic() - started
        assert app.line() == {"inserted": "Zoë"}
        assert [request.target for request in paster.trace] == ["TARGETS", "UTF8_STRING", "TARGETS", "TARGETS"]
    assert took_s < paster.recheck_timeout_s, took_s  # done after its silence, not after the re-read's wait
    assert get_clipboard(desktop) == "still mine"


def test_a_plan_whose_paste_is_not_taken_records_a_failed_step_and_stops_there(
    desktop: Any, picky: Any, tmp_path: Path
) -> None:
    """`deskpilot run --plan`, the real executor and clipboard: "caf" goes in by keys, the paste of "é ✓" is
    never fetched (the focused window asks only TARGETS). The step is recorded as failed with what was
    asked, the report's Why names it, the run stops there (exit 1) and nothing is typed twice."""
    app = picky("keylog")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "type", "text": "café ✓"}, {"kind": "key", "keys": ["x"]}]))
    out = tmp_path / "run"
    command = [sys.executable, "-m", "deskpilot", "run", "--plan", str(plan), "--out", str(out), "--quiet"]
    proc = subprocess.run(command, capture_output=True, text=True, env=desktop.env(), timeout=120)
    app.proc.kill()  # it said every key before the run ended (the paste waited on its TARGETS answer)
    assert app.proc.stdout is not None
    keys = [json.loads(line) for line in app.proc.stdout.read().splitlines()]
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert proc.returncode == 1, (proc.stderr, steps)
    (step,) = steps  # the type step, and not the key after it: a script stops at a failed step
    assert step["action"] == {"kind": "type", "text": "café ✓"} and step["verdict"] == "failed"
    assert step["performed"] is True and step["text_strategy"] == [["xtest", "caf"]]
    assert step["before"] == "frames/step-0000.png" and step["after"] == "frames/step-0001.png"
    assert (out / step["before"]).exists() and (out / step["after"]).exists()
    seen = step["seen"]
    assert [request.split("@")[0] for request in seen["paste_requests"]] == ["TARGETS"]
    assert "'caf' went in, then text not delivered" in seen["detail"] and "asked only TARGETS" in seen["detail"]
    reason = json.loads((out / "summary.json").read_text())["reason"]
    assert reason.startswith("step 1 (type(text='café ✓')) failed") and "text not delivered" in reason
    assert "run failed: step 1 (type(text='café ✓')) failed" in proc.stderr
    report = (out / "report.html").read_text()
    why = report[report.index("<h2 class='section'>Why</h2>") :]
    card = why[why.index("id='why-1'") : why.index("</section>")]
    assert "type(text=" in card and "clipboard asked" in card and "TARGETS@" in card
    # Each key once: "caf" by keys, one paste chord, "caf" erased again (issue 16: no half-typed text
    # left behind), and not the plan's next key.
    pressed = [(k["key"], k["ctrl"]) for k in keys if k.get("key")]  # None: a modifier (Control)
    assert pressed == [("c", False), ("a", False), ("f", False), ("v", True), *[("\b", False)] * 3], keys
    assert "erased again with 3 BackSpaces" in seen["detail"]
    assert [k for k in keys if "asked" in k] == [{"asked": "TARGETS"}]


def test_a_replay_whose_paste_is_not_taken_stops_at_that_step(desktop: Any, picky: Any, tmp_path: Path) -> None:
    """`deskpilot replay` goes the same way as a plan: the type step is failed on record, the replay exits 1
    naming it, and neither the paste nor the next step is performed again."""
    app = picky("keylog")
    scenario = tmp_path / "flow.yaml"
    scenario.write_text(
        "name: a paste nobody takes\n"
        "steps:\n"
        "- action: {kind: type, text: 'café ✓'}\n"
        "- action: {kind: key, keys: [x]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    command = [sys.executable, "-m", "deskpilot", "replay", str(scenario), "--out", str(out), "--quiet"]
    proc = subprocess.run(command, capture_output=True, text=True, env=desktop.env(), timeout=120)
    app.proc.kill()
    assert app.proc.stdout is not None
    keys = [json.loads(line) for line in app.proc.stdout.read().splitlines()]
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert proc.returncode == 1, (proc.stderr, steps)
    assert [(s["action"]["kind"], s["verdict"]) for s in steps] == [("type", "failed")]
    assert "text not delivered" in steps[0]["seen"]["detail"]
    assert "step 1" in proc.stderr and "text not delivered" in proc.stderr, proc.stderr
    pressed = [(k["key"], k["ctrl"]) for k in keys if k.get("key")]
    assert pressed == [("c", False), ("a", False), ("f", False), ("v", True), *[("\b", False)] * 3], keys


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
