"""A closed month's 通报 is frozen; later corrections show in the next month's; the 通报 reads like one."""

from __future__ import annotations

from datetime import datetime

import pytest

from deskkit import cli_argv

from dongwu_tui.cli.main import main
from dongwu_tui.reports.engine import ReportService
from dongwu_tui.reports.period import parse_period
from dongwu_tui.reports.tables import build_periodic_report, close_month
from dongwu_tui.reports.writer import write_report

NOVEMBER = parse_period("2026-11")
DECEMBER = parse_period("2026-12")


@pytest.fixture
def november(desk, cast, clock, talent, act):
    """Three November requests at mudu: one resolved, one left open, one answered during the call."""
    operator, specialist = act(cast.operator), act(cast.specialist)

    def log(when: datetime, measure: int, **extra) -> str:
        clock.now = when
        return operator.calls.log(phone=talent.phone, summary="来电", measure=measure, **extra).request.number

    first = log(datetime(2026, 11, 2, 9), 6, outcome="request", dispatch_to="mudu", dispatch_staff=cast.specialist.id)
    clock.now = datetime(2026, 11, 2, 10)
    specialist.requests.move(first, "sign")
    clock.now = datetime(2026, 11, 4, 10)
    specialist.requests.move(first, "resolve", reason="已办结")
    log(datetime(2026, 11, 5, 9), 11, outcome="request", dispatch_to="mudu", dispatch_staff=cast.specialist.id)
    log(datetime(2026, 11, 6, 9), 15, outcome="answered", resolution="当场答复")
    clock.now = datetime(2026, 12, 2, 9)
    return first


def _write_all(desk, folder) -> dict[str, bytes]:
    report = build_periodic_report(ReportService(desk), NOVEMBER)
    out = {}
    for fmt in ("md", "csv", "xlsx"):
        path = write_report(report, folder / f"r.{fmt}", fmt)
        out[fmt] = path.read_bytes()
    return out


def test_a_closed_month_reproduces_byte_for_byte(desk, cast, clock, talent, act, november, tmp_path):
    live = _write_all(desk, tmp_path)
    close_month(ReportService(act(cast.supervisor)), NOVEMBER, "月度关账")
    frozen = _write_all(desk, tmp_path)
    # New data for November after the closing: a late request, and the open one resolved.
    clock.now = datetime(2026, 11, 20, 9)
    act(cast.operator).calls.log(phone=talent.phone, summary="补录", measure=2, outcome="request")
    clock.now = datetime(2026, 12, 3, 9)
    assert ReportService(desk).figures(NOVEMBER).total["requests"] == 4
    later = _write_all(desk, tmp_path)
    assert later == frozen
    assert frozen == live  # what was closed is what the month's 通报 read at the closing
    # The next month's 通报 tells what changed in the closed one.
    december = build_periodic_report(ReportService(desk), DECEMBER)
    assert any("更正说明：2026年11月通报关账后" in note and "受理工单 3 → 4" in note for note in december.notes)
    assert december.header[0] == "第 2 期"  # November was the year's first closed month


def test_closing_is_refused_when_it_cannot_be_done(desk, cast, november, db_path, capsys):
    cases = [
        (["report", "close", "--period", "2026-11", "--as", cast.operator.name], "仅限督办负责人"),
        (["report", "close", "--period", "2026-12", "--as", cast.supervisor.name], "尚未结束"),
        (["report", "close", "--period", "2026-Q4", "--as", cast.supervisor.name], "只能按月关账"),
    ]
    for argv, words in cases:
        capsys.readouterr()
        assert main(cli_argv(["--db", str(db_path), *argv])) == 2
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1, err
    close = ["--db", str(db_path), "report", "close", "--period", "2026-11", "--as", cast.supervisor.name]
    assert main(cli_argv(close)) == 0
    assert "已关账：2026年11月（第 1 期）" in capsys.readouterr().out
    assert main(cli_argv(close)) == 2
    assert "不能重复关账" in capsys.readouterr().err


def test_the_report_reads_like_one(desk, cast, november, tmp_path):
    report = build_periodic_report(ReportService(desk), NOVEMBER)
    assert report.title.endswith("人才服务工作通报（2026年11月）")
    site = desk.directory.this_site().name
    assert report.header == ["第 1 期", "2026年11月", "印发日期：2026年12月2日", f"印发单位：{site}"]
    assert report.narrative.startswith("2026年11月，共受理人才服务工单 3 件，办结 2 件")
    ranking = report.table("ranking")
    # 木渎 resolved one on time and holds one overdue (50%); the hotline's answer has no time limit
    # (no 按时办结率): last.
    assert [row[1] for row in ranking.rows] == ["木渎镇人才工作站", "服务热线（直接办结）"]
    assert ranking.rows[0][3] == 0.5 and ranking.rows[0][-1] is None  # no October to compare with
    markdown = write_report(report, tmp_path / "r.md", "md").read_text(encoding="utf-8")
    assert "第 1 期　2026年11月　印发日期：2026年12月2日" in markdown
    assert "## 承办单位排名" in markdown
    # 50% is under the red line of 按时办结率 (data/kpi.toml: 80%): marked red, and named in the paragraph.
    assert ranking.marks == {"0": "red"}
    assert "| 红 |" in markdown and "木渎镇人才工作站有指标低于红色警戒线" in report.narrative


def test_wide_sheets_print_landscape_fit_to_width_with_header_rows(desk, november, tmp_path):
    from openpyxl import load_workbook

    path = write_report(build_periodic_report(ReportService(desk), NOVEMBER), tmp_path / "r.xlsx", "xlsx")
    for sheet in load_workbook(path).worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    summary = load_workbook(path)["汇总"]
    assert summary.print_title_rows and summary.print_title_rows.startswith("$")


def test_the_same_rounding_in_every_format(desk, november, tmp_path):
    from openpyxl import load_workbook

    report = build_periodic_report(ReportService(desk), NOVEMBER)
    write_report(report, tmp_path / "r.xlsx", "xlsx")
    write_report(report, tmp_path / "r.csv", "csv")
    write_report(report, tmp_path / "r.md", "md")
    overall = report.table("overall")
    row = next(r for r in overall.rows if r[0] == "办结率")  # 2 / 3
    sheet = load_workbook(tmp_path / "r.xlsx")["汇总"]
    cells = [c.value for r in sheet.iter_rows() for c in r if c.value is not None]
    assert 0.6667 in cells and row[5] != 0.6667
    assert "66.67" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "66.67%" in (tmp_path / "r.md").read_text(encoding="utf-8")
