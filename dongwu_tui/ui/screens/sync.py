"""The sync screen (F7): the conflict inbox with its filters, each office's status, export and import.

Files are made and read in the dialogs (`sync_dialogs`); this screen lists what is waiting. Loading runs
in a thread worker that posts one message with the peers and the conflicts; filtering is done here over
the loaded list, because an office has tens of open conflicts, not thousands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Select, Static

from dongwu_tui.domain.chinatime import china_text
from dongwu_tui.sync import conflicts as cf
from dongwu_tui.sync.service import PeerStatus
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.screens.base import DeskScreen, go_back
from dongwu_tui.ui.screens.sync_dialogs import CONFLICT_KIND, ExportDialog, ImportDialog, ResolveDialog, _SyncWork
from dongwu_tui.ui.sync_notice import field_label

ALL = "*"
KIND_FILTER = [("全部类型", ALL), ("同一字段两边都改了", "edit"), ("修改与删除", "delete"), ("工单分叉", "fork"),
               ("重复人才", "duplicate")]


@dataclass
class SyncOverview:
    peers: list[PeerStatus]
    conflicts: list[cf.Conflict]


def _short_time(text: str | None) -> str:
    return china_text(text) or "—"


class SyncScreen(_SyncWork, DeskScreen):
    TITLE_TEXT = "同步"
    BINDINGS = [
        Binding("x", "export", "导出", id="sync.export"),
        Binding("i", "import_file", "导入", id="sync.import"),
        Binding("r", "resolve", "处理冲突", id="sync.resolve"),
        Binding("slash", "filter", "筛选", id="sync.filter"),
        Binding("f5", "reload", "刷新", id="sync.refresh"),
    ]
    DEFAULT_CSS = """
    SyncScreen #sync-summary { height: auto; padding: 0 1; }
    SyncScreen #sync-filters { height: 3; }
    SyncScreen #sync-filters Select { width: 1fr; }
    SyncScreen #sync-conflicts { height: 2fr; border: round $primary; }
    SyncScreen #sync-peers { height: 1fr; border: round $primary; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.overview: SyncOverview | None = None
        self.shown: list[cf.Conflict] = []

    def body(self) -> ComposeResult:
        yield Static("正在加载……", id="sync-summary")
        with Vertical(id="sync-main"):
            with Horizontal(id="sync-filters"):
                yield Select(KIND_FILTER, value=ALL, allow_blank=False, id="filter-kind")
                yield Select([("全部记录", ALL)], value=ALL, allow_blank=False, id="filter-table")
                yield Select([("全部单位", ALL)], value=ALL, allow_blank=False, id="filter-office")
            conflicts: DataTable[str] = DataTable(id="sync-conflicts", cursor_type="row", zebra_stripes=True)
            yield conflicts
            peers: DataTable[str] = DataTable(id="sync-peers", cursor_type="row")
            yield peers
        yield Static("x 导出同步文件　i 导入同步文件　Enter/r 并排比较并处理冲突　/ 筛选　F5 刷新", classes="hint")

    def on_mount(self) -> None:
        conflicts = self.query_one("#sync-conflicts", DataTable)
        conflicts.border_title = "冲突收件箱"
        conflicts.add_columns("编号", "记录", "字段", "类型", "各方")
        peers = self.query_one("#sync-peers", DataTable)
        peers.border_title = "各单位同步状态"
        peers.add_columns("单位", "收到的最后文件", "发出的最后文件", "对方确认到", "待发记录")
        conflicts.focus()
        self.reload()

    # -- loading ------------------------------------------------------------------------------------

    def reload(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.reload()

    def load(self) -> None:
        def run() -> SyncOverview:
            sync = self._sync_desk()
            return SyncOverview(sync.status(), sync.conflicts())

        self.fetch(run, then=self.show_overview, failed=self.overview_failed)

    def overview_failed(self, text: str) -> None:
        self.query_one("#sync-summary", Static).update(f"[b red]同步信息无法读取[/]：{escape(text)}")

    def show_overview(self, overview: SyncOverview) -> None:
        self.overview = overview
        count = len(overview.conflicts)
        self.desk_app.conflicts_open = count
        self.query_one("#sync-summary", Static).update(
            f"未处理冲突：[b]{count}[/b] 件　　对方单位：{len(overview.peers)} 个"
            + ("" if count else "　　没有待处理的冲突。"))
        self._fill_filters(overview.conflicts)
        self._show_conflicts()
        peers = self.query_one("#sync-peers", DataTable)
        peers.clear()
        for p in overview.peers:
            name = f"{p.name}（{p.code}）" + ("（已吊销）" if p.revoked else "")
            peers.add_row(escape(name), f"{_short_time(p.last_in_at)} {p.last_in_file or ''}",
                          f"{_short_time(p.last_out_at)} {p.last_out_file or ''}", _short_time(p.acknowledged),
                          str(p.pending), key=p.site_id)

    def _fill_filters(self, conflicts: list[cf.Conflict]) -> None:
        tables = sorted({c.table for c in conflicts})
        offices = sorted({v.office for c in conflicts for v in c.versions})
        for select_id, first, options in (
                ("#filter-table", ("全部记录", ALL), [(cf.TABLE_LABEL.get(t, t), t) for t in tables]),
                ("#filter-office", ("全部单位", ALL), [(o, o) for o in offices])):
            select: Select[str] = self.query_one(select_id, Select)
            current = select.value
            with select.prevent(Select.Changed):
                select.set_options([first, *options])
                values = {value for _, value in options}
                select.value = current if current in values else ALL

    def _show_conflicts(self) -> None:
        if self.overview is None:
            return
        kind = self.query_one("#filter-kind", Select).value
        table = self.query_one("#filter-table", Select).value
        office = self.query_one("#filter-office", Select).value
        self.shown = [c for c in self.overview.conflicts
                      if (kind == ALL or c.kind == kind) and (table == ALL or c.table == table)
                      and (office == ALL or any(v.office == office for v in c.versions))]
        grid = self.query_one("#sync-conflicts", DataTable)
        grid.clear()
        for c in self.shown:
            sides = " / ".join(dict.fromkeys(v.office for v in c.versions))
            grid.add_row(c.id, escape(c.record), escape(field_label(c.field)), CONFLICT_KIND.get(c.kind, c.kind),
                         escape(sides), key=c.id)
        total = len(self.overview.conflicts)
        shown = f"{len(self.shown)}/{total}" if len(self.shown) != total else str(total)
        grid.border_title = f"冲突收件箱（{shown}）"

    @on(Select.Changed)
    def _filtered(self, event: Select.Changed) -> None:
        event.stop()
        self._show_conflicts()

    def action_filter(self) -> None:
        self.query_one("#filter-kind").focus()

    # -- actions ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if action == "back" else super().check_action(action, parameters)

    def action_back(self) -> None:
        go_back(self)  # back to the workspace F7 was pressed in

    def action_export(self) -> None:
        peers = self.overview.peers if self.overview else []
        self.app.push_screen(ExportDialog(peers, self._folder()), lambda _result: self.reload())

    def action_import_file(self) -> None:
        self.app.push_screen(ImportDialog(), lambda _result: self.reload())

    def _folder(self) -> Path:
        return self.desk.sync.default_folder()

    @on(DataTable.RowSelected, "#sync-conflicts")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_resolve()

    def action_resolve(self) -> None:
        grid = self.query_one("#sync-conflicts", DataTable)
        if not self.shown or not 0 <= grid.cursor_row < len(self.shown):
            self.notify("没有选中的冲突。", markup=False)
            return
        conflict = self.shown[grid.cursor_row]

        def done(resolved: bool | None) -> None:
            if resolved:
                self.reload()

        self.app.push_screen(ResolveDialog(conflict), done)
