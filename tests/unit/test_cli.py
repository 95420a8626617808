"""The command line: user errors are one clear line and exit 2, before anything runs."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli.main import main

DESKPILOT = [sys.executable, "-m", "deskpilot"]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*DESKPILOT, *args], capture_output=True, text=True, timeout=60, env=env)


def test_a_plan_with_an_invalid_action_is_refused_in_one_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "click", "x": 1, "y": 1}, {"kind": "key", "keys": ["ctrl", "sss"]}]))
    proc = run_cli("run", "--plan", str(plan))
    assert proc.returncode == 2
    assert proc.stderr == f"deskpilot: error: {plan}: step 2: key.keys: unknown key 'sss'\n"
    assert proc.stdout == ""


def test_no_display_is_a_clear_error(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "move", "x": 1, "y": 1}]))
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    proc = run_cli("run", "--plan", str(plan), env=env)
    assert proc.returncode == 2
    assert proc.stderr.startswith("deskpilot: error: no display: DISPLAY is not set")
    assert "Traceback" not in proc.stderr


def test_a_missing_tesseract_is_refused_before_the_run_by_the_default_engine_too(tmp_path: Path) -> None:
    """The default engine is built at its first read (its languages asked of tesseract then), but tesseract's
    absence is still refused before anything runs, with the package to install."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "move", "x": 1, "y": 1}]))
    no_tesseract = tmp_path / "bin"  # a PATH that holds no tesseract (python runs by its full path)
    no_tesseract.mkdir()
    proc = run_cli("run", "--plan", str(plan), env={**os.environ, "PATH": str(no_tesseract)})
    assert proc.returncode == 1
    assert (
        proc.stderr
        == "deskpilot: error: tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run"], "run needs a TASK (with --model or --base-url) or --plan PLAN.json"),
        (["run", "open the editor", "--plan", "p.json"], "give either a TASK or --plan, not both"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == f"deskpilot: error: {message}\n"


def test_cli_start_imports_nothing_heavy() -> None:
    code = (
        "import sys, agent.cli.main, agent.loop, agent.report.page; "
        "print(sorted(m for m in ('torch', 'transformers', 'pyautogui') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--max-steps", "x"], "argument --max-steps: invalid int value: 'x' (see: deskpilot run --help)"),
        (["replay"], "the following arguments are required: scenario (see: deskpilot replay --help)"),
        (["run", "t", "--preset", "huge"], "argument --preset: invalid choice: 'huge'"),
    ],
)
def test_bad_flags_are_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("deskpilot: error: ") and message in err and err.count("\n") == 1


def test_version_and_help_import_none_of_the_floors() -> None:
    code = (
        "import sys\n"
        "from deskpilot.cli import main\n"
        "for argv in (['--version'], ['--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code == 0, exit.code\n"
        "loaded = ('actions', 'planners', 'scenarios', 'pydantic', 'numpy', 'agent.loop', 'agent.cli.run_cmd')\n"
        "print(sorted(m for m in loaded if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.startswith("deskpilot "), proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]", proc.stderr


def test_help_lists_every_command_with_the_help_of_its_own_parser() -> None:
    from agent.cli.main import COMMANDS
    from deskpilot.cli import DEMO

    listing = run_cli("--help")
    assert listing.returncode == 0, listing.stderr
    for command in [*COMMANDS, DEMO]:
        add_parser, _ = command.load()
        parser = argparse.ArgumentParser()
        add_parser(parser.add_subparsers())
        listed = next(line for line in listing.stdout.splitlines() if line.split()[:1] == [command.name])
        assert command.help in parser.format_help() and listed.split(None, 1)[1] == command.help


def test_the_demo_is_a_command_of_the_layer_above(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["demo"])  # the floors' command line: it knows nothing of scenarios
    assert info.value.code == 2 and "invalid choice: 'demo'" in capsys.readouterr().err
    proc = run_cli("demo", "--help")  # python -m deskpilot: the console script's command line
    assert proc.returncode == 0 and "--use-current-display" in proc.stdout, proc.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--plan", "p.json", "--ocr", "easyocr"], "argument --ocr: invalid choice: 'easyocr' (choose from "),
        (["replay", "s.yaml", "--ocr", "Tesseract"], "argument --ocr: invalid choice: 'Tesseract' (choose from "),
    ],
)
def test_an_unknown_ocr_engine_is_a_usage_error(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"deskpilot: error: {message}") and "hybrid" in err and err.count("\n") == 1, err


def test_an_ocr_language_tesseract_lacks_is_a_usage_error_naming_its_package(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", "--plan", "p.json", "--ocr", "tesseract", "--ocr-lang", "eng+xyz"]) == 2
    assert capsys.readouterr().err == (
        "deskpilot: error: --ocr-lang eng+xyz: tesseract has no xyz (apt-get install tesseract-ocr-xyz)\n"
    )
    assert main(["run", "--plan", "p.json", "--ocr", "rapidocr", "--ocr-lang", "deu"]) == 2
    assert "rapidocr reads Latin, digits and Chinese in one model" in capsys.readouterr().err
