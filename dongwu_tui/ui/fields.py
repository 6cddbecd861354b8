"""The desk's text field: Textual's Input, drawn again on each key without laying the screen out.

An Input keeps the width of its text as its virtual size (how far it can scroll sideways), and Textual's
`virtual_size` asks for a layout of the whole screen when it changes: every key typed in any field cost a
full layout and a repaint of every widget on the screen (7–14 ms on the talent list, before the rows of a
search could be drawn). The box of a field never depends on its text unless its CSS width or height is
`auto`, and Input itself asks for the layout in that case (`Input._watch_value`). Here the virtual size
only repaints the field. tests/ui/test_fields.py checks both: no layout per key, and a long value still
scrolls to keep the cursor in view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class Field(Input):
    """Input whose change of value repaints it and lays nothing out (see the module's docstring)."""

    virtual_size = Reactive(Size(0, 0), layout=False)


class SearchField(Field):
    """A list's search box: `changed(value)` is called as the value changes, in the same turn as the key, so
    the list's read is under way while the field is drawn again (an Input.Changed message is handled only
    after that frame, ~5 ms later). Input.Changed is still posted for anyone else."""

    def __init__(self, *args: Any, changed: Callable[[str], object], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._changed = changed

    def watch_value(self, value: str) -> None:
        self._changed(value)
