"""``python -m agent.cli`` is the ``deskpilot`` command (``python -m deskpilot`` too)."""

import sys

from agent.cli.main import main

sys.exit(main())
