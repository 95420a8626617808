"""The accessibility bus, spoken directly with dbus-fast: pipelined calls from synchronous code.

Why dbus-fast and not PyGObject's ``Atspi``: measured on featherpad's whole tree (191 elements, 2-core
machine under load, 10 reads each, medians): dbus-fast 0.11-0.20 s and 0.05 s of our CPU, gi 0.13-0.16 s
and 0.04 s, jeepney 0.17-0.30 s and 0.12 s. gi is no faster, and needs a system typelib plus a PyGObject
built against the system's GLib (compilers and -dev headers): ``pip install deskpilot`` cannot bring it.
dbus-fast ships wheels (its marshaller compiled), so pip installs everything but the bus itself.

The calls for a whole level of the tree are sent at once and their replies awaited together (a round
trip per level, not per property). dbus-fast's writer fails with EAGAIN when thousands of messages are
queued at once (measured: ``BlockingIOError`` from its write callback), so at most ``_IN_FLIGHT`` calls
are outstanding. The event loop runs in a daemon thread of its own, so callers stay synchronous and may
themselves be inside an asyncio loop.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from actions.errors import DesktopError

if TYPE_CHECKING:  # asyncio is imported where a bus is opened: a run that never reads a tree never pays for it
    import asyncio

_IN_FLIGHT = 32
_INSTALL_HINT = "pip install dbus-fast"


class A11yUnavailable(DesktopError):
    """No accessibility bus to read (not running, not reachable, or dbus-fast missing); ``str`` says which."""


@dataclass(frozen=True)
class Call:
    bus: str
    path: str
    interface: str
    member: str
    signature: str = ""
    body: tuple[Any, ...] = ()


class Failed:
    """A call the app answered with an error (or never answered): kept apart from real ``None`` bodies."""

    __slots__ = ("error",)

    def __init__(self, error: str) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"Failed({self.error!r})"


Reply = list[Any] | Failed


class A11yBus:
    """One connection to the accessibility bus. ``calls`` answers a batch, in order."""

    def __init__(self, address: str, connect_timeout_s: float = 5.0) -> None:
        import asyncio

        try:
            from dbus_fast.aio import MessageBus
        except ImportError as exc:
            raise A11yUnavailable(f"dbus-fast is not installed ({_INSTALL_HINT})") from exc
        self.address = address
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_quiet_when_the_bus_goes)
        self._thread = threading.Thread(target=self._loop.run_forever, name="deskpilot-a11y-bus", daemon=True)
        self._thread.start()
        self._limit: asyncio.Semaphore | None = None
        try:
            self._bus = self._run(_connect(MessageBus, address), connect_timeout_s)
        except A11yUnavailable:
            self.close()
            raise
        except Exception as exc:  # dbus-fast raises several types for an unreachable bus
            self.close()
            raise A11yUnavailable(f"cannot connect to the accessibility bus {address}: {exc}") from exc

    def _run(self, coro: Any, timeout_s: float) -> Any:
        import asyncio

        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout_s)
        except FutureTimeout:
            future.cancel()
            raise A11yUnavailable(f"the accessibility bus did not answer within {timeout_s:.1f} s") from None

    def calls(self, batch: Sequence[Call], timeout_s: float = 2.0) -> list[Reply]:
        if not batch:
            return []
        return list(self._run(self._gather(batch, timeout_s), timeout_s + 1.0))

    async def _gather(self, batch: Sequence[Call], timeout_s: float) -> list[Reply]:
        import asyncio

        if self._limit is None:
            self._limit = asyncio.Semaphore(_IN_FLIGHT)
        return await asyncio.gather(*(self._one(call, timeout_s) for call in batch))

    async def _one(self, call: Call, timeout_s: float) -> Reply:
        import asyncio

        from dbus_fast import Message, MessageType

        assert self._limit is not None
        async with self._limit:
            message = Message(
                destination=call.bus,
                path=call.path,
                interface=call.interface,
                member=call.member,
                signature=call.signature,
                body=list(call.body),
            )
            try:
                reply = await asyncio.wait_for(self._bus.call(message), timeout_s)
            except asyncio.TimeoutError:
                return Failed(f"no answer within {timeout_s:.1f} s")
            except Exception as exc:  # a vanished app: the bus says so as an exception
                return Failed(str(exc) or type(exc).__name__)
        if reply is None or reply.message_type != MessageType.METHOD_RETURN:
            return Failed(str(reply.body[0]) if reply is not None and reply.body else "error")
        return list(reply.body)

    def close(self) -> None:
        bus = getattr(self, "_bus", None)
        if bus is not None:
            self._loop.call_soon_threadsafe(bus.disconnect)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=2.0)


def _quiet_when_the_bus_goes(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The bus closing under us (the desktop stopped first) surfaces as an unretrieved EOFError in dbus-fast's
    reader: the next call says so as ``Failed``; nothing to print at exit."""
    if isinstance(context.get("exception"), EOFError | ConnectionError):
        return
    loop.default_exception_handler(context)


async def _connect(bus_type: Any, address: str) -> Any:
    return await bus_type(bus_address=address).connect()  # made inside the loop: dbus-fast binds to it


def find_bus_address(timeout_s: float = 2.0, session: str | None = None) -> str:
    """Where the accessibility bus is: ``AT_SPI_BUS_ADDRESS`` if set (a private desktop exports it), else
    what ``org.a11y.Bus`` on the session bus (``session``, or the environment's) says."""
    direct = os.environ.get("AT_SPI_BUS_ADDRESS") if session is None else None
    if direct:
        return direct
    session = session or os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if not session:
        raise A11yUnavailable(
            "no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set, so there is no accessibility "
            "bus (a private desktop starts one; `deskpilot doctor` says more)"
        )
    bus = A11yBus(session, timeout_s)
    try:
        reply = bus.calls([Call("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress")], timeout_s)[0]
    finally:
        bus.close()
    if isinstance(reply, Failed) or not reply or not reply[0]:
        why = reply.error if isinstance(reply, Failed) else "an empty address"
        raise A11yUnavailable(
            f"the session bus has no accessibility bus (org.a11y.Bus: {why}); install "
            "at-spi2-core and start /usr/libexec/at-spi-bus-launcher"
        )
    return str(reply[0])
