"""The callback queue (回电): missed calls, callbacks promised to callers, and return visits due.

Missed calls and promises are stored; each belongs to one person's queue and is closed by the next call
logged with that number (calls.py). Visits due are the person's resolved requests not yet visited,
read from the requests. A queue is ordered by due time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import NotFound, ValidationFailed
from dongwu_tui.domain.knowledge import REF_LENGTH, CallbackItem, CallbackKind
from dongwu_tui.domain.models import Status
from dongwu_tui.domain.roles import Role
from dongwu_tui.domain.safetext import check_text

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

# A missed call is due to be returned within this time unless a due time is given.
MISSED_DUE = timedelta(hours=2)
# A return visit is due this many working days after the request was resolved.
VISIT_WORKING_DAYS = 3

_WRITERS = (Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR)


def item_from_row(row: Any) -> CallbackItem:
    return CallbackItem(id=row.id, kind=CallbackKind(row.kind), phone=row.phone, due_at=row.due_at,
                        owner_id=row.owner_id, at=row.at, note=row.note, talent_id=row.talent_id,
                        request_id=row.request_id, done_at=row.done_at, done_call_id=row.done_call_id)


class CallbackService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.office.tables

    def _phone(self, phone: str) -> str:
        from dongwu_tui.domain.identifiers import InvalidIdentifier, normalize_phone

        try:
            return normalize_phone(phone)
        except InvalidIdentifier as error:
            raise ValidationFailed(f"号码：{error}。") from None

    def _add(self, kind: CallbackKind, *, phone: str, due_at: datetime, at: datetime | None, owner: str | None,
             note: str, request: str | None) -> CallbackItem:
        actor = self.desk.require(*_WRITERS, action="登记回电" if kind is CallbackKind.PROMISED else "登记未接来电")
        number = self._phone(phone)
        check_text(note, "备注")
        owner_staff = self.desk.directory.staff(owner) if owner else actor
        request_id = self.desk.requests.get(request, with_events=False).id if request else None
        talent = self.desk.calls.caller(number)
        now = self.desk.clock()
        with self.desk.office.write():
            item_id = self.desk.new_id(now)
            self.t.CallbackRow.insert(
                id=item_id, kind=kind.value, phone=number, talent_id=talent.id if talent else None,
                request_id=request_id, at=at or now, due_at=due_at, owner_id=owner_staff.id, note=(note or "").strip(),
                **self.desk.record_fields(now),
            ).execute()
            self.desk.audit("callback", item_id, "add", {"kind": kind.value, "owner": owner_staff.id})
        return self.get(item_id)

    def missed(self, phone: str, *, at: datetime | None = None, due_at: datetime | None = None,
               owner: str | None = None, note: str = "") -> CallbackItem:
        """Log a missed or dropped call: it goes to the owner's queue (the person logging it by default)."""
        when = at or self.desk.clock()
        return self._add(CallbackKind.MISSED, phone=phone, due_at=due_at or when + MISSED_DUE, at=when,
                         owner=owner, note=note, request=None)

    def promise(self, phone: str, *, due_at: datetime, owner: str | None = None, note: str = "",
                request: str | None = None) -> CallbackItem:
        """A callback promised to a caller by `due_at`."""
        if due_at.tzinfo is None:
            due_at = due_at.replace(tzinfo=self.desk.clock().tzinfo)
        return self._add(CallbackKind.PROMISED, phone=phone, due_at=due_at, at=None, owner=owner, note=note,
                         request=request)

    def close_for_call(self, phone: str, call_id: str, at: datetime) -> int:
        """A call logged with this number closes its open items (in the caller's write transaction)."""
        c = self.t.CallbackRow
        return c.update(done_at=at, done_call_id=call_id, updated_at=at,
                        done_by_id=self.desk.actor.id if self.desk.actor else None).where(
            (c.phone == phone) & c.done_at.is_null() & (c.deleted == False)).execute()  # noqa: E712

    def get(self, ref: str) -> CallbackItem:
        c = self.t.CallbackRow
        row = c.get_or_none(c.id == ref)
        if row is None and len(ref) >= 6:
            row = c.select().where(c.id.endswith(ref[:REF_LENGTH])).first()
        if row is None:
            raise NotFound(f"没有找到回电事项「{ref}」。")
        return item_from_row(row)

    def queue(self, owner_id: str | None = None, *, include_visits: bool = True) -> list[CallbackItem]:
        """One person's open items (the acting person's by default), earliest due first."""
        owner_id = owner_id or (self.desk.actor.id if self.desk.actor else None)
        if owner_id is None:
            raise ValidationFailed("查看回电清单需要指明是谁的（命令行用 --as 姓名或 --owner）。")
        c = self.t.CallbackRow
        rows = c.select().where((c.owner_id == owner_id) & c.done_at.is_null() & (c.deleted == False))  # noqa: E712
        items = [item_from_row(row) for row in rows]
        if include_visits:
            items += self._visits(owner_id)
        return sorted(items, key=lambda item: (item.due_at, item.id))

    def _visits(self, owner_id: str) -> list[CallbackItem]:
        r = self.t.RequestRow
        rows = r.select(r.id, r.number, r.phone, r.talent_id, r.resolved_at).where(
            (r.assignee_id == owner_id) & (r.status == Status.RESOLVED.value) & (r.direct == False)  # noqa: E712
            & (r.deleted == False))  # noqa: E712
        tz = self.desk.clock().tzinfo
        items = []
        for row in rows:
            resolved = row.resolved_at or self.desk.clock()
            due_day = self.desk.calendar.add_working_days(resolved.date(), VISIT_WORKING_DAYS)
            items.append(CallbackItem(id=row.id, kind=CallbackKind.VISIT, phone=row.phone,
                                      due_at=datetime.combine(due_day, time(17, 30), tz), owner_id=owner_id,
                                      at=resolved, talent_id=row.talent_id, request_id=row.id,
                                      request_number=row.number))
        return items

    def counts(self, owner_id: str | None = None) -> dict[str, int]:
        """The sidebar's counts for one person: open items, and how many of them are past due."""
        items = self.queue(owner_id)
        now = self.desk.clock()
        return {"open": len(items), "overdue": sum(1 for item in items if item.due_at < now),
                **{kind.value: sum(1 for item in items if item.kind is kind) for kind in CallbackKind}}

    def figures(self, *, since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
        """接通率 and callbacks made on time, over the period (all time when not given).

        接通率 is counted only where missed calls are recorded: over the days on which at least one missed
        call was logged, incoming calls answered of those answered and missed (an office that logs no
        missed calls has no rate, rather than 100%). Callbacks on time: of the items due by now (or done),
        those closed by a call no later than their due time."""
        def window(column: str) -> tuple[str, list[Any]]:
            parts, params = [], []
            if since is not None:
                parts.append(f"{column} >= ?")
                params.append(since)
            if until is not None:
                parts.append(f"{column} < ?")
                params.append(until)
            return "".join(f" AND {p}" for p in parts), params

        db = self.desk.office.db
        where, params = window("at")
        missed = db.execute_sql(f"SELECT count(*) FROM callback WHERE deleted = 0 AND kind = 'missed'{where}",
                                params).fetchone()[0]
        answered = db.execute_sql(
            f"SELECT count(*) FROM call WHERE deleted = 0 AND direction = 'in'{where} AND substr(at, 1, 10) IN "
            f"(SELECT substr(at, 1, 10) FROM callback WHERE deleted = 0 AND kind = 'missed'{where})",
            params * 2).fetchone()[0]
        where, params = window("due_at")
        due, done, on_time = db.execute_sql(
            "SELECT count(*), count(done_at), "
            "count(CASE WHEN done_at IS NOT NULL AND julianday(done_at) <= julianday(due_at) THEN 1 END) "
            f"FROM callback WHERE deleted = 0 AND (done_at IS NOT NULL OR julianday(due_at) <= julianday(?)){where}",
            [self.desk.clock(), *params]).fetchone()
        return {
            "answered_calls": answered, "missed_calls": missed,
            "answer_rate": round(answered / (answered + missed), 4) if missed else None,
            "callbacks_due": due, "callbacks_done": done, "callbacks_on_time": on_time,
            "on_time_rate": round(on_time / due, 4) if due else None,
        }
