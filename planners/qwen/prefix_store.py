"""The static prompt head's keys and values kept on disk, so a run's first step does not prefill it again.

``prefix_cache`` computes the head (system prompt and tool schema, ~1,100 tokens) once per process. But
every ``deskpilot run`` is a new process, and on a CPU that head is most of a first step: ~25 s of a 2B
model's prefill on 2 cores. The head is the same from run to run for the same checkpoint, preset and
screen, so its keys and values are written once to ``$XDG_CACHE_HOME/deskpilot/prefix/`` (126 MB for a
2B head in bf16) and read back at the next run's first step (a fraction of a second).

An entry is found by a hash of the head's token ids and the *fingerprint* of what computed them: the
checkpoint (its directory and the size and modification time of every weight and config file, or the
hub commit), dtype, quantization, device type and the torch and transformers versions. Anything
else would give other keys and values, so it must give another file. Values read back are the very
tensors that were computed (safetensors, no conversion): answers are the same token for token
(``tests/model/test_prefix_cache.py``). A file that cannot be read is deleted and the head computed;
at most ``max_files`` entries are kept, the least recently used dropped.

torch is imported lazily: the backend passes its model in.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STORE_ENV = "DESKPILOT_PREFIX_STORE"  # a directory, or "off"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".json")


def default_directory() -> Path | None:
    """Where entries live: ``$DESKPILOT_PREFIX_STORE`` (``off``: nowhere), else the user's cache folder."""
    configured = os.environ.get(STORE_ENV, "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "deskpilot" / "prefix"


def checkpoint_fingerprint(source: str, commit: str | None, facts: Iterable[str]) -> str | None:
    """What identifies a checkpoint's numbers: a local directory's weight and config files (name, size,
    modification time), else the hub commit. None when neither can be said (then nothing is stored)."""
    directory = Path(source)
    parts = [*facts]
    if directory.is_dir():
        files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
        if not files:
            return None
        for path in files:
            stat = path.stat()
            parts.append(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}")
    elif commit:
        parts.append(f"{source}@{commit}")
    else:
        return None
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class PrefixStore:
    """Head caches on disk, one safetensors file per (fingerprint, head)."""

    def __init__(self, directory: Path, fingerprint: str, max_files: int = 8) -> None:
        if max_files < 1:
            raise ValueError(f"max_files must be at least 1, got {max_files}")
        self.directory = directory
        self.fingerprint = fingerprint
        self.max_files = max_files

    def path(self, head: Sequence[int]) -> Path:
        digest = hashlib.sha256(self.fingerprint.encode())
        digest.update(b"".join(int(t).to_bytes(4, "little") for t in head))
        return self.directory / f"{digest.hexdigest()[:40]}.safetensors"

    def load(self, model: Any, head: Sequence[int]) -> Any | None:
        """The cache holding ``head``'s keys and values as stored, or None (not stored, or unreadable)."""
        path = self.path(head)
        if not path.is_file():
            return None
        try:
            from safetensors.torch import load_file
            from transformers import DynamicCache

            tensors = load_file(str(path), device=str(next(model.parameters()).device))
            layers = len(tensors) // 2
            cache = DynamicCache(config=model.config.get_text_config())
            for index in range(layers):
                cache.update(tensors[f"{index}.keys"], tensors[f"{index}.values"], index)
            if cache.get_seq_length() != len(head):
                raise ValueError(f"holds {cache.get_seq_length()} tokens, the head has {len(head)}")
        except Exception as exc:  # noqa: BLE001 - a bad file costs a recomputation, never a run
            log.warning("prefix store: %s is unusable (%s); computing the head again", path, exc)
            path.unlink(missing_ok=True)
            return None
        os.utime(path)  # recently used: kept longest
        return cache

    def save(self, head: Sequence[int], cache: Any) -> None:
        """Write ``cache`` (holding exactly ``head``) atomically; a failure is logged, never raised."""
        layers = getattr(cache, "layers", None)
        if not layers or any(type(layer).__name__ != "DynamicLayer" for layer in layers):
            return  # sliding-window or other layer kinds keep state this format does not hold
        try:
            from safetensors.torch import save_file

            tensors = {}
            for index, layer in enumerate(layers):
                tensors[f"{index}.keys"] = layer.keys.contiguous()
                tensors[f"{index}.values"] = layer.values.contiguous()
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
            os.close(handle)
            save_file(tensors, temporary, metadata={"tokens": str(len(head))})
            os.replace(temporary, self.path(head))
        except Exception as exc:  # noqa: BLE001 - a full disk must not end a run
            log.warning("prefix store: could not write to %s (%s)", self.directory, exc)
            return
        self._prune()

    def _prune(self) -> None:
        try:  # another run may be pruning the same folder: a file gone meanwhile is fine
            entries = sorted(self.directory.glob("*.safetensors"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for stale in entries[self.max_files :]:
                stale.unlink(missing_ok=True)
            an_hour_ago = time.time() - 3600
            for partial in self.directory.glob("*.part"):  # left by a run killed while writing
                if partial.stat().st_mtime < an_hour_ago:
                    partial.unlink(missing_ok=True)
        except OSError as exc:
            log.debug("prefix store: pruning %s: %s", self.directory, exc)
