"""A request's page: who did what, when and why; the due date in working days; every allowed move on one key."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from dongwu_tui.domain.lifecycle import MOVE_RULES, as_move
from dongwu_tui.domain.models import ServiceRequest, Site
from dongwu_tui.services.views import PagedQuery, RequestPage
from dongwu_tui.ui.moves import bind_moves, binding_id, move_binding, move_bindings
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.screens.base import DeskScreen
from dongwu_tui.ui.sync_notice import ConflictBanner


class RequestScreen(DeskScreen):
    TITLE_TEXT = "工单"
    BINDINGS = [
        *move_bindings(MOVE_RULES),  # one key per move, the same on every screen (ui/moves.py)
        Binding("n,N", "neighbour(1)", "下一件", id="request.next"),
        Binding("p,P", "neighbour(0)", "上一件", id="request.previous"),
        Binding("ctrl+o", "open_talent", "人才档案", id="request.talent"),
    ]

    def __init__(self, request_id: str, query: PagedQuery | None = None, key: tuple[Any, ...] | None = None) -> None:
        super().__init__()
        bind_moves(self, MOVE_RULES)
        self.request_id = request_id
        self.query_source = query
        self.key = key
        self.request: ServiceRequest | None = None
        self.moves: list[str] = []
        self.sites: list[Site] = []

    def body(self) -> ComposeResult:
        yield ConflictBanner("service_request", id="conflict-banner")  # sync
        with VerticalScroll(id="request-page"):
            yield Static("正在加载……", id="request-head")
            yield Static("", id="request-moves", classes="hint")
            yield Static("", id="request-events")

    def on_mount(self) -> None:
        desk = self.desk
        self.fetch(desk.directory.sites, then=self.sites_read)
        self.reload()
        self.query_one("#request-page").focus()

    def sites_read(self, sites: list[Site]) -> None:
        self.sites = sites

    def reload(self) -> None:
        desk, request_id = self.desk, self.request_id
        self.fetch(lambda: desk.views.request_page(request_id), then=self.show_page)

    def show_page(self, page: RequestPage) -> None:
        request: ServiceRequest = page.request
        self.request = request
        self.request_id = request.id
        self.query_one(ConflictBanner).show_for(request.id)  # sync
        self.moves = list(page.moves)
        days = page.days_left
        if days is None:
            due = f"{request.due}"
        elif days < 0:
            due = f"{request.due}（已超期 {-days} 个工作日）"
        elif days == 0:
            due = f"{request.due}（今天到期）"
        else:
            due = f"{request.due}（剩余 {days} 个工作日）"
        lines = [
            f"[b]工单 {request.number}[/b]　{request.status.label}"
            + ("　[reverse] 保密 [/]" if request.confidential else ""),
            f"服务举措：{request.measure} {escape(page.measure_name)}",
            f"来电人：{escape(page.talent_name or '未登记')}　电话：{escape(page.phone)}",
            f"承办：{escape(page.assignee_site or '—')}　{escape(page.assignee or '')}",
            f"受理：{request.opened_at:%Y-%m-%d %H:%M}　期限：{due}",
            f"摘要：{escape(page.summary)}",
        ]
        if request.merged_into_id:
            lines.append(f"已并入工单：{escape(page.merged_into or request.merged_into_id)}")
        if request.extension_pending:
            lines.append(f"延期申请待审批：{request.extension_days} 个工作日，理由：{escape(page.extension_reason)}")
        if request.return_reason and request.status.value == "returned":
            lines.append(f"退单理由：{escape(page.return_reason)}")
        if request.resolution:
            lines.append(f"办理结果：{escape(page.resolution)}")
        self.query_one("#request-head", Static).update("\n".join(lines))
        if self.moves:
            keys = "　".join(f"{self.app.get_key_display(self._binding_for(m))} {MOVE_RULES[m].label}"
                            for m in self.moves)
            self.query_one("#request-moves", Static).update(f"可执行：{escape(keys)}")
        else:
            self.query_one("#request-moves", Static).update("当前没有你可以执行的操作。")
        events = ["[b]办理记录[/b]"]
        for event in page.events:
            reason = f"：{escape(event.reason)}" if event.reason else ""
            who = escape(event.who)
            events.append(f"{event.at:%Y-%m-%d %H:%M}　{who}　{event.label} → {event.to}{reason}")
        self.query_one("#request-events", Static).update("\n".join(events))
        self.refresh_bindings()

    def _binding_for(self, move: str) -> Binding:
        for _, active in self.active_bindings.items():
            if active.binding.id == binding_id(move):
                return active.binding
        return move_binding(move)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "move":
            return self.request is not None and str(parameters[0]) in self.moves
        if action == "neighbour":
            return self.query_source is not None and self.key is not None
        return super().check_action(action, parameters)

    # -- moves ------------------------------------------------------------------------------------

    def action_move(self, value: str) -> None:
        if self.request is None:
            return
        from dongwu_tui.ui.screens.dialogs import MoveDialog

        move = as_move(value)
        request = self.request

        desk = self.desk

        def perform(values: dict[str, Any]) -> ServiceRequest:
            return desk.requests.move(request.id, move, **values)

        def done(moved: ServiceRequest | None) -> None:
            if moved is not None:
                self.got_moved((move, moved))

        # The dialog makes the move and stays open on a refusal, with what was typed.
        self.app.push_screen(MoveDialog(request, move, self.sites, perform), done)

    def got_moved(self, value: tuple[str, ServiceRequest]) -> None:
        move, request = value
        self.notify(f"工单 {request.number}：{MOVE_RULES[move].label}完成，当前状态「{request.status.label}」。", markup=False)
        self.reload()

    # -- next / previous ----------------------------------------------------------------------------

    def action_neighbour(self, forward: int) -> None:
        query, key = self.query_source, self.key
        if query is None or key is None:
            return
        self.read(lambda: query.neighbour(key, bool(forward)), then=partial(self.show_neighbour, bool(forward)))

    def show_neighbour(self, forward: bool, line: Any) -> None:
        if line is None:
            self.notify("已经是列表中的最后一件。" if forward else "已经是列表中的第一件。", markup=False)
            return
        self.key = line.key
        self.request_id = line.id
        self.reload()

    def action_open_talent(self) -> None:
        if self.request is not None and self.request.talent_id:
            self.desk_app.open_talent(self.request.talent_id)
