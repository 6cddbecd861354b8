"""Computing the figures: one grouped scan of the period's report facts gives every count for every
axis, and a drill-down selects the rows behind any one figure with the very same condition.

The facts (`report_fact`, migration 0005, kept in step by triggers) pack every yes/no flag a condition
reads into one integer, `profile`, beside the status in a column of its own (migration 0011). A refresh
reads no per-request row except the few open requests past due:
- the period's whole months from `report_axis_month` (migration 0007: per month × axis × key × status ×
  profile, the number of requests and the sum of working days), the days of a month cut by the period
  from the facts (index range on `report_fact_opened`);
- how many of each group are past their due date today from the partial index `report_fact_open_due`
  (open requests only; the one figure that depends on today);
- the weekly trends from `report_week` (per opened week × status × profile), the days of a week cut by
  the period from `report_cube_day`, closures from `report_cube_resolved`.
Each condition of definitions.py is then evaluated once per (status, profile, past due or not) on the
decoded profile, in SQL, and the groups' counts are summed where it holds. Category and the total are sums of the
measure groups, since every figure is a count (or a sum of working days). Working days are stored per
fact from a table of cumulative working-day numbers written from the desk's calendar (调休 included) at
the end of every write (`Desk.derive`); the engine itself never writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import NotFound, ValidationFailed
from dongwu_tui.domain.models import CLOSED_STATUSES, ServiceRequest, statuses_sql
from dongwu_tui.reports.definitions import CLOSED, COUNT_FIELDS, KPIS, OPEN, SUM_FIELDS
from dongwu_tui.reports.facts import profile_columns
from dongwu_tui.reports.period import Period, month
from dongwu_tui.storage.convert import request_from_row

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk
    from dongwu_tui.services.views import PagedQuery

AXES = ("measure", "category", "township", "specialist", "unit", "operator")
# The requests behind a figure: their facts, and the request rows when the requests themselves are read.
FACTS = "FROM report_fact r"
REQUEST_JOIN = " JOIN service_request q ON q.id = r.request_id"
AXIS_LABELS = {"measure": "服务举措", "category": "举措类别", "township": "板块", "specialist": "专员",
               "unit": "承办单位", "operator": "话务员", "all": "全部"}
NO_TOWNSHIP = "未分板块"
NO_SPECIALIST = "未派专员"
NO_UNIT = "未派单"
# A request answered during the call counts for the hotline (the operator's desk), not for an office.
HOTLINE = "hotline"
HOTLINE_NAME = "服务热线（直接办结）"
# The handling unit of a request: the office that holds it (at its closing, for a closed request: only a
# return and a reassignment change the office, and neither applies to a closed request), the hotline for
# an answer given during the call, '' when not yet dispatched.
UNIT_KEY = f"CASE WHEN r.direct = 1 THEN '{HOTLINE}' ELSE coalesce(q.assignee_site_id, '') END"
# The requests that passed through more than one stage (a return or a 改派): their stage figures are read
# from their events, the others' from their row. Read from the index on the action (few rows).
MULTI_STAGE = ("(SELECT DISTINCT x.request_id FROM request_event x INDEXED BY request_event_report "
               "WHERE x.action IN ('reassign', 'return') AND x.deleted = 0)")


def _workday(day: str) -> str:
    """The working-day number of the day an SQL expression gives (report_workday)."""
    return f"(SELECT w.n FROM report_workday w WHERE w.day = {day})"


def _within_sign_limit(day: str, sign_due: str, dispatched: str, sign_limit: int) -> str:
    """SQL: whether `day` is within a signing stage's limit: the `sign_due` the dispatch stored, else
    `sign_limit` working days from the dispatch day (dispatches made before the sign limit was stored)."""
    return (f"(CASE WHEN {sign_due} IS NOT NULL THEN {day} <= {sign_due} "
            f"ELSE {_workday(day)} - {_workday(dispatched)} <= {int(sign_limit)} END)")


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
    by_unit: list[Row] = field(default_factory=list)
    by_operator: list[Row] = field(default_factory=list)
    # Counted from the facts alone (`figures(passes=False)`): no unit or operator rows, and the
    # EXTRA_FIELDS (and the KPIs over them) not counted yet.
    partial: bool = False

    def rows(self, axis: str) -> list[Row]:
        return {"measure": self.by_measure, "category": self.by_category, "township": self.by_township,
                "specialist": self.by_specialist, "unit": self.by_unit, "operator": self.by_operator}[axis]


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


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _case(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


# Past due (for the profile evaluation): a due date before any day, or after any day.
_PAST, _NOT_PAST = "'0000-00-00'", "'9999-99-99'"
# A group of facts alike for every condition: (status, profile), the status and the yes/no flags.
Profile = tuple[str, int]


def kpi_limits() -> dict[str, int]:
    """The sign, visit and repeat-call limits of data/kpi.toml."""
    from dongwu_tui.storage.catalogue import read_data_file

    data = read_data_file("kpi.toml")
    return {key: int(data[key]) for key in ("sign_limit_days", "visit_limit_days", "repeat_window_days")}


class ReportService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # -- plumbing -------------------------------------------------------------------------------

    def today(self) -> date:
        return self.desk.clock().date()

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return self.desk.office.db.execute_sql(sql, list(params)).fetchall()

    def _where(self, period: Period) -> tuple[str, list[Any]]:
        where, params = "1", []
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

    def _matrix(self, profiles: Iterable[Profile], today: date,
                keys: list[str]) -> dict[tuple[Profile, int], list[int]]:
        """Each condition (in `keys` order) evaluated on each (status, profile), past due (1) or not (0)."""
        profiles = sorted(set(profiles))
        if not profiles:
            return {}
        decoded = ", ".join(f"{sql} AS {name}" for name, sql in profile_columns("p.profile").items())
        conditions = ", ".join(f"CASE WHEN {self._condition(key, today)} THEN 1 ELSE 0 END" for key in keys)
        values = ", ".join("(?, ?)" for _ in profiles)
        sql = (f"WITH p(status, profile) AS (VALUES {values}), "
               f"d AS (SELECT p.status, p.profile, {decoded} FROM p), "
               f"r AS (SELECT d.*, 1 AS past, {_PAST} AS due_date FROM d "
               f"UNION ALL SELECT d.*, 0, {_NOT_PAST} FROM d) "
               f"SELECT r.status, r.profile, r.past, {conditions} FROM r")
        params = [value for profile in profiles for value in profile]
        return {((row[0], row[1]), row[2]): list(row[3:]) for row in self._execute(sql, params)}

    # -- the figures ----------------------------------------------------------------------------

    def _has_facts(self, first: date, after: date) -> bool:
        """Whether any request was opened from `first` to the day before `after` (one index probe)."""
        return self._execute("SELECT 1 FROM report_fact WHERE opened_at >= ? AND opened_at < ? LIMIT 1",
                             [first.isoformat(), after.isoformat()]) != []

    def _month_split(self, period: Period) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
        """The period as whole months (for report_axis_month: first and last 'YYYY-MM', or None) and the
        rest: the days of partial months at either end, as [first, after) ranges for report_fact.

        An end that cuts a month where no request was opened on the far side of the cut (this month up
        to today, say) counts as the whole month: the same requests, read from the aggregate."""
        since, until = period.since, period.until
        if since is not None and since.day != 1 and not self._has_facts(since.replace(day=1), since):
            since = since.replace(day=1)
        after = None if until is None else (until + timedelta(days=1))
        if after is not None and after.day != 1 and not self._has_facts(after, _next_month(after)):
            after = _next_month(after)
        first = since if since is None or since.day == 1 else _next_month(since)
        end = after if after is None or after.day == 1 else after.replace(day=1)  # first day after whole months
        if first is not None and end is not None and first >= end:
            assert since is not None and after is not None
            return None, [(since.isoformat(), after.isoformat())]
        months = ("0000-00" if first is None else first.isoformat()[:7],
                  "9999-99" if end is None else (end - timedelta(days=1)).isoformat()[:7])
        rest = []
        if since is not None and first is not None and first != since:
            rest.append((since.isoformat(), first.isoformat()))
        if after is not None and end is not None and end != after:
            rest.append((end.isoformat(), after.isoformat()))
        return months, rest

    def _past_due(self, period: Period, today: date, columns: str) -> list[tuple[Any, ...]]:
        """The open requests of the period past their due date today, counted per `columns` (of
        report_fact r): an index range over the open requests only (report_fact_open_due, migration 0007)."""
        where, params = self._where(period)
        return self._execute(f"SELECT {columns}, COUNT(*) FROM report_fact r INDEXED BY report_fact_open_due "
                             f"WHERE {OPEN} AND r.due_date < ? AND {where} GROUP BY {columns}",
                             [today.isoformat(), *params])

    def figures(self, period: Period, *, passes: bool = True) -> Report:
        """Every count of the period for the total and per measure, category, township and specialist.

        `passes`: also the figures counted per request and per call (`_request_pass`): per handling unit and
        operator, and the EXTRA_FIELDS on every axis. Those read every request and call of the period, so
        the dashboard asks without them first (its grid then comes from the monthly facts alone) and with
        them after; such a report says `partial`."""
        today = self.today()
        months, rest = self._month_split(period)
        parts: list[str] = []
        params: list[str] = []
        facts = ""
        if months:
            parts.append("SELECT axis, key, status, profile, n, wd FROM report_axis_month "
                         "WHERE month >= ? AND month <= ?")
            params += months
        if rest:
            # Days of partial months: the facts themselves, grouped once, then counted once per axis.
            # One index range per end (an OR of the two would make SQLite merge them through a temp B-tree).
            facts = "WITH g AS MATERIALIZED (" + " UNION ALL ".join(
                "SELECT r.measure_number AS m, coalesce(r.township_code, '') AS t, coalesce(r.assignee_id, '') AS a, "
                "r.status AS s, r.profile AS p, COUNT(*) AS n, coalesce(SUM(r.working_days), 0) AS wd "
                "FROM report_fact r INDEXED BY report_fact_opened WHERE r.opened_at >= ? AND r.opened_at < ? "
                "GROUP BY 1, 2, 3, 4, 5" for _ in rest) + ") "
            params = [day for pair in rest for day in pair] + params
            parts += [f"SELECT {axis} AS axis, {column} AS key, s AS status, p AS profile, n, wd FROM g"
                      for axis, column in enumerate("mta")]
        sql = (f"{facts}SELECT axis, key, status, profile, SUM(n), SUM(wd) FROM ({' UNION ALL '.join(parts)}) "
               "GROUP BY 1, 2, 3, 4")
        rows = [(axis, key, (status, profile), n, wd)
                for axis, key, status, profile, n, wd in self._execute(sql, params)]
        past: dict[tuple[int, Any, Profile], int] = defaultdict(int)
        for measure, township, assignee, status, flags, n in self._past_due(
                period, today, "r.measure_number, coalesce(r.township_code, ''), coalesce(r.assignee_id, ''), "
                               "r.status, r.profile"):
            profile = (status, flags)
            past[(0, measure, profile)] += n
            past[(1, township, profile)] += n
            past[(2, assignee, profile)] += n
        keys = list(COUNT_FIELDS)
        matrix = self._matrix((row[2] for row in rows), today, keys)
        worked_closed = keys.index("worked_closed")
        # Per profile, the conditions that hold when not past due: most groups have nothing past due.
        holds = {profile: [name for name, no in zip(keys, values, strict=True) if no]
                 for (profile, is_past), values in matrix.items() if not is_past}
        groups: tuple[dict[Any, Figures], ...] = (defaultdict(Figures.empty), defaultdict(Figures.empty),
                                                  defaultdict(Figures.empty))
        for axis, key, profile, n, wd in rows:
            n_past = past.get((axis, key, profile), 0)
            figures = groups[axis][None if axis and key == "" else key]
            if n_past:
                for name, yes, no in zip(keys, matrix[(profile, 1)], matrix[(profile, 0)], strict=True):
                    figures[name] += yes * n_past + no * (n - n_past)
            else:
                for name in holds[profile]:
                    figures[name] += n
            if wd and matrix[(profile, 0)][worked_closed]:
                figures["working_days"] += wd
        by_measure, by_township, by_specialist = groups
        if passes:
            by_unit, by_operator = self._request_pass(period, today, groups)
        total = Figures.empty()
        for figures in by_measure.values():
            total.add(figures)
        report = self._assemble(period, today, total, by_measure, by_township, by_specialist)
        if passes:
            self._assemble_units(report, by_unit, by_operator)
        report.partial = not passes
        return report

    # -- figures counted per request: handling unit, operator, and the figures not held as flags ----

    def _request_pass(self, period: Period, today: date, groups: tuple[dict[Any, Figures], ...],
                      ) -> tuple[dict[Any, Figures], dict[Any, Figures]]:
        """Every count per handling unit and per operator, and the EXTRA_FIELDS on every axis, from the
        period's facts joined to their request rows (one pass, grouped) and from the period's calls."""
        limits = kpi_limits()
        where, params = self._where(period)
        worked = "r.status <> 'merged' AND r.direct = 0"
        # A request never returned nor reassigned had one signing stage, the one its row describes (the
        # others: _stage_pass); unsigned, the unit holds it still (only a return or a 改派 takes it away).
        single = f"q.dispatched_at IS NOT NULL AND r.request_id NOT IN {MULTI_STAGE}"
        day = f"'{today.isoformat()}'"  # a date we format ourselves: safe to inline
        sign_limit = int(limits["sign_limit_days"])

        def sign_in_time(d: str) -> str:
            return _within_sign_limit(d, "q.sign_due_date", "substr(q.dispatched_at, 1, 10)", sign_limit)

        visit_days = f"({_workday('substr(q.visited_at, 1, 10)')} - {_workday('substr(q.resolved_at, 1, 10)')})"
        sql = f"""SELECT r.measure_number, coalesce(r.township_code, ''), coalesce(r.assignee_id, ''), {UNIT_KEY},
                q.opened_by_id, r.status, r.profile, COUNT(*), coalesce(SUM(r.working_days), 0),
                SUM({OPEN} AND r.due_date < ?),
                SUM({worked} AND {single} AND (q.signed_at IS NOT NULL
                                               OR (r.status = 'dispatched' AND NOT {sign_in_time(day)}))),
                SUM({worked} AND {single} AND q.signed_at IS NOT NULL
                    AND {sign_in_time('substr(q.signed_at, 1, 10)')}),
                SUM({worked} AND r.visited = 1 AND q.resolved_at IS NOT NULL AND {visit_days} <= ?),
                coalesce(SUM(ev.basic), 0), coalesce(SUM(ev.refused), 0), coalesce(SUM(ev.chased), 0),
                coalesce(SUM(ev.supervised), 0)
            FROM report_fact r JOIN service_request q ON q.id = r.request_id
            LEFT JOIN (SELECT e.request_id,
                    MAX(e.action = 'visit' AND json_extract(e.detail, '$.result') = 'basically_satisfied') AS basic,
                    SUM(e.action = 'reject-return') AS refused, SUM(e.action = 'chase') AS chased,
                    SUM(e.action = 'supervise') AS supervised
                FROM request_event e WHERE e.deleted = 0
                  AND e.action IN ('visit', 'reject-return', 'chase', 'supervise')
                  AND e.request_id IN (SELECT r.request_id FROM report_fact r WHERE {where})
                GROUP BY e.request_id) ev ON ev.request_id = r.request_id
            WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7"""
        rows = self._execute(sql, [today.isoformat(), limits["visit_limit_days"], *params, *params])
        keys = list(COUNT_FIELDS)
        matrix = self._matrix(((row[5], row[6]) for row in rows), today, keys)
        worked_closed = keys.index("worked_closed")
        holds: dict[Profile, list[str]] = {}
        by_unit: dict[Any, Figures] = defaultdict(Figures.empty)
        by_operator: dict[Any, Figures] = defaultdict(Figures.empty)
        extras = ("sign_base", "sign_on_time", "visit_on_time", "basically_satisfied", "return_refused",
                  "chased", "supervised")
        for (measure, township, assignee, unit, operator, status, flags, n, wd_sum, n_past,
             *extra) in rows:
            profile = (status, flags)
            if profile not in holds:  # the conditions that hold when not past due: most rows have none past
                holds[profile] = [name for name, no in zip(keys, matrix[(profile, 0)], strict=True) if no]
            for figures in (by_unit[unit or None], by_operator[operator]):
                if n_past:
                    for name, yes, no in zip(keys, matrix[(profile, 1)], matrix[(profile, 0)], strict=True):
                        figures[name] += yes * n_past + no * (n - n_past)
                else:
                    for name in holds[profile]:
                        figures[name] += n
                if wd_sum and matrix[(profile, 0)][worked_closed]:
                    figures["working_days"] += wd_sum
            for figures in (by_unit[unit or None], by_operator[operator], groups[0][measure],
                            groups[1][township or None], groups[2][assignee or None]):
                for name, value in zip(extras, extra, strict=True):
                    figures[name] += value or 0
        # The unit at the return stage: a return counts for the office of the staff who made it, whichever
        # unit holds the request since (a reassignment moves the request, not the return); for the
        # specialist who made it, and for the request's measure, 板块 and operator, so every axis adds up.
        for measure, township, specialist, office, operator, n in self._execute(
                f"SELECT r.measure_number, coalesce(r.township_code, ''), "
                f"CASE WHEN s.role = 'specialist' THEN s.id ELSE '' END, s.office_id, q.opened_by_id, COUNT(*) "
                f"FROM request_event e JOIN staff s ON s.id = e.actor_id "
                f"JOIN report_fact r ON r.request_id = e.request_id JOIN service_request q ON q.id = e.request_id "
                f"WHERE e.deleted = 0 AND e.action = 'return' "
                f"AND r.status <> 'merged' AND r.direct = 0 AND {where} GROUP BY 1, 2, 3, 4, 5", params):
            for figures in (groups[0][measure], groups[1][township or None], groups[2][specialist or None],
                            by_unit[office], by_operator[operator]):
                figures["returns_made"] += n
        self._stage_pass(period, today, limits["sign_limit_days"], groups, by_unit, by_operator)
        self._call_pass(period, limits["repeat_window_days"], groups, by_unit, by_operator)
        return by_unit, by_operator

    def _stage_pass(self, period: Period, today: date, sign_limit: int, groups: tuple[dict[Any, Figures], ...],
                    by_unit: dict[Any, Figures], by_operator: dict[Any, Figures]) -> None:
        """The figures of each handling unit's stage, charged to the unit (and the specialist) that held the
        request then: 应签收 / 按时签收 per dispatch and 超期转出 (docs/KPI.md, "Stages").

        Here the requests returned or reassigned at least once (MULTI_STAGE); the others had a single
        stage, counted by _request_pass from their row by the same rule.

        A stage is a `dispatch` or `reassign` event of a worked request of the period, to the unit in its
        detail (`to_site_id`), up to the next such event. In it: the first `sign` (the unit signed it), the
        latest `return` and `reject-return` (the unit let it go by a return unless a supervisor sent that
        return back). The unit left the request at its return, else at the next dispatch (改派), else it
        holds it still. Signed on time: the sign day is no later than the dispatch's `sign_due` (stored
        by the move; else `sign_limit` working days from the dispatch day). Unsigned: in the base once the
        unit held it unsigned past that limit (left it later, or holds it still past it), late. 超期转出:
        signed, left (a 改派 to the same unit keeps it there), and the day it left is after the due date it
        was left with (the return's `due`, else the latest due a move recorded before; the 改派's `due`,
        none when it restarted the clock: the first dispatch was ruled wrong)."""
        where, params = self._where(period)
        day = f"'{today.isoformat()}'"  # a date we format ourselves: safe to inline

        def sign_in_time(d: str) -> str:  # whether day `d` is within the stage's signing limit
            return _within_sign_limit(d, "t.sign_due", "substr(t.at, 1, 10)", sign_limit)

        due_before = ("(SELECT coalesce(json_extract(y.detail, '$.new_due'), json_extract(y.detail, '$.due')) "
                      "FROM request_event y WHERE y.request_id = t.request_id AND y.deleted = 0 "
                      "AND y.at < t.returned_at AND y.action IN ('dispatch', 'reassign', 'approve-extension', "
                      "'recount-due', 'chase', 'supervise', 'return') "
                      "AND coalesce(json_extract(y.detail, '$.new_due'), json_extract(y.detail, '$.due')) IS NOT NULL "
                      "ORDER BY y.at DESC, y.id DESC LIMIT 1)")
        sql = f"""WITH s AS (
                SELECT e.id, e.request_id, e.at, json_extract(e.detail, '$.to_site_id') AS unit,
                    json_extract(e.detail, '$.to_staff_id') AS staff, json_extract(e.detail, '$.sign_due') AS sign_due,
                    LEAD(e.at) OVER w AS next_at, LEAD(json_extract(e.detail, '$.to_site_id')) OVER w AS next_unit,
                    LEAD(json_extract(e.detail, '$.due')) OVER w AS next_due,
                    LEAD(coalesce(json_extract(e.detail, '$.clock_restarted'), 0)) OVER w AS next_restart
                FROM {MULTI_STAGE} m JOIN report_fact r ON r.request_id = m.request_id
                JOIN request_event e INDEXED BY request_event_request ON e.request_id = m.request_id
                WHERE e.deleted = 0 AND e.action IN ('dispatch', 'reassign')
                  AND r.status <> 'merged' AND r.direct = 0 AND {where}
                WINDOW w AS (PARTITION BY e.request_id ORDER BY e.at, e.id)),
            g AS (
                SELECT s.*, MIN(CASE WHEN x.action = 'sign' THEN x.at || '|' || x.actor_id END) AS sign,
                    MAX(CASE WHEN x.action = 'return' THEN x.at END) AS returned_at,
                    MAX(CASE WHEN x.action = 'return' THEN x.at || '|' || coalesce(json_extract(x.detail, '$.due'), '')
                        END) AS returned,
                    MAX(CASE WHEN x.action = 'reject-return' THEN x.at END) AS rejected_at
                FROM s LEFT JOIN request_event x ON x.request_id = s.request_id AND x.deleted = 0
                    AND x.action IN ('sign', 'return', 'reject-return')
                    AND x.at >= s.at AND (s.next_at IS NULL OR x.at < s.next_at)
                GROUP BY s.id),
            t AS (
                SELECT g.*, substr(g.sign, 1, instr(g.sign, '|') - 1) AS signed_at,
                    substr(g.sign, instr(g.sign, '|') + 1) AS signer,
                    g.returned_at IS NOT NULL AND (g.rejected_at IS NULL OR g.rejected_at < g.returned_at) AS by_return
                FROM g),
            u AS (
                SELECT t.*, CASE WHEN t.by_return THEN t.returned_at ELSE t.next_at END AS left_at,
                    CASE WHEN t.by_return THEN coalesce(nullif(substr(t.returned, instr(t.returned, '|') + 1), ''),
                                                        {due_before})
                         WHEN t.next_restart THEN NULL ELSE t.next_due END AS left_due
                FROM t)
            SELECT r.measure_number, coalesce(r.township_code, ''), coalesce(t.signer, t.staff, ''),
                coalesce(t.unit, ''), q.opened_by_id,
                SUM(CASE WHEN t.sign IS NOT NULL THEN 1
                         ELSE NOT {sign_in_time(f"coalesce(substr(t.left_at, 1, 10), {day})")} END),
                SUM(t.sign IS NOT NULL AND {sign_in_time("substr(t.signed_at, 1, 10)")}),
                SUM(t.sign IS NOT NULL AND t.left_at IS NOT NULL AND (t.by_return OR t.next_unit IS NOT t.unit)
                    AND substr(t.left_at, 1, 10) > t.left_due)
            FROM u t JOIN report_fact r ON r.request_id = t.request_id JOIN service_request q ON q.id = t.request_id
            GROUP BY 1, 2, 3, 4, 5"""
        for measure, township, staff, unit, operator, base, on_time, left in self._execute(
                sql, params):
            for figures in (groups[0][measure], groups[1][township or None], groups[2][staff or None],
                            by_unit[unit or None], by_operator[operator]):
                figures["sign_base"] += base or 0
                figures["sign_on_time"] += on_time or 0
                figures["overdue_left"] += left or 0

    def _call_pass(self, period: Period, window: int, groups: tuple[dict[Any, Figures], ...],
                   by_unit: dict[Any, Figures], by_operator: dict[Any, Figures]) -> None:
        """重复来电率 per call: the period's calls (by the call's day) about a measure, and the repeats among
        them: a call attached to an open request, a call whose request was merged into another (the same
        matter asked again), or a call on the same phone and measure within `window` days after a request
        on it was closed. A repeat counts for the unit that held the earlier request."""
        where, params = "1", []
        if period.since:
            where += " AND c.at >= ?"
            params.append(period.since.isoformat())
        if period.until:
            where += " AND c.at < ?"
            params.append((period.until + timedelta(days=1)).isoformat())
        closed = statuses_sql(CLOSED_STATUSES)
        earlier = (f"SELECT p.id FROM service_request p WHERE p.deleted = 0 AND p.phone = c.phone "
                   f"AND p.measure_number = c.measure_number AND p.status IN ({closed}) "
                   f"AND p.id IS NOT coalesce(c.request_id, '') AND p.resolved_at <= c.at "
                   f"AND c.at < datetime(p.resolved_at, '+{int(window)} days') ORDER BY p.resolved_at DESC LIMIT 1")
        sql = f"""WITH c AS MATERIALIZED (SELECT c.measure_number, c.operator_id, c.talent_id, c.request_id, c.outcome,
                    ({earlier}) AS earlier_id
                FROM call c WHERE c.deleted = 0 AND c.measure_number IS NOT NULL AND {where})
            SELECT c.measure_number, coalesce(t.township_code, q.township_code, ''), coalesce(q.assignee_id, ''),
                CASE WHEN q.direct = 1 THEN '{HOTLINE}' ELSE coalesce(q.assignee_site_id, '') END, c.operator_id,
                COUNT(*), SUM(c.outcome = 'attached' OR coalesce(o.status = 'merged', 0) OR c.earlier_id IS NOT NULL)
            FROM c LEFT JOIN service_request o ON o.id = c.request_id
            LEFT JOIN service_request q ON q.id = coalesce(c.earlier_id, c.request_id)
            LEFT JOIN talent t ON t.id = c.talent_id
            GROUP BY 1, 2, 3, 4, 5"""
        for measure, township, assignee, unit, operator, n, repeats in self._execute(sql, params):
            for figures in (groups[0][measure], groups[1][township or None], groups[2][assignee or None],
                            by_unit[unit or None], by_operator[operator]):
                figures["calls"] += n
                figures["repeat_calls"] += repeats or 0

    def _assemble_units(self, report: Report, by_unit: dict[Any, Figures], by_operator: dict[Any, Figures]) -> None:
        sites = {site.id: site for site in self.desk.directory.sites()}
        units = []
        for key, figures in by_unit.items():
            if key is None or key == HOTLINE:
                continue
            site = sites.get(key)
            units.append(Row("unit", key, site.name if site else key, figures,
                             office=site.kind.label if site else None))
        units.sort(key=lambda row: (-row.figures["requests"], row.name, row.key))
        if HOTLINE in by_unit:
            units.insert(0, Row("unit", HOTLINE, HOTLINE_NAME, by_unit[HOTLINE]))
        if None in by_unit:
            units.append(Row("unit", None, NO_UNIT, by_unit[None]))
        report.by_unit = units
        operators = []
        for staff_id, figures in by_operator.items():
            staff = self.desk.directory.staff(staff_id)
            operators.append(Row("operator", staff_id, staff.name, figures, office=staff.office_name))
        operators.sort(key=lambda row: (-row.figures["requests"], row.name, row.key))
        report.by_operator = operators

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
            if township.retired and code not in by_township:
                continue  # merged away, and no request of the period names it
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
        if axis == "unit":
            if key == HOTLINE:
                return " AND r.direct = 1", []
            unit = "coalesce(q.assignee_site_id, '')"
            return (f" AND r.direct = 0 AND r.request_id IN (SELECT q.id FROM service_request q WHERE {unit} = ?)",
                    [key or ""])
        if axis == "operator":
            return " AND r.request_id IN (SELECT q.id FROM service_request q WHERE q.opened_by_id = ?)", [key]
        if axis == "category":
            return " AND r.measure_number IN (SELECT number FROM measure WHERE category_code = ?)", [key]
        if axis not in column:
            raise ValidationFailed(f"未知的统计维度「{axis}」。")
        if key is None:
            return f" AND {column[axis]} IS NULL", []
        return f" AND {column[axis]} = ?", [key]

    def _drill_parts(self, period: Period, axis: str, key: Any, field_key: str,
                     join: bool = True) -> tuple[str, str, list[Any]]:
        """FROM, WHERE (without the keyword) and parameters of the requests behind one figure."""
        where, params = self._where(period)
        axis_sql, axis_params = self._axis_filter(axis, key)
        return (FACTS + (REQUEST_JOIN if join else ""),
                f"{where}{axis_sql} AND ({self._condition(field_key, self.today())})", params + axis_params)

    def _drill_sql(self, period: Period, axis: str, key: Any, field_key: str,
                   join: bool = True) -> tuple[str, list[Any]]:
        source, where, params = self._drill_parts(period, axis, key, field_key, join)
        return f"{source} WHERE {where}", params

    def drill_query(self, period: Period, axis: str, key: Any, field_key: str, *, by_due: bool = False,
                    convert: Callable[[ServiceRequest, tuple[Any, ...]], Any] = lambda request, _key: request,
                    ) -> PagedQuery:
        """The requests behind one figure as a list over the database (views.PagedQuery: counted, paged by
        key, never loaded whole), in `drill`'s order. Each row comes out as `convert(request, sort key)`."""
        source, where, params = self._drill_parts(period, axis, key, field_key)
        columns = [f.column_name for f in self.desk.office.tables.RequestRow._meta.sorted_fields]

        def to_line(row: tuple[Any, ...]) -> Any:
            return convert(request_from_row(SimpleNamespace(**dict(zip(columns, row[:-1], strict=True)))), row[-1])

        order = ["q.due_date", "q.opened_at", "q.id"] if by_due else ["q.opened_at", "q.id"]
        # Counted without the request rows, as drill_count does: each fact is one live request.
        return self.desk.views.query(", ".join(f"q.{c}" for c in columns), source, [where], params, order, False,
                                     to_line, alias="q", count_source=FACTS)

    def drill_count(self, period: Period, axis: str, key: Any, field_key: str) -> int:
        # Counting needs no request row: each fact is one live request (its primary key is the request's id).
        sql, params = self._drill_sql(period, axis, key, field_key, join=False)
        return int(self._execute(f"SELECT COUNT(*) {sql}", params)[0][0])

    def drill(self, period: Period, axis: str, key: Any, field_key: str, *, limit: int | None = None,
              offset: int = 0, by_due: bool = False) -> list[ServiceRequest]:
        """The requests behind one figure, oldest first (or earliest due first); as many as the figure says."""
        sql, params = self._drill_sql(period, axis, key, field_key)
        page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit else ""
        order = "q.due_date, q.opened_at, q.id" if by_due else "q.opened_at, q.id"
        rows = self.desk.office.tables.RequestRow.raw(f"SELECT q.* {sql} ORDER BY {order}{page}", *params)
        return [request_from_row(row) for row in rows]

    # -- trends ---------------------------------------------------------------------------------

    def trends(self, period: Period) -> list[WeekPoint]:
        """Per week (Monday first) of the period: requests opened, requests closed (by the day they were
        resolved) and the on-time figures of the requests opened that week."""
        today = self.today()
        since = period.since or self._first_opened() or today
        until = min(period.until or today, max(today, since))
        start = since - timedelta(days=since.weekday())
        # Weeks wholly inside the period come from report_week; the days of a week cut by either end of
        # the period from report_cube_day.
        first_whole = start if start == since else start + timedelta(days=7)
        last_whole = until - timedelta(days=until.weekday()) - (timedelta(0) if until.weekday() == 6
                                                                  else timedelta(days=7))
        opened_n: dict[tuple[str, Profile], int] = defaultdict(int)
        if first_whole <= last_whole:
            for week, status, profile, n in self._execute(
                    "SELECT week, status, profile, n FROM report_week WHERE week >= ? AND week <= ?",
                    [first_whole.isoformat(), last_whole.isoformat()]):
                opened_n[(week, (status, profile))] += n
            cut = [(since, first_whole - timedelta(days=1)), (last_whole + timedelta(days=7), until)]
        else:
            cut = [(since, until)]
        edges = [(a.isoformat(), b.isoformat()) for a, b in cut if a <= b]
        if edges:
            days = " OR ".join("(day >= ? AND day <= ?)" for _ in edges)
            for day, status, profile, n in self._execute(
                    f"SELECT day, status, profile, SUM(n) FROM report_cube_day WHERE {days} GROUP BY 1, 2, 3",
                    [d for pair in edges for d in pair]):
                d = date.fromisoformat(day)
                opened_n[((d - timedelta(days=d.weekday())).isoformat(), (status, profile))] += n
        cohort = Period(since, until, period.label)
        past = {(week, (status, profile)): n for week, status, profile, n
                in self._past_due(cohort, today, "r.opened_week, r.status, r.profile")}
        keys = ["requests", "on_time", "on_time_base"]
        matrix = self._matrix((profile for _, profile in opened_n), today, keys)
        opened: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for (week, profile), n in opened_n.items():
            n_past = past.get((week, profile), 0)
            counts = opened[week]
            for i, (yes, no) in enumerate(zip(matrix[(profile, 1)], matrix[(profile, 0)], strict=True)):
                counts[i] += yes * n_past + no * (n - n_past)
        closed_sql = (f"SELECT r.day, SUM(r.n) FROM report_cube_resolved r "
                      f"WHERE r.day >= ? AND r.day <= ? AND {CLOSED} GROUP BY 1")
        closed: dict[str, int] = defaultdict(int)
        for day, n in self._execute(closed_sql, [since.isoformat(), until.isoformat()]):
            d = date.fromisoformat(day)
            closed[(d - timedelta(days=d.weekday())).isoformat()] += n
        points = []
        day = start
        while day <= until:
            key = day.isoformat()
            n_opened, on_time, base = opened.get(key, (0, 0, 0))
            points.append(WeekPoint(day, n_opened, closed.get(key, 0), on_time, base))
            day += timedelta(days=7)
        return points

    def latest_month_with_requests(self) -> Period | None:
        """The latest month up to today in which a request was opened (None in an empty office)."""
        after = self.today() + timedelta(days=1)
        last = self._execute("SELECT MAX(opened_at) FROM report_fact WHERE opened_at < ?", [after.isoformat()])[0][0]
        if not last:
            return None
        day = date.fromisoformat(last[:10])
        return month(day.year, day.month)

    def _first_opened(self) -> date | None:
        first = self._execute("SELECT MIN(opened_at) FROM report_fact")[0][0]
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
