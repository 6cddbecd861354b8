"""The KPI definitions in code: every count is one SQL condition on a request's report facts, and
every KPI is one count over another (docs/KPI.md says the same in words, with the edge cases).

A figure and the list behind it come from the same condition: the grid and the KPI tables sum it,
the drill-down selects the rows where it holds. That is what makes a list's length equal its cell.

Conditions are evaluated on `report_fact r` (migration 0005: one row per live request, kept in step by
triggers) restricted to the period's cohort (requests opened in the period). The fact columns are the
request's own (`status`, `direct`, `due_date`, `satisfied`) or facts derived from it and its events:
`visited` (visited_at set), `reworked` (an unsatisfied return visit: event `visit` → in_progress),
`returned_once` (a `return` event), `extension_approved` (an `approve-extension` event), `repeated`
(a `repeat-call` or `merged-in` event), `extension_pending` (extension_days set), `resolved_by_due` /
`resolved_after_due` (the day of resolved_at ≤ / > due_date). `:today` is the desk's day: a request is
overdue from the day after its due date.
"""

from __future__ import annotations

from dataclasses import dataclass

from dongwu_tui.domain.lifecycle import Move, event_label
from dongwu_tui.domain.models import CLOSED_LABEL, CLOSED_STATUSES, OPEN_LABEL, OPEN_STATUSES, Status, statuses_sql


def _in(statuses: frozenset[Status]) -> str:
    return f"({statuses_sql(statuses)})"


CLOSED = f"r.status IN {_in(CLOSED_STATUSES)}"
OPEN = f"r.status IN {_in(OPEN_STATUSES)}"
COUNTED = "r.status <> 'merged'"
WORKED = f"{COUNTED} AND r.direct = 0"


RETURNED_ONCE = "r.returned_once = 1"
EXTENSION_APPROVED = "r.extension_approved = 1"
REPEATED = "r.repeated = 1"
# An unsatisfied return visit sends the request back to work (event `visit` with to_status in_progress).
REWORKED = "r.reworked = 1"
EXTENSION_PENDING = "r.extension_pending = 1"
VISITED = "r.visited = 1"


@dataclass(frozen=True, slots=True)
class CountField:
    key: str
    label: str
    condition: str


_STATUS_ORDER = (
    Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED,
    Status.RESOLVED, Status.VISITED, Status.ARCHIVED,
)
# The grid's columns, in the order a request usually walks them; merged is shown apart, outside the total.
GRID_STATUSES: tuple[Status, ...] = _STATUS_ORDER

COUNT_FIELDS: dict[str, CountField] = {
    field.key: field
    for field in [
        *(CountField(f"status_{s.value}", s.label, f"r.status = '{s.value}'") for s in (*_STATUS_ORDER, Status.MERGED)),
        CountField("requests", "受理工单", COUNTED),
        CountField("merged", Status.MERGED.label, "r.status = 'merged'"),
        CountField("direct", Move.ANSWER.label, f"{COUNTED} AND r.direct = 1"),
        CountField("closed", CLOSED_LABEL, CLOSED),
        CountField("open", OPEN_LABEL, OPEN),
        CountField("overdue", "超期未办结", f"{OPEN} AND r.due_date < :today"),
        CountField("worked_closed", "派单已办结", f"{WORKED} AND {CLOSED}"),
        CountField("on_time", "按时办结", f"{WORKED} AND {CLOSED} AND r.resolved_by_due = 1"),
        CountField("late_closed", "超时办结", f"{WORKED} AND {CLOSED} AND r.resolved_after_due = 1"),
        CountField("on_time_base", "应按时办结",
                   f"{WORKED} AND ({CLOSED} OR ({OPEN} AND r.due_date < :today))"),
        CountField("visit_base", "应回访", f"{WORKED} AND ({CLOSED} OR {VISITED})"),
        CountField("visited", Status.VISITED.label, f"{WORKED} AND {VISITED}"),
        # Satisfied means every return visit was satisfied: a talent once dissatisfied stays counted so,
        # even after the request is reworked and a second visit is satisfied.
        CountField("satisfied", "回访满意",
                   f"{WORKED} AND {VISITED} AND r.satisfied = 1 AND NOT {REWORKED}"),
        CountField("unsatisfied", "回访不满意",
                   f"{WORKED} AND {VISITED} AND (r.satisfied = 0 OR {REWORKED})"),
        CountField("reworked", "不满意重办", f"{COUNTED} AND {REWORKED}"),
        CountField("handled", "派单承办", f"{WORKED} AND r.status <> 'new'"),
        CountField("returned", Move.RETURN.label, f"{WORKED} AND r.status <> 'new' AND {RETURNED_ONCE}"),
        CountField("extended", Move.APPROVE_EXTENSION.label, f"{WORKED} AND r.status <> 'new' AND {EXTENSION_APPROVED}"),
        CountField("repeated", event_label("repeat-call"), f"{COUNTED} AND {REPEATED}"),
        CountField("extension_pending", "延期待审批", f"r.status = 'in_progress' AND {EXTENSION_PENDING}"),
        CountField("returned_waiting", "退单待审核", "r.status = 'returned'"),
        # Closed at the first go: never returned, never extended, never sent back by a visit (重办).
        CountField("first_time", "一次办结",
                   f"{WORKED} AND {CLOSED} AND r.returned_once = 0 AND r.extension_approved = 0 AND NOT {REWORKED}"),
        # Solved: the latest return visit found the matter solved (a satisfied visit, until a visit
        # records whether the matter was solved apart from the talent's satisfaction).
        CountField("solved", "已解决", f"{WORKED} AND {VISITED} AND r.satisfied = 1"),
    ]
}

# Figures counted per request (or per call) from the request rows and their events rather than from the
# facts' flags; additive like the count fields, but with no drill-down condition. engine.py counts them.
EXTRA_FIELDS: dict[str, str] = {
    # Per signing stage (each 派单 / 改派 to a unit), charged to that unit: signed, or held unsigned past the
    # sign limit; and signed within the limit of that dispatch.
    "sign_base": "应签收",
    "sign_on_time": "按时签收",
    # Per handling stage: a unit signed it and let it go (退单 or 改派) past the due date it held then.
    "overdue_left": "超期转出",
    "visit_on_time": "按时回访",  # visited within the visit limit (data/kpi.toml) of the resolution
    "basically_satisfied": "基本满意",  # a return visit whose result says 基本满意
    "return_refused": "退单驳回数",  # refused returns (event `reject-return`)
    "chased": Move.CHASE.label,  # 催办 events
    "supervised": Move.SUPERVISE.label,  # 督办 events
    "returns_made": "本单位退单",  # per handling unit: returns made by its staff (the unit at that stage)
    "calls": "来电",  # calls logged in the period (by the call's day), with a measure
    "repeat_calls": "重复来电",  # of those, repeats: see docs/KPI.md
}


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    key: str
    label: str
    numerator: str
    denominator: str
    kind: str = "rate"  # rate: numerator / denominator; mean: working-day sum / denominator


KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition("direct_rate", "直接办结率", "direct", "requests"),
    KpiDefinition("closure_rate", "办结率", "closed", "requests"),
    KpiDefinition("on_time_rate", "按时办结率", "on_time", "on_time_base"),
    KpiDefinition("visit_rate", "回访率", "visited", "visit_base"),
    KpiDefinition("satisfaction_rate", "满意率", "satisfied", "visited"),
    KpiDefinition("return_rate", "退单率", "returned", "handled"),
    KpiDefinition("repeat_call_rate", "重复来电率", "repeat_calls", "calls"),
    KpiDefinition("extension_rate", "延期率", "extended", "handled"),
    KpiDefinition("avg_working_days", "平均办理工作日", "working_days", "worked_closed", kind="mean"),
    KpiDefinition("sign_rate", "按时签收率", "sign_on_time", "sign_base"),
    KpiDefinition("first_time_rate", "一次办结率", "first_time", "worked_closed"),
    KpiDefinition("visit_timely_rate", "回访及时率", "visit_on_time", "visited"),
    KpiDefinition("solve_rate", "解决率", "solved", "visited"),
)
KPI_BY_KEY = {kpi.key: kpi for kpi in KPIS}

# Additive figures held per group besides the count fields.
SUM_FIELDS = ("working_days", *EXTRA_FIELDS)
# Counts the 通报 and `stats` show beside the rates.
SHOWN_COUNTS = ("basically_satisfied", "return_refused", "chased", "supervised")


def field_label(key: str) -> str:
    """The Chinese name of a count or an extra figure."""
    return COUNT_FIELDS[key].label if key in COUNT_FIELDS else EXTRA_FIELDS[key]
