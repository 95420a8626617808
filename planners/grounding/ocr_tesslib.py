"""Tesseract in this process (libtesseract's C API through ctypes), models loaded once per language set.

Starting the ``tesseract`` program costs 60-300 ms before it reads a pixel (it loads its language
models every time: 0.3 s for eng, 0.56 s for deu+fra+eng, 0.95 s with chi_sim+jpn, measured on the
shared 2-core machine at load 4), more than the whole budget of a scoped read (150 ms). The library
keeps one initialised API per language set and page segmentation settings, so a read pays only for
recognition. Where the library cannot be loaded, ``ocr_tesseract`` starts the program as before.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import os
import threading
from collections.abc import Sequence

import numpy as np

_LEPT_SEVERITY_NONE = 6  # leptonica's L_SEVERITY_NONE
_QUIET = (("debug_file", "/dev/null"),)  # tesseract's own notes ("Detected 3 diacritics") go nowhere
_LIBRARY_NAMES = ("libtesseract.so.5", "libtesseract.so")
_load_lock = threading.Lock()
_library: list[ctypes.CDLL | None] = []  # [] before the first try, [None] when it is not there


def _load() -> ctypes.CDLL | None:
    with _load_lock:
        if not _library:
            # One OpenMP thread, as for the program (faster on 2 cores). libgomp reads it once, as it loads;
            # it is put back after, so that the apps a run starts do not inherit it.
            before = os.environ.get("OMP_THREAD_LIMIT")
            os.environ.setdefault("OMP_THREAD_LIMIT", "1")
            try:
                lib = _open_library()
            finally:
                if before is None:
                    os.environ.pop("OMP_THREAD_LIMIT", None)
            if lib is not None:
                _declare(lib)
                _quiet_leptonica()
            _library.append(lib)
        return _library[0]


def _open_library() -> ctypes.CDLL | None:
    for name in (*_LIBRARY_NAMES, ctypes.util.find_library("tesseract")):
        if name is not None:
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
    return None


def _quiet_leptonica() -> None:
    """Leptonica (tesseract's image library) writes its complaints to this process's stderr ("Error in
    boxClipToRectangle" for a blob at the montage's edge); the program's went to its own, unread."""
    with contextlib.suppress(OSError, AttributeError):  # an older or missing leptonica: only noisier
        ctypes.CDLL("liblept.so.5").setMsgSeverity(_LEPT_SEVERITY_NONE)


def _declare(lib: ctypes.CDLL) -> None:
    api = ctypes.c_void_p
    lib.TessBaseAPICreate.restype = api
    lib.TessBaseAPIInit3.argtypes = [api, ctypes.c_char_p, ctypes.c_char_p]
    lib.TessBaseAPIInit3.restype = ctypes.c_int
    lib.TessBaseAPISetPageSegMode.argtypes = [api, ctypes.c_int]
    lib.TessBaseAPISetVariable.argtypes = [api, ctypes.c_char_p, ctypes.c_char_p]
    lib.TessBaseAPISetVariable.restype = ctypes.c_int
    lib.TessBaseAPISetImage.argtypes = [api, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.TessBaseAPISetSourceResolution.argtypes = [api, ctypes.c_int]
    lib.TessBaseAPIGetTsvText.argtypes = [api, ctypes.c_int]
    lib.TessBaseAPIGetTsvText.restype = ctypes.c_void_p  # freed with TessDeleteText, so not c_char_p
    lib.TessDeleteText.argtypes = [ctypes.c_void_p]
    lib.TessBaseAPIClear.argtypes = [api]
    lib.TessBaseAPIDelete.argtypes = [api]


class _Api:
    """One initialised TessBaseAPI, used by one thread at a time."""

    def __init__(self, lib: ctypes.CDLL, lang: str, psm: int, extra: Sequence[str]) -> None:
        self.lib, self.lock = lib, threading.Lock()
        self.handle = lib.TessBaseAPICreate()
        if lib.TessBaseAPIInit3(self.handle, None, lang.encode()) != 0:
            raise OSError(f"libtesseract could not load the languages {lang!r}")
        lib.TessBaseAPISetPageSegMode(self.handle, psm)
        for name, value in _QUIET:
            lib.TessBaseAPISetVariable(self.handle, name.encode(), value.encode())
        args = list(extra)
        for flag, setting in zip(args[::2], args[1::2], strict=True):
            name, _, value = setting.partition("=")
            if flag != "-c" or not lib.TessBaseAPISetVariable(self.handle, name.encode(), value.encode()):
                raise OSError(f"libtesseract does not take {flag} {setting}")

    def tsv(self, image: np.ndarray, dpi: int) -> str:
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        h, w = pixels.shape
        with self.lock:
            self.lib.TessBaseAPISetImage(self.handle, pixels.ctypes.data, w, h, 1, w)
            self.lib.TessBaseAPISetSourceResolution(self.handle, dpi)
            text = self.lib.TessBaseAPIGetTsvText(self.handle, 0)
            try:
                return ctypes.string_at(text).decode(errors="replace") if text else ""
            finally:
                if text:
                    self.lib.TessDeleteText(text)
                self.lib.TessBaseAPIClear(self.handle)


_apis_lock = threading.Lock()
_apis: dict[tuple[str, int, tuple[str, ...]], _Api | None] = {}


def read_tsv(image: np.ndarray, dpi: int, lang: str, psm: int, extra: Sequence[str] = ()) -> str | None:
    """Tesseract's TSV rows (no header) for a gray image, or None where the library cannot read it
    (not installed, a language or a setting it refuses): the caller then starts the program, whose
    message names what is wrong."""
    key = (lang, psm, tuple(extra))
    with _apis_lock:
        if key not in _apis:
            lib = _load()
            try:
                _apis[key] = _Api(lib, lang, psm, extra) if lib is not None else None
            except OSError:
                _apis[key] = None
        api = _apis[key]
    return None if api is None else api.tsv(image, dpi)


@atexit.register
def _end() -> None:
    """Free every API before the library's own exit handlers run (they warn of each model still held)."""
    with _apis_lock:
        for api in _apis.values():
            if api is not None:
                with api.lock:
                    api.lib.TessBaseAPIDelete(api.handle)
        _apis.clear()
