"""The sync screen's dialogs: the export wizard, import with preview and progress, side-by-side resolution.

Every file and database step runs in a thread worker (`ui/work.py` `fetch`); the dialog only shows what
came back, and progress arrives as `SyncProgress` messages while the worker runs. A refused file comes
back as its Chinese reason (a `SyncRefused`), never as a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Select, Static

from dongwu_tui.domain.chinatime import china_text
from dongwu_tui.sync import conflicts as cf
from dongwu_tui.sync.service import PeerStatus
from dongwu_tui.ui.fields import Field
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.sync_notice import field_label
from dongwu_tui.ui.work import FetchMixin

KIND_LABEL = {"full": "完整", "delta": "增量"}
CONFLICT_KIND = {"edit": "同一字段两边都改了", "delete": "一边修改、一边删除", "fork": "工单被两边同时流转（分叉）",
                 "duplicate": "同一人才在两个单位重复登记：选定保留哪一位，另一位的来电和工单并入"}


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def table_counts(counts: dict[str, int]) -> str:
    shown = [f"{cf.TABLE_LABEL.get(t, t)} {n}" for t, n in counts.items() if n]
    return "、".join(shown) or "无记录"


class _SyncWork(FetchMixin):
    """The sync service for the desk's office and person, for the workers of the sync screen and dialogs."""

    def _sync_desk(self) -> Any:
        """The desk's sync service; call its operations in the worker: each reads (and may write) the
        database, and each checks the acting role."""
        return self.app.desk.sync  # type: ignore[attr-defined]


class SyncProgress(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


# -- export -----------------------------------------------------------------------------------------


class ExportDialog(_SyncWork, ModalScreen[Any]):
    """Destination office, delta or full, folder; then the file made and its size."""

    BINDINGS = [
        Binding("escape", "close", "关闭", id="sync.export.close"),
        Binding("ctrl+s", "export", "导出", id="sync.export.go", priority=True),
    ]
    DEFAULT_CSS = "ExportDialog { align: center middle; } ExportDialog #sync-export { width: 90; }"

    def __init__(self, peers: list[PeerStatus], folder: Path) -> None:
        super().__init__()
        self.peers = [p for p in peers if not p.revoked]
        self.folder = folder
        self.result: Any = None
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="sync-export", classes="dialog"):
            yield Static("导出同步文件", classes="dialog-title")
            yield Label("收件单位")
            yield Select([(f"{p.name}（{p.code}）", p.code) for p in self.peers], prompt="请选择收件单位",
                         id="export-to")
            yield Label("导出方式")
            yield Select([("增量（对方尚未确认的修改）", "delta"), ("完整（全部记录）", "full")], value="delta",
                         allow_blank=False, id="export-kind")
            yield Label("存放文件夹")
            yield Field(str(self.folder), id="export-folder")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-result")
            yield Static("Ctrl+S 导出　Esc 关闭　Tab 下一项", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#export-progress").display = False
        self.query_one("#export-to").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def action_export(self) -> None:
        if self.running:
            return
        to = self.query_one("#export-to", Select).value
        if to is Select.NULL:
            self.app.notify("请选择收件单位。", severity="warning", markup=False)
            return
        folder = self.query_one("#export-folder", Input).value.strip()
        if not folder:
            self.app.notify("请填写存放文件夹。", severity="warning", markup=False)
            return
        full = self.query_one("#export-kind", Select).value == "full"
        self.running = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.query_one("#export-result", Static).update("正在导出……")
        self.run_export(str(to), Path(folder).expanduser(), full)

    def run_export(self, to: str, folder: Path, full: bool) -> None:
        def progress(_stage: str, done: int, total: int) -> None:
            self.post_message(SyncProgress(done, total))

        self.fetch(lambda: self._sync_desk().export(to, folder, full=full, progress=progress),
                   then=self.exported, failed=self.export_failed)

    @on(SyncProgress)
    def _progress(self, message: SyncProgress) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=message.done)

    def exported(self, result: Any) -> None:
        self.running = False
        self.result = result
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=max(result.records, 1), progress=max(result.records, 1))
        self.query_one("#export-result", Static).update(
            f"[b]已导出[/b] {KIND_LABEL.get(result.kind, result.kind)}文件给 {escape(result.peer)}\n"
            f"文件：{escape(str(result.path))}\n大小：{human_size(result.size)}　记录：{result.records} 条"
            f"（{escape(table_counts(result.counts))}）\n请把文件交给对方单位，Esc 关闭。")

    def export_failed(self, text: str) -> None:
        self.running = False
        self.query_one("#export-progress").display = False
        self.query_one("#export-result", Static).update(f"[b red]未导出[/]：{escape(text)}")

    def action_close(self) -> None:
        self.dismiss(self.result)


# -- import -----------------------------------------------------------------------------------------


class ImportDialog(_SyncWork, ModalScreen[Any]):
    """A file is opened and verified first; what it holds is shown; only then is it applied."""

    BINDINGS = [
        Binding("escape", "close", "关闭", id="sync.import.close"),
        Binding("ctrl+s", "apply", "导入", id="sync.import.go", priority=True),
    ]
    DEFAULT_CSS = "ImportDialog { align: center middle; } ImportDialog #sync-import { width: 90; }"

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.start_path = path
        self.checked: Any = None
        self.result: Any = None
        self.refusal: str | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="sync-import", classes="dialog"):
            yield Static("导入同步文件", classes="dialog-title")
            yield Label("文件（Enter 检查）")
            yield Field(self.start_path, placeholder="如 /media/U盘/wz-to-mudu-….dwsync", id="import-path")
            yield Static("", id="import-preview")
            yield ProgressBar(id="import-progress", show_eta=False)
            yield Static("", id="import-result")
            yield Static("Enter 检查文件　Ctrl+S 导入　Esc 关闭", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#import-progress").display = False
        self.query_one("#import-path").focus()

    @on(Input.Submitted, "#import-path")
    def _check(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        if not path or self.running:
            return
        self.checked = None
        self.refusal = None
        self.query_one("#import-preview", Static).update("正在检查文件（签名、收件单位、版本、每一部分的校验和）……")
        self.query_one("#import-result", Static).update("")
        self.run_preview(Path(path).expanduser())

    def run_preview(self, path: Path) -> None:
        self.fetch(lambda: self._sync_desk().preview(path), then=self.show_preview, failed=self.preview_failed)

    def show_preview(self, preview: Any) -> None:
        self.checked = preview
        m = preview.manifest
        state = ("[b yellow]已导入过（再次导入不会改变任何数据）[/]" if preview.already_imported
                 else "[b green]新文件[/]")
        self.query_one("#import-preview", Static).update(
            f"[b]文件已通过校验[/b]　{state}\n"
            f"发件单位：{escape(preview.sender['name'])}（{escape(preview.sender['code'])}）\n"
            f"导出时间：{escape(china_text(m.get('created_at')))}　方式：{KIND_LABEL.get(m.get('kind'), m.get('kind'))}\n"
            f"记录：{m.get('records', 0)} 条（{escape(table_counts(m.get('counts', {})))}）\n"
            "Ctrl+S 导入，Esc 放弃。")

    def action_apply(self) -> None:
        if self.checked is None or self.running:
            if self.checked is None:
                self.app.notify("请先输入文件并按 Enter 检查。", severity="warning", markup=False)
            return
        self.running = True
        bar = self.query_one("#import-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(int(self.checked.manifest.get("records", 0)), 1), progress=0)
        self.query_one("#import-result", Static).update("正在导入……")
        self.run_import(self.checked.path)

    def run_import(self, path: Path) -> None:
        self.fetch(lambda: self._sync_desk().import_file(
            path, progress=lambda _stage, done, total: self.post_message(SyncProgress(done, total))),
            then=self.imported, failed=self.import_failed)

    @on(SyncProgress)
    def _progress(self, message: SyncProgress) -> None:
        self.query_one("#import-progress", ProgressBar).update(progress=message.done)

    def imported(self, result: Any) -> None:
        self.running = False
        self.result = result
        self.checked = None
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(progress=bar.total or 0)
        if result.already_imported:
            text = f"[b]已导入过[/b]，跳过（{result.records} 条记录），数据未变。"
        else:
            text = (f"[b]已导入[/b]：来自 {escape(result.sender)}，应用 {result.applied} 条，"
                    f"已有而跳过 {result.skipped} 条，新冲突 {result.conflicts} 个。")
            if result.dropped:
                text += f"\n已迁往其他板块的记录 {result.dropped} 条已移出本单位（发件单位已收到其全部修改）。"
            if result.conflicts:
                text += "\n冲突已列入同步页的冲突收件箱。"
        self.query_one("#import-result", Static).update(text + "\nEsc 关闭。")
        self.app.notify(f"同步文件已导入：应用 {result.applied} 条，新冲突 {result.conflicts} 个。", markup=False)

    def preview_failed(self, text: str) -> None:
        self._refused("#import-preview", text)

    def import_failed(self, text: str) -> None:
        self._refused("#import-result", text)

    def _refused(self, target: str, text: str) -> None:
        self.running = False
        self.checked = None
        self.refusal = text
        self.query_one("#import-progress").display = False
        self.query_one(target, Static).update(f"[b red]文件被拒绝，未导入[/]：{escape(text)}")
        self.app.notify(text, title="未导入", severity="error", timeout=8, markup=False)

    def action_close(self) -> None:
        if not self.running:
            self.dismiss(self.result)


# -- resolution -------------------------------------------------------------------------------------


class VersionPanel(Static, can_focus=True):
    """One side of a conflict: the value, the office, the person and the time."""

    def __init__(self, index: int, version: cf.ConflictVersion, field: str) -> None:
        mine = "（本单位）" if version.mine else ""
        value = "已删除" if field == "deleted" and version.value else (
            "未删除" if field == "deleted" else ("（空）" if version.value in (None, "") else str(version.value)))
        super().__init__(
            f"[b]版本 {index}[/b]{mine}\n\n[b]{escape(value)}[/b]\n\n单位：{escape(version.office)}\n"
            f"经办人：{escape(version.person)}\n时间：{escape(china_text(version.at))}\n\n按 {index} 或 Enter 采用",
            classes="version")
        self.index = index


class ResolveDialog(_SyncWork, ModalScreen[bool]):
    """Both (or all) values side by side; the person picks one or types a new value."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="sync.resolve.cancel"),
        Binding("left", "focus_side(-1)", "上一版本", id="sync.resolve.left", show=False),
        Binding("right", "focus_side(1)", "下一版本", id="sync.resolve.right", show=False),
        *[Binding(str(n), f"take({n})", f"采用版本{n}", id=f"sync.resolve.take{n}", show=n <= 2) for n in range(1, 10)],
    ]
    DEFAULT_CSS = """
    ResolveDialog { align: center middle; }
    ResolveDialog #sync-resolve { width: 110; }
    ResolveDialog #versions { height: auto; }
    ResolveDialog .version { width: 1fr; height: auto; border: round $primary; padding: 0 1; margin: 0 1 0 0; }
    ResolveDialog .version:focus { border: thick $accent; background: $boost; }
    """

    def __init__(self, conflict: cf.Conflict) -> None:
        super().__init__()
        self.conflict = conflict
        self.running = False

    def compose(self) -> ComposeResult:
        c = self.conflict
        with Vertical(id="sync-resolve", classes="dialog"):
            yield Static(f"处理冲突 {c.id}：{escape(c.record)} · {escape(field_label(c.field))}",
                         classes="dialog-title")
            yield Static(CONFLICT_KIND.get(c.kind, c.kind), classes="hint")
            with Horizontal(id="versions"):
                for index, version in enumerate(c.versions, 1):
                    yield VersionPanel(index, version, c.field)
            if c.field != "deleted":
                yield Label("或输入新值（Enter 采用）")
                yield Field(placeholder="留空则从上面选一个版本", id="resolve-value")
            yield Static("←/→ 或 Tab 切换　数字键/Enter 采用该版本　Esc 取消", classes="hint")

    def on_mount(self) -> None:
        self.query(VersionPanel).first().focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "take":
            return int(str(parameters[0])) <= len(self.conflict.versions)
        return True

    def action_focus_side(self, step: int) -> None:
        panels = list(self.query(VersionPanel))
        focused = self.focused
        index = panels.index(focused) if isinstance(focused, VersionPanel) else -1
        panels[(index + step) % len(panels)].focus()

    def on_key(self, event: Any) -> None:
        if event.key == "enter" and isinstance(self.focused, VersionPanel):
            event.stop()
            self.action_take(self.focused.index)

    def action_take(self, index: int) -> None:
        if isinstance(self.focused, Input):
            return
        self._resolve(str(index), None)

    @on(Input.Submitted, "#resolve-value")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self._resolve(None, event.value.strip())

    def _resolve(self, take: str | None, value: str | None) -> None:
        if self.running:
            return
        self.running = True
        self.run_resolve(take, value)

    def run_resolve(self, take: str | None, value: str | None) -> None:
        conflict_id = self.conflict.id
        self.fetch(lambda: self._sync_desk().resolve(conflict_id, take=take, value=value),
                   then=self.resolved, failed=self.resolve_failed)

    def resolved(self, _result: Any) -> None:
        self.running = False
        self.app.notify(f"已处理冲突：{self.conflict.record} · {field_label(self.conflict.field)}", markup=False)
        self.dismiss(True)

    def resolve_failed(self, text: str) -> None:
        self.running = False
        self.app.notify(text, title="未处理", severity="error", timeout=8, markup=False)

    def action_cancel(self) -> None:
        self.dismiss(False)
