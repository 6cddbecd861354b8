"""Dialogs: confirm a request move (with its reason, target or answer), edit a talent."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from dongwu_tui.domain.lifecycle import MOVE_RULES, Move
from dongwu_tui.domain.models import ServiceRequest, Site, Staff
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.work import FetchMixin


class MoveDialog(FetchMixin, ModalScreen[dict[str, Any] | None]):
    """Confirm one move. Asks only what the move takes; the service decides whether it is allowed."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="move.cancel"),
        Binding("ctrl+s", "confirm", "确定", id="move.confirm", priority=True),
    ]

    def __init__(self, request: ServiceRequest, move: Move, sites: list[Site]) -> None:
        super().__init__()
        self.request = request
        self.move = move
        self.rule = MOVE_RULES[move]
        self.sites = sites

    def compose(self) -> ComposeResult:
        rule = self.rule
        with Vertical(id="move-dialog", classes="dialog"):
            yield Static(f"「{rule.label}」工单 {self.request.number}", classes="dialog-title")
            yield Static(f"当前状态：{self.request.status.label}　摘要：{self.request.summary}", classes="hint")
            if self.move in (Move.DISPATCH, Move.REASSIGN):
                yield Label("承办单位")
                yield Select([(s.name, s.id) for s in self.sites], prompt="请选择承办单位", id="site")
                yield Label("承办专员（可不选）")
                yield Select([], prompt="不指定专员", id="staff")
            if self.move is Move.VISIT:
                yield Label("回访结果")
                yield Select([("满意", True), ("不满意（退回重办）", False)], value=True, allow_blank=False,
                             id="satisfied")
            if self.move is Move.EXTEND:
                yield Label("延期工作日数")
                yield Input(placeholder="如 5", id="days", type="integer")
            if self.move is Move.MERGE:
                yield Label("并入工单编号")
                yield Input(placeholder="如 WZ-20261128-0001", id="into")
            need = "（必填）" if rule.needs_reason else "（选填）"
            yield Label(f"{rule.reason_label}{need}")
            yield Input(placeholder=f"请填写{rule.reason_label}", id="reason")
            yield Static("Enter/Ctrl+S 确定　Esc 取消　Tab 下一项", classes="hint")

    def on_mount(self) -> None:
        # A visit is mostly "satisfied" (the default): start on the note so Enter confirms at once.
        first = self.query_one("#reason") if self.move is Move.VISIT else self.query("Select, Input").first()
        first.focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "site" and isinstance(event.value, str):
            site_id = event.value
            desk = self.app.desk  # type: ignore[attr-defined]
            self.fetch("specialists", lambda: desk.directory.specialists_of(site_id))

    def got_specialists(self, staff: list[Staff]) -> None:
        select = self.query_one("#staff", Select)
        select.set_options([(s.name, s.id) for s in staff])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        values: dict[str, Any] = {"reason": self.query_one("#reason", Input).value.strip()}
        if self.move in (Move.DISPATCH, Move.REASSIGN):
            site = self.query_one("#site", Select).value
            staff = self.query_one("#staff", Select).value
            if site is Select.BLANK:
                self.app.notify("请选择承办单位。", severity="warning", markup=False)
                return
            values["to_site"] = site
            values["to_staff"] = None if staff is Select.BLANK else staff
        if self.move is Move.VISIT:
            values["satisfied"] = bool(self.query_one("#satisfied", Select).value)
        if self.move is Move.EXTEND:
            text = self.query_one("#days", Input).value.strip()
            values["days"] = int(text) if text.isdigit() else None
        if self.move is Move.MERGE:
            values["into"] = self.query_one("#into", Input).value.strip() or None
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


# The fields of a talent a desk edits, as (field, label); the talent page passes them all.
EDIT_FIELDS = (("name", "姓名"), ("phone", "电话"), ("card_no", "人才卡号"), ("notes", "备注"))


class TalentEditDialog(ModalScreen[dict[str, Any] | None]):
    """Edit a talent's fields (`fields`, as typed text: names of catalogue entries and people), and why."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="edit.cancel"),
        Binding("ctrl+s", "confirm", "保存", id="edit.save", priority=True),
    ]

    def __init__(self, values: dict[str, str], fields: tuple[tuple[str, str], ...] = EDIT_FIELDS) -> None:
        super().__init__()
        self.values = values
        self.fields = (*fields, ("reason", "修改原因"))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="edit-dialog", classes="dialog"):
            yield Static(f"修改人才信息：{escape(self.values.get('name', ''))}", classes="dialog-title")
            for field, label in self.fields:
                yield Label(label)
                yield Input(self.values.get(field, ""), id=f"edit-{field}")
            yield Static("Ctrl+S 保存　Esc 取消　Tab 下一项", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_confirm(self) -> None:
        result = {}
        for field, _label in self.fields:
            value = self.query_one(f"#edit-{field}", Input).value.strip()
            if field == "reason" or value != self.values.get(field, ""):
                result[field] = value
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
