"""Who is working: the person at the desk picks their name; their role decides the first screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from dongwu_tui.domain.models import Staff
from dongwu_tui.domain.roles import Role
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.work import FetchMixin

DESK_ROLES = (Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR)


class WhoScreen(FetchMixin, ModalScreen[Staff | None]):
    BINDINGS = [
        Binding("escape", "cancel", "取消", id="who.cancel"),
        Binding("down", "move(1)", "下一位", show=False, id="who.down"),
        Binding("up", "move(-1)", "上一位", show=False, id="who.up"),
        Binding("enter", "choose", "确定", id="who.choose", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.staff: list[Staff] = []
        self.shown: list[Staff] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="who", classes="dialog"):
            yield Static("东吴人才服务台 · 请选择当前使用人", classes="dialog-title")
            yield Input(placeholder="输入姓名或拼音首字母筛选", id="who-filter")
            yield OptionList(id="who-list")
            yield Static("↑↓ 选择　Enter 确定　Esc 退出", classes="hint")

    def on_mount(self) -> None:
        desk = self.app.desk  # type: ignore[attr-defined]
        self.fetch(lambda: [s for s in desk.directory.staff_list() if s.role in DESK_ROLES and s.active],
                   then=self.show_staff)

    def show_staff(self, staff: list[Staff]) -> None:
        order = {role: i for i, role in enumerate(DESK_ROLES)}
        self.staff = sorted(staff, key=lambda s: (order[s.role], s.name))
        self._show("")

    def _show(self, text: str) -> None:
        text = text.strip().lower()
        shown = self.staff
        if text:
            from dongwu_tui.domain.pinyin import pinyin_keys

            shown = [s for s in self.staff if text in s.name or pinyin_keys(s.name)[1].startswith(text)
                     or pinyin_keys(s.name)[0].startswith(text)]
        self.shown = shown
        options = self.query_one("#who-list", OptionList)
        options.clear_options()
        options.add_options([Option(f"{escape(s.name)}　{s.role.label}　{escape(s.office_name)}") for s in shown])
        if shown:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#who-list", OptionList)
        if self.shown:
            options.highlighted = max(0, min(len(self.shown) - 1, (options.highlighted or 0) + delta))

    def action_choose(self) -> None:
        options = self.query_one("#who-list", OptionList)
        if self.shown and options.highlighted is not None:
            self.dismiss(self.shown[options.highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
