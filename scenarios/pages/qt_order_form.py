"""A Qt 5 order form with the widgets that trip a tree reader up: a combo box (whose closed popup leaves its
current item marked focused), a length-limited field and a spin box (Qt names its role "spin box").

Run by the system's Python with Debian's PyQt5 (``python3-pyqt5``), as ``scenarios/pages/qt_form.py`` is:
``python3 scenarios/pages/qt_order_form.py [--x X --y Y]``. It imports nothing of the project.
Save prints what the form holds as one JSON line (``{"size": ..., "zip": ..., "quantity": ...}``) and quits:
a test reads the app's own word there, never the agent's verdicts.
"""

from __future__ import annotations

import argparse
import json
import sys

TITLE = "Qt order form"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qt_order_form.py", description=__doc__)
    parser.add_argument("--x", type=int, default=40)
    parser.add_argument("--y", type=int, default=40)
    args, qt_args = parser.parse_known_args(argv)

    from PyQt5.QtWidgets import QApplication, QComboBox, QFormLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

    app = QApplication([sys.argv[0], *qt_args])
    app.setStyle("Fusion")
    window = QWidget()
    window.setWindowTitle(TITLE)
    layout = QFormLayout(window)
    size = QComboBox()
    size.addItems(["Small", "Medium", "Large"])
    zip_code = QLineEdit()
    zip_code.setMaxLength(5)
    quantity = QSpinBox()
    quantity.setRange(0, 50)
    quantity.setValue(3)
    for text, widget in (("Size", size), ("Zip", zip_code), ("Quantity", quantity)):
        label = QLabel(text)
        label.setBuddy(widget)  # the label names the widget in the tree
        widget.setMinimumWidth(220)
        layout.addRow(label, widget)
    save = QPushButton("Save")
    layout.addRow("", save)

    def report() -> None:
        held = {"size": size.currentText(), "zip": zip_code.text(), "quantity": quantity.value()}
        print(json.dumps(held), flush=True)
        app.quit()

    save.clicked.connect(report)
    window.move(args.x, args.y)
    window.show()
    return app.exec_()


if __name__ == "__main__":
    sys.exit(main())
