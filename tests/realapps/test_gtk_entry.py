"""A GTK3 entry (zenity --entry): typed unicode arrives exactly in a dialog that has just opened.

The plan starts as soon as the dialog is mapped: waiting until it is ready is the agent's job. zenity
prints the entry's text when Return accepts the dialog; that is the app's own copy of what arrived.
"""

from __future__ import annotations

from typing import Any

import pytest

from scenarios.realapps.apps import ENTRY_TITLE, zenity_entry
from scenarios.typing_strings import TYPING_STRINGS
from tests.realapps.conftest import explain, require, run_plan, steps

STRINGS = TYPING_STRINGS


@pytest.mark.parametrize("text", STRINGS)
def test_zenity_entry_prints_exactly_what_was_typed(desktop, clock, tmp_path, text: str) -> None:
    require("zenity", "zenity")
    # A single-line entry: a tab moves the focus (to a button, where a space would press it).
    field_text = text.split("\t")[0]
    with zenity_entry(desktop.env()) as entry:
        plan: list[dict[str, Any]] = [
            {"kind": "type", "text": field_text},
            {"kind": "key", "keys": ["enter"], "expect": {"no_window": f"^{ENTRY_TITLE}$", "timeout_s": 5}},
        ]
        proc = run_plan(plan, desktop.env(), tmp_path)
        printed = entry.answer(timeout_s=5)
    assert printed == field_text, explain(proc, tmp_path)
    # The entry's text is read back from GTK's tree: the step passes by what the field holds, not its pixels.
    assert [s.get("verdict") for s in steps(tmp_path)] == ["read_back", "met"], explain(proc, tmp_path)
    assert proc.returncode == 0, explain(proc, tmp_path)
