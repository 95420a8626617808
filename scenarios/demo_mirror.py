"""The demo app's mirror of itself: its state and widget geometry, written to a JSON file.

Split from ``demo_app`` so the app's behaviour and its reporting of that behaviour stay separate.
The file is rewritten atomically after every change, so a reader sees the old state or the new.
"""

from __future__ import annotations

import json
import os
import tkinter as tk
from pathlib import Path
from typing import Any

Box = dict[str, int]


def widget_box(widget: tk.Misc) -> Box:
    """A widget's box in screen coordinates."""
    return {"x": widget.winfo_rootx(), "y": widget.winfo_rooty(), "w": widget.winfo_width(), "h": widget.winfo_height()}


class StateMirror:
    """Mixin for DemoApp: keeps ``state`` (and its widget boxes) on disk as JSON."""

    root: tk.Tk
    state_path: Path | None
    state: dict[str, Any]
    widgets: dict[str, tk.Misc]
    items: tk.Listbox
    menu: tk.Menu
    board: tk.Canvas
    status: Any
    _names: dict[str, str]
    _last_body: str
    _geometry_pending: bool
    _stable_polls: int
    _last_geom: tuple[int, ...] | None

    def write_state(self) -> None:
        if self.state_path is None:  # run by hand or by a scenario's setup: nobody reads the state
            return
        self.state["focus"] = self._names.get(str(self.root.tk.call("focus")))
        body = json.dumps({**self.state, "seq": 0}, ensure_ascii=False, sort_keys=True)
        if body == self._last_body:  # focus events and no-op traces would otherwise churn the file
            return
        self._last_body = body
        self.state["seq"] += 1
        tmp = self.state_path.with_name(f".{self.state_path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.state, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.state_path)  # atomic: readers see the old file or the new, never half

    def _say(self, message: str) -> None:
        self.status.configure(text=message)  # visible feedback for an agent that only sees pixels
        self.write_state()

    def _schedule_geometry(self) -> None:
        if not self._geometry_pending:  # one refresh per burst of <Configure> events
            self._geometry_pending = True
            self.root.after_idle(self._refresh_geometry)

    def _canvas_box(self, canvas: tk.Canvas, tag: str) -> Box:
        x1, y1, x2, y2 = canvas.coords(tag)
        left = canvas.winfo_rootx() + round(x1 - canvas.canvasx(0))
        top = canvas.winfo_rooty() + round(y1 - canvas.canvasy(0))
        return {"x": left, "y": top, "w": round(x2 - x1), "h": round(y2 - y1)}

    def _refresh_geometry(self) -> None:
        self._geometry_pending = False
        boxes = {key: widget_box(widget) for key, widget in self.widgets.items()}
        boxes["window"] = widget_box(self.root)
        boxes["token"] = self._canvas_box(self.board, "token")
        boxes["target"] = self._canvas_box(self.board, "target")
        self.state["widgets"] = boxes
        self._refresh_rows()
        self.write_state()

    def _refresh_rows(self) -> None:
        rows, left, top = [], self.items.winfo_rootx(), self.items.winfo_rooty()
        first = self.items.nearest(0)
        for index in range(first, self.items.size()):
            bbox = self.items.bbox(index)
            if bbox is None:
                continue
            x, y, w, h = bbox
            if y + h > self.items.winfo_height():  # partly hidden row: not a safe click target
                break
            rows.append({"index": index, "text": self.items.get(index), "x": left + x, "y": top + y, "w": w, "h": h})
        self.state["list_top_index"] = first
        self.state["list_rows"] = rows

    def _poll_ready(self) -> None:
        # The WM reparents and may move the window after it maps; only call it ready once the root is
        # viewable and its geometry has held still for three polls, so the "widgets" boxes are final.
        root = self.root
        geom = (root.winfo_rootx(), root.winfo_rooty(), root.winfo_width(), root.winfo_height())
        viewable = bool(root.winfo_viewable())
        self._stable_polls = self._stable_polls + 1 if viewable and geom == self._last_geom else 0
        self._last_geom = geom
        if self._stable_polls >= 3:
            self.state["ready"] = True
            self._refresh_geometry()
            return
        root.after(25, self._poll_ready)

    def _on_menu_mapped(self) -> None:
        """The posted context menu's entries as screen boxes, so a test can click one."""
        menu, last = self.menu, self.menu.index("end") or 0
        left, top, width = menu.winfo_rootx(), menu.winfo_rooty(), menu.winfo_width()
        inset = int(str(menu.cget("borderwidth"))) + int(str(menu.cget("activeborderwidth")))
        entries = {}
        for index in range(last + 1):
            y = int(menu.yposition(index))
            end = int(menu.yposition(index + 1)) if index < last else menu.winfo_height() - inset
            entries[menu.entrycget(index, "label")] = {"x": left, "y": top + y, "w": width, "h": end - y}
        self.state["menu"]["entries"] = entries
        self._set_menu_open(True)

    def _set_menu_open(self, is_open: bool) -> None:
        self.state["menu"]["open"] = is_open
        self.write_state()
