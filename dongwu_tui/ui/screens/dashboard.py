"""The supervisor's dashboard: the measure × status grid with its KPIs, weekly trends, the supervision
queues (overdue, extensions, returns) and the export of the periodic report.

Every number opens the list of requests behind it, made by the same condition that counted it
(`reports.definitions`), so the list is exactly as long as the number. All database work runs in
thread workers (`ui/work.py` `fetch`); a refused move is shown in the move dialog (the request page's,
`dialogs.MoveDialog`), a database failure comes back as a toast.

Self-contained: it needs only Textual, the reports service and a `desk` (given to the screen, or the
hosting app's `desk` attribute).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from dongwu_tui.domain.errors import DeskError
from dongwu_tui.domain.lifecycle import MOVE_RULES, MoveInput, Queue, as_move, queue_moves
from dongwu_tui.domain.models import ServiceRequest, Site, Staff
from dongwu_tui.reports.definitions import COUNT_FIELDS, EXTRA_FIELDS, GRID_STATUSES, KPIS
from dongwu_tui.reports.engine import AXIS_LABELS, Figures, Report, WeekPoint
from dongwu_tui.reports.period import PRESETS, Period, preset, span
from dongwu_tui.reports.tables import DrillLine, RequestColumns
from dongwu_tui.reports.writer import format_value
from dongwu_tui.services.views import PagedQuery
from dongwu_tui.ui.fields import Field
from dongwu_tui.ui.keybar import KeyBar
from dongwu_tui.ui.lines import Column, PagedList, fit, header_line
from dongwu_tui.ui.moves import bind_moves, binding_id, move_bindings
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.screens.dialogs import MoveDialog
from dongwu_tui.ui.screens.listing import ReloadsWhenBack
from dongwu_tui.ui.sync_notice import ConflictNotice
from dongwu_tui.ui.work import FetchMixin

GRID_FIELDS = [f"status_{s.value}" for s in GRID_STATUSES] + ["requests", "overdue", "merged"]
GRID_HEADERS = {**{f"status_{s.value}": s.label for s in GRID_STATUSES}, "requests": "合计", "overdue": "超期",
                "merged": COUNT_FIELDS["merged"].label}
# Shown while the figures counted per request and per call are still being read.
COUNTING = "（承办单位、话务员、签收、回访及时、重复来电等计算中……）"
NAME_WIDTH = 22  # cells of the grid's row names; a longer name ends in "…"
# The bars of opened and closed requests: plotext's names for two terminal colours, and Textual's for the legend.
VOLUME_COLOURS = ("ansi_blue", "ansi_green")
# The list behind a figure (RequestListScreen).
DRILL_COLUMNS = [
    Column("工单编号", 17, lambda line: line.request.number),
    Column("受理日期", 10, lambda line: line.request.opened_at.date().isoformat()),
    Column("服务举措", 18, lambda line: line.measure),
    Column("板块", 10, lambda line: line.township),
    Column("承办专员", 8, lambda line: line.specialist),
    Column("状态", 14, lambda line: line.status),
    Column("办理期限", 10, lambda line: line.request.due.isoformat()),
    Column("摘要", 0, lambda line: line.summary),
]
# The moves of each queue, from the move table; past due and never dispatched (已受理) requests are in the
# overdue queue too, and 派单 is their move.
QUEUE_MOVES = {queue: queue_moves(queue) for queue in Queue}
# The count fields whose lists are a queue's requests, offering its moves.
FIELD_QUEUES = {"overdue": Queue.OVERDUE, "extension_pending": Queue.EXTENSIONS,
                "returned_waiting": Queue.RETURNED, "status_returned": Queue.RETURNED}


class _DeskAccess:
    """The desk: given to the screen, or the hosting app's (which follows the user switch)."""

    _desk: Any = None

    @property
    def desk(self) -> Any:
        return self._desk if self._desk is not None else self.app.desk  # type: ignore[attr-defined]


# -- what a list shows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListSpec:
    """The requests behind one figure: period, group (axis and key) and count field."""

    title: str
    period: Period
    axis: str
    key: Any
    field: str
    by_due: bool = False
    moves: tuple[str, ...] = ()


# -- dialogs --------------------------------------------------------------------------------------


class PeriodDialog(ModalScreen[Period | None]):
    """本月、上月、本季度、本年, or a custom span of 受理 dates."""

    TITLE_TEXT = "选择统计期"  # in help and in keymap warnings

    BINDINGS = [Binding("escape", "cancel", "取消", id="dashboard.period.cancel")]
    DEFAULT_CSS = """
    PeriodDialog { align: center middle; }
    PeriodDialog > Vertical { width: 60; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    PeriodDialog OptionList { height: auto; max-height: 8; }
    PeriodDialog Horizontal { height: auto; }
    PeriodDialog Input { width: 1fr; }
    """

    def __init__(self, today: date) -> None:
        super().__init__()
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("选择统计期（按受理日期）")
            options = [Option(f"{label}（{preset(key, self.today).label}）", id=key) for key, label in PRESETS.items()]
            yield OptionList(*options, Option("全部", id="all"), id="presets")
            yield Label("自定义：起止日期（YYYY-MM-DD），回车确定")
            with Horizontal():
                yield Field(placeholder="起", id="since")
                yield Field(placeholder="止", id="until")

    @on(OptionList.OptionSelected)
    def _preset(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or "this_month"
        self.dismiss(span(None, None) if key == "all" else preset(key, self.today))

    @on(Input.Submitted)
    def _custom(self) -> None:
        try:
            since = self.query_one("#since", Input).value.strip()
            until = self.query_one("#until", Input).value.strip()
            self.dismiss(span(date.fromisoformat(since) if since else None,
                              date.fromisoformat(until) if until else None))
        except (ValueError, DeskError):
            self.notify("日期应为 YYYY-MM-DD，且止不早于起。", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportDialog(ModalScreen[Path | None]):
    TITLE_TEXT = "导出通报"  # in help and in keymap warnings
    BINDINGS = [Binding("escape", "cancel", "取消", id="dashboard.export.cancel")]
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 72; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    """

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("导出通报到文件（扩展名 .xlsx、.csv 或 .md），回车确定")
            yield Field(value=self.default, id="path")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(Path(event.value.strip()).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the list behind a number -------------------------------------------------------------------------


class RequestListScreen(ReloadsWhenBack, _DeskAccess, FetchMixin, Screen[bool]):
    """The requests behind one figure: a list over the database (PagedList, paged by key), however large the
    figure; supervision moves are single keys on a row, Enter opens the request (N/P walk the list there).

    Dismisses with True when a move changed something, so the dashboard refreshes its figures."""

    TITLE_TEXT = "督办列表"  # in help and in keymap warnings

    BINDINGS = [
        Binding("escape", "close", "返回", id="dashboard.list.back"),
        # The queues' moves, with the keys and ids they have on every screen (ui/moves.py).
        *move_bindings(dict.fromkeys(move for moves in QUEUE_MOVES.values() for move in moves)),
    ]
    DEFAULT_CSS = """
    RequestListScreen #list-title { height: 1; background: $primary; color: $text; text-style: bold; padding: 0 1; }
    """

    def __init__(self, spec: ListSpec, desk: Any = None) -> None:
        super().__init__()
        bind_moves(self, spec.moves)
        self.spec = spec
        self._desk = desk
        self.changed = False
        self.sites: list[Site] = []
        self.specialists: list[Staff] = []

    def compose(self) -> ComposeResult:
        yield Static(f"{self.spec.title}　加载中……", id="list-title")
        yield Static("", id="list-header", classes="list-header")
        yield PagedList(DRILL_COLUMNS, empty_text="这个数字背后没有工单", id="requests")
        yield KeyBar()  # the same key line as every workspace (ui/keybar.py)

    def on_mount(self) -> None:
        self.fetch(self._query, then=self.show_query)
        self.query_one(PagedList).focus()

    def on_resize(self) -> None:
        self.query_one("#list-header", Static).update(header_line(DRILL_COLUMNS, self.size.width - 2))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "move":
            move = str(parameters[0])
            if move not in self.spec.moves:
                return False
            request = self.selected()
            # Shown for the whole list, usable on the rows whose status the move starts from.
            return None if request is not None and request.status not in MOVE_RULES[move].sources else True
        return True

    def on_paged_list_highlighted(self, _message: PagedList.Highlighted) -> None:
        self.refresh_bindings()

    def _query(self) -> PagedQuery:
        """In the worker: the list (its names looked up as each page is read) and, to send on, the offices."""
        service = self.desk.reports
        spec = self.spec
        columns = RequestColumns(service)
        if any(MoveInput.OFFICE in MOVE_RULES[m].inputs for m in spec.moves) and not self.sites:
            self.sites = self.desk.directory.sites()
            self.specialists = [s for s in self.desk.directory.staff_list(role="specialist") if s.active]
        return service.drill_query(spec.period, spec.axis, spec.key, spec.field, by_due=spec.by_due,
                                   convert=columns.line)

    def show_query(self, query: PagedQuery) -> None:
        self.query_one(PagedList).set_query(query)

    def on_paged_list_counted(self, message: PagedList.Counted) -> None:
        keys = "　".join(f"{self._key_of(m)} {MOVE_RULES[m].label}" for m in self.spec.moves)
        self.query_one("#list-title", Static).update(f"{self.spec.title}　共 {message.count} 件　{keys}")
        self.refresh_bindings()

    def _key_of(self, move: str) -> str:
        """The key that makes `move` here, as the keymap left it."""
        for active in self.active_bindings.values():
            if active.binding.id == binding_id(move):
                return self.app.get_key_display(active.binding)
        return MOVE_RULES[move].key

    def on_paged_list_selected(self, message: PagedList.Selected) -> None:
        from dongwu_tui.ui.screens.request import RequestScreen

        line: DrillLine = message.row
        self.app.push_screen(RequestScreen(line.id, self.query_one(PagedList).query_source, line.key))

    def selected(self) -> ServiceRequest | None:
        line: DrillLine | None = self.query_one(PagedList).current
        return line.request if line is not None else None

    def action_move(self, name: str) -> None:
        request = self.selected()
        if request is None:
            self.notify("列表中没有工单。", severity="warning")
            return
        move = as_move(name)
        desk = self.desk

        def perform(values: dict[str, Any]) -> tuple[str, str]:
            desk.requests.move(request.number, move, **values)
            return request.number, MOVE_RULES[move].label

        def done(value: tuple[str, str] | None) -> None:
            if value is not None:
                self.got_move(value)

        # The request page's dialog: it makes the move and stays open on a refusal, with what was typed.
        self.app.push_screen(MoveDialog(request, move, self.sites, perform, specialists=self.specialists,
                                        desk=desk), done)

    def got_move(self, value: tuple[str, str]) -> None:
        number, label = value
        self.changed = True
        self.notify(f"工单 {number} 已{label}。", title="已完成")
        self.query_one(PagedList).refresh_rows()

    def action_close(self) -> None:
        self.dismiss(self.changed)


# -- the dashboard ---------------------------------------------------------------------------------


class DashboardScreen(_DeskAccess, FetchMixin, Screen[None]):
    TITLE_TEXT = "督办看板"  # in help and in keymap warnings
    BINDINGS = [
        Binding("escape", "back", "返回", id="dashboard.back"),
        Binding("t", "switch_axis", "切换维度", id="dashboard.axis"),
        Binding("p", "pick_period", "统计期", id="dashboard.period"),
        Binding("m", "this_month", "本月", id="dashboard.this_month"),
        Binding("o", "queue('overdue')", "超期督办", id="dashboard.overdue"),
        Binding("e", "queue('extensions')", "延期审批", id="dashboard.extensions"),
        Binding("b", "queue('returned')", "退单审核", id="dashboard.returned"),
        Binding("x", "export", "导出通报", id="dashboard.export"),
        Binding("f5", "refresh", "刷新", id="dashboard.refresh"),
    ]
    # The grid has the whole width (its eleven columns and the row names fit in 120 columns, the names frozen
    # on the left for narrower ones); the KPIs and the two charts share the row under it.
    DEFAULT_CSS = """
    DashboardScreen #dash-title { height: 1; background: $primary; color: $text; text-style: bold; padding: 0 1; }
    DashboardScreen #grid { height: 2fr; }
    DashboardScreen #dash-lower { height: 1fr; min-height: 12; }
    DashboardScreen #kpis { width: 42; height: 1fr; }
    DashboardScreen PlotextPlot { border: round $primary; border-title-color: $text; }
    DashboardScreen #hint { height: 1; color: $text-muted; padding: 0 1; }
    """
    AXES = ("measure", "township", "specialist", "unit", "operator")

    def __init__(self, desk: Any = None, period: Period | None = None) -> None:
        super().__init__()
        self._desk = desk
        self.period = period
        self.axis = "measure"
        self.report: Report | None = None
        self.trends: list[WeekPoint] = []
        self.grid_rows: dict[str, tuple[str, Any, Figures, str]] = {}  # row key → axis, key, figures, name
        self.selected_row = "all"

    def compose(self) -> ComposeResult:
        with Static("督办看板　加载中……", id="dash-title"):
            yield ConflictNotice()  # sync: the open-conflict count on the title line
        grid: DataTable[Any] = DataTable(id="grid", cursor_type="cell", zebra_stripes=True)
        grid.fixed_columns = 1  # the row names stay when the figures scroll sideways
        yield grid
        with Horizontal(id="dash-lower"):
            kpis: DataTable[Any] = DataTable(id="kpis", cursor_type="cell")
            yield kpis
            # Titles and legends are the widgets' border texts, not plotext's: plotext counts a Chinese character
            # as one cell, which shifted its frame on those lines, and its legend was drawn over the bars.
            yield PlotextPlot(id="trend-volume")
            yield PlotextPlot(id="trend-on-time")
        yield Static("Enter 打开数字背后的工单　t 切换维度　p 统计期　m 本月　o 超期督办　e 延期审批　b 退单审核　x 导出通报",
                     id="hint")
        yield KeyBar()  # the same key line as every workspace (ui/keybar.py)

    def on_mount(self) -> None:
        self.query_one("#kpis", DataTable).add_columns(("指标", "label"), ("分子", "numerator"),
                                                       ("分母", "denominator"), ("数值", "value"))
        self.query_one("#grid", DataTable).focus()
        self.action_refresh()

    # -- loading --------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        label = f" · {self.period.label}" if self.period is not None else ""
        self.query_one("#dash-title", Static).update(f"督办看板{label}　加载中……")
        self.load(self.period)

    def load(self, period: Period | None) -> None:
        """The figures of `period`; with none chosen yet, of the latest month in which requests were opened
        (this month once it has any), so that the first look shows figures rather than a month of zeros."""
        def run() -> tuple[Report, list[WeekPoint]]:
            service = self.desk.reports  # refused for a role that may not see the figures: in the worker
            shown = period or service.latest_month_with_requests() or preset("this_month", service.today())
            return service.figures(shown, passes=False), service.trends(shown)

        self.fetch(run, then=self.show_first)

    def show_first(self, value: tuple[Report, list[WeekPoint]]) -> None:
        """The grid from the monthly facts at once; the figures counted per request and per call (units,
        operators, signing, timely visits, repeat calls) follow from their own read."""
        self.show_figures(value)
        period = value[0].period
        self.fetch(lambda: self.desk.reports.figures(period), then=self.show_counted)

    def show_counted(self, report: Report) -> None:
        if self.report is not None and report.period == self.report.period:
            self.show_figures((report, self.trends))

    def show_figures(self, value: tuple[Report, list[WeekPoint]]) -> None:
        self.report, self.trends = value
        report = self.report
        self.period = report.period
        self.query_one("#dash-title", Static).update(
            f"督办看板 · {report.period.label}（按受理日期）· 截至 {report.as_of} · 按{AXIS_LABELS[self.axis]}"
            f"　受理 {report.total['requests']} 件　超期 {report.total['overdue']} 件"
            + (f"　{COUNTING}" if report.partial else ""))
        self._fill_grid()
        self._fill_kpis()
        self._draw_trends()

    def _fill_grid(self) -> None:
        assert self.report is not None
        grid = self.query_one("#grid", DataTable)
        cursor = grid.cursor_coordinate
        grid.clear(columns=True)
        grid.add_column(AXIS_LABELS[self.axis], key="name")
        for field in GRID_FIELDS:
            grid.add_column(GRID_HEADERS[field], key=field)
        self.grid_rows = {}

        def add(row_key: str, axis: str, key: Any, name: str, figures: Figures) -> None:
            self.grid_rows[row_key] = (axis, key, figures, name)
            grid.add_row(escape(fit(name, NAME_WIDTH)), *(figures[field] for field in GRID_FIELDS), key=row_key)

        report = self.report
        if self.axis == "measure":
            for category in report.by_category:
                for row in report.by_measure:
                    if row.category == category.key:
                        add(f"measure:{row.key}", "measure", row.key, f"{row.key:>2} {row.name}", row.figures)
                add(f"category:{category.key}", "category", category.key, f"【{category.name}】小计",
                    category.figures)
        else:
            for row in report.rows(self.axis):
                add(f"{self.axis}:{row.key}", self.axis, row.key, row.name, row.figures)
        add("all", "all", None, "合计", report.total)
        # The cursor starts on the first figure, not on the row's name: Enter there opens a list at once.
        grid.move_cursor(row=min(cursor.row, grid.row_count - 1), column=max(cursor.column, 1))

    def _fill_kpis(self) -> None:
        axis, key, figures, name = self.grid_rows.get(self.selected_row, self.grid_rows["all"])
        table = self.query_one("#kpis", DataTable)
        table.clear()
        partial = self.report is not None and self.report.partial
        for kpi in KPIS:
            if partial and (kpi.numerator in EXTRA_FIELDS or kpi.denominator in EXTRA_FIELDS):
                table.add_row(kpi.label, "…", "…", "计算中", key=kpi.key)
                continue
            value = figures.kpi(kpi.key)
            table.add_row(kpi.label, figures[kpi.numerator], figures[kpi.denominator],
                          format_value(value, "days" if kpi.kind == "mean" else "rate"), key=kpi.key)
        table.border_title = f"指标 · {name}"

    def _draw_trends(self) -> None:
        labels = [p.week_start.strftime("%m-%d") for p in self.trends]
        volume = self.query_one("#trend-volume", PlotextPlot)
        plt = volume.plt
        plt.clear_data()
        plt.clear_figure()
        volume.border_title = "每周受理 / 办结"
        volume.border_subtitle = f"[{VOLUME_COLOURS[0]}]█[/] 受理　[{VOLUME_COLOURS[1]}]█[/] 办结"
        if labels:
            plt.multiple_bar(labels, [[p.opened for p in self.trends], [p.closed for p in self.trends]],
                             color=[c.removeprefix("ansi_") for c in VOLUME_COLOURS])
        volume.refresh()
        on_time = self.query_one("#trend-on-time", PlotextPlot)
        plt = on_time.plt
        plt.clear_data()
        plt.clear_figure()
        on_time.border_title = "按时办结率（%）"
        points = [(i, p.on_time_rate * 100) for i, p in enumerate(self.trends) if p.on_time_rate is not None]
        if points:
            plt.plot([i for i, _ in points], [v for _, v in points], marker="braille")
            plt.xticks([i for i, _ in points], [labels[i] for i, _ in points])
            plt.ylim(0, 100)
        on_time.refresh()

    # -- drill-down ------------------------------------------------------------------------------

    @on(DataTable.CellHighlighted, "#grid")
    def _grid_highlighted(self, event: DataTable.CellHighlighted) -> None:
        row_key = event.cell_key.row_key.value
        if row_key and row_key != self.selected_row and row_key in self.grid_rows:
            self.selected_row = row_key
            self._fill_kpis()

    @on(DataTable.CellSelected, "#grid")
    def _grid_selected(self, event: DataTable.CellSelected) -> None:
        field = event.cell_key.column_key.value
        row_key = event.cell_key.row_key.value
        if field is None or row_key not in self.grid_rows:
            return
        if field == "name":  # the row's name stands for all of its requests
            field = "requests"
        axis, key, _, name = self.grid_rows[row_key]
        self.open_list(axis, key, field, f"{name.strip()} · {GRID_HEADERS[field]}")

    @on(DataTable.CellSelected, "#kpis")
    def _kpi_selected(self, event: DataTable.CellSelected) -> None:
        part = event.cell_key.column_key.value
        kpi = next(k for k in KPIS if k.key == event.cell_key.row_key.value)
        field = kpi.numerator if part == "numerator" else kpi.denominator
        if field not in COUNT_FIELDS:  # the mean's numerator is a sum of days: show the requests it sums
            field = kpi.denominator
        if field not in COUNT_FIELDS:  # a per-call or per-event figure: no list of requests behind it
            return
        axis, key, _, name = self.grid_rows.get(self.selected_row, self.grid_rows["all"])
        self.open_list(axis, key, field, f"{name.strip()} · {kpi.label} · {COUNT_FIELDS[field].label}")

    def open_list(self, axis: str, key: Any, field: str, title: str) -> None:
        assert self.period is not None
        moves = QUEUE_MOVES[FIELD_QUEUES[field]] if field in FIELD_QUEUES else ()
        spec = ListSpec(f"{self.period.label} · {title}", self.period, axis, key, field, field == "overdue", moves)
        self.app.push_screen(RequestListScreen(spec, self._desk), self._list_closed)

    def _list_closed(self, changed: bool | None) -> None:
        if changed:
            self.action_refresh()

    def action_queue(self, name: str) -> None:
        everything = span(None, None)
        specs = {
            "overdue": ListSpec("超期未办结工单（全部，按期限先后）", everything, "all", None, "overdue", True,
                                QUEUE_MOVES[Queue.OVERDUE]),
            "extensions": ListSpec("待审批的延期申请", everything, "all", None, "extension_pending", False,
                                   QUEUE_MOVES[Queue.EXTENSIONS]),
            "returned": ListSpec("待审核的退单", everything, "all", None, "returned_waiting", False,
                                 QUEUE_MOVES[Queue.RETURNED]),
        }
        self.app.push_screen(RequestListScreen(specs[name], self._desk), self._list_closed)

    # -- axis, period, export -----------------------------------------------------------------------

    def action_switch_axis(self) -> None:
        self.axis = self.AXES[(self.AXES.index(self.axis) + 1) % len(self.AXES)]
        self.selected_row = "all"
        if self.report is not None:
            self.show_figures((self.report, self.trends))

    def action_this_month(self) -> None:
        self.period = preset("this_month", self.desk.clock().date())
        self.action_refresh()

    def action_pick_period(self) -> None:
        def chosen(period: Period | None) -> None:
            if period is not None:
                self.period = period
                self.action_refresh()

        self.app.push_screen(PeriodDialog(self.desk.clock().date()), chosen)

    def action_export(self) -> None:
        period = self.period
        if period is None:  # still loading
            return

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.export(period, path)

        self.app.push_screen(ExportDialog(f"通报-{period.slug}.xlsx"), chosen)

    def export(self, period: Period, path: Path) -> None:
        def run() -> Path:
            from dongwu_tui.reports.tables import build_periodic_report
            from dongwu_tui.reports.writer import format_for, write_report

            write_report(build_periodic_report(self.desk.reports, period), path, format_for(path, None))
            return path

        self.fetch(run, then=self.exported)

    def exported(self, path: Path) -> None:
        self.notify(f"通报已导出：{path}", title="已完成")

    def action_back(self) -> None:
        from dongwu_tui.ui.screens.base import go_back

        go_back(self)  # the screen under it, or the workspace F6 was pressed in
