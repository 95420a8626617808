"""``python -m deskpilot`` is the ``deskpilot`` command."""

import sys

from deskpilot.cli import main

sys.exit(main())
