"""Stored text on the screen: markup escaped and every character a terminal acts on spelled out.

Textual drops BEL, BS, VT, FF and CR from what it draws but passes ESC, the other controls, bidi
overrides and zero-width characters to the terminal; `domain.safetext.printable` spells those out.
Screens import `escape` from here instead of from rich.markup, so every escaped value is also safe.
"""

from __future__ import annotations

from rich.markup import escape as _escape_markup

from dongwu_tui.domain.safetext import printable


def escape(text: str) -> str:
    """`text` for Textual markup: one line, markup escaped, no terminal controls."""
    return _escape_markup(printable(text))


__all__ = ["escape", "printable"]
