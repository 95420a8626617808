"""A small Tk application for the agent and its tests to drive: ``python -m scenarios.demo_app --state P``.

Every user-visible effect is mirrored into a JSON state file (rewritten atomically after each change)
so a test can check what the agent *did* without trusting the agent's own account of it. The file
also carries each widget's screen box, so a test can drive the app with raw ``xdotool`` and so
compare the agent's clicks against ground truth.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import time
import tkinter as tk
from collections.abc import Sequence
from pathlib import Path
from tkinter import font as tkfont
from tkinter import ttk
from typing import Any

from scenarios.demo_mirror import StateMirror
from scenarios.demo_variants import Variant, apply_theme

TITLE = "Deskpilot Demo"
WIDTH, HEIGHT = 640, 560
BOARD_W, BOARD_H = 260, 120
WHEEL_ROWS = 3  # rows per wheel notch; Tk's own default (5) skips too far in an 8-row list
ANIM_STEP_MS = 30
BG, FIELD, ACCENT, TEXT, PANEL = "#f5f6f8", "#ffffff", "#2563eb", "#1f2937", "#e5eaf5"
# X11 modifier masks in event.state, in the order they are spelled in a chord ("ctrl+alt+shift+x").
_MODIFIERS = ((0x4, "ctrl"), (0x8, "alt"), (0x1, "shift"), (0x40, "super"))
_MODIFIER_KEYS = {
    "Shift_L", "Shift_R", "Control_L", "Control_R", "Alt_L", "Alt_R", "Meta_L", "Meta_R",
    "Super_L", "Super_R", "Hyper_L", "Hyper_R", "Caps_Lock", "Num_Lock", "ISO_Level3_Shift",
}  # fmt: skip
# A 1px highlight ring serves as the border (grey, blue when focused); a flat border inside it pads the text.
_FIELD_LOOK: dict[str, Any] = {"font": "TkDefaultFont", "background": FIELD, "foreground": TEXT,
    "relief": "flat", "borderwidth": 3, "highlightthickness": 1, "highlightbackground": "#9ca3af",
    "highlightcolor": ACCENT}  # fmt: skip
# No border/highlight, so canvas coordinates start at the window's own top-left pixel.
_CANVAS_LOOK: dict[str, Any] = {"background": FIELD, "borderwidth": 0, "highlightthickness": 0}


class DemoApp(StateMirror):
    def __init__(self, root: tk.Tk, state_path: Path | None, animate_ms: int, variant: Variant | None = None) -> None:
        self.root, self.state_path, self.animate_ms = root, state_path, animate_ms
        self.variant = variant or Variant()
        self.state: dict[str, Any] = {
            "ready": False,
            "closed": False,
            "seq": 0,
            "pid": os.getpid(),
            "name": "",
            "email": "",
            "notes": "",
            "agree": False,
            "submitted": None,
            "submit_count": 0,
            "selected_item": None,
            "selected_index": None,
            "list_top_index": 0,
            "list_rows": [],
            "wheel": {"up": 0, "down": 0, "left": 0, "right": 0},
            "token": None,
            "token_on_target": False,
            "menu_choice": None,
            "menu": {"open": False, "source": None, "entries": {}},
            "last_chord": None,
            "chord_count": 0,
            "silent_count": 0,
            "count_clicks": 0,
            "double_clicks": 0,
            "middle_clicks": 0,
            "last_click_button": None,
            "last_click_widget": None,
            "button_presses": 0,  # every press Tk received, whatever widget took it (a lost press shows here)
            "animating": False,
            "focus": None,
            "widgets": {},
        }
        self._last_body = ""
        self._geometry_pending = False
        self._stable_polls = 0
        self._last_geom: tuple[int, ...] | None = None
        self._drag: tuple[int, int] | None = None
        self._anim_until = 0.0
        self._closing = False
        self._style()
        self._build()
        self._bind()
        self.state["token"] = self._token_centre()
        self.write_state()
        self.root.after(25, self._poll_ready)

    # ---- construction -------------------------------------------------------------------------
    def _style(self) -> None:
        # Xvfb has no desktop settings, so Tk's defaults are small and grey; set a plain light theme.
        for name in ("TkDefaultFont", "TkTextFont", "TkMenuFont", "TkHeadingFont"):
            tkfont.nametofont(name).configure(size=11)
        self.bold = tkfont.nametofont("TkDefaultFont").copy()
        self.bold.configure(weight="bold")
        self.root.configure(background=BG)
        style = ttk.Style(self.root)
        style.theme_use("clam")  # the only built-in ttk theme that looks current on X11
        style.configure(".", background=BG, foreground=TEXT, font="TkDefaultFont")
        style.configure("TEntry", fieldbackground=FIELD, padding=4)
        style.configure("TButton", padding=(12, 4))
        style.configure("TLabelframe", background=BG, bordercolor="#cfd4dc")
        style.configure("TLabelframe.Label", background=BG, foreground=TEXT, font=self.bold)
        style.configure("Target.TLabel", background=PANEL, relief="groove", padding=(10, 6))
        style.configure("Status.TLabel", background=PANEL, padding=(10, 4))

    def _build(self) -> None:
        """The whole window, top to bottom, one block per group. Long on purpose: it reads like the
        window it makes, and the grid rows and the widget table at the end must agree."""
        root = self.root
        main = ttk.Frame(root, padding=12)
        main.pack(fill="both", expand=True)
        main.columnconfigure(0, weight=1)
        main.columnconfigure(1, weight=1)
        main.rowconfigure(0, weight=1)

        form = self._group(main, "Form", 0, 0)
        form.columnconfigure(1, weight=1)
        self.name_var, self.email_var = tk.StringVar(), tk.StringVar()
        self.agree_var = tk.BooleanVar(value=False)
        swapped = self.variant.fields == "swapped"  # Email's row first: the two fields trade places
        name = self._entry(form, int(swapped), "Name", self.name_var)
        email = self._entry(form, int(not swapped), "Email", self.email_var)
        ttk.Label(form, text="Notes").grid(row=2, column=0, sticky="nw", pady=3, padx=(0, 8))
        self.notes = tk.Text(form, name="notes", height=4, width=24, wrap="word", undo=True, **_FIELD_LOOK)
        self.notes.configure(padx=2, pady=1)
        self.notes.grid(row=2, column=1, sticky="ew", pady=3)
        agree = ttk.Checkbutton(form, name="agree", text="I agree", variable=self.agree_var)
        agree.configure(command=self._on_field)
        agree.grid(row=3, column=1, sticky="w", pady=(4, 2))
        buttons = ttk.Frame(form)
        moved = self.variant.layout == "moved"
        buttons.grid(row=4 + moved, column=1, sticky="e" if moved else "w", pady=(4, 2))
        submits: list[ttk.Button] = []
        if self.variant.submit == "one":
            submits.append(ttk.Button(buttons, name="submit", text="Submit", command=self._on_submit))
        clear = ttk.Button(buttons, name="clear", text="Clear", command=self._on_clear)
        for button in (clear, *submits) if moved else (*submits, clear):
            button.pack(side="left", padx=(0, 8))

        listing = ttk.Frame(self._group(main, "List", 0, 1))  # own frame: keeps the list 8 rows tall
        listing.pack(fill="x")
        self.items = tk.Listbox(listing, name="items", height=8, activestyle="none", **_FIELD_LOOK)
        self.items.configure(exportselection=False, selectbackground=ACCENT, selectforeground="white")
        self.scrollbar = ttk.Scrollbar(listing, name="scrollbar", orient="vertical", command=self.items.yview)
        self.items.configure(yscrollcommand=self._on_list_scroll)
        for number in range(1, 51):
            self.items.insert("end", f"Item {number}")
        self.items.pack(side="left", fill="both", expand=True)
        self.scrollbar.pack(side="left", fill="y")

        board_frame = self._group(main, "Board (drag the square)", 1, 0)
        self.board = tk.Canvas(board_frame, name="board", width=BOARD_W, height=BOARD_H, **_CANVAS_LOOK)
        self.board.pack()
        target = self.board.create_rectangle(170, 20, 250, 100, outline="#16a34a", fill="#f0fdf4", width=2)
        self.board.itemconfigure(target, dash=(4, 3), tags="target")
        self.board.create_text(210, 60, text="Drop here", fill="#15803d", font="TkDefaultFont")
        self.board.create_rectangle(25, 45, 55, 75, fill="#f97316", outline="#c2410c", width=2, tags="token")

        clicks = self._group(main, "Clicks", 1, 1)
        count = ttk.Button(clicks, name="count", text="Count", command=self._on_count)
        count.pack(anchor="w")
        self.anim = tk.Canvas(clicks, name="anim", width=200, height=8, **_CANVAS_LOOK)
        self.anim.configure(background=PANEL)
        self.anim.pack(anchor="w", pady=(4, 8))
        self.anim.create_rectangle(0, 0, 40, 8, fill=ACCENT, width=0, state="hidden", tags=("bar",))
        double = ttk.Label(clicks, name="double", text="Double-click me", style="Target.TLabel")
        double.pack(anchor="w", pady=(0, 8))
        context = ttk.Label(clicks, name="context", text="Right-click me", style="Target.TLabel")
        context.pack(anchor="w")
        if self.variant.submit == "two":
            twins = ttk.Frame(clicks)
            twins.pack(anchor="w", pady=(8, 0))
            for twin in ("submit", "submit2"):
                submits.append(ttk.Button(twins, name=twin, text="Submit", command=self._on_submit))
                submits[-1].pack(side="left", padx=(0, 8))

        self.status = ttk.Label(main, name="status", text="Ready", style="Status.TLabel", anchor="w")
        self.status.grid(row=2, column=0, columnspan=2, sticky="ew")

        self.menu = tk.Menu(root, name="menu", tearoff=False, font="TkMenuFont")
        for label in ("Copy", "Paste", "Rename"):
            self.menu.add_command(label=label, command=functools.partial(self._on_menu, label))

        self.widgets: dict[str, tk.Misc] = {
            **{str(button).rsplit(".", 1)[-1]: button for button in submits},
            "name": name,
            "email": email,
            "notes": self.notes,
            "agree": agree,
            "clear": clear,
            "items": self.items,
            "scrollbar": self.scrollbar,
            "board": self.board,
            "count": count,
            "anim": self.anim,
            "double": double,
            "context": context,
            "status": self.status,
        }
        self._names: dict[str, str] = {str(widget): key for key, widget in self.widgets.items()}
        self._names.update({str(self.root): "window", str(self.menu): "menu"})
        name.focus_set()  # a form usually opens with its first field focused

    def _group(self, parent: tk.Misc, title: str, row: int, column: int) -> ttk.Labelframe:
        group = ttk.Labelframe(parent, text=title, padding=(10, 6))
        group.grid(row=row, column=column, sticky="nsew", padx=(0, 6) if column == 0 else (6, 0), pady=(0, 8))
        return group

    def _entry(self, form: ttk.Labelframe, row: int, label: str, var: tk.StringVar) -> ttk.Entry:
        ttk.Label(form, text=label).grid(row=row, column=0, sticky="w", pady=3, padx=(0, 8))
        entry = ttk.Entry(form, name=label.lower(), textvariable=var, width=24)
        entry.grid(row=row, column=1, sticky="ew", pady=3)
        return entry

    def _bind(self) -> None:
        root = self.root
        self.name_var.trace_add("write", lambda *_: self._on_field())
        self.email_var.trace_add("write", lambda *_: self._on_field())
        self.notes.bind("<<Modified>>", self._on_notes)
        self.items.bind("<<ListboxSelect>>", self._on_select)
        for widget in (self.items, self.scrollbar):
            widget.bind("<ButtonPress>", self._on_wheel)  # Tk 8.6 cannot name buttons 6/7 in a pattern
        self.board.tag_bind("token", "<ButtonPress-1>", lambda e: setattr(self, "_drag", (e.x, e.y)))
        self.board.bind("<B1-Motion>", self._on_drag_move)
        self.board.bind("<ButtonRelease-1>", self._on_drag_end)
        self.board.bind("<ButtonPress-2>", lambda _e: self._bump("middle_clicks", "Middle clicks"))
        self.board.bind("<ButtonPress-3>", lambda e: self._popup(e, "board"))
        self.widgets["context"].bind("<ButtonPress-3>", lambda e: self._popup(e, "context"))
        self.widgets["double"].bind("<Double-Button-1>", lambda _e: self._bump("double_clicks", "Double clicks"))
        self.menu.bind("<Map>", lambda _e: self.root.after_idle(self._on_menu_mapped))
        self.menu.bind("<Unmap>", lambda _e: self._set_menu_open(False))
        # "." is in every child's bindtags, so these fire whichever widget has focus / changed size.
        for pattern in ("<Control-KeyPress>", "<Mod1-KeyPress>", "<Mod4-KeyPress>"):
            root.bind(pattern, self._on_chord)
        root.bind("<Configure>", lambda _e: self._schedule_geometry())
        root.bind_all("<ButtonPress>", self._on_any_click, add="+")
        root.bind_all("<FocusIn>", lambda _e: self.write_state(), add="+")
        root.bind_all("<FocusOut>", lambda _e: self.write_state(), add="+")
        root.protocol("WM_DELETE_WINDOW", self.shutdown)

    # ---- handlers -----------------------------------------------------------------------------
    def _on_field(self) -> None:
        self.state.update(name=self.name_var.get(), email=self.email_var.get(), agree=self.agree_var.get())
        self.write_state()

    def _on_notes(self, _event: tk.Event) -> None:
        # <<Modified>> fires only on the flag's false->true edge, so re-arm it after every read.
        self.state["notes"] = self.notes.get("1.0", "end-1c")
        self.notes.edit_modified(False)
        self.write_state()

    def _on_submit(self) -> None:
        keys = ("name", "email", "notes", "agree")
        self.state["submitted"] = {key: self.state[key] for key in keys}
        self.state["submit_count"] += 1
        self._say(f"Submitted ({self.state['submit_count']})")

    def _on_clear(self) -> None:
        self.name_var.set("")
        self.email_var.set("")
        self.notes.delete("1.0", "end")
        self.agree_var.set(False)
        self._on_field()
        self._say("Cleared")

    def _on_select(self, _event: tk.Event) -> None:
        selection = self.items.curselection()
        if selection:
            self.state["selected_index"] = int(selection[0])
            self.state["selected_item"] = self.items.get(selection[0])
            self._say(f"Selected {self.state['selected_item']}")

    def _on_list_scroll(self, first: float, last: float) -> None:
        self.scrollbar.set(first, last)
        self.root.after_idle(self._refresh_geometry)  # yscrollcommand runs mid-redisplay

    def _on_wheel(self, event: tk.Event) -> str | None:
        shift = bool(int(event.state) & 0x1)
        direction = {4: "left" if shift else "up", 5: "right" if shift else "down", 6: "left", 7: "right"}
        if event.num not in direction:
            return None  # buttons 1-3 go on to the Listbox/Scrollbar class bindings
        where = direction[event.num]
        self.state["wheel"][where] += 1
        step = -WHEEL_ROWS if where in ("up", "left") else WHEEL_ROWS
        view = self.items.xview if where in ("left", "right") else self.items.yview
        view("scroll", step, "units")
        self.write_state()
        return "break"  # stop Tk's own <4>/<5> binding from scrolling a second time

    def _token_centre(self) -> dict[str, float]:
        x1, y1, x2, y2 = self.board.coords("token")
        return {"x": (x1 + x2) / 2, "y": (y1 + y2) / 2}

    def _on_drag_move(self, event: tk.Event) -> None:
        if self._drag is None:
            return
        x1, y1, x2, y2 = self.board.coords("token")
        # Clamp so the token can never be dragged out of sight.
        dx = max(-x1, min(BOARD_W - x2, event.x - self._drag[0]))
        dy = max(-y1, min(BOARD_H - y2, event.y - self._drag[1]))
        self.board.move("token", dx, dy)
        self._drag = (self._drag[0] + int(dx), self._drag[1] + int(dy))

    def _on_drag_end(self, event: tk.Event) -> None:
        if self._drag is None:
            return
        self._on_drag_move(event)
        self._drag = None
        centre = self._token_centre()
        tx1, ty1, tx2, ty2 = self.board.coords("target")
        self.state["token"] = centre
        self.state["token_on_target"] = tx1 <= centre["x"] <= tx2 and ty1 <= centre["y"] <= ty2
        self.state["widgets"]["token"] = self._canvas_box(self.board, "token")
        self._say("Dropped on target" if self.state["token_on_target"] else "Dropped")

    def _bump(self, key: str, label: str) -> None:
        self.state[key] += 1
        self._say(f"{label}: {self.state[key]}")

    def _on_any_click(self, event: tk.Event) -> None:
        if event.num in (4, 5, 6, 7):  # wheel notches are not clicks
            return
        self.state["last_click_button"] = int(event.num)
        self.state["button_presses"] += 1
        self.state["last_click_widget"] = self._names.get(str(event.widget), str(event.widget))
        self.write_state()

    def _popup(self, event: tk.Event, source: str) -> None:
        self.state["menu"] = {"open": False, "source": source, "entries": {}}
        self.menu.tk_popup(event.x_root, event.y_root)

    def _on_menu(self, choice: str) -> None:
        self.state["menu_choice"] = choice
        self._say(f"Menu: {choice}")

    def _on_chord(self, event: tk.Event) -> None:
        if event.keysym in _MODIFIER_KEYS:
            return
        mods = [name for mask, name in _MODIFIERS if int(event.state) & mask]
        if mods == ["ctrl"] and event.keysym.lower() == "k":
            # An effect nobody can see: counted in the state file only, nothing redrawn. A verifier
            # that repeats what showed no change would count 2 here (a message sent twice).
            self.state["silent_count"] += 1
            self.write_state()
            return
        self.state["last_chord"] = "+".join([*mods, event.keysym.lower()])
        self.state["chord_count"] += 1
        self._say(f"Chord: {self.state['last_chord']}")

    def _on_count(self) -> None:
        if self.animate_ms > 0:
            self._anim_until = time.monotonic() + self.animate_ms / 1000
            if not self.state["animating"]:
                self.state["animating"] = True
                self.anim.itemconfigure("bar", state="normal")
                self.root.after(ANIM_STEP_MS, self._animate)
        self._bump("count_clicks", "Count")

    def _animate(self) -> None:
        if time.monotonic() >= self._anim_until:
            self.anim.itemconfigure("bar", state="hidden")
            self.anim.coords("bar", 0, 0, 40, 8)
            self.state["animating"] = False
            self.write_state()
            return
        x1 = self.anim.coords("bar")[0]
        shift = 8 if x1 + 48 <= int(self.anim.cget("width")) else -x1  # wrap round to the left
        self.anim.move("bar", shift, 0)
        self.root.after(ANIM_STEP_MS, self._animate)

    def shutdown(self, *_: object) -> None:
        if self._closing:
            return
        self._closing = True
        self.state["closed"] = True
        self.write_state()
        self.root.destroy()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scenarios.demo_app", description=__doc__)
    parser.add_argument("--state", type=Path, help="JSON file rewritten after every change (default: none)")
    parser.add_argument("--x", type=int, default=40, help="window position on the screen (default 40)")
    parser.add_argument("--y", type=int, default=40, help="window position on the screen (default 40)")
    parser.add_argument("--resizable", action="store_true", help="let the window be resized")
    parser.add_argument("--size", default=f"{WIDTH}x{HEIGHT}", help="window size WxH (default 640x560)")
    parser.add_argument("--animate-ms", type=int, default=0, help="animate a bar for N ms after Count")
    parser.add_argument("--exit-after-s", type=float, default=0.0, help="quit after S seconds (0: never)")
    parser.add_argument("--theme", choices=["light", "dark"], default="light")
    parser.add_argument("--layout", choices=["standard", "moved"], default="standard")
    parser.add_argument("--submit", choices=["one", "none", "two"], default="one")
    parser.add_argument("--fields", choices=["standard", "swapped"], default="standard")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.state is not None:
        args.state.parent.mkdir(parents=True, exist_ok=True)
    root = tk.Tk()
    root.title(TITLE)
    root.geometry(f"{args.size}+{args.x}+{args.y}")
    root.resizable(args.resizable, args.resizable)
    variant = Variant(theme=args.theme, layout=args.layout, submit=args.submit, fields=args.fields)
    if variant.theme != "light":
        apply_theme(sys.modules[__name__], variant.theme)
    app = DemoApp(root, args.state.resolve() if args.state else None, args.animate_ms, variant)
    signal.signal(signal.SIGTERM, app.shutdown)
    signal.signal(signal.SIGINT, app.shutdown)

    def heartbeat() -> None:  # Python handles signals between bytecodes; with a non-threaded Tcl the
        root.after(200, heartbeat)  # loop would otherwise sit in C while idle and SIGTERM would wait

    heartbeat()
    if args.exit_after_s > 0:
        root.after(int(args.exit_after_s * 1000), app.shutdown)
    root.mainloop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
