"""Identity beyond Chromium: a GTK form (``yad --form``) and a Qt 5 form (PyQt5) recorded plain with
``deskpilot run --plan ... --save-scenario``, then replayed with ``deskpilot replay`` on the re-ordered form.

What each replay got right is what the app itself says it holds: the values yad printed when Submit
closed it (in its fields' order), the Qt form's own JSON lines. The grounding records say how: the anchor's
template matched the look-alike field now where Name was (City) and was refused, the tree rung found Name
by its identity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.desktop.xserver import VirtualDesktop
from scenarios.realapps.forms import FormApp, deskpilot, forms, qt_python, record_plain
from tests.realapps.conftest import require

FILLED = {"name": "Ada", "city": "Paris"}


def form(row: str) -> FormApp:
    return next(f for f in forms() if f.row.startswith(row))


def replay(env: dict[str, str], flow: Path, out: Path) -> tuple[Any, list[dict[str, Any]]]:
    proc = deskpilot(env, "replay", str(flow), "--out", str(out))
    steps_file = out / "steps.jsonl"
    records = [json.loads(line) for line in steps_file.read_text().splitlines()] if steps_file.exists() else []
    return proc, [g for r in records for g in (r.get("grounding") or [])]


def assert_name_found_by_identity_after_its_anchor_was_refused(grounding: list[dict[str, Any]]) -> None:
    name = grounding[0]
    anchor, last = name["tried"][0], name["tried"][-1]
    assert anchor["rung"] == "anchor" and not anchor["ok"], name
    assert "refused" in anchor["why"] and called(anchor["element"]) == "City", anchor
    assert last["rung"] == "tree" and last["ok"] and called(last["element"]) == "Name", name


def called(element: dict[str, Any]) -> str:
    """What the tree calls an element: its name (Qt names a field after its buddy label), else its label (GTK)."""
    return str(element.get("name") or element.get("label") or "")


@pytest.fixture(scope="module")
def yad_flow(desktop: VirtualDesktop, tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("yad", "yad")
    return record_plain(form("GTK"), desktop.env(), tmp_path_factory.mktemp("yad-form"))


@pytest.fixture(scope="module")
def qt_flow(desktop: VirtualDesktop, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if qt_python() is None:
        pytest.skip("no Python with PyQt5 (Debian: apt-get install python3-pyqt5; `make deps` installs it)")
    return record_plain(form("Qt"), desktop.env(), tmp_path_factory.mktemp("qt-form"))


def replay_filled(env: dict[str, str], row: str, drift: Any, flow: Path, out: Path) -> list[dict[str, Any]]:
    """Replay ``flow`` on the ``row`` form under ``drift``; the app must hold each value in its own field and
    have been submitted (its own output), the replay must pass. Returns each pointer step's grounding."""
    with form(row).open(env, drift) as read:
        proc, grounding = replay(env, flow, out)
        outcome = read(10.0)
    assert outcome.submitted and outcome.values == FILLED, (outcome, proc.stderr[-1500:], grounding)
    assert proc.returncode == 0, proc.stderr[-1500:]
    return grounding


def test_a_gtk_form_with_its_fields_swapped_gets_each_value_in_its_own_field(
    desktop, yad_flow, clock, tmp_path
) -> None:
    # yad printed "Paris|Ada|" (City is its first field now): the values the fields got, by their labels.
    grounding = replay_filled(desktop.env(), "GTK", "re-ordered fields", yad_flow, tmp_path / "run")
    assert_name_found_by_identity_after_its_anchor_was_refused(grounding)


def test_a_scripted_plans_saved_scenario_describes_targets_without_the_scripts_log_lines(yad_flow) -> None:
    # A scripted plan's "thought" is its own log line ("scripted action 1 of 5; found by tree"): only a
    # model's words may become a target's description (for people and the VLM rung).
    targets = [step["target"] for step in yaml.safe_load(yad_flow.read_text())["steps"] if step.get("target")]
    assert targets and not any("scripted action" in target.get("description", "") for target in targets), targets


def test_a_qt_form_with_its_fields_swapped_gets_each_value_in_its_own_field(desktop, qt_flow, clock, tmp_path) -> None:
    grounding = replay_filled(desktop.env(), "Qt", "re-ordered fields", qt_flow, tmp_path / "run")
    assert_name_found_by_identity_after_its_anchor_was_refused(grounding)


def test_a_qt_form_at_150_percent_with_its_fields_swapped_is_filled_right(desktop, qt_flow, clock, tmp_path) -> None:
    """QT_SCALE_FACTOR=1.5: Qt 5 publishes its boxes unscaled (two thirds of the screen's), so the element
    under a screen point must be looked up in the tree put back into screen points (without that, no element
    lay under the anchor's match to confirm or refuse it, and this replay stopped at its first click)."""
    drift = ("re-ordered fields", "150% zoom")
    grounding = replay_filled(desktop.env(), "Qt", drift, qt_flow, tmp_path / "run")
    for found, wanted in ((grounding[0], "Name"), (grounding[1], "City")):
        last = found["tried"][-1]
        assert last["ok"] and last["element"]["name"] == wanted, found
        # The tree's box for the field is in screen points now: the point acted on lies inside it.
        x, y, width, height = last["element"]["box"]
        assert x <= last["point"][0] < x + width and y <= last["point"][1] < y + height, last


def test_a_gtk_form_at_gdk_scale_2_with_its_fields_swapped_is_filled_right(desktop, yad_flow, clock, tmp_path) -> None:
    """GDK_SCALE=2: GTK 3 publishes its boxes at half the screen's, its frame with the title bar around the
    window. Unscaled, the anchor's match on City (where Name was, and focused) had no element under it to
    refuse: the replay clicked City for Name."""
    drift = ("re-ordered fields", "200% zoom")
    grounding = replay_filled(desktop.env(), "GTK", drift, yad_flow, tmp_path / "run")
    assert_name_found_by_identity_after_its_anchor_was_refused(grounding)
    assert grounding[0]["tried"][-1]["element"]["box"][2] > 400, grounding[0]  # 2 x its 272 unscaled points


def test_a_renamed_field_is_not_found_rather_than_clicked_on_a_neighbour(desktop, yad_flow, clock, tmp_path) -> None:
    """City is labelled "Town" now. The recording read no label beside the City field and named it by the text
    nearest to it, the Submit button below; nothing may click Submit for it (yad would print "Ada||")."""
    with form("GTK").open(desktop.env(), "City renamed") as read:
        proc, grounding = replay(desktop.env(), yad_flow, tmp_path / "run")
        outcome = read(5.0)
    assert not outcome.submitted and outcome.values == {"name": "Ada", "city": ""}, (outcome, grounding)
    assert proc.returncode == 1 and "step 3" in proc.stderr, proc.stderr[-1500:]
    # Every rung that found a place for City (the anchor, the template, the label by OCR) was refused there:
    # the tree says the field there is Town.
    city = grounding[-1]["tried"]
    assert not any(t["ok"] for t in city), city
    matched = [t for t in city if "matched at" in t["why"]]
    assert matched and all("'Town' is there" in t["why"] and "refused" in t["why"] for t in matched), city
