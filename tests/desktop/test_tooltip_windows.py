"""``WindowReader.tooltips`` follows the root's map events after one full look: a tooltip mapped, unmapped,
mapped again or destroyed between two questions is seen as it is at the second, never from a stale list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from Xlib import X, Xatom, display

from actions.x11.windows import WindowReader


@contextmanager
def other_client(name: str) -> Iterator[Any]:
    """A second X client, as an application showing tooltips would be."""
    d = display.Display(name)
    try:
        yield d
    finally:
        d.close()


def _window(d: Any, box: tuple[int, int, int, int], kind: str, override: bool) -> Any:
    x, y, w, h = box
    win = d.screen().root.create_window(x, y, w, h, 0, X.CopyFromParent, override_redirect=override)
    kind_atom = d.intern_atom(f"_NET_WM_WINDOW_TYPE_{kind}")
    win.change_property(d.intern_atom("_NET_WM_WINDOW_TYPE"), Xatom.ATOM, 32, [kind_atom])
    return win


def test_tooltips_shown_and_hidden_between_questions_are_seen_as_they_are(desktop) -> None:
    with WindowReader(desktop.display) as reader, other_client(desktop.display) as app:
        assert reader.tooltips() == []  # the first question looks at every child of the root
        tip = _window(app, (300, 200, 120, 24), "TOOLTIP", override=True)
        menu = _window(app, (500, 200, 80, 90), "POPUP_MENU", override=True)  # unmanaged, but no tooltip
        tip.map()
        menu.map()
        app.sync()
        shown = reader.tooltips()
        assert [(t.window_id, t.left, t.top, t.width, t.height) for t in shown] == [(tip.id, 300, 200, 120, 24)]
        tip.unmap()
        app.sync()
        assert reader.tooltips() == []
        tip.map()
        app.sync()
        assert [t.window_id for t in reader.tooltips()] == [tip.id]
        tip.destroy()
        app.sync()
        assert reader.tooltips() == []


def test_a_tooltip_mapped_before_the_first_question_is_found_by_the_full_look(desktop) -> None:
    with other_client(desktop.display) as app:
        tip = _window(app, (40, 40, 60, 20), "TOOLTIP", override=True)
        tip.map()
        app.sync()
        with WindowReader(desktop.display) as reader:
            assert [t.window_id for t in reader.tooltips()] == [tip.id]
            tip.unmap()
            app.sync()
            assert reader.tooltips() == []
