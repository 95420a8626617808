"""``{{secret:NAME}}``: text that names a secret, typed as the value of environment variable NAME.

The value is read at the moment of typing and goes nowhere else: actions, run records, reports,
logs and model prompts all keep the reference. A missing variable is found before the run starts.
What a run reads back from the screen can still hold a value typed earlier (a plain field that got a
secret in an earlier step, OCR words over it): :func:`redact` is the last guard, applied to every
record line before it is written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping

SECRET = re.compile(r"\{\{secret:([A-Za-z_][A-Za-z0-9_]*)\}\}")
# Values shorter than this are not searched for: replacing every "a" or "42" in a record would wreck
# it, and such a value is no secret worth the name.
REDACT_MIN_CHARS = 4
_revealed: dict[str, str] = {}  # name -> value of every secret this process has typed


def secret_names(text: str) -> list[str]:
    return SECRET.findall(text)


def missing_secrets(texts: Iterable[str], env: Mapping[str, str] | None = None) -> list[str]:
    """Secret names the texts use that the environment does not set (sorted, without repeats)."""
    source = os.environ if env is None else env
    return sorted({name for text in texts for name in secret_names(text) if name not in source})


def reveal(text: str, env: Mapping[str, str] | None = None) -> str:
    """The text with every reference replaced by its value; KeyError names a variable that is unset."""
    source = os.environ if env is None else env

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in source:
            raise KeyError(name)
        _revealed[name] = source[name]
        return source[name]

    return SECRET.sub(value, text)


def redact(text: str) -> str:
    """``text`` with every secret value this process revealed (of at least ``REDACT_MIN_CHARS``
    characters) replaced by its reference, as written plainly and as escaped inside JSON."""
    for name, value in _revealed.items():
        if len(value) < REDACT_MIN_CHARS:
            continue
        reference = "{{secret:" + name + "}}"
        text = text.replace(value, reference)
        escaped = json.dumps(value, ensure_ascii=False)[1:-1]
        if escaped != value:
            text = text.replace(escaped, reference)
    return text
