"""Small timing helpers shared by the benchmarks: medians of repeated runs, printed as tables."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence


def sample_ms(fn: Callable[[], object], repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples


def as_installed(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for a timed ``deskpilot`` process that runs as an installed wheel does: with its bytecode
    cached (pip compiles it at install). Without this, a shell with PYTHONDONTWRITEBYTECODE set (this
    machine's has) compiles every module changed since its cache was written at each start: up to
    ~0.3 s of a 2.5 s run, depending on what was edited last, not on the product. The caller runs once
    uncounted, which writes the caches."""
    return {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return str(value)
