"""Plain domain objects. Screens, the CLI and reports hold these, never storage rows.

Each is a frozen msgspec Struct: an immutable record that compares by value, like a frozen dataclass, but
made in C when the class is defined; records are defined on the way to the first screen (start-up, issue 6).
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
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.NEW: "已受理",
    Status.DISPATCHED: "已派单",
    Status.IN_PROGRESS: "办理中",
    Status.RESOLVED: "已办结",
    Status.VISITED: "已回访",
    Status.ARCHIVED: "已归档",
    Status.RETURNED: "已退单",
    Status.MERGED: "已并单",
}

OPEN_STATUSES = frozenset({Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED})
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.VISITED, Status.ARCHIVED})


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


class Township(Struct, frozen=True):
    code: str
    name: str
    kind: str


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
    events: tuple[RequestEvent, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def extension_pending(self) -> bool:
        return self.extension_days is not None
