"""The periodic report (通报) as plain tables: what each sheet holds, with Chinese headers and typed columns.

The writers (xlsx, csv, md) only lay these tables out; the dashboard's export calls the same builder,
so the workbook, the markdown and the screen show the same figures. Personal data is masked here,
once, whatever the format: a report leaves the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dongwu_tui.domain.identifiers import mask_phone
from dongwu_tui.domain.models import ServiceRequest
from dongwu_tui.reports.definitions import KPIS, SHOWN_COUNTS, field_label
from dongwu_tui.reports.engine import Figures, Report, ReportService
from dongwu_tui.reports.period import Period

# Column kinds: text, int, rate (a fraction shown as a percentage), days (a decimal), date.
TEXT, INT, RATE, DAYS, DATE = "text", "int", "rate", "days", "date"

KPI_TABLE_COUNTS = ("requests", "direct", "closed", "open", "overdue")


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    kinds: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class PeriodicReport:
    title: str
    period: Period
    as_of: date
    notes: list[str]
    sheets: list[tuple[str, list[Table]]]  # sheet name and the tables on it, top to bottom

    def table(self, key: str) -> Table:
        return next(t for _, tables in self.sheets for t in tables if t.key == key)


def mask_name(name: str | None) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***, Anna Müller → A*** M*****."""
    if not name:
        return ""
    if name.isascii() or " " in name:
        return " ".join(word[:1] + "*" * (len(word) - 1) for word in name.split())
    return name[:1] + "*" * (len(name) - 1)


def _kpi_headers() -> tuple[list[str], list[str]]:
    headers = ([field_label(key) for key in KPI_TABLE_COUNTS] + [k.label for k in KPIS]
               + [field_label(key) for key in SHOWN_COUNTS])
    kinds = [INT] * len(KPI_TABLE_COUNTS) + [DAYS if k.kind == "mean" else RATE for k in KPIS] + [INT] * len(SHOWN_COUNTS)
    return headers, kinds


def _kpi_values(figures: Figures) -> list[Any]:
    return ([figures[key] for key in KPI_TABLE_COUNTS] + [figures.kpi(k.key) for k in KPIS]
            + [figures[key] for key in SHOWN_COUNTS])


def _kpi_table(key: str, title: str, first: list[str], rows: list[tuple[list[Any], Figures]]) -> Table:
    headers, kinds = _kpi_headers()
    table = Table(key, title, first + headers, [TEXT] * len(first) + kinds)
    for lead, figures in rows:
        table.rows.append(lead + _kpi_values(figures))
    return table


def overall_table(total: Figures) -> Table:
    table = Table("overall", "全区指标", ["指标", "分子", "分子说明", "分母", "分母说明", "比率", "平均工作日"],
                  [TEXT, INT, TEXT, INT, TEXT, RATE, DAYS])
    for kpi in KPIS:
        mean = kpi.kind == "mean"
        numerator_label = "办理工作日合计" if mean else field_label(kpi.numerator)
        value = total.kpi(kpi.key)
        table.rows.append([kpi.label, total[kpi.numerator], numerator_label, total[kpi.denominator],
                           field_label(kpi.denominator), None if mean else value, value if mean else None])
    for key in SHOWN_COUNTS:  # counts shown beside the rates (基本满意 apart from 满意率)
        table.rows.append([field_label(key), total[key], "", None, "", None, None])
    return table


def township_table(report: Report) -> Table:
    rows = [([row.name], row.figures) for row in report.by_township]
    rows.append((["合计"], report.total))
    return _kpi_table("by_township", "按板块", ["板块"], rows)


def measure_table(report: Report) -> Table:
    rows: list[tuple[list[Any], Figures]] = []
    for category in report.by_category:
        for row in report.by_measure:
            if row.category == category.key:
                rows.append(([category.name, f"{row.key} {row.name}"], row.figures))
        rows.append(([category.name, "小计"], category.figures))
    rows.append((["合计", ""], report.total))
    return _kpi_table("by_measure", "按服务举措", ["类别", "服务举措"], rows)


def unit_table(report: Report) -> Table:
    rows = [([row.name, row.office or ""], row.figures) for row in report.by_unit]
    rows.append((["合计", ""], report.total))
    return _kpi_table("by_unit", "按承办单位", ["承办单位", "类型"], rows)


def operator_table(report: Report) -> Table:
    rows = [([row.name, row.office or ""], row.figures) for row in report.by_operator]
    rows.append((["合计", ""], report.total))
    return _kpi_table("by_operator", "按话务员", ["话务员", "所在单位"], rows)


def specialist_table(report: Report) -> Table:
    rows = [([row.name, row.office or ""], row.figures) for row in report.by_specialist]
    rows.append((["合计", ""], report.total))
    return _kpi_table("by_specialist", "按专员", ["专员", "所在单位"], rows)


@dataclass(frozen=True, slots=True)
class DrillLine:
    """One request of the list behind a figure, its names looked up where the page is read (a worker)."""

    key: tuple[Any, ...]  # the list's sort key (views.PagedQuery)
    request: ServiceRequest
    measure: str
    township: str
    specialist: str
    status: str
    summary: str

    @property
    def id(self) -> str:
        return self.request.id


class RequestColumns:
    """Looking up the names a request list shows: measure, township, specialist; personal data masked."""

    def __init__(self, service: ReportService) -> None:
        self.service = service
        self.directory = service.desk.directory
        self._talent_names: dict[str, str] = {}

    def measure(self, request: ServiceRequest) -> str:
        measure = self.directory.measures.get(request.measure)
        return f"{request.measure} {measure.name}" if measure else str(request.measure)

    def township(self, request: ServiceRequest) -> str:
        township = self.directory.townships.get(request.township_code or "")
        return township.name if township else "未分板块"

    def specialist(self, request: ServiceRequest) -> str:
        return self.directory.staff(request.assignee_id).name if request.assignee_id else "未派专员"

    def caller(self, request: ServiceRequest) -> str:
        if request.confidential:
            return "（保密）"
        if request.talent_id is None:
            return ""
        if request.talent_id not in self._talent_names:
            t = self.service.desk.office.tables.TalentRow
            row = t.select(t.name).where(t.id == request.talent_id).first()
            self._talent_names[request.talent_id] = row.name if row else ""
        return mask_name(self._talent_names[request.talent_id])

    def phone(self, request: ServiceRequest) -> str:
        return "（保密）" if request.confidential else mask_phone(request.phone)

    def summary(self, request: ServiceRequest) -> str:
        return "（保密）" if request.confidential else request.summary

    def line(self, request: ServiceRequest, key: tuple[Any, ...]) -> DrillLine:
        status = request.status.label + ("（延期待批）" if request.extension_pending else "")
        return DrillLine(key, request, self.measure(request), self.township(request), self.specialist(request),
                         status, self.summary(request))


def _day(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def overdue_table(service: ReportService, period: Period) -> Table:
    columns = RequestColumns(service)
    today = service.today()
    calendar = service.desk.calendar
    table = Table("overdue", "超期未办结工单",
                  ["工单编号", "受理日期", "服务举措", "板块", "承办专员", "状态", "办理期限", "超期工作日",
                   "来电人", "联系电话", "诉求摘要"],
                  [TEXT, DATE, TEXT, TEXT, TEXT, TEXT, DATE, INT, TEXT, TEXT, TEXT])
    for r in service.overdue(period):
        table.rows.append([r.number, _day(r.opened_at), columns.measure(r), columns.township(r),
                           columns.specialist(r), r.status.label, r.due, calendar.working_days_between(r.due, today),
                           columns.caller(r), columns.phone(r), columns.summary(r)])
    return table


def unsatisfied_table(service: ReportService, period: Period) -> Table:
    columns = RequestColumns(service)
    table = Table("unsatisfied", "回访不满意工单",
                  ["工单编号", "受理日期", "服务举措", "板块", "承办专员", "不满意回访日期", "不满意原因",
                   "当前状态", "最近一次回访", "来电人", "联系电话"],
                  [TEXT, DATE, TEXT, TEXT, TEXT, DATE, TEXT, TEXT, TEXT, TEXT, TEXT])
    for r in service.unsatisfied(period):
        for event in service.desk.requests.events(r.id):
            if event.action != "visit" or event.detail.get("satisfied") is not False:
                continue
            latest = "满意" if r.satisfied else ("不满意" if r.satisfied is False else "未回访")
            table.rows.append([r.number, _day(r.opened_at), columns.measure(r), columns.township(r),
                               columns.specialist(r), _day(event.at), event.reason, r.status.label, latest,
                               columns.caller(r), columns.phone(r)])
    return table


def build_periodic_report(service: ReportService, period: Period) -> PeriodicReport:
    report = service.figures(period)
    site = service.desk.directory.this_site()
    since = period.since.isoformat() if period.since else "最早"
    until = period.until.isoformat() if period.until else "今日"
    notes = [
        f"统计期：{period.label}（按受理日期 {since} 至 {until}），数据截至 {report.as_of.isoformat()}。",
        "已并单的工单不计入任何指标；各指标的定义见 docs/KPI.md。",
        "个人信息已脱敏：来电人只显示姓氏，电话只显示前三位和后四位，保密工单不显示内容。",
    ]
    return PeriodicReport(
        title=f"{site.name}人才服务工作通报（{period.label}）",
        period=period,
        as_of=report.as_of,
        notes=notes,
        sheets=[
            ("汇总", [overall_table(report.total), unit_table(report), township_table(report), measure_table(report)]),
            ("按专员", [specialist_table(report), operator_table(report)]),
            ("超期工单", [overdue_table(service, period)]),
            ("不满意回访", [unsatisfied_table(service, period)]),
        ],
    )
