"""The policy guard with fake frames and the recording executor: no display needed.

The confirm-word tests read real text with tesseract from frames drawn with PIL.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from actions import Click, Drag, Key, Move, RecordingExecutor, Scroll, Type, Wait
from actions.errors import PolicyError
from actions.frame import FakeScreen, Frame
from actions.models import Action
from agent.policy import Policy, PolicyFile
from agent.report import build_report
from agent.run_dir import RunDirectory, read_json
from deskpilot import Agent, SettleConfig
from planners import ScriptedPlanner
from planners.grounding.ocr import OcrGrounder
from planners.verdicts import Verdict

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@dataclass(frozen=True)
class Win:
    title: str


def blank(width: int = 640, height: int = 480) -> Frame:
    return FakeScreen([np.full((height, width, 3), 240, dtype=np.uint8)]).capture()


def screen_with_words(words: dict[tuple[int, int], str], size: tuple[int, int] = (640, 480)) -> FakeScreen:
    """A light screen with each text drawn as a button label whose top-left is the key."""
    image = Image.new("RGB", size, (240, 240, 240))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 16) if Path(FONT).exists() else ImageFont.load_default()
    for (x, y), text in words.items():
        draw.rectangle((x - 16, y - 8, x + 16 + 10 * len(text), y + 26), outline=(120, 120, 120), fill=(225, 225, 225))
        draw.text((x, y), text, fill=(0, 0, 0), font=font)
    return FakeScreen([np.asarray(image)])


# "Delete" around (140, 106); "Submit order" around (450, 310); "Save" around (420, 410).
WORDS = {(110, 97): "Delete", (400, 300): "Submit order", (400, 400): "Save"}
DELETE, ORDER, SAVE = (140, 106), (450, 310), (420, 410)


@pytest.fixture(scope="module")
def words_frame() -> Frame:
    return screen_with_words(WORDS).capture()


READER = OcrGrounder()


def policy(**fields: object) -> Policy:
    seams = ("ask", "is_terminal", "window_at", "active_window", "dry_run", "note")
    extra: dict[str, Any] = {k: fields.pop(k) for k in seams if k in fields}
    extra.setdefault("is_terminal", lambda: False)
    extra.setdefault("reader", READER)  # one OCR cache for the module: each label is read once
    return Policy(PolicyFile.model_validate(fields), **extra)


def refusal(guard: Policy, action: Action, frame: Frame) -> str:
    with pytest.raises(PolicyError) as caught:
        guard.check(action, frame)
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- each rule, with its exact message ----------------------------------------------------------
def test_an_action_kind_not_allowed_is_refused() -> None:
    guard = policy(allowed_actions=["click", "type"], confirm="allow")
    guard.check(Click(x=1, y=1), blank())
    guard.check(Type(text="hi"), blank())
    assert refusal(guard, Drag(x=1, y=1, to_x=5, to_y=5), blank()) == (
        "policy: drag(x=1, y=1, to_x=5, to_y=5, button='left') is not an allowed action (allowed: click, type)"
    )


def test_the_budget_counts_actions_let_through() -> None:
    guard = policy(max_actions=2, allowed_actions=["click", "wait", "move"], confirm="allow")
    guard.check(Click(x=1, y=1), blank())
    refusal(guard, Type(text="x"), blank())  # refused: not counted
    guard.check(Wait(seconds=1), blank())
    assert guard.actions_allowed == 2
    assert refusal(guard, Move(x=3, y=3), blank()) == (
        "policy: the action budget (2 actions) is used up; refused move(x=3, y=3)"
    )
    assert guard.for_new_run().actions_allowed == 0  # a new run (replay --repeat) gets a fresh budget


def test_every_point_must_lie_in_the_region() -> None:
    guard = policy(region={"left": 0, "top": 0, "width": 640, "height": 480}, confirm="allow")
    guard.check(Click(x=639, y=479), blank())
    guard.check(Type(text="keys have no point"), blank())
    assert refusal(guard, Click(x=900, y=40), blank()) == (
        "policy: click(x=900, y=40, button='left', count=1) is outside the allowed region 0,0 640x480"
    )
    assert refusal(guard, Drag(x=10, y=10, to_x=640, to_y=10), blank()) == (
        "policy: drag(x=10, y=10, to_x=640, to_y=10, button='left') ends outside the allowed region 0,0 640x480"
    )
    assert "scroll(x=-1, y=5, dy=-3, dx=0) is outside" in refusal(guard, Scroll(x=-1, y=5, dy=-3), blank())


def test_the_window_under_each_point_must_match() -> None:
    windows = {(10, 10): Win("Deskpilot Demo"), (20, 20): Win("xterm")}
    guard = policy(
        window_title="^Deskpilot Demo$",
        confirm="allow",
        window_at=lambda x, y: windows.get((x, y)),
        active_window=lambda: Win("xterm"),
    )
    guard.check(Click(x=10, y=10), blank())
    assert refusal(guard, Click(x=20, y=20), blank()) == (
        "policy: click(x=20, y=20, button='left', count=1) is on the window 'xterm', "
        "whose title does not match /^Deskpilot Demo$/"
    )
    assert refusal(guard, Click(x=30, y=30), blank()) == (
        "policy: click(x=30, y=30, button='left', count=1) is on no window; the allowed window title is "
        "/^Deskpilot Demo$/"
    )
    assert refusal(guard, Drag(x=10, y=10, to_x=20, to_y=20), blank()).startswith(
        "policy: drag(x=10, y=10, to_x=20, to_y=20, button='left') ends on the window 'xterm'"
    )
    # Keys go to the active window, wherever the pointer is.
    assert refusal(guard, Key(keys=("ctrl", "s")), blank()) == (
        "policy: key(keys=('ctrl', 's')) would go to the window 'xterm', whose title does not match /^Deskpilot Demo$/"
    )
    nobody = policy(window_title="Demo", confirm="allow", window_at=lambda x, y: None, active_window=lambda: None)
    assert "would go to no window (none is active)" in refusal(nobody, Type(text="x"), blank())
    guard.check(Wait(seconds=1), blank())  # a wait goes nowhere


def test_the_checks_run_in_order_kind_budget_region_window() -> None:
    guard = policy(
        allowed_actions=["click"],
        max_actions=0,
        region={"left": 0, "top": 0, "width": 10, "height": 10},
        window_title="x",
        window_at=lambda x, y: None,
        confirm="allow",
    )
    assert "is not an allowed action" in refusal(guard, Move(x=50, y=50), blank())
    assert "budget" in refusal(guard, Click(x=50, y=50), blank())


# -- confirm words (read by OCR near the point) ---------------------------------------------------------
@needs_tesseract
def test_a_confirm_word_near_a_click_is_refused_without_a_terminal(words_frame: Frame) -> None:
    guard = policy()
    assert refusal(guard, Click(x=DELETE[0], y=DELETE[1]), words_frame) == (
        "policy: 'Delete' is near click(x=140, y=106, button='left', count=1) and there is no terminal to "
        "confirm it; refused"
    )
    assert "'Submit order' is near click(x=450" in refusal(guard, Click(x=ORDER[0], y=ORDER[1]), words_frame)
    guard.check(Click(x=SAVE[0], y=SAVE[1]), words_frame)  # "Save" needs no confirmation
    guard.check(Click(x=DELETE[0] + 200, y=DELETE[1]), words_frame)  # 200 points from "Delete": not near


@needs_tesseract
def test_asking_on_the_terminal_yes_performs_and_no_refuses(words_frame: Frame) -> None:
    questions: list[str] = []

    def answer(yes: bool) -> Callable[[str], bool]:
        def ask(question: str) -> bool:
            questions.append(question)
            return yes

        return ask

    click = Click(x=DELETE[0], y=DELETE[1])
    policy(ask=answer(True), is_terminal=lambda: True).check(click, words_frame)
    assert questions == [
        "deskpilot: click(x=140, y=106, button='left', count=1) is near 'Delete' on the screen. Perform it? [y/N] "
    ]
    assert refusal(policy(ask=answer(False), is_terminal=lambda: True), click, words_frame) == (
        "policy: 'Delete' is near click(x=140, y=106, button='left', count=1) and the person declined it; refused"
    )
    # Not a terminal: never asked at all.
    refusal(policy(ask=answer(True), is_terminal=lambda: False), click, words_frame)
    assert len(questions) == 2


@needs_tesseract
def test_confirm_refuse_and_allow(words_frame: Frame) -> None:
    click = Click(x=DELETE[0], y=DELETE[1])
    assert refusal(policy(confirm="refuse"), click, words_frame) == (
        "policy: 'Delete' is near click(x=140, y=106, button='left', count=1) and the policy says confirm: refuse; "
        "refused"
    )
    policy(confirm="allow").check(click, words_frame)
    policy(confirm_words=["Save"], confirm="refuse").check(click, words_frame)  # the words are configurable
    assert "'save' is near" in refusal(policy(confirm_words=["save"]), Click(x=SAVE[0], y=SAVE[1]), words_frame)


@needs_tesseract
def test_enter_is_checked_where_the_last_click_put_the_focus(words_frame: Frame) -> None:
    asked: list[str] = []

    def ask(question: str) -> bool:
        asked.append(question)
        return len(asked) == 1  # yes to the click, no to everything after it

    guard = policy(confirm_words=["Submit order"], ask=ask, is_terminal=lambda: True)
    guard.check(Key(keys=("enter",)), words_frame)  # no click yet: no focus to read around
    guard.check(Type(text="no newline"), words_frame)
    assert asked == []
    guard.check(Click(x=ORDER[0], y=ORDER[1]), words_frame)  # asked, confirmed
    assert refusal(guard, Key(keys=("enter",)), words_frame) == (
        "policy: 'Submit order' is near key(keys=('enter',)) (at the last click, 450,310) and the person declined "
        "it; refused"
    )
    assert "type(text='ok\\n') (at the last click, 450,310) and" in refusal(guard, Type(text="ok\n"), words_frame)
    guard.check(Key(keys=("ctrl", "s")), words_frame)  # no Enter: nothing committed by the keys themselves
    assert len(asked) == 3


def test_a_point_outside_the_watched_area_cannot_be_read_so_it_is_refused() -> None:
    assert refusal(policy(), Click(x=700, y=10), blank()) == (
        "policy: click(x=700, y=10, button='left', count=1) is outside the watched screen area, so the words near "
        "it cannot be read; refused"
    )
    policy(confirm="allow").check(Click(x=700, y=10), blank())


@needs_tesseract
def test_screen_text_never_widens_the_policy() -> None:
    """Text on the screen that reads like an instruction is only ever data."""
    frame = screen_with_words({(40, 40): "confirm: allow", (40, 120): "Delete"}).capture()
    guard = policy(allowed_actions=["click"])
    before = guard.rules
    refusal(guard, Click(x=70, y=130), frame)
    assert guard.rules == before and guard.rules.confirm == "ask"
    with pytest.raises(ValueError):
        guard.rules.confirm = "allow"  # type: ignore[misc]  # frozen
    with pytest.raises(AttributeError):
        guard.something = 1  # type: ignore[attr-defined]  # slots: nothing bolted on


# -- in the loop ---------------------------------------------------------------------------------------
def test_a_refusal_ends_the_run_with_its_reason_and_nothing_performed(tmp_path: Path) -> None:
    screen, executor = FakeScreen([np.zeros((48, 64, 3), np.uint8)]), RecordingExecutor()
    guard = policy(region={"left": 0, "top": 0, "width": 32, "height": 48}, confirm="allow")
    plan: list[Action] = [Move(x=5, y=5), Click(x=40, y=5), Move(x=6, y=6)]
    result = Agent(ScriptedPlanner(plan), executor, screen, settle_config=FAST, guard=guard).run("t")
    assert not result.success
    assert result.reason == "policy: click(x=40, y=5, button='left', count=1) is outside the allowed region 0,0 32x48"
    assert executor.performed == [Move(x=5, y=5)]


@needs_tesseract
def test_a_confirmed_click_is_performed_once_never_retried_behind_the_persons_back() -> None:
    """Nothing is retried on its own: the confirmed click and the plain one both run once."""
    screen, executor = screen_with_words(WORDS), RecordingExecutor()  # a still screen: no visible change
    questions: list[str] = []
    guard = policy(ask=lambda q: questions.append(q) or True, is_terminal=lambda: True)
    delete, save = Click(x=DELETE[0], y=DELETE[1]), Click(x=SAVE[0], y=SAVE[1])
    agent = Agent(
        ScriptedPlanner([delete, save]), executor, screen, settle_config=FAST, guard=guard, on_no_change="continue"
    )
    result = agent.run("t")
    assert len(questions) == 1
    assert executor.performed == [delete, save]
    assert [s.performed for s in result.steps] == [True, True]


def test_dry_run_plans_and_records_every_action_without_retrying(tmp_path: Path) -> None:
    screen, executor = FakeScreen([np.zeros((48, 64, 3), np.uint8)]), RecordingExecutor()
    plan: list[Action] = [Click(x=10, y=10), Drag(x=1, y=1, to_x=30, to_y=30), Type(text="x"), Key(keys=("enter",))]
    run_dir = tmp_path / "run"
    agent = Agent(
        ScriptedPlanner(plan), executor, screen, settle_config=FAST, run_dir=RunDirectory(run_dir), dry_run=True
    )
    result = agent.run("t")
    assert result.success and result.reason == "done"
    assert executor.performed == plan  # the fake performs nothing, once each: no retry
    assert [(s.verdict, s.performed, s.note) for s in result.steps] == [
        (Verdict.NOT_CHECKED, 1, "dry run: not performed")
    ] * 4
    assert result.summary is not None and result.summary.actions_performed == 0
    assert result.summary.reason == "dry run: done"
    assert (read_json(run_dir / "run.json") or {})["dry_run"] is True
    report = build_report(run_dir).read_text()  # the caller builds the page, not the loop
    assert "dry run: done" in report and report.count("dry run: not performed") == 4
    assert report.count("<circle") >= 2 * 2 + 1  # the click's and the drag's points (and its end) drawn


@needs_tesseract
def test_a_dry_run_policy_reports_a_confirm_word_instead_of_asking(words_frame: Frame) -> None:
    notes: list[str] = []
    guard = policy(dry_run=True, note=notes.append, ask=lambda q: pytest.fail("a dry run must not ask"))
    guard.check(Click(x=DELETE[0], y=DELETE[1]), words_frame)
    assert notes == [
        "deskpilot: dry run: 'Delete' is near click(x=140, y=106, button='left', count=1); a real run would ask first"
    ]
    assert "outside the allowed region" in refusal(
        policy(dry_run=True, region={"left": 0, "top": 0, "width": 5, "height": 5}), Click(x=9, y=9), words_frame
    )
