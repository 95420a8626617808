"""The learned cache of a plan's targets: an anchor and a template crop for every target once found.

    PLAN.cache/
      index.json        {key: {"target": {...}, "window_title", "window_point", "screen_point",
                               "template": "KEY.png", "template_point", "offset", "rung", "updated_s",
                               "identity": {"role", "name", "label", "path"} | null}}
      KEY.png           the crop around what was found (the point inside it: template_point)

What is learned is what was *found*: for a target with an ``offset`` (a field beside its label) that is
the label, and ``offset`` takes it to the point acted on. A crop of the field itself would be blank
field, refused as featureless or as a ridge, so such a target would need OCR on every run. The label's
crop stops where its ink ends on the field's side (:func:`label_side`): the field's caret blinks and
its text changes as the run types, and a crop taking in the field's edge (the demo's "Name" at 48x24
took its caret) no longer matches the next run's screen well enough to confirm the anchor.

Where the app has a tree, the entry also keeps the identity of the element acted on (role, name, label,
path: :mod:`planners.grounding.identity`); the next run confirms the anchor's match against it, so an
anchor that matches another element that looks the same (the empty field below) is refused. Entries
without it (older caches, apps without a tree) load and work as before.

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

import numpy as np

from actions.coords import ScreenPoint
from actions.frame import Frame
from actions.targets import Target
from actions.windows import WindowInfo
from planners.grounding.identity import Identity

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
    identity: Identity | None = None  # the element acted on, where the app has a tree

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CachedTarget:
        def pair(name: str) -> tuple[int, int] | None:
            value = data.get(name)
            return None if value is None else (int(value[0]), int(value[1]))

        return cls(
            target=dict(data["target"]),
            screen_point=pair("screen_point") or (0, 0),
            template=str(data["template"]),
            template_point=pair("template_point") or (0, 0),
            window_title=data.get("window_title"),
            window_point=pair("window_point"),
            offset=pair("offset") or (0, 0),
            rung=str(data.get("rung", "")),
            updated_s=float(data.get("updated_s", 0)),
            identity=Identity.model_validate(data["identity"]) if data.get("identity") else None,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["identity"] = self.identity.model_dump(mode="json") if self.identity is not None else None
        return data


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
            except (OSError, ValueError, KeyError, TypeError, IndexError):  # pydantic's errors are ValueErrors
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
        self,
        target: Target,
        frame: Frame,
        point: ScreenPoint,
        window: WindowInfo | None,
        rung: str,
        offset: tuple[int, int] = (0, 0),
        identity: Identity | None = None,
    ) -> bool:
        """Learn where ``target`` was found now (``point``; acted on at ``point + offset``, which is the
        element ``identity`` names); False when the cache is read-only."""
        described = target.model_dump(mode="json")
        return self.put_key(target_key(target), described, frame, point, window, rung, offset, identity)

    def put_key(
        self,
        key: str,
        described: dict[str, Any],
        frame: Frame,
        point: ScreenPoint,
        window: WindowInfo | None,
        rung: str,
        offset: tuple[int, int] = (0, 0),
        identity: Identity | None = None,
    ) -> bool:
        """``put`` under any key (a replay keys a scenario's targets by step); ``described`` is for people."""
        if not self.learn:
            return False
        from planners.grounding.template import crop_template

        self.folder.mkdir(parents=True, exist_ok=True)
        within = label_side(frame, point, offset) if offset != (0, 0) else None
        image, template_point = crop_template(frame, point, within=within)
        name = f"{key}.png"
        tmp = self.folder / f"{key}.tmp.png"
        image.save(tmp)
        os.replace(tmp, self.folder / name)
        self._entries[key] = CachedTarget(
            target=described,
            screen_point=(point.x, point.y),
            template=name,
            template_point=(int(template_point[0]), int(template_point[1])),
            window_title=window.title if window else None,
            window_point=window.relative(point.x, point.y) if window else None,
            offset=(int(offset[0]), int(offset[1])),
            rung=rung,
            updated_s=time.time(),
            identity=identity,
        )
        self._save()
        self.writes += 1
        return True

    def _save(self) -> None:
        data = {key: entry.to_json() for key, entry in self._entries.items()}
        tmp = self.folder / (INDEX_FILE + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.folder / INDEX_FILE)


# A label's letters and words are closer than this (points); its field (or the next thing) further.
_LABEL_GAP_PT = 10
_LABEL_HALF_HEIGHT_PT = 8
_INK_LEVELS = 48  # gray levels from the background that count as ink (text, a border)
_PAD_PT = 2


def label_side(frame: Frame, point: ScreenPoint, offset: tuple[int, int]) -> tuple[int, int, int, int]:
    """Frame pixels (x0, y0, x1, y1) a crop around the label at ``point`` may take: all of the frame but
    what lies beyond the label's end towards ``offset`` (where the field is).

    Walks from the label's centre towards the offset's main direction, over a band as thick as a line
    of text, until a gap of ``_LABEL_GAP_PT`` without ink: the label ends at the last ink before it.
    """
    from planners.grounding.gray import frame_gray

    gray = frame_gray(frame)
    height, width = gray.shape[:2]
    pixel = frame.profile.screen_to_image(point)
    px, py = min(max(int(pixel.x), 0), width - 1), min(max(int(pixel.y), 0), height - 1)
    scale = frame.profile.scale
    horizontal = abs(offset[0]) >= abs(offset[1])
    step = (1 if offset[0] > 0 else -1) if horizontal else (1 if offset[1] > 0 else -1)
    band = round(_LABEL_HALF_HEIGHT_PT * scale)
    gap = round(_LABEL_GAP_PT * scale)
    # A band one line of text thick along the walk: rows around the label, or (walking down) columns.
    if horizontal:
        strip, start, limit = gray[max(0, py - band) : py + band + 1, :], px, width
    else:
        strip, start, limit = gray[:, max(0, px - band) : px + band + 1].T, py, height
    # The label's background: the commonest level right around it (the whole band may cross other windows).
    near = strip[:, max(0, start - 4 * gap) : start + 4 * gap + 1]
    background = int(np.bincount(near.ravel(), minlength=256).argmax())
    ink: np.ndarray = np.asarray((np.abs(strip.astype(np.int16) - background) > _INK_LEVELS).any(axis=0))
    last, at = start, start
    while 0 <= at < limit and abs(at - last) <= gap:
        if ink[at]:
            last = at
        at += step
    pad = round(_PAD_PT * scale)
    end = last + step * pad
    x0, y0, x1, y1 = 0, 0, width, height
    if horizontal and step > 0:
        x1 = max(px + 1, min(width, end + 1))
    elif horizontal:
        x0 = min(px, max(0, end))
    elif step > 0:
        y1 = max(py + 1, min(height, end + 1))
    else:
        y0 = min(py, max(0, end))
    return x0, y0, x1, y1


def default_cache_dir(plan_path: str | Path) -> Path:
    """``PLAN.cache/`` beside ``PLAN.json``."""
    path = Path(plan_path)
    return path.with_name(path.stem + ".cache")
