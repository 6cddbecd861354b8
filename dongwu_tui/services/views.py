"""The lists behind the desk screens: counts, pages by key, saved request views and the talent timeline.

A list on screen is a `PagedQuery` (storage/queries.py, where its SQL lives): the screen pages it by
key. Rows and pages come back as the typed read models of storage/queries.py with display-ready text
(personal data already masked for the acting role), never as storage rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from msgspec import Struct
from msgspec.structs import replace as msgspec_replace

from dongwu_tui.domain.lifecycle import event_label
from dongwu_tui.domain.models import OPEN_STATUSES, Status, Talent
from dongwu_tui.domain.roles import Role
from dongwu_tui.storage import queries
from dongwu_tui.storage.queries import (
    PAGE_SIZE,
    CallerCard,
    Key,
    PagedQuery,
    RequestLine,
    RequestPage,
    RequestPageEvent,
    TalentLine,
    TalentProfile,
    TimelineEntry,
    short_enterprise_query,
    talent_condition,
)

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

__all__ = ["PAGE_SIZE", "CallerCard", "Key", "PagedQuery", "RequestLine", "RequestPage", "SavedView",
           "TalentLine", "TalentProfile", "TimelineEntry", "ViewService"]

# A search counts its matches up to this many and shows "1000+" beyond (the exact figure follows in a
# worker): counting every match of one typed letter would cost more than the keystroke's budget.
SEARCH_COUNT_CAP = 1000
# A short Chinese query lists the enterprises it matches as parameters up to this many.
ENTERPRISE_LIST_MAX = 200


class SavedView(Struct, frozen=True):
    key: str
    label: str


class ViewService:
    """Read-only queries for the screens; every method is safe to call from a worker thread."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def query(self, select: str, source: str, where: Sequence[str], params: Sequence[object],
              order: Sequence[str], descending: bool, convert: Callable[[tuple[Any, ...]], Any],
              **options: Any) -> PagedQuery:
        """A list over any SQL view of the desk's database. The report engine's list behind a figure is
        made here: reports sit below the services and reach them only through the desk they are given."""
        return PagedQuery(self.desk.office.db, select, source, where, params, order, descending, convert,
                          **options)

    def full_for(self, talent: Talent) -> bool:
        """Whether this talent's numbers are shown in full to the acting person (need to know, or a reveal)."""
        return self.desk.privacy.talent_needs_numbers(talent.id, talent.specialist_id)

    def phone(self, value: str | None, full: bool = False) -> str:
        return self.desk.privacy.phone(value, full)

    def id_number(self, value: str | None, full: bool = False) -> str:
        return self.desk.privacy.id_number(value, full)

    # -- talents ----------------------------------------------------------------------------------

    def talents(
        self,
        *,
        search: str = "",
        township: str | None = None,
        category: str | None = None,
        specialist_id: str | None = None,
    ) -> PagedQuery:
        directory = self.desk.directory
        townships = {code: t.name for code, t in directory.townships.items()}
        categories = dict(directory.talent_categories)
        enterprise_ids = self._short_enterprise_ids(search)
        condition = talent_condition(search, enterprise_ids=enterprise_ids)
        scan = talent_condition(search, indexed=False, enterprise_ids=enterprise_ids)

        privacy = self.desk.privacy

        def convert(row: tuple[Any, ...]) -> TalentLine:
            tid, name, phone, category_code, township_code, enterprise, specialist, card, specialist_id, key = row
            full = privacy.needs_numbers(talent_id=tid, specialist_id=specialist_id)
            return TalentLine(
                id=tid, name=name, phone=self.phone(phone, full), category=categories.get(category_code, ""),
                township=townships.get(township_code or "", ""), enterprise=enterprise or "",
                specialist=specialist or "", card_no=card or "", key=key,
            )

        return queries.talent_list(self.desk.office.db, convert, township=township, category=category,
                                   specialist_id=specialist_id, condition=condition, scan=scan,
                                   count_cap=SEARCH_COUNT_CAP if condition is not None else None)

    def _short_enterprise_ids(self, search: str) -> list[str] | None:
        """For a 1–2 character Chinese query, the enterprises whose names contain it, looked up once per
        keystroke (not once by the count and again by the page); None when there are too many to list."""
        if not short_enterprise_query(search):
            return None
        return queries.enterprises_named(self.desk.office.db, search.strip(), ENTERPRISE_LIST_MAX)

    def talent_profile(self, talent_id: str, place: str = "人才档案") -> TalentProfile:
        """The talent's profile as display text, personal numbers masked unless the work needs them
        (a view in full is recorded as an access)."""
        directory = self.desk.directory
        talent = self.desk.talents.get(talent_id)
        township = directory.townships.get(talent.township_code or "")
        full = self.full_for(talent)
        if full:
            self.desk.privacy.record([talent.id], "numbers", place)
        return TalentProfile(
            name=talent.name,
            phone=self.phone(talent.phone, full),
            id_kind=talent.id_kind,
            id_number=self.id_number(talent.id_number, full) or "—",
            category=directory.talent_categories.get(talent.category_code, ""),
            level=directory.talent_levels.get(talent.level_code, ""),
            enterprise=talent.enterprise_name or "—",
            township=township.name if township else "—",
            specialist=talent.specialist_name or "—",
            card_no=talent.card_no or "—",
            notes=self.desk.privacy.text(talent.notes, full) or "—",
        )

    def timeline(self, talent_id: str, limit: int = 200) -> list[TimelineEntry]:
        """Calls and requests of one talent as one list, newest first."""
        file = self.desk.talents.file(talent_id, limit=limit)
        measures = self.desk.directory.measures
        full = self.full_for(file.talent)

        def text(value: str) -> str:
            return self.desk.privacy.text(value, full)

        entries = [
            TimelineEntry(
                at=call.at, kind="call",
                title=f"{call.direction.label} · {call.outcome.label}"
                + (f" · {call.measure} {measures[call.measure].name}" if call.measure in measures else ""),
                detail=text(call.summary), request_id=call.request_id,
            )
            for call in file.calls
        ]
        entries += [
            TimelineEntry(
                at=request.opened_at, kind="request",
                title=f"工单 {request.number} · {request.status.label} · {request.measure} "
                f"{measures[request.measure].name if request.measure in measures else ''}",
                detail=text(request.summary), request_id=request.id,
            )
            for request in file.requests
        ]
        return sorted(entries, key=lambda entry: entry.at, reverse=True)

    # -- caller lookup at intake ------------------------------------------------------------------

    def caller_card(self, phone: str) -> CallerCard | None:
        """Everything the operator needs about a caller while still on the phone; None if unknown."""
        from dongwu_tui.domain.identifiers import InvalidIdentifier, normalize_phone

        try:
            number = normalize_phone(phone)
        except InvalidIdentifier:
            return None
        card = queries.caller_card(self.desk.office.db, number)
        if card is None:
            return None
        # The caller on the line: whoever takes the call works with their data, and the view is recorded.
        if self.desk.actor is not None:
            self.desk.privacy.record([card.talent.id], "numbers", "来电登记")
        directory = self.desk.directory
        township = directory.townships.get(card.talent.township_code or "")
        return msgspec_replace(card, township_name=township.name if township else "",
                               category_name=directory.talent_categories.get(card.talent.category_code, ""))

    # -- requests ---------------------------------------------------------------------------------

    def request_views(self) -> list[SavedView]:
        mine = self.desk.actor is not None and self.desk.actor.role is Role.SPECIALIST
        return [
            SavedView("to_sign", "待签收"),
            SavedView("in_progress", f"我的{Status.IN_PROGRESS.label}" if mine else Status.IN_PROGRESS.label),
            SavedView("due_soon", "两日内到期"),
            SavedView("overdue", "已超期"),
            SavedView("to_visit", "待回访"),
            SavedView("returned", "退单待审核"),
            SavedView("all", "全部工单"),
        ]

    def _view_where(self, view: str) -> tuple[list[str], list[object], bool]:
        today = self.desk.clock().date()
        actor = self.desk.actor
        specialist = (actor.id, actor.office_id) if actor is not None and actor.role is Role.SPECIALIST else None
        return queries.request_view(view, today, lambda: self.desk.calendar.add_working_days(today, 2), specialist)

    def view_counts(self) -> dict[str, int]:
        """The exact count of every saved view, in one statement.

        Each view is a range of the partial covering index `request_live_status_due` (migration 0006).
        "All" without a scope is the table's row count (SQLite counts the smallest index) minus the
        deleted requests (a partial index of their own), instead of a scan of every live row."""
        counts: list[tuple[str | None, list[object]]] = []
        keys: list[str] = []
        for view in self.request_views():
            where, values, _ = self._view_where(view.key)
            keys.append(view.key)
            counts.append((None, []) if view.key == "all" and not where else (" AND ".join(where), values))
        figures = queries.count_all(self.desk.office.db, counts)
        return dict(zip(keys, figures, strict=True))

    def requests(self, view: str, search: str = "") -> PagedQuery:
        where, params, descending = self._view_where(view)
        text = search.strip()
        if text:
            condition, values = queries.request_search(text)
            where.append(condition)
            params += values
        directory = self.desk.directory
        requests = self.desk.requests
        privacy = self.desk.privacy

        def convert(row: tuple[Any, ...]) -> RequestLine:
            measures = directory.measures  # read on first use, in the worker that runs the query
            rid, number, measure, status, due, talent, assignee, summary, opened, talent_id, assignee_id, key = row
            summary = privacy.text(summary, privacy.needs_numbers(talent_id=talent_id, assignee_id=assignee_id))
            status = Status(status)
            due_day = date.fromisoformat(str(due)[:10])
            open_ = status in OPEN_STATUSES
            return RequestLine(
                id=rid, number=number, measure=measure,
                measure_name=measures[measure].name if measure in measures else "",
                status=status, status_label=status.label, due=due_day,
                days_left=self.desk.calendar.working_days_between(requests.today(), due_day) if open_ else None,
                talent_name=talent or "", assignee=assignee or "", summary=summary,
                opened_at=datetime.fromisoformat(str(opened)), key=key,
            )

        return queries.request_list(self.desk.office.db, where, params, newest_first=view == "all",
                                    descending=descending, convert=convert)

    def request_page(self, ref: str) -> RequestPage:
        """A request with its timeline, due date in working days and the moves this actor may make."""
        requests = self.desk.requests
        request = requests.get(ref)
        directory = self.desk.directory
        talent_name = ""
        if request.talent_id:
            # A talent who moved to another township leaves this office once the centre has them
            # (sync/departures.py); the requests this office handled stay.
            name = queries.talent_name(self.desk.office.db, request.talent_id)
            talent_name = name if name is not None else "（已迁出本单位）"
        assignee = directory.staff(request.assignee_id).name if request.assignee_id else ""
        site = ""
        if request.assignee_site_id:
            site = directory.site(request.assignee_site_id).name
        privacy = self.desk.privacy
        full = privacy.needs_numbers(talent_id=request.talent_id, assignee_id=request.assignee_id)
        if full and request.talent_id and request.phone:
            privacy.record([request.talent_id], "numbers", "工单详情")

        def text(value: str) -> str:
            return privacy.text(value, full)

        return RequestPage(
            request=request,
            measure_name=directory.measure(request.measure).name,
            talent_name=talent_name,
            phone=self.phone(request.phone, full),
            assignee=assignee,
            assignee_site=site,
            merged_into=requests.number_of(request.merged_into_id),
            days_left=requests.working_days_left(request) if request.is_open else None,
            events=[RequestPageEvent(at=e.at, who=e.actor_name, label=event_label(e.action),
                                     to=e.to_status.label, reason=text(e.reason)) for e in request.events],
            moves=list(requests.allowed_moves(request)),
            summary=text(request.summary), resolution=text(request.resolution),
            extension_reason=text(request.extension_reason), return_reason=text(request.return_reason), full=full,
        )
