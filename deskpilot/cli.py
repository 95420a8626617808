"""The ``deskpilot`` console script: the agent's command line plus the commands of the layer on top.

``deskpilot demo`` drives the bundled demo app, which lives in ``scenarios`` with the other apps the
tests and benchmarks drive; the floors below never import it, so it is added here, from above. Like
every command, its module is imported only when it is the command given.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.cli.main import Command
from agent.cli.main import main as agent_main

TYPE_CHECKING = False  # not typing's: importing typing costs `deskpilot --help` more than this module
if TYPE_CHECKING:
    from agent.cli.main import AddParser, RunCommand


def _demo() -> tuple[AddParser, RunCommand]:
    from scenarios.demo import add_demo_parser, run_demo_command  # the demo app needs tkinter: loaded only here

    return add_demo_parser, run_demo_command


DEMO = Command("demo", "operate the bundled demo app on a private virtual desktop", _demo)


def main(argv: Sequence[str] | None = None) -> int:
    return agent_main(argv, extra=(DEMO,))
