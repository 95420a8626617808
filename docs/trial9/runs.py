# ruff: noqa: E501  (the plans stay one run a line or two, as written)
"""Trial 9's runs: each a plan written from the README as a new user would, the app, and how the app says
whether the work was done. ``@WORK@`` is the run's own work folder (/tmp/trial9/work/ID)."""

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
    click,
    clip_is,
    clip_result,
    contains,
    exited,
    file_is,
    in_dir,
    key,
    never,
    no_window_now,
    not_there,
    typ,
)

JU = ["juffed", "@WORK@/j.txt"]
JUT = r"j\.txt - JuffEd"
MC = ["mate-calc"]
MCT = "^Calculator$"
SK = in_dir("sakura")
SKT = "sakura|@|:"
TK = in_dir("tkcon")
TKT = "^tkcon"
XW = ["xfwrite", "@WORK@/x.txt"]
XWT = r"x\.txt"
XC = in_dir("xclipboard")
XCT = "^xclipboard$"
CAT = "a cat and a cat\n"

RUNS: list[Run] = [
    # ---- juffed (Qt 5 + QScintilla)
    Run("J1", "juffed", JU, JUT, [typ("Hello from trial 9\n"), SAVE],
        file_is("j.txt", "Hello from trial 9\n"), files={"j.txt": ""}, note="type, save"),
    Run("J2", "juffed", JU, JUT,
        [typ("Grüße, 你好 — ok\n"), click({"role": "button", "name": "Save"}, expect={"window": r"^j\.txt"})],
        file_is("j.txt", "Grüße, 你好 — ok\n"), motion=True, files={"j.txt": ""},
        note="unicode, save by the toolbar button, title loses *"),
    Run("J3", "juffed", ["juffed"], "JuffEd",
        [typ("saved as\n"), key("ctrl", "s", expect={"window": "(?i)save"}), typ("@WORK@/out.txt"),
         key("enter", expect={"window": r"out\.txt", "timeout_s": 10})],
        file_is("out.txt", "saved as\n"), note="Save As dialog, title as the check"),
    Run("J4", "juffed", JU, JUT, [key("ctrl", "a"), typ("replaced\n"), SAVE],
        file_is("j.txt", "replaced\n"), motion=True, files={"j.txt": "old text\n"}, note="select all, replace, save"),
    Run("J5", "juffed", JU, JUT, [typ("new\n"), SAVE],
        file_is("j.txt", "new\n"), files={"j.txt": "old text\n"},
        plan_fault="forgot ctrl+a: typed before the old text", note="replace the text without selecting"),
    Run("J6", "juffed", JU, JUT,
        [key("ctrl", "r"), click({"role": "field", "name": "Find"}), typ("cat"),
         click({"role": "field", "name": "Replace"}), typ("dog"), click({"role": "button", "name": "Replace all"}), SAVE],
        file_is("j.txt", "a dog and a dog\n"), motion=True, files={"j.txt": CAT}, note="replace bar"),
    Run("J7", "juffed", JU, JUT,
        [typ("menu save\n"), click("File"), click({"role": "menu item", "name": "Save"}, expect={"window": r"^j\.txt"})],
        file_is("j.txt", "menu save\n"), files={"j.txt": ""}, note="save by the menu"),
    Run("J8", "juffed", JU, JUT,
        [key("ctrl", "g", expect={"window": "Go to line"}), typ("15"), ENTER, typ("X"), SAVE],
        file_is("j.txt", TWENTY.replace("line 15\n", "Xline 15\n")), motion=True, files={"j.txt": TWENTY},
        note="go to line"),
    Run("J9", "juffed", JU, JUT, [typ("x\n"), click({"role": "button", "name": "Save All"})],
        not_there("j.txt"), files={"j.txt": ""}, note="should fail: no such button (file stays empty)"),
    Run("J10", "juffed", JU, JUT, [typ("unsaved\n"), key("ctrl", "q", expect={"no_window": "JuffEd$"})],
        exited(), files={"j.txt": ""}, note="should fail: quit asks to save"),
    # ---- mate-calc (GTK 3)
    Run("M1", "mate-calc", MC, MCT, [typ("6*7"), key("enter", expect={"text": "42"})],
        clip_result(MCT, ["ctrl", "c"], "42"), note="type, enter"),
    Run("M2", "mate-calc", MC, MCT, [click("7"), click("×"), click("8"), click("=", expect={"text": "56"})],
        clip_result(MCT, ["ctrl", "c"], "56"), motion=True, note="keypad by text"),
    Run("M3", "mate-calc", MC, MCT,
        [click({"role": "button", "name": "9"}), click({"role": "button", "name": "×"}),
         click({"role": "button", "name": "9"}), click({"role": "button", "name": "="})],
        clip_result(MCT, ["ctrl", "c"], "81"), note="keypad by role (× is named 'multiply'?)"),
    Run("M4", "mate-calc", MC, MCT, [typ("2+2"), key("enter", expect={"text": "5"})],
        clip_result(MCT, ["ctrl", "c"], "5"), motion=True, note="should fail: wrong result expected"),
    Run("M5", "mate-calc", MC, MCT, [typ("2+2"), click("Calculate")],
        clip_result(MCT, ["ctrl", "c"], "4"), note="should fail: no Calculate button"),
    Run("M6", "mate-calc", MC, MCT, [typ("12345"), click("Clear", expect={"no_text": "12345"})],
        clip_result(MCT, ["ctrl", "c"], ""), motion=True, note="clear the display"),
    Run("M7", "mate-calc", MC, MCT, [typ("sqrt(16)+2^3"), key("enter", expect={"text": "12"})],
        clip_result(MCT, ["ctrl", "c"], "12"), note="functions"),
    Run("M8", "mate-calc", MC, MCT, [typ("100/8"), ENTER, click("Undo", expect={"text": "100/8"})],
        clip_result(MCT, ["ctrl", "c"], "100÷8"), motion=True, note="undo brings back the expression"),
    # ---- sakura (VTE)
    Run("S1", "sakura", SK, SKT, [typ("echo S1-OK | tee out.txt\n", expect={"text": "/^S1-OK$/"})],
        file_is("out.txt", "S1-OK\n"), note="command, anchored output"),
    Run("S2", "sakura", SK, SKT, [typ("false && echo S2-DONE | tee out.txt\n", expect={"text": "S2-DONE"})],
        not_there("out.txt"), motion=True, note="should fail: the command fails, its own line holds the word"),
    Run("S3", "sakura", SK, SKT, [typ("ls /nonexistent; echo rc=$? > rc.txt\n", expect={"text": "No such file"})],
        file_is("rc.txt", "rc=2\n"), note="error output expected"),
    Run("S4", "sakura", SK, SKT,
        [typ("printf 'a\\nb\\n' > two.txt\n"), typ("wc -l < two.txt\n", expect={"text": "/^2$/"})],
        file_is("two.txt", "a\nb\n"), motion=True, note="two commands, a one-digit output"),
    Run("S5", "sakura", SK, SKT, [typ("echo 'Grüße 你好' > u.txt\n")],
        file_is("u.txt", "Grüße 你好\n"), note="unicode through the terminal's paste"),
    Run("S6", "sakura", SK, SKT, [typ("echo S6-X\n"), typ("true\n", expect={"text": "S6-X"})],
        never("true printed nothing"), motion=True, note="should fail: the word was there before"),
    Run("S7", "sakura", SK, SKT, [typ("exit\n", expect={"no_window": "sakura|@"})],
        exited(), note="exit closes the window"),
    Run("S8", "sakura", SK, SKT, [typ("cat nosuch.txt | tee out.txt\n", expect={"text": "S8"})],
        not_there("out.txt"), note="should fail: text never printed"),
    # ---- tkcon (Tk: no tree)
    Run("K1", "tkcon", TK, TKT, [typ("set x [expr {6*7}]; exec echo $x > @WORK@/k.txt; set x\n", expect={"text": "/^42$/"})],
        file_is("k.txt", "42\n"), note="Tcl command with output"),
    Run("K2", "tkcon", TK, TKT, [typ("exec echo [expr {2+2}] > @WORK@/k.txt\n"), typ("exec cat @WORK@/k.txt\n", expect={"text": "/^5$/"})],
        never("2+2 is 4"), motion=True, note="should fail: wrong result expected"),
    Run("K3", "tkcon", TK, TKT, [typ("exec false; exec echo K3-DONE > @WORK@/k.txt\n", expect={"text": "K3-DONE"})],
        not_there("k.txt"), note="should fail: command fails, its own line holds the word"),
    Run("K4", "tkcon", TK, TKT, [typ("exec echo [string toupper k4-done] | tee @WORK@/k.txt\n", expect={"text": "K4-DONE"})],
        file_is("k.txt", "K4-DONE\n"), motion=True, note="output differs from the typed line"),
    Run("K5", "tkcon", TK, TKT, [typ("exec echo Grüße > @WORK@/u.txt\n")],
        file_is("u.txt", "Grüße\n"), note="unicode pasted in Tk"),
    Run("K6", "tkcon", TK, TKT, [click("File"), click("Exit", expect={"no_window": "^tkcon"})],
        exited(), motion=True, note="quit by the menu"),
    # ---- xfwrite (FOX toolkit: no tree)
    Run("W1", "xfwrite", XW, XWT, [typ("fox line\n"), key("ctrl", "s", expect={"no_window": "changed"})],
        file_is("x.txt", "fox line\n"), files={"x.txt": ""}, note="type, save, title loses (changed)"),
    Run("W2", "xfwrite", ["xfwrite"], "untitled",
        [typ("saved as\n"), key("ctrl", "s", expect={"window": "(?i)save"}), typ("@WORK@/out.txt"),
         key("enter", expect={"window": r"out\.txt", "timeout_s": 10})],
        file_is("out.txt", "saved as\n"), motion=True, note="Save As dialog"),
    Run("W3", "xfwrite", XW, XWT, [key("ctrl", "a"), typ("replaced\n"), click("File"), click("Save")],
        file_is("x.txt", "replaced\n"), files={"x.txt": "old text\n"}, note="select all, replace, save by the menu"),
    Run("W4", "xfwrite", XW, XWT,
        [key("ctrl", "r", expect={"window": "Replace"}), typ("cat"), key("tab"), typ("dog"), click("Replace All"), SAVE],
        file_is("x.txt", "a dog and a dog\n"), motion=True, files={"x.txt": CAT}, note="Replace dialog"),
    Run("W5", "xfwrite", XW, XWT, [typ("x"), click("Help"), click("About", expect={"window": "About"}),
                                   click("OK", expect={"no_window": "About"})],
        no_window_now("About"), files={"x.txt": ""}, note="About dialog opens and closes (truth: it is gone)"),
    Run("W6", "xfwrite", ["xfwrite"], "untitled",
        [typ("never saved\n"), key("ctrl", "s", expect={"window": "(?i)save"}), typ("/nonexistent/dir/out.txt"),
         key("enter", expect={"window": r"out\.txt", "timeout_s": 10})],
        lambda env, work, proc, sh: (False, f"exists={Path('/nonexistent/dir/out.txt').exists()}"),
        note="should fail: a folder that does not exist"),
    # ---- xclipboard (Athena: no tree)
    Run("C1", "xclipboard", XC, XCT, [click({"text": "Save", "offset": [-50, 80]}), typ("clip text")],
        clip_is("clip text"), note="type into its buffer: the clipboard holds it"),
    Run("C2", "xclipboard", XC, XCT,
        [typ("saved clip"), click("Save", expect={"window": "File Save"}), click("Accept", expect={"no_window": "File Save"})],
        file_is("clipboard", "saved clip"), motion=True, note="Save button, its dialog's Accept"),
    Run("C3", "xclipboard", XC, XCT,
        [typ("named"), click("Save", expect={"window": "File Save"}), key("ctrl", "a"), key("ctrl", "k"), typ("named.txt"),
         click("Accept")],
        file_is("named.txt", "named"), note="Save under a name typed in the dialog (Athena: ctrl+a, ctrl+k clear)"),
    Run("C4", "xclipboard", XC, XCT, [typ("one"), click("New"), typ("two"), click("Prev", expect={"text": "one"})],
        clip_is("one"), motion=True, note="two buffers, back to the first"),
    Run("C5", "xclipboard", XC, XCT, [click("Next")],
        never("Next is insensitive with one buffer"), note="should fail: a dead (insensitive) button"),
    Run("C6", "xclipboard", XC, XCT, [click("Quit", expect={"no_window": "^xclipboard$"})],
        exited(), motion=True, note="quit"),
]  # fmt: skip


BUF = {"text": "Save", "offset": [-50, 80]}  # xclipboard's text buffer, below its button row
# batch 2: follow-ups of batch 1 (plans a new user would write next, after reading the failure)
RUNS += [
    Run("S1b", "sakura", SK, SKT, [typ("echo S1-OK | tee out.txt\n", expect={"text": "/^S1-OK$/"})],
        file_is("out.txt", "S1-OK\n"), motion=True, batch=2, note="S1 again"),
    Run("S1c", "sakura", SK, SKT, [typ("echo S1-OK | tee out.txt\n", expect={"text": "S1-OK", "exact": True})],
        file_is("out.txt", "S1-OK\n"), batch=2, note="the output line, exact"),
    Run("S1d", "sakura", SK, SKT, [typ("echo S1-OK | tee out.txt\n", expect={"text": "S1-OK"})],
        file_is("out.txt", "S1-OK\n"), batch=2, note="the output, default mode (o matches 0)"),
    Run("S9", "sakura", SK, SKT, [typ("echo DONE-$((6*7)) | tee out.txt\n", expect={"text": "/^DONE-42$/"})],
        file_is("out.txt", "DONE-42\n"), motion=True, batch=2, note="anchored output with O"),
    Run("S8b", "sakura", SK, SKT, [typ("cat nosuch.txt | tee out.txt\n", expect={"text": "S8b"})],
        not_there("out.txt"), motion=True, batch=2, note="S8 again: the word is in the prompt's folder name"),
    Run("J6b", "juffed", JU, JUT,
        [key("ctrl", "r"), typ("cat", expect={"value": "cat", "target": {"role": "field", "name": "Find"}}),
         click({"role": "field", "name": "Replace"}), typ("dog"), ENTER, SAVE],
        contains("j.txt", "dog"), files={"j.txt": CAT}, batch=2, note="replace bar, Find already focused"),
    Run("J6c", "juffed", JU, JUT, [key("ctrl", "r"), click({"role": "field", "name": "Find"}), typ("cat")],
        never("nothing to do but focus the field (the run's verdict is what counts)"), files={"j.txt": CAT}, batch=2,
        note="click into the already focused Find field (README: 'focused')"),
    Run("J7b", "juffed", JU, JUT, [typ("menu save\n"), click("File"), click("Save", expect={"window": r"^j\.txt"})],
        file_is("j.txt", "menu save\n"), motion=True, files={"j.txt": ""}, batch=2, note="menu Save by text"),
    Run("M3b", "mate-calc", MC, MCT,
        [click({"role": "button", "name": "9"}), click({"role": "button", "name": "multiply"}),
         click({"role": "button", "name": "9"}), click({"role": "button", "name": "result"}, expect={"text": "81"})],
        clip_result(MCT, ["ctrl", "c"], "81"), batch=2, note="keypad by role, the tree's own names"),
    Run("M8b", "mate-calc", MC, MCT, [typ("100/8"), ENTER, click("Undo", expect={"text": "100/8"})],
        clip_result(MCT, ["ctrl", "c"], "100÷8"), batch=2, note="M8 again, truth read in UTF-8"),
    Run("M8c", "mate-calc", MC, MCT, [typ("100/8"), ENTER, click("Undo", expect={"text": "100÷8"})],
        clip_result(MCT, ["ctrl", "c"], "100÷8"), motion=True, batch=2, note="undo, expecting the app's ÷"),
    Run("M9", "mate-calc", MC, MCT, [typ("1/0"), key("enter", expect={"text": "Division by zero"})],
        clip_result(MCT, ["ctrl", "c"], "1÷0"), batch=2, note="an error message expected"),
    Run("K6b", "tkcon", TK, TKT, [click("File"), click("Quit", expect={"no_window": "^tkcon"})],
        exited(), batch=2, note="quit by the menu, the right word"),
    Run("K7", "tkcon", TK, TKT, [typ("exec echo [expr {6*7} > @WORK@/k.txt\n", expect={"text": "42"})],
        not_there("k.txt"), motion=True, batch=2, note="should fail: unbalanced bracket, tkcon waits for more"),
    Run("W2b", "xfwrite", ["xfwrite"], "untitled",
        [typ("saved as\n"), key("ctrl", "s", expect={"window": "(?i)save"}),
         click({"text": "File Name:", "offset": [150, 0]}), key("ctrl", "a"), typ("@WORK@/out.txt"),
         key("enter", expect={"window": r"out\.txt", "timeout_s": 10})],
        file_is("out.txt", "saved as\n"), batch=2, note="Save As, the name field clicked first"),
    Run("W6b", "xfwrite", ["xfwrite"], "untitled",
        [typ("never saved\n"), key("ctrl", "s", expect={"window": "(?i)save"}),
         click({"text": "File Name:", "offset": [150, 0]}), key("ctrl", "a"), typ("/nonexistent/dir/out.txt"),
         key("enter", expect={"window": r"out\.txt", "timeout_s": 10})],
        lambda env, work, proc, sh: (False, f"exists={Path('/nonexistent/dir/out.txt').exists()}"), motion=True,
        batch=2, note="should fail: a folder that does not exist"),
    Run("W3b", "xfwrite", XW, XWT, [key("ctrl", "a"), typ("replaced\n"), click("File"),
                                    click({"text": "Save", "exact": True})],
        file_is("x.txt", "replaced\n"), files={"x.txt": "old text\n"}, batch=2, note="menu Save, exact"),
    Run("W4b", "xfwrite", XW, XWT,
        [key("ctrl", "r", expect={"window": "Replace"}), typ("cat"), click({"text": "Replace with:", "offset": [120, 28]}),
         typ("dog"), click("Replace All"), SAVE],
        file_is("x.txt", "a dog and a dog\n"), motion=True, files={"x.txt": CAT}, batch=2,
        note="Replace dialog, the second field clicked"),
    Run("C1b", "xclipboard", XC, XCT, [click(BUF, expect="none"), typ("clip text")],
        clip_is("clip text"), batch=2, note="click into the buffer (expect none), type"),
    Run("C2b", "xclipboard", XC, XCT,
        [click(BUF, expect="none"), typ("saved clip"), click("Save", expect={"window": "File Save"}),
         click("Accept", expect={"no_window": "File Save"})],
        file_is("clipboard", "saved clip"), motion=True, batch=2, note="Save and Accept"),
    Run("C4b", "xclipboard", XC, XCT,
        [click(BUF, expect="none"), typ("one"), click("New"), typ("two"), click("Prev", expect={"text": "one"})],
        clip_is("one"), batch=2, note="two buffers, back to the first"),
    Run("C7", "xclipboard", XC, XCT,
        [click(BUF, expect="none"), typ("keep"), click("Delete", expect={"no_text": "keep"})],
        clip_is(""), motion=True, batch=2, note="Delete the only buffer"),
]  # fmt: skip


def again(rid: str, new_id: str, batch: int, motion: bool | None = None) -> Run:
    base = next(r for r in RUNS if r.id == rid)
    return Run(new_id, base.app, base.cmd, base.title, base.plan, base.truth,
               motion=base.motion if motion is None else motion, files=base.files, batch=batch,
               plan_fault=base.plan_fault, note=f"{rid} again" if new_id != rid else base.note)  # fmt: skip


def always(why: str) -> Truth:
    return lambda env, work, proc, sh: (True, why)


# batch 3: mate-calc's runs again with the truth read right (the app copies ÷ as '?'), one more mate-calc plan,
# then the minimal reproductions, each run three times (R1 .. R1-3)
M8_SET = [again(rid, rid, 3) for rid in ("M8", "M8b", "M8c", "M9")]
RUNS = [r for r in RUNS if r.id not in {"M8", "M8b", "M8c", "M9"}] + M8_SET
RUNS += [
    Run("M10", "mate-calc", MC, MCT, [typ("100/8", expect={"text": "100+8"})],
        never("the display holds 100÷8, not 100+8"), motion=True, batch=3,
        note="should fail: the display shows ÷, the plan expects +"),
]  # fmt: skip
REPROS = [
    Run("R1", "sakura", SK, SKT, [typ("echo R1-OK | tee out.txt\n", expect={"text": "/^R1-OK$/"})],
        file_is("out.txt", "R1-OK\n"), batch=4, note="repro: OCR reads sakura's O as 0; a regex forgives nothing"),
    Run("R2", "sakura", SK, SKT, [typ("false\n", expect={"text": "R2"})],
        never("false prints nothing; 'R2' is the prompt's folder"), batch=4,
        note="repro: the new prompt line (the same as the one above it) is taken as new text"),
    Run("R3", "juffed", JU, JUT, [typ("x\n"), click("File"), click({"role": "menu item", "name": "Save"})],
        file_is("j.txt", "x\n"), files={"j.txt": ""}, batch=4,
        note="repro: a Qt menu item under menu bar > menu item > popup menu is 'hidden or off-screen'"),
    Run("R4", "juffed", JU, JUT, [key("ctrl", "r"), click({"role": "field", "name": "Find"})],
        always("the Find field has the keyboard focus (tree: text 'Find:' focused, before and after)"),
        files={"j.txt": CAT}, batch=4, note="repro: a click into the focused Find field is no_change, not focused"),
    Run("R5", "mate-calc", MC, MCT, [typ("100/8", expect={"text": "100+8"})],
        never("the display holds 100÷8"), batch=4, note="repro: OCR reads the display's ÷ as +: a wrong text met"),
    Run("R6", "mate-calc", MC, MCT, [typ("100/8", expect={"text": "100÷8"})],
        clip_result(MCT, ["ctrl", "c"], "100÷8"), batch=4, note="repro: the display's ÷ read as +: the right text failed"),
]  # fmt: skip
RUNS += REPROS
RUNS += [again(r.id, f"{r.id}-{n}", 4) for r in REPROS for n in (2, 3)]

# batch 5: what the ÷ read as + does to keypad targets
RUNS += [
    Run("M11", "mate-calc", MC, MCT, [click("8"), click("÷"), click("2"), click("=", expect={"text": "4"})],
        clip_result(MCT, ["ctrl", "c"], "4"), batch=5, note="keypad ÷ by text"),
    Run("M12", "mate-calc", MC, MCT, [click("8"), click("+"), click("2"), click("=", expect={"text": "10"})],
        clip_result(MCT, ["ctrl", "c"], "10"), motion=True, batch=5, note="keypad + by text (÷ is read as + too)"),
]  # fmt: skip

# batch 6: more plans a new user would write (scopes, slow output, dialogs)
RUNS += [
    Run("S10", "sakura", SK, SKT, [typ("sleep 3; echo LATE | tee late.txt\n", expect={"text": "LATE", "timeout_s": 10})],
        file_is("late.txt", "LATE\n"), motion=True, batch=6, note="output 3 s later; the typed line holds the word"),
    Run("K8", "tkcon", TK, TKT, [typ("expr {1/0}\n", expect={"text": "divide by zero", "in_window": "^tkcon"})],
        always("tkcon prints 'divide by zero' (seen on its frame)"), batch=6, note="an error message, scoped to the window"),
    Run("K9", "tkcon", TK, TKT,
        [typ("exec echo K9 > @WORK@/k.txt\n"), typ("exec cat @WORK@/k.txt\n", expect={"text": "/^K9$/"})],
        file_is("k.txt", "K9\n"), motion=True, batch=6, note="the word written, then read back by cat"),
    Run("J11", "juffed", ["juffed"], "JuffEd",
        [typ("never saved\n"), key("ctrl", "s", expect={"window": "(?i)save"}), typ("/nonexistent/dir/out.txt"),
         key("enter", expect={"window": r"out\.txt", "timeout_s": 10})],
        lambda env, work, proc, sh: (False, f"exists={Path('/nonexistent/dir/out.txt').exists()}"), motion=True,
        batch=6, note="should fail: a folder that does not exist"),
    Run("M13", "mate-calc", MC, MCT, [typ("2+2"), key("enter", expect={"text": "4"})],
        clip_result(MCT, ["ctrl", "c"], "4"), batch=6, note="a one-digit result that is also a key"),
    Run("C2c", "xclipboard", XC, XCT,
        [click(BUF, expect="none"), typ("hello"), click("Save", expect={"window": "File Save"}),
         click("Accept", expect={"no_window": "File Save"})],
        file_is("clipboard", "hello"), motion=True, batch=6, note="Save and Accept (a text without 'save' in it)"),
    Run("C3b", "xclipboard", XC, XCT,
        [click(BUF, expect="none"), typ("named"), click("Save", expect={"window": "File Save"}), key("ctrl", "a"),
         key("ctrl", "k"), typ("named.txt"), click("Accept", expect={"no_window": "File Save"})],
        file_is("named.txt", "named"), batch=6, note="Save under a typed name (Athena: ctrl+a, ctrl+k clear the line)"),
]  # fmt: skip
RUNS += [
    Run("C3c", "xclipboard", XC, XCT,
        [click(BUF, expect="none"), typ("named"), click("Save", expect={"window": "File Save"}), key("ctrl", "k"),
         typ("named.txt"), click("Accept", expect={"no_window": "File Save"})],
        file_is("named.txt", "named"), motion=True, batch=6, note="C3b without the ctrl+a (the caret starts at 0)"),
]  # fmt: skip
