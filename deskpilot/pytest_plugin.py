"""pytest plugin: scenario files are test items. ``pytest scenarios/`` replays each one.

Installed with the package (entry point ``pytest11``), so pytest loads it in every project of the
environment. Two rules keep it from breaking any of them:

- Loading it imports only pytest and the standard library. ``agent``, ``actions``, ``planners`` and
  ``scenarios`` are common names: a project with its own ``agent/`` package would shadow ours, so
  they are imported inside the hooks, and only once a scenario is actually collected.
- It collects only what it is pointed at: YAML files under a path of the ``deskpilot_scenarios`` ini
  option (or ``--deskpilot-scenarios PATH``), and a YAML file named on the command line. A stray YAML
  file with ``name:`` and ``steps:`` anywhere else is left alone.

Each collected scenario becomes one test item that replays it and reports every step (which rung found
its target, how long it took, what failed). Each pytest process gets its own private virtual desktop,
so ``pytest -n 4`` (pytest-xdist) runs four replays side by side on four X servers, and xdist's remote
workers or a CI matrix spread a suite over machines. ``--deskpilot-display=current`` drives
``$DISPLAY`` instead (a real desktop, one worker).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_desktop: Any = None  # this process's VirtualDesktop, started on first use
_SUFFIXES = (".yaml", ".yml")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deskpilot", "Deskpilot scenario replays")
    group.addoption(
        "--deskpilot-scenarios",
        action="append",
        default=[],
        metavar="PATH",
        help="collect the scenario YAML files under PATH (repeatable; adds to the ini option)",
    )
    group.addoption(
        "--deskpilot-display",
        choices=["private", "current"],
        default="private",
        help="replay on a private Xvfb per worker (default) or on $DISPLAY",
    )
    group.addoption("--deskpilot-runs", default="runs/pytest", help="where replay run directories go")
    parser.addini(
        "deskpilot_scenarios",
        type="paths",
        default=[],
        help="files or folders whose scenario YAML files are test items (relative to the ini file)",
    )


_ROOTS = pytest.StashKey[list[Path]]()
_NAMED = pytest.StashKey[set[Path]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_ROOTS] = scenario_roots(config)
    here = config.invocation_params.dir
    args = [arg for arg in config.invocation_params.args if not str(arg).startswith("-")]
    config.stash[_NAMED] = {(here / str(arg).split("::")[0]).resolve() for arg in args}


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    if file_path.suffix not in _SUFFIXES:
        return None
    if _named_on_command_line(parent.config, file_path):
        return ScenarioFile.from_parent(parent, path=file_path)  # asked for by name: a broken file is an error
    if _pointed_at(parent.config, file_path) and _looks_like_scenario(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def scenario_roots(config: pytest.Config) -> list[Path]:
    """The ini option's paths (relative to the ini file) and the flag's (relative to where pytest started)."""
    here = config.invocation_params.dir
    roots = [Path(p) for p in config.getini("deskpilot_scenarios")]
    roots += [here / p for p in config.getoption("deskpilot_scenarios")]
    return [root.resolve() for root in roots]


def _pointed_at(config: pytest.Config, path: Path) -> bool:
    path = path.resolve()
    return any(path == root or path.is_relative_to(root) for root in config.stash[_ROOTS])


def _named_on_command_line(config: pytest.Config, path: Path) -> bool:
    return path.resolve() in config.stash[_NAMED]


def _looks_like_scenario(path: Path) -> bool:
    """Top-level ``name:`` and ``steps:`` keys: a scenario, not some other YAML file that lives beside them."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(re.search(r"^name:", head, re.M)) and bool(re.search(r"^steps:", head, re.M))


def pytest_sessionfinish(session: pytest.Session) -> None:
    global _desktop
    if _desktop is not None:
        _desktop.stop()
        _desktop = None


def _display(config: pytest.Config) -> str:
    """This worker's display: started once, before anything imports pyautogui (it reads DISPLAY once)."""
    global _desktop
    if config.getoption("deskpilot_display") == "current":
        if not os.environ.get("DISPLAY"):
            from actions.errors import DeskpilotError

            raise DeskpilotError("--deskpilot-display=current, but DISPLAY is not set")
        return os.environ["DISPLAY"]
    if _desktop is None:
        from agent.desktop.xserver import VirtualDesktop

        _desktop = VirtualDesktop().start()
        os.environ.update(_desktop.session_vars())  # DISPLAY, and the accessibility bus apps publish on
    return str(_desktop.display)


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from planners.scenario_file import load_scenario

        scenario = load_scenario(self.path)  # a broken file is a collection error naming the place
        yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


class ScenarioFailed(Exception):
    def __init__(self, reason: str, steps: str) -> None:
        super().__init__(reason)
        self.reason, self.steps = reason, steps


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        display = _display(self.config)
        from actions.pyautogui_executor import PyAutoGuiExecutor
        from agent.replay import replay_once
        from agent.screen import MssScreen
        from agent.targeting import desktop_trees
        from planners.grounding.ladder import default_ladder
        from planners.scenario_file import resolve_variables

        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        run_dir = Path(self.config.getoption("deskpilot_runs")) / worker / _slug(self.name)
        screen = MssScreen(monitor=0)
        try:
            outcome = replay_once(
                self.scenario,
                self.path,
                ladder=default_ladder(tree=desktop_trees()),
                executor=PyAutoGuiExecutor(),
                screen=screen,
                variables=resolve_variables(self.scenario, {}),
                run_dir=run_dir,
            )
        finally:
            screen.close()
        table = step_table(self.scenario, outcome)
        where = f"display {display}, report {run_dir / 'report.html'}"
        self.add_report_section("call", "deskpilot steps", f"{where}\n{table}")
        if not outcome.run.success:
            raise ScenarioFailed(outcome.run.reason, table)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return f"scenario failed: {excinfo.value.reason}\n{excinfo.value.steps}"
        from actions.errors import DeskpilotError

        if isinstance(excinfo.value, DeskpilotError):
            return f"scenario could not run: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario: {self.name}"


def step_table(scenario: Any, outcome: Any) -> str:
    """One line per step: what it was, which rung found it (after which refused), how long, how it ended."""
    logs = {log.index: log for log in outcome.logs}
    lines = []
    for index, step in enumerate(scenario.steps):
        log = logs.get(index)
        if log is None:
            status = "not reached"
        elif log.resolutions and log.resolutions[-1].result.point is None:
            status = "FAILED: " + "; ".join(f"{r.rung}: {r.reason}" for r in log.resolutions[-1].tried)
        else:
            found = ", ".join(
                f"{r.result.rung} after {len(r.tried) - 1} refusals" if len(r.tried) > 1 else r.result.rung
                for r in log.resolutions
            )
            status = f"ok ({found}, {log.elapsed_ms:.0f} ms)" if found else "ok"
        lines.append(f"  step {index + 1:>2} {step.describe():<40} {status}")
    return "\n".join(lines)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "scenario"
