"""The periodic report (通报) as plain tables: what each sheet holds, with Chinese headers and typed columns.

The writers (xlsx, csv, md) only lay these tables out; the dashboard's export calls the same builder,
so the workbook, the markdown and the screen show the same figures. Personal data is masked here,
once, whatever the format: a report leaves the machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dongwu_tui.domain.identifiers import mask_phone, mask_text
from dongwu_tui.domain.models import ServiceRequest
from dongwu_tui.reports.definitions import KPIS, SHOWN_COUNTS, field_label
from dongwu_tui.reports.engine import Figures, Report, ReportService
from dongwu_tui.reports import closing
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
    # Row index (as text: JSON keys) → "red" or "yellow": a row past a threshold of data/kpi.toml.
    marks: dict[str, str] = field(default_factory=dict)


@dataclass
class PeriodicReport:
    title: str
    period: Period
    as_of: date
    notes: list[str]
    sheets: list[tuple[str, list[Table]]]  # sheet name and the tables on it, top to bottom
    header: list[str] = field(default_factory=list)  # 期号, the period in words, issue date, issuing office
    narrative: str = ""  # the paragraph that opens the 通报, written from the figures

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
    kinds = ([INT] * len(KPI_TABLE_COUNTS) + [DAYS if k.kind == "mean" else RATE for k in KPIS]
             + [INT] * len(SHOWN_COUNTS))
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
    table = _kpi_table("by_unit", "按承办单位", ["承办单位", "类型"], rows)
    # The unit at the return and handling stages: returns its own staff made (退单 counts where the request
    # is now), and requests it let go past their due date (超期转出). 按时签收率 is per stage already.
    stages = ("returns_made", "overdue_left")
    table.headers += [field_label(key) for key in stages]
    table.kinds += [INT] * len(stages)
    for row, (_, figures) in zip(table.rows, rows, strict=True):
        row += [figures[key] for key in stages]
    return table


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
        return "（保密）" if request.confidential else mask_text(request.summary)

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


# -- closed months: the report as stored JSON (reports/closing.py keeps the rows) --


def _encode(value: Any) -> Any:
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"date"}:
        return date.fromisoformat(value["date"])
    return value


def snapshot(report: PeriodicReport, totals: dict[str, int]) -> str:
    return json.dumps({
        "title": report.title, "period": report.period.as_dict(), "as_of": report.as_of.isoformat(),
        "notes": report.notes, "header": report.header, "narrative": report.narrative,
        "totals": {key: totals[key] for key in closing.WATCHED},
        "sheets": [[name, [{"key": t.key, "title": t.title, "headers": t.headers, "kinds": t.kinds,
                            "rows": [[_encode(v) for v in row] for row in t.rows], "marks": t.marks}
                           for t in tables]] for name, tables in report.sheets],
    }, ensure_ascii=False, sort_keys=True)


def restore(text: str) -> tuple[PeriodicReport, dict[str, int]]:
    data = json.loads(text)
    period = data["period"]
    report = PeriodicReport(
        title=data["title"],
        period=Period(date.fromisoformat(period["since"]), date.fromisoformat(period["until"]), period["label"]),
        as_of=date.fromisoformat(data["as_of"]),
        notes=data["notes"],
        sheets=[(name, [Table(t["key"], t["title"], t["headers"], t["kinds"],
                              [[_decode(v) for v in row] for row in t["rows"]], t.get("marks", {}))
                        for t in tables]) for name, tables in data["sheets"]],
        header=data.get("header", []),
        narrative=data.get("narrative", ""),
    )
    return report, data["totals"]


def period_words(period: Period) -> str:
    """2026年11月, 2026年第四季度, 2026年; a span of days as 2026年10月1日至2026年10月31日."""
    import re

    label = period.label
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", label):
        return f"{m[1]}年{int(m[2])}月"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", label):
        return f"{m[1]}年第{'一二三四'[int(m[2]) - 1]}季度"
    if re.fullmatch(r"\d{4}", label):
        return f"{label}年"
    since = day_words(period.since) if period.since else "最早"
    until = day_words(period.until) if period.until else "今日"
    return f"{since}至{until}"


def day_words(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _points(now: float | None, before: float | None) -> float | None:
    """环比 of a rate in percentage points, rounded as the rates are shown."""
    if now is None or before is None:
        return None
    return round(now - before, 4)


def thresholds() -> list[dict[str, Any]]:
    from dongwu_tui.storage.catalogue import read_data_file

    return list(read_data_file("kpi.toml").get("threshold", []))


RANKED = ("on_time_rate", "closure_rate", "satisfaction_rate", "sign_rate")


def ranking_table(report: Report, before: Report | None) -> Table:
    """The handling units ranked by 按时办结率 (then 办结率), with 环比 against the month before and
    each unit marked red or yellow where a rate falls below a threshold of data/kpi.toml."""
    previous = {row.key: row.figures for row in before.by_unit} if before else {}
    labels = {k.key: k.label for k in KPIS}
    headers = ["名次", "承办单位", "受理工单", *(labels[k] for k in RANKED), f"{labels['on_time_rate']}环比"]
    table = Table("ranking", "承办单位排名", headers, [INT, TEXT, INT, *([RATE] * len(RANKED)), RATE])
    rows = [row for row in report.by_unit if row.key is not None and row.figures["requests"]]
    rows.sort(key=lambda row: (-(row.figures.kpi("on_time_rate") or 0), -(row.figures.kpi("closure_rate") or 0),
                               row.name))
    limits = thresholds()
    for place, row in enumerate(rows, start=1):
        figures = row.figures
        earlier = previous.get(row.key)
        table.rows.append([place, row.name, figures["requests"], *(figures.kpi(k) for k in RANKED),
                           _points(figures.kpi("on_time_rate"), earlier.kpi("on_time_rate") if earlier else None)])
        mark = ""
        for limit in limits:
            value = figures.kpi(limit["kpi"])
            if value is None:
                continue
            if value < limit["red"]:
                mark = "red"
            elif value < limit["yellow"] and mark != "red":
                mark = "yellow"
        if mark:
            table.marks[str(place - 1)] = mark
    return table


def narrative(words: str, report: Report, before: Report | None) -> str:
    total = report.total
    parts = [f"{words}，共受理人才服务工单 {total['requests']} 件，办结 {total['closed']} 件"]
    for key in ("closure_rate", "on_time_rate", "satisfaction_rate"):
        label = next(k.label for k in KPIS if k.key == key)
        value = total.kpi(key)
        text = f"{label} {value:.2%}" if value is not None else f"{label} —"
        change = _points(value, before.total.kpi(key) if before else None)
        if change is not None:
            trend = "上升" if change > 0 else "下降"
            text += "，环比" + ("持平" if change == 0 else f"{trend} {abs(change) * 100:.2f} 个百分点")
        parts.append(text)
    parts.append(f"超期未办结 {total['overdue']} 件，重复来电 {total['repeat_calls']} 次")
    red = [row for row in report.by_unit if row.key is not None and row.figures["requests"]]
    limits = thresholds()
    flagged = sorted({row.name for row in red for limit in limits
                      if (v := row.figures.kpi(limit["kpi"])) is not None and v < limit["red"]})
    if flagged:
        parts.append(f"{'、'.join(flagged)}有指标低于红色警戒线，请重点督办")
    return "；".join(parts) + "。"


def build_periodic_report(service: ReportService, period: Period) -> PeriodicReport:
    """The 通报 of a period: for a closed month, the one frozen when it was closed."""
    db = service.desk.office.db
    frozen = closing.closed_month(db, period)
    if frozen:
        return restore(frozen[3])[0]
    return _live_report(service, period)[0]


def _live_report(service: ReportService, period: Period) -> tuple[PeriodicReport, Report]:
    db = service.desk.office.db
    report = service.figures(period)
    previous = closing.previous_month(period)
    before = service.figures(previous) if previous else None
    site = service.desk.directory.this_site()
    words = period_words(period)
    since = period.since.isoformat() if period.since else "最早"
    until = period.until.isoformat() if period.until else "今日"
    notes = [
        f"统计期：{words}（按受理日期 {since} 至 {until}），数据截至 {report.as_of.isoformat()}。",
        "已并单的工单不计入任何指标；各指标的定义见 docs/KPI.md。",
        "个人信息已脱敏：来电人只显示姓氏，电话只显示前三位和后四位，保密工单不显示内容。",
    ]
    if previous and before is not None and (frozen := closing.closed_month(db, previous)):
        _, totals = restore(frozen[3])
        changed = [f"{field_label(key)} {totals[key]} → {before.total[key]}"
                   for key in closing.WATCHED if totals[key] != before.total[key]]
        if changed:
            notes.append(f"更正说明：{period_words(previous)}通报关账后，该月数据有变动（{'，'.join(changed)}）；"
                         "已发布的通报不变，以此说明为准。")
    issue = closing.issue_number(db, period) if closing.month_of(period) else None
    header = [f"第 {issue} 期" if issue else "", words, f"印发日期：{day_words(report.as_of)}",
              f"印发单位：{site.name}"]
    result = PeriodicReport(
        title=f"{site.name}人才服务工作通报（{words}）",
        period=period,
        as_of=report.as_of,
        notes=notes,
        sheets=[
            ("汇总", [overall_table(report.total), ranking_table(report, before), unit_table(report),
                      township_table(report), measure_table(report)]),
            ("按专员", [specialist_table(report), operator_table(report)]),
            ("超期工单", [overdue_table(service, period)]),
            ("不满意回访", [unsatisfied_table(service, period)]),
        ],
        header=[line for line in header if line],
        narrative=narrative(words, report, before),
    )
    return result, report


def close_month(service: ReportService, period: Period, reason: str = "") -> PeriodicReport:
    """Close a month (supervisors): its 通报 is frozen as it reads now. Refused for a month not over yet,
    a period that is not a month, or a month already closed."""
    from dongwu_tui.domain.errors import ValidationFailed
    from dongwu_tui.domain.roles import Role
    desk = service.desk
    actor = desk.require(Role.SUPERVISOR, action="月度关账")
    closing.check_closable(period, service.today())
    db = desk.office.db
    if found := closing.closed_month(db, period):
        raise ValidationFailed(f"{period_words(period)}已于 {found[1][:10]} 关账，不能重复关账。")
    issue = closing.issue_number(db, period)
    report, figures = _live_report(service, period)
    at = desk.clock()
    with desk.office.write():
        db.execute_sql("INSERT INTO report_closed_month (period, issue_no, closed_at, closed_by, snapshot) "
                       "VALUES (?, ?, ?, ?, ?)", (period.label, issue, at.isoformat(), actor.id,
                                                  snapshot(report, figures.total)))
        desk.audit("report_month", period.label, "close", {"issue_no": issue}, reason)
    return report
