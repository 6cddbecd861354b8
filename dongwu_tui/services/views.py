"""The lists behind the desk screens: counts, pages by key, saved request views and the talent timeline.

A list on screen is a `PagedQuery`: a SQL view with a sort key that ends in the row id. The screen asks
for the row count, a sparse set of anchor keys (every `step`-th row), and pages that start at a key, so
it can jump anywhere in 100k rows without OFFSET and without loading anything it does not draw.
Rows come back as small plain objects with display-ready text (personal data already masked for the
acting role), never as storage rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from dongwu_tui.domain.identifiers import mask_id, mask_phone
from dongwu_tui.domain.lifecycle import event_label
from dongwu_tui.domain.models import OPEN_STATUSES, CallOutcome, IdKind, Status, Talent
from dongwu_tui.domain.models import WORKING_STATUSES, statuses_sql, view_status
from dongwu_tui.domain.roles import Role, sees_personal_data
from dongwu_tui.services.search import short_enterprise_query, talent_condition
from dongwu_tui.storage.database import translated_errors

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

PAGE_SIZE = 100
# A search counts its matches up to this many and shows "1000+" beyond (the exact figure follows in a
# worker): counting every match of one typed letter would cost more than the keystroke's budget.
SEARCH_COUNT_CAP = 1000
# A short Chinese query lists the enterprises it matches as parameters up to this many.
ENTERPRISE_LIST_MAX = 200

Key = tuple[Any, ...]


class TalentLine(Struct, frozen=True):
    id: str
    name: str
    phone: str
    category: str
    township: str
    enterprise: str
    specialist: str
    card_no: str
    key: Key


class RequestLine(Struct, frozen=True):
    id: str
    number: str
    measure: int
    measure_name: str
    status: Status
    status_label: str
    due: date
    days_left: int | None  # working days to the due date while open; negative when overdue
    talent_name: str
    assignee: str
    summary: str
    opened_at: datetime
    key: Key


class TimelineEntry(Struct, frozen=True):
    at: datetime
    kind: str  # "call" or "request"
    title: str
    detail: str
    request_id: str | None


class SavedView(Struct, frozen=True):
    key: str
    label: str


class PagedQuery:
    """One list: rows of `FROM ... WHERE ...` ordered by `order` (all ascending or all descending)."""

    def __init__(
        self,
        desk: Desk,
        select: str,
        source: str,
        where: Sequence[str],
        params: Sequence[object],
        order: Sequence[str],
        descending: bool,
        convert: Callable[[tuple[Any, ...]], Any],
        *,
        count_cap: int | None = None,
        scan_where: Sequence[str] | None = None,
        alias: str | None = None,
        count_source: str | None = None,
    ) -> None:
        """`count_cap`: `count()` stops there (a broad search). `scan_where`: the same conditions written to
        walk the sort order's index and filter (see `search.talent_condition(indexed=False)`); pages use it
        once the count has shown that matches are too many to collect and sort."""
        self.desk = desk
        self.select = select
        self.source = source
        self.where = list(where)
        self.params = list(params)
        self.order = list(order)
        self.descending = descending
        self.convert = convert
        self.count_cap = count_cap
        self.scan_where = list(scan_where) if scan_where is not None else None
        self.alias = alias  # the source table's alias: pages are fetched by row id first (see page)
        # What to count FROM, when the rows' source joins in more than the conditions need (the default: source).
        self.count_source = count_source or source
        self.capped = False  # the last count() reached count_cap: there are more rows than it says

    def _execute(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        with translated_errors():
            return list(self.desk.office.db.execute_sql(sql, list(params)).fetchall())

    def _where(self, extra: str | None = None, *, scan: bool = False) -> str:
        base = self.scan_where if scan and self.scan_where is not None else self.where
        clauses = base + ([extra] if extra else [])
        return (" WHERE " + " AND ".join(clauses)) if clauses else ""

    def _order_by(self) -> str:
        direction = " DESC" if self.descending else ""
        return ", ".join(f"{column}{direction}" for column in self.order)

    def count(self, cap: int | None = None) -> int:
        """The number of rows; with a cap (given, or the query's own) at most cap + 1, and `capped` tells
        whether there were more than cap. `exact_count()` ignores the query's cap."""
        cap = self.count_cap if cap is None else cap
        inner = f"SELECT 1 {self.count_source}{self._where()}" + (f" LIMIT {int(cap) + 1}" if cap else "")
        found = int(self._execute(f"SELECT count(*) FROM ({inner})", self.params)[0][0])
        self.capped = cap is not None and cap > 0 and found > cap
        return found

    def shown_count(self, count: int) -> str:
        """A count as a list shows it: "1000+" when it is a capped count that stopped at the cap (the exact
        figure, fetched afterwards, shows as itself)."""
        if self.capped and self.count_cap is not None and count == self.count_cap + 1:
            return f"{self.count_cap}+"
        return str(count)

    def exact_count(self) -> int:
        """Every row, ignoring the cap; leaves `capped` (which chooses how pages are read) as it was."""
        return int(self._execute(f"SELECT count(*) {self.count_source}{self._where()}", self.params)[0][0])

    def anchors(self, step: int = PAGE_SIZE) -> list[Key]:
        """The sort key of rows 0, step, 2*step, ...: where each page starts."""
        keys = ", ".join(f"{column} AS k{i}" for i, column in enumerate(self.order))
        names = ", ".join(f"k{i}" for i in range(len(self.order)))
        sql = (
            f"SELECT {names} FROM (SELECT {keys}, row_number() OVER (ORDER BY {self._order_by()}) - 1 AS rn "
            f"{self.source}{self._where()}) WHERE rn % {int(step)} = 0 ORDER BY rn"
        )
        return [tuple(row) for row in self._execute(sql, self.params)]

    def page(self, start: Key | None = None, limit: int = PAGE_SIZE, *, inclusive: bool = True) -> list[Any]:
        """Up to `limit` rows from the row whose key is `start` (or after it when not inclusive)."""
        extra = None
        params = list(self.params)
        if start is not None:
            columns = ", ".join(self.order)
            marks = ", ".join("?" for _ in self.order)
            op = ("<" if self.descending else ">") + ("=" if inclusive else "")
            extra = f"({columns}) {op} ({marks})"
            params.extend(start)
        keys = ", ".join(self.order)
        where = self._where(extra, scan=self.capped)
        if self.alias:
            # Late row: find the page's row ids by the sort key alone, then compute the shown columns
            # (and their look-ups) for those rows only, not for every match that had to be sorted.
            alias = self.alias
            sql = (f"SELECT {self.select}, {keys} {self.source} WHERE {alias}.rowid IN "
                   f"(SELECT {alias}.rowid {self.source}{where} ORDER BY {self._order_by()} LIMIT {int(limit)}) "
                   f"ORDER BY {self._order_by()}")
        else:
            sql = (f"SELECT {self.select}, {keys} {self.source}{where} "
                   f"ORDER BY {self._order_by()} LIMIT {int(limit)}")
        width = len(self.order)
        return [self.convert(tuple(row[:-width]) + (tuple(row[-width:]),)) for row in self._execute(sql, params)]


    def neighbour(self, key: Key, forward: bool) -> Any | None:
        """The row just after (or before) the row with this key, for next/previous without the list."""
        if forward:
            rows = self.page(key, 1, inclusive=False)
            return rows[0] if rows else None
        flipped = PagedQuery(self.desk, self.select, self.source, self.where, self.params, self.order,
                             not self.descending, self.convert, count_cap=self.count_cap,
                             scan_where=self.scan_where, alias=self.alias, count_source=self.count_source)
        flipped.capped = self.capped
        rows = flipped.page(key, 1, inclusive=False)
        return rows[0] if rows else None


class ViewService:
    """Read-only queries for the screens; every method is safe to call from a worker thread."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def query(self, select: str, source: str, where: Sequence[str], params: Sequence[object],
              order: Sequence[str], descending: bool, convert: Callable[[tuple[Any, ...]], Any],
              **options: Any) -> PagedQuery:
        """A list over any SQL view of the desk's database. The report engine's list behind a figure is
        made here: reports sit below the services and reach them only through the desk they are given."""
        return PagedQuery(self.desk, select, source, where, params, order, descending, convert, **options)

    @property
    def unmasked(self) -> bool:
        actor = self.desk.actor
        return actor is not None and sees_personal_data(actor.role)

    def phone(self, value: str | None) -> str:
        if not value:
            return ""
        return value if self.unmasked else mask_phone(value)

    def id_number(self, value: str | None) -> str:
        if not value:
            return ""
        return value if self.unmasked else mask_id(value)

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
        where = ["t.deleted = 0"]
        params: list[object] = []
        if township:
            where.append("t.township_code = ?")
            params.append(township)
        if category:
            where.append("t.category_code = ?")
            params.append(category)
        if specialist_id:
            where.append("t.specialist_id = ?")
            params.append(specialist_id)
        enterprise_ids = self._short_enterprise_ids(search)
        condition = talent_condition(search, enterprise_ids=enterprise_ids)
        scan_where: list[str] | None = None
        if condition is not None:
            scan = talent_condition(search, indexed=False, enterprise_ids=enterprise_ids)
            assert scan is not None and scan.params == condition.params
            scan_where = [*where, scan.sql]
            where.append(condition.sql)
            params.extend(condition.params)

        def convert(row: tuple[Any, ...]) -> TalentLine:
            tid, name, phone, category_code, township_code, enterprise, specialist, card, key = row
            return TalentLine(
                id=tid, name=name, phone=self.phone(phone), category=categories.get(category_code, ""),
                township=townships.get(township_code or "", ""), enterprise=enterprise or "",
                specialist=specialist or "", card_no=card or "", key=key,
            )

        return PagedQuery(
            self.desk,
            select="t.id, t.name, t.phone, t.category_code, t.township_code, "
            "(SELECT e.name FROM enterprise e WHERE e.id = t.enterprise_id), "
            "(SELECT s.name FROM staff s WHERE s.id = t.specialist_id), t.card_no",
            source="FROM talent t",
            where=where,
            params=params,
            order=["t.name_pinyin", "t.name", "t.id"],  # pinyin order (migration 0010)
            descending=False,
            convert=convert,
            count_cap=SEARCH_COUNT_CAP if condition is not None else None,
            scan_where=scan_where,
            alias="t",
        )

    def _short_enterprise_ids(self, search: str) -> list[str] | None:
        """For a 1–2 character Chinese query, the enterprises whose names contain it, looked up once per
        keystroke (not once by the count and again by the page); None when there are too many to list."""
        if not short_enterprise_query(search):
            return None
        with translated_errors():
            rows = self.desk.office.db.execute_sql(
                "SELECT e.id FROM enterprise e WHERE e.deleted = 0 AND instr(e.name, ?) > 0 LIMIT ?",
                [search.strip(), ENTERPRISE_LIST_MAX + 1]).fetchall()
        return [row[0] for row in rows] if len(rows) <= ENTERPRISE_LIST_MAX else None

    def talent_profile(self, talent_id: str) -> dict[str, str]:
        """The talent's profile as label → display text, personal numbers masked unless the role needs them."""
        directory = self.desk.directory
        talent = self.desk.talents.get(talent_id)
        township = directory.townships.get(talent.township_code or "")
        return {
            "姓名": talent.name,
            "电话": self.phone(talent.phone),
            talent.id_kind.label: self.id_number(talent.id_number) or "—",
            "人才类别": directory.talent_categories.get(talent.category_code, ""),
            "工程层级": directory.talent_levels.get(talent.level_code, ""),
            "所在企业": talent.enterprise_name or "—",
            "所属板块": township.name if township else "—",
            "联系专员": talent.specialist_name or "—",
            "人才卡号": talent.card_no or "—",
            "备注": talent.notes or "—",
        }

    def timeline(self, talent_id: str, limit: int = 200) -> list[TimelineEntry]:
        """Calls and requests of one talent as one list, newest first."""
        file = self.desk.talents.file(talent_id, limit=limit)
        measures = self.desk.directory.measures
        entries = [
            TimelineEntry(
                at=call.at, kind="call",
                title=f"{call.direction.label} · {call.outcome.label}"
                + (f" · {call.measure} {measures[call.measure].name}" if call.measure in measures else ""),
                detail=call.summary, request_id=call.request_id,
            )
            for call in file.calls
        ]
        entries += [
            TimelineEntry(
                at=request.opened_at, kind="request",
                title=f"工单 {request.number} · {request.status.label} · {request.measure} "
                f"{measures[request.measure].name if request.measure in measures else ''}",
                detail=request.summary, request_id=request.id,
            )
            for request in file.requests
        ]
        return sorted(entries, key=lambda entry: entry.at, reverse=True)

    # -- caller lookup at intake ------------------------------------------------------------------

    def caller_card(self, phone: str) -> dict[str, Any] | None:
        """Everything the operator needs about a caller while still on the phone; None if unknown.

        The hot path of intake (it runs as the operator types): three indexed look-ups in raw SQL
        (talent by phone with its names, the number's last calls by `call_phone_at`, the open requests
        by `request_talent`), with no ORM rows in between."""
        from dongwu_tui.domain.identifiers import InvalidIdentifier, normalize_phone
        from dongwu_tui.storage.convert import _dt

        try:
            number = normalize_phone(phone)
        except InvalidIdentifier:
            return None
        db = self.desk.office.db
        with translated_errors():
            row = db.execute_sql(
                "SELECT t.id, t.name, t.phone, t.id_kind, t.id_number, t.category_code, t.level_code, "
                "t.enterprise_id, t.township_code, t.specialist_id, t.card_no, t.notes, t.created_at, "
                "t.updated_at, (SELECT e.name FROM enterprise e WHERE e.id = t.enterprise_id), "
                "(SELECT s.name FROM staff s WHERE s.id = t.specialist_id) "
                "FROM talent t WHERE t.phone = ? AND t.deleted = 0 ORDER BY t.id LIMIT 1", [number]).fetchone()
            if row is None:
                return None
            calls = db.execute_sql(
                "SELECT at, summary, outcome, measure_number FROM call WHERE phone = ? AND deleted = 0 "
                "ORDER BY at DESC LIMIT 3", [row[2]]).fetchall()
            open_list = ", ".join("?" for _ in OPEN_STATUSES)
            open_rows = db.execute_sql(
                "SELECT number, measure_number, status, summary FROM service_request "
                f"WHERE talent_id = ? AND deleted = 0 AND status IN ({open_list}) "
                "ORDER BY opened_at DESC LIMIT 5", [row[0], *sorted(s.value for s in OPEN_STATUSES)]).fetchall()
        talent = Talent(
            id=row[0], name=row[1], phone=row[2], id_kind=IdKind(row[3]), id_number=row[4],
            category_code=row[5], level_code=row[6], enterprise_id=row[7], township_code=row[8],
            specialist_id=row[9], card_no=row[10], notes=row[11] or "",
            created_at=_dt(row[12]) or datetime.min, updated_at=_dt(row[13]) or datetime.min,
            enterprise_name=row[14], specialist_name=row[15],
        )
        directory = self.desk.directory
        township = directory.townships.get(talent.township_code or "")
        return {
            "talent": talent,
            "township_name": township.name if township else "",
            "category_name": directory.talent_categories.get(talent.category_code, ""),
            "calls": [
                {"at": _dt(at) or datetime.min, "summary": summary, "outcome": CallOutcome(outcome).label,
                 "measure": measure}
                for at, summary, outcome, measure in calls
            ],
            "open_requests": [
                {"number": number, "measure": measure, "status": Status(status).label, "summary": summary}
                for number, measure, status, summary in open_rows
            ],
        }

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

    def _request_scope(self) -> tuple[list[str], list[object]]:
        actor = self.desk.actor
        if actor is not None and actor.role is Role.SPECIALIST:
            # A specialist sees what is theirs, and what was sent to their office for nobody in particular.
            return ["(r.assignee_id = ? OR (r.assignee_id IS NULL AND r.assignee_site_id = ?))"], [
                actor.id, actor.office_id]
        return [], []

    def _view_where(self, view: str) -> tuple[list[str], list[object], bool]:
        today = self.desk.clock().date()
        open_list = statuses_sql(OPEN_STATUSES)
        working = statuses_sql(WORKING_STATUSES)
        where, params = self._request_scope()
        descending = False
        if view in ("to_sign", "in_progress"):
            where.append(f"r.status = '{view_status(view).value}'")
        elif view == "due_soon":
            limit = self.desk.calendar.add_working_days(today, 2)
            where.append(f"r.status IN ({working}) AND r.due_date >= ? AND r.due_date <= ?")
            params += [today.isoformat(), limit.isoformat()]
        elif view == "overdue":
            if self.desk.actor is not None and self.desk.actor.role is Role.SPECIALIST:
                # While a return waits for the supervisor, its clock and its overdue count are the supervisor's.
                open_list = statuses_sql(OPEN_STATUSES - {Status.RETURNED})
            where.append(f"r.status IN ({open_list}) AND r.due_date < ?")
            params.append(today.isoformat())
        elif view == "to_visit":
            where.append(f"r.status = '{view_status(view).value}' AND r.direct = 0")
        elif view == "returned":
            where.append(f"r.status = '{view_status(view).value}'")
        elif view == "all":
            descending = True
        else:
            raise ValueError(view)
        return where, params, descending

    def view_counts(self) -> dict[str, int]:
        """The exact count of every saved view, in one statement.

        Each view is a range of the partial covering index `request_live_status_due` (migration 0006).
        "All" without a scope is the table's row count (SQLite counts the smallest index) minus the
        deleted requests (a partial index of their own), instead of a scan of every live row."""
        parts: list[str] = []
        params: list[object] = []
        keys: list[str] = []
        for view in self.request_views():
            where, values, _ = self._view_where(view.key)
            keys.append(view.key)
            if view.key == "all" and not where:
                parts.append("(SELECT count(*) FROM service_request) - "
                             "(SELECT count(*) FROM service_request WHERE deleted <> 0)")
                continue
            clause = (" AND " + " AND ".join(where)) if where else ""
            parts.append(f"(SELECT count(*) FROM service_request r WHERE r.deleted = 0{clause})")
            params += values
        with translated_errors():
            row = self.desk.office.db.execute_sql("SELECT " + ", ".join(parts), params).fetchone()
        return {key: int(value) for key, value in zip(keys, row, strict=True)}

    def requests(self, view: str, search: str = "") -> PagedQuery:
        where, params, descending = self._view_where(view)
        where = ["r.deleted = 0", *where]
        text = search.strip()
        if text:
            upper = text.upper()
            condition = talent_condition(text)
            parts = ["instr(r.number, ?) > 0", "(r.phone >= ? AND r.phone < ?)"]
            values: list[object] = [upper, text, text + "\U0010ffff"]
            if condition is not None:
                parts.append(f"r.talent_id IN (SELECT t.id FROM talent t WHERE t.deleted = 0 AND {condition.sql})")
                values += list(condition.params)
            where.append("(" + " OR ".join(parts) + ")")
            params += values
        directory = self.desk.directory
        requests = self.desk.requests

        def convert(row: tuple[Any, ...]) -> RequestLine:
            measures = directory.measures  # read on first use, in the worker that runs the query
            rid, number, measure, status, due, talent, assignee, summary, opened, key = row
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

        order = ["r.opened_at", "r.id"] if view == "all" else ["r.due_date", "r.id"]
        return PagedQuery(
            self.desk,
            select="r.id, r.number, r.measure_number, r.status, r.due_date, "
            "(SELECT t.name FROM talent t WHERE t.id = r.talent_id), "
            "(SELECT s.name FROM staff s WHERE s.id = r.assignee_id), r.summary, r.opened_at",
            source="FROM service_request r",
            where=where,
            params=params,
            order=order,
            descending=descending,
            convert=convert,
        )

    def request_page(self, ref: str) -> dict[str, Any]:
        """A request with its timeline, due date in working days and the moves this actor may make."""
        requests = self.desk.requests
        request = requests.get(ref)
        directory = self.desk.directory
        talent_name = ""
        if request.talent_id:
            # A talent who moved to another township leaves this office once the centre has them
            # (sync/departures.py); the requests this office handled stay.
            row = self.desk.office.db.execute_sql("SELECT name FROM talent WHERE id = ?",
                                                  [request.talent_id]).fetchone()
            talent_name = row[0] if row else "（已迁出本单位）"
        assignee = directory.staff(request.assignee_id).name if request.assignee_id else ""
        site = ""
        if request.assignee_site_id:
            site = directory.site(request.assignee_site_id).name
        events = [
            {"at": e.at, "who": e.actor_name, "label": event_label(e.action), "to": e.to_status.label,
             "reason": e.reason}
            for e in request.events
        ]
        return {
            "request": request,
            "measure_name": directory.measure(request.measure).name,
            "talent_name": talent_name,
            "phone": self.phone(request.phone),
            "assignee": assignee,
            "assignee_site": site,
            "merged_into": requests.number_of(request.merged_into_id),
            "days_left": requests.working_days_left(request) if request.is_open else None,
            "events": events,
            "moves": requests.allowed_moves(request),
        }
