"""The tesseract engine: text blobs found by morphology, each read on a page of its own.

Tesseract on a whole screenshot is slow (0.5-1.6 s at 1280x800 on 2 cores) and misses short button
labels whose borders hug the text ("Submit" read as "ubmit"). So it never sees the screen: a cheap
morphological pass finds text-like blobs (borders, i.e. long straight lines, removed first), and each
blob, upscaled 2x and thresholded on its own to black on white, is read at ``--psm 6`` (in process:
``ocr_tesslib``; a page per blob costs what one montage of them all did). On the demo app that reads
all 9 button and field labels; the plain 2x window
crop gives 3 at psm 6 and 8 at psm 3/11/12 (``bench/grounding.py``). Words are cached per blob, keyed
by a hash of its pixels: more labels on one frame, or unchanged (even moved) text on later frames,
cost no further tesseract run. What it still misses (lone digits and symbols, CJK, "408" read as
"AOS") is measured in ``bench/ocr_engines.py``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Sequence

import cv2
import numpy as np

from actions.errors import DesktopError, UserInputError
from actions.frame import Frame
from planners.grounding.gray import frame_gray
from planners.grounding.ocr_blobs import blob_crop, centred_in, overlapping, text_blobs
from planners.grounding.ocr_engine import Box, Word
from planners.grounding.ocr_tesslib import read_tsv

_Read = tuple[str, Box, float, tuple[int, ...]]  # a word as tesseract gave it: text, box, conf, line
_TSV_FIELDS = ["level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width", "height",
               "conf", "text"]  # fmt: skip
_GAP_PX = 12  # white margin around a blob on its page
_PAD_PX = 3  # the blob's own surroundings read with it
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-eng"


def _prepare(crop: np.ndarray, upscale: int) -> np.ndarray:
    """Upscaled, then black text on white: each blob gets its own threshold (Otsu), because one
    threshold for a whole window or montage turns a mid-grey row (a title bar, a selected row) all black."""
    big = cv2.resize(crop, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC)
    _, ink = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return ink if np.count_nonzero(ink) * 2 >= ink.size else 255 - ink  # the background is the majority


def require_tesseract(tesseract: str = "tesseract") -> None:
    """Refuse a tesseract that is not on the PATH, naming the packages that bring it (a DesktopError)."""
    if shutil.which(tesseract) is None:
        raise DesktopError(f"tesseract is not installed ({INSTALL_HINT})")


_LANGUAGES: dict[str, frozenset[str]] = {}  # per tesseract binary: what it names once, it names all run long


def installed_languages(tesseract: str = "tesseract", timeout_s: float = 30.0) -> frozenset[str]:
    """The languages ``tesseract --list-langs`` names (asked once per binary: ~20 ms, a fork and its libraries)."""
    if tesseract not in _LANGUAGES:
        try:
            done = subprocess.run(
                [tesseract, "--list-langs"], capture_output=True, timeout=timeout_s, check=False, text=True
            )
        except (FileNotFoundError, subprocess.TimeoutExpired):
            raise DesktopError(f"tesseract is not installed ({INSTALL_HINT})") from None
        # After the "List of available languages" line; a failing tesseract names none (not kept: asked again).
        if done.returncode != 0:
            return frozenset()
        _LANGUAGES[tesseract] = frozenset(done.stdout.split()[1:])
    return _LANGUAGES[tesseract]


class TesseractEngine:
    """``--ocr tesseract``: ``lang`` is tesseract's ``-l`` (``eng``, ``eng+deu+fra``, ``chi_sim``)."""

    name = "tesseract"

    def __init__(
        self,
        psm: int = 6,
        upscale: int = 2,
        lang: str = "eng",
        tesseract: str = "tesseract",
        timeout_s: float = 30.0,
        cache_size: int = 4096,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.psm, self.upscale, self.lang, self.tesseract = psm, upscale, lang, tesseract
        self.extra_args = tuple(extra_args)  # e.g. ("-c", "tessedit_char_whitelist=0123456789.") for digits
        self.timeout_s, self.cache_size = timeout_s, cache_size
        self._cache: OrderedDict[bytes, tuple[_Read, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.runs = 0  # tesseract processes started: how often the cache missed

    def describe(self) -> str:
        return f"tesseract psm {self.psm} ({self.lang})"

    def forget(self) -> None:
        """Drop every word read so far (the next read of any blob runs tesseract): a cold read, as after
        the screen changed everywhere (``bench.a11y_lookup``'s OCR column)."""
        with self._lock:
            self._cache.clear()

    def check(self) -> None:
        """Refuse, before a run, a tesseract that is missing or lacks a language asked for."""
        require_tesseract(self.tesseract)
        if self.lang == "eng":
            # Every tesseract package ships English (Debian's tesseract-ocr depends on -eng): asking the
            # binary (~15 ms, a fork and its libraries) is only worth it for the languages users add.
            return
        have = installed_languages(self.tesseract, self.timeout_s)
        missing = [lang for lang in self.lang.split("+") if lang not in have]
        if missing:
            packages = " ".join(f"tesseract-ocr-{lang.replace('_', '-').lower()}" for lang in missing)
            raise UserInputError(
                f"--ocr-lang {self.lang}: tesseract has no {', '.join(missing)} (apt-get install {packages})"
            )

    def read(self, frame: Frame, region: Box | None = None) -> list[Word]:
        """The words centred in ``region`` (all for None)."""
        words = self.read_blobs(frame, overlapping(text_blobs(frame), region))
        return words if region is None else [w for w in words if centred_in(w.box, region)]

    def read_blobs(self, frame: Frame, blobs: Sequence[Box]) -> list[Word]:
        """The words in ``blobs``, tesseract run only for unseen ones."""
        gray = frame_gray(frame)
        pixels = [blob_crop(gray, box, _PAD_PX) for box in blobs]
        # The same pixels read with other settings are another entry; the shape tells 1x8 from 8x1.
        config = f"{self.psm}|{self.upscale}|{self.lang}|{self.extra_args}|".encode()
        keys = [
            hashlib.blake2b(config + repr(c.shape).encode() + c.tobytes(), digest_size=16).digest()
            for c, _, _ in pixels
        ]
        with self._lock:
            missing = [i for i, key in enumerate(keys) if key not in self._cache]
        fresh = dict(zip(missing, self._tesseract([pixels[i][0] for i in missing]) if missing else [], strict=True))
        words: list[Word] = []
        with self._lock:
            for index, ((_, x0, y0), key) in enumerate(zip(pixels, keys, strict=True)):
                blob_words = fresh[index] if index in fresh else self._cache.get(key, ())
                self._cache[key] = blob_words
                self._cache.move_to_end(key)
                for text, (x, y, w, h), conf, line in blob_words:
                    words.append(Word(text, "", (x0 + x, y0 + y, w, h), conf, (index, *line)))
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return words

    def _tesseract(self, crops: list[np.ndarray]) -> list[tuple[_Read, ...]]:
        """Read each crop on its own page; words come back in the crop's own pixel coordinates.

        One page per blob, not one montage of all of them: on a montage a word's reading depended on
        the rows above it ("Fenêtre" alone, "Fenétre" below 20 other rows of a screen), so a scoped
        read and a full read, and the per-blob cache, disagreed. In process it costs the same (28
        blobs of a screen: 316 ms alone, 314 ms as a montage)."""
        up, results, runs = self.upscale, [], self.runs
        for crop in crops:
            row = _prepare(crop, up)
            page = np.pad(row, _GAP_PX, constant_values=255)
            words = []
            for text, (left, top, w, h), conf, line in run_tesseract(self, page, 96 * up, self.extra_args):
                box = ((left - _GAP_PX) // up, (top - _GAP_PX) // up, max(1, w // up), max(1, h // up))
                words.append((text, box, conf, line))
            results.append(tuple(words))
        self.runs = runs + 1  # the blobs of one read are one run of the engine, as on one montage they were
        return results


def run_tesseract(engine: TesseractEngine, image: np.ndarray, dpi: int, extra: Sequence[str] = ()) -> list[_Read]:
    """One tesseract read: in this process (``ocr_tesslib``) where the library loads, else the program.
    ``extra``: more tesseract arguments (``-c tessedit_char_whitelist=...`` for digit mode)."""
    engine.runs += 1
    tsv = read_tsv(image, dpi, engine.lang, engine.psm, extra) if engine.tesseract == "tesseract" else None
    if tsv is None:  # no library (or a custom program): start the program
        tsv = _run_program(engine, image, dpi, extra)
    words: list[_Read] = []
    for row in csv.DictReader(io.StringIO(tsv), fieldnames=_TSV_FIELDS, delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") == "5" and text:
            box = (int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]))
            line = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
            words.append((text, box, float(row["conf"]), line))
    return words


def _run_program(engine: TesseractEngine, image: np.ndarray, dpi: int, extra: Sequence[str]) -> str:
    """The TSV of one ``tesseract`` run (binary PGM on stdin, TSV on stdout); one OpenMP thread is faster."""
    pgm = b"P5\n%d %d\n255\n" % (image.shape[1], image.shape[0]) + image.tobytes()
    cmd = [engine.tesseract, "stdin", "stdout", "-l", engine.lang, "--psm", str(engine.psm), "--dpi", str(dpi)]
    cmd += [*extra, "tsv"]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(cmd, input=pgm, capture_output=True, env=env, timeout=engine.timeout_s, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        why = "is not installed" if isinstance(exc, FileNotFoundError) else f"took over {engine.timeout_s:.0f} s"
        raise DesktopError(f"tesseract {why} ({INSTALL_HINT})") from None
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise DesktopError(f"tesseract failed (status {done.returncode}): {last} ({INSTALL_HINT})")
    return done.stdout.decode(errors="replace")
