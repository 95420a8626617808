"""A two-field Qt 5 form (Name, City, Submit) for the robustness bench and the Qt identity test.

Run by the system's Python with Debian's PyQt5 (``python3-pyqt5``; the project's venv does not carry Qt):
``python3 scenarios/pages/qt_form.py [--order swapped] [--theme dark] [--lang de] [--x X --y Y]``.
It imports nothing of the project, so it runs as a plain script.

What the form holds is the app's own output: every edit prints one JSON line with both fields
(``{"name": ..., "city": ..., "submitted": false}``), Submit prints the last one with ``"submitted": true``
and quits. A replay is judged by these lines, never by the agent's verdicts. Each label is its field's
buddy, so Qt names the field after its label in the accessibility tree (as a real dialog does).
"""

from __future__ import annotations

import argparse
import json
import sys

TITLE = "Qt address form"
LABELS = {
    "en": {"name": "Name", "city": "City", "submit": "Submit"},
    "de": {"name": "Name", "city": "Stadt", "submit": "Absenden"},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qt_form.py", description=__doc__)
    parser.add_argument("--order", choices=["recorded", "swapped"], default="recorded")
    parser.add_argument("--theme", choices=["light", "dark"], default="light")
    parser.add_argument("--lang", choices=sorted(LABELS), default="en")
    parser.add_argument("--x", type=int, default=40)
    parser.add_argument("--y", type=int, default=40)
    args, qt_args = parser.parse_known_args(argv)

    from PyQt5.QtGui import QColor, QPalette
    from PyQt5.QtWidgets import QApplication, QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

    app = QApplication([sys.argv[0], *qt_args])
    app.setStyle("Fusion")  # the same look wherever it runs (no desktop settings on Xvfb)
    if args.theme == "dark":
        palette = QPalette()
        for role, colour in (
            (QPalette.Window, "#202124"),
            (QPalette.WindowText, "#e8e8e8"),
            (QPalette.Base, "#2b2c30"),
            (QPalette.Text, "#e8e8e8"),
            (QPalette.Button, "#3a3b40"),
            (QPalette.ButtonText, "#e8e8e8"),
        ):
            palette.setColor(role, QColor(colour))
        app.setPalette(palette)

    words = LABELS[args.lang]
    window = QWidget()
    window.setWindowTitle(TITLE)
    layout = QFormLayout(window)
    fields = {key: QLineEdit() for key in ("name", "city")}
    for key in ("city", "name") if args.order == "swapped" else ("name", "city"):
        label = QLabel(words[key])
        label.setBuddy(fields[key])  # the label names the field (its accessible name), as in a real dialog
        fields[key].setMinimumWidth(220)
        layout.addRow(label, fields[key])
    submit = QPushButton(words["submit"])
    layout.addRow("", submit)

    def report(submitted: bool) -> None:
        values = {key: field.text() for key, field in fields.items()}
        print(json.dumps({**values, "submitted": submitted}), flush=True)
        if submitted:
            app.quit()

    for field in fields.values():
        field.textChanged.connect(lambda _text: report(False))
    submit.clicked.connect(lambda: report(True))
    window.move(args.x, args.y)
    window.show()
    return app.exec_()


if __name__ == "__main__":
    sys.exit(main())
