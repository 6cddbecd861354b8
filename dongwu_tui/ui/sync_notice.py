"""Sync conflicts seen from every screen: the count on the title line and the banner on a conflicted record.

Both are small widgets that the workspace screens place; they read the count the app keeps
(`DeskApp.conflicts_open`, refreshed by a worker after start-up, imports and resolutions) and, for the
banner, look the record up in a thread worker. Nothing here loads the sync screen or its dialogs.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.work import FetchMixin

# What a person calls the fields that can be in conflict; an unknown column shows its own name.
FIELD_LABEL = {
    "name": "姓名/名称", "phone": "电话", "notes": "备注", "card_no": "人才卡号", "id_number": "证件号码",
    "id_kind": "证件类型", "category_code": "人才类别", "level_code": "人才层次", "township_code": "所属镇街",
    "specialist_id": "专员", "enterprise_id": "所在企业", "deleted": "删除", "status": "状态",
    "summary": "摘要", "measure": "服务举措", "assignee_site_id": "承办单位", "assignee_staff_id": "承办专员",
    "due": "期限", "resolution": "办理结果", "confidential": "保密", "talent_id": "来电人", "role": "角色",
    "active": "在岗", "credit_code": "信用代码", "address": "地址", "contact": "联系人",
}


def field_label(field: str) -> str:
    return FIELD_LABEL.get(field, field)


def conflict_notice_text(count: int) -> str:
    return f" ⚠ 同步冲突 {count} 件（F7 处理） " if count else ""


class ConflictNotice(Static):
    """The open-conflict count on a title line; hidden while there is none."""

    DEFAULT_CSS = """
    ConflictNotice { dock: right; width: auto; height: 1; background: $error; color: $text; text-style: bold;
                     display: none; }
    """

    def on_mount(self) -> None:
        if hasattr(self.app, "conflicts_open"):
            self.watch(self.app, "conflicts_open", self._show)

    def _show(self, count: int) -> None:
        self.update(conflict_notice_text(count))
        self.display = count > 0


class ConflictBanner(FetchMixin, Static):
    """On a record's page: which fields are in conflict with which offices, and that saving waits for a choice."""

    DEFAULT_CSS = """
    ConflictBanner { height: auto; background: $error 40%; color: $text; padding: 0 1; display: none; }
    """

    def __init__(self, table: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.table = table
        self.record_id: str | None = None

    def on_mount(self) -> None:
        if hasattr(self.app, "conflicts_open"):
            # A resolution elsewhere (the sync screen) changes the count: look again.
            self.watch(self.app, "conflicts_open", lambda _count: self._recheck(), init=False)

    def show_for(self, record_id: str) -> None:
        self.record_id = record_id
        self._recheck()

    def _recheck(self) -> None:
        if self.record_id is not None:
            self._look_up(self.record_id)

    def _look_up(self, record_id: str) -> None:
        office, table = self.app.desk.office, self.table  # type: ignore[attr-defined]
        self.fetch("banner", lambda: (record_id, banner_text(office, table, record_id)))

    def got_banner(self, value: tuple[str, str]) -> None:
        record_id, text = value
        if record_id != self.record_id:
            return
        self.update(text)
        self.display = bool(text)

    def failed_banner(self, _message: str) -> None:
        """A banner that cannot be checked stays as it was (the record's page shows its own errors)."""


def banner_text(office: Any, table: str, record_id: str) -> str:
    """The banner for one record ('' when it has no open conflict); runs in a worker thread."""
    from dongwu_tui.sync import conflicts as cf

    if not cf.record_in_conflict(office, table, record_id):
        return ""
    parts = []
    for conflict in cf.list_conflicts(office, table):
        if conflict.record_id == record_id:
            offices = " / ".join(dict.fromkeys(v.office for v in conflict.versions))
            parts.append(f"{field_label(conflict.field)}（{offices}）")
    return (f"⚠ 本记录与其他单位的修改有冲突：{escape('、'.join(parts))}。"
            "选定取值前不能保存，请按 F7 到同步页并排比较后处理。")
