"""What an eighth trial (featherpad, pluma, geany, qalculate, gnome-calculator, qterminal, xfontsel; 58 runs,
a clock ticking all along, docs/trial8.md) found wrong, each asserted against the app's own state:

* qalculate shows the typed "6*7" as "6×7": the read back said the field did not hold the typed text and
  failed the step, though the expression was there and computed (a false failure). A field that shows typed
  symbols in its own forms (× for *, ÷ for /, − for -, curled quotes) holds the text.
* A command typed with its Enter met its output check with its own echo: tests/realapps/test_terminals.py.
"""

from __future__ import annotations

import subprocess
import time

from scenarios.realapps.apps import running_app
from tests.realapps.conftest import explain, require, run_plan, steps


def _qalculate_result(env: dict[str, str], timeout_s: float = 5.0) -> str:
    """The result qalculate copies to the clipboard itself (ctrl+alt+c): its own word on what it computed."""
    subprocess.run(["xclip", "-selection", "clipboard", "-i", "/dev/null"], env=env, check=True, timeout=10)
    subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+alt+c"], env=env, check=True, timeout=10)
    deadline, text = time.monotonic() + timeout_s, ""
    while time.monotonic() < deadline and not text:
        out = subprocess.run(["xclip", "-o", "-selection", "clipboard"], env=env, capture_output=True, timeout=10)
        text = out.stdout.decode("utf-8", "replace").strip()
        time.sleep(0.1)  # polling another process's clipboard, not the action path
    return text


def test_a_calculator_that_shows_typed_symbols_its_own_way_holds_the_typed_text(desktop, clock, tmp_path) -> None:
    require("qalculate-gtk", "qalculate-gtk")
    env = desktop.env()
    plan = [
        {"kind": "type", "text": "6*7"},
        {"kind": "key", "keys": ["enter"], "expect": {"text": "42", "in_window": "^Qalculate!$"}},
    ]
    with running_app(["qalculate-gtk"], env, "^Qalculate!$"):
        run = run_plan(plan, env, tmp_path)
        result = _qalculate_result(env)
    assert result == "42", explain(run, tmp_path)  # qalculate's own word: it computed 6×7
    typed, entered = steps(tmp_path)
    assert typed["verdict"] == "read_back", explain(run, tmp_path)
    assert (
        typed["seen"]["detail"]
        == "read back (at the caret): the field holds the typed text, in the app's own symbols: '6×7'"
    )
    assert entered["verdict"] == "met" and run.returncode == 0, explain(run, tmp_path)
