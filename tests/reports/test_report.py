"""The grid, the drill-down, the periodic report and `stats --json` on demo data agree with each other."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from dongwu_tui.cli.main import main
from dongwu_tui.domain.errors import ValidationFailed
from dongwu_tui.reports.definitions import COUNT_FIELDS, KPIS
from dongwu_tui.reports.engine import AXES, ReportService
from dongwu_tui.reports.period import parse_period, preset, resolve_period, span
from dongwu_tui.services.desk import Desk
from dongwu_tui.services.setup import open_desk

DEMO_NOW = datetime(2026, 11, 20, 17, 0)  # as in conftest.py, where the demo is built

ALL = span(None, None)


@pytest.fixture
def service(demo_db: Path, demo_now: datetime):
    assert demo_now == DEMO_NOW
    desk = open_desk(demo_db)
    desk.clock = lambda: DEMO_NOW
    yield ReportService(desk)
    desk.office.close()


# Whole months come from the per-axis aggregate, cut months from the facts: a period inside one month, one
# cutting a month at either end, and one ending after the last request (its cut month counts as whole).
PERIODS = [ALL, parse_period("2026-10"), span(date(2026, 10, 5), date(2026, 10, 20)),
           span(date(2026, 9, 10), date(2026, 10, 20)), span(date(2026, 11, 3), date(2026, 12, 20)),
           span(None, date(2026, 6, 17))]
PERIOD_IDS = ["all", "2026-10", "inside-a-month", "cut-both-ends", "past-last-request", "open-start"]


@pytest.mark.parametrize("period", PERIODS, ids=PERIOD_IDS)
def test_every_cell_drills_to_its_number(service: ReportService, period):
    report = service.figures(period)
    assert report.total["requests"] > 0
    for axis in AXES:
        for row in report.rows(axis):
            for key in COUNT_FIELDS:
                value = row.figures[key]
                assert service.drill_count(period, axis, row.key, key) == value, (axis, row.name, key)
                if key.startswith("status_") or key in ("requests", "overdue", "merged", "on_time"):
                    assert len(service.drill(period, axis, row.key, key)) == value
    for key in COUNT_FIELDS:
        assert len(service.drill(period, "all", None, key)) == report.total[key]


@pytest.mark.parametrize("period", PERIODS, ids=PERIOD_IDS)
def test_weekly_trends_equal_the_drill_down_per_week(service: ReportService, period):
    """Each week's points (whole weeks from report_week, the cut ones from the day aggregate, past due from
    the open requests) equal the requests behind the figures, bucketed by the week they were opened."""
    points = service.trends(period)

    def per_week(key: str) -> dict[date, int]:
        counts: dict[date, int] = {}
        for request in service.drill(period, "all", None, key):
            day = request.opened_at.date()
            week = day - timedelta(days=day.weekday())
            counts[week] = counts.get(week, 0) + 1
        return counts

    opened, on_time, base = per_week("requests"), per_week("on_time"), per_week("on_time_base")
    assert sum(p.opened for p in points) == service.figures(period).total["requests"] > 0
    for point in points:
        assert (point.opened, point.on_time, point.on_time_base) == (
            opened.get(point.week_start, 0), on_time.get(point.week_start, 0), base.get(point.week_start, 0))


def test_grid_rows_add_up(service: ReportService):
    report = service.figures(ALL)
    statuses = [f"status_{s}" for s in ("new", "dispatched", "in_progress", "returned", "resolved", "visited",
                                        "archived")]
    for axis in AXES:
        for key in (*statuses, "requests", "merged", "overdue"):
            assert sum(row.figures[key] for row in report.rows(axis)) == report.total[key], (axis, key)
    for row in report.by_measure:
        assert sum(row.figures[s] for s in statuses) == row.figures["requests"]


def test_figures_match_plain_sql(service: ReportService, demo_db: Path):
    """An independent count straight from the file, written from docs/KPI.md, not from definitions.py."""
    report = service.figures(ALL)
    today = DEMO_NOW.date().isoformat()
    with sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True) as con:
        def one(sql: str) -> int:
            return con.execute(sql).fetchone()[0]

        live = "deleted = 0 AND status <> 'merged'"
        closed = "status IN ('resolved', 'visited', 'archived')"
        assert one(f"SELECT COUNT(*) FROM service_request WHERE {live}") == report.total["requests"]
        assert one(f"SELECT COUNT(*) FROM service_request WHERE {live} AND direct = 1") == report.total["direct"]
        assert one(f"SELECT COUNT(*) FROM service_request WHERE {live} AND {closed}") == report.total["closed"]
        on_time = one(f"SELECT COUNT(*) FROM service_request WHERE {live} AND direct = 0 AND {closed} "
                      "AND date(resolved_at) <= due_date")
        overdue_open = one(f"SELECT COUNT(*) FROM service_request WHERE {live} AND direct = 0 AND status IN "
                           f"('new', 'dispatched', 'in_progress', 'returned') AND due_date < '{today}'")
        worked_closed = one(f"SELECT COUNT(*) FROM service_request WHERE {live} AND direct = 0 AND {closed}")
        assert report.total.kpi("on_time_rate") == pytest.approx(on_time / (worked_closed + overdue_open))
        returned = one(f"SELECT COUNT(*) FROM service_request r WHERE {live} AND direct = 0 AND status <> 'new' AND "
                       "EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.action = 'return')")
        assert returned == report.total["returned"]
    # The average uses the desk's calendar, request by request.
    calendar = service.desk.calendar
    closed_requests = service.drill(ALL, "all", None, "worked_closed")
    days = sum(calendar.working_days_between(r.signed_at.date(), r.resolved_at.date()) for r in closed_requests)
    assert report.total["working_days"] == days


def _run_cli(capsys, *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_stats_json_keeps_its_keys_and_adds_kpis(demo_db: Path, capsys):
    stats = json.loads(_run_cli(capsys, "--db", str(demo_db), "stats", "--json", "--period", "2026-10"))
    assert {"as_of", "since", "until", "totals", "by_measure", "by_category", "by_township", "by_specialist",
            "kpis"} <= stats.keys()
    assert stats["since"] == "2026-10-01" and stats["until"] == "2026-10-31"
    kpis = stats["kpis"]
    for old, new in zip(stats["by_measure"], kpis["by_measure"], strict=True):
        assert old["measure"] == new["measure"]
        assert (old["total"], old["closed"], old["open"], old["overdue"], old["merged"]) == \
            (new["requests"], new["closed"], new["open"], new["overdue"], new["merged"])
    assert {k.key for k in KPIS} <= kpis["total"].keys()


def _sheet_tables(sheet) -> dict[str, list[dict[str, object]]]:
    """Each table on a sheet, found by its title row, as dicts keyed by the Chinese headers."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    tables: dict[str, list[dict[str, object]]] = {}
    i = 0
    while i < len(rows):
        row = rows[i]
        if row[0] and all(v is None for v in row[1:]) and i + 1 < len(rows) and rows[i + 1][1] is not None:
            headers = rows[i + 1]
            body = []
            j = i + 2
            while j < len(rows) and any(v is not None for v in rows[j]):
                body.append(dict(zip(headers, rows[j], strict=False)))
                j += 1
            tables[row[0]] = body
            i = j
        i += 1
    return tables


_ROUNDING = {"rate": 0.00005, "mean": 0.05}


def test_workbook_matches_stats_json(demo_db: Path, tmp_path: Path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "通报.xlsx"
    _run_cli(capsys, "--db", str(demo_db), "report", "--period", "2026-Q4", "--format", "xlsx", "-o", str(out))
    stats = json.loads(_run_cli(capsys, "--db", str(demo_db), "stats", "--json", "--period", "2026-Q4"))
    kpis = stats["kpis"]
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["汇总", "按专员", "超期工单", "不满意回访"]
    summary = _sheet_tables(workbook["汇总"])

    overall = {row["指标"]: row for row in summary["全区指标"]}
    for kpi in KPIS:
        row = overall[kpi.label]
        assert row["分子"] == kpis["total"][kpi.numerator]
        assert row["分母"] == kpis["total"][kpi.denominator]
        value = row["平均工作日"] if kpi.kind == "mean" else row["比率"]
        # The workbook holds the rounded figure every format shows: 0.01% for rates, 0.1 for days.
        assert value == pytest.approx(kpis["total"][kpi.key], abs=_ROUNDING[kpi.kind])

    towns = {row["板块"]: row for row in summary["按板块"]}
    for entry in kpis["by_township"]:
        row = towns[entry["name"]]
        assert row["受理工单"] == entry["requests"] and row["超期未办结"] == entry["overdue"]
        for kpi in KPIS:
            shown = pytest.approx(entry[kpi.key], abs=_ROUNDING[kpi.kind])
            assert row[kpi.label] == shown if entry[kpi.key] is not None else row[kpi.label] is None
    assert towns["合计"]["受理工单"] == stats["totals"]["total"]

    measures = {row["服务举措"]: row for row in summary["按服务举措"] if row["服务举措"] not in ("小计", "")}
    for old, entry in zip(stats["by_measure"], kpis["by_measure"], strict=True):
        row = measures[f"{entry['measure']} {entry['name']}"]
        assert (row["受理工单"], row["已办结"], row["超期未办结"]) == (old["total"], old["closed"], old["overdue"])
        assert isinstance(row["受理工单"], int)
        for kpi in KPIS:
            shown = pytest.approx(entry[kpi.key], abs=_ROUNDING[kpi.kind])
            assert row[kpi.label] == shown if entry[kpi.key] is not None else row[kpi.label] is None
    subtotals = [row for row in summary["按服务举措"] if row["服务举措"] == "小计"]
    assert [row["受理工单"] for row in subtotals] == [c["requests"] for c in kpis["by_category"]]

    overdue = _sheet_tables(workbook["超期工单"])["超期未办结工单"]
    assert len(overdue) == kpis["total"]["overdue"]
    # Widths fit Chinese text: the measure column is as wide as its longest name in terminal cells.
    sheet = workbook["汇总"]
    assert sheet.column_dimensions["B"].width >= 40
    # Personal data masked: no phone number in the clear anywhere in the workbook.
    phones = _phones(demo_db)
    for ws in workbook.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value in phones)


def _phones(demo_db: Path) -> set[str]:
    with sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True) as con:
        return {row[0] for row in con.execute("SELECT phone FROM talent")}


def test_csv_and_markdown(demo_db: Path, tmp_path: Path, capsys):
    _run_cli(capsys, "--db", str(demo_db), "report", "--period", "2026", "-o", str(tmp_path / "r.csv"))
    _run_cli(capsys, "--db", str(demo_db), "report", "--period", "2026", "-o", str(tmp_path / "r.md"))
    stats = json.loads(_run_cli(capsys, "--db", str(demo_db), "stats", "--json", "--period", "2026"))
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    header = next(i for i, r in enumerate(rows) if r[:1] == ["板块"])
    total = next(r for r in rows[header:] if r[:1] == ["合计"])
    assert int(total[1]) == stats["kpis"]["total"]["requests"]
    closure = stats["kpis"]["total"]["closure_rate"]
    assert float(total[rows[header].index("办结率（%）")]) == pytest.approx(closure * 100, abs=0.005)
    markdown = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "| 办结率 |" in markdown and f"{closure:.2%}" in markdown
    phones = _phones(demo_db)
    assert not any(p in text or p in markdown for p in phones)
    assert re.search(r"1\d\d\*\*\*\*\d{4}", text)  # masked numbers are there instead


def test_periods():
    assert parse_period("2026-10").since.isoformat() == "2026-10-01"
    assert parse_period("2026-10").until.isoformat() == "2026-10-31"
    assert parse_period("2026-Q1").until.isoformat() == "2026-03-31"
    assert parse_period("2024-02").until.isoformat() == "2024-02-29"
    assert parse_period("2026").since.isoformat() == "2026-01-01"
    assert resolve_period(None, "2026-10-05", "2026-10-09").label == "2026-10-05 至 2026-10-09"
    assert preset("last_month", DEMO_NOW.date()).label == "2026-10"
    assert preset("this_quarter", DEMO_NOW.date()).label == "2026-Q4"
    for bad in ("2026-13", "26-10", "2026-Q5", "十月"):
        with pytest.raises(ValidationFailed):
            parse_period(bad)
    with pytest.raises(ValidationFailed):
        resolve_period("2026-10", "2026-10-01", None)


def test_bad_period_exits_2(demo_db: Path, capsys):
    assert main(["--db", str(demo_db), "report", "--period", "2026-13", "-o", "x.xlsx"]) == 2
    assert "统计期" in capsys.readouterr().err


def test_reports_import_without_textual():
    import subprocess
    import sys

    code = ("import sys, dongwu_tui.reports.engine, dongwu_tui.reports.writer, dongwu_tui.cli.report_commands;"
            "assert 'textual' not in sys.modules and 'openpyxl' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_desk_type_is_used(service: ReportService):
    assert isinstance(service.desk, Desk)


def test_stats_and_report_name_every_kpi_of_issue_15(demo_db: Path, tmp_path: Path, capsys):
    names = ["按时签收率", "一次办结率", "重复来电率", "回访及时率", "解决率", "满意率", "基本满意", "退单驳回数",
             "催办", "督办"]
    text = _run_cli(capsys, "--db", str(demo_db), "stats", "--period", "2026-10")
    assert all(name in text for name in names), [name for name in names if name not in text]
    _run_cli(capsys, "--db", str(demo_db), "report", "--period", "2026-10", "-o", str(tmp_path / "r.md"))
    markdown = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert all(name in markdown for name in [*names, "按承办单位", "按话务员"])
    stats = json.loads(_run_cli(capsys, "--db", str(demo_db), "stats", "--json", "--period", "2026-10"))
    units = stats["kpis"]["by_unit"]
    assert sum(row["requests"] for row in units) == stats["kpis"]["total"]["requests"]
