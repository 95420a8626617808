"""Ending a child process we started: politely, then firmly, never leaving it behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping

_GROUP_GONE_S = 2.0  # helpers of a killed group exit within milliseconds; a zombie no one reaps must not hang us


def stop_process(proc: subprocess.Popen[bytes], timeout_s: float = 5.0, *, group: bool = False) -> None:
    """SIGTERM, wait up to ``timeout_s``, then SIGKILL; a process that already exited is left alone.

    ``group``: the process was started with ``start_new_session=True`` and its whole process group goes
    with it. A browser's helper processes (renderer, GPU, crash handler) outlive their parent otherwise
    and keep writing into its profile folder while the caller deletes it."""
    if proc.poll() is None:
        _send(proc.pid, signal.SIGTERM, group)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _send(proc.pid, signal.SIGKILL, group)
            proc.wait()
    if group:
        _send(proc.pid, signal.SIGKILL, group)  # the helpers that outlived the parent
        deadline = time.monotonic() + _GROUP_GONE_S
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)  # waiting for other processes to exit, not in the action path


def _send(pid: int, signum: int, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def app_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for an application we start, without what OpenCV's bundled Qt put into this process.

    The non-headless OpenCV wheel (pulled in by rapidocr-onnxruntime beside the headless one) sets
    ``QT_QPA_PLATFORM_PLUGIN_PATH``, ``QT_QPA_FONTDIR`` and ``LD_LIBRARY_PATH`` to its own copies when
    ``cv2`` is imported; a system Qt app started with them (featherpad) never opens its window."""
    clean = {k: v for k, v in env.items() if not (k in _CV2_QT_VARS and _CV2_DIR in v)}
    if "LD_LIBRARY_PATH" in clean:
        kept = [part for part in clean["LD_LIBRARY_PATH"].split(os.pathsep) if part and _CV2_DIR not in part]
        if kept:
            clean["LD_LIBRARY_PATH"] = os.pathsep.join(kept)
        else:
            del clean["LD_LIBRARY_PATH"]
    return clean


_CV2_QT_VARS = ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR", "QT_PLUGIN_PATH")
_CV2_DIR = f"{os.sep}cv2{os.sep}"
