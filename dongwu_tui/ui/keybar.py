"""The key line at the bottom of every desk screen: the keys that work here, as Textual's compact Footer shows them.

Textual's Footer makes one widget per key (a dozen on the request views), styles each twice as it mounts,
lays them out and renders them one by one: about 80 ms of CPU before the first screen on the 2-core desk
machine, more than everything else the first screen draws (start-up). `KeyBar` is one widget that
draws the same line: the shown bindings of the focused widget, the screen and the app (one per action, in
Textual's order), each key in the footer's key colour followed by its description, and the command palette
key on the right. It is redrawn, not recomposed, when the bindings change; a click on a key presses it.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget

PALETTE_EDGE = "▏"  # Textual's "vkey" left border, which the Footer draws before the palette key


class KeyBar(Widget):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--edge"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; color: $footer-foreground; background: $footer-background; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground; background: $footer-description-background;
    }
    KeyBar > .key-bar--edge { color: $foreground 20%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # (first cell, end cell, key) of each key drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh())

    def _keys(self) -> tuple[list[tuple[str, str, str, bool]], tuple[str, str, str, bool] | None]:
        """(key, shown key, description, enabled) of each binding to show, and of the palette key."""
        app = self.app
        active = self.screen.active_bindings
        shown: dict[str, tuple[str, str, str, bool]] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = (binding.key, app.get_key_display(binding), binding.description, enabled)
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = (binding.key, app.get_key_display(binding), binding.description, enabled)
        return list(shown.values()), palette

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        key_style = base + self.get_component_rich_style("key-bar--key")
        description_style = base + self.get_component_rich_style("key-bar--description")
        keys, palette = self._keys()

        def item(key: tuple[str, str, str, bool]) -> list[Segment]:
            _key, display, description, enabled = key
            extra = Style() if enabled else Style(dim=True)
            parts = [Segment(display, key_style + extra)]
            if description:
                parts.append(Segment(" " + description, description_style + extra))
            return parts

        # Between and after keys, only the bar's background shows (Textual's compact footer: a one-cell margin
        # after each key, the palette key's included).
        gap = Segment(" ", Style.from_color(bgcolor=base.bgcolor))
        right: list[Segment] = []
        if palette is not None:
            right = [Segment(PALETTE_EDGE, base + self.get_component_rich_style("key-bar--edge")), *item(palette), gap]
        right_width = sum(cell_len(s.text) for s in right)
        if right_width > width:
            right, right_width, palette = [], 0, None
        room = width - right_width
        left: list[Segment] = []
        spans: list[tuple[int, int, str]] = []
        x = 0
        for key in keys:
            parts = item(key)
            length = sum(cell_len(s.text) for s in parts)
            if x + length > room:
                break  # a key that does not fit is left out whole, not cut mid-word (F1 lists every key)
            spans.append((x, x + length, key[0]))
            left += [*parts, gap]
            x += length + 1
        if palette is not None:
            spans.append((room + 1, width - 1, palette[0]))
        self._spans = spans
        line = Strip(left).crop_extend(0, room, gap.style)
        return Strip.join([line, Strip(right)]) if right else line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return

