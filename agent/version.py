"""The installed distribution's version: one source (pyproject.toml), read from the package metadata."""

from __future__ import annotations


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("deskpilot")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
