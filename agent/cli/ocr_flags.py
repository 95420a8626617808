"""``--ocr ENGINE`` and ``--ocr-lang LANG``: which OCR engine reads text for targets and expectations.

Chosen before the run starts and checked here, so a wrong engine or a language tesseract lacks is a
usage error (exit 2) naming the fix, never a failure in the middle of a run. The engines and why the
default is the default: ``planners.grounding.ocr_engine`` and the README's OCR section.
"""

from __future__ import annotations

import argparse

from planners.grounding.ocr_engine import DEFAULT_ENGINE, ENGINES


def add_ocr_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("OCR (reading text on the screen)")
    engines = "; ".join(f"{name}: {line}" for name, (_, _, line) in ENGINES.items())
    group.add_argument(
        "--ocr",
        choices=list(ENGINES),
        default=None,
        metavar="ENGINE",
        help=f"OCR engine (default {DEFAULT_ENGINE}). {engines}",
    )
    group.add_argument(
        "--ocr-lang",
        metavar="LANG",
        default=None,
        help="tesseract's languages, joined by '+' (default: hybrid, whichever of fra+deu+eng+jpn is installed; "
        "tesseract, eng; e.g. eng+deu+fra+chi_sim+jpn), "
        "each from its Debian package tesseract-ocr-LANG",
    )


def configure_ocr(args: argparse.Namespace) -> None:
    """Make the flags' engine the one every OCR reader of this run uses; refuses bad values (exit 2)."""
    from planners.grounding.ocr import set_default_engine
    from planners.grounding.ocr_engine import make_engine
    from planners.grounding.ocr_tesseract import require_tesseract

    if args.ocr is None and args.ocr_lang is None:
        # The default engine, built at the first read (``ocr.default_engine``): which of its languages
        # tesseract has is asked then (a fork, ~20 ms), so a run that reads no text never asks. That
        # tesseract is there at all is checked now, as for any engine.
        require_tesseract()
        return
    engine = make_engine(args.ocr, args.ocr_lang)
    check = getattr(engine, "check", None)
    if check is not None:
        check()  # e.g. tesseract: installed, and has every language asked for
    set_default_engine(engine)
