"""Trial 8's runs: each a plan written from the README as a new user would, the app, and how the app says
whether the work was done. ``@WORK@`` is the run's own work folder (/tmp/trial8/work/ID)."""

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
    after_keys,
    click,
    clip_is,
    clip_reset,
    clip_result,
    exited,
    file_is,
    key,
    printed,
    typ,
)

FP = ["featherpad", "@WORK@/notes.txt"]
PL = ["pluma", "@WORK@/p.txt"]
GE = ["geany", "-i", "-c", "@WORK@/cfg", "@WORK@/g.txt"]
QA = ["qalculate-gtk"]
GC = ["gnome-calculator"]
QT = ["qterminal", "-w", "@WORK@"]
XF = ["xfontsel", "-print"]

RUNS: list[Run] = [
    # ---- featherpad (Qt 5)
    Run("F1", "featherpad", FP, "notes.txt", [typ("Hello from trial 8\n"), SAVE],
        file_is("notes.txt", "Hello from trial 8\n"), files={"notes.txt": ""}, note="type, save"),
    Run("F2", "featherpad", FP, "notes.txt",
        [click({"role": "field"}), typ("Grüße, 你好 — ok"), key("ctrl", "s", expect={"no_window": r"^\*"})],
        file_is("notes.txt", "Grüße, 你好 — ok"), motion=True, files={"notes.txt": ""}, note="unicode, save"),
    Run("F3", "featherpad", ["featherpad"], "FeatherPad|Untitled",
        [typ("saved as\n"), key("ctrl", "s", expect={"window": "Save"}), typ("@WORK@/out.txt"),
         key("enter", expect={"no_window": "Save", "timeout_s": 10})],
        file_is("out.txt", "saved as\n"), note="Save As dialog"),
    Run("F4", "featherpad", ["featherpad"], "FeatherPad|Untitled",
        [typ("never saved\n"), key("ctrl", "s", expect={"window": "Save"}), typ("/nonexistent/dir/out.txt"),
         key("enter", expect={"no_window": "Save", "timeout_s": 10})],
        lambda env, work, proc, sh: (False, f"exists={Path('/nonexistent/dir/out.txt').exists()}"),
        motion=True, note="should fail: Save As into a folder that does not exist"),
    Run("F5", "featherpad", FP, "notes.txt", [key("ctrl", "a"), typ("replaced\n"), SAVE],
        file_is("notes.txt", "replaced\n"), files={"notes.txt": "old text\n"}, note="select all, replace, save"),
    Run("F6", "featherpad", FP, "notes.txt", [typ("new\n"), SAVE],
        file_is("notes.txt", "new\n"), motion=True, files={"notes.txt": "old text\n"},
        plan_fault="forgot ctrl+a: typed before the old text", note="replace file's text without selecting"),
    Run("F7", "featherpad", FP, "notes.txt",
        [key("ctrl", "l"), typ("fifteen"), ENTER, typ("X"), SAVE],
        file_is("notes.txt", TWENTY.replace("line 15\n", "Xline 15\n")), files={"notes.txt": TWENTY},
        note="should fail: a spin box (Go to line) does not take letters"),
    # ---- pluma (GTK 3)
    Run("P1", "pluma", PL, "Pluma", [typ("pluma says hi\n"), key("ctrl", "s", expect={"no_window": r"^\*"})],
        file_is("p.txt", "pluma says hi\n", app_adds_newline=True), files={"p.txt": ""},
        note="type, save, title loses *"),
    Run("P2", "pluma", PL, "Pluma",
        [typ("menu save\n"), click("File"), click({"role": "menu item", "name": "Save"})],
        file_is("p.txt", "menu save\n", app_adds_newline=True), motion=True, files={"p.txt": ""},
        note="save by the menu"),
    Run("P3", "pluma", PL, "Pluma",
        [typ("unsaved\n"), key("ctrl", "q", expect={"no_window": "Pluma$", "timeout_s": 5})],
        exited(), files={"p.txt": ""}, note="should fail: quit blocked by 'Save changes?'"),
    Run("P4", "pluma", PL, "Pluma",
        [key("ctrl", "h", expect={"window": "Replace"}), click({"role": "field", "name": "Search for"}),
         typ("cat"), click({"role": "field", "name": "Replace with"}), typ("dog"), click("Replace All"),
         click("Close"), SAVE],
        file_is("p.txt", "a dog and a dog\n", app_adds_newline=True), motion=True, files={"p.txt": "a cat and a cat\n"},
        note="Replace dialog"),
    Run("P5", "pluma", PL, "Pluma", [typ("x\n"), click({"role": "button", "name": "Save All"})],
        file_is("p.txt", "x\n", app_adds_newline=True), files={"p.txt": ""}, note="should fail: no such button"),
    # ---- geany (GTK 3 + Scintilla)
    Run("G1", "geany", GE, "Geany", [typ("geany line\n"), SAVE],
        file_is("g.txt", "geany line\n"), files={"g.txt": ""}, note="type, save"),
    Run("G2", "geany", GE, "Geany", [typ("naïve café — 你好\n"), key("ctrl", "s", expect={"no_window": r"^\*"})],
        file_is("g.txt", "naïve café — 你好\n"), motion=True, files={"g.txt": ""}, note="unicode, save"),
    Run("G3", "geany", GE, "Geany",
        [key("ctrl", "h", expect={"window": "Replace"}), typ("cat"), click({"role": "field", "name": "Replace with"}),
         typ("dog"), click("In Document"), key("escape"), SAVE],
        file_is("g.txt", "a dog and a dog\n"), files={"g.txt": "a cat and a cat\n"}, note="Replace dialog"),
    Run("G4", "geany", GE, "Geany",
        [key("ctrl", "l", expect={"window": "Go to Line"}), typ("fifteen"), ENTER, typ("X"), SAVE],
        file_is("g.txt", TWENTY.replace("line 15\n", "Xline 15\n")), motion=True, files={"g.txt": TWENTY},
        note="go to line typed in words"),
    # ---- qalculate-gtk (GTK 3)
    Run("Q1", "qalculate", QA, "^Qalculate!$", [typ("6*7"), key("enter", expect={"text": "42"})],
        clip_result("^Qalculate!$", ["ctrl", "alt", "c"], "42"), note="type, enter"),
    Run("Q2", "qalculate", QA, "^Qalculate!$", [click("7"), click("×"), click("8"), click("=")],
        clip_result("^Qalculate!$", ["ctrl", "alt", "c"], "56"), motion=True, note="keypad by text"),
    Run("Q3", "qalculate", QA, "^Qalculate!$", [typ("sqrt(16) + 2^3"), key("enter", expect={"text": "12"})],
        clip_result("^Qalculate!$", ["ctrl", "alt", "c"], "12"), note="functions"),
    Run("Q4", "qalculate", QA, "^Qalculate!$", [typ("6*7"), click("Calculate")],
        clip_result("^Qalculate!$", ["ctrl", "alt", "c"], "42"), motion=True,
        note="should fail: no Calculate button"),
    Run("Q5", "qalculate", QA, "^Qalculate!$",
        [click({"role": "button", "name": "9"}), click({"role": "button", "name": "×"}),
         click({"role": "button", "name": "9"}), click({"role": "button", "name": "="}, expect={"text": "81"})],
        clip_result("^Qalculate!$", ["ctrl", "alt", "c"], "81"), note="keypad by role"),
    # ---- gnome-calculator (GTK 4)
    Run("C1", "gnome-calculator", GC, "^Calculator$", [click("7"), click("×"), click("8"), click("=")],
        clip_result("^Calculator$", ["ctrl", "c"], "56"), note="keypad by text"),
    Run("C2", "gnome-calculator", GC, "^Calculator$", [typ("12+30"), key("enter", expect={"text": "42"})],
        clip_result("^Calculator$", ["ctrl", "c"], "42"), motion=True, note="type, enter"),
    Run("C3", "gnome-calculator", GC, "^Calculator$",
        [click({"role": "button", "name": "9"}), click({"role": "button", "name": "×"}),
         click({"role": "button", "name": "9"}), click({"role": "button", "name": "="})],
        clip_result("^Calculator$", ["ctrl", "c"], "81"), note="keypad by role"),
    Run("C4", "gnome-calculator", GC, "^Calculator$", [typ("2+2"), click("Calculate")],
        clip_result("^Calculator$", ["ctrl", "c"], "4"), motion=True, note="should fail: no Calculate button"),
    Run("C5", "gnome-calculator", GC, "^Calculator$",
        [typ("2^10"), key("enter", expect={"text": "1024", "region": [462, 216, 355, 190]})],
        clip_result("^Calculator$", ["ctrl", "c"], "1024"), note="display region"),
    # ---- qterminal (Qt 5)
    Run("T1", "qterminal", QT, "^Shell No", [typ("echo trial8-ok > @WORK@/out.txt\n")],
        file_is("out.txt", "trial8-ok\n"), note="a command"),
    Run("T2", "qterminal", QT, "^Shell No", [typ("printf 'Grüße — ok' > @WORK@/out.txt\n")],
        file_is("out.txt", "Grüße — ok"), motion=True, note="unicode through the paste chord"),
    Run("T3", "qterminal", QT, "^Shell No",
        [typ("echo DONE-T3; echo hi > @WORK@/out.txt"), key("enter", expect={"text": "DONE-T3"})],
        file_is("out.txt", "hi\n"), note="enter, expect output"),
    # ---- xfontsel (Athena, no tree)
    Run("X1", "xfontsel", XF, "^xfontsel$", [click("wght"), click("bold"), click("quit")],
        printed(lambda s: "-bold-" in s), note="pick weight bold, quit"),
    Run("X2", "xfontsel", XF, "^xfontsel$", [click("fmly"), click("Comic Sans"), click("quit")],
        printed(lambda s: "comic" in s.lower()), motion=True, note="should fail: no such family"),
    Run("X3", "xfontsel", XF, "^xfontsel$", [click("slant"), click("i"), click("quit")],
        printed(lambda s: "-i-" in s), note="pick slant i, quit"),
]  # fmt: skip


REPLACE_FIELDS = [click({"role": "field", "name": "Search for"}), typ("cat"),
                  click({"role": "field", "name": "Replace with"}), typ("dog")]  # fmt: skip

RUNS += [
    Run("P6", "pluma", PL, "Pluma",
        [key("ctrl", "h", expect={"window": "Replace"}), *REPLACE_FIELDS, click("Replace All")],
        after_keys(r"p\.txt", ["Escape", "ctrl+s"], file_is("p.txt", "a dog and a dog\n", app_adds_newline=True)),
        batch=2, files={"p.txt": "a cat and a cat\n"}, note="Replace All as the last step (truth: saved by us after)"),
    Run("P7", "pluma", PL, "Pluma",
        [key("ctrl", "h", expect={"window": "Replace"}), *REPLACE_FIELDS,
         click("Replace All", expect={"text": "replaced", "in_window": "Pluma$"}), click("Close"), SAVE],
        file_is("p.txt", "a dog and a dog\n", app_adds_newline=True), motion=True, batch=2,
        files={"p.txt": "a cat and a cat\n"}, note="Replace All scoped to the main window's status bar"),
    Run("Q6", "qalculate", QA, "^Qalculate!$", [typ("6*7")],
        after_keys("^Qalculate!$", ["ctrl+a"], clip_reset(after_keys("^Qalculate!$", ["ctrl+c"], clip_is("6×7")))),
        batch=2, note="the expression typed, last step (truth: the entry's text copied by us)"),
    Run("Q7", "qalculate", QA, "^Qalculate!$", [typ("6×7"), key("enter", expect={"text": "42"})],
        clip_result("^Qalculate!$", ["ctrl", "alt", "c"], "42"), motion=True, batch=2, note="typed with the × sign"),
    Run("Q8", "qalculate", QA, "^Qalculate!$", [typ("6*7\n", expect={"text": "42"})],
        clip_result("^Qalculate!$", ["ctrl", "alt", "c"], "42"), batch=2, note="typed with a newline, expect 42"),
    Run("F8", "featherpad", ["featherpad"], "FeatherPad|Untitled",
        [typ("never saved\n"), key("ctrl", "s", expect={"window": "Save"}), typ("/nonexistent/dir/out.txt"),
         key("enter", expect={"window": r"out\.txt", "timeout_s": 10})],
        lambda env, work, proc, sh: (False, f"exists={Path('/nonexistent/dir/out.txt').exists()}"),
        motion=True, batch=2, note="F4 with the title as the check: should fail"),
    Run("G5", "geany", GE, "Geany",
        [key("ctrl", "h", expect={"window": "Replace"}), typ("cat"), click({"role": "field", "name": "Replace with"}),
         typ("dog"), click("Replace All"), click("In Document"), SAVE],
        file_is("g.txt", "a dog and a dog\n"), batch=2, files={"g.txt": "a cat and a cat\n"},
        note="Replace All expander, then In Document"),
]  # fmt: skip

TEE = "test -d /nonexistent && echo T-DONE | tee @WORK@/out.txt"
RUNS += [
    Run("T4", "qterminal", QT, "^Shell No", [typ(TEE + "\n", expect={"text": "T-DONE"})],
        file_is("out.txt", "T-DONE\n"), batch=2, note="should fail: the command fails, its own line holds the word"),
    Run("T5", "qterminal", QT, "^Shell No", [typ(TEE), key("enter", expect={"text": "T-DONE"})],
        file_is("out.txt", "T-DONE\n"), motion=True, batch=2, note="should fail: the same with Enter apart"),
    Run("X4", "xfontsel", XF, "^xfontsel$", [click("quit", expect={"no_window": "^xfontsel$"})],
        printed(lambda s: s.startswith("-")), batch=2, note="quit by its button"),
]  # fmt: skip

RUNS += [
    Run("F8r", "featherpad", ["featherpad"], "FeatherPad|Untitled",
        [typ("never saved\n"), key("ctrl", "s", expect={"window": "Save"}), typ("/nonexistent/dir/out.txt"),
         key("enter", expect={"window": r"out\.txt", "timeout_s": 10})],
        lambda env, work, proc, sh: (False, f"exists={Path('/nonexistent/dir/out.txt').exists()}"),
        motion=True, batch=3, note="F8 again, the app focused (driver fixed)"),
    Run("T5r", "qterminal", QT, "^Shell No", [typ(TEE), key("enter", expect={"text": "T-DONE"})],
        file_is("out.txt", "T-DONE\n"), motion=True, batch=3, note="T5 again, the app focused (driver fixed)"),
    Run("T6", "qterminal", QT, "^Shell No", [typ("false && echo T6-DONE\n", expect={"text": "T6-DONE"})],
        lambda env, work, proc, sh: (False, "false && ... never echoes"), batch=3,
        note="should fail: short command, no wrap; its own line holds the word"),
    Run("T7", "qterminal", QT, "^Shell No",
        [typ("true && echo T7-DONE | tee @WORK@/out.txt\n", expect={"text": "/^T7-DONE$/"})],
        file_is("out.txt", "T7-DONE\n"), motion=True, batch=3, note="the output as a whole line (anchored regex)"),
    Run("T8", "qterminal", QT, "^Shell No", [typ("false && echo T8-DONE\n", expect={"text": "/^T8-DONE$/"})],
        lambda env, work, proc, sh: (False, "false && ... never echoes"), batch=3,
        note="should fail: anchored regex, the command fails"),
    Run("G6", "geany", GE, "Geany",
        [key("ctrl", "h", expect={"window": "Replace"}), typ("cat"), click({"role": "field", "name": "Replace with"}),
         typ("dog"), click({"text": "Replace All"}), SAVE],
        file_is("g.txt", "a dog and a dog\n"), motion=True, batch=3, files={"g.txt": "a cat and a cat\n"},
        note="should fail: the expander opens, nothing replaced"),
    Run("C6", "gnome-calculator", GC, "^Calculator$", [typ("6*7"), key("enter", expect={"text": "42"})],
        clip_result("^Calculator$", ["ctrl", "c"], "42"), batch=3, note="type with *, enter"),
    Run("P8", "pluma", PL, "Pluma", [typ("abc\n"), key("ctrl", "s", expect={"window": r"^p\.txt"})],
        file_is("p.txt", "abc\n", app_adds_newline=True), motion=True, batch=3, files={"p.txt": ""},
        note="save checked by the title"),
]  # fmt: skip


def again(rid: str, new_id: str, motion: bool) -> Run:
    """A run of an earlier plan once more (batch 4: is it repeatable, with and without the animation)."""
    base = next(r for r in RUNS if r.id == rid)
    return Run(
        new_id,
        base.app,
        base.cmd,
        base.title,
        base.plan,
        base.truth,
        motion=motion,
        files=base.files,
        batch=4,
        plan_fault=base.plan_fault,
        note=f"{rid} again",
    )


RUNS += [
    again("P6", "P6b", True),
    again("Q6", "Q6b", True),
    again("T6", "T6b", True),
    again("T4", "T4b", True),
    again("F4", "F4b", False),
]

# batch 5: the minimal reproductions handed to the lead, each run once more as written there
RUNS += [
    Run("R1", "qterminal", QT, "^Shell No", [typ("false && echo R1-DONE\n", expect={"text": "R1-DONE"})],
        lambda env, work, proc, sh: (False, "false && ... never echoes"), batch=5,
        note="repro: a type's text expectation met by the typed command's own echo"),
    Run("R2", "pluma", PL, "Pluma", [key("ctrl", "h", expect={"window": "Replace"}), typ("cat"), click("Replace All")],
        after_keys(r"p\.txt", ["ctrl+s"], file_is("p.txt", "a  and a \n", app_adds_newline=True)), batch=5,
        files={"p.txt": "a cat and a cat\n"}, note="repro: Replace All's effect is in the dialog's parent window"),
    Run("R3", "qalculate", QA, "^Qalculate!$", [typ("6*7")],
        after_keys("^Qalculate!$", ["ctrl+a"], clip_reset(after_keys("^Qalculate!$", ["ctrl+c"], clip_is("6×7")))),
        batch=5, note="repro: a field that shows * as ×"),
]  # fmt: skip
