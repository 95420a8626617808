"""Read the JSON state file that ``scenarios.demo_app`` keeps up to date.

The demo app rewrites its state file atomically (temp file + ``os.replace``) after every change, so
a reader never sees half a file; it may, however, look before the first write, which is why
:func:`wait_for_state` treats a missing file as "not yet" rather than an error.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

State = dict[str, Any]

_POLL_S = 0.02


def read_state(path: str | Path) -> State:
    """The app's current state; raises ``FileNotFoundError`` before the app's first write."""
    with open(path, encoding="utf-8") as handle:
        state = json.load(handle)
    if not isinstance(state, dict):
        raise ValueError(f"{path}: state is not a JSON object")
    return state


def wait_for_state(path: str | Path, predicate: Callable[[State], bool], timeout_s: float = 5.0) -> State:
    """Poll the state file until ``predicate(state)`` holds and return that state.

    A predicate that trips over a key or value the app has not written yet (``KeyError``,
    ``IndexError``, ``TypeError``) counts as "not yet", so callers can write ``lambda s:
    s["token"]["x"] > 100`` without guarding against the initial ``None``.
    Raises ``TimeoutError`` carrying the last state seen, which is what one needs to debug a test.
    """
    deadline = time.monotonic() + timeout_s
    last: State | None = None
    last_error = "state file never appeared"
    while True:
        try:
            last = read_state(path)
            if predicate(last):
                return last
            last_error = "predicate still false"
        except FileNotFoundError:
            pass
        except (json.JSONDecodeError, ValueError) as exc:  # only if someone else writes the file
            last_error = f"unreadable state: {exc}"
        except (KeyError, IndexError, TypeError) as exc:
            last_error = f"predicate raised {type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            shown = json.dumps(last, ensure_ascii=False, sort_keys=True) if last is not None else "none"
            raise TimeoutError(f"{path}: {last_error} after {timeout_s:.1f} s; last state: {shown}")
        time.sleep(_POLL_S)  # polling a file another process writes; there is nothing to wait on
