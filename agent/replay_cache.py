"""``deskpilot replay FLOW.yaml --cache DIR``: learn refreshed anchors beside the scenario, not in it.

A scenario carries the anchors it was recorded with. With ``--cache``, a target a dearer rung had to
find (the app drifted) is learned in DIR, keyed by step and target, and the next replay starts from
the learned anchor instead of the recorded one: the YAML stays as reviewed, and the second replay of a
drifted app needs no OCR and no model. ``--no-learn`` reads DIR only. ``--strict-cache`` (with or
without ``--cache``) climbs the anchor rung only: a target its anchor does not confirm fails the step.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from planners.scenario_file import Anchor, Scenario, Target
from planners.scenario_planner import StepLog
from planners.target_cache import TargetCache

_SLOTS = ("target", "to_target")


def replay_key(index: int, slot: str, target: Target) -> str:
    what = json.dumps([index, slot, target.description, target.label, target.label_offset], ensure_ascii=False)
    return "step-" + hashlib.sha1(what.encode()).hexdigest()[:16]


def with_learned_anchors(scenario: Scenario, cache: TargetCache) -> Scenario:
    """The scenario with each target's anchor replaced by the one learned in ``cache``, where there is one."""
    steps = list(scenario.steps)
    for index, step in enumerate(steps):
        updates = {}
        for slot in _SLOTS:
            target = getattr(step, slot)
            entry = cache.get_key(replay_key(index, slot, target)) if target is not None else None
            if target is None or entry is None:
                continue
            anchor = Anchor(
                window_title=entry.window_title,
                window_point=entry.window_point,
                screen_point=entry.screen_point,
                template=str(cache.template_path(entry).resolve()),
                template_point=entry.template_point,
            )
            updates[slot] = target.model_copy(update={"anchor": anchor})
        if updates:
            steps[index] = step.model_copy(update=updates)
    return scenario.model_copy(update={"steps": tuple(steps)})


def learn_from_logs(cache: TargetCache, logs: Sequence[StepLog]) -> int:
    """Learn every target of ``logs`` that its anchor did not confirm; returns how many were learned."""
    learned = 0
    for log in logs:
        for slot, resolution in zip(_SLOTS, log.resolutions, strict=False):
            point = resolution.result.point
            if point is None or log.before is None or resolution.result.rung == "anchor":
                continue
            key = replay_key(log.index, slot, resolution.target)
            described = {"step": log.index + 1, "description": resolution.target.description}
            learned += cache.put_key(key, described, log.before, point, resolution.window, resolution.result.rung)
    return learned
