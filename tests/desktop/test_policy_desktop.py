"""The policy and --dry-run as a user meets them: `deskpilot run --plan` in a subprocess on a real X server.

Every run here has no terminal (stdin is /dev/null, stdout a pipe), as in CI.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import subprocess
import sys
import termios
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.x11.windows import wait_for_window
from agent.desktop.xserver import VirtualDesktop

BARE_DESKTOP = (1100, 700)  # right of and below the demo app (640x560 at 40,40)

# A throwaway app with a "Delete" button that records its clicks; it writes the button's centre first.
DANGER_APP = textwrap.dedent("""\
    import json, sys, tkinter as tk
    clicks, where = sys.argv[1], sys.argv[2]
    root = tk.Tk()
    root.title("Danger Zone")
    root.geometry("320x160+760+120")
    status = tk.Label(root, text="", font=("DejaVu Sans", 12))
    def delete():
        with open(clicks, "a") as f:
            f.write("delete\\n")
        status.config(text="deleted")  # its visible effect (a button's hover highlight is not one)
    button = tk.Button(root, text="Delete", command=delete, font=("DejaVu Sans", 12))
    button.pack(expand=True)
    status.pack()
    def report():
        root.update_idletasks()
        x, y = button.winfo_rootx() + button.winfo_width() // 2, button.winfo_rooty() + button.winfo_height() // 2
        with open(where + ".tmp", "w") as f:
            json.dump([x, y], f)
        import os; os.replace(where + ".tmp", where)
    root.after(200, report)
    root.mainloop()
""")


def deskpilot(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "deskpilot", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)


def write_plan(path: Path, actions: list[dict]) -> Path:
    path.write_text(json.dumps(actions))
    return path


def steps_of(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "steps.jsonl").read_text().splitlines()]


@pytest.fixture
def danger_app(desktop: VirtualDesktop, tmp_path: Path) -> Iterator[tuple[tuple[int, int], Path]]:
    script, clicks, where = tmp_path / "danger.py", tmp_path / "clicks.txt", tmp_path / "where.json"
    script.write_text(DANGER_APP)
    clicks.touch()
    proc = subprocess.Popen([sys.executable, str(script), str(clicks), str(where)], env=desktop.env())
    try:
        wait_for_window("^Danger Zone$", 15, display=desktop.display)
        for _ in range(500):
            if where.exists():
                break
            time.sleep(0.02)  # polling a file another process writes (its button's centre, once laid out)
        x, y = json.loads(where.read_text())
        yield (x, y), clicks
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_an_action_outside_the_allowed_window_is_refused_and_nothing_happens(desktop, demo_app, tmp_path) -> None:
    count = demo_app.centre("count")
    plan = write_plan(
        tmp_path / "plan.json",
        [
            {"kind": "click", "x": count[0], "y": count[1]},
            {"kind": "click", "x": BARE_DESKTOP[0], "y": BARE_DESKTOP[1]},
            {"kind": "click", "x": count[0], "y": count[1]},
        ],
    )
    out = tmp_path / "run"
    proc = deskpilot(
        ["run", "--plan", str(plan), "--out", str(out), "--allow-window", "^Deskpilot Demo$"], desktop.env()
    )
    assert proc.returncode == 1, proc.stderr
    x, y = BARE_DESKTOP
    assert (
        f"deskpilot: run failed: policy: click(x={x}, y={y}, button='left', count=1) is on no window; "
        "the allowed window title is /^Deskpilot Demo$/\n"
    ) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert demo_app.wait(lambda s: s["count_clicks"] >= 1)["count_clicks"] == 1  # the first click only
    # Issue 8: the refused action is recorded too, as "refused", performed 0 times.
    assert [(s["action"]["x"], s["verdict"], int(s["performed"])) for s in steps_of(out)] == [
        (count[0], "changed", 1),
        (x, "refused", 0),
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["success"] is False and summary["reason"].startswith("policy: click(")


def test_a_click_on_delete_needs_confirmation_and_without_a_terminal_is_refused(desktop, danger_app, tmp_path) -> None:
    (x, y), clicks = danger_app
    plan = write_plan(tmp_path / "plan.json", [{"kind": "click", "x": x, "y": y}])
    refused = ["run", "--plan", str(plan), "--out", str(tmp_path / "refused"), "--allow-window", "^Danger Zone$"]
    proc = deskpilot(refused, desktop.env())
    assert proc.returncode == 1, proc.stderr
    assert (
        f"deskpilot: run failed: policy: 'Delete' is near click(x={x}, y={y}, button='left', count=1) and there is "
        "no terminal to confirm it; refused\n"
    ) in proc.stderr
    assert clicks.read_text() == ""
    # Issue 8: the refused step is in the record (verdict "refused", never performed), and the report says why.
    assert [(s["verdict"], s["performed"]) for s in steps_of(tmp_path / "refused")] == [("refused", False)]

    # A trusted unattended run lets it through: the click was on the button all along.
    proc = deskpilot(
        ["run", "--plan", str(plan), "--out", str(tmp_path / "allowed"), "--confirm", "allow"], desktop.env()
    )
    assert proc.returncode == 0, proc.stderr
    assert clicks.read_text() == "delete\n"


def on_a_terminal(args: list[str], env: dict[str, str], answer: bytes) -> tuple[str, int, str]:
    """Run deskpilot with a pseudo-terminal as its controlling terminal, stdin and stdout; answer the
    first y/N question. Returns (what the terminal showed up to the question, exit status, stderr)."""

    def controlling_tty() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    master, slave = pty.openpty()
    cmd = [sys.executable, "-m", "deskpilot", *args]
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env, preexec_fn=controlling_tty)
    os.close(slave)
    shown = b""
    try:
        while b"[y/N]" not in shown and select.select([master], [], [], 60)[0]:
            shown += os.read(master, 4096)  # EIO once the child has exited without asking
    except OSError:
        pass
    with contextlib.suppress(OSError):  # the child may be gone already (then the asserts say why)
        os.write(master, answer)
    _, err = proc.communicate(timeout=60)
    os.close(master)
    return shown.decode(errors="replace"), proc.returncode, err.decode(errors="replace")


def test_on_a_terminal_the_person_is_asked_and_decides(desktop, danger_app, tmp_path) -> None:
    (x, y), clicks = danger_app
    plan = write_plan(tmp_path / "plan.json", [{"kind": "click", "x": x, "y": y}])
    question = (
        f"deskpilot: click(x={x}, y={y}, button='left', count=1) is near 'Delete' on the screen. Perform it? [y/N]"
    )
    args = ["run", "--plan", str(plan), "--confirm", "ask"]
    shown, status, err = on_a_terminal([*args, "--out", str(tmp_path / "no")], desktop.env(), b"n\n")
    assert question in shown and status == 1
    assert f"policy: 'Delete' is near click(x={x}, y={y}, button='left', count=1) and the person declined it" in err
    assert clicks.read_text() == ""
    shown, status, err = on_a_terminal([*args, "--out", str(tmp_path / "yes")], desktop.env(), b"y\n")
    assert question in shown and status == 0, err
    assert clicks.read_text().startswith("delete\n")


def test_dry_run_performs_nothing_and_draws_every_action(desktop, demo_app, tmp_path) -> None:
    count, name, token = demo_app.centre("count"), demo_app.centre("name"), demo_app.centre("board")
    actions = [
        {"kind": "click", "x": count[0], "y": count[1]},
        {"kind": "click", "x": name[0], "y": name[1]},
        {"kind": "type", "text": "never typed"},
        {"kind": "drag", "x": token[0] - 40, "y": token[1], "to_x": token[0] + 40, "to_y": token[1]},
        {"kind": "key", "keys": ["ctrl", "s"]},
    ]
    before = demo_app.state()
    out = tmp_path / "run"
    proc = deskpilot(
        ["run", "--plan", str(write_plan(tmp_path / "plan.json", actions)), "--out", str(out), "--dry-run"],
        desktop.env(),
    )
    assert proc.returncode == 0, proc.stderr
    assert "deskpilot: dry run succeeded" in proc.stderr
    after = demo_app.state()
    assert (after["count_clicks"], after["name"], after["last_chord"]) == (
        before["count_clicks"],
        before["name"],
        before["last_chord"],
    )
    assert after["count_clicks"] == 0 and after["name"] == ""
    steps = steps_of(out)
    assert [s["action"] for s in steps] == [{**a, **_defaults(a["kind"])} for a in actions]
    dry = {("not_checked", True, "dry run: not performed")}
    assert {(s["verdict"], s["performed"], s["note"]) for s in steps} == dry
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["reason"], summary["actions_performed"]) == ("dry run: done", 0)
    assert json.loads((out / "run.json").read_text())["dry_run"] is True
    report = (out / "report.html").read_text()
    assert "dry run: done" in report
    cards = re.split(r"id='step-(?=\d+')", report)[1:]  # one per step, in order
    assert len(cards) == len(actions) and all("dry run: not performed" in card for card in cards)
    for card, action in zip(cards, actions, strict=True):  # the point acted on is drawn (monitor 0: pixel = point)
        for x_key, y_key in (("x", "y"), ("to_x", "to_y")):
            if x_key in action:
                assert f"cx='{action[x_key]:.1f}' cy='{action[y_key]:.1f}'" in card, (action, x_key)


def _defaults(kind: str) -> dict[str, object]:
    defaults: dict[str, dict[str, object]] = {"click": {"button": "left", "count": 1}, "drag": {"button": "left"}}
    return defaults.get(kind, {})
