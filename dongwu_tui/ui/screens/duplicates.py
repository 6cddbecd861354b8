"""重复登记: the talents registered twice, exact and likely, for a supervisor to merge (m)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from dongwu_tui.ui.safe import printable
from dongwu_tui.ui.screens.base import DeskScreen


def _who(talent: tuple[str, str, str | None]) -> str:
    tid, name, card = talent
    return f"{printable(name)}（{printable(card) if card else tid[-8:]}）"


class DuplicatesScreen(DeskScreen):
    TITLE_TEXT = "重复登记"
    BINDINGS = [
        Binding("m", "merge", "合并（保留第一位）", id="duplicates.merge"),
        Binding("r", "reload", "刷新", id="duplicates.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[Any] = []

    def body(self) -> ComposeResult:
        yield Static("正在查找重复登记……", id="duplicates-count", classes="hint")
        yield DataTable(id="duplicates-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("类型", "依据", "相似度", "保留", "并入")
        self.action_reload()

    def action_reload(self) -> None:
        from dongwu_tui.services.duplicates import find_duplicates

        desk = self.desk
        self.fetch(lambda: find_duplicates(desk), then=self.show_groups)

    def show_groups(self, groups: list[Any]) -> None:
        self.groups = groups
        table = self.query_one(DataTable)
        table.clear()
        for group in groups:
            others = "、".join(_who(t) for t in group.talents[1:])
            table.add_row("确定重复" if group.kind == "exact" else "疑似重复", group.reason, str(group.score),
                          _who(group.talents[0]), others)
        text = f"共 {len(groups)} 组　m 合并（保留第一位，其余并入）　r 刷新" if groups else "没有发现重复登记的人才。"
        self.query_one("#duplicates-count", Static).update(text)
        table.focus()

    def action_merge(self) -> None:
        from dongwu_tui.ui.screens.dialogs import ConfirmDialog

        table = self.query_one(DataTable)
        if not self.groups or table.cursor_row is None or not 0 <= table.cursor_row < len(self.groups):
            return
        group = self.groups[table.cursor_row]
        keep, others = group.talents[0], group.talents[1:]
        question = (f"保留 {_who(keep)}，{'、'.join(_who(t) for t in others)} 并入后注销；"
                    "来电和工单移到保留的人才名下。")

        def answered(yes: bool | None) -> None:
            if yes:
                from dongwu_tui.services.duplicates import merge_talents

                desk = self.desk
                self.fetch(lambda: [merge_talents(desk, keep[0], other[0], reason="在重复登记视图中合并")
                                    for other in others], then=self.show_merged)

        self.app.push_screen(ConfirmDialog("确定合并？", question), answered)

    def show_merged(self, results: list[dict[str, Any]]) -> None:
        moved = sum(r["calls"] for r in results), sum(r["requests"] for r in results)
        self.app.notify(f"已合并，移过来电 {moved[0]} 条、工单 {moved[1]} 件。", title="合并")
        self.action_reload()
