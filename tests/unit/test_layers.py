"""The floors are a contract: an import that runs up (actions <- planners <- agent) fails CI here."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_imports_only_go_down_the_floors() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.fail("import-linter is not installed: `pip install -e '.[dev]'` (make test does it)")
    proc = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_the_command_line_contract_names_every_library_module() -> None:
    """A new top-floor module is not free of the command line by accident: the contract must list it."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c.get("forbidden_modules") == ["agent.cli"]]
    modules = {
        p.stem if p.is_file() else p.name
        for p in (ROOT / "agent").iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.name not in ("__init__.py", "cli")
    }
    assert {f"agent.{m}" for m in modules} <= set(contract["source_modules"])


def test_the_code_is_formatted_as_ruff_formats_it() -> None:
    """``make lint``'s format check, run by CI too: hand layout only where a table reads better (fmt: skip)."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        pytest.fail("ruff is not installed: `pip install -e '.[dev]'` (make test does it)")
    proc = subprocess.run([ruff, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
