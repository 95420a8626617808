"""The unicode strings typing is measured and tested with (bench.typing, the real-app tests).

The first four are those of tests/desktop/test_unicode_typing.py; the last is the one Chromium used to
lose (every character that went through the clipboard).
"""

TYPING_STRINGS = [
    "Grüße, café ✓",
    "你好，世界",
    "<tag> & 100%",
    "a<b>é\tz ~`!@#$%^&*()_+-={}[]|\\:;\"',./?",
    "Zoë Müller <zm@x.io>",
]
