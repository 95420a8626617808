"""The wheel, as a pip user gets it: built from this tree, installed in a fresh venv outside the repo.

The editable install the other tiers use hides a wheel that lacks a subpackage or a data file (that is
how `planners.qwen` went missing). Here the wheel is built once, checked with check-wheel-contents
against the source trees, installed with its dependencies (no editable install, no repo on sys.path),
and every command the README promises is run from a folder outside the repo, on a private Xvfb.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.desktop.xserver import VirtualDesktop
from scenarios.harness import DemoAppProcess
from tests.desktop.test_pytest_plugin import check_project_with_its_own_agent, make_project_with_its_own_agent

# The first test also pays for the venv: pip may have to download the dependencies (no cache on a fresh
# CI machine) and build evdev from source, which can take longer than the suite's 300 s per test.
pytestmark = pytest.mark.timeout(900)

REPO = Path(__file__).resolve().parents[2]
PYPROJECT_VERSION = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)


class Installed:
    """The fresh venv the wheel went into, and a folder outside the repo to run its commands in."""

    def __init__(self, root: Path, wheel: Path, source: Path) -> None:
        self.root, self.wheel, self.source = root, wheel, source
        self.bin = root / "venv" / "bin"
        self.python = str(self.bin / "python")
        self.elsewhere = root / "elsewhere"
        self.elsewhere.mkdir()

    def env(self, desktop: VirtualDesktop | None = None) -> dict[str, str]:
        """A user's shell: the venv's bin first on PATH, nothing of this repo or its venv anywhere."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        path = [p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(REPO))]
        env["PATH"] = os.pathsep.join([str(self.bin), *path])
        env["VIRTUAL_ENV"] = str(self.bin.parent)
        if desktop is not None:
            env["DISPLAY"] = desktop.display
        else:
            env.pop("DISPLAY", None)
        return env

    def run(
        self, *cmd: str, desktop: VirtualDesktop | None = None, timeout_s: float = 120, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(cmd),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=self.env(desktop),
            cwd=cwd or self.elsewhere,
        )

    def site_packages(self) -> Path:
        proc = self.run(self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
        return Path(proc.stdout.strip())


def _copy_source(dest: Path) -> Path:
    """What a fresh clone has (tracked files, and untracked ones git does not ignore): never .venv, runs/, build/."""
    dest.mkdir()
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True)
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.decode().split("\0")):
            source = REPO / name
            if source.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:  # not a git checkout (an unpacked sdist)
        ignore = shutil.ignore_patterns(".*", "__pycache__", "*.egg-info", "build", "dist", "runs")
        shutil.copytree(REPO, dest, ignore=ignore, dirs_exist_ok=True)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    started = time.monotonic()
    # Built from a copy: building in the tree would leave build/ and *.egg-info there. --no-isolation uses
    # this venv's setuptools (a dev dependency), so the build itself needs no download.
    source = _copy_source(root / "source")
    dist = root / "dist"
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(source)]
    proc = subprocess.run(build, capture_output=True, text=True, timeout=300, cwd=root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = dist.glob("deskpilot-*.whl")
    built = time.monotonic()
    # A plain venv (with pip: ensurepip, no network), then the wheel and its dependencies from the package
    # index or pip's cache. torch is an extra, so nothing heavy comes along. pytest: for the plugin check.
    venv.EnvBuilder(with_pip=True, symlinks=True, clear=True).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    env = {**os.environ, "PIP_ROOT_USER_ACTION": "ignore", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    pip = [str(python), "-m", "pip", "install", "-q", str(wheel), "pytest"]
    proc = subprocess.run(pip, capture_output=True, text=True, timeout=600, env=env, cwd=root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    print(f"\nwheel tier: built in {built - started:.1f} s, venv + install in {time.monotonic() - built:.1f} s")
    yield Installed(root, wheel, source)


def wheel_modules(wheel: Path) -> list[str]:
    names = [n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".py") and ".dist-info/" not in n]
    modules = [n[: -len(".py")].replace("/", ".").removesuffix(".__init__") for n in names]
    return sorted(m for m in modules if not m.endswith("__main__"))  # a __main__ runs the program


def test_check_wheel_contents(installed: Installed) -> None:
    """The five top-level names and every file of their source trees (pyproject's [tool.check-wheel-contents])."""
    config = installed.source / "pyproject.toml"
    cmd = [sys.executable, "-m", "check_wheel_contents", "--config", str(config), str(installed.wheel)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=installed.source)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith(": OK")
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]
    for data in [
        "scenarios/demo_form.yaml",
        "scenarios/scenario.schema.json",
        "deskpilot/py.typed",
        "scenarios/demo_form.templates/step-001.png",
        "planners/qwen/__init__.py",
        "planners/grounding/__init__.py",
        "deskpilot/pytest_plugin.py",
    ]:
        assert data in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_version_and_help(installed: Installed) -> None:
    assert PYPROJECT_VERSION is not None
    version = PYPROJECT_VERSION.group(1)
    proc = installed.run("deskpilot", "--version")
    assert (proc.returncode, proc.stdout.strip()) == (0, f"deskpilot {version}"), proc.stderr
    proc = installed.run(installed.python, "-c", "import deskpilot; print(deskpilot.__version__, deskpilot.__file__)")
    assert proc.stdout.split()[0] == version
    assert proc.stdout.split()[1].startswith(str(installed.site_packages()))  # the wheel's, not this repo's
    proc = installed.run(installed.python, "-m", "deskpilot", "--help")
    assert proc.returncode == 0, proc.stderr
    for command in ("run", "replay", "record", "demo", "doctor", "report"):
        assert command in proc.stdout


def test_every_module_of_the_wheel_imports(installed: Installed) -> None:
    modules = wheel_modules(installed.wheel)
    assert len(modules) > 60
    script = (
        "import importlib, json, sys\n"
        "failed = {}\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        module = importlib.import_module(name)\n"
        "        assert module.__file__.startswith(sys.argv[1]), module.__file__\n"
        "    except BaseException as exc:\n"
        "        failed[name] = f'{type(exc).__name__}: {exc}'\n"
        "print(json.dumps(failed))\n"
    )
    proc = installed.run(installed.python, "-c", script, str(installed.site_packages()))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {}


def test_doctor(installed: Installed, desktop: VirtualDesktop) -> None:
    proc = installed.run("deskpilot", "doctor", desktop=desktop)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for line in ("[ok  ] input (XTEST)", "[ok  ] recording (RECORD)", "[ok  ] tkinter", "[ok  ] tesseract eng data"):
        assert line in proc.stdout
    # torch is an extra: the wheel alone does not bring it, and doctor says how to get it.
    assert "[warn] backend torch" in proc.stdout and "pip install 'deskpilot[local]'" in proc.stdout


def _app(installed: Installed, desktop: VirtualDesktop, folder: Path, **kwargs: object) -> DemoAppProcess:
    return DemoAppProcess(folder / "state.json", installed.env(desktop), python=installed.python, **kwargs)  # type: ignore[arg-type]


def test_a_plan_on_the_demo_app(installed: Installed, desktop: VirtualDesktop, tmp_path: Path) -> None:
    with _app(installed, desktop, tmp_path) as app:
        count = app.centre("count")
        plan = tmp_path / "plan.json"
        plan.write_text(json.dumps([{"kind": "click", "x": count[0], "y": count[1]}]))
        proc = installed.run("deskpilot", "run", "--plan", str(plan), "--out", "plan-run", "--quiet", desktop=desktop)
        assert proc.returncode == 0, proc.stderr
        assert (proc.stdout, proc.stderr) == ("", "")  # --quiet: nothing but errors
        assert app.wait(lambda s: s["count_clicks"] == 1)["last_click_widget"] == "count"
    assert (installed.elsewhere / "plan-run" / "report.html").is_file()


def test_a_replay_of_the_bundled_scenario(installed: Installed, desktop: VirtualDesktop, tmp_path: Path) -> None:
    bundled = installed.site_packages() / "scenarios"
    folder = installed.elsewhere / "replay"
    folder.mkdir()
    shutil.copy(bundled / "demo_form.yaml", folder)
    shutil.copytree(bundled / "demo_form.templates", folder / "demo_form.templates")
    with _app(installed, desktop, tmp_path, x=420, y=170) as app:
        proc = installed.run("deskpilot", "replay", "demo_form.yaml", "--out", "run", desktop=desktop, cwd=folder)
        assert proc.returncode == 0, proc.stderr
        state = app.wait(lambda s: s["count_clicks"] == 1)
    assert state["submitted"] == {"name": "Ada Lovelace", "email": "ada@example.com", "notes": "", "agree": True}
    assert "deskpilot: replay passed" in proc.stderr
    assert (folder / proc.stdout.strip()).resolve() == (folder / "run" / "report.html").resolve()
    assert (folder / "run" / "report.html").is_file()


def test_a_task_against_the_fake_model_server(installed: Installed, desktop: VirtualDesktop, tmp_path: Path) -> None:
    with _app(installed, desktop, tmp_path) as app:
        x, y = app.centre("count")
        click = {
            "name": "computer_use",
            "arguments": {"action": "left_click", "coordinate": [round(x * 1000 / 1279), round(y * 1000 / 799)]},
        }
        done = {"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}
        answers = [f"<tool_call>{json.dumps(call)}</tool_call>" for call in (click, done)]
        server = subprocess.Popen(
            [
                installed.python,
                "-m",
                "planners.fake_server",
                "--port",
                "0",
                "--answer",
                answers[0],
                "--answer",
                answers[1],
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=installed.env(),
            cwd=installed.elsewhere,
        )
        try:
            assert server.stdout is not None
            url = re.search(r"at (http://\S+)", server.stdout.readline())
            assert url is not None
            proc = installed.run(
                "deskpilot",
                "run",
                "click the Count button",
                "--base-url",
                url.group(1),
                "--model",
                "fake-qwen3-vl",
                "--out",
                "task-run",
                "--max-steps",
                "4",
                desktop=desktop,
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
        assert proc.returncode == 0, proc.stderr
        assert app.wait(lambda s: s["count_clicks"] == 1)["last_click_widget"] == "count"


def test_deskpilot_demo_from_another_folder(installed: Installed) -> None:
    """It starts its own Xvfb, writes under the current folder, and leaves nothing in site-packages."""
    site = installed.site_packages()
    before = {p for p in site.rglob("*") if "__pycache__" not in p.parts}
    proc = installed.run("deskpilot", "demo", timeout_s=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "demo: all 12 actions landed in the app" in proc.stderr
    assert "every step of the scenario found its target again" in proc.stderr
    (run_dir,) = (installed.elsewhere / "runs").iterdir()
    assert (run_dir / "plan-run" / "report.html").is_file() and (run_dir / "replay" / "run" / "report.html").is_file()
    after = {p for p in site.rglob("*") if "__pycache__" not in p.parts}
    assert after == before


def test_the_pytest_plugin_leaves_a_project_with_its_own_agent_alone(installed: Installed, tmp_path: Path) -> None:
    check_project_with_its_own_agent(installed.python, make_project_with_its_own_agent(tmp_path / "project"))
