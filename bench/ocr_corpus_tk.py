"""A Tk window of known labels for the OCR corpus: ``python -m bench.ocr_corpus_tk light|dark``.

It prints one JSON line, the screen box of every label's text, once the window is mapped and idle,
and closes when its standard input does. The box is exact, not estimated: Tk centres a label's text in
the widget, and the font says how wide the text is (``font.measure``) and how tall a line is.
"""

from __future__ import annotations

import json
import sys
import tkinter as tk
from tkinter import font as tkfont

# (row of widgets, font size in points): a calculator display, its keys, a dialog, other languages.
ROWS: list[tuple[list[str], int]] = [
    (["408"], 26),
    (["7", "8", "9", "÷", "√"], 14),
    (["4", "5", "6", "×", "="], 14),
    (["1", "2", "3", "-", "+"], 14),
    (["Do you want to save changes?"], 11),
    (["Don't Save", "Cancel", "Save"], 10),
    (["Speichern unter", "Öffnen", "Annuler", "Préférences"], 10),
    (["tiny print 8pt", "Large title"], 0),  # sizes given per label below
    (["文件", "编辑", "帮助", "ファイル", "表示"], 12),
]
_SIZES = {"tiny print 8pt": 7, "Large title": 22}


def build(theme: str) -> tk.Tk:
    dark = theme == "dark"
    bg, fg, key_bg = ("#202124", "#e8eaed", "#3c4043") if dark else ("#ececec", "#111111", "#fafafa")
    root = tk.Tk()
    root.title(f"ocr corpus tk {theme}")
    root.configure(bg=bg)
    root.geometry("+60+40" if not dark else "+640+40")
    for r, (texts, size) in enumerate(ROWS):
        frame = tk.Frame(root, bg=bg)
        frame.grid(row=r, column=0, sticky="w", padx=10, pady=3)
        for c, text in enumerate(texts):
            family = "DejaVu Sans Mono" if r == 0 else "DejaVu Sans"
            f = tkfont.Font(root, family=family, size=_SIZES.get(text, size))
            kind = tk.Label if r in (0, 4, 7) else tk.Button
            widget = kind(frame, text=text, font=f, bg=key_bg if kind is tk.Button else bg, fg=fg)
            if kind is tk.Button:
                widget.configure(activebackground=key_bg, activeforeground=fg, highlightthickness=0)
            if r == 0:
                widget.configure(bg="#c8d8b0" if not dark else "#10331a", width=10, anchor="e", padx=6)
            widget.grid(row=0, column=c, padx=4)
            widget._corpus_font = f  # type: ignore[attr-defined]
    return root


def truth(root: tk.Tk) -> list[dict[str, object]]:
    labels = []
    for frame in root.winfo_children():
        for widget in frame.winfo_children():
            text, f = widget.cget("text"), widget._corpus_font
            width, line = f.measure(text), f.metrics("linespace")
            x, y, w, h = widget.winfo_rootx(), widget.winfo_rooty(), widget.winfo_width(), widget.winfo_height()
            if widget.cget("anchor") == "e":  # the display: right-aligned inside its padding and border
                inset = sum(int(str(widget.cget(k))) for k in ("padx", "borderwidth", "highlightthickness"))
                left = x + w - inset - width
            else:
                left = x + (w - width) // 2
            labels.append({"text": text, "box": [left, y + (h - line) // 2, width, line]})
    return labels


def main() -> None:
    root = build(sys.argv[1] if len(sys.argv) > 1 else "light")
    root.update_idletasks()
    root.update()

    def report() -> None:
        print(json.dumps(truth(root), ensure_ascii=False), flush=True)
        root.tk.createfilehandler(sys.stdin, tk.READABLE, lambda *_: root.destroy())

    root.after(300, report)
    root.mainloop()


if __name__ == "__main__":
    main()
