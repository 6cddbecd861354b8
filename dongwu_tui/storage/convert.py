"""The one seam where storage rows become domain objects."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from dongwu_tui.domain.models import (
    Call,
    CallDirection,
    CallOutcome,
    Enterprise,
    IdKind,
    Measure,
    RequestEvent,
    ServiceRequest,
    Site,
    Staff,
    Status,
    Talent,
)
from dongwu_tui.domain.roles import Role, SiteKind


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def site_from_row(row: Any) -> Site:
    return Site(id=row.id, code=row.code, name=row.name, kind=SiteKind(row.kind), township_code=row.township_code)


def staff_from_row(row: Any, office_name: str = "") -> Staff:
    return Staff(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        office_id=row.office_id,
        office_name=office_name,
        phone=row.phone,
        active=bool(row.active),
    )


def enterprise_from_row(row: Any) -> Enterprise:
    return Enterprise(
        id=row.id,
        name=row.name,
        credit_code=row.credit_code,
        township_code=row.township_code,
        industry_code=row.industry_code,
    )


def talent_from_row(row: Any, enterprise_name: str | None = None, specialist_name: str | None = None) -> Talent:
    return Talent(
        id=row.id,
        name=row.name,
        phone=row.phone,
        id_kind=IdKind(row.id_kind),
        id_number=row.id_number,
        category_code=row.category_code,
        level_code=row.level_code,
        enterprise_id=row.enterprise_id,
        township_code=row.township_code,
        specialist_id=row.specialist_id,
        card_no=row.card_no,
        notes=row.notes or "",
        created_at=_dt(row.created_at) or datetime.min,
        updated_at=_dt(row.updated_at) or datetime.min,
        enterprise_name=enterprise_name,
        specialist_name=specialist_name,
    )


def call_from_row(row: Any) -> Call:
    return Call(
        id=row.id,
        at=_dt(row.at) or datetime.min,
        direction=CallDirection(row.direction),
        phone=row.phone,
        talent_id=row.talent_id,
        operator_id=row.operator_id,
        duration_s=int(row.duration_s or 0),
        summary=row.summary,
        measure=row.measure_number,
        outcome=CallOutcome(row.outcome),
        request_id=row.request_id,
    )


def event_from_row(row: Any, actor_name: str = "") -> RequestEvent:
    return RequestEvent(
        id=row.id,
        request_id=row.request_id,
        at=_dt(row.at) or datetime.min,
        actor_id=row.actor_id,
        actor_name=actor_name,
        action=row.action,
        from_status=Status(row.from_status) if row.from_status else None,
        to_status=Status(row.to_status),
        reason=row.reason or "",
        detail=json.loads(row.detail or "{}"),
    )


def request_from_row(row: Any, events: tuple[RequestEvent, ...] = ()) -> ServiceRequest:
    def fact(name: str) -> Any:
        # The rules' facts; a row selected with only the listed columns (reports) leaves them out.
        return getattr(row, name, None)

    return ServiceRequest(
        id=row.id,
        number=row.number,
        talent_id=row.talent_id,
        phone=row.phone,
        measure=int(row.measure_number),
        summary=row.summary,
        status=Status(row.status),
        township_code=row.township_code,
        opened_by_id=row.opened_by_id,
        opened_at=_dt(row.opened_at) or datetime.min,
        due=_date(row.due_date),
        assignee_site_id=row.assignee_site_id,
        assignee_id=row.assignee_id,
        dispatched_at=_dt(row.dispatched_at),
        signed_at=_dt(row.signed_at),
        resolved_at=_dt(row.resolved_at),
        resolution=row.resolution or "",
        direct=bool(row.direct),
        visited_at=_dt(row.visited_at),
        satisfied=None if row.satisfied is None else bool(row.satisfied),
        archived_at=_dt(row.archived_at),
        merged_into_id=row.merged_into_id,
        extension_days=row.extension_days,
        extension_reason=row.extension_reason or "",
        return_reason=row.return_reason or "",
        confidential=bool(row.confidential),
        first_dispatched_at=_dt(fact("first_dispatched_at")),
        unit_dispatched_at=_dt(fact("unit_dispatched_at")),
        sign_due=_date(fact("sign_due_date")) if fact("sign_due_date") else None,
        first_resolved_at=_dt(fact("first_resolved_at")),
        first_on_time=None if fact("first_on_time") is None else bool(fact("first_on_time")),
        rework_count=fact("rework_count") or 0,
        extensions_used=fact("extensions_used") or 0,
        extension_days_used=fact("extension_days_used") or 0,
        return_rejections=fact("return_rejections") or 0,
        visit_result=fact("visit_result"),
        visit_solved=None if fact("visit_solved") is None else bool(fact("visit_solved")),
        visit_unreached=fact("visit_unreached") or 0,
        review_result=fact("review_result"),
        events=events,
    )


def measure_from_row(row: Any, category_name: str) -> Measure:
    return Measure(
        number=row.number,
        name=row.name,
        category_code=row.category_code,
        category_name=category_name,
        limit_days=row.limit_days,
        office=row.office,
        pinyin=row.pinyin,
        initials=row.initials,
        unit=row.unit,
    )
