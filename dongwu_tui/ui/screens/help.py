"""`?`: the keys of the screen underneath, then the keys that work everywhere."""

from __future__ import annotations

from rich.cells import cell_len
from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from dongwu_tui.ui.lines import fit


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "关闭", id="help.close"),
        Binding("question_mark", "close", "关闭", show=False, id="help.close2"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.lines = self._describe(under)

    def _describe(self, under: Screen) -> list[str]:
        # One line per binding id, its keys together ("n/N"): the id is what a keymap entry moves.
        here: dict[str, tuple[str, str, str]] = {}
        everywhere: dict[str, tuple[str, str, str]] = {}
        for active in under.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.system or not binding.id:
                continue  # Textual's own scrolling keys: covered by the line below in Chinese
            note = "" if active.enabled else "（当前不可用）"
            key = self.app.get_key_display(binding)
            entries = everywhere if active.node is self.app else here
            if binding.id in entries:
                keys, description, _ = entries[binding.id]
                if key not in keys.split("/"):
                    entries[binding.id] = (f"{keys}/{key}", description, binding.id)
                continue
            if any((key, binding.description + note) == (k, d) for k, d, _ in entries.values()):
                continue  # the same key for the same thing, bound on the widget and on its screen
            entries[binding.id] = (key, binding.description + note, binding.id)
        title = getattr(under, "TITLE_TEXT", "") or "本页"
        width = max([cell_len(k) for k, _, _ in [*here.values(), *everywhere.values()]] + [6]) + 2
        described = max([cell_len(d) for _, d, _ in [*here.values(), *everywhere.values()]] + [8]) + 2

        def line(key: str, description: str, binding_id: str) -> str:
            # The binding's id is what [keymap] in config.toml names to give it another key.
            return f"  {escape(fit(key, width))}{escape(fit(description, described))}[dim]{escape(binding_id)}[/dim]"

        lines = [f"[b]{escape(title)}[/b]", f"  [dim]{escape(fit('按键', width))}{escape(fit('作用', described))}编号[/dim]"]
        lines += [line(*entry) for entry in here.values()] or ["  （本页没有专用按键）"]
        extra = getattr(under, "help_lines", None)  # a screen's own lines, e.g. what each view holds
        if extra is not None:
            lines += [""] + [escape(text) for text in extra()]
        lines += ["", "[b]全局[/b]"]
        lines += [line(*entry) for entry in everywhere.values()]
        clashes = self._clashes(under, title)
        if clashes:
            lines += ["", "[b red]按键冲突[/]"] + [f"  [red]{escape(text)}[/]" for text in clashes]
        lines += ["", "列表中：↑↓ 移动，PgUp/PgDn 翻页，Home/End 首尾，Enter 打开；Tab 在输入框之间切换。",
                  escape("按键可在配置文件 config.toml 的 [keymap] 中按编号重新设置，例如 \"app.requests\" = \"f5\"。")]
        return lines

    def _clashes(self, under: Screen, title: str) -> list[str]:
        """The keymap's clashes among the bindings working on `under`: its focused widget's, their containers',
        the screen's and the app's, as they are before the keymap moves them."""
        keymap = getattr(self.app, "_keymap", None) or {}
        if not keymap:
            return []
        from dongwu_tui.ui.config import keymap_clashes

        focused = under.focused
        nodes = list(focused.ancestors_with_self) if focused is not None else [under, self.app]
        bindings = [b for node in nodes for group in node._bindings.key_to_bindings.values() for b in group]
        return keymap_clashes(keymap, [(title, bindings)])

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Static("按键帮助（Esc 关闭）", classes="dialog-title")
            yield Static("\n".join(self.lines), id="help-body")

    def action_close(self) -> None:
        self.dismiss(None)
