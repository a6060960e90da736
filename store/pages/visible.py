"""Text from participants and servers made safe to show in a terminal.

Result data, messages, file names and titles come from browsers and servers the
researcher does not control. An escape sequence in them, printed as it is, can retitle
the window, write the clipboard (OSC 52) or hide text. Every control character is shown
as a visible placeholder instead: C0 controls as their Unicode control pictures (␛, ␇),
DEL as ␡, C1 controls and bidirectional overrides as U+FFFD.
"""

from __future__ import annotations

_PICTURES = {c: 0x2400 + c for c in range(0x20)} | {0x7F: 0x2421} | {c: 0xFFFD for c in range(0x80, 0xA0)}
# Bidirectional overrides and isolates reorder what follows them on screen ("Trojan source"):
# shown as U+FFFD too, so that text reads as it is stored.
_PICTURES |= {c: 0xFFFD for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_KEEP_LINES = {k: v for k, v in _PICTURES.items() if k not in (0x09, 0x0A)}


def visible(text: str, keep_lines: bool = False) -> str:
    """`text` with control characters as placeholders (`keep_lines`: tabs and line breaks
    stay, for multi-line views)."""
    if text.isprintable():
        return text  # the common case: nothing to translate
    return text.translate(_KEEP_LINES if keep_lines else _PICTURES)
