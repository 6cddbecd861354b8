"""Requests (工单): saved views with live counts, each a list over the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from dongwu_tui.domain.roles import Role
from dongwu_tui.services.views import RequestLine, SavedView
from dongwu_tui.ui.lines import Column, PagedList, first_load, header_line
from dongwu_tui.ui.screens.listing import ListWorkspace

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

COUNT_REFRESH_S = 30


def _days_left(line: RequestLine) -> str:
    if line.days_left is None:
        return ""
    if line.days_left < 0:
        return f"超期{-line.days_left}工作日"
    return "今天到期" if line.days_left == 0 else f"剩{line.days_left}工作日"


REQUEST_COLUMNS = [
    Column("编号", 16, lambda r: r.number),
    Column("状态", 6, lambda r: r.status_label),
    Column("期限", 10, lambda r: r.due.isoformat()),
    Column("剩余", 12, _days_left),  # working days, as on the request's page: "超期12工作日" fits
    Column("举措", 18, lambda r: f"{r.measure} {r.measure_name}"),
    Column("人才", 10, lambda r: r.talent_name),
    Column("承办", 8, lambda r: r.assignee),
    Column("摘要", 0, lambda r: r.summary),
]


# What each saved view holds, for the help (`help_lines`): the same words whatever the label.
VIEW_HELP = {
    "to_sign": "已派单、等待专员签收的工单",
    "in_progress": "已签收、正在办理的工单",
    "due_soon": "2 个工作日内到期、尚未办结的工单",
    "overdue": "已过期限仍未办结的工单",
    "to_visit": "已办结、等待回访的工单（当场答复的除外）",
    "returned": "专员退回、等待督办负责人改派的工单",
    "all": "全部工单，最新的在前",
}


class RequestsScreen(ListWorkspace):
    TITLE_TEXT = "工单"
    BINDINGS = [
        Binding("slash", "search", "搜索", id="requests.search"),
        Binding("ctrl+t", "focus_list", "到列表", id="requests.list", priority=True),
        Binding("ctrl+v", "focus_views", "视图", id="requests.views", priority=True),
        *[Binding(str(i + 1), f"view({i})", f"视图{i + 1}", show=False, id=f"requests.view_{i + 1}")
          for i in range(7)],
    ]

    def __init__(self) -> None:
        super().__init__()
        self.views: list[SavedView] = []
        self.counts: dict[str, int] = {}
        self.view_key = "all"

    def body(self) -> ComposeResult:
        with Horizontal(id="requests"):
            with Vertical(id="requests-side"):
                yield OptionList(id="views")
                yield Static("", id="callback-counts", classes="hint")
            with Vertical(id="requests-main"):
                yield self.search_field("搜索：工单编号、电话、人才姓名或拼音")
                yield Static("", id="requests-header", classes="list-header")
                yield PagedList(REQUEST_COLUMNS, empty_text="这个视图里没有工单", id="requests-list",
                                counted=self.show_count)
                yield Static("", id="requests-count", classes="hint")

    @classmethod
    def prepare(cls, desk: Desk) -> Any:
        # The rows only: the seven view counts follow from their own worker once the rows are on screen.
        views = desk.views.request_views()
        query = desk.views.requests(views[0].key, "")
        return views, query, first_load(query)

    def on_mount(self) -> None:
        prepared = self.prepared()
        self.views = prepared[0] if prepared is not None else self.desk.views.request_views()
        self.view_key = self.views[0].key
        self._show_views()
        if prepared is None:
            self.reload()
        else:
            _views, query, loaded = prepared
            self.query_one(PagedList).set_query(query, loaded=loaded)
            self.call_after_refresh(self._refresh_counts)
        self.set_interval(COUNT_REFRESH_S, self._refresh_counts)
        self.query_one(PagedList).focus()

    def _show_views(self) -> None:
        options = self.query_one("#views", OptionList)
        highlighted = next((i for i, v in enumerate(self.views) if v.key == self.view_key), 0)
        options.clear_options()
        for i, view in enumerate(self.views):
            count = self.counts.get(view.key)
            options.add_option(Option(f"{i + 1} {view.label}" + (f"（{count}）" if count is not None else "")))
        options.highlighted = highlighted

    def _refresh_counts(self) -> None:
        desk = self.desk
        self.fetch(desk.views.view_counts, then=self.show_counts)
        if desk.actor is not None:
            self.fetch(desk.callbacks.counts, then=self.show_callback_counts)

    def show_callback_counts(self, counts: dict[str, int]) -> None:
        """The acting person's callback queue (回电), under the views: what is open, and what is past due."""
        late = f"，超时 {counts['overdue']}" if counts["overdue"] else ""
        self.query_one("#callback-counts", Static).update(
            f"回电 {counts['open']} 项{late}\n未接 {counts['missed']}·约定 {counts['promised']}·回访 {counts['visit']}")

    def show_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self._show_views()

    def reload(self) -> None:
        """The view's rows and every view's count (a view chosen, a change made)."""
        self._refresh_counts()
        self.reload_list()

    def reload_list(self) -> None:
        """The rows alone: what a key typed in the search box changes."""
        views, view_key, search = self.desk.views, self.view_key, self.query_one("#search", Input).value
        self.query_one(PagedList).read_query(lambda: views.requests(view_key, search))

    def on_resize(self) -> None:
        width = self.query_one("#requests-main").size.width or (self.size.width - 24)
        self.query_one("#requests-header", Static).update(header_line(REQUEST_COLUMNS, width - 2))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "views" and event.option_index < len(self.views):
            key = self.views[event.option_index].key
            if key != self.view_key:
                self.view_key = key
                self.reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one(PagedList).focus()

    def action_view(self, index: int) -> None:
        if index < len(self.views):
            self.view_key = self.views[index].key
            self._show_views()
            self.reload()

    def show_count(self, message: PagedList.Counted) -> None:
        label = next((v.label for v in self.views if v.key == self.view_key), "")
        self.query_one("#requests-count", Static).update(
            f"{label}：共 {message.count} 件　Enter 打开　1–7 切换视图　/ 搜索", layout=False)  # one line (desk.tcss)

    def on_paged_list_selected(self, message: PagedList.Selected) -> None:
        from dongwu_tui.ui.screens.request import RequestScreen

        paged = self.query_one(PagedList)
        line: RequestLine = message.row
        self.app.push_screen(RequestScreen(line.id, paged.query_source, line.key))

    def came_back(self) -> None:
        if self.views:
            self._refresh_counts()
            super().came_back()

    def help_lines(self) -> list[str]:
        """One line per saved view, for the help screen: its key, its label as shown, what it holds."""
        actor = self.desk.actor
        mine = actor is not None and actor.role is Role.SPECIALIST
        scope = "（仅派给你本人或派给本单位未指定专员的）" if mine else ""
        lines = [f"工单视图{scope}："]
        lines += [f"  {i + 1}  {view.label}：{VIEW_HELP.get(view.key, view.label)}" for i, view in enumerate(self.views)]
        return lines

    def action_focus_views(self) -> None:
        self.query_one("#views", OptionList).focus()
