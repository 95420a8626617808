"""Ways the demo app can drift from the one a scenario was recorded on: what replay must survive.

``--theme dark`` recolours everything, ``--layout moved`` puts the form's buttons elsewhere (Clear
first, at the right), ``--submit none`` leaves Submit out, ``--submit two`` shows two identical
Submit buttons away from the original place (two equally plausible targets), ``--fields swapped`` puts
Email's row above Name's (two look-alike fields re-ordered).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Literal

THEMES = {
    "light": {"BG": "#f5f6f8", "FIELD": "#ffffff", "ACCENT": "#2563eb", "TEXT": "#1f2937", "PANEL": "#e5eaf5"},
    "dark": {"BG": "#1e2430", "FIELD": "#2b3342", "ACCENT": "#f59e0b", "TEXT": "#e5e7eb", "PANEL": "#3b4456"},
}


@dataclass(frozen=True)
class Variant:
    theme: Literal["light", "dark"] = "light"
    layout: Literal["standard", "moved"] = "standard"
    submit: Literal["one", "none", "two"] = "one"
    fields: Literal["standard", "swapped"] = "standard"


def apply_theme(app_module: ModuleType, theme: str) -> None:
    """Set the app module's colour constants (and the widget looks built from them) before the
    window is built; the app reads them at construction."""
    colours = THEMES[theme]
    for name, value in colours.items():
        setattr(app_module, name, value)
    app_module._FIELD_LOOK.update(
        background=colours["FIELD"], foreground=colours["TEXT"], highlightcolor=colours["ACCENT"]
    )
    app_module._CANVAS_LOOK.update(background=colours["FIELD"])
