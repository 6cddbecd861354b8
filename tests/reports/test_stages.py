"""Figures per handling unit at each stage, worked out by hand (docs/KPI.md, "Stages").

The office is built through the real services with the test's clock, in time order; the period is
2026-03 and the desk's "now" is Friday 20 March 2026, 17:00. Sign limit 1 working day (data/rules.toml,
data/kpi.toml): dispatched on day d, signed on time up to the next working day. Limits: m6 5, m16 1.
木渎 (mudu, 李专员) and 甪直 (luzhi, 钱专员) are the handling units.

  req  story                                                                        signing stages
  P1   m6 to mudu Mon 03-02, unsigned; 改派 to luzhi Thu 03-05 (past mudu's sign      mudu late (left unsigned
       limit 03-03); luzhi signs 03-05, resolves 03-06 (due 03-09)                   past the limit); luzhi ok
  P2   m16 to mudu 03-02 (due 03-03), mudu signs 03-02; 改派 to luzhi Wed 03-04:      mudu ok, and 超期转出;
       mudu held it signed past its due date; luzhi signs 03-04, resolves 03-05       luzhi ok
  P3   m6 to mudu Mon 03-09, mudu returns it unsigned Wed 03-11 (limit 03-10);        mudu late; luzhi ok
       改派 to luzhi 03-11, signed Thu 03-12 (its limit 03-12)
  P4   m6 to mudu 03-02, signed 03-02, resolved 03-04: one unit throughout            mudu ok
  P5   m6 to mudu Mon 03-09, returned unsigned the same day (within the limit: no     mudu: first not counted,
       signing stage counted); 改派 back to mudu 03-10 (limit 03-11), signed 03-12    second late
  P6   m6 to luzhi Mon 03-16, never signed; now 03-20                                 luzhi late
  P7   m6 to luzhi Fri 03-20 09:00, unsigned, within its limit                        none yet
  P8   m6 to luzhi 03-16, signed 03-16, returned 03-17, the return refused 03-17:     luzhi ok, still holds it
       back at luzhi
  P9   m16 to luzhi Mon 03-02 (due 03-03), signed 03-02; luzhi returns it Wed 03-04   luzhi ok, and 超期转出
       (past the due date); 改派 to mudu 03-04, signed 03-04                          (by the return); mudu ok
  P10  m16 to luzhi Mon 03-02 (due 03-03), signed 03-02; 改派 within luzhi 03-04     luzhi ok twice; no 超期转出:
       (to 钱专员 again), signed again 03-04                                          it never left luzhi

  mudu:  应签收 P1 P2 P3 P4 P5(2nd) P9 = 6, 按时签收 P2 P4 P9 = 3, 超期转出 P2 = 1
  luzhi: 应签收 P1 P2 P3 P6 P8 P9 P10×2 = 8, 按时签收 P1 P2 P3 P8 P9 P10×2 = 7, 超期转出 P9 = 1
Charged to the holder at its latest dispatch (the request's last stage only), 应签收 / 按时签收 would be mudu
3 / 2 (P4 P5 P9) and luzhi 6 / 5 (P1 P2 P3 P6 P8 P10): mudu's late signing of P1 and P3 and its late handling
of P2 would not show at all.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest

from dongwu_tui.reports.engine import ReportService
from dongwu_tui.reports.period import parse_period
from dongwu_tui.reports.tables import build_periodic_report

MARCH = parse_period("2026-03")
MUDU, LUZHI = "木渎镇人才工作站", "甪直镇人才工作站"


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime.combine(date(2026, month, day), time(hour, 0))


@pytest.fixture
def office(desk, cast, clock, talent, act):
    operator, mudu, luzhi, supervisor = (act(cast.operator), act(cast.specialist), act(cast.specialist_luzhi),
                                         act(cast.supervisor))
    numbers: dict[str, str] = {}
    sites = {cast.specialist.id: "mudu", cast.specialist_luzhi.id: "luzhi"}

    def log(name: str, when: datetime, measure: int, staff) -> None:
        clock.now = when
        result = operator.calls.log(phone=talent.phone, summary=f"工单{name}的来电", measure=measure,
                                    outcome="request", dispatch_to=sites[staff.id], dispatch_staff=staff.id,
                                    force_new=True)
        numbers[name] = result.request.number

    def move(who, name: str, when: datetime, action: str, **kwargs) -> None:
        clock.now = when
        who.requests.move(numbers[name], action, **kwargs)

    def reassign(name: str, when: datetime, staff) -> None:
        move(supervisor, name, when, "reassign", to_site=sites[staff.id], to_staff=staff.id, reason="改派")

    log("P1", at(3, 2), 6, cast.specialist)
    log("P2", at(3, 2, 10), 16, cast.specialist)
    move(mudu, "P2", at(3, 2, 11), "sign")
    log("P4", at(3, 2, 12), 6, cast.specialist)
    move(mudu, "P4", at(3, 2, 13), "sign")
    log("P9", at(3, 2, 14), 16, cast.specialist_luzhi)
    move(luzhi, "P9", at(3, 2, 15), "sign")
    reassign("P2", at(3, 4), cast.specialist_luzhi)
    move(luzhi, "P2", at(3, 4, 10), "sign")
    move(mudu, "P4", at(3, 4, 11), "resolve", reason="已办结")
    move(luzhi, "P9", at(3, 4, 12), "return", reason="需木渎办理")
    reassign("P9", at(3, 4, 13), cast.specialist)
    move(mudu, "P9", at(3, 4, 14), "sign")
    log("P10", at(3, 2, 16), 16, cast.specialist_luzhi)
    move(luzhi, "P10", at(3, 2, 17), "sign")
    reassign("P10", at(3, 4, 15), cast.specialist_luzhi)
    move(luzhi, "P10", at(3, 4, 16), "sign")
    reassign("P1", at(3, 5), cast.specialist_luzhi)
    move(luzhi, "P1", at(3, 5, 10), "sign")
    move(luzhi, "P2", at(3, 5, 11), "resolve", reason="已办结")
    move(luzhi, "P1", at(3, 6), "resolve", reason="已办结")
    log("P3", at(3, 9), 6, cast.specialist)
    log("P5", at(3, 9, 10), 6, cast.specialist)
    move(mudu, "P5", at(3, 9, 11), "return", reason="材料不全")
    reassign("P5", at(3, 10), cast.specialist)
    move(mudu, "P3", at(3, 11), "return", reason="不属于本板块")
    reassign("P3", at(3, 11, 10), cast.specialist_luzhi)
    move(mudu, "P5", at(3, 12), "sign")
    move(luzhi, "P3", at(3, 12, 10), "sign")
    log("P6", at(3, 16), 6, cast.specialist_luzhi)
    log("P8", at(3, 16, 10), 6, cast.specialist_luzhi)
    move(luzhi, "P8", at(3, 16, 11), "sign")
    move(luzhi, "P8", at(3, 17), "return", reason="需区级部门办理")
    move(supervisor, "P8", at(3, 17, 10), "reject-return", reason="属本单位职责")
    log("P7", at(3, 20), 6, cast.specialist_luzhi)
    clock.now = at(3, 20, 17)
    return numbers


def stage_figures(figures) -> tuple[int, int, int]:
    return figures["sign_base"], figures["sign_on_time"], figures["overdue_left"]


def test_each_stage_is_charged_to_the_unit_that_held_it(desk, office):
    report = ReportService(desk).figures(MARCH)
    signing = {row.name: (row.figures["sign_base"], row.figures["sign_on_time"]) for row in report.by_unit}
    assert (signing[MUDU], signing[LUZHI]) == ((6, 3), (8, 7))
    units = {row.name: stage_figures(row.figures) for row in report.by_unit}
    assert units[MUDU] == (6, 3, 1)
    assert units[LUZHI] == (8, 7, 1)
    assert stage_figures(report.total) == (14, 10, 2)
    assert next(row for row in report.by_unit if row.name == MUDU).figures.kpi("sign_rate") == pytest.approx(3 / 6)
    # Every axis adds up to the district: the stages of a request share its measure, 板块 and operator.
    for axis in ("measure", "township", "specialist", "unit", "operator"):
        rows = report.rows(axis)
        assert tuple(map(sum, zip(*(stage_figures(row.figures) for row in rows), strict=True))) == (14, 10, 2), axis
    # A specialist answers for the stages at their unit: 李专员 at mudu, 钱专员 at luzhi.
    assert {row.name: stage_figures(row.figures) for row in report.by_specialist if row.key} == \
        {"李专员": (6, 3, 1), "钱专员": (8, 7, 1)}
    by_measure = {row.key: stage_figures(row.figures) for row in report.by_measure}
    assert by_measure[16] == (6, 6, 2)  # P2, P9, P10: all signed on time; P2 and P9 left overdue


def test_closure_stays_the_holders(desk, office):
    """What the talent gets is the closing unit's: closure and 按时办结 stay where the request closed."""
    units = {row.name: row.figures for row in ReportService(desk).figures(MARCH).by_unit}
    # luzhi closed P1 (on time, due 03-09) and P2 (late: due 03-03 from mudu's dispatch); mudu closed P4.
    assert (units[LUZHI]["closed"], units[LUZHI]["on_time"], units[LUZHI]["late_closed"]) == (2, 1, 1)
    assert (units[MUDU]["closed"], units[MUDU]["on_time"]) == (1, 1)
    # The returns stay counted for the unit whose staff made them: mudu P3 P5, luzhi P8 P9; the district's
    # is their sum on every axis.
    assert (units[MUDU]["returns_made"], units[LUZHI]["returns_made"]) == (2, 2)
    report = ReportService(desk).figures(MARCH)
    assert report.total["returns_made"] == 4
    for axis in ("measure", "township", "specialist", "unit", "operator"):
        assert sum(row.figures["returns_made"] for row in report.rows(axis)) == 4, axis


def test_stage_figures_in_stats_json_and_the_report(desk, office, capsys):
    from dongwu_tui.reports.export import kpis_dict

    kpis = json.loads(json.dumps(kpis_dict(ReportService(desk).figures(MARCH)), ensure_ascii=False))
    by_unit = {row["name"]: row for row in kpis["by_unit"]}
    assert kpis["counts"]["overdue_left"] == "超期转出"
    assert (by_unit[MUDU]["overdue_left"], by_unit[MUDU]["sign_rate"]) == (1, pytest.approx(0.5))
    table = build_periodic_report(ReportService(desk), MARCH).table("by_unit")
    rows = {row[0]: dict(zip(table.headers, row, strict=True)) for row in table.rows}
    assert (rows[MUDU]["按时签收率"], rows[MUDU]["超期转出"], rows[MUDU]["本单位退单"]) == (0.5, 1, 2)
    assert (rows["合计"]["超期转出"], rows["合计"]["本单位退单"], rows["合计"]["按时签收率"]) == \
        (2, 4, pytest.approx(10 / 14))


def test_stage_figures_in_the_stats_table(desk, office, capsys):
    from argparse import Namespace

    from dongwu_tui.cli.report_commands import cmd_stats

    assert cmd_stats(desk, Namespace(json=False, period="2026-03", since=None, until=None)) == 0
    out = capsys.readouterr().out
    unit_table = out[out.index("按承办单位"):]
    header = next(line for line in unit_table.splitlines() if line.startswith("承办单位"))
    assert header.split()[:8] == ["承办单位", "受理工单", "应签收", "按时签收", "超期转出", "本单位退单", "办结率",
                                  "按时办结率"]
    mudu = next(line for line in unit_table.splitlines() if line.startswith(MUDU)).split()
    assert mudu[2:6] == ["6", "3", "1", "2"] and mudu[-1] == "50.00%"
    total = next(line for line in unit_table.splitlines() if line.startswith("合计")).split()
    assert total[2:6] == ["14", "10", "2", "4"] and total[-1] == "71.43%"


def test_a_single_stage_read_from_its_row_counts_as_from_its_events(desk, office, monkeypatch):
    """Requests never returned nor reassigned are counted from their row (one stage); read from their
    events like the others, every figure is the same."""
    from dongwu_tui.reports import engine

    service = ReportService(desk)
    by_row = service.figures(MARCH)
    monkeypatch.setattr(engine, "MULTI_STAGE", "(SELECT DISTINCT x.request_id FROM request_event x)")
    by_events = service.figures(MARCH)
    for axis in ("measure", "township", "specialist", "unit", "operator"):
        assert [(row.key, dict(row.figures)) for row in by_row.rows(axis)] == \
            [(row.key, dict(row.figures)) for row in by_events.rows(axis)], axis
    assert dict(by_row.total) == dict(by_events.total)


def test_a_return_records_the_due_date_it_was_left_with(desk, office):
    """超期转出 judges a return by the due date at that moment, which a later 重办 or extension may move."""
    events = desk.requests.get(office["P9"]).events
    returned = next(e for e in events if e.action == "return")
    assert returned.detail["due"] == "2026-03-03"
