"""Targets in plans: find a text, image, description or element on the screen, cheapest rung first, and learn it.

``TargetResolver.resolve(target, frame)`` climbs: the learned anchor (the cached crop near where the
anchor says) -> the cached crop anywhere -> the accessibility tree (a role target, or a text looked up by
accessible name and label) -> the rung of the target's kind (OCR for text, a template search for an
image) -> the model (for a description, or a text nothing cheaper found, when one is configured). A role
target is found in the tree only, never learned as a crop: the tree is exact and cheaper. Two equally
good matches are refused with the candidates named; a target no rung finds is
a ``TargetNotFound`` carrying every rung's reason. ``TargetingPlanner`` is a ``ScriptedPlanner`` that
hands the loop concrete actions only, with how each target was found in the step's ``grounding``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from actions.coords import ScreenPoint
from actions.errors import TargetAmbiguous, TargetNotFound
from actions.frame import Frame
from actions.models import Action, parse_action
from actions.targets import Target
from actions.windows import WindowInfo
from planners.base import Plan, StepFeedback
from planners.grounding.base import Grounder, GroundingQuery, GroundingResult
from planners.grounding.identity import Identity, confirm, from_record, read_identity
from planners.grounding.label_point import on_its_label
from planners.grounding.ocr import OcrGrounder
from planners.grounding.template import AnchorTemplateGrounder, ScreenTemplateGrounder
from planners.grounding.tree import TreeGrounder, TreeSource
from planners.grounding.vlm import PointingModel, VlmGrounder
from planners.scripted import ScriptedPlanner
from planners.target_cache import TargetCache

_AMBIGUOUS = re.compile(r"equally good matches")


class WindowLookup(Protocol):
    """Windows as they are now (actions.x11.windows in production, a fake in unit tests)."""

    def find(self, pattern: str) -> WindowInfo | None: ...

    def at(self, x: int, y: int) -> WindowInfo | None: ...


@dataclass(frozen=True)
class Found:
    point: ScreenPoint
    rung: str
    window: WindowInfo | None
    record: dict[str, Any]  # the step's grounding entry: the target, the rung, every rung tried


class TargetResolver:
    """Finds targets; ``calls`` counts grounder calls per rung (what the learned cache saves)."""

    def __init__(
        self,
        *,
        cache: TargetCache | None = None,
        model: PointingModel | None = None,
        base_dir: Path | None = None,
        windows: WindowLookup | None = None,
        strict_cache: bool = False,
        ocr: OcrGrounder | None = None,
        tree: TreeSource | None = None,
        wait_enabled_s: float = 2.0,
    ) -> None:
        self.cache, self.base_dir, self.windows = cache, base_dir or Path.cwd(), windows
        self.tree: Grounder = TreeGrounder(tree, wait_enabled_s) if tree is not None else _NoTree()
        self.strict_cache = strict_cache
        self.anchor, self.template = AnchorTemplateGrounder(), ScreenTemplateGrounder()
        self.ocr = ocr or OcrGrounder()
        self.vlm = VlmGrounder(model) if model is not None else None
        self.calls: Counter[str] = Counter()

    # -- the ladder --------------------------------------------------------------------------------
    def resolve(self, target: Target, frame: Frame) -> Found:
        window = self._window(target)
        tried: list[GroundingResult] = []
        cached = self.cache.get(target) if self.cache is not None and target.role is None else None
        if cached is None and self.strict_cache and target.role is None:
            raise self._not_found(target, tried, "never learned (strict cache: no OCR, no model)")
        if cached is not None and self.cache is not None:
            query = self._cached_query(target, cached, window)
            learned: tuple[Grounder, ...] = (self.anchor, self.template)
            for grounder in learned:
                result = self._inside(self._ground(grounder, query, frame), window)
                found_at = result.point  # the learned crop's point: for an offset target, its label
                if found_at is not None and cached.offset != (0, 0):
                    result = self._offset(result, cached.offset, frame)
                result = self._confirmed(result, cached.identity, frame, query.window)
                tried.append(result)
                if result.point is not None:
                    return self._found(
                        target,
                        result,
                        window,
                        tried,
                        frame,
                        cache="hit" if grounder is self.anchor else "moved",
                        found_at=found_at,
                    )
            if self.strict_cache:
                raise self._not_found(target, tried, "the learned anchor no longer matches (strict cache)")
        recorded = cached.identity if cached is not None else None
        for grounder, query in self._rungs(target, window, recorded):
            result = self._inside(self._ground(grounder, query, frame), window)
            found_at = result.point  # what the rung found: the label, for a target with an offset
            if found_at is not None and target.offset is not None and grounder is not self.vlm:
                # The element found by its identity is the target itself, not its label.
                result = result if result.by_identity else self._offset(result, target.offset, frame)
                found_at = result.point if result.by_identity else found_at
            if grounder is self.template:
                result = self._confirmed(result, recorded, frame, window)
            if grounder is self.tree and target.offset is None:
                result = on_its_label(result, frame, self.ocr)  # a wide check box or expander: on its label
            tried.append(result)
            if result.point is not None:
                cache = "learned" if cached is None else "updated"
                return self._found(target, result, window, tried, frame, cache=cache, found_at=found_at)
            if result.refused:
                raise self._not_found(target, tried, "refused")
            if len(result.candidates) > 1 and _AMBIGUOUS.search(result.reason):
                raise self._not_found(target, tried, "refused: ambiguous", ambiguous=result)
        raise self._not_found(target, tried, "not found")

    def _rungs(
        self, target: Target, window: WindowInfo | None, recorded: Identity | None = None
    ) -> list[tuple[Grounder, GroundingQuery]]:
        described = target.description or (f"the text '{target.text}'" if target.text else None)
        described = described or (f"the {target.describe()}" if target.role else "the pictured element")
        rungs: list[tuple[Grounder, GroundingQuery]] = []
        if target.text is not None or target.role is not None or recorded is not None:
            rungs.append(
                (
                    self.tree,
                    GroundingQuery(
                        description=described,
                        label=target.text,
                        window=window,
                        role=target.role,
                        name=target.name,
                        index=target.index,
                        offset=target.offset is not None,
                        identity=recorded,
                    ),
                )
            )
        if target.text is not None:
            query = GroundingQuery(description=described, label=target.text, exact=target.exact, window=window)
            rungs.append((self.ocr, query))
        if target.image is not None:
            path = Path(target.image) if Path(target.image).is_absolute() else self.base_dir / target.image
            rungs.append((self.template, GroundingQuery(description=described, template=path, window=window)))
        if target.image is None:
            if self.vlm is not None:
                rungs.append((self.vlm, GroundingQuery(description=described, window=window)))
            elif target.description is not None:
                rungs.append((_NoModel(), GroundingQuery(description=described)))
        return rungs

    def _ground(self, grounder: Grounder, query: GroundingQuery, frame: Frame) -> GroundingResult:
        self.calls[grounder.name] += 1
        return grounder.ground(query, frame)

    @property
    def trees(self) -> TreeSource | None:
        return self.tree.source if isinstance(self.tree, TreeGrounder) else None

    def _confirmed(
        self, result: GroundingResult, recorded: Identity | None, frame: Frame, window: WindowInfo | None
    ) -> GroundingResult:
        """A match by looks, refused when the tree says the element there is not the learned one."""
        trees = self.trees
        return confirm(result, recorded, trees, frame, window) if trees is not None else result

    def _cached_query(self, target: Target, cached: Any, window: WindowInfo | None) -> GroundingQuery:
        assert self.cache is not None
        expected = ScreenPoint(*cached.screen_point)
        anchor_window = window
        if anchor_window is None and cached.window_title and self.windows is not None:
            anchor_window = self.windows.find(f"^{re.escape(cached.window_title)}$")
        if anchor_window is not None and cached.window_point is not None:
            # Window-relative: a moved window moves its targets with it.
            dx, dy = cached.window_point
            expected = ScreenPoint(anchor_window.left + dx, anchor_window.top + dy)
        return GroundingQuery(
            description=target.describe(),
            template=self.cache.template_path(cached),
            template_point=cached.template_point,
            expected=expected,
            window=anchor_window,
        )

    def _window(self, target: Target) -> WindowInfo | None:
        if target.window is None:
            return None
        window = self.windows.find(target.window) if self.windows is not None else None
        if window is None:
            raise TargetNotFound(
                f"{target.describe()}: no window title matches /{target.window}/",
                tried=(("window", f"no window matches /{target.window}/"),),
            )
        return window

    @staticmethod
    def _inside(result: GroundingResult, window: WindowInfo | None) -> GroundingResult:
        if result.point is None or window is None or window.contains(result.point.x, result.point.y):
            return result
        where = f"found at {tuple(result.point)}, outside the window {window.title!r}"
        return replace(result, point=None, reason=where)

    @staticmethod
    def _offset(result: GroundingResult, offset: tuple[int, int], frame: Frame) -> GroundingResult:
        moved = ScreenPoint(result.point.x + offset[0], result.point.y + offset[1])  # type: ignore[union-attr]
        if not frame.profile.contains(moved):
            return replace(result, point=None, reason=f"found, but the offset {list(offset)} is off the screen")
        return replace(result, point=moved)

    # -- outcomes ----------------------------------------------------------------------------------
    def _found(
        self,
        target: Target,
        result: GroundingResult,
        window: WindowInfo | None,
        tried: list[GroundingResult],
        frame: Frame,
        cache: str,
        found_at: ScreenPoint | None = None,
    ) -> Found:
        """``found_at``: what the rung matched, when the point acted on lies at an offset from it: that is
        what the cache learns (a crop of the label, not of the blank field beside it)."""
        assert result.point is not None
        point, learned = result.point, found_at or result.point
        if window is None and self.windows is not None:
            window = self.windows.at(learned.x, learned.y)  # the anchor is kept relative to the window it lies in
        offset = (point.x - learned.x, point.y - learned.y)
        if self.cache is None or target.role is not None:
            cache = "off"
        elif cache != "hit":
            identity = self._identity(result, frame, point, window)
            if not self.cache.put(target, frame, learned, window, result.rung, offset, identity):
                cache = "read-only"
        record = {
            "target": target.model_dump(mode="json"),
            "rung": result.rung,
            "score": round(result.score, 3),
            "point": [point.x, point.y],
            "cache": cache,
            "tried": [r.summary(words=False) for r in tried],
        }
        if offset != (0, 0):
            record["found_at"] = [learned.x, learned.y]  # the label; "point" is where the action went
        if result.element is not None:
            record["element"] = result.element  # what the tree said about what was acted on
        return Found(point, result.rung, window, record)

    def _identity(
        self, result: GroundingResult, frame: Frame, point: ScreenPoint, window: WindowInfo | None
    ) -> Identity | None:
        """What is learned beside the crop: the element acted on, as the tree rung saw it or as the tree has it
        under the point now (None without a tree)."""
        said = from_record(result.element)  # the tree rung's, or the one a confirmed match was checked against
        trees = self.trees
        if said is None and trees is not None:
            said = read_identity(trees, frame, point.x, point.y, window)
        return said

    def _not_found(
        self, target: Target, tried: list[GroundingResult], what: str, ambiguous: GroundingResult | None = None
    ) -> TargetNotFound:
        reasons = tuple((r.rung, r.reason or "no match") for r in tried)
        shown = "; ".join(f"{rung}: {why}" for rung, why in reasons) or "no rung applies"
        tried_all = [r.summary(words=True) for r in tried]
        grounding = [{"target": target.model_dump(mode="json"), "rung": None, "tried": tried_all}]
        if ambiguous is not None:
            points = tuple((p.x, p.y) for p in ambiguous.candidates)
            message = f"{target.describe()}: {what}: {ambiguous.reason} [{shown}]"
            return TargetAmbiguous(message, reasons, points, grounding)
        return TargetNotFound(f"{target.describe()}: {what} [{shown}]", reasons, grounding=grounding)

    # -- actions -----------------------------------------------------------------------------------
    def concrete(self, action: Action, frame: Frame) -> tuple[Action, list[dict[str, Any]]]:
        """The action with every target replaced by the point found; and how each was found."""
        targets = getattr(action, "targets", [])
        if not targets:
            return action, []
        data = action.model_dump(mode="json")
        records = []
        for slot, target in targets:
            found = self.resolve(target, frame)
            x_name, y_name = ("x", "y") if slot == "target" else ("to_x", "to_y")
            data.pop(slot, None)
            data[x_name], data[y_name] = found.point.x, found.point.y
            records.append({"slot": slot, **found.record})
        return parse_action(data), records


class _NoModel:
    """The rung a description would need, when no model is configured: refuses, saying so."""

    name = "vlm"

    def ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        return GroundingResult(self.name, None, reason="a description needs a model (--model / --base-url)")


class _NoTree:
    """The tree rung when no tree reader is wired in (unit tests, a non-Linux desktop): says so."""

    name = "tree"

    def ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        return GroundingResult(self.name, None, reason="no accessibility tree reader")


class TargetingPlanner(ScriptedPlanner):
    """A scripted plan whose pointer actions may name targets: each is found on the frame the loop
    hands over, just before it is performed. A target not found ends the run naming the step (the
    loop records it, and ``RunResult.error`` carries it typed)."""

    def __init__(self, actions: Sequence[Action], resolver: TargetResolver) -> None:
        super().__init__(actions)
        self.resolver = resolver

    def plan(self, task: str, frame: Frame, history: Sequence[StepFeedback]) -> Plan:
        plan = super().plan(task, frame, history)
        action = plan.actions[0]
        try:
            concrete, grounding = self.resolver.concrete(action, frame)
        except TargetNotFound as exc:
            message = f"step {self._next} ({action.kind}): {exc}"
            raise type(exc)(message, exc.tried, exc.candidates, exc.grounding) from None
        if not grounding:
            return plan
        found = ", ".join(f"{g['rung']} ({g['cache']})" for g in grounding)
        return plan.model_copy(
            update={"actions": (concrete,), "grounding": grounding, "thought": f"{plan.thought}; found by {found}"}
        )
