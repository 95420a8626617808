# ruff: noqa: E501  (the plans stay one run a line or two, as written)
"""Trial 11's runs: each a plan written from the README as a new user would, the app, and how the app says
whether the work was done. ``@WORK@`` is the run's own work folder (/tmp/trial11/work/ID)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # docs/: the trials' shared kit

# isort: split
from trial_kit.plans import (  # noqa: E402
    ENTER,
    SAVE,
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


def term(title: str) -> list[str]:
    """qterminal started with its own shell (never $SHELL), in the run's folder, a prompt naming that folder;
    the shell titles the window once its first prompt is drawn (PROMPT_COMMAND), which is what is waited for."""
    return [
        "sh", "-c",
        "cd @WORK@ && export LANG=C.UTF-8 LC_ALL=C.UTF-8 PS1='\\u@t11:\\w\\$ ' "
        f"PROMPT_COMMAND='printf \"\\033]0;%s\\007\" {title}' && exec qterminal -e 'bash --norc --noprofile -i'",
    ]  # fmt: skip


ED = ["gedit", "@WORK@/e.txt"]
EDT = r"^e\.txt \(.*\) - gedit$"
VI = ["gvim", "-f", "@WORK@/v.txt"]
VIT = r"^v\.txt .*- VIM$"
QT = term("qt-t11")
QTT = "qt-t11"
CAT = "a cat and a cat\n"


def empty(name: str) -> dict[str, str]:
    return {name: ""}


def old(name: str) -> dict[str, str]:
    return {name: "old text\n"}


def saved_then(title: str, then: Truth, keys: list[str] | None = None) -> Truth:
    """keys (ctrl+s) pressed by the driver before reading the file: what the editor holds, not what the plan saved."""
    return after_keys(title, keys or ["ctrl+s"], then)


VIM_W = ["Escape", "colon", "w", "Return"]

RUNS: list[Run] = [
    # ---- gedit 44.2 (GTK 3, GtkSourceView)
    Run("E1", "gedit", ED, EDT, [typ("Hello from trial 11\n"), SAVE],
        file_is("e.txt", "Hello from trial 11\n", app_adds_newline=True), files=empty("e.txt"), note="type, save"),
    Run("E2", "gedit", ED, EDT, [key("ctrl", "a"), typ("replaced"), key("ctrl", "s", expect={"window": r"^e\.txt \("})],
        file_is("e.txt", "replaced", app_adds_newline=True), motion=True, files=old("e.txt"), note="select all, replace, save; title check (no *)"),
    Run("E3", "gedit", ED, EDT, [typ("Grüße, 你好 — ok\n"), SAVE],
        file_is("e.txt", "Grüße, 你好 — ok\n", app_adds_newline=True), files=empty("e.txt"), note="unicode"),
    Run("E4", "gedit", ED, EDT, [typ("alpha beta gamma", expect={"text": "beta gamma", "in_window": "gedit"}), SAVE],
        file_is("e.txt", "alpha beta gamma", app_adds_newline=True), files=empty("e.txt"), note="text in_window"),
    Run("E5", "gedit", ED, EDT, [typ("order 1234", expect={"text": "/order \\d{4}/"}), SAVE],
        file_is("e.txt", "order 1234", app_adds_newline=True), motion=True, files=empty("e.txt"), note="regex text"),
    Run("E6", "gedit", ED, EDT, [typ("by button"), click({"role": "button", "name": "Save"}, expect={"window": r"^e\.txt \("})],
        file_is("e.txt", "by button", app_adds_newline=True), files=empty("e.txt"), note="header bar Save button by role"),
    Run("E7", "gedit", ED, EDT,
        [key("ctrl", "h", expect={"window": "(?i)replace"}), typ("cat"), key("tab"), typ("dog"), click("Replace All"),
         key("escape"), SAVE],
        saved_then(EDT, file_is("e.txt", "a dog and a dog\n", app_adds_newline=True)), motion=True, files={"e.txt": CAT},
        note="Find and Replace dialog, tab, button by text"),
    Run("E8", "gedit", ED, EDT, [typ("Hello", expect={"text": "Goodbye"}), SAVE],
        saved_then(EDT, contains("e.txt", "Goodbye")), files=empty("e.txt"),
        note="should fail: the plan's deliberate mistake (expects a word never typed)"),
    Run("E9", "gedit", ED, EDT, [typ("Total: 42", expect={"text": "42", "near": "Total"}), SAVE],
        file_is("e.txt", "Total: 42", app_adds_newline=True), motion=True, files=empty("e.txt"), note="text near a label"),
    # ---- qterminal 1.2 (Qt 5)
    Run("Q1", "qterminal", QT, QTT, [typ("echo Q1-OK | tee out.txt\n", expect={"text": "/^Q1-OK$/"})],
        file_is("out.txt", "Q1-OK\n"), note="command, anchored output"),
    Run("Q2", "qterminal", QT, QTT, [typ("echo $((6*7)) > n.txt; cat n.txt\n", expect={"text": "/^42$/"})],
        file_is("n.txt", "42\n"), motion=True, note="computed output"),
    Run("Q3", "qterminal", QT, QTT, [typ("false && echo Q3-DONE | tee out.txt\n", expect={"text": "Q3-DONE"})],
        not_there("out.txt"), note="should fail: the command fails, its own line holds the word"),
    Run("Q4", "qterminal", QT, QTT, [typ("echo 'Grüße' > u.txt\n")],
        file_is("u.txt", "Grüße\n"), motion=True, note="unicode through the terminal's paste"),
    Run("Q5", "qterminal", QT, QTT, [typ("exit\n", expect={"no_window": QTT})],
        exited(), note="exit closes the window"),
    Run("Q6", "qterminal", QT, QTT, [typ("echo DONE-$((6*7)) | tee out.txt\n", expect={"text": "DONE-42", "exact": True})],
        file_is("out.txt", "DONE-42\n"), note="exact output line"),
    Run("Q7", "qterminal", QT, QTT, [typ("sleep 2; echo LATE | tee late.txt\n", expect={"text": "LATE", "timeout_s": 10})],
        file_is("late.txt", "LATE\n"), motion=True, note="output 2 s later"),
    Run("Q8", "qterminal", QT, QTT, [typ("sleep 100\n", expect="none"), key("ctrl", "c"), typ("echo after > a.txt\n")],
        file_is("a.txt", "after\n"), note="interrupt with ctrl+c, then another command"),
    Run("Q9", "qterminal", QT, QTT, [typ("cat nosuch.txt | tee out.txt\n", expect={"text": "Q9"})],
        not_there("out.txt"), motion=True, note="should fail: the word is only in the prompt's folder name"),
    # ---- gvim 9.0 (vim-gtk3, GTK 3)
    Run("V1", "gvim", VI, VIT, [typ("i"), typ("Hello from vim\n"), key("escape"), typ(":w\n")],
        file_is("v.txt", "Hello from vim\n", app_adds_newline=True), files=empty("v.txt"), note="insert, escape, :w (the typed newline opens a second, empty line)"),
    Run("V2", "gvim", VI, VIT, [typ("i"), typ("title check"), key("escape"), typ(":w\n", expect={"window": r"^v\.txt \("})],
        file_is("v.txt", "title check\n"), motion=True, files=empty("v.txt"), note="the title loses its + after :w"),
    Run("V3", "gvim", VI, VIT, [typ("ggdGi"), typ("vim replaced"), key("escape"), typ(":wq\n", expect={"no_window": VIT})],
        file_is("v.txt", "vim replaced\n"), files=old("v.txt"), note="delete all, insert, :wq closes the window"),
    Run("V4", "gvim", VI, VIT, [typ("i"), typ("alpha beta gamma", expect={"text": "beta gamma", "in_window": "VIM"}), key("escape"), typ(":w\n")],
        file_is("v.txt", "alpha beta gamma\n"), files=empty("v.txt"), note="text in_window"),
    Run("V5", "gvim", VI, VIT, [typ("i"), typ("menu save"), key("escape"), click("File"), click("Save")],
        file_is("v.txt", "menu save\n"), motion=True, files=empty("v.txt"), note="save by the menu, by text"),
    Run("V6", "gvim", VI, VIT, [typ("i"), typ("role save"), key("escape"), click({"role": "menu", "name": "File"}), click({"role": "menu item", "name": "Save"})],
        file_is("v.txt", "role save\n"), files=empty("v.txt"), note="save by the menu, by role"),
    Run("V7", "gvim", VI, VIT, [typ("Hello vim\n"), key("escape"), typ(":w\n")],
        file_is("v.txt", "Hello vim\n", app_adds_newline=True), files=empty("v.txt"), plan_fault="forgot i: typed in normal mode",
        note="type without entering insert mode"),
    Run("V8", "gvim", VI, VIT, [typ("i"), typ("order 1234", expect={"text": "/order \\d{4}/"}), key("escape"), typ(":w\n")],
        file_is("v.txt", "order 1234\n"), motion=True, files=empty("v.txt"), note="regex text"),
    Run("V9", "gvim", VI, VIT, [typ("i"), typ("Hello", expect={"text": "Goodbye"}), key("escape"), typ(":w\n")],
        saved_then(VIT, contains("v.txt", "Goodbye"), ["Escape", "colon", "w", "Return"]), files=empty("v.txt"),
        note="should fail: the plan's deliberate mistake (expects a word never typed)"),
    # ---- more of each, a new user's next plans
    Run("E10", "gedit", ED, EDT,
        [typ("saved as"), key("ctrl", "shift", "s", expect={"window": "(?i)save"}), key("ctrl", "a"), typ("@WORK@/out.txt"),
         key("enter", expect={"window": r"^out\\.txt", "timeout_s": 10})],
        file_is("out.txt", "saved as", app_adds_newline=True), files=empty("e.txt"),
        plan_fault="the title regex written r\"^out\\\\.txt\" (a literal backslash)", note="Save As dialog, full path, title check"),
    Run("E11", "gedit", ED, EDT, [typ("abc", expect={"text": "abc", "exact": True}), SAVE],
        file_is("e.txt", "abc", app_adds_newline=True), motion=True, files=empty("e.txt"), note="exact line"),
    Run("Q10", "qterminal", QT, QTT, [typ("printf 'a\\nb\\n' > two.txt\n"), typ("wc -l < two.txt\n", expect={"text": "/^2$/"})],
        file_is("two.txt", "a\nb\n"), note="two commands, a one-digit output"),
    Run("Q11", "qterminal", QT, QTT, [typ("ls /nosuchdir; echo rc=$? > rc.txt\n", expect={"text": "No such file", "in_window": QTT})],
        file_is("rc.txt", "rc=2\n"), motion=True, note="error output, in_window"),
    Run("V10", "gvim", VI, VIT, [typ("i"), typ("Total: 42", expect={"text": "42", "near": "Total"}), key("escape"), typ(":w\n")],
        file_is("v.txt", "Total: 42\n"), files=empty("v.txt"), note="text near a label"),
    Run("V11", "gvim", VI, VIT, [typ("i"), typ("Grüße, 你好 — ok"), key("escape"), typ(":w\n")],
        file_is("v.txt", "Grüße, 你好 — ok\n"), motion=True, files=empty("v.txt"), note="unicode"),
]  # fmt: skip


def again(rid: str, new_id: str, batch: int, motion: bool | None = None) -> Run:
    base = next(r for r in RUNS if r.id == rid)
    return Run(new_id, base.app, base.cmd, base.title, base.plan, base.truth,
               motion=base.motion if motion is None else motion, files=base.files, batch=batch,
               plan_fault=base.plan_fault, note=f"{rid} again" if new_id != rid else base.note)  # fmt: skip


# batch 2: each Deskpilot-caused false result of batch 1 rerun three times (filled in after batch 1)
RERUN: list[str] = []
RUNS += [again(rid, f"{rid}-{n}", 2) for rid in RERUN for n in (2, 3, 4)]
_ = (ENTER, never)

# batch 2: E3 again with the truth read after the driver's own ctrl+s (what gedit's buffer holds once the plan
# stopped), three times, and a Latin-only variant (no CJK, no dash)
E3_PLAN = [typ("Grüße, 你好 — ok\n"), SAVE]
RUNS += [
    Run(f"E3b-{n}", "gedit", ED, EDT, E3_PLAN,
        saved_then(EDT, file_is("e.txt", "Grüße, 你好 — ok\n", app_adds_newline=True)), files=empty("e.txt"), batch=2,
        note="E3 again, the truth read after the driver saves: what gedit's buffer holds")
    for n in (1, 2, 3, 4)
]  # fmt: skip
RUNS += [
    Run("E3c", "gedit", ED, EDT, [typ("Grüße\n"), SAVE],
        saved_then(EDT, file_is("e.txt", "Grüße\n", app_adds_newline=True)), files=empty("e.txt"), batch=2,
        note="Latin-1 letters only"),
    Run("E3d", "gedit", ED, EDT, [typ("你好\n"), SAVE],
        saved_then(EDT, file_is("e.txt", "你好\n", app_adds_newline=True)), motion=True, files=empty("e.txt"), batch=2,
        note="CJK only"),
]  # fmt: skip
RUNS += [
    Run("E10b", "gedit", ED, EDT,
        [typ("saved as"), key("ctrl", "shift", "s", expect={"window": "(?i)save"}), key("ctrl", "a"), typ("@WORK@/out.txt"),
         key("enter", expect={"window": r"^out\.txt", "timeout_s": 10})],
        file_is("out.txt", "saved as", app_adds_newline=True), files=empty("e.txt"), batch=2, note="E10 with the regex right"),
]  # fmt: skip
RUNS += [
    Run("V11b", "gvim", VI, VIT, [typ("i"), typ("Grüße, 你好 — ok"), key("escape"), typ(":w\n")],
        saved_then(VIT, file_is("v.txt", "Grüße, 你好 — ok\n"), VIM_W), files=empty("v.txt"), batch=2,
        note="V11 again, the truth read after the driver's own Escape :w (what gvim's buffer holds)"),
]  # fmt: skip

# batch 3: minimal reproductions (the pasted run is the whole text: nothing is left untyped when the step stops),
# each run three times; the truth read after the driver's own ctrl+s
RUNS += [
    Run(f"X1-{n}", "gedit", ED, EDT, [typ("你好"), SAVE],
        saved_then(EDT, file_is("e.txt", "你好\n")), files=empty("e.txt"), batch=3, motion=n == 2,
        note="repro: a paste gedit took whole judged unfinished")
    for n in (1, 2, 3)
] + [
    Run(f"X2-{n}", "gedit", ED, EDT, [typ("Grüße"), SAVE],
        saved_then(EDT, file_is("e.txt", "Grüße\n")), files=empty("e.txt"), batch=3,
        note="repro: the same with Latin-1 letters (typed 'Gr', pasted 'üße')")
    for n in (1, 2, 3)
]  # fmt: skip

# batch 4: a new user's further plans
RUNS += [
    Run("E12", "gedit", ED, EDT, [typ("region word", expect={"text": "region word", "region": [0, 60, 900, 300]}), SAVE],
        file_is("e.txt", "region word", app_adds_newline=True), files=empty("e.txt"), batch=4, note="text in a region (the editor's top)"),
    Run("E13", "gedit", ED, EDT, [typ("x"), click({"role": "button", "name": "Save All"})],
        not_there("nothing.txt"), motion=True, files=empty("e.txt"), batch=4, note="should fail: no such button"),
    Run("E14", "gedit", ED, EDT, [key("ctrl", "a"), key("ctrl", "c"), key("ctrl", "end"), key("ctrl", "v"), SAVE],
        file_is("e.txt", "old text\nold text\n", app_adds_newline=True), files=old("e.txt"), batch=4, note="copy and paste by chords"),
    Run("Q12", "qterminal", QT, QTT, [typ("echo Total: $((40+2)) | tee t.txt\n", expect={"text": "42", "near": "Total"})],
        file_is("t.txt", "Total: 42\n"), batch=4, note="output near a label"),
    Run("Q13", "qterminal", QT, QTT, [typ("seq 3 | tee s.txt\n", expect={"text": "/^3$/"})],
        file_is("s.txt", "1\n2\n3\n"), motion=True, batch=4, note="the last of several output lines"),
    Run("Q14", "qterminal", QT, QTT, [typ("echo Q14-START > a.txt\n", expect={"text": "Q14-DONE"})],
        never("Q14-DONE is printed by nothing (only the prompt's folder holds Q14)"), batch=4,
        note="should fail: the plan's deliberate mistake (expects a word never printed)"),
    Run("V12", "gvim", VI, VIT, [typ(":%s/cat/dog/g\n"), typ(":w\n", expect={"window": r"^v\.txt \("})],
        file_is("v.txt", "a dog and a dog\n"), files={"v.txt": CAT}, batch=4, note="substitute, :w, title check"),
    Run("V13", "gvim", VI, VIT, [typ("i"), typ("abc", expect={"text": "abc", "exact": True}), key("escape"), typ(":w\n")],
        file_is("v.txt", "abc\n"), motion=True, files=empty("v.txt"), batch=4, note="exact line"),
    Run("V14", "gvim", VI, VIT, [typ("i"), typ("unsaved"), key("escape"), typ(":q\n", expect={"no_window": VIT})],
        file_is("v.txt", "unsaved\n"), files=empty("v.txt"), batch=4,
        note="should fail: :q refuses a modified buffer (E37), the window stays"),
]  # fmt: skip

# batch 5: Q12 (a false failure: the label also in the typed command) rerun three times
RUNS += [again("Q12", f"Q12-{n}", 5, motion=n == 3) for n in (2, 3, 4)]

# batch 6: follow-ups: a label written by an earlier command, then read back; unicode into qterminal
RUNS += [
    Run("Q15", "qterminal", QT, QTT,
        [typ("echo Total: 42 > t.txt\n"), typ("cat t.txt\n", expect={"text": "42", "near": "Total"})],
        file_is("t.txt", "Total: 42\n"), batch=6, note="the label in an earlier command's echo, the value printed by cat"),
    Run("Q16", "qterminal", QT, QTT, [typ("echo 'Grüße, 你好 — ok' > u.txt\n")],
        file_is("u.txt", "Grüße, 你好 — ok\n"), motion=True, batch=6, note="the unicode line gedit could not take, in qterminal"),
    Run("Q17", "qterminal", QT, QTT, [typ("echo Total: 42 > t.txt; cat t.txt\n", expect={"text": "/^Total: 42$/"})],
        file_is("t.txt", "Total: 42\n"), batch=6, note="Q12 written as one anchored line instead of near"),
]  # fmt: skip

# batch 7: Q15 rerun three times; a unicode name typed into gedit's Save As field (a GtkEntry, not the buffer)
RUNS += [again("Q15", f"Q15-{n}", 7, motion=n == 2) for n in (2, 3, 4)]
RUNS += [
    Run("E16", "gedit", ED, EDT,
        [typ("named"), key("ctrl", "shift", "s", expect={"window": "(?i)save"}), key("ctrl", "a"), typ("@WORK@/grüße.txt"),
         key("enter", expect={"window": r"^grüße\.txt", "timeout_s": 10})],
        file_is("grüße.txt", "named", app_adds_newline=True), files=empty("e.txt"), batch=7,
        note="Save As with a unicode file name (the paste goes into the dialog's name field)"),
]  # fmt: skip
