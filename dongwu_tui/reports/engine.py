"""Computing the figures: one grouped scan of the period's requests gives every count for every axis,
and a drill-down selects the rows behind any one figure with the very same condition.

The scan groups by (measure, township, specialist); measure, category, township, specialist and the
total are sums of those groups, since every figure is a count (or a sum of working days). Working days
are looked up in a per-connection temporary table of cumulative working-day numbers built from the
desk's calendar, so the average is computed in SQL with the statutory calendar (调休 included).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import NotFound, ValidationFailed
from dongwu_tui.domain.models import ServiceRequest
from dongwu_tui.reports.definitions import CLOSED, COUNT_FIELDS, KPIS, SUM_FIELDS, WORKED
from dongwu_tui.reports.period import Period
from dongwu_tui.storage.convert import request_from_row

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

AXES = ("measure", "category", "township", "specialist")
AXIS_LABELS = {"measure": "服务举措", "category": "举措类别", "township": "板块", "specialist": "专员", "all": "全部"}
NO_TOWNSHIP = "未分板块"
NO_SPECIALIST = "未派专员"
_WORKDAY_TABLE = "temp.kpi_workday"


class Figures(dict[str, int]):
    """The counts of one group (one row of a table); KPIs are ratios of them."""

    @classmethod
    def empty(cls) -> Figures:
        return cls({key: 0 for key in (*COUNT_FIELDS, *SUM_FIELDS)})

    def add(self, other: dict[str, int]) -> None:
        for key, value in other.items():
            self[key] = self.get(key, 0) + (value or 0)

    def kpi(self, key: str) -> float | None:
        """The KPI's value as a fraction (or working days for the mean); None when nothing to divide."""
        definition = next(k for k in KPIS if k.key == key)
        denominator = self[definition.denominator]
        if not denominator:
            return None
        return self[definition.numerator] / denominator

    def kpis(self) -> dict[str, float | None]:
        return {k.key: self.kpi(k.key) for k in KPIS}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a KPI table: which group (axis and key) and its figures."""

    axis: str
    key: Any
    name: str
    figures: Figures
    category: str | None = None  # the measure's category, for grouping the grid
    office: str | None = None  # the specialist's office


@dataclass
class Report:
    period: Period
    as_of: date
    total: Figures
    by_measure: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_township: list[Row] = field(default_factory=list)
    by_specialist: list[Row] = field(default_factory=list)

    def rows(self, axis: str) -> list[Row]:
        return {"measure": self.by_measure, "category": self.by_category, "township": self.by_township,
                "specialist": self.by_specialist}[axis]


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week_start: date
    opened: int
    closed: int
    on_time: int
    on_time_base: int

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.on_time_base if self.on_time_base else None


def _case(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


_WORKING_DAYS_SQL = (
    f"SUM(CASE WHEN {WORKED} AND {CLOSED} THEN "
    f"(SELECT w.n FROM {_WORKDAY_TABLE} w WHERE w.day = substr(r.resolved_at, 1, 10)) - "
    f"(SELECT w.n FROM {_WORKDAY_TABLE} w WHERE w.day = substr(COALESCE(r.signed_at, r.opened_at), 1, 10)) "
    "ELSE 0 END)"
)


class ReportService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # -- plumbing -------------------------------------------------------------------------------

    def today(self) -> date:
        return self.desk.clock().date()

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return self.desk.office.db.execute_sql(sql, list(params)).fetchall()

    def _where(self, period: Period) -> tuple[str, list[Any]]:
        where, params = "r.deleted = 0", []
        if period.since:
            where += " AND r.opened_at >= ?"
            params.append(period.since.isoformat())
        if period.until:
            where += " AND r.opened_at < ?"
            params.append((period.until + timedelta(days=1)).isoformat())
        return where, params

    def _condition(self, key: str, today: date) -> str:
        try:
            condition = COUNT_FIELDS[key].condition
        except KeyError:
            raise NotFound(f"没有名为「{key}」的统计项。") from None
        # A date we format ourselves, so inlining it is safe; it keeps one condition text for every use.
        return condition.replace(":today", f"'{today.isoformat()}'")

    def _ensure_workdays(self) -> None:
        """Cumulative working-day numbers per calendar day over every year the requests touch."""
        db = self.desk.office.db
        first, last = db.execute_sql(
            "SELECT MIN(opened_at), MAX(opened_at) FROM service_request WHERE deleted = 0").fetchone()
        today = self.today()
        first_year = int(first[:4]) if first else today.year
        last_year = max(int(last[:4]) if last else today.year, today.year) + 1
        db.execute_sql(f"CREATE TABLE IF NOT EXISTS {_WORKDAY_TABLE} (day TEXT PRIMARY KEY, n INTEGER NOT NULL)"
                       " WITHOUT ROWID")
        have = db.execute_sql(f"SELECT MIN(day), MAX(day) FROM {_WORKDAY_TABLE}").fetchone()
        if have[0] and have[0] <= f"{first_year}-01-01" and have[1] >= f"{last_year}-12-31":
            return
        calendar = self.desk.calendar
        day, end, n, rows = date(first_year, 1, 1), date(last_year, 12, 31), 0, []
        while day <= end:
            n += calendar.is_workday(day)
            rows.append((day.isoformat(), n))
            day += timedelta(days=1)
        with db.atomic():
            db.execute_sql(f"DELETE FROM {_WORKDAY_TABLE}")
            db.cursor().executemany(f"INSERT INTO {_WORKDAY_TABLE} (day, n) VALUES (?, ?)", rows)

    # -- the figures ----------------------------------------------------------------------------

    def figures(self, period: Period) -> Report:
        """Every count of the period for the total and per measure, category, township and specialist."""
        self._ensure_workdays()
        today = self.today()
        where, params = self._where(period)
        columns = ", ".join(_case(self._condition(key, today)) for key in COUNT_FIELDS)
        sql = (f"SELECT r.measure_number, r.township_code, r.assignee_id, {columns}, {_WORKING_DAYS_SQL} "
               f"FROM service_request r INDEXED BY request_report WHERE {where} GROUP BY 1, 2, 3")
        names = [*COUNT_FIELDS, *SUM_FIELDS]
        by_measure: dict[int, Figures] = defaultdict(Figures.empty)
        by_township: dict[str | None, Figures] = defaultdict(Figures.empty)
        by_specialist: dict[str | None, Figures] = defaultdict(Figures.empty)
        total = Figures.empty()
        for measure, township, assignee, *values in self._execute(sql, params):
            group = dict(zip(names, values, strict=True))
            by_measure[measure].add(group)
            by_township[township].add(group)
            by_specialist[assignee].add(group)
            total.add(group)
        return self._assemble(period, today, total, by_measure, by_township, by_specialist)

    def _assemble(self, period: Period, today: date, total: Figures, by_measure: dict[int, Figures],
                  by_township: dict[str | None, Figures], by_specialist: dict[str | None, Figures]) -> Report:
        directory = self.desk.directory
        report = Report(period, today, total)
        for number, measure in directory.measures.items():
            report.by_measure.append(Row("measure", number, measure.name, by_measure.get(number, Figures.empty()),
                                         category=measure.category_code))
        for category in directory.measure_categories:
            figures = Figures.empty()
            for row in report.by_measure:
                if row.category == category.code:
                    figures.add(row.figures)
            report.by_category.append(Row("category", category.code, category.name, figures))
        for code, township in directory.townships.items():
            report.by_township.append(Row("township", code, township.name, by_township.get(code, Figures.empty())))
        if None in by_township:
            report.by_township.append(Row("township", None, NO_TOWNSHIP, by_township[None]))
        specialists = []
        for staff_id, figures in by_specialist.items():
            if staff_id is None:
                continue
            staff = directory.staff(staff_id)
            specialists.append(Row("specialist", staff_id, staff.name, figures, office=staff.office_name))
        specialists.sort(key=lambda row: (-row.figures["requests"], row.name, row.key))
        if None in by_specialist:
            specialists.append(Row("specialist", None, NO_SPECIALIST, by_specialist[None]))
        report.by_specialist = specialists
        return report

    # -- drill-down -----------------------------------------------------------------------------

    def _axis_filter(self, axis: str, key: Any) -> tuple[str, list[Any]]:
        if axis == "all":
            return "", []
        column = {"measure": "r.measure_number", "township": "r.township_code", "specialist": "r.assignee_id"}
        if axis == "category":
            return " AND r.measure_number IN (SELECT number FROM measure WHERE category_code = ?)", [key]
        if axis not in column:
            raise ValidationFailed(f"未知的统计维度「{axis}」。")
        if key is None:
            return f" AND {column[axis]} IS NULL", []
        return f" AND {column[axis]} = ?", [key]

    def _drill_sql(self, period: Period, axis: str, key: Any, field_key: str) -> tuple[str, list[Any]]:
        where, params = self._where(period)
        axis_sql, axis_params = self._axis_filter(axis, key)
        return (f"FROM service_request r WHERE {where}{axis_sql} AND ({self._condition(field_key, self.today())})",
                params + axis_params)

    def drill_count(self, period: Period, axis: str, key: Any, field_key: str) -> int:
        sql, params = self._drill_sql(period, axis, key, field_key)
        return int(self._execute(f"SELECT COUNT(*) {sql}", params)[0][0])

    def drill(self, period: Period, axis: str, key: Any, field_key: str, *, limit: int | None = None,
              offset: int = 0, by_due: bool = False) -> list[ServiceRequest]:
        """The requests behind one figure, oldest first (or earliest due first); as many as the figure says."""
        sql, params = self._drill_sql(period, axis, key, field_key)
        page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit else ""
        order = "r.due_date, r.opened_at, r.id" if by_due else "r.opened_at, r.id"
        rows = self.desk.office.tables.RequestRow.raw(f"SELECT r.* {sql} ORDER BY {order}{page}", *params)
        return [request_from_row(row) for row in rows]

    # -- trends ---------------------------------------------------------------------------------

    def trends(self, period: Period) -> list[WeekPoint]:
        """Per week (Monday first) of the period: requests opened, requests closed (by the day they were
        resolved) and the on-time figures of the requests opened that week."""
        today = self.today()
        since = period.since or self._first_opened() or today
        until = min(period.until or today, max(today, since))
        start = since - timedelta(days=since.weekday())
        where, params = self._where(period)
        week = ("date(substr({col}, 1, 10), '-' || "
                "((CAST(strftime('%w', substr({col}, 1, 10)) AS INTEGER) + 6) % 7) || ' days')")
        opened_sql = (f"SELECT {week.format(col='r.opened_at')}, {_case(self._condition('requests', today))}, "
                      f"{_case(self._condition('on_time', today))}, {_case(self._condition('on_time_base', today))} "
                      f"FROM service_request r WHERE {where} GROUP BY 1")
        closed_sql = (f"SELECT {week.format(col='r.resolved_at')}, COUNT(*) FROM service_request r "
                      f"WHERE r.deleted = 0 AND {CLOSED} AND r.resolved_at >= ? AND r.resolved_at < ? GROUP BY 1")
        opened = {row[0]: row[1:] for row in self._execute(opened_sql, params)}
        closed = dict(self._execute(closed_sql, [since.isoformat(), (until + timedelta(days=1)).isoformat()]))
        points = []
        day = start
        while day <= until:
            key = day.isoformat()
            n_opened, on_time, base = opened.get(key, (0, 0, 0))
            points.append(WeekPoint(day, n_opened or 0, closed.get(key, 0), on_time or 0, base or 0))
            day += timedelta(days=7)
        return points

    def _first_opened(self) -> date | None:
        first = self._execute("SELECT MIN(opened_at) FROM service_request WHERE deleted = 0")[0][0]
        return date.fromisoformat(first[:10]) if first else None

    # -- supervision queues (current work, whatever the period) ---------------------------------

    def overdue(self, period: Period | None = None, limit: int | None = None) -> list[ServiceRequest]:
        return self.drill(period or Period(None, None, "全部"), "all", None, "overdue", limit=limit, by_due=True)

    def pending_extensions(self, limit: int | None = None) -> list[ServiceRequest]:
        return self.drill(Period(None, None, "全部"), "all", None, "extension_pending", limit=limit)

    def returned_waiting(self, limit: int | None = None) -> list[ServiceRequest]:
        return self.drill(Period(None, None, "全部"), "all", None, "returned_waiting", limit=limit)

    def unsatisfied(self, period: Period, limit: int | None = None) -> list[ServiceRequest]:
        return self.drill(period, "all", None, "reworked", limit=limit)
