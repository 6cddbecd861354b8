"""Departments are handling units (承办单位): dispatched to, staffed, and counted in every figure."""

from __future__ import annotations

from datetime import datetime

from dongwu_tui.domain.roles import SiteKind
from dongwu_tui.reports.engine import ReportService
from dongwu_tui.reports.period import parse_period
from dongwu_tui.storage.catalogue import read_data_file


def test_init_lists_every_department_of_the_data_file(desk):
    sites = {site.code: site for site in desk.directory.sites()}
    units = read_data_file("measures.toml")["unit"]
    assert {u["code"] for u in units} <= set(sites)
    assert sites["rsj"].kind is SiteKind.DEPARTMENT and sites["rsj"].name == "区人社局"
    assert SiteKind.DEPARTMENT.label == "部门人才服务窗口"
    # Each measure names its default handling unit: a department, the centre (wz) or the local station.
    measures = desk.directory.measures
    assert (measures[3].unit, measures[12].unit, measures[6].unit, measures[17].unit) == ("rsj", "jyj", "wz", "local")


def test_a_department_signs_resolves_and_is_counted(desk, cast, clock, talent, act):
    clerk = desk.directory.add_staff("孙窗口", "specialist", "jyj")
    clock.now = datetime(2026, 11, 2, 9)
    number = act(cast.operator).calls.log(phone=talent.phone, summary="子女入学", measure=12, outcome="request",
                                          dispatch_to="jyj", dispatch_staff=clerk.id).request.number
    clock.now = datetime(2026, 11, 2, 10)
    act(clerk).requests.move(number, "sign")
    clock.now = datetime(2026, 11, 3, 10)
    act(clerk).requests.move(number, "resolve", reason="已协调入学")
    report = ReportService(desk).figures(parse_period("2026-11"))
    units = {row.name: row for row in report.by_unit}
    assert units["区教育局"].figures["closed"] == 1 and units["区教育局"].office == "部门人才服务窗口"
    # The talent is mudu's: the township figure still shows it, the unit figure shows who handled it.
    assert {row.key: row.figures["requests"] for row in report.by_township if row.figures["requests"]} == {"mudu": 1}
    assert "木渎镇人才工作站" not in units
