"""The learned cache of a plan's targets: an anchor and a template crop for every target once found.

    PLAN.cache/
      index.json        {key: {"target": {...}, "window_title", "window_point", "screen_point",
                               "template": "KEY.png", "template_point", "offset", "rung", "updated_s"}}
      KEY.png           the crop around what was found (the point inside it: template_point)

What is learned is what was *found*: for a target with an ``offset`` (a field beside its label) that is
the label, and ``offset`` takes it to the point acted on. A crop of the field itself would be blank
field, refused as featureless or as a ridge, so such a target would need OCR on every run.

The key is a hash of the target as written, so editing a target in the plan starts it afresh. The
next run confirms the anchor with the crop near where the anchor says (no OCR, no model call); a
target that moved is found again by the ladder and its entry rewritten, unless the cache is
read-only (``learn=False``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from actions.coords import ScreenPoint
from actions.frame import Frame
from actions.targets import Target
from actions.windows import WindowInfo

INDEX_FILE = "index.json"


@dataclass(frozen=True)
class CachedTarget:
    target: dict[str, Any]
    screen_point: tuple[int, int]
    template: str
    template_point: tuple[int, int]
    window_title: str | None = None
    window_point: tuple[int, int] | None = None
    offset: tuple[int, int] = (0, 0)  # from the learned point (a label) to the point acted on
    rung: str = ""
    updated_s: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CachedTarget:
        def pair(name: str) -> tuple[int, int] | None:
            value = data.get(name)
            return None if value is None else (int(value[0]), int(value[1]))

        return cls(
            target=dict(data["target"]), screen_point=pair("screen_point") or (0, 0), template=str(data["template"]),
            template_point=pair("template_point") or (0, 0), window_title=data.get("window_title"),
            window_point=pair("window_point"), offset=pair("offset") or (0, 0), rung=str(data.get("rung", "")),
            updated_s=float(data.get("updated_s", 0)),
        )  # fmt: skip


def target_key(target: Target) -> str:
    return hashlib.sha1(target.model_dump_json().encode()).hexdigest()[:16]


class TargetCache:
    """``get(target)`` the learned entry, ``put(...)`` a fresh one (ignored when ``learn`` is off)."""

    def __init__(self, folder: str | Path, *, learn: bool = True) -> None:
        self.folder, self.learn = Path(folder), learn
        self._entries: dict[str, CachedTarget] = {}
        index = self.folder / INDEX_FILE
        if index.exists():
            try:
                raw = json.loads(index.read_text(encoding="utf-8"))
                self._entries = {key: CachedTarget.from_json(value) for key, value in raw.items()}
            except (OSError, ValueError, KeyError, TypeError, IndexError):
                self._entries = {}  # a damaged cache is a cold cache, never a failed run
        self.writes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, target: Target) -> CachedTarget | None:
        return self.get_key(target_key(target))

    def get_key(self, key: str) -> CachedTarget | None:
        return self._entries.get(key)

    def template_path(self, entry: CachedTarget) -> Path:
        return self.folder / entry.template

    def put(
        self, target: Target, frame: Frame, point: ScreenPoint, window: WindowInfo | None, rung: str,
        offset: tuple[int, int] = (0, 0),
    ) -> bool:  # fmt: skip
        """Learn where ``target`` was found now (``point``; acted on at ``point + offset``); False when the
        cache is read-only."""
        return self.put_key(target_key(target), target.model_dump(mode="json"), frame, point, window, rung, offset)

    def put_key(
        self, key: str, described: dict[str, Any], frame: Frame, point: ScreenPoint, window: WindowInfo | None,
        rung: str, offset: tuple[int, int] = (0, 0),
    ) -> bool:  # fmt: skip
        """``put`` under any key (a replay keys a scenario's targets by step); ``described`` is for people."""
        if not self.learn:
            return False
        from planners.grounding.template import crop_template

        self.folder.mkdir(parents=True, exist_ok=True)
        image, template_point = crop_template(frame, point)
        name = f"{key}.png"
        tmp = self.folder / f"{key}.tmp.png"
        image.save(tmp)
        os.replace(tmp, self.folder / name)
        self._entries[key] = CachedTarget(
            target=described, screen_point=(point.x, point.y), template=name,
            template_point=(int(template_point[0]), int(template_point[1])),
            window_title=window.title if window else None,
            window_point=window.relative(point.x, point.y) if window else None, offset=(int(offset[0]), int(offset[1])),
            rung=rung, updated_s=time.time(),
        )  # fmt: skip
        self._save()
        self.writes += 1
        return True

    def _save(self) -> None:
        data = {key: asdict(entry) for key, entry in self._entries.items()}
        tmp = self.folder / (INDEX_FILE + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.folder / INDEX_FILE)


def default_cache_dir(plan_path: str | Path) -> Path:
    """``PLAN.cache/`` beside ``PLAN.json``."""
    path = Path(plan_path)
    return path.with_name(path.stem + ".cache")
