"""Dialogs: confirm a request move (with its reason, target or answer), edit a talent, confirm leaving.

A dialog that writes runs its write itself (`perform`, in a worker) and closes only once it is done: a refusal
is shown inside the dialog, beside the field it concerns, and nothing typed is lost. Enter moves to the next
field and confirms on the last one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from dongwu_tui.domain.labels import FIELD_LABELS
from dongwu_tui.domain.lifecycle import MOVE_RULES, MoveInput, Queue
from dongwu_tui.domain.models import ServiceRequest, Site, Staff, VisitResult
from dongwu_tui.ui.fields import Field
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.work import FetchMixin

FIELD_ERROR_CSS = """
.field-error { color: $error; height: auto; }
"""


class FieldsDialog(FetchMixin, ModalScreen[Any]):
    """What the desk's input dialogs share: Enter walks the fields, errors stay beside their field."""

    DEFAULT_CSS = FIELD_ERROR_CSS

    def error_line(self, name: str) -> Static:
        return Static("", id=f"error-{name}", classes="field-error hidden")

    def fields(self) -> list[Widget]:
        return [w for w in self.query("Select, Input") if w.display and not w.disabled]

    def clear_errors(self) -> None:
        for line in self.query(".field-error").results(Static):
            line.update("")
            line.add_class("hidden")

    def show_error(self, name: str, message: str) -> None:
        """The message beside field `name` (or in the dialog's general line), and the cursor on that field."""
        try:
            line = self.query_one(f"#error-{name}", Static)
        except NoMatches:  # a field without its own line reports on the dialog's line
            line = self.query_one("#error-dialog", Static)
        line.update(message)
        line.remove_class("hidden")
        try:
            self.query_one(f"#{name}").focus()
        except NoMatches:  # the general line has no field to focus
            pass

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        fields = self.fields()
        if fields and event.input is not fields[-1]:
            self.focus_next()
        else:
            self.action_confirm()

    def action_confirm(self) -> None:  # pragma: no cover - every dialog has its own
        raise NotImplementedError

    def perform_failed(self, message: str) -> None:
        self.show_error("dialog", message)


class MoveDialog(FieldsDialog):
    """Confirm one move, on any screen. Asks what the move's rule declares (its inputs and its note); the
    service decides whether it is allowed.

    With `perform`, the dialog makes the move itself and is dismissed with what `perform` returned; without it,
    it is dismissed with the values typed. `specialists`, when given, are the specialists to offer once an
    office is chosen (else they are read for the chosen office); `desk` is the desk to read with (else the
    app's)."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="move.cancel"),
        Binding("ctrl+s", "confirm", "确定", id="move.confirm", priority=True),
        Binding("enter", "confirm", "确定", show=False, id="move.confirm_enter"),
    ]

    def __init__(self, request: ServiceRequest, move: str, sites: list[Site],
                 perform: Callable[[dict[str, Any]], Any] | None = None, *,
                 specialists: list[Staff] | None = None, desk: Any = None) -> None:
        super().__init__()
        self.request = request
        self.move = move
        self.rule = MOVE_RULES[move]
        self.sites = sites
        self.perform = perform
        self.specialists = specialists
        self._desk = desk

    @property
    def asks_note(self) -> bool:
        return self.rule.asks_note

    def asks(self, what: MoveInput) -> bool:
        return what in self.rule.inputs

    def compose(self) -> ComposeResult:
        rule = self.rule
        with Vertical(id="move-dialog", classes="dialog"):
            yield Static(f"「{rule.label}」工单 {self.request.number}", classes="dialog-title")
            yield Static(f"当前状态：{self.request.status.label}　摘要：{escape(self.request.summary)}", classes="hint")
            if self.asks(MoveInput.OFFICE):
                if self.request.return_reason:
                    yield Static(f"退单理由：{escape(self.request.return_reason)}", classes="hint")
                yield Label("承办单位")
                yield Select([(s.name, s.id) for s in self.sites], prompt="请选择承办单位", id="site")
                yield self.error_line("site")
                yield Label("承办专员（可不选）")
                yield Select([], prompt="不指定专员", id="staff")
            if Queue.EXTENSIONS in rule.queues and self.request.extension_pending:
                days, why = self.request.extension_days, escape(self.request.extension_reason)
                yield Static(f"申请延期 {days} 个工作日：{why}", classes="hint")
            if self.asks(MoveInput.VISIT):
                yield Label("回访结果（必选）")
                yield Select([(result.label + ("（退回重办）" if result is VisitResult.UNSATISFIED else ""),
                               result.value) for result in VisitResult], prompt="请选择回访结果", id="satisfied")
                yield self.error_line("satisfied")
                yield Select([("已解决", True), ("未解决", False)], prompt="诉求是否解决（可不选）", id="solved")
            if self.asks(MoveInput.RESTART):
                yield Select([("首次派单有误，时限重新起算", True)], prompt="时限从首次派单起算（不变）", id="restart")
            if self.asks(MoveInput.FINDING):
                yield Label("甄别结论（必选）")
                yield Select([("不满意诉求合理", True), ("不满意诉求不合理", False)], prompt="请选择甄别结论",
                             id="finding")
                yield self.error_line("finding")
            if self.asks(MoveInput.DAYS):
                yield Label("延期工作日数")
                yield Field(placeholder="如 5", id="days", type="integer")
                yield self.error_line("days")
            if self.asks(MoveInput.TARGET):
                yield Label("并入工单编号")
                yield Field(placeholder="如 WZ-20261128-0001", id="into")
                yield self.error_line("into")
            if self.asks_note:
                need = "（必填）" if rule.needs_reason else "（选填）"
                yield Label(f"{rule.reason_label}{need}", id="reason-label")
                yield Field(placeholder=f"请填写{rule.reason_label}", id="reason")
                yield self.error_line("reason")
                yield Static("Enter 下一项，最后一项 Enter 确定　Ctrl+S 确定　Esc 取消", classes="hint")
            else:
                yield Static(f"按 Enter 或 Ctrl+S 确定{rule.label}，Esc 取消", classes="hint")
            yield Static("", id="error-dialog", classes="field-error hidden")

    def on_mount(self) -> None:
        fields = self.fields()
        if fields:
            fields[0].focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.clear_errors()
        if event.select.id == "site":
            staff = self.query_one("#staff", Select)
            staff.set_options([])
            if isinstance(event.value, str) and self.specialists is not None:
                staff.set_options([(s.name, s.id) for s in self.specialists if s.office_id == event.value])
            elif isinstance(event.value, str):
                site_id = event.value
                desk = self._desk if self._desk is not None else self.app.desk  # type: ignore[attr-defined]
                self.fetch(lambda: desk.directory.specialists_of(site_id),
                           then=partial(self.show_specialists, site_id))

    def show_specialists(self, site_id: str, staff: list[Staff]) -> None:
        if self.query_one("#site", Select).value != site_id:
            return
        select = self.query_one("#staff", Select)
        # An office with no specialists (the district centre) is still a target: dispatched to nobody in person.
        select.set_options([(s.name, s.id) for s in staff])

    def values(self) -> dict[str, Any] | None:
        """What was chosen and typed, or None once the first problem is shown beside its field."""
        self.clear_errors()
        reason = self.query_one("#reason", Input).value.strip() if self.asks_note else ""
        values: dict[str, Any] = {"reason": reason}
        if self.asks(MoveInput.OFFICE):
            site = self.query_one("#site", Select).value
            staff = self.query_one("#staff", Select).value
            if site is Select.NULL:
                self.show_error("site", "请选择承办单位。")
                return None
            values["to_site"] = site
            values["to_staff"] = None if staff is Select.NULL else staff
        if self.asks(MoveInput.VISIT):
            result = self.query_one("#satisfied", Select).value
            if result is Select.NULL:
                self.show_error("satisfied", "请选择回访结果：满意、基本满意、不满意或未联系上。")
                return None
            values["visit_result"] = result
            solved = self.query_one("#solved", Select).value
            values["solved"] = None if solved is Select.NULL else bool(solved)
        if self.asks(MoveInput.RESTART):
            values["restart_clock"] = self.query_one("#restart", Select).value is True
        if self.asks(MoveInput.FINDING):
            finding = self.query_one("#finding", Select).value
            if finding is Select.NULL:
                self.show_error("finding", "请选择甄别结论。")
                return None
            values["reasonable"] = bool(finding)
        if self.asks(MoveInput.DAYS):
            text = self.query_one("#days", Input).value.strip()
            if not text.isdigit() or int(text) <= 0:
                self.show_error("days", "请填写延期的工作日数（正整数）。")
                return None
            values["days"] = int(text)
        if self.asks(MoveInput.TARGET):
            into = self.query_one("#into", Input).value.strip()
            if not into:
                self.show_error("into", "请填写要并入的工单编号。")
                return None
            values["into"] = into
        # An unsatisfied return visit needs its reason (lifecycle.plan_move).
        needs_reason = self.rule.needs_reason or values.get("visit_result") == VisitResult.UNSATISFIED
        if self.asks_note and needs_reason and not reason:
            self.show_error("reason", f"请填写{self.rule.reason_label}。")
            return None
        return values

    def action_confirm(self) -> None:
        values = self.values()
        if values is None:
            return
        if self.perform is None:
            self.dismiss(values)
            return
        perform = self.perform
        self.fetch(lambda: perform(values), then=self.performed, failed=self.perform_failed)

    def performed(self, result: Any) -> None:
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TalentEditDialog(FieldsDialog):
    """Edit a talent's fields (by default the ones a desk changes most; the talent page passes all of
    them, as typed text: names of catalogue entries and people), and why.

    With `perform`, the dialog saves the changes itself and is dismissed with what `perform` returned."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="edit.cancel"),
        Binding("ctrl+s", "confirm", "保存", id="edit.save", priority=True),
    ]
    # Named as validation names them in its messages, shown beside the same fields.
    FIELDS = (*((field, FIELD_LABELS[field]) for field in ("name", "phone", "card_no", "notes")), ("reason", "修改原因"))

    def __init__(self, values: dict[str, str], perform: Callable[[dict[str, Any]], Any] | None = None,
                 fields: tuple[tuple[str, str], ...] | None = None) -> None:
        super().__init__()
        self.initial = values
        self.perform = perform
        if fields:
            self.FIELDS = (*fields, ("reason", "修改原因"))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="edit-dialog", classes="dialog"):
            yield Static(f"修改人才信息：{escape(self.initial.get('name', ''))}", classes="dialog-title")
            for field, label in self.FIELDS:
                yield Label(label)
                yield Field(self.initial.get(field, ""), id=f"edit-{field}")
                yield self.error_line(f"edit-{field}")
            yield Static("", id="error-dialog", classes="field-error hidden")
            yield Static("Enter 下一项，最后一项 Enter 保存　Ctrl+S 保存　Esc 取消", classes="hint")

    def action_confirm(self) -> None:
        self.clear_errors()
        result = {}
        for field, _ in self.FIELDS:
            value = self.query_one(f"#edit-{field}", Input).value.strip()
            if field == "reason" or value != self.initial.get(field, ""):
                result[field] = value
        if "name" in result and not result["name"]:
            self.show_error("edit-name", "姓名不能为空。")
            return
        if self.perform is None:
            self.dismiss(result)
            return
        perform = self.perform
        self.fetch(lambda: perform(dict(result)), then=self.performed, failed=self.perform_failed)

    def performed(self, result: Any) -> None:
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


class RevealDialog(FieldsDialog):
    """Show one person's full numbers: asks why (recorded with who and when), then `perform` reveals."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="reveal.cancel"),
        Binding("ctrl+s", "confirm", "确定", id="reveal.confirm", priority=True),
    ]

    def __init__(self, name: str, perform: Callable[[str], Any]) -> None:
        super().__init__()
        self.person = name
        self.perform = perform

    def compose(self) -> ComposeResult:
        with Vertical(id="reveal-dialog", classes="dialog"):
            yield Static(f"显示 {escape(self.person)} 的完整号码", classes="dialog-title")
            yield Label("原因（将记录查看人、时间和原因）")
            yield Field("", id="reveal-reason")
            yield self.error_line("reveal-reason")
            yield Static("", id="error-dialog", classes="field-error hidden")
            yield Static("Enter 确定　Esc 取消", classes="hint")

    def action_confirm(self) -> None:
        self.clear_errors()
        reason = self.query_one("#reveal-reason", Input).value.strip()
        if not reason:
            self.show_error("reveal-reason", "请填写显示完整号码的原因。")
            return
        perform = self.perform
        self.fetch(lambda: perform(reason), then=self.performed, failed=self.perform_failed)

    def performed(self, result: Any) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: Enter or y confirms, Esc or n keeps things as they are."""

    BINDINGS = [
        Binding("escape", "answer(False)", "取消", id="confirm.no"),
        Binding("n", "answer(False)", "否", show=False, id="confirm.no_n"),
        Binding("enter", "answer(True)", "确定", id="confirm.yes", priority=True),
        Binding("y", "answer(True)", "是", show=False, id="confirm.yes_y"),
    ]
    DEFAULT_CSS = "ConfirmDialog { align: center middle; }"

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.question, markup=False)
            yield Static("Enter 确定　Esc 取消", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
