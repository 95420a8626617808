# ruff: noqa: E501  (the plans stay one run a line or two, as written)
"""Trial 10's runs: each a plan written from the README as a new user would, the app, and how the app says
whether the work was done. ``@WORK@`` is the run's own work folder (/tmp/trial10/work/ID)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # docs/: the trials' shared kit

# isort: split
from trial_kit.plans import (  # noqa: E402
    ENTER,
    SAVE,
    TWENTY,
    Run,
    Truth,
    after_keys,
    click,
    contains,
    exited,
    file_is,
    key,
    never,
    not_there,
    typ,
)


def term(binary: str, title: str) -> list[str]:
    """A terminal started with its own shell (never $SHELL), in the run's folder, a prompt naming that folder;
    the shell titles the window once its first prompt is drawn (PROMPT_COMMAND), which is what is waited for."""
    return [
        "sh", "-c",
        "cd @WORK@ && export LANG=C.UTF-8 LC_ALL=C.UTF-8 PS1='\\u@t10:\\w\\$ ' "
        f"PROMPT_COMMAND='printf \"\\033]0;%s\\007\" {title}' && exec {binary} -e bash --norc --noprofile -i",
    ]  # fmt: skip


GT = ["gnome-text-editor", "-s", "@WORK@/g.txt"]
GTT = r"^g\.txt .*Text Editor$"
GTD = ["gnome-text-editor", "-s"]
GTDT = r"New Document.*Text Editor"
SC = ["scite", "@WORK@/s.txt"]
SCT = r"^s\.txt . SciTE$"
ST = term("stterm", "st-t10")
STT = "^st-t10$"
ML = term("mlterm", "mlterm-t10")
MLT = "^mlterm-t10$"
CAT = "a cat and a cat\n"
OLD = {"g.txt": "old text\n"}
EMPTY_G = {"g.txt": ""}
OLD_S = {"s.txt": "old text\n"}
EMPTY_S = {"s.txt": ""}


def saved_then(title: str, then: Truth) -> Truth:
    """ctrl+s pressed by the driver before reading the file: what the editor holds, not what the plan saved."""
    return after_keys(title, ["ctrl+s"], then)


RUNS: list[Run] = [
    # ---- gnome-text-editor 43 (GTK 4)
    Run("G1", "gnome-text-editor", GT, GTT, [typ("Hello from trial 10\n"), SAVE],
        file_is("g.txt", "Hello from trial 10\n", app_adds_newline=True), files=EMPTY_G, note="type, save"),
    Run("G2", "gnome-text-editor", GT, GTT, [key("ctrl", "a"), typ("replaced\n"), SAVE],
        file_is("g.txt", "replaced\n", app_adds_newline=True), motion=True, files=OLD, note="select all, replace, save"),
    Run("G3", "gnome-text-editor", GT, GTT, [typ("new\n"), SAVE],
        file_is("g.txt", "new\n", app_adds_newline=True), files=OLD, plan_fault="forgot ctrl+a: typed before the old text",
        note="replace the text without selecting"),
    Run("G4", "gnome-text-editor", GT, GTT, [typ("Grüße, 你好 — ok\n"), SAVE],
        file_is("g.txt", "Grüße, 你好 — ok\n", app_adds_newline=True), files=EMPTY_G, note="unicode"),
    Run("G5", "gnome-text-editor", GTD, GTDT,
        [typ("saved as\n"), key("ctrl", "s", expect={"window": "(?i)save"}), key("ctrl", "a"), typ("@WORK@/out.txt"),
         key("enter", expect={"window": r"^out\.txt", "timeout_s": 10})],
        file_is("out.txt", "saved as\n", app_adds_newline=True), motion=True, note="a draft saved through the Save dialog, title as the check"),
    Run("G6", "gnome-text-editor", GT, GTT,
        [typ("alpha beta gamma\n", expect={"text": "beta gamma", "in_window": "Text Editor"}), SAVE],
        file_is("g.txt", "alpha beta gamma\n", app_adds_newline=True), files=EMPTY_G, note="text expectation in_window"),
    Run("G7", "gnome-text-editor", GT, GTT, [typ("x\n"), click({"role": "button", "name": "Save All"})],
        not_there("g.txt"), files=EMPTY_G, note="should fail: no such button"),
    Run("G8", "gnome-text-editor", GT, GTT,
        [key("ctrl", "h"), typ("cat"), click({"role": "field", "name": "Replace"}), typ("dog"),
         click({"role": "button", "name": "Replace All"}), SAVE],
        file_is("g.txt", "a dog and a dog\n", app_adds_newline=True), motion=True, files={"g.txt": CAT}, note="replace bar by role"),
    Run("G9", "gnome-text-editor", GT, GTT, [typ("order 1234\n", expect={"text": "/order \\d{4}/"}), SAVE],
        file_is("g.txt", "order 1234\n", app_adds_newline=True), files=EMPTY_G, note="regex text expectation"),
    Run("G10", "gnome-text-editor", GT, GTT, [typ("Hello\n", expect={"text": "Goodbye"})],
        saved_then(GTT, contains("g.txt", "Goodbye")), motion=True, files=EMPTY_G,
        note="should fail: the plan's deliberate mistake (expects a word never typed)"),
    # ---- SciTE 5.3 (GTK 3, Scintilla)
    Run("S1", "scite", SC, SCT, [typ("Hello from trial 10\n"), SAVE],
        file_is("s.txt", "Hello from trial 10\n"), files=EMPTY_S, note="type, save"),
    Run("S2", "scite", SC, SCT, [key("ctrl", "a"), typ("replaced\n"), key("ctrl", "s", expect={"window": r"^s\.txt - SciTE$"})],
        file_is("s.txt", "replaced\n"), motion=True, files=OLD_S, note="select all, replace, save; the title loses *"),
    Run("S3", "scite", SC, SCT, [typ("menu save\n"), click("File"), click("Save", expect={"window": r"^s\.txt - SciTE$"})],
        file_is("s.txt", "menu save\n"), files=EMPTY_S, note="save by the menu, by text"),
    Run("S4", "scite", SC, SCT,
        [typ("role save\n"), click({"role": "menu item", "name": "File"}), click({"role": "menu item", "name": "Save"})],
        file_is("s.txt", "role save\n"), motion=True, files=EMPTY_S, note="save by the menu, by role"),
    Run("S5", "scite", SC, SCT,
        [key("ctrl", "g", expect={"window": "(?i)go ?to"}), typ("15"), ENTER, typ("X"), SAVE],
        file_is("s.txt", TWENTY.replace("line 15\n", "Xline 15\n")), files={"s.txt": TWENTY}, note="go to line"),
    Run("S6", "scite", SC, SCT,
        [key("ctrl", "h"), typ("cat"), key("tab"), typ("dog"), click("Replace All"), SAVE],
        file_is("s.txt", "a dog and a dog\n"), motion=True, files={"s.txt": CAT}, note="Replace, tab to the second field"),
    Run("S7", "scite", SC, SCT, [typ("Grüße, 你好 — ok\n"), SAVE],
        file_is("s.txt", "Grüße, 你好 — ok\n"), files=EMPTY_S, note="unicode"),
    Run("S8", "scite", SC, SCT, [typ("Total: 42\n", expect={"text": "42", "near": "Total"}), SAVE],
        file_is("s.txt", "Total: 42\n"), motion=True, files=EMPTY_S, note="text near a label"),
    Run("S9", "scite", SC, SCT,
        [typ("never saved\n"), key("ctrl", "shift", "s", expect={"window": "(?i)save"}), key("ctrl", "a"),
         typ("/nonexistent/dir/out.txt"), key("enter", expect={"window": r"^out\.txt", "timeout_s": 10})],
        lambda env, work, proc, sh: (False, f"exists={Path('/nonexistent/dir/out.txt').exists()}"),
        note="should fail: Save As into a folder that does not exist"),
    Run("S10", "scite", SC, SCT, [typ("abc\n", expect={"text": "abc", "exact": True}), SAVE],
        file_is("s.txt", "abc\n"), files=EMPTY_S, note="exact line"),
    # ---- st 0.9 (stterm: Xlib, no tree)
    Run("T1", "stterm", ST, STT, [typ("echo T1-OK | tee out.txt\n", expect={"text": "/^T1-OK$/"})],
        file_is("out.txt", "T1-OK\n"), note="command, anchored output"),
    Run("T2", "stterm", ST, STT, [typ("echo $((6*7)) > n.txt; cat n.txt\n", expect={"text": "/^42$/"})],
        file_is("n.txt", "42\n"), motion=True, note="computed output"),
    Run("T3", "stterm", ST, STT, [typ("false && echo T3-DONE | tee out.txt\n", expect={"text": "T3-DONE"})],
        not_there("out.txt"), note="should fail: the command fails, its own line holds the word"),
    Run("T4", "stterm", ST, STT, [typ("echo 'Grüße' > u.txt\n")],
        file_is("u.txt", "Grüße\n"), motion=True, note="unicode through the terminal's paste"),
    Run("T5", "stterm", ST, STT, [typ("exit\n", expect={"no_window": "^st-t10$"})],
        exited(), note="exit closes the window"),
    Run("T6", "stterm", ST, STT, [typ("false\n", expect={"text": "T6"})],
        never("false prints nothing; 'T6' is the prompt's folder"), motion=True,
        note="should fail: the prompt drawn again names the folder"),
    Run("T7", "stterm", ST, STT, [typ("sleep 2; echo LATE | tee late.txt\n", expect={"text": "LATE", "timeout_s": 10})],
        file_is("late.txt", "LATE\n"), note="output 2 s later"),
    Run("T8", "stterm", ST, STT, [typ("ls /nonexistent; echo rc=$? > rc.txt\n", expect={"text": "No such file"})],
        file_is("rc.txt", "rc=2\n"), motion=True, note="error output expected"),
    Run("T9", "stterm", ST, STT,
        [typ("sleep 100\n", expect="none"), key("ctrl", "c"), typ("echo after > a.txt\n")],
        file_is("a.txt", "after\n"), note="interrupt with ctrl+c, then another command"),
    # ---- mlterm 3.9 (own toolkit, no tree)
    Run("L1", "mlterm", ML, MLT, [typ("echo L1-OK | tee out.txt\n", expect={"text": "/^L1-OK$/"})],
        file_is("out.txt", "L1-OK\n"), motion=True, note="command, anchored output"),
    Run("L2", "mlterm", ML, MLT, [typ("echo $((6*7)) > n.txt; cat n.txt\n", expect={"text": "/^42$/"})],
        file_is("n.txt", "42\n"), note="computed output"),
    Run("L3", "mlterm", ML, MLT, [typ("false && echo L3-DONE | tee out.txt\n", expect={"text": "L3-DONE"})],
        not_there("out.txt"), motion=True, note="should fail: the command fails, its own line holds the word"),
    Run("L4", "mlterm", ML, MLT, [typ("echo 'Grüße' > u.txt\n")],
        file_is("u.txt", "Grüße\n"), note="unicode through the terminal's paste"),
    Run("L5", "mlterm", ML, MLT, [typ("exit\n", expect={"no_window": "^mlterm-t10$"})],
        exited(), note="exit closes the window"),
    Run("L6", "mlterm", ML, MLT, [typ("cat nosuch.txt | tee out.txt\n", expect={"text": "L6"})],
        not_there("out.txt"), motion=True, note="should fail: the word is only in the prompt's folder name"),
    Run("L7", "mlterm", ML, MLT, [typ("printf 'a\\nb\\n' > two.txt\n"), typ("wc -l < two.txt\n", expect={"text": "/^2$/"})],
        file_is("two.txt", "a\nb\n"), note="two commands, a one-digit output"),
    Run("L8", "mlterm", ML, MLT, [typ("echo DONE-$((6*7)) | tee out.txt\n", expect={"text": "DONE-42", "exact": True})],
        file_is("out.txt", "DONE-42\n"), note="exact output line"),
]  # fmt: skip


def again(rid: str, new_id: str, batch: int, motion: bool | None = None) -> Run:
    base = next(r for r in RUNS if r.id == rid)
    return Run(new_id, base.app, base.cmd, base.title, base.plan, base.truth,
               motion=base.motion if motion is None else motion, files=base.files, batch=batch,
               plan_fault=base.plan_fault, note=f"{rid} again" if new_id != rid else base.note)  # fmt: skip


# batch 2: follow-ups of batch 1 (plans a new user would write next, after reading the failure)
RUNS += [
    Run("T8b", "stterm", ST, STT, [typ("ls /nosuchdir; echo rc=$? > rc.txt\n", expect={"text": "No such file"})],
        file_is("rc.txt", "rc=2\n"), batch=2, note="T8 with a folder that does not exist here (/nonexistent does)"),
    Run("S7b", "scite", SC, SCT, [typ("Grüße, 你好 — ok\n"), SAVE],
        saved_then(SCT, file_is("s.txt", "Grüße, 你好 — ok\n")), motion=True, files=EMPTY_S, batch=2,
        note="S7 again, the truth read after the driver saves: what SciTE's buffer holds"),
    Run("G6b", "gnome-text-editor", GT, GTT,
        [typ("alpha beta gamma", expect={"text": "beta gamma", "in_window": "Text Editor"}), SAVE],
        file_is("g.txt", "alpha beta gamma", app_adds_newline=True), files=EMPTY_G, batch=2,
        note="G6 without the newline (the echo rule is for submitted lines)"),
    Run("G8b", "gnome-text-editor", GT, GTT,
        [key("ctrl", "h"), typ("cat"), key("tab"), typ("dog"), click("Replace All"), SAVE],
        file_is("g.txt", "a dog and a dog\n", app_adds_newline=True), motion=True, files={"g.txt": CAT}, batch=2,
        note="replace bar by keys and the button's text"),
    Run("G11", "gnome-text-editor", GT, GTT,
        [typ("never saved\n"), key("ctrl", "shift", "s", expect={"window": "(?i)save"}), key("ctrl", "a"),
         typ("/nonexistent/dir/out.txt"), key("enter", expect={"window": r"^out\.txt", "timeout_s": 10})],
        lambda env, work, proc, sh: (False, f"exists={Path('/nonexistent/dir/out.txt').exists()}"), files=EMPTY_G,
        batch=2, note="should fail: Save As into a folder that does not exist"),
    Run("S4b", "scite", SC, SCT,
        [typ("role save\n"), click({"role": "menu", "name": "File"}), click({"role": "menu item", "name": "Save"})],
        file_is("s.txt", "role save\n"), files=EMPTY_S, batch=2, note="S4 with the menu bar's role 'menu'"),
    Run("L8b", "mlterm", ML, MLT, [typ("echo DONE-$((6*7)) | tee out.txt\n", expect={"text": "DONE-42"})],
        file_is("out.txt", "DONE-42\n"), motion=True, batch=2, note="L8 in the default mode (o matches 0)"),
    Run("T10", "stterm", ST, STT, [typ("echo DONE-$((6*7)) | tee out.txt\n", expect={"text": "DONE-42", "exact": True})],
        file_is("out.txt", "DONE-42\n"), batch=2, note="exact output line in st"),
    Run("L9", "mlterm", ML, MLT,
        [typ("sleep 100\n", expect="none"), key("ctrl", "c"), typ("echo after > a.txt\n")],
        file_is("a.txt", "after\n"), motion=True, batch=2, note="interrupt with ctrl+c, then another command"),
]  # fmt: skip

# batch 3: minimal reproductions of the Deskpilot-caused false results, each run three times
REPROS = [
    Run("X1", "stterm", ST, STT, [typ("false\n", expect={"text": "X1"})],
        never("false prints nothing; 'X1' is only in the prompt's folder"), batch=3,
        note="repro: the prompt naming the folder meets a text check (st)"),
    Run("X2", "mlterm", ML, MLT, [typ("false\n", expect={"text": "X2"})],
        never("false prints nothing; 'X2' is only in the prompt's folder"), batch=3,
        note="repro: the prompt naming the folder meets a text check (mlterm)"),
    Run("X3", "mlterm", ML, MLT, [typ("echo X3-OK | tee out.txt\n", expect={"text": "/^X3-OK$/"})],
        file_is("out.txt", "X3-OK\n"), batch=3, note="repro: mlterm's O read as 0; a regex forgives nothing"),
]  # fmt: skip
RUNS += REPROS
RUNS += [again(r.id, f"{r.id}-{n}", 3) for r in REPROS for n in (2, 3)]

# batch 4: each Deskpilot-caused false result of batch 1 rerun three times, as it was
RUNS += [again(rid, f"{rid}-{n}", 4) for rid in ("T6", "L6", "L1", "L8") for n in (2, 3, 4)]

# batch 5: T6 without the animation (X1, the same plan in a folder named X1, was honest 3 of 3 without it)
RUNS += [again("T6", f"T6n-{n}", 5, motion=False) for n in (1, 2, 3)]
