"""The target flags of ``run`` and ``replay``, and the resolver they build.

``--cache DIR`` (default ``PLAN.cache/`` beside the plan), ``--no-learn`` (read the cache, never
write it) and ``--strict-cache`` (a target the cache does not confirm fails the run instead of being
found again: for tests that must prove a run needed no OCR and no model).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.targeting import X11Windows, desktop_trees, wait_enabled_s
from planners.grounding.vlm import PointingModel
from planners.target_cache import TargetCache, default_cache_dir
from planners.targeting import TargetResolver


def add_cache_flags(parser: argparse.ArgumentParser, default: str = "PLAN.cache/ beside the plan") -> None:
    group = parser.add_argument_group("learned targets")
    group.add_argument(
        "--cache", type=Path, metavar="DIR", help=f"where found targets are learned (default: {default})"
    )
    group.add_argument("--no-learn", action="store_true", help="use the cache, never update it")
    group.add_argument(
        "--strict-cache",
        action="store_true",
        help="fail a target the cache does not confirm instead of finding it again (no OCR, no model)",
    )


def resolver_from_args(args: argparse.Namespace, plan_path: Path, model: PointingModel | None) -> TargetResolver:
    folder = args.cache if args.cache is not None else default_cache_dir(plan_path)
    cache = TargetCache(folder, learn=not args.no_learn)
    return TargetResolver(
        cache=cache,
        model=model,
        base_dir=plan_path.parent,
        windows=X11Windows(),
        strict_cache=args.strict_cache,
        tree=desktop_trees(),
        wait_enabled_s=wait_enabled_s(),
    )


def calls_line(resolver: TargetResolver) -> str:
    """``grounding calls: anchor 3, template 0, tree 2, ocr 0, vlm 0`` for the run's last line."""
    rungs = ["anchor", "template", "tree", "ocr", "vlm"]
    return "grounding calls: " + ", ".join(f"{rung} {resolver.calls.get(rung, 0)}" for rung in rungs)
