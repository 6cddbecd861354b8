"""Plain domain objects. Screens, the CLI and reports hold these, never storage rows.

Each is a frozen msgspec Struct: an immutable record that compares by value, like a frozen dataclass, but
made in C when the class is defined; records are defined on the way to the first screen (start-up).
`msgspec.structs.replace` makes a changed copy."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from msgspec import Struct, field

from dongwu_tui.domain.roles import Role, SiteKind


class Status(StrEnum):
    NEW = "new"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    VISITED = "visited"
    ARCHIVED = "archived"
    RETURNED = "returned"
    MERGED = "merged"

    @property
    def label(self) -> str:
        return STATUS_RULES[self].label


class StatusRule(Struct, frozen=True):
    """What a status means everywhere: its label, whether work remains (open), whether it counts as done
    (closed; 已并单 is neither), whether someone is working on it (working: the due-soon view), and the
    saved request views that list it by status alone."""

    label: str
    open: bool = False
    closed: bool = False
    working: bool = False
    views: tuple[str, ...] = ()


# Every status, once: the labels, the open/closed lists (SQL included) and the views are derived from it.
STATUS_RULES: dict[Status, StatusRule] = {
    Status.NEW: StatusRule("已受理", open=True),
    Status.DISPATCHED: StatusRule("已派单", open=True, working=True, views=("to_sign",)),
    Status.IN_PROGRESS: StatusRule("办理中", open=True, working=True, views=("in_progress",)),
    Status.RESOLVED: StatusRule("已办结", closed=True, views=("to_visit",)),
    Status.VISITED: StatusRule("已回访", closed=True),
    Status.ARCHIVED: StatusRule("已归档", closed=True),
    Status.RETURNED: StatusRule("已退单", open=True, views=("returned",)),
    Status.MERGED: StatusRule("已并单"),
}

STATUS_LABELS: dict[Status, str] = {status: rule.label for status, rule in STATUS_RULES.items()}
OPEN_STATUSES = frozenset(status for status, rule in STATUS_RULES.items() if rule.open)
CLOSED_STATUSES = frozenset(status for status, rule in STATUS_RULES.items() if rule.closed)
WORKING_STATUSES = frozenset(status for status, rule in STATUS_RULES.items() if rule.working)
# What the open and the closed statuses are called together, in figures and reports.
OPEN_LABEL, CLOSED_LABEL = "未办结", "已办结"


def statuses_sql(statuses: frozenset[Status]) -> str:
    """The statuses as an SQL list of literals, `'a', 'b'` (sorted, so a statement's text is stable)."""
    return ", ".join(f"'{status.value}'" for status in sorted(statuses))


def view_status(view: str) -> Status:
    """The one status a saved view lists by status alone."""
    return next(status for status, rule in STATUS_RULES.items() if view in rule.views)


class VisitResult(StrEnum):
    """A return visit's outcome: the talent's rating, or that nobody could be reached (counted apart)."""

    SATISFIED = "satisfied"
    BASIC = "basically_satisfied"
    UNSATISFIED = "unsatisfied"
    UNREACHED = "unreached"

    @property
    def label(self) -> str:
        return {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意",
                "unreached": "未联系上"}[self.value]

    @property
    def satisfied(self) -> bool:
        """满意 and 基本满意 close the request; 不满意 sends it back (or to 甄别)."""
        return self in (VisitResult.SATISFIED, VisitResult.BASIC)


class CallDirection(StrEnum):
    IN = "in"
    OUT = "out"
    CALLBACK = "callback"

    @property
    def label(self) -> str:
        return {"in": "来电", "out": "去电", "callback": "回拨"}[self.value]


class CallOutcome(StrEnum):
    ANSWERED = "answered"  # 直接办结: answered during the call
    REQUEST = "request"  # a new service request was opened
    ATTACHED = "attached"  # a repeat call attached to an open request
    TRANSFER = "transfer"  # transferred to another line or department

    @property
    def label(self) -> str:
        return {
            "answered": "当场答复",
            "request": "转工单",
            "attached": "并入已有工单",
            "transfer": "转接",
        }[self.value]


class IdKind(StrEnum):
    RESIDENT = "resident"
    PASSPORT = "passport"

    @property
    def label(self) -> str:
        return {"resident": "居民身份证", "passport": "护照"}[self.value]


class MeasureCategory(Struct, frozen=True):
    code: str
    name: str


class Measure(Struct, frozen=True):
    number: int
    name: str
    category_code: str
    category_name: str
    limit_days: int
    office: str
    pinyin: str = ""
    initials: str = ""
    unit: str = ""  # the default handling unit (承办单位): a site code, or `local` (the talent's station)


class Township(Struct, frozen=True):
    code: str
    name: str
    kind: str
    retired: bool = False  # merged away: old records keep it, new ones are not offered it


class Industry(Struct, frozen=True):
    code: str
    name: str


class Site(Struct, frozen=True):
    id: str
    code: str
    name: str
    kind: SiteKind
    township_code: str | None


class Staff(Struct, frozen=True):
    id: str
    name: str
    role: Role
    office_id: str
    office_name: str = ""
    phone: str | None = None
    active: bool = True


class Enterprise(Struct, frozen=True):
    id: str
    name: str
    credit_code: str
    township_code: str | None
    industry_code: str | None


class Talent(Struct, frozen=True):
    id: str
    name: str
    phone: str
    id_kind: IdKind
    id_number: str | None
    category_code: str
    level_code: str
    enterprise_id: str | None
    township_code: str | None
    specialist_id: str | None
    card_no: str | None
    notes: str
    created_at: datetime
    updated_at: datetime
    enterprise_name: str | None = None
    specialist_name: str | None = None


class Call(Struct, frozen=True):
    id: str
    at: datetime
    direction: CallDirection
    phone: str
    talent_id: str | None
    operator_id: str
    duration_s: int
    summary: str
    measure: int | None
    outcome: CallOutcome
    request_id: str | None


class RequestEvent(Struct, frozen=True):
    id: str
    request_id: str
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    from_status: Status | None
    to_status: Status
    reason: str
    detail: dict[str, object] = field(default_factory=dict)


class ServiceRequest(Struct, frozen=True):
    id: str
    number: str
    talent_id: str | None
    phone: str
    measure: int
    summary: str
    status: Status
    township_code: str | None
    opened_by_id: str
    opened_at: datetime
    due: date
    assignee_site_id: str | None = None
    assignee_id: str | None = None
    dispatched_at: datetime | None = None
    signed_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: str = ""
    direct: bool = False
    visited_at: datetime | None = None
    satisfied: bool | None = None
    archived_at: datetime | None = None
    merged_into_id: str | None = None
    extension_days: int | None = None
    extension_reason: str = ""
    return_reason: str = ""
    confidential: bool = False
    # The rules' facts: the clock runs from the first dispatch, the return window from the first dispatch
    # to the unit holding it, signing has its own limit, 按时办结 is judged on the first resolution.
    first_dispatched_at: datetime | None = None
    unit_dispatched_at: datetime | None = None
    sign_due: date | None = None
    first_resolved_at: datetime | None = None
    first_on_time: bool | None = None
    rework_count: int = 0
    extensions_used: int = 0
    extension_days_used: int = 0
    return_rejections: int = 0
    visit_result: str | None = None  # VisitResult value of the latest visit that reached the talent
    visit_solved: bool | None = None
    visit_unreached: int = 0
    review_result: str | None = None  # 甄别: "reasonable" or "unreasonable"
    events: tuple[RequestEvent, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def extension_pending(self) -> bool:
        return self.extension_days is not None
