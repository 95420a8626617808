"""Trial 11 driver: run Deskpilot plans on real apps (one run at a time) and take each run's truth from the app.

Usage (from anywhere, after `make venv`):
    PYTHONPATH=. .venv/bin/python docs/trial11/drive.py RUN_ID [RUN_ID ...]   (or all, or batchN)

The driver itself is the trials' shared one (docs/trial_kit/drive.py); the plans are this folder's runs.py. One
JSON line per run goes to /tmp/trial11/results.jsonl.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # this trial's runs.py, then docs/ (the shared kit)

# isort: split
from runs import RUNS  # noqa: E402
from trial_kit.drive import main  # noqa: E402

if __name__ == "__main__":
    main(RUNS, Path("/tmp/trial11"), sys.argv[1:])
