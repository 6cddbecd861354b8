"""The command palette in Chinese: the current screen's actions first, then moving about the desk."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from dongwu_tui.ui.tweaks import NoMatchesText

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.dom import DOMNode

# Keys a list handles itself; offering "下移" in a palette helps nobody.
_SKIPPED = {"list.up", "list.down", "list.page_up", "list.page_down", "list.first", "list.last"}


class ChinesePalette(NoMatchesText, CommandPalette):
    """Textual's palette with its own words in Chinese."""

    NO_MATCHES_TEXT = "没有匹配的操作"

    def __init__(self) -> None:
        super().__init__(placeholder="输入要执行的操作（可用拼音首字母）……", id="--command-palette")


class DeskCommands(Provider):
    """The actions of the screen the palette was opened from, then the app's own."""

    def _commands(self) -> Iterator[tuple[str, str, DOMNode, Binding]]:
        seen: set[str] = set()
        screen_first = sorted(
            self.screen.active_bindings.values(),
            key=lambda active: active.node is self.app,
        )
        for active in screen_first:
            binding = active.binding
            if not active.enabled or not binding.description or binding.system or not binding.id:
                continue
            if binding.id in _SKIPPED or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            where = "全局" if active.node is self.app else "本页"
            # The id is what [keymap] in config.toml names to give the action another key.
            yield binding.description, f"{where} · 按键 {key} · 编号 {binding.id}", active.node, binding

    def _runner(self, node: DOMNode, binding: Binding):  # noqa: ANN202 - a zero-argument callback
        return partial(self.app.run_action, binding.action, node)

    async def discover(self) -> Hits:
        for title, help_text, node, binding in self._commands():
            yield DiscoveryHit(title, self._runner(node, binding), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        from dongwu_tui.domain.pinyin import pinyin_keys

        for title, help_text, node, binding in self._commands():
            score = matcher.match(title)
            if score <= 0:
                full, initials = pinyin_keys(title)
                score = matcher.match(initials) or matcher.match(full)
                if score <= 0:
                    continue
                highlighted = Content(title)
            else:
                highlighted = matcher.highlight(title)
            yield Hit(score, highlighted, self._runner(node, binding), text=title, help=help_text)
