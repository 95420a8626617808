"""``python -m agent.cli``: the floors' command line, every command but those of the layer above
(``demo``); ``python -m deskpilot`` and the ``deskpilot`` script are the whole command."""

import sys

from agent.cli.main import main

sys.exit(main())
