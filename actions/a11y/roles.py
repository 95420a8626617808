"""AT-SPI's vocabulary: state bits and role names, and the short role aliases people write in plans.

The state numbers are AT-SPI2's ``AtspiStateType`` (``GetState`` answers two 32-bit words of bits in
this order); role names are what ``GetRoleName`` answers ("push button", "check box", ...), which is
also what a target's ``role`` is matched against once its alias is expanded.
"""

from __future__ import annotations

STATE_NAMES: tuple[str, ...] = (
    "invalid", "active", "armed", "busy", "checked", "collapsed", "defunct", "editable", "enabled",
    "expandable", "expanded", "focusable", "focused", "has-tooltip", "horizontal", "iconified", "modal",
    "multi-line", "multiselectable", "opaque", "pressed", "resizable", "selectable", "selected", "sensitive",
    "showing", "single-line", "stale", "transient", "vertical", "visible", "manages-descendants",
    "indeterminate", "required", "truncated", "animated", "invalid-entry", "supports-autocompletion",
    "selectable-text", "is-default", "visited", "checkable", "has-popup", "read-only",
)  # fmt: skip

# Short names a person writes, each standing for the AT-SPI roles toolkits use for that kind of widget
# (GTK says "push button" and "text", Qt "push button" and "text", Chromium "push button" and "entry").
ROLE_ALIASES: dict[str, frozenset[str]] = {
    "button": frozenset({"push button", "toggle button", "button"}),
    "field": frozenset({"entry", "text", "password text", "spin button", "editbar", "search box"}),
    "checkbox": frozenset({"check box", "check menu item", "switch"}),
    "radio": frozenset({"radio button", "radio menu item"}),
    "menu item": frozenset({"menu item", "check menu item", "radio menu item"}),
    "tab": frozenset({"page tab"}),
    "link": frozenset({"link"}),
    "list item": frozenset({"list item"}),
    "cell": frozenset({"table cell", "cell"}),
    "combo box": frozenset({"combo box"}),
    "menu": frozenset({"menu"}),
    "label": frozenset({"label", "static"}),
}

# Qt 5 answers ``GetRoleName`` with its own words where they differ from AT-SPI's name for the same role
# (``QSpiAccessibleBridge``'s table: a QSpinBox is ATSPI_ROLE_SPIN_BUTTON, named "spin box"). Read as AT-SPI's,
# so that one role name (and the "field" alias) finds the widget in every toolkit.
_TOOLKIT_ROLE_NAMES = {"spin box": "spin button"}


def role_name(answered: str) -> str:
    """AT-SPI's name for the role a toolkit answered ``GetRoleName`` with."""
    return _TOOLKIT_ROLE_NAMES.get(answered, answered)


# Every role name AT-SPI 2.46 defines (``atspi_role_get_name``): a target's role is checked against them,
# so a typo is a validation error that names the field instead of a target that is never found.
ROLE_NAMES: frozenset[str] = frozenset(
    {
        "invalid",
        "accelerator label",
        "alert",
        "animation",
        "arrow",
        "calendar",
        "canvas",
        "check box",
        "check menu item",
        "color chooser",
        "column header",
        "combo box",
        "date editor",
        "desktop icon",
        "desktop frame",
        "dial",
        "dialog",
        "directory pane",
        "drawing area",
        "file chooser",
        "filler",
        "focus traversable",
        "font chooser",
        "frame",
        "glass pane",
        "html container",
        "icon",
        "image",
        "internal frame",
        "label",
        "layered pane",
        "list",
        "list item",
        "menu",
        "menu bar",
        "menu item",
        "option pane",
        "page tab",
        "page tab list",
        "panel",
        "password text",
        "popup menu",
        "progress bar",
        "push button",
        "radio button",
        "radio menu item",
        "root pane",
        "row header",
        "scroll bar",
        "scroll pane",
        "separator",
        "slider",
        "spin button",
        "split pane",
        "status bar",
        "table",
        "table cell",
        "table column header",
        "table row header",
        "tearoff menu item",
        "terminal",
        "text",
        "toggle button",
        "tool bar",
        "tool tip",
        "tree",
        "tree table",
        "unknown",
        "viewport",
        "window",
        "extended",
        "header",
        "footer",
        "paragraph",
        "ruler",
        "application",
        "autocomplete",
        "editbar",
        "embedded",
        "entry",
        "chart",
        "caption",
        "document frame",
        "heading",
        "page",
        "section",
        "redundant object",
        "form",
        "link",
        "input method window",
        "table row",
        "tree item",
        "document spreadsheet",
        "document presentation",
        "document text",
        "document web",
        "document email",
        "comment",
        "list box",
        "grouping",
        "image map",
        "notification",
        "info bar",
        "level bar",
        "title bar",
        "block quote",
        "audio",
        "video",
        "definition",
        "article",
        "landmark",
        "log",
        "marquee",
        "math",
        "rating",
        "timer",
        "static",
        "math fraction",
        "math root",
        "subscript",
        "superscript",
        "description list",
        "description term",
        "description value",
        "footnote",
        "content deletion",
        "content insertion",
        "mark",
        "suggestion",
        "push button menu",
        "button",
        "cell",
        "switch",
        "search box",
        "splitter",
        "tab",
    }
)

# What a person can act on: a text target found in the tree prefers these over the label beside them.
INTERACTIVE_ROLES: frozenset[str] = frozenset().union(*ROLE_ALIASES.values()) - {"label", "static", "menu"} | {
    "slider",
    "toggle button",
    "tree item",
    "list box",
    "page tab",
    "menu",
    "icon",
}


def roles_for(role: str) -> frozenset[str]:
    """The AT-SPI role names a target's ``role`` stands for (an alias, or the role name itself)."""
    key = " ".join(role.casefold().split())
    return ROLE_ALIASES.get(key, frozenset({key}))


def known_role(role: str) -> bool:
    key = " ".join(role.casefold().split())
    return key in ROLE_ALIASES or key in ROLE_NAMES


def states_from_bits(words: tuple[int, ...] | list[int]) -> frozenset[str]:
    """``GetState``'s bit words -> state names."""
    names = set()
    for word_index, word in enumerate(words):
        for bit in range(32):
            if word >> bit & 1:
                number = word_index * 32 + bit
                if number < len(STATE_NAMES):
                    names.add(STATE_NAMES[number])
    return frozenset(names)
