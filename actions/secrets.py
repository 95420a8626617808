"""``{{secret:NAME}}``: text that names a secret, typed as the value of environment variable NAME.

The value is read at the moment of typing and goes nowhere else: actions, run records, reports,
logs and model prompts all keep the reference. A missing variable is found before the run starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

SECRET = re.compile(r"\{\{secret:([A-Za-z_][A-Za-z0-9_]*)\}\}")


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
        return source[name]

    return SECRET.sub(value, text)
