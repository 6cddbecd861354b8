"""Turning domain objects into JSON-ready dicts and plain-text tables for the command line.

Personal data (phone and ID numbers, and the numbers written inside free text) is masked unless the
acting person's work needs that record (`services.privacy`); each person shown in full is remembered
and written as an access record when the command ends (`Renderer.record`).
Stored text may hold characters a terminal acts on (written before writes refused them, or arrived
by sync): everything printed goes through `domain.safetext.printable` (`guard_output`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from rich.cells import cell_len

from dongwu_tui.domain.models import Call, RequestEvent, ServiceRequest, Site, Staff, Talent
from dongwu_tui.domain.roles import sees_personal_data
from dongwu_tui.domain.safetext import printable
from dongwu_tui.services.desk import Desk


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class Renderer:
    def __init__(self, desk: Desk, *, caller: bool = False) -> None:
        """`caller`: the output is about the caller on the line (the call just logged), shown in full."""
        self.desk = desk
        self.privacy = desk.privacy
        self.caller = caller
        self.shown: list[str] = []  # talents whose full numbers were rendered

    def _full(self, talent_id: str | None, *, specialist_id: str | None = None, assignee_id: str | None = None,
              own: set[str] | None = None) -> bool:
        full = self.privacy.needs_numbers(talent_id=talent_id, specialist_id=specialist_id,
                                          assignee_id=assignee_id, caller=self.caller)
        if not full and own is not None and talent_id in own:
            full = True
        if full and talent_id:
            self.shown.append(talent_id)
        return full

    def record(self, place: str) -> None:
        """Write one access record per person whose full numbers this command printed."""
        self.privacy.record(self.shown, "numbers", place)
        self.shown = []

    def phone(self, value: str | None, full: bool = False) -> str | None:
        if not value:
            return value
        return self.privacy.phone(value, full)

    def id_number(self, value: str | None, full: bool = False) -> str | None:
        if not value:
            return value
        return self.privacy.id_number(value, full)

    def text(self, value: str | None, full: bool) -> str | None:
        if not value:
            return value
        return self.privacy.text(value, full)

    def talent_full(self, talent: Talent) -> bool:
        full = self.caller or self.privacy.talent_needs_numbers(talent.id, talent.specialist_id)
        if full:
            self.shown.append(talent.id)
        return full

    def staff(self, staff: Staff) -> dict[str, Any]:
        # A colleague's work number: for the roles that phone people (operators and specialists).
        actor = self.desk.actor
        return {"id": staff.id, "name": staff.name, "role": staff.role.value, "role_label": staff.role.label,
                "office_id": staff.office_id, "office": staff.office_name,
                "phone": self.phone(staff.phone, actor is not None and sees_personal_data(actor.role)),
                "active": staff.active}

    def site(self, site: Site) -> dict[str, Any]:
        return {"id": site.id, "code": site.code, "name": site.name, "kind": site.kind.value,
                "township": site.township_code}

    def talent(self, talent: Talent, full: bool | None = None) -> dict[str, Any]:
        directory = self.desk.directory
        township = directory.townships.get(talent.township_code or "")
        if full is None:
            full = self.talent_full(talent)
        return {
            "id": talent.id,
            "name": talent.name,
            "phone": self.phone(talent.phone, full),
            "id_kind": talent.id_kind.value,
            "id_number": self.id_number(talent.id_number, full),
            "category": talent.category_code,
            "category_name": directory.talent_categories.get(talent.category_code, ""),
            "level": talent.level_code,
            "level_name": directory.talent_levels.get(talent.level_code, ""),
            "enterprise_id": talent.enterprise_id,
            "enterprise": talent.enterprise_name,
            "township": talent.township_code,
            "township_name": township.name if township else None,
            "specialist_id": talent.specialist_id,
            "specialist": talent.specialist_name,
            "card_no": talent.card_no,
            "notes": self.text(talent.notes, full),
            "created_at": _iso(talent.created_at),
            "updated_at": _iso(talent.updated_at),
            "masked": not full,
        }

    def call_full(self, call: Call, own: set[str] | None = None) -> bool:
        return self._full(call.talent_id, own=own)

    def call(self, call: Call, full: bool | None = None) -> dict[str, Any]:
        if full is None:
            full = self.call_full(call)
        return {
            "id": call.id, "at": _iso(call.at), "direction": call.direction.value,
            "phone": self.phone(call.phone, full),
            "talent_id": call.talent_id, "operator_id": call.operator_id, "duration_s": call.duration_s,
            "summary": self.text(call.summary, full), "measure": call.measure, "outcome": call.outcome.value,
            "request_id": call.request_id,
        }

    def event(self, event: RequestEvent, full: bool = False) -> dict[str, Any]:
        return {
            "id": event.id, "at": _iso(event.at), "actor_id": event.actor_id, "actor": event.actor_name,
            "action": event.action, "from": event.from_status.value if event.from_status else None,
            "to": event.to_status.value, "reason": self.text(event.reason, full), "detail": event.detail,
        }

    def request_full(self, request: ServiceRequest, own: set[str] | None = None) -> bool:
        return self._full(request.talent_id, assignee_id=request.assignee_id, own=own)

    def request(self, request: ServiceRequest, full: bool | None = None) -> dict[str, Any]:
        requests = self.desk.requests
        measure = self.desk.directory.measures.get(request.measure)
        if full is None:
            full = self.request_full(request)
        text = self.text
        return {
            "id": request.id,
            "number": request.number,
            "status": request.status.value,
            "status_label": request.status.label,
            "measure": request.measure,
            "measure_name": measure.name if measure else "",
            "talent_id": request.talent_id,
            "phone": self.phone(request.phone, full),
            "summary": text(request.summary, full),
            "township": request.township_code,
            "opened_at": _iso(request.opened_at),
            "opened_by_id": request.opened_by_id,
            "due": request.due.isoformat(),
            "working_days_left": requests.working_days_left(request) if request.is_open else None,
            "overdue": requests.is_overdue(request),
            "assignee_site_id": request.assignee_site_id,
            "assignee_id": request.assignee_id,
            "dispatched_at": _iso(request.dispatched_at),
            "signed_at": _iso(request.signed_at),
            "resolved_at": _iso(request.resolved_at),
            "resolution": text(request.resolution, full),
            "direct": request.direct,
            "visited_at": _iso(request.visited_at),
            "satisfied": request.satisfied,
            "archived_at": _iso(request.archived_at),
            "merged_into_id": request.merged_into_id,
            "merged_into": requests.number_of(request.merged_into_id),
            "extension_pending_days": request.extension_days,
            "extension_reason": text(request.extension_reason, full),
            "return_reason": text(request.return_reason, full),
            "confidential": request.confidential,
            # The rules' stored facts (docs/KPI.md, "Stored facts").
            "first_dispatched_at": _iso(request.first_dispatched_at),
            "sign_due": request.sign_due.isoformat() if request.sign_due else None,
            "first_resolved_at": _iso(request.first_resolved_at),
            "first_on_time": request.first_on_time,
            "rework_count": request.rework_count,
            "extensions_used": request.extensions_used,
            "extension_days_used": request.extension_days_used,
            "return_rejections": request.return_rejections,
            "visit_result": request.visit_result,
            "visit_solved": request.visit_solved,
            "visit_unreached": request.visit_unreached,
            "review_result": request.review_result,
            "events": [self.event(e, full) for e in request.events],
        }


class _PrintableOutput:
    """A text stream that spells out, in everything written to it, the characters a terminal acts on.

    JSON stays exact: `json` escapes the C0 controls itself, and the rest come out as `\\uXXXX`
    escapes inside strings, which read back as the same characters."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text, keep_lines=True))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_output() -> None:
    """From here on, nothing printed on standard output reaches the terminal as a control sequence."""
    if not isinstance(sys.stdout, _PrintableOutput):
        sys.stdout = _PrintableOutput(sys.stdout)  # type: ignore[assignment]


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain aligned table measured in terminal cells, so Chinese columns line up in any pipe."""
    materialised = [["" if v is None else printable(str(v)) for v in row] for row in rows]
    widths = [cell_len(h) for h in headers]
    for row in materialised:
        widths = [max(w, cell_len(v)) for w, v in zip(widths, row, strict=False)]
    print("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=False)).rstrip())
    print("  ".join("─" * w for w in widths))
    for row in materialised:
        print("  ".join(_pad(v, w) for v, w in zip(row, widths, strict=False)).rstrip())
    if not materialised:
        print("（无记录）")
