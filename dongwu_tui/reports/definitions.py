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
    ]
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
    KpiDefinition("repeat_call_rate", "重复来电率", "repeated", "requests"),
    KpiDefinition("extension_rate", "延期率", "extended", "handled"),
    KpiDefinition("avg_working_days", "平均办理工作日", "working_days", "worked_closed", kind="mean"),
)
KPI_BY_KEY = {kpi.key: kpi for kpi in KPIS}

# Additive figures held per group besides the count fields.
SUM_FIELDS = ("working_days",)
