"""Secrets stay off the pixels: the loop masks a typed secret's place in the saved frames and in what the
model is shown, keeps it masked through a focus change, and lets it go when the place is replaced."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from actions import RecordingExecutor
from actions.a11y.fake import SHOWN, FakeTrees, element, snapshot
from actions.coords import DisplayProfile
from actions.frame import FakeScreen, Frame
from actions.models import Action, Key, Type
from actions.windows import FakeWindows
from agent.run_dir import RunDirectory, read_steps
from agent.secret_mask import MASK_RGB, SecretMask
from deskpilot import Agent, SettleConfig
from planners.fake_backend import ScriptedChatBackend
from planners.qwen.messages import ImagePart
from planners.qwen.planner import QwenPlanner

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)
W, H = 320, 224  # a size the model is shown as it is (multiples of 32, within the preset)
FIELD = (100, 80, 180, 100)  # where the fake app draws the typed secret (left, top, right, bottom)
WHITE, GREY = (255, 255, 255), (128, 128, 128)


def call(action: str, **arguments: object) -> str:
    return (
        "<tool_call>"
        + json.dumps({"name": "computer_use", "arguments": {"action": action, **arguments}})
        + "</tool_call>"
    )


def screens() -> list[np.ndarray]:
    """The app before typing; the secret drawn in plain text (a Tk entry with show=""); the same with a focus
    ring drawn round the field (Tab); the field's window gone (the desktop behind it)."""
    empty = np.full((H, W, 3), WHITE, dtype=np.uint8)
    typed = empty.copy()
    left, top, right, bottom = FIELD
    typed[top + 4 : bottom - 4, left + 2 : right - 2 : 3] = (0, 0, 0)  # glyph-like strokes: the secret
    ring = typed.copy()
    ring[top - 3, left - 3 : right + 3] = ring[bottom + 2, left - 3 : right + 3] = (0, 90, 200)
    gone = np.full((H, W, 3), GREY, dtype=np.uint8)
    return [empty, typed, ring, gone]


def inside(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    left, top, right, bottom = box
    return image[top:bottom, left:right].reshape(-1, image.shape[-1])


def test_a_typed_secret_is_masked_on_disk_and_for_the_model_until_its_place_is_replaced(tmp_path) -> None:
    frames = screens()
    screen, executor = FakeScreen(frames), RecordingExecutor()

    def react(_: Action) -> None:
        screen.advance()

    executor.on_perform = react
    answers = [
        call("type", text="{{secret:DP_PASSWORD}}"),
        call("key", keys=["tab"]),
        call("key", keys=["enter"]),
        call("terminate", status="success"),
    ]
    backend = ScriptedChatBackend(answers)
    run_dir = RunDirectory(tmp_path / "run")
    planner = QwenPlanner(backend)
    result = Agent(planner, executor, screen, run_dir=run_dir, settle_config=FAST, windows=FakeWindows.focused(W, H))
    outcome = result.run("log in")
    assert outcome.success, outcome.reason
    # Honest: the real screen showed the secret's strokes inside the field after typing and after Tab.
    assert (inside(frames[1], FIELD) == 0).all(axis=1).any() and (inside(frames[2], FIELD) == 0).all(axis=1).any()

    records = read_steps(tmp_path / "run")
    saved = {r.index: np.asarray(Image.open(tmp_path / "run" / r.after).convert("RGB")) for r in records if r.after}
    first = np.asarray(Image.open(tmp_path / "run" / "frames/step-0000.png").convert("RGB"))
    assert (inside(first, FIELD) == WHITE).all()  # nothing typed yet: nothing masked
    mask_box = (100, 82, 180, 98)  # the change (the strokes: 102..177 x 84..95), padded by 2 px
    for index in (1, 2):  # after the secret, and after Tab (a focus ring is not a new value)
        assert (inside(saved[index], mask_box) == MASK_RGB).all(), f"step {index}'s frame shows the field"
        assert not (inside(saved[index], FIELD) == 0).all(axis=1).any()
    # Enter closed the form: the place was replaced as a whole, so the frame is the real screen again.
    assert (saved[3] == GREY).all()

    # What the model was shown: the first prompt before typing (white), the next two masked, the last real.
    shown = [
        np.asarray(next(p.image for m in prompt for p in m.parts if isinstance(p, ImagePart)))
        for prompt in backend.prompts
    ]
    assert (inside(shown[0], mask_box) == WHITE).all()
    assert (inside(shown[1], mask_box) == MASK_RGB).all() and (inside(shown[2], mask_box) == MASK_RGB).all()
    assert (shown[3] == GREY).all()
    assert run_dir.mask.places == []


def profile_frame(data: np.ndarray, order: str = "RGB") -> Frame:
    height, width = data.shape[:2]
    return Frame(data, DisplayProfile(width=width, height=height), 0.0, 0.0, order)  # type: ignore[arg-type]


def test_password_fields_from_the_tree_are_masked_and_let_go_when_the_tree_loses_them() -> None:
    pw = element("/pw", "password text", "Password", (40, 20, 60, 16), states=SHOWN)
    name = element("/name", "text", "Name", (40, 50, 60, 16), states=SHOWN | {"focused"})
    window = element("/w", "frame", "Form", (0, 0, 160, 100))
    trees = FakeTrees(snapshot(window, pw, name, screen=(0, 0, 160, 100)))
    real = profile_frame(np.full((100, 160, 3), 200, dtype=np.uint8))
    mask = SecretMask()
    mask.after_step(Type(text="Ada"), real, None, trees)  # a plain text typed: only the password field is masked
    assert mask.boxes == [(40, 20, 100, 36)] and [p.why for p in mask.places] == ["password field"]
    mask.after_step(Type(text="{{secret:PIN}}"), real, None, trees)  # a secret into the focused field: it too
    assert mask.boxes == [(40, 20, 100, 36), (40, 50, 100, 66)]
    masked = mask.apply(real).data
    assert (masked[20:36, 40:100] == MASK_RGB).all() and (masked[50:66, 40:100] == MASK_RGB).all()
    assert (masked[:20] == 200).all() and (real.data == 200).all()  # the real frame is untouched
    trees.tree = snapshot(window, name, screen=(0, 0, 160, 100))  # the same window, the password field gone
    mask.after_step(Key(keys=("tab",)), real, None, trees)
    assert [p.why for p in mask.places] == ["typed secret"]


def test_a_bgra_frame_is_masked_in_its_own_byte_order() -> None:
    data = np.zeros((10, 10, 4), dtype=np.uint8)
    mask = SecretMask()
    mask.after_step(Type(text="{{secret:X}}"), profile_frame(data, "BGRA"), (2, 2, 6, 6), None)
    masked = mask.apply(profile_frame(data, "BGRA"))
    assert masked.order == "BGRA"
    assert tuple(masked.data[4, 4]) == (*MASK_RGB[::-1], 255)
    assert np.asarray(masked.to_image())[4, 4].tolist() == list(MASK_RGB)
    assert (masked.data[:, 8:] == 0).all()  # outside the padded box (0..8): the real pixels
