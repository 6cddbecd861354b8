"""The desk's named read queries: the SQL behind the screens' lists and pages, and the typed read models
(msgspec structs) the screens and the command line read by attribute.

Every raw read the services, screens and commands need lives here; the services add what depends on
who is acting (masked personal numbers, the moves allowed) and on the catalogues (names of measures,
townships, categories) to these models, and the screens only read their fields.

- Lists: `PagedQuery` is a SQL view with a sort key that ends in the row id. The screen asks for the
  row count, a sparse set of anchor keys (every `step`-th row), and pages that start at a key, so it
  can jump anywhere in 100k rows without OFFSET and without loading anything it does not draw.
  `talent_list` and `request_list` are the two lists of the desk; their rows are `TalentLine` and
  `RequestLine`.
- Search: `talent_condition` turns what a person types into a condition over `talent t` (see its
  notes): 3 characters and more go through the FTS5 trigram indexes (storage/search_index.py), 1–2
  characters through prefix ranges on the plain indexes of name, pinyin, initials, phone and card.
- Pages: the caller card at intake (`caller_card`), the talent profile (`TalentProfile`), the request
  page (`RequestPage`) and the talent timeline (`TimelineEntry`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from msgspec import Struct, field

from dongwu_tui.domain.lifecycle import Move
from dongwu_tui.domain.models import (
    OPEN_STATUSES,
    WORKING_STATUSES,
    CallOutcome,
    IdKind,
    ServiceRequest,
    Status,
    Talent,
    statuses_sql,
    view_status,
)
from dongwu_tui.storage.convert import _dt
from dongwu_tui.storage.database import translated_errors

PAGE_SIZE = 100

Key = tuple[Any, ...]

# -- read models ------------------------------------------------------------------------------------


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


class TalentProfile(Struct, frozen=True):
    """A talent as the profile shows them: display text, personal numbers masked unless the role needs
    them, "—" where nothing is known (name, phone, category and level are shown as they are)."""

    name: str
    phone: str
    id_kind: IdKind
    id_number: str
    category: str
    level: str
    enterprise: str
    township: str
    specialist: str
    card_no: str
    notes: str


class CallerCall(Struct, frozen=True):
    at: datetime
    summary: str
    outcome: CallOutcome
    measure: int | None


class CallerRequest(Struct, frozen=True):
    number: str
    measure: int
    status: Status
    summary: str


class CallerCard(Struct, frozen=True):
    """Everything the operator needs about a caller while still on the phone."""

    talent: Talent
    calls: list[CallerCall]  # the number's last calls, newest first
    open_requests: list[CallerRequest]  # the talent's open requests, newest first
    township_name: str = ""
    category_name: str = ""


class RequestPageEvent(Struct, frozen=True):
    at: datetime
    who: str
    label: str  # what was done
    to: str  # the status it led to
    reason: str


class RequestPage(Struct, frozen=True):
    """A request with its timeline, due date in working days and the moves the acting person may make."""

    request: ServiceRequest
    measure_name: str
    talent_name: str  # "" when the request names no talent
    phone: str
    assignee: str
    assignee_site: str
    merged_into: str | None
    days_left: int | None  # working days to the due date while open; negative when overdue
    events: list[RequestPageEvent] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    # The request's free text, numbers inside masked unless `full` (the acting person's work needs them).
    summary: str = ""
    resolution: str = ""
    extension_reason: str = ""
    return_reason: str = ""
    full: bool = False


# -- lists paged by key -----------------------------------------------------------------------------


class PagedQuery:
    """One list: rows of `FROM ... WHERE ...` ordered by `order` (all ascending or all descending)."""

    def __init__(
        self,
        db: Any,
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
        """`db`: the office's database (its connection is per thread, so a worker may run the query).
        `count_cap`: `count()` stops there (a broad search). `scan_where`: the same conditions written to
        walk the sort order's index and filter (see `talent_condition(indexed=False)`); pages use it
        once the count has shown that matches are too many to collect and sort."""
        self.db = db
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
            return list(self.db.execute_sql(sql, list(params)).fetchall())

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
        flipped = PagedQuery(self.db, self.select, self.source, self.where, self.params, self.order,
                             not self.descending, self.convert, count_cap=self.count_cap,
                             scan_where=self.scan_where, alias=self.alias, count_source=self.count_source)
        flipped.capped = self.capped
        rows = flipped.page(key, 1, inclusive=False)
        return rows[0] if rows else None


def talent_list(db: Any, convert: Callable[[tuple[Any, ...]], TalentLine], *, township: str | None = None,
                category: str | None = None, specialist_id: str | None = None,
                condition: Condition | None = None, scan: Condition | None = None,
                count_cap: int | None = None) -> PagedQuery:
    """Live talents of a township, category and specialist (each when given) matching a search condition
    (`talent_condition`), in pinyin order (migration 0010). `scan`: the same condition in its scan form
    (`indexed=False`), for pages of a search whose matches are too many to collect and sort. The rows
    given to `convert`: id, name, phone, category code, township code, enterprise name, specialist name,
    card number, then the sort key."""
    where = ["t.deleted = 0"]
    params: list[object] = []
    for column, value in (("t.township_code", township), ("t.category_code", category),
                          ("t.specialist_id", specialist_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    scan_where: list[str] | None = None
    if condition is not None:
        if scan is not None:
            assert scan.params == condition.params
            scan_where = [*where, scan.sql]
        where.append(condition.sql)
        params.extend(condition.params)
    return PagedQuery(
        db,
        select="t.id, t.name, t.phone, t.category_code, t.township_code, "
        "(SELECT e.name FROM enterprise e WHERE e.id = t.enterprise_id), "
        "(SELECT s.name FROM staff s WHERE s.id = t.specialist_id), t.card_no, t.specialist_id",
        source="FROM talent t",
        where=where,
        params=params,
        order=["t.name_pinyin", "t.name", "t.id"],
        descending=False,
        convert=convert,
        count_cap=count_cap,
        scan_where=scan_where,
        alias="t",
    )


def request_list(db: Any, where: Sequence[str], params: Sequence[object], *, newest_first: bool,
                 descending: bool, convert: Callable[[tuple[Any, ...]], RequestLine]) -> PagedQuery:
    """Live requests matching `where` (over `service_request r`), by opening time (`newest_first`) or by
    due date. The rows given to `convert`: id, number, measure, status, due date, talent name, assignee
    name, summary, opening time, talent id, assignee id, then the sort key."""
    return PagedQuery(
        db,
        select="r.id, r.number, r.measure_number, r.status, r.due_date, "
        "(SELECT t.name FROM talent t WHERE t.id = r.talent_id), "
        "(SELECT s.name FROM staff s WHERE s.id = r.assignee_id), r.summary, r.opened_at, r.talent_id, "
        "r.assignee_id",
        source="FROM service_request r",
        # `+` keeps the planner off the report index on `deleted`, which covers the filter but not the
        # order: SQLite 3.53 (the SQLCipher build) picked it and sorted every live request for one page.
        where=["+r.deleted = 0", *where],
        params=params,
        order=["r.opened_at", "r.id"] if newest_first else ["r.due_date", "r.id"],
        descending=descending,
        convert=convert,
    )


def request_view(view: str, today: date, soon: Callable[[], date],
                 specialist: tuple[str, str | None] | None = None) -> tuple[list[str], list[object], bool]:
    """The conditions over `service_request r` of a saved request view (`ViewService.request_views`),
    their parameters, and whether the list runs newest first. `soon()`: the last due date the
    "due in 2 days" view takes. `specialist`: (staff id, office id) of a specialist, who sees what is
    theirs and what was sent to their office for nobody in particular."""
    where: list[str] = []
    params: list[object] = []
    if specialist is not None:
        where.append("(r.assignee_id = ? OR (r.assignee_id IS NULL AND r.assignee_site_id = ?))")
        params += list(specialist)
    descending = False
    if view in ("to_sign", "in_progress"):
        where.append(f"r.status = '{view_status(view).value}'")
    elif view == "due_soon":
        where.append(f"r.status IN ({statuses_sql(WORKING_STATUSES)}) AND r.due_date >= ? AND r.due_date <= ?")
        params += [today.isoformat(), soon().isoformat()]
    elif view == "overdue":
        # While a return waits for the supervisor, its clock and its overdue count are the supervisor's.
        counted = OPEN_STATUSES - {Status.RETURNED} if specialist is not None else OPEN_STATUSES
        where.append(f"r.status IN ({statuses_sql(counted)}) AND r.due_date < ?")
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


def request_search(text: str) -> tuple[str, list[object]]:
    """The condition over `service_request r` for a typed query: part of the request number, the start of
    the phone number, or the talent as `talent_condition` finds them."""
    condition = talent_condition(text)
    parts = ["instr(r.number, ?) > 0", "(r.phone >= ? AND r.phone < ?)"]
    values: list[object] = [text.upper(), text, text + MAX_CHAR]
    if condition is not None:
        parts.append(f"r.talent_id IN (SELECT t.id FROM talent t WHERE t.deleted = 0 AND {condition.sql})")
        values += list(condition.params)
    return "(" + " OR ".join(parts) + ")", values


def count_all(db: Any, counts: Sequence[tuple[str | None, Sequence[object]]]) -> list[int]:
    """Several request counts in one statement: for each, a condition over live `service_request r` and
    its parameters; None counts every live request.

    None is the table's row count (SQLite counts the smallest index) minus the deleted requests (a
    partial index of their own), instead of a scan of every live row."""
    parts: list[str] = []
    params: list[object] = []
    for condition, values in counts:
        if condition is None:
            parts.append("(SELECT count(*) FROM service_request) - "
                         "(SELECT count(*) FROM service_request WHERE deleted <> 0)")
            continue
        clause = f" AND {condition}" if condition else ""
        parts.append(f"(SELECT count(*) FROM service_request r WHERE r.deleted = 0{clause})")
        params += values
    with translated_errors():
        row = db.execute_sql("SELECT " + ", ".join(parts), params).fetchone()
    return [int(value) for value in row]


# -- search -----------------------------------------------------------------------------------------

TRIGRAM_MIN = 3
PHONE_MIN = 3
PHONE_ANYWHERE_MIN = 4
# The highest code point: `x >= 'ab' AND x < 'ab' || MAX_CHAR` is a prefix match that uses an index.
MAX_CHAR = "\U0010ffff"
_DIGITS_RE = re.compile(r"[0-9 \-]+")
_ASCII_LETTERS_RE = re.compile(r"[A-Za-z]+")
_CARD_RE = re.compile(r"[A-Za-z0-9\-]+")


class Condition(Struct, frozen=True):
    """A WHERE fragment over `talent t` and its parameters."""

    sql: str
    params: tuple[object, ...]


def _fts_phrase(text: str) -> str:
    # Double quotes make the query one FTS5 string; a quote inside is escaped by doubling.
    return '"' + text.replace('"', '""') + '"'


def _prefix(column: str, value: str) -> tuple[str, list[object]]:
    return f"({column} >= ? AND {column} < ?)", [value, value + MAX_CHAR]


def _column(name: str, indexed: bool) -> str:
    # A unary `+` keeps SQLite from using an index for this term: the scan form of a search filters rows
    # met while walking another index (the list's order) instead of collecting matches and sorting them.
    return name if indexed else f"+{name}"


def query_kind(text: str) -> str:
    """phone, pinyin, card or chinese: which columns a typed query is compared with."""
    if _DIGITS_RE.fullmatch(text):
        return "phone"
    if _ASCII_LETTERS_RE.fullmatch(text):
        return "pinyin"
    if _CARD_RE.fullmatch(text):
        return "card"
    return "chinese"


def short_enterprise_query(text: str) -> bool:
    """Whether a query takes the 1–2 character enterprise path (a scan of enterprise names)."""
    text = text.strip()
    return bool(text) and query_kind(text) == "chinese" and len(text) < TRIGRAM_MIN


def enterprises_named(db: Any, text: str, limit: int) -> list[str] | None:
    """The live enterprises whose names contain `text`; None when there are more than `limit`."""
    with translated_errors():
        rows = db.execute_sql(
            "SELECT e.id FROM enterprise e WHERE e.deleted = 0 AND instr(e.name, ?) > 0 LIMIT ?",
            [text, limit + 1]).fetchall()
    return [row[0] for row in rows] if len(rows) <= limit else None


def talent_condition(text: str, *, indexed: bool = True,
                     enterprise_ids: list[str] | None = None) -> Condition | None:
    """The WHERE condition that finds talents for a typed query; None when there is nothing to search.

    Digits match the start of a phone number, and from 4 digits on anywhere in it (the trigram index
    holds the phone): callers are found by the last four digits.
    `indexed=False` gives the same condition with its terms kept off the indexes (see `_column`): the
    form for a broad search, whose first page is found fastest by walking the list's own order.
    `enterprise_ids`: the enterprises a 1–2 character query matches, when the caller looked them up once
    (see `short_enterprise_query`); the condition then lists them instead of scanning names again."""
    text = text.strip()
    if not text:
        return None
    kind = query_kind(text)
    parts: list[str] = []
    params: list[object] = []

    def add(sql: str, values: list[object]) -> None:
        parts.append(sql)
        params.extend(values)

    def col(name: str) -> str:
        return _column(name, indexed)

    def fts(columns: str, value: str) -> None:
        add(
            f"{col('t.rowid')} IN (SELECT rowid FROM talent_fts WHERE talent_fts MATCH ?)",
            [f"{{{columns}}}: {_fts_phrase(value)}"],
        )

    if kind == "phone":
        digits = text.replace(" ", "").replace("-", "")
        if len(digits) < PHONE_MIN:
            # Every mobile starts with 1: one or two digits would match the whole caseload.
            return Condition("0", ())
        add(*_prefix(col("t.phone"), digits))
        if len(digits) >= PHONE_ANYWHERE_MIN:
            # Hotline staff ask for the last four digits: 4 and more match anywhere in the number.
            fts("phone card_no", digits)
        elif len(digits) >= TRIGRAM_MIN:
            fts("card_no", digits)
    elif kind == "pinyin":
        lower = text.lower()
        add(*_prefix(col("t.name_initials"), lower))
        add(*_prefix(col("t.name_pinyin"), lower))
        if len(lower) >= TRIGRAM_MIN:
            fts("name_pinyin name_initials card_no", lower)
        else:
            add(*_prefix(col("t.card_no"), text.upper()))
    elif kind == "card":
        add(*_prefix(col("t.card_no"), text.upper()))
        if len(text) >= TRIGRAM_MIN:
            fts("card_no", text)
    else:
        add(*_prefix(col("t.name"), text))
        if len(text) >= TRIGRAM_MIN:
            fts("name", text)
            add(
                f"{col('t.enterprise_id')} IN (SELECT e.id FROM enterprise e WHERE e.rowid IN "
                "(SELECT rowid FROM enterprise_fts WHERE enterprise_fts MATCH ?))",
                [_fts_phrase(text)],
            )
        elif enterprise_ids is not None:
            if enterprise_ids:
                add(f"{col('t.enterprise_id')} IN ({', '.join('?' for _ in enterprise_ids)})", list(enterprise_ids))
        else:
            # Enterprises are few (one for every several talents): a scan of their names is cheap.
            add(
                f"{col('t.enterprise_id')} IN "
                "(SELECT e.id FROM enterprise e WHERE e.deleted = 0 AND instr(e.name, ?) > 0)",
                [text],
            )
    return Condition("(" + " OR ".join(parts) + ")", tuple(params))


# -- pages ------------------------------------------------------------------------------------------


def caller_card(db: Any, number: str) -> CallerCard | None:
    """The live talent with this (normalised) phone number, the number's last 3 calls and the talent's
    last 5 open requests; None if no talent has the number.

    The hot path of intake (it runs as the operator types): three indexed look-ups (talent by phone with
    its names, the number's last calls by `call_phone_at`, the open requests by `request_talent`), with
    no ORM rows in between."""
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
    return CallerCard(
        talent=talent,
        calls=[CallerCall(at=_dt(at) or datetime.min, summary=summary, outcome=CallOutcome(outcome),
                          measure=measure) for at, summary, outcome, measure in calls],
        open_requests=[CallerRequest(number=number, measure=measure, status=Status(status), summary=summary)
                       for number, measure, status, summary in open_rows],
    )


def talent_name(db: Any, talent_id: str) -> str | None:
    """The name of a talent this office holds (deleted or not); None when it holds no such talent."""
    with translated_errors():
        row = db.execute_sql("SELECT name FROM talent WHERE id = ?", [talent_id]).fetchone()
    return row[0] if row else None


def duplicate_identities(db: Any) -> list[tuple[str, list[str]]]:
    """Resident ID numbers and card numbers that more than one live talent holds: (field, the talents'
    cards, or ids where they have none), each group's in order."""
    groups: list[tuple[str, list[str]]] = []
    with translated_errors():
        for name, extra in (("id_number", "AND id_kind = 'resident'"), ("card_no", "")):
            rows = db.execute_sql(
                f"SELECT group_concat(coalesce(card_no, id), ' / ') FROM talent "
                f"WHERE deleted = 0 AND {name} IS NOT NULL AND {name} <> '' {extra} "
                f"GROUP BY {name} HAVING count(*) > 1 "
                f"ORDER BY min(id)").fetchall()
            groups += [(name, sorted(text.split(" / "))) for (text,) in rows]
    return groups


# -- closure counts (services/stats.py) ------------------------------------------------------------

_STATUS_COUNTS = """
SELECT {key} AS key, status, COUNT(*) AS n,
       SUM(CASE WHEN status IN ({open}) AND due_date < ? THEN 1 ELSE 0 END) AS overdue
FROM service_request
WHERE deleted = 0 {period}
GROUP BY key, status
"""
STATUS_COUNT_KEYS = ("measure_number", "township_code", "assignee_id")


def status_counts(db: Any, key: str, today: date, since: date | None,
                  until: date | None) -> list[tuple[Any, str, int, int]]:
    """(group key, status, requests, of them open and past due on `today`) of the live requests opened
    in the period, grouped by `key` (one of `STATUS_COUNT_KEYS`) and status."""
    if key not in STATUS_COUNT_KEYS:
        raise ValueError(key)
    open_list = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
    period, params = "", [today.isoformat()]
    if since:
        period += " AND opened_at >= ?"
        params.append(since.isoformat())
    if until:
        period += " AND opened_at < date(?, '+1 day')"
        params.append(until.isoformat())
    cursor = db.execute_sql(_STATUS_COUNTS.format(key=key, open=open_list, period=period), params)
    return [(group, status, count, overdue or 0) for group, status, count, overdue in cursor.fetchall()]
