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
        here: list[tuple[str, str]] = []
        everywhere: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for active in under.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.system or not binding.id:
                continue  # Textual's own scrolling keys: covered by the line below in Chinese
            note = "" if active.enabled else "（当前不可用）"
            entry = (self.app.get_key_display(binding), binding.description + note)
            if entry in seen:
                continue
            seen.add(entry)
            (everywhere if active.node is self.app else here).append(entry)
        title = getattr(under, "TITLE_TEXT", "") or "本页"
        width = max([cell_len(k) for k, _ in here + everywhere] + [6]) + 2
        lines = [f"[b]{title}[/b]"]
        lines += [f"  {escape(fit(k, width))}{escape(d)}" for k, d in here] or ["  （本页没有专用按键）"]
        extra = getattr(under, "help_lines", None)  # a screen's own lines, e.g. what each view holds
        if extra is not None:
            lines += [""] + [escape(line) for line in extra()]
        lines += ["", "[b]全局[/b]"]
        lines += [f"  {escape(fit(k, width))}{escape(d)}" for k, d in everywhere]
        lines += ["", "列表中：↑↓ 移动，PgUp/PgDn 翻页，Home/End 首尾，Enter 打开；Tab 在输入框之间切换。",
                  "按键可在配置文件 config.toml 的 [keymap] 中按编号重新设置。"]
        return lines

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Static("按键帮助（Esc 关闭）", classes="dialog-title")
            yield Static("\n".join(self.lines), id="help-body")

    def action_close(self) -> None:
        self.dismiss(None)
