"""Sync conflicts seen from every screen: the count on the title line and the banner on a conflicted record.

Both are small widgets that the workspace screens place; they read the count the app keeps
(`DeskApp.conflicts_open`, refreshed by a worker after start-up, imports and resolutions) and, for the
banner, look the record up in a thread worker. Nothing here loads the sync screen or its dialogs.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.widgets import Static

from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.work import FetchMixin

def field_label(field: str, table: str | None = None) -> str:
    """The one mapping of field names to Chinese labels lives with the conflicts (no Textual there)."""
    from dongwu_tui.sync.conflicts import field_label as label

    return label(field, table)


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
        sync, table = self.app.desk.sync, self.table  # type: ignore[attr-defined]
        self.fetch(lambda: banner_text(sync, table, record_id), then=partial(self.show_banner, record_id),
                   failed=self.banner_unchecked)

    def show_banner(self, record_id: str, text: str) -> None:
        if record_id != self.record_id:
            return
        self.update(text)
        self.display = bool(text)

    def banner_unchecked(self, _message: str) -> None:
        """A banner that cannot be checked stays as it was (the record's page shows its own errors)."""


def banner_text(sync: Any, table: str, record_id: str) -> str:
    """The banner for one record ('' when it has no open conflict); runs in a worker thread."""
    parts = []
    for conflict in sync.record_conflicts(table, record_id):
        offices = " / ".join(dict.fromkeys(v.office for v in conflict.versions))
        parts.append(f"{conflict.field_label}（{offices}）")
    if not parts:
        return ""
    return (f"⚠ 本记录与其他单位的修改有冲突：{escape('、'.join(parts))}。"
            "选定取值前不能保存，请按 F7 到同步页并排比较后处理。")
