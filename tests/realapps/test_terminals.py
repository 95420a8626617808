"""Non-ASCII text into stock terminals, pasted the way each one pastes, with a clock ticking elsewhere.

xterm pastes PRIMARY on shift+Insert; xfce4-terminal (VTE) pastes CLIPBOARD on ctrl+shift+v; a ctrl+v
would reach either shell as a control character. The proof is the shell's own work: the file that
``echo`` wrote. A paste the terminal does not take leaves no half command behind: what went in before
it is erased again, which the next command's output proves.
"""

from __future__ import annotations

import json

import pytest

from scenarios.harness import MotionAppProcess
from tests.realapps.conftest import explain, run_plan, steps
from tests.realapps.terminals import terminal, wait_for_file

TEXT = "Grüße ✓"


@pytest.mark.parametrize("name", ["xterm", "xfce4-terminal"])
def test_a_terminal_receives_non_ascii_text(desktop, tmp_path, name: str) -> None:
    out = tmp_path / "home" / "out.txt"
    plan = [{"kind": "type", "text": f"echo {TEXT} > {out}"}, {"kind": "key", "keys": ["enter"]}]
    with (
        MotionAppProcess(desktop.env(), fps=0, clock=True, geometry="300x180+900+560"),
        terminal(name, desktop.env(), tmp_path / "home"),
    ):
        proc = run_plan(plan, desktop.env(), tmp_path)
        written = wait_for_file(out)
    assert written == f"{TEXT}\n", explain(proc, tmp_path)  # the shell's own end state
    assert proc.returncode == 0, explain(proc, tmp_path)
    typed = steps(tmp_path)[0]
    assert ["clipboard", "üße ✓"] in typed["text_strategy"], typed["text_strategy"]


def test_a_paste_the_terminal_does_not_take_is_erased_again(desktop, tmp_path) -> None:
    """``--paste-key shift`` presses a chord xterm ignores: the paste is never fetched. The step fails
    naming what went in ("echo Gr") and that it was erased; the shell's next command proves its line
    was empty (else the output would start with the half command)."""
    from actions.x11.text_input import TextTyper

    home, out, check = tmp_path / "home", tmp_path / "home" / "out.txt", tmp_path / "home" / "check.txt"
    plan = [{"kind": "type", "text": f"echo {TEXT} > {out}"}, {"kind": "key", "keys": ["enter"]}]
    with terminal("xterm", desktop.env(), home):
        proc = run_plan(plan, desktop.env(), tmp_path, "--paste-key", "shift")
        with TextTyper(desktop.display) as typer:
            typer.type_text(f"echo ok > {check}\n")
        after = wait_for_file(check)
    assert proc.returncode == 1, explain(proc, tmp_path)
    (step,) = steps(tmp_path)  # the Enter after it never ran
    assert step["verdict"] == "failed" and step["text_strategy"] == [["xtest", "echo Gr"]], explain(proc, tmp_path)
    detail = step["seen"]["detail"]
    assert "'echo Gr' went in, then text not delivered" in detail and "after the paste chord shift" in detail
    assert "erased again with 7 BackSpaces" in detail, detail
    assert after == "ok\n"  # the line was empty: "echo Grecho ok > ..." would have written "Grecho ok"
    assert not out.exists()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["success"] is False


def test_paste_key_is_checked_before_anything_runs(desktop, tmp_path) -> None:
    proc = run_plan([{"kind": "type", "text": "x"}], desktop.env(), tmp_path, "--paste-key", "shift+inser")
    assert proc.returncode == 2, explain(proc, tmp_path)
    assert "--paste-key 'shift+inser': unknown key 'inser'" in proc.stderr
    assert not (tmp_path / "run" / "steps.jsonl").exists()


def test_a_marker_printed_under_its_command_proves_the_command_ran(desktop, tmp_path) -> None:
    """The typed "echo FINISHED" holds the marker before Enter; the output line is the same text at a new
    place, which proves the Enter; the same marker at the same place again would prove nothing."""
    out = tmp_path / "home" / "done.txt"
    plan = [
        {"kind": "type", "text": f"echo ok > {out} && echo FINISHED"},
        {"kind": "key", "keys": ["enter"], "expect": {"text": "FINISHED", "in_window": "."}},
        {"kind": "key", "keys": ["shift"], "expect": {"text": "FINISHED", "in_window": "."}},  # nothing new
    ]
    with (
        MotionAppProcess(desktop.env(), fps=0, clock=True, geometry="300x180+900+560"),
        terminal("xterm", desktop.env(), tmp_path / "home"),
    ):
        proc = run_plan(plan, desktop.env(), tmp_path)
        written = wait_for_file(out)
    assert written == "ok\n", explain(proc, tmp_path)  # the command ran: the shell's own word
    verdicts = [s["verdict"] for s in steps(tmp_path)]
    assert verdicts == ["changed", "met", "unproven"], explain(proc, tmp_path)
    assert proc.returncode == 1 and "step 3 (key(" in proc.stderr and "proves nothing" in proc.stderr


@pytest.mark.parametrize(("first", "verdict", "status"), [("false", "unproven", 1), ("true", "met", 0)])
def test_a_typed_commands_own_echo_does_not_meet_its_output_check(
    desktop, tmp_path, first: str, verdict: str, status: int
) -> None:
    """Trial 8: the command typed with its Enter ("false && echo FINISHED") shows the marker as it is typed, so
    its echo met the check although the shell printed nothing. Only the output line, the marker with nothing
    of the command beside it, proves the command did what the check asks."""
    command = f"{first} && echo FINISHED; echo ran > ran.txt\n"
    expect = {"text": "FINISHED", "in_window": ".", "timeout_s": 2}
    typed = _typed_command_judged(desktop, tmp_path, command, expect, verdict, status)
    if verdict == "unproven":
        assert "only the typed line's own echo shows it" in typed["note"]


def test_a_terminal_that_publishes_its_screen_keeps_the_echo_rule(desktop, tmp_path) -> None:
    """VTE publishes its screen as text (sakura): not editable, so the typed line is still a command it echoed,
    never an editor's line (tests/realapps/test_trial10_pitfalls.py): `false && echo FINISHED` proves nothing."""
    command = "false && echo FINISHED; echo ran > ran.txt\n"
    expect = {"text": "FINISHED", "timeout_s": 2}
    typed = _typed_command_judged(desktop, tmp_path, command, expect, "unproven", 1, name="sakura")
    assert "only the typed line's own echo shows it" in typed["note"], typed["note"]


@pytest.mark.parametrize(("command", "verdict", "status"), [("false", "unproven", 1), ("echo R2", "met", 0)])
def test_the_prompt_drawn_again_under_a_command_does_not_meet_its_output_check(
    desktop, tmp_path, command: str, verdict: str, status: int
) -> None:
    """Trial 9 (sakura): a prompt that names its folder, R2, is drawn again under the typed command, word for
    word, and that new line met ``{"text": "R2"}`` although the command printed nothing. Only output proves it."""
    expect = {"text": "R2", "timeout_s": 2}
    line = f"{command}; echo ran > ran.txt\n"
    typed = _typed_command_judged(desktop, tmp_path, line, expect, verdict, status, prompt="R2-box $ ")
    if verdict == "unproven":
        assert "only the prompt the typed line went into" in typed["note"], typed["note"]


# Trial 10's prompt: st read its folder "trial10" before the command and "triall0" after it (the same pixels),
# and mlterm's block cursor, under the command on a row with no leading, joined the two prompt rows into one.
TRIAL10_PROMPT = "root@t10:/tmp/trial10/work/R6# "


@pytest.mark.parametrize("name", ["stterm", "mlterm"])
@pytest.mark.parametrize(("command", "verdict", "status"), [("false", "unproven", 1), ("echo R6", "met", 0)])
def test_a_prompt_of_a_terminal_with_no_tree_does_not_meet_an_output_check(
    desktop, tmp_path, name: str, command: str, verdict: str, status: int
) -> None:
    """Trial 10: the prompt names its folder, R6; `false` printed nothing and ``{"text": "R6"}`` was met, by
    the prompt the line was typed at (read two ways, so "new") or by the one drawn again under it (its rows
    joined by the cursor). The pixels of a match that did not change hold no new text; the output line does."""
    expect = {"text": "R6", "timeout_s": 2}
    line = f"{command}; echo ran > ran.txt\n"
    _typed_command_judged(desktop, tmp_path, line, expect, verdict, status, prompt=TRIAL10_PROMPT, name=name)


@pytest.mark.parametrize(
    ("command", "expect", "verdict", "status"),
    [
        ("echo L1-OK", {"text": "/^L1-OK$/"}, "met", 0),  # OCR read the output line "L1-0K"
        ("echo DONE-$((6*7))", {"text": "DONE-42", "exact": True}, "met", 0),  # ... and this one "DONE -42"
        ("echo L1-NO", {"text": "/^L1-OK$/"}, "failed", 1),  # what is not there is still not found
    ],
)
def test_output_ocr_misreads_in_a_terminal_with_no_tree_meets_exact_and_regex_checks(
    desktop, tmp_path, command: str, expect: dict, verdict: str, status: int
) -> None:
    """Trial 10, mlterm (no accessibility tree to put OCR right): the shell printed "L1-OK" and "DONE-42", and
    the regex and exact checks for them failed. Exact and regex forgive OCR's look-alikes too, and exact hears
    no space beside punctuation (actions/text_match.py)."""
    line = f"{command} | tee out.txt; echo ran > ran.txt\n"
    _typed_command_judged(desktop, tmp_path, line, {**expect, "timeout_s": 3}, verdict, status, name="mlterm")


@pytest.mark.parametrize(("sum_", "verdict", "status"), [("40+2", "met", 0), ("40+1", "failed", 1)])
def test_a_near_label_that_is_also_in_the_typed_command_is_looked_near_on_the_output_line(
    desktop, tmp_path, sum_: str, verdict: str, status: int
) -> None:
    """Trial 11 (qterminal), the README's own `near` example: "Total" is in the echoed command and on the output
    line under it, two equal matches, and the check was refused as ambiguous although the shell printed
    "Total: 42" (a false failure). The command's echo is no place to look near: the output line is."""
    line = f"echo Total: $(({sum_})) | tee t.txt; echo ran > ran.txt\n"
    expect = {"text": "42", "near": "Total", "timeout_s": 2}
    typed = _typed_command_judged(desktop, tmp_path, line, expect, verdict, status)
    assert typed["seen"]["region"] is not None, typed["seen"]  # it looked near the output line's "Total"


@pytest.mark.parametrize(("sum_", "verdict", "status"), [("40+2", "met", 0), ("40+1", "failed", 1)])
def test_a_near_label_a_command_of_an_earlier_step_shows_is_looked_near_where_it_is_new(
    desktop, tmp_path, sum_: str, verdict: str, status: int
) -> None:
    """Trial 11's Q15, what a user writes next: `echo Total: ... > t.txt`, then `cat t.txt` with the same check.
    "Total" is in the first command, drawn before this step, and on the line `cat` printed: that one is new."""
    home = tmp_path / "home"
    plan = [
        {"kind": "type", "text": f"echo Total: $(({sum_})) > t.txt\n", "expect": "none"},
        {"kind": "type", "text": "cat t.txt\n", "expect": {"text": "42", "near": "Total", "timeout_s": 2}},
    ]
    with (
        MotionAppProcess(desktop.env(), fps=0, clock=True, geometry="300x180+900+560"),
        terminal("xterm", desktop.env(), home),
    ):
        proc = run_plan(plan, desktop.env(), tmp_path)
        written = wait_for_file(home / "t.txt")
    assert written == f"Total: {42 if sum_ == '40+2' else 41}\n", explain(proc, tmp_path)  # the shell's own file
    _, cat = steps(tmp_path)
    assert cat["verdict"] == verdict and proc.returncode == status, explain(proc, tmp_path)


def _typed_command_judged(
    desktop,
    tmp_path,
    line: str,
    expect: dict,
    verdict: str,
    status: int,
    prompt: str = "$ ",
    name: str = "xterm",
) -> dict:
    """``line`` (it ends writing ran.txt) typed into terminal ``name``, a clock ticking beside it, judged by
    ``expect``: the shell ran it (its own file), the step's verdict and the run's exit status are as given;
    returns the step."""
    plan = [{"kind": "type", "text": line, "expect": expect}]
    with (
        MotionAppProcess(desktop.env(), fps=0, clock=True, geometry="300x180+900+560"),
        terminal(name, desktop.env(), tmp_path / "home", prompt=prompt),
    ):
        proc = run_plan(plan, desktop.env(), tmp_path)
        written = wait_for_file(tmp_path / "home" / "ran.txt")
    assert written == "ran\n", explain(proc, tmp_path)  # the shell ran the line either way: its own word
    (typed,) = steps(tmp_path)
    assert typed["verdict"] == verdict, explain(proc, tmp_path)
    assert proc.returncode == status, explain(proc, tmp_path)
    return typed
