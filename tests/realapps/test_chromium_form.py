"""Chromium with a local form page: typed unicode arrives exactly, and the page posts it on submit."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from scenarios.realapps.apps import chromium_binary, chromium_command, running_app
from scenarios.realapps.form_server import FormServer
from tests.realapps.conftest import explain, run_plan

# The unicode strings of tests/desktop/test_unicode_typing.py, plus the one Chromium used to lose.
NAME = "Zoë Müller <zm@x.io>"
NOTES = "Grüße, café ✓\n你好，世界\n<tag> & 100%\na<b>é z ~`!@#$%^&*()_+-={}[]|\\:;\"',./?"


@pytest.fixture
def form(desktop):
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium; `make deps` installs it)")
    with FormServer() as server, tempfile.TemporaryDirectory(prefix="deskpilot-chromium-") as profile:
        cmd = chromium_command(binary, server.url, Path(profile))
        with running_app(cmd, desktop.env(), r"^deskpilot form$") as window:
            assert server.wait(lambda s: "rects" in s.state, timeout_s=30), "the page never posted its state"
            yield server, window


def centre(server: FormServer, window, control: str) -> dict[str, int]:
    x, y, width, height = server.state["rects"][control]
    return {"x": window.left + x + width // 2, "y": window.top + y + height // 2}


def test_typed_unicode_arrives_exactly_in_the_input_and_the_textarea(desktop, form, tmp_path) -> None:
    server, window = form
    plan = [
        {"kind": "click", **centre(server, window, "name")},
        {"kind": "type", "text": NAME},
        {"kind": "click", **centre(server, window, "notes")},
        {"kind": "type", "text": NOTES},
        {"kind": "click", **centre(server, window, "submit")},
    ]
    proc = run_plan(plan, desktop.env(), tmp_path)
    assert server.wait(lambda s: bool(s.submits), timeout_s=10), explain(proc, tmp_path)
    received = server.submits[-1]
    assert (received["name"], received["notes"]) == (NAME, NOTES)
    assert proc.returncode == 0, explain(proc, tmp_path)
