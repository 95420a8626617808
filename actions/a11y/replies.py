"""What the accessibility bus answers, decoded: each reader call's reply (a list, or ``Failed``) into the
plain value it stands for, or a default when the app did not say (a vanished element, an interface it
lacks). Kept apart from the reader, which decides what to ask."""

from __future__ import annotations

from actions.a11y.bus import Failed, Reply
from actions.a11y.elements import Box
from actions.a11y.roles import states_from_bits

_LABELLED_BY = 2  # ATSPI_RELATION_LABELLED_BY


def text_of(reply: Reply, default: str = "") -> str:
    if isinstance(reply, Failed) or not reply:
        return default
    value = reply[0]
    value = getattr(value, "value", value)  # Properties.Get answers a Variant
    return value if isinstance(value, str) else default


def states_of(reply: Reply) -> frozenset[str]:
    return frozenset() if isinstance(reply, Failed) or not reply else states_from_bits(reply[0])


def strings_of(reply: Reply) -> list[str]:
    return [] if isinstance(reply, Failed) or not reply else [str(item) for item in reply[0]]


def box_of(reply: Reply | None) -> Box | None:
    if reply is None or isinstance(reply, Failed) or not reply:
        return None
    x, y, width, height = (int(v) for v in reply[0])
    return Box(x, y, width, height)


def maybe_text_of(reply: Reply | None) -> str | None:
    if reply is None or isinstance(reply, Failed) or not reply:
        return None
    return str(reply[0]).replace("\ufffc", "")  # U+FFFC stands for an embedded object (a child) in the text


def int_of(reply: Reply) -> int | None:
    if isinstance(reply, Failed) or not reply:
        return None
    value = getattr(reply[0], "value", reply[0])  # Properties.Get answers a Variant
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def number_of(reply: Reply | None) -> float | None:
    if reply is None or isinstance(reply, Failed) or not reply:
        return None
    value = getattr(reply[0], "value", reply[0])
    return float(value) if isinstance(value, int | float) else None


def labelled_by_of(reply: Reply | None) -> str:
    """``GetRelationSet`` answers a(ua(so)): the first LABELLED_BY target, kept as a reference to resolve."""
    if reply is None or isinstance(reply, Failed) or not reply:
        return ""
    for relation, targets in reply[0]:
        if relation == _LABELLED_BY and targets:
            bus, path = targets[0]
            return f"ref:{bus}|{path}"
    return ""
