"""The baseline the plan benchmark compares against: perform each action, then sleep a fixed time.

    python -m bench.fixed_delay PLAN.json DELAY_S

This is the habit of the best-known computer-use demos (a fixed 2 s sleep after every action so the
screen has "surely" caught up). Same executor as deskpilot, no settle, no verify, no records.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from agent.plans import load_plan

    plan_path, delay_s = argv[0], float(argv[1])
    executor = PyAutoGuiExecutor()
    for action in load_plan(plan_path):
        executor.perform(action)
        time.sleep(delay_s)  # the habit being measured
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
