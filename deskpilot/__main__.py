"""``python -m deskpilot`` is the ``deskpilot`` command."""

import sys

from agent.cli.main import main

sys.exit(main())
