"""The XRecord listener base closes every connection it opened, on every way out (no display needed)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from actions.errors import DesktopError
from actions.x11 import require_x11, xrecord
from actions.x11.input_capture import X11InputCapture
from actions.x11.key_watcher import KeyPressWatcher


class FakeConnection:
    """Stands in for an Xlib Display: records whether it was closed."""

    def __init__(self, record: bool = True, create_fails: bool = False) -> None:
        self.record, self.create_fails, self.closed = record, create_fails, False

    def has_extension(self, name: str) -> bool:
        return self.record

    def record_create_context(self, *args: Any) -> int:
        if self.create_fails:
            raise OSError("the server refused the context")
        return 1

    def close(self) -> None:
        self.closed = True


class Listener(xrecord.XRecordListener):
    feature = "listening in a test"
    fail_prepare = False

    def _prepare(self) -> None:
        if self.fail_prepare:
            raise DesktopError("q is not on this X keyboard map")


class Connections(list[FakeConnection]):
    """The connections a listener opened, in order; ``fail_at``: the one that cannot open."""

    fail_at = -1
    options: dict[str, bool] = {}  # replaced per test, never mutated


@pytest.fixture
def conns(monkeypatch: pytest.MonkeyPatch) -> Connections:
    made = Connections()

    def open_display(name: str | None = None, error: type[Exception] = DesktopError) -> FakeConnection:
        if len(made) == made.fail_at:
            raise error(f"cannot open the X display {name}: refused")
        made.append(FakeConnection(**made.options))
        return made[-1]

    monkeypatch.setattr(xrecord, "open_display", open_display)
    return made


def test_no_record_extension_closes_all_three_connections(conns: Connections) -> None:
    conns.options = {"record": False}
    with pytest.raises(DesktopError, match="no RECORD extension"):
        Listener(":9")
    assert len(conns) == 3 and all(conn.closed for conn in conns)


def test_a_connection_that_cannot_open_closes_those_already_open(conns: Connections) -> None:
    conns.fail_at = 2
    with pytest.raises(DesktopError, match="cannot open the X display :9"):
        Listener(":9")
    assert len(conns) == 2 and all(conn.closed for conn in conns)


def test_a_failing_setup_closes_all_three_connections(conns: Connections) -> None:
    class Failing(Listener):
        fail_prepare = True

    with pytest.raises(DesktopError, match="not on this X keyboard map"):
        Failing(":9")
    assert len(conns) == 3 and all(conn.closed for conn in conns)


def test_a_context_the_server_refuses_closes_all_three_connections(conns: Connections) -> None:
    conns.options = {"create_fails": True}
    listener = Listener(":9")
    with pytest.raises(OSError, match="refused the context"):
        listener.start()
    assert len(conns) == 3 and all(conn.closed for conn in conns)
    assert not listener.alive


def test_both_listeners_share_the_base() -> None:
    assert issubclass(X11InputCapture, xrecord.XRecordListener)
    assert issubclass(KeyPressWatcher, xrecord.XRecordListener)


def test_without_x11_the_feature_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(DesktopError) as refused:
        require_x11("recording a scenario")
    assert str(refused.value) == "recording a scenario needs an X11 desktop (Linux); this is darwin"
    with pytest.raises(DesktopError, match="^input recording needs an X11 desktop"):
        X11InputCapture(lambda event: None, ":9")
