"""导入名册: a roster file previewed (its first rows and how its columns map), checked, then imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from dongwu_tui.ui.fields import Field
from dongwu_tui.ui.safe import printable
from dongwu_tui.ui.screens.base import DeskScreen

KIND_OPTIONS = [("人才", "talents"), ("企业", "enterprises"), ("工作人员", "staff")]


class RosterImportScreen(DeskScreen):
    TITLE_TEXT = "导入名册"
    BINDINGS = [
        Binding("ctrl+e", "check", "检查（不写入）", id="import.check", priority=True),
        Binding("ctrl+s", "run_import", "导入", id="import.run", priority=True),
    ]

    def body(self) -> ComposeResult:
        with Horizontal(id="import-file"):
            yield Field(placeholder="文件路径（.xlsx、.xls 或 .csv），Enter 预览", id="import-path")
            yield Select(KIND_OPTIONS, value="talents", allow_blank=False, id="import-kind")
        yield Field(placeholder="列对应（可不填）：表头=列，多项用空格分隔，如 手机号码=手机；导入时保存", id="import-map")
        yield Static("", id="import-mapping", markup=False)
        yield DataTable(id="import-preview", zebra_stripes=True)
        yield Static("Enter 预览　Ctrl+E 检查　Ctrl+S 导入", id="import-result", classes="hint", markup=False)

    def _request(self) -> tuple[str, Path, dict[str, str]] | None:
        from dongwu_tui.services.roster import parse_mapping

        text = self.query_one("#import-path", Input).value.strip()
        if not text:
            self.query_one("#import-result", Static).update("请先填写文件路径。")
            return None
        kind = str(self.query_one("#import-kind", Select).value)
        try:
            mapping = parse_mapping(kind, self.query_one("#import-map", Input).value.split())
        except Exception as error:  # noqa: BLE001 - a refusal in Chinese, shown where the person typed
            self.query_one("#import-result", Static).update(getattr(error, "message", str(error)))
            return None
        return kind, Path(text).expanduser(), mapping

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_preview()

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.query_one("#import-path", Input).value.strip():
            self.action_preview()

    def action_preview(self) -> None:
        from dongwu_tui.services.roster import RosterService

        request = self._request()
        if request is None:
            return
        kind, path, mapping = request
        desk = self.desk
        self.fetch(lambda: RosterService(desk).preview(kind, path, mapping=mapping), then=self.show_preview,
                   failed=self.failed_preview)

    def failed_preview(self, message: str) -> None:
        self.query_one(DataTable).clear(columns=True)
        self.query_one("#import-mapping", Static).update("")
        self.query_one("#import-result", Static).update(message)

    def show_preview(self, value: tuple[list[tuple[str, str]], list[str], list[list[str]]]) -> None:
        pairs, unknown, grid = value
        mapped = dict(pairs)
        text = "列对应：" + "、".join(f"{printable(h)}→{c}" for h, c in pairs)
        if unknown:
            text += "　未识别（忽略）：" + "、".join(printable(h) for h in unknown)
        self.query_one("#import-mapping", Static).update(text)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        headers = grid[0] if grid else []
        table.add_columns(*[f"{printable(h)}→{mapped[h]}" if h in mapped else f"{printable(h)}（忽略）"
                            for h in headers])
        for row in grid[1:]:
            table.add_row(*[printable(c) for c in (row + [""] * len(headers))[:len(headers)]])
        self.query_one("#import-result", Static).update(
            f"前 {len(grid) - 1} 行预览　Ctrl+E 检查全部行（不写入）　Ctrl+S 导入")

    def _start(self, dry_run: bool) -> None:
        from dongwu_tui.services.roster import (
            RosterService,
            error_workbook_path,
            save_mapping,
            write_error_workbook,
        )

        request = self._request()
        if request is None:
            return
        kind, path, mapping = request
        desk = self.desk

        def run() -> tuple[Any, Path | None]:
            result = RosterService(desk).import_file(kind, path, mapping=mapping, dry_run=dry_run)
            if mapping and not dry_run:
                save_mapping(desk, kind, mapping)
            errors = write_error_workbook(result, error_workbook_path(path)) if result.rejected_rows else None
            return result, errors

        self.query_one("#import-result", Static).update("正在检查……" if dry_run else "正在导入……")
        self.fetch(run, then=self.show_imported, failed=self.failed_imported)

    def action_check(self) -> None:
        self._start(dry_run=True)

    def action_run_import(self) -> None:
        self._start(dry_run=False)

    def failed_imported(self, message: str) -> None:
        self.query_one("#import-result", Static).update(message)

    def show_imported(self, value: tuple[Any, Path | None]) -> None:
        result, errors = value
        text = result.summary
        if errors is not None:
            text += f"　未导入的行及原因：{errors}"
        self.query_one("#import-result", Static).update(text)
