"""One small form per toolkit, shown plain or drifted, and read back through the app's own output.

Each form has two look-alike text fields and a button: yad (GTK 3), a PyQt5 form (Qt 5, Debian's
``python3-pyqt5``), the identity form page (Chromium) and the demo app (Tk, no accessibility tree). A
form is recorded once plain and replayed under a drift (``DRIFTS``); what it holds afterwards comes from
the app itself: what yad printed on Submit, the JSON lines the Qt form prints on every edit, what the page
posted, the demo app's state file. Never from the agent's verdicts.

Used by ``bench/robustness.py`` (the robustness table) and ``tests/realapps/test_identity_toolkits.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.realapps.apps import app_with_output

# The drifts a replay meets, by the names the table prints; "plain" is the recorded form.
DRIFTS = ("moved", "re-ordered fields", "dark theme", "150% zoom", "translated labels")
GERMAN = {"Name": "Name", "City": "Stadt", "Submit": "Absenden"}  # "Name" is German too: one label stays
QT_FORM = Path(__file__).resolve().parent.parent / "pages" / "qt_form.py"


class NotApplicable(Exception):
    """The app cannot show this drift (the reason is the message)."""


@dataclass
class Outcome:
    """What the app says it holds: each field's text, and whether its Submit was pressed (``wrong_button``:
    another button was, e.g. Cancel or Clear)."""

    values: dict[str, str]
    submitted: bool
    wrong_button: bool = False


Reader = Callable[[float], Outcome]  # wait up to timeout_s for the app's final word, then say what it holds
Drift = str | tuple[str, ...]  # one of DRIFTS ("plain": none), or several at once


def _drifts(drift: Drift, own: frozenset[str] = frozenset()) -> frozenset[str]:
    """The drifts asked for, checked against DRIFTS and the app's ``own`` extra ones."""
    wanted = frozenset({drift} if isinstance(drift, str) else drift) - {"plain"}
    unknown = wanted - set(DRIFTS) - own
    if unknown:
        raise ValueError(f"unknown drift {sorted(unknown)}; the drifts are {', '.join(DRIFTS)}")
    return wanted


def field_plan(first: str, second: str, button: str, texts: dict[str, str]) -> list[dict[str, Any]]:
    """The recording plan for a form with a tree: each field and the button by role and name."""
    one, two = texts.values()
    return [
        {"kind": "click", "target": {"role": "field", "name": first}},
        {"kind": "type", "text": one},
        {"kind": "click", "target": {"role": "field", "name": second}},
        {"kind": "type", "text": two},
        {"kind": "click", "target": {"role": "button", "name": button}},
    ]


@dataclass
class FormApp:
    """A toolkit's form: its recording plan, what each field must end up holding, and how to show it."""

    row: str
    texts: dict[str, str]  # field key -> the text the recording typed into it
    plan: list[dict[str, Any]]
    show: Callable[[dict[str, str], Drift], Any] = field(repr=False)  # (env, drift) -> context manager of a Reader

    def open(self, env: dict[str, str], drift: Drift = "plain") -> Any:
        return self.show(env, drift)


# ---- GTK 3: yad --form ---------------------------------------------------------------------------
YAD_TITLE = "Address (yad)"


@contextmanager
def yad_form(env: dict[str, str], drift: Drift = "plain") -> Iterator[Reader]:
    """``yad --form`` with Name and City (order and labels are its arguments); dark is ``GTK_THEME=Adwaita:dark``,
    150% zoom ``GDK_DPI_SCALE=1.5`` (GTK 3 scales only by whole numbers; the fonts and so the widgets grow),
    its own "200% zoom" is ``GDK_SCALE=2`` (everything twice as large; the tree's boxes stay unscaled) and
    "City renamed" labels City "Town" (the rest as recorded)."""
    drifts = _drifts(drift, frozenset({"200% zoom", "City renamed"}))
    words = GERMAN if "translated labels" in drifts else {w: w for w in GERMAN}
    words |= {"City": "Town"} if "City renamed" in drifts else {}
    order = ("city", "name") if "re-ordered fields" in drifts else ("name", "city")
    label = {"name": words["Name"], "city": words["City"]}
    x, y = (480, 330) if "moved" in drifts else (120, 120)
    cmd = ["yad", "--form", f"--title={YAD_TITLE}", f"--posx={x}", f"--posy={y}", "--width=320"]
    cmd += [f"--field={label[key]}" for key in order] + [f"--button={words['Submit']}:0", "--button=Cancel:1"]
    extra = {"GTK_THEME": "Adwaita:dark"} if "dark theme" in drifts else {}
    extra |= {"GDK_DPI_SCALE": "1.5"} if "150% zoom" in drifts else {}
    extra |= {"GDK_SCALE": "2"} if "200% zoom" in drifts else {}  # GTK 3's own (whole-number) scale
    with app_with_output(cmd, {**env, **extra}, f"^{re.escape(YAD_TITLE)}$") as proc:

        def read(timeout_s: float) -> Outcome:
            try:
                out, _ = proc.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                # Still open: the replay never pressed Submit. The fields' text as yad itself publishes it.
                return Outcome(_tree_texts(YAD_TITLE, {label[k]: k for k in order}), submitted=False)
            if proc.returncode != 0:
                return Outcome({}, submitted=False, wrong_button=True)  # Cancel (or the window closed)
            printed = out.decode().rstrip("\n").split("|")
            return Outcome(dict(zip(order, printed, strict=False)), submitted=True)

        yield read


def _tree_texts(title: str, keys: dict[str, str]) -> dict[str, str]:
    """Each field's text read from the app's accessibility tree (``keys``: label -> field key)."""
    from actions.a11y import AtspiReader

    reader = AtspiReader()
    try:
        tree = reader.snapshot(f"^{re.escape(title)}$")
        values = {}
        for element in tree.elements:
            key = keys.get(element.label or element.name)
            if key is not None and element.role in ("text", "entry"):
                values[key] = element.text if element.text is not None else (reader.text(element.ref) or "")
        return values
    finally:
        reader.close()


# ---- Qt 5: scenarios/pages/qt_form.py -------------------------------------------------------------
QT_TITLE = "Qt address form"


def qt_python() -> str | None:
    """A Python with PyQt5 (Debian's python3-pyqt5 is for the system's Python, not the project's venv)."""
    for candidate in dict.fromkeys(filter(None, ("/usr/bin/python3", shutil.which("python3")))):
        probe = subprocess.run([candidate, "-c", "import PyQt5.QtWidgets"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return candidate
    return None


@contextmanager
def qt_form(env: dict[str, str], drift: Drift = "plain") -> Iterator[Reader]:
    """The PyQt5 form: dark is a dark palette on the Fusion style (Qt 5 has no environment switch for a
    dark palette without a platform theme plugin), 150% zoom ``QT_SCALE_FACTOR=1.5``."""
    drifts = _drifts(drift)
    python = qt_python()
    if python is None:
        raise NotApplicable("no Python with PyQt5 (Debian: apt-get install python3-pyqt5)")
    x, y = (480, 330) if "moved" in drifts else (120, 120)
    cmd = [python, str(QT_FORM), f"--x={x}", f"--y={y}"]
    cmd += ["--order=swapped"] if "re-ordered fields" in drifts else []
    cmd += ["--theme=dark"] if "dark theme" in drifts else []
    cmd += ["--lang=de"] if "translated labels" in drifts else []
    extra = {"QT_SCALE_FACTOR": "1.5"} if "150% zoom" in drifts else {}
    with app_with_output(cmd, {**env, **extra}, f"^{QT_TITLE}$") as proc:
        lines: list[dict[str, Any]] = []
        done = threading.Event()

        def pump() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                lines.append(json.loads(raw))
                if lines[-1].get("submitted"):
                    done.set()

        threading.Thread(target=pump, daemon=True).start()

        def read(timeout_s: float) -> Outcome:
            done.wait(timeout_s)
            last: dict[str, Any] = lines[-1] if lines else {"name": "", "city": "", "submitted": False}
            return Outcome({"name": last["name"], "city": last["city"]}, submitted=bool(last["submitted"]))

        yield read


# ---- Chromium: scenarios/pages/identity_form.html ------------------------------------------------
@contextmanager
def chromium_form(env: dict[str, str], drift: Drift = "plain") -> Iterator[Reader]:
    """The identity form page: ``order=swapped``, ``theme=dark``, ``lang=de``, device scale 1.5, moved."""
    from scenarios.pages.identity_form import identity_chromium
    from scenarios.pages.zoom_form import form_server

    drifts = _drifts(drift)
    switches = {
        "re-ordered fields": ("order", "swapped"),
        "dark theme": ("theme", "dark"),
        "translated labels": ("lang", "de"),
    }
    query = dict(switches[d] for d in drifts if d in switches)
    scale = 1.5 if "150% zoom" in drifts else 1.0
    position = (300, 150) if "moved" in drifts else (0, 0)
    with form_server() as server, identity_chromium(env, server, scale=scale, position=position, **query):

        def read(timeout_s: float) -> Outcome:
            with server.changed:
                server.changed.wait_for(lambda: bool(server.received), timeout_s)
                if server.received:
                    return Outcome(dict(server.received[0]), submitted=True)
                return Outcome(dict(server.typed[-1]) if server.typed else {}, submitted=False)

        yield read


# ---- Tk: the demo app (no tree: the vision path) ----------------------------------------------------
@contextmanager
def tk_form(env: dict[str, str], drift: Drift = "plain") -> Iterator[Reader]:
    """The demo app's form (Name, Email, Submit beside Clear); re-ordered is ``--fields swapped`` (Email's row
    first) with ``--layout moved`` (Clear before Submit); it has no zoom and no other language."""
    import tempfile

    from scenarios.harness import DemoAppProcess

    drifts = _drifts(drift)
    missing = drifts & {"150% zoom", "translated labels"}
    if missing:
        raise NotApplicable(f"the demo app has no {' and no '.join(sorted(missing))}")
    args = ["--fields", "swapped", "--layout", "moved"] if "re-ordered fields" in drifts else []
    args += ["--theme", "dark"] if "dark theme" in drifts else []
    x, y = (360, 200) if "moved" in drifts else (40, 40)
    with tempfile.TemporaryDirectory(prefix="deskpilot-tk-form-") as tmp:
        state = Path(tmp) / "state.json"
        with DemoAppProcess(state, env, x=x, y=y, extra_args=args) as app:

            def read(timeout_s: float) -> Outcome:
                deadline = time.monotonic() + timeout_s
                while time.monotonic() < deadline and not app.state()["submit_count"]:
                    time.sleep(0.1)
                now = app.state()
                wrong = now["last_click_widget"] == "clear"
                values = {key: (now["submitted"] or now)[key] for key in ("name", "email")}
                return Outcome(values, bool(now["submit_count"]), wrong_button=wrong)

            yield read


def forms() -> list[FormApp]:
    """The robustness table's rows, in its order."""
    texts = {"name": "Ada", "city": "Paris"}
    tk_texts = {"name": "Ada", "email": "ada@example.com"}
    tk_plan: list[dict[str, Any]] = [
        # The demo opens with Name focused and has no tree to say the click kept the focus there.
        {"kind": "click", "target": {"text": "Name", "offset": [175, 0]}, "expect": "none"},
        {"kind": "type", "text": tk_texts["name"]},
        {"kind": "click", "target": {"text": "Email", "offset": [177, 0]}},
        {"kind": "type", "text": tk_texts["email"]},
        {"kind": "click", "target": "Submit"},
    ]
    plan = field_plan("Name", "City", "Submit", texts)
    return [
        FormApp("GTK (yad)", texts, plan, yad_form),
        FormApp("Qt (PyQt5)", texts, plan, qt_form),
        FormApp("Chromium", texts, plan, chromium_form),
        FormApp("Tk (demo)", tk_texts, tk_plan, tk_form),
    ]


def deskpilot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m deskpilot ARGS --quiet`` as a user runs it."""
    cmd = [sys.executable, "-m", "deskpilot", *args, "--quiet"]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def score(texts: dict[str, str], outcome: Outcome) -> tuple[int, int]:
    """(targets right, wrong clicks) from what the app holds: a field holding its own text is right, one
    holding anything else was a wrong click, an empty one was not found; Submit pressed after every field
    was filled is right, pressed while a field was still empty is a wrong click (the button was clicked for
    that field: the recording filled the fields first), another button pressed is wrong."""
    right = wrong = 0
    for key, text in texts.items():
        held = outcome.values.get(key, "")
        right += held == text
        wrong += bool(held) and held != text
    early = outcome.submitted and not all(outcome.values.get(key) for key in texts)
    return right + (outcome.submitted and not early), wrong + early + outcome.wrong_button


def record_plain(form: FormApp, env: dict[str, str], folder: Path) -> Path:
    """The plain form filled once by ``deskpilot run --plan PLAN --save-scenario FLOW.yaml``; the app must
    have received all of it (RuntimeError naming what it held otherwise). Returns FLOW.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    flow, plan = folder / "flow.yaml", folder / "plan.json"
    plan.write_text(json.dumps(form.plan), encoding="utf-8")
    with form.open(env) as read:
        proc = deskpilot(env, "run", "--plan", str(plan), "--out", str(folder / "record"), "--save-scenario", str(flow))
        outcome = read(10.0)
    if proc.returncode != 0 or score(form.texts, outcome) != (len(form.texts) + 1, 0):
        raise RuntimeError(f"the recording failed: {last_line(proc)}; the app held {outcome.values}")
    return flow


def last_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(nothing on stderr)"
