"""Totals of trial 11 from docs/trial11/results.jsonl (one line per run, written by drive.py).

python3 docs/trial11/summarize.py [results.jsonl]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # docs/: the trials' shared kit

# isort: split
from trial_kit.summary import summarize  # noqa: E402

summarize(sys.argv[1] if len(sys.argv) > 1 else "docs/trial11/results.jsonl")
