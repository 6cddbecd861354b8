"""Pilot tests of the supervisor dashboard, hosted in a tiny app that only carries a desk."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.app import App
from textual.widgets import DataTable, Input, Select

from dongwu_tui.reports.definitions import KPIS
from dongwu_tui.reports.engine import ReportService
from dongwu_tui.reports.period import span
from dongwu_tui.ui.lines import PagedList
from dongwu_tui.ui.screens.dashboard import DashboardScreen, RequestListScreen
from dongwu_tui.ui.screens.dialogs import MoveDialog

EVERYTHING = span(None, None)


class HostApp(App[None]):
    def __init__(self, desk) -> None:
        super().__init__()
        self.desk = desk

    def on_mount(self) -> None:
        self.push_screen(DashboardScreen(period=EVERYTHING))


@pytest.fixture
def office(desk, cast, clock, talent, act):
    """Three requests: one with an extension waiting, one returned, one overdue (now is Fri 13 March)."""
    operator, specialist = act(cast.operator), act(cast.specialist)

    def log(measure: int, when: datetime) -> str:
        clock.now = when
        return operator.calls.log(phone=talent.phone, summary="咨询事项", measure=measure, outcome="request",
                                  dispatch_to="mudu", dispatch_staff=cast.specialist.id).request.number

    extended = log(8, datetime(2026, 3, 2, 9))  # limit 15: not overdue
    specialist.requests.move(extended, "sign")
    clock.now = datetime(2026, 3, 4, 9)
    specialist.requests.move(extended, "extend", days=3, reason="需会商")
    returned = log(12, datetime(2026, 3, 4, 10))
    specialist.requests.move(returned, "return", reason="不属于本板块")
    overdue = log(16, datetime(2026, 3, 5, 9))
    specialist.requests.move(overdue, "sign")
    clock.now = datetime(2026, 3, 13, 17)
    return {"extended": extended, "returned": returned, "overdue": overdue}



def _listed(app) -> int | None:
    """How many requests the list behind a figure shows (its PagedList's count)."""
    return app.screen.query_one(PagedList).count

async def _settle(app, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        if getattr(app, "_reader", None) is not None:
            await app._reader.settled()
        await pilot.pause()


async def test_grid_totals_and_drill_down(desk, cast, act, office):
    supervisor = act(cast.supervisor)
    app = HostApp(supervisor)
    async with app.run_test(size=(180, 50)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        grid = screen.query_one("#grid", DataTable)
        assert grid.row_count == 18 + 4 + 1
        figures = ReportService(supervisor).figures(EVERYTHING)
        total_row = grid.get_row_index("all")
        assert grid.get_cell("all", "requests") == figures.total["requests"] == 3
        assert grid.get_cell("measure:8", "status_in_progress") == 1
        assert grid.get_cell("all", "overdue") == figures.total["overdue"] == 1
        # KPIs beside the grid follow the highlighted row.
        kpis = screen.query_one("#kpis", DataTable)
        assert kpis.row_count == len(KPIS) == 13  # the nine and 按时签收率, 一次办结率, 回访及时率, 解决率
        # The cursor starts on the first figure; Enter on a row's name lists all of that row's requests.
        assert grid.cursor_coordinate.column == 1
        grid.move_cursor(row=total_row, column=grid.get_column_index("name"))
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, RequestListScreen) and _listed(app) == 3
        await pilot.press("escape")
        await pilot.pause()
        # Enter on a number opens the list behind it, as long as the number.
        grid.move_cursor(row=total_row, column=grid.get_column_index("requests"))
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, RequestListScreen)
        assert _listed(app) == 3
        await pilot.press("escape")
        await pilot.pause()
        grid.move_cursor(row=grid.get_row_index("measure:12"), column=grid.get_column_index("status_returned"))
        await pilot.press("enter")
        await _settle(app, pilot)
        rows = app.screen.query_one(PagedList)
        assert rows.count == 1 and rows.row(0).request.number == office["returned"]
        await pilot.press("escape")
        await pilot.pause()
        # Axis switch: townships (and the total) instead of measures.
        await pilot.press("t")
        await _settle(app, pilot)
        assert grid.get_cell("township:mudu", "requests") == 3
        # Then specialists, handling units (承办单位) and operators: each adds up to the total.
        for axis in ("specialist", "unit", "operator"):
            await pilot.press("t")
            await _settle(app, pilot)
            assert app.screen.axis == axis
            rows = [figures for row_axis, _, figures, _ in app.screen.grid_rows.values() if row_axis == axis]
            assert sum(f["requests"] for f in rows) == grid.get_cell("all", "requests") == 3


async def test_enter_opens_a_request_of_the_list_and_n_walks_it(make_app, cast, office):
    from dongwu_tui.ui.screens.request import RequestScreen

    app = make_app(cast.supervisor)
    async with app.run_test(size=(180, 50)) as pilot:
        await _settle(app, pilot)
        await pilot.press("f6")
        await _settle(app, pilot)
        app.screen.period = EVERYTHING
        app.screen.action_refresh()
        await _settle(app, pilot)
        grid = app.screen.query_one("#grid", DataTable)
        grid.move_cursor(row=grid.get_row_index("all"), column=grid.get_column_index("requests"))
        await pilot.press("enter")
        await _settle(app, pilot)
        listing = app.screen
        assert isinstance(listing, RequestListScreen) and _listed(app) == 3
        lines = [listing.query_one(PagedList).row(i) for i in range(3)]
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, RequestScreen) and app.screen.request_id == lines[0].id
        await pilot.press("N")
        await _settle(app, pilot)
        assert app.screen.request_id == lines[1].id  # the next request of the same list
        await pilot.press("escape")
        await _settle(app, pilot)
        assert app.screen is listing and _listed(app) == 3


async def test_approve_an_extension(desk, cast, act, office):
    supervisor = act(cast.supervisor)
    before = desk.requests.get(office["extended"], with_events=False)
    app = HostApp(supervisor)
    async with app.run_test(size=(180, 50)) as pilot:
        await _settle(app, pilot)
        await pilot.press("e")
        await _settle(app, pilot)
        assert isinstance(app.screen, RequestListScreen)
        assert _listed(app) == 1
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, MoveDialog)
        await pilot.press(*"同意", "enter")
        await _settle(app, pilot)
        assert _listed(app) == 0  # the queue is empty now
        await pilot.press("escape")
        await _settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
    after = desk.requests.get(office["extended"])
    assert after.extension_days is None
    assert after.due == desk.calendar.add_working_days(before.due, 3)
    assert after.events[-1].action == "approve-extension" and after.events[-1].actor_id == cast.supervisor.id


async def test_redispatch_a_returned_request(desk, cast, act, office):
    supervisor = act(cast.supervisor)
    app = HostApp(supervisor)
    async with app.run_test(size=(180, 50)) as pilot:
        await _settle(app, pilot)
        await pilot.press("b")
        await _settle(app, pilot)
        assert _listed(app) == 1
        await pilot.press("k")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MoveDialog)
        luzhi = desk.directory.site("luzhi")
        dialog.query_one("#site", Select).value = luzhi.id
        await pilot.pause()
        dialog.query_one("#staff", Select).value = cast.specialist_luzhi.id
        dialog.query_one("#reason", Input).focus()
        await pilot.press(*"改派属地", "enter")
        await _settle(app, pilot)
        assert _listed(app) == 0
    request = desk.requests.get(office["returned"])
    assert request.status.value == "dispatched"
    assert request.assignee_id == cast.specialist_luzhi.id
    assert request.events[-1].action == "reassign" and request.events[-1].reason == "改派属地"


async def test_supervise_an_overdue_request(desk, cast, act, office, monkeypatch):
    reads = []
    refresh_rows = PagedList.refresh_rows
    monkeypatch.setattr(PagedList, "refresh_rows", lambda self: (reads.append(1), refresh_rows(self))[1])
    app = HostApp(act(cast.supervisor))
    async with app.run_test(size=(180, 50)) as pilot:
        await _settle(app, pilot)
        await pilot.press("o")
        await _settle(app, pilot)
        assert _listed(app) == 1
        await pilot.press("u", "enter")  # a supervision notice needs a reason: refused without one
        await pilot.pause()
        assert isinstance(app.screen, MoveDialog)
        await pilot.press(*"请两日内办结", "enter")
        await _settle(app, pilot)
        # The list is read again once, when the move is done; closing the dialog over it is not coming back.
        assert len(reads) == 1
    events = desk.requests.get(office["overdue"]).events
    assert events[-1].action == "supervise" and events[-1].reason == "请两日内办结"


async def test_export_from_the_dashboard(desk, cast, act, office, tmp_path):
    app = HostApp(act(cast.supervisor))
    out = tmp_path / "通报.md"
    async with app.run_test(size=(180, 50)) as pilot:
        await _settle(app, pilot)
        await pilot.press("x")
        await pilot.pause()
        field = app.screen.query_one(Input)
        field.value = str(out)
        await pilot.press("enter")
        await _settle(app, pilot)
    assert "办结率" in out.read_text(encoding="utf-8")


async def test_f6_opens_the_dashboard_from_the_desk(tmp_path, monkeypatch):
    """The supervisor reaches the dashboard from any workspace with F6."""
    from dongwu_tui.services.demo import build_demo
    from dongwu_tui.services.setup import open_desk
    from dongwu_tui.ui.app import DeskApp
    from dongwu_tui.ui.screens.dashboard import DashboardScreen

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "desk.db"
    build_demo(path, talents=60, seed=3, now=datetime(2026, 11, 20))
    desk = open_desk(path)
    desk.clock = lambda: datetime(2026, 11, 20, 9)
    supervisor = desk.directory.staff_list(role="supervisor")[0]
    app = DeskApp(desk.acting_as(supervisor))
    async with app.run_test(size=(160, 45)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("f6")
        for _ in range(4):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert app.current_mode == "dashboard"
    desk.office.close()


async def test_escape_on_the_dashboard_goes_back_to_the_workspace_it_came_from(make_app, cast, office):
    """The dashboard is a workspace of its own (F6): Esc, which its key line offers as 返回, goes back."""
    app = make_app(cast.supervisor)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("f3")
        await _settle(app, pilot)
        await pilot.press("f6")
        await _settle(app, pilot)
        assert app.current_mode == "dashboard"
        await pilot.press("escape")
        await _settle(app, pilot)
        assert app.current_mode == "talents"
        # F6 then F7: Esc walks back the way it came, sync → dashboard → requests, not round in a circle.
        await pilot.press("f4")
        await _settle(app, pilot)
        await pilot.press("f6")
        await _settle(app, pilot)
        await pilot.press("f7")
        await _settle(app, pilot)
        assert app.current_mode == "sync"
        await pilot.press("escape")
        await _settle(app, pilot)
        assert app.current_mode == "dashboard"
        await pilot.press("escape")
        await _settle(app, pilot)
        assert app.current_mode == "requests"


async def test_the_dashboard_opens_on_the_latest_month_with_requests(desk, cast, act, office, clock):
    """In May, with the last requests opened in March, the dashboard shows March; `m` shows this month."""
    clock.now = datetime(2026, 5, 12, 9)

    class Fresh(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.desk = act(cast.supervisor)

        def on_mount(self) -> None:
            self.push_screen(DashboardScreen())

    app = Fresh()
    async with app.run_test(size=(180, 50)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert screen.period.slug == "2026-03"
        assert screen.query_one("#grid", DataTable).get_cell("all", "requests") == 3
        await pilot.press("m")
        await _settle(app, pilot)
        assert screen.period.slug == "2026-05"
        assert screen.query_one("#grid", DataTable).get_cell("all", "requests") == 0


async def test_an_overdue_request_never_dispatched_is_dispatched_from_the_queue(desk, cast, act, office, clock, talent):
    """已受理 and past due: in the 超期督办 queue, where 派单 (d) sends it; 催办/督办 do not apply to it."""
    operator = act(cast.operator)
    clock.now = datetime(2026, 2, 2, 9)
    waiting = operator.calls.log(phone=talent.phone, summary="无人派单", measure=11, outcome="request",
                                 force_new=True).request.number
    clock.now = datetime(2026, 3, 13, 17)
    app = HostApp(act(cast.supervisor))
    async with app.run_test(size=(180, 50)) as pilot:
        await _settle(app, pilot)
        await pilot.press("o")
        await _settle(app, pilot)
        listing = app.screen
        rows = listing.query_one(PagedList)
        numbers = [rows.row(i).request.number for i in range(rows.count)]
        assert waiting in numbers
        rows._move_to(numbers.index(waiting))
        await _settle(app, pilot)
        assert listing.check_action("move", ("supervise",)) is None  # shown, not for this request
        assert listing.check_action("move", ("dispatch",)) is True
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MoveDialog)
        dialog.query_one("#site", Select).value = desk.directory.site("mudu").id
        await pilot.pause()
        dialog.query_one("#reason", Input).focus()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert app.screen is listing
    request = desk.requests.get(waiting)
    assert request.status.value == "dispatched"
    assert request.events[-1].action == "dispatch" and request.events[-1].actor_id == cast.supervisor.id


async def test_lowercase_n_and_p_walk_the_list_from_a_request(make_app, cast, office):
    from dongwu_tui.ui.screens.request import RequestScreen

    app = make_app(cast.supervisor)
    async with app.run_test(size=(180, 50)) as pilot:
        await _settle(app, pilot)
        await pilot.press("f6")
        await _settle(app, pilot)
        app.screen.period = EVERYTHING
        app.screen.action_refresh()
        await _settle(app, pilot)
        grid = app.screen.query_one("#grid", DataTable)
        grid.move_cursor(row=grid.get_row_index("all"), column=grid.get_column_index("requests"))
        await pilot.press("enter")
        await _settle(app, pilot)
        lines = [app.screen.query_one(PagedList).row(i) for i in range(3)]
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, RequestScreen)
        await pilot.press("n")
        await _settle(app, pilot)
        assert app.screen.request_id == lines[1].id
        await pilot.press("p")
        await _settle(app, pilot)
        assert app.screen.request_id == lines[0].id
        await pilot.press("f1")
        await pilot.pause()
        help_text = str(app.screen.query_one("#help-body").render())
        assert "n/N" in help_text and "request.next" in help_text  # one line for the binding's two keys


async def test_dashboard_layout_fits_120_columns(desk, cast, act, office):
    """At 120 × 40: every grid column in view (the names frozen when narrower), long names cut with "…",
    no Chinese inside the charts (their titles and legend are border texts), the period dialog's both fields."""
    from rich.cells import cell_len
    from textual_plotext import PlotextPlot

    from dongwu_tui.ui.screens.dashboard import PeriodDialog

    app = HostApp(act(cast.supervisor))
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        grid = screen.query_one("#grid", DataTable)
        assert grid.fixed_columns == 1
        assert grid.virtual_size.width <= grid.scrollable_content_region.width  # 已并单 in view
        assert str(grid.get_cell("measure:1", "name")).rstrip().endswith("…")
        lines = [strip.text for strip in screen._compositor.render_strips()]
        for plot in screen.query(PlotextPlot):
            assert plot.border_title
            inner = plot.content_region
            for y in range(inner.y, inner.bottom):
                text = lines[y][inner.x:inner.x + inner.width]  # the plots have no wide characters: index = cell
                assert cell_len(text) == len(text), text
        assert "受理" in screen.query_one("#trend-volume", PlotextPlot).border_subtitle
        await pilot.press("p")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PeriodDialog)
        since, until = dialog.query_one("#since", Input), dialog.query_one("#until", Input)
        assert until.region.width >= 10 and since.region.width >= 10
        assert dialog.query_one("Vertical").region.height < 30


async def test_the_figures_are_refused_to_an_operator(make_app, cast, open_request):
    """The figures are for supervisors and administrators: an operator's F6 says so and shows none."""
    open_request()
    app = make_app(cast.operator)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("f6")
        await _settle(app, pilot)
        said = "\n".join(str(n.message) for n in app._notifications)
        assert "话务员不能查看统计和通报" in said
        assert not isinstance(app.screen, DashboardScreen) or app.screen.report is None


async def test_the_grid_shows_before_the_per_request_and_per_call_figures(desk, cast, act, office, monkeypatch):
    """The grid comes from the monthly facts at once; the KPIs counted per request and per call say 计算中
    until their own read is back, then show their values (at district scale that read takes seconds)."""
    import threading

    from dongwu_tui.reports.definitions import EXTRA_FIELDS

    release = threading.Event()
    full = ReportService.figures

    def slow_passes(self, period, *, passes=True):
        if passes:
            release.wait(10)
        return full(self, period, passes=passes)

    monkeypatch.setattr(ReportService, "figures", slow_passes)
    app = HostApp(act(cast.supervisor))
    async with app.run_test(size=(180, 50)) as pilot:
        for _ in range(20):
            await pilot.pause(0.05)
            if app.screen.query("#grid") and app.screen.query_one("#grid", DataTable).row_count:
                break
        screen = app.screen
        kpis = screen.query_one("#kpis", DataTable)
        assert screen.query_one("#grid", DataTable).get_cell("all", "requests") == 3
        counted = [k.key for k in KPIS if k.numerator in EXTRA_FIELDS or k.denominator in EXTRA_FIELDS]
        assert counted and all(kpis.get_cell(key, "value") == "计算中" for key in counted)
        assert kpis.get_cell("closure_rate", "value") != "计算中"
        release.set()
        await _settle(app, pilot)
        assert all(kpis.get_cell(key, "value") != "计算中" for key in counted)
        assert "计算中" not in str(screen.query_one("#dash-title").render())
