"""Service requests: opening them, every move of their life, and finding them again.

The rules live in `domain.lifecycle`; this module loads the request inside a write transaction,
asks the rules for the transition, writes the changed fields and the event together.
"""

from __future__ import annotations

import builtins
import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace
from peewee import fn

from dongwu_tui.domain.errors import NotFound
from dongwu_tui.domain.ids import uuid7_after
from dongwu_tui.domain.lifecycle import (
    MOVE_RULES,
    Move,
    MoveArgs,
    Policy,
    Transition,
    allowed_moves,
    as_move,
    plan_move,
)
from dongwu_tui.domain.models import OPEN_STATUSES, RequestEvent, ServiceRequest, Status
from dongwu_tui.domain.roles import Role
from dongwu_tui.domain.safetext import check_text
from dongwu_tui.storage.convert import event_from_row, request_from_row

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

LOG_ACTION = "log"
REPEAT_CALL_ACTION = "repeat-call"
MERGED_IN_ACTION = "merged-in"
RECOUNT_ACTION = "recount-due"
LAW_YEARS_KEY = "calendar_law_years"


class RequestService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.office.tables

    # -- reading ----------------------------------------------------------------------------------

    def _row(self, ref: str) -> Any:
        r = self.t.RequestRow
        ref = ref.strip()
        # Request numbers are upper-case office codes (WZ-20261128-0001); ids are lower-case UUIDs.
        key = r.number == ref.upper() if ref[:1].isalpha() and "-" in ref[:6] else r.id == ref
        row = r.select().where((r.deleted == False) & key).first()  # noqa: E712
        if row is None and len(ref) >= 8:
            rows = list(r.select().where((r.deleted == False) & r.id.startswith(ref)).limit(2))  # noqa: E712
            row = rows[0] if len(rows) == 1 else None
        if row is None:
            raise NotFound(f"没有找到工单「{ref}」。")
        return row

    def events(self, request_id: str) -> tuple[RequestEvent, ...]:
        e, s = self.t.RequestEventRow, self.t.StaffRow
        rows: Any = (  # rows carry the joined `actor_name` besides the event's columns
            e.select(e, s.name.alias("actor_name"))
            .join(s, on=(s.id == e.actor_id))
            .where((e.request_id == request_id) & (e.deleted == False))  # noqa: E712
            # (time, id): both travel with the event, so every office shows one timeline. Times are
            # kept to the second; `_event` gives a new event an id above every event of the request
            # with the same second, so within a second the ids follow the order of writing.
            .order_by(e.at, e.id)
            .objects()
        )
        return tuple(event_from_row(row, row.actor_name) for row in rows)

    def number_of(self, request_id: str | None) -> str | None:
        """The number of a request by id (the request a merged one joined), or None when not held here."""
        if not request_id:
            return None
        r = self.t.RequestRow
        row = r.select(r.number).where(r.id == request_id).first()
        return row.number if row is not None else None

    def get(self, ref: str, with_events: bool = True) -> ServiceRequest:
        row = self._row(ref)
        return request_from_row(row, self.events(row.id) if with_events else ())

    def list(
        self,
        *,
        status: str | None = None,
        measure: int | None = None,
        township: str | None = None,
        assignee: str | None = None,
        talent: str | None = None,
        overdue: bool = False,
        limit: int | None = 50,
        after: tuple[str, str] | None = None,
    ) -> list[ServiceRequest]:
        """Requests, newest first, paged by key: pass the last (opened_at, id) as `after`."""
        r = self.t.RequestRow
        query = self._listed(status, measure, township, assignee, talent, overdue)
        query = query.order_by(r.opened_at.desc(), r.id.desc())
        if after:
            query = query.where((r.opened_at < after[0]) | ((r.opened_at == after[0]) & (r.id < after[1])))
        if limit:
            query = query.limit(limit)
        return [request_from_row(row) for row in query]

    def count(self, *, status: str | None = None, measure: int | None = None, township: str | None = None,
              assignee: str | None = None, talent: str | None = None, overdue: bool = False) -> int:
        """How many requests `list` would give without a limit."""
        return self._listed(status, measure, township, assignee, talent, overdue).count()

    def _listed(self, status: str | None, measure: int | None, township: str | None, assignee: str | None,
                talent: str | None, overdue: bool) -> Any:
        r = self.t.RequestRow
        query = r.select().where(r.deleted == False)  # noqa: E712
        if status:
            query = query.where(r.status == Status(status).value)
        if measure:
            query = query.where(r.measure_number == self.desk.directory.measure(measure).number)
        if township:
            query = query.where(r.township_code == self.desk.directory.township(township).code)
        if assignee:
            query = query.where(r.assignee_id == self.desk.directory.staff(assignee).id)
        if talent:
            query = query.where(r.talent_id == self.desk.talents.get(talent).id)
        if overdue:
            query = query.where(r.status.in_([s.value for s in OPEN_STATUSES]) & (r.due_date < self.today()))
        return query

    def today(self) -> date:
        return self.desk.clock().date()

    def working_days_left(self, request: ServiceRequest) -> int:
        """Working days from today to the due date; negative when overdue."""
        return self.desk.calendar.working_days_between(self.today(), request.due)

    def is_overdue(self, request: ServiceRequest) -> bool:
        return request.is_open and request.due < self.today()

    def find_repeat(self, phone: str, measure: int, talent_id: str | None = None) -> ServiceRequest | None:
        """The open request from the same caller about the same measure, if any (newest first)."""
        r = self.t.RequestRow
        same_caller = r.phone == phone
        if talent_id:
            same_caller = same_caller | (r.talent_id == talent_id)
        row = (
            r.select()
            .where(
                (r.deleted == False)  # noqa: E712
                & same_caller
                & (r.measure_number == measure)
                & r.status.in_([s.value for s in OPEN_STATUSES])
            )
            .order_by(r.opened_at.desc())
            .first()
        )
        return request_from_row(row) if row else None

    def allowed_moves(self, request: ServiceRequest) -> builtins.list[str]:
        return allowed_moves(request, self.desk.actor, self.policy(request.measure)) if self.desk.actor else []

    def open_due_years(self) -> builtins.list[int]:
        """The years the open requests are due in."""
        r = self.t.RequestRow
        years = (r.select(fn.DISTINCT(fn.substr(r.due_date, 1, 4)).alias("year"))
                 .where((r.deleted == False) & r.status.in_([s.value for s in OPEN_STATUSES])).tuples())  # noqa: E712
        return sorted(int(year) for (year,) in years if year)

    def _note_law_years(self) -> None:
        """Inside a write: the years whose due dates were counted on the law's holidays, kept in meta so that
        they are recounted when the year's schedule arrives."""
        used = self.desk.calendar.fallback_years
        if not used:
            return
        known = set(json.loads(self.desk.office.meta(LAW_YEARS_KEY, "[]") or "[]"))
        if not used <= known:
            self.desk.office.set_meta(LAW_YEARS_KEY, json.dumps(sorted(known | used)))

    def recount_scheduled_years(self) -> builtins.list[tuple[str, date, date]]:
        """Open requests due in a year counted on the law's holidays whose schedule is now known (an office
        file or a newer chinesecalendar) get their due date counted again: the same working days from the
        last day both calendars agree on. Each change is an event (`recount-due`); returns (number, old, new).
        A no-op without an actor: the change is then made by the next command run as someone."""
        from dongwu_tui.domain.calendar import WorkingCalendar

        years = json.loads(self.desk.office.meta(LAW_YEARS_KEY, "[]") or "[]")
        ready = [year for year in years if self.desk.calendar.year_source(year) != "law"]
        if not ready or self.desk.actor is None:
            return []
        calendar = self.desk.calendar
        changed: builtins.list[tuple[str, date, date]] = []
        r = self.t.RequestRow
        with self.desk.office.write():
            for year in sorted(ready):
                old_calendar = WorkingCalendar(calendar.extra_dirs, force_law={year})
                anchor = date(year - 1, 12, 31)
                rows = r.select().where((r.deleted == False)  # noqa: E712
                                        & r.status.in_([s.value for s in OPEN_STATUSES])
                                        & (r.due_date >= date(year, 1, 1)) & (r.due_date <= date(year, 12, 31)))
                for row in rows:
                    request = request_from_row(row)
                    start = request.first_dispatched_at or request.signed_at or request.opened_at
                    since = max(anchor, start.date())
                    new_due = calendar.add_working_days(since, old_calendar.working_days_between(since, request.due))
                    if new_due == request.due:
                        continue
                    now = self.desk.clock()
                    r.update(due_date=new_due, updated_at=now).where(r.id == request.id).execute()
                    self._event(request.id, now, RECOUNT_ACTION, request.status, request.status,
                                f"{year} 年节假日安排已补充，期限重新计算",
                                {"old_due": request.due.isoformat(), "new_due": new_due.isoformat()})
                    changed.append((request.number, request.due, new_due))
            left = sorted(set(years) - set(ready))
            self.desk.office.set_meta(LAW_YEARS_KEY, json.dumps(left))
        return changed

    def migration_notes(self) -> builtins.list[str]:
        """What the upgrade to the 派单-clock rules did to the requests already open (migration 0016)."""
        raw = self.desk.office.meta("rules_migration")
        if not raw:
            return []
        note = json.loads(raw)
        if not note.get("open"):
            return []
        return [f"升级到新的办理时限规则时有 {note['open']} 件未办结工单：其中 {note['dispatched']} 件按时间线补记了"
                f"首次派单时间；这 {note['due_kept']} 件保留原办理期限，新派单的工单自派单起算时限"]

    def policy(self, measure: int) -> Policy:
        """The office's limits for a measure: data/rules.toml, overridden by the measure in measures.toml."""
        return _policies().get(int(measure), _policies()[0])

    def surviving(self, ref: str) -> ServiceRequest:
        """The request `ref` lives on in: itself, or the end of its chain of merges."""
        request = self.get(ref, with_events=False)
        seen = {request.id}
        while request.status is Status.MERGED and request.merged_into_id:
            row = self.t.RequestRow.get_or_none(self.t.RequestRow.id == request.merged_into_id)
            if row is None or row.id in seen:
                break
            seen.add(row.id)
            request = request_from_row(row)
        return request

    # -- writing ----------------------------------------------------------------------------------

    def _next_number(self, at: datetime) -> str:
        """WZ-20261128-0007: the office code, the day and a per-day counter kept in the database; a copied
        or restored database adds its replica tag (WZ-20261128-0007-3F9A) so two copies never clash."""
        site = self.desk.directory.this_site()
        key = f"request_seq:{at:%Y%m%d}"
        seq = int(self.desk.office.meta(key, "0") or 0) + 1
        self.desk.office.set_meta(key, str(seq))
        tag = self.desk.office.meta("number_tag")
        return f"{site.code.upper()}-{at:%Y%m%d}-{seq:04d}" + (f"-{tag}" if tag else "")

    def _event(self, request_id: str, at: datetime, action: str, from_status: Status | None, to_status: Status,
               reason: str = "", detail: dict[str, Any] | None = None) -> None:
        assert self.desk.actor is not None
        e = self.t.RequestEventRow
        event_id = self.desk.new_id(at)
        # Ids are increasing only within one process: another `dongwu` process (or window) may have
        # written an event of this request in the same second with a higher id.
        latest = e.select(fn.MAX(e.id)).where((e.request_id == request_id) & (e.at == at)).scalar()
        if latest is not None and latest >= event_id:
            event_id = uuid7_after(latest)
        e.insert(
            id=event_id,
            request_id=request_id,
            at=at,
            actor_id=self.desk.actor.id,
            action=action,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value,
            reason=reason,
            detail=json.dumps(detail or {}, ensure_ascii=False, default=str),
            **self.desk.record_fields(at),
        ).execute()

    def create(self, *, talent_id: str | None, phone: str, measure: int, summary: str, township_code: str | None,
               confidential: bool = False, reason: str = "") -> str:
        """Open a request in `new` (受理). Runs inside the caller's transaction; returns the id."""
        actor = self.desk.require(Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR, action="受理工单")
        limit = self.desk.directory.measure(measure).limit_days
        at = self.desk.clock()
        request_id = self.desk.new_id(at)
        self.t.RequestRow.insert(
            id=request_id,
            number=self._next_number(at),
            talent_id=talent_id,
            phone=phone,
            measure_number=measure,
            summary=summary,
            status=Status.NEW.value,
            township_code=township_code,
            opened_by_id=actor.id,
            opened_at=at,
            due_date=self.desk.calendar.add_working_days(at.date(), limit),
            confidential=confidential,
            **self.desk.record_fields(at),
        ).execute()
        self._event(request_id, at, LOG_ACTION, None, Status.NEW, reason or summary)
        self._note_law_years()
        return request_id

    def note_repeat_call(self, request_id: str, call_id: str, summary: str) -> None:
        """A repeat call on an open request is recorded on its timeline (重复来电); it changes no status."""
        row = self.t.RequestRow.get_by_id(request_id)
        status = Status(row.status)
        self._event(request_id, self.desk.clock(), REPEAT_CALL_ACTION, status, status, summary, {"call_id": call_id})

    def move(
        self,
        ref: str,
        move: str,
        *,
        reason: str = "",
        to_site: str | None = None,
        to_staff: str | None = None,
        satisfied: bool | None = None,
        days: int | None = None,
        into: str | None = None,
        restart_clock: bool = False,
        visit_result: str | None = None,
        solved: bool | None = None,
        reasonable: bool | None = None,
    ) -> ServiceRequest:
        """Apply one move of the lifecycle, or raise with a Chinese message and change nothing.

        Returns the request as the move left it, without its events (`get` reads the timeline)."""
        move = as_move(move)
        actor = self.desk.require(action=MOVE_RULES[move].label)
        check_text(reason, "原因", multiline=True)
        directory = self.desk.directory
        staff = directory.staff(to_staff) if to_staff else None
        site_id = directory.site(to_site).id if to_site else (staff.office_id if staff else None)
        if staff is not None and site_id is not None and staff.office_id != site_id:
            raise NotFound(f"{staff.name}不在所选单位，不能派给他。")
        with self.desk.office.write():
            request = self.get(ref)  # with its timeline: the return window counts from the unit's first dispatch
            from dongwu_tui.sync.conflicts import refuse_if_conflicted  # sync: a fork blocks moves

            refuse_if_conflicted(self.desk.office, "service_request", request.id)
            # A merge into a request that was itself merged joins the request the chain ends in.
            target = self.surviving(into) if into else None
            limit = directory.measure(request.measure).limit_days
            now = self.desk.clock()
            args = MoveArgs(reason=reason, to_site_id=site_id, to_staff=staff, satisfied=satisfied, days=days,
                            target=target, restart_clock=restart_clock, visit_result=visit_result, solved=solved,
                            reasonable=reasonable)
            transition = plan_move(request, move, actor, now, self.desk.calendar, limit, args,
                                   self.policy(request.measure))
            self._apply(request, transition, now)
            self._note_law_years()
            if move is Move.MERGE and target is not None:
                self._event(target.id, now, MERGED_IN_ACTION, target.status, target.status, reason,
                            {"from": request.id, "from_number": request.number})
                # Requests merged into this one follow it, so every chain ends in one open request.
                r = self.t.RequestRow
                r.update(merged_into_id=target.id, updated_at=now).where(
                    (r.merged_into_id == request.id) & (r.status == Status.MERGED.value)).execute()
        return replace(request, status=transition.to_status, **transition.changes)  # type: ignore[arg-type]

    def _apply(self, request: ServiceRequest, transition: Transition, now: datetime) -> None:
        renamed = {"due": "due_date", "sign_due": "sign_due_date"}
        columns = {renamed.get(key, key): value for key, value in transition.changes.items()}
        self.t.RequestRow.update(status=transition.to_status.value, updated_at=now, **columns).where(
            self.t.RequestRow.id == request.id
        ).execute()
        self._event(request.id, now, str(transition.move), transition.from_status, transition.to_status,
                    transition.reason, dict(transition.detail))


_POLICY_KEYS = ("sign_limit_days", "max_extensions", "max_extension_days")


def _policies() -> dict[int, Policy]:
    """Per measure number (0: the default), read once from the data files."""
    global _POLICIES
    if _POLICIES is None:
        from dongwu_tui.storage.catalogue import read_data_file

        rules = read_data_file("rules.toml")
        default = Policy(
            sign_limit_days=int(rules.get("sign_limit_days", 1)),
            max_extensions=int(rules.get("max_extensions", 2)),
            max_extension_days=int(rules.get("max_extension_days", 30)),
            handler_may_visit=bool(rules.get("handler_may_visit", False)),
        )
        policies = {0: default}
        for measure in read_data_file("measures.toml").get("measure", []):
            own = {key: int(measure[key]) for key in _POLICY_KEYS if key in measure}
            policies[int(measure["number"])] = replace(default, **own)
        _POLICIES = policies
    return _POLICIES


_POLICIES: dict[int, Policy] | None = None
