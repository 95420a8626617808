"""Policy files and the flags that build or override a policy: one clear line for every mistake."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.errors import UserInputError
from agent.cli.main import main
from agent.cli.policy_flags import add_policy_flags, policy_from_args
from agent.policy import DEFAULT_CONFIRM_WORDS, Policy, PolicyFile, Region, load_policy


# -- the policy file -------------------------------------------------------------------------------------
def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_policy_file_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
allowed_actions: [click, type, key]
region: {left: 0, top: 0, width: 1280, height: 800}
window_title: "^Deskpilot Demo$"
confirm_words: [Delete, Submit order]
confirm_radius: 60
confirm: refuse
max_actions: 40
""",
    )
    rules = load_policy(path)
    assert rules.allowed_actions == ("click", "type", "key")
    assert rules.region == Region(left=0, top=0, width=1280, height=800)
    assert (rules.window_title, rules.confirm_words, rules.confirm_radius) == (
        "^Deskpilot Demo$",
        ("Delete", "Submit order"),
        60,
    )
    assert (rules.confirm, rules.max_actions) == ("refuse", 40)
    empty = load_policy(write(tmp_path, ""))
    assert empty == PolicyFile() and empty.confirm_words == DEFAULT_CONFIRM_WORDS and empty.confirm_radius == 80


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("allowed_actions: [click", "line 1 column 24: invalid YAML (expected ',' or ']', but got '<stream end>')"),
        ("surprise: 1", "surprise: Extra inputs are not permitted (got 1)"),
        (
            'window_title: "("',
            "window_title: not a regular expression: missing ), unterminated subpattern at position 0 (got '(')",
        ),
        (
            "allowed_actions: [clack]",
            "allowed_actions.0: Input should be 'click', 'move', 'drag', 'scroll', 'type', "
            "'key', 'wait' or 'done' (got 'clack')",
        ),
        ("region: {left: 0, top: 0, width: 0, height: 9}", "region.width: Input should be greater than 0 (got 0)"),
        ("confirm: maybe", "confirm: Input should be 'ask', 'refuse' or 'allow' (got 'maybe')"),
        ("- click", "expected a mapping of policy fields, got list"),
        ("confirm_words: ['']", "confirm_words: '': the text to look for is empty"),
        (
            "confirm_words: ['/Pay(/i']",
            "confirm_words: '/Pay(/i': '/Pay(/i' is not a regular expression: missing ), "
            "unterminated subpattern at position 3",
        ),
    ],
)
def test_policy_file_errors_are_one_line_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UserInputError) as caught:
        load_policy(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=r"nope\.yaml: cannot read the policy \(No such file or directory\)$"):
        load_policy(tmp_path / "nope.yaml")


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(max_size=12),
    st.sampled_from(["click", "drag", "ask", "refuse", "allow", "(", "^a$", "Delete"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["left", "top", "width", "height", "x"]), inner, max_size=5)
    ),
    max_leaves=12,
)
_fields = st.sampled_from(
    ["allowed_actions", "region", "window_title", "confirm_words", "confirm_radius", "max_actions", "confirm", "other"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(st.dictionaries(_fields, _values, max_size=5), _values),
    raw=st.text(max_size=40),
    use_raw=st.booleans(),
)
def test_any_policy_yaml_loads_or_is_one_user_error(tmp_path: Path, data: object, raw: str, use_raw: bool) -> None:
    path = write(tmp_path, raw if use_raw else yaml.safe_dump(data))
    try:
        rules = load_policy(path)
    except UserInputError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: ") and "\n" not in message
    else:
        assert isinstance(rules, PolicyFile)
        Policy(rules)  # and it builds a guard


# -- flags ---------------------------------------------------------------------------------------------
def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_policy_flags(parser)
    return parser.parse_args(argv)


def test_no_policy_flags_means_no_policy() -> None:
    assert policy_from_args(parse()) is None
    assert policy_from_args(parse("--dry-run")) is None  # a dry run alone swaps the executor, guards nothing


def test_flags_build_and_override_a_policy_file(tmp_path: Path) -> None:
    path = write(tmp_path, "allowed_actions: [click]\nconfirm: refuse\nmax_actions: 5\n")
    guard = policy_from_args(
        parse(
            "--policy",
            str(path),
            "--allow-actions",
            "click, type",
            "--allow-region",
            "0,0,640,480",
            "--allow-window",
            "^Demo$",
            "--max-actions",
            "3",
            "--confirm-words",
            "Erase,Send money",
            "--dry-run",
        )
    )
    assert guard is not None and guard.dry_run
    assert guard.rules == PolicyFile(
        allowed_actions=("click", "type"),
        region=Region(left=0, top=0, width=640, height=480),
        window_title="^Demo$",
        max_actions=3,
        confirm="refuse",
        confirm_words=("Erase", "Send money"),
    )
    assert guard.describe() == (
        "policy: actions click,type; region 0,0 640x480; window /^Demo$/; budget 3; confirm refuse near Erase, "
        "Send money"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--allow-region", "1,2,3"], "--allow-region '1,2,3': expected X,Y,W,H in screen points, e.g. 0,0,1280,800"),
        (["--allow-region", "0,0,0,5"], "--allow-region: region.width: Input should be greater than 0 (got 0)"),
        (
            ["--allow-actions", "click,jump"],
            "--allow-actions: allowed_actions.1: Input should be 'click', 'move', "
            "'drag', 'scroll', 'type', 'key', 'wait' or 'done' (got 'jump')",
        ),
        (
            ["--allow-window", "(x"],
            "--allow-window: window_title: not a regular expression: missing ), "
            "unterminated subpattern at position 0 (got '(x')",
        ),
        (["--max-actions", "-1"], "--max-actions: max_actions: Input should be greater than or equal to 0 (got -1)"),
    ],
)
def test_bad_flags_are_one_line(argv: list[str], message: str) -> None:
    with pytest.raises(UserInputError) as caught:
        policy_from_args(parse(*argv))
    assert str(caught.value) == message


def test_the_cli_refuses_a_bad_policy_before_anything_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "move", "x": 1, "y": 1}]))
    bad = write(tmp_path, "confirm: sometimes\n")
    assert main(["run", "--plan", str(plan), "--policy", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"deskpilot: error: {bad}: confirm: Input should be 'ask', 'refuse' or 'allow' (got 'sometimes')\n"
    )
