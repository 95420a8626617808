"""The policy flags of ``run`` and ``replay``: ``--policy FILE`` and the flags that override it.

Light on purpose (argparse only): the CLI imports this at start; ``agent.policy`` (pydantic, and the
OCR when it first reads the screen) is imported only when a policy is asked for.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions.errors import UserInputError

if TYPE_CHECKING:
    from agent.policy import Policy

# PolicyFile field -> the flag that sets it (for error messages).
_FLAGS = {
    "allowed_actions": "--allow-actions",
    "region": "--allow-region",
    "window_title": "--allow-window",
    "max_actions": "--max-actions",
    "confirm": "--confirm",
    "confirm_words": "--confirm-words",
}


def add_policy_flags(parser: argparse.ArgumentParser, *, dry_run: bool = True) -> None:
    group = parser.add_argument_group("policy", "what the agent may do; flags override --policy FILE")
    group.add_argument("--policy", type=Path, metavar="FILE", help="policy YAML (see agent/policy.py)")
    group.add_argument("--allow-actions", metavar="KINDS", help="comma-separated action kinds, e.g. click,type,key")
    group.add_argument("--allow-region", metavar="X,Y,W,H", help="screen points every pointer action must lie in")
    group.add_argument("--allow-window", metavar="REGEX", help="title every action's window must match (re.search)")
    group.add_argument("--max-actions", type=int, metavar="N", help="action budget of the run")
    group.add_argument(
        "--confirm",
        choices=("ask", "refuse", "allow"),
        help="near a confirm word: ask on the terminal (none: refuse), refuse, or allow",
    )
    group.add_argument(
        "--confirm-words",
        metavar="WORDS",
        help="comma-separated words/phrases that need confirmation (default: Delete,Send,Pay,"
        "Submit order,Remove,Transfer)",
    )
    if dry_run:
        group.add_argument(
            "--dry-run", action="store_true", help="plan, record and draw every action in the report; perform none"
        )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if getattr(args, "allow_actions", None) is not None:
        overrides["allowed_actions"] = _split(args.allow_actions)
    if getattr(args, "allow_region", None) is not None:
        parts = args.allow_region.split(",")
        try:
            left, top, width, height = (int(part.strip()) for part in parts)
        except ValueError:
            raise UserInputError(
                f"--allow-region {args.allow_region!r}: expected X,Y,W,H in screen points, e.g. 0,0,1280,800"
            ) from None
        overrides["region"] = {"left": left, "top": top, "width": width, "height": height}
    if getattr(args, "allow_window", None) is not None:
        overrides["window_title"] = args.allow_window
    if getattr(args, "max_actions", None) is not None:
        overrides["max_actions"] = args.max_actions
    if getattr(args, "confirm", None) is not None:
        overrides["confirm"] = args.confirm
    if getattr(args, "confirm_words", None) is not None:
        overrides["confirm_words"] = _split(args.confirm_words)
    return overrides


def policy_from_args(args: argparse.Namespace) -> Policy | None:
    """The run's policy from ``--policy FILE`` and the flags over it; None when none was asked for.

    Built once, before the run, and frozen: nothing the run sees can change it.
    """
    from pydantic import ValidationError

    from actions.models import first_error
    from agent.policy import Policy, PolicyFile, load_policy

    overrides = _overrides(args)
    path = getattr(args, "policy", None)
    if path is None and not overrides:
        return None
    base = load_policy(path).model_dump() if path is not None else {}
    try:
        rules = PolicyFile.model_validate({**base, **overrides})
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else ""
        where = _FLAGS.get(field, "policy") if field in overrides else str(path or "policy")
        raise UserInputError(" ".join(f"{where}: {first_error(exc)}".split())) from None
    return Policy(rules, dry_run=bool(getattr(args, "dry_run", False)))
