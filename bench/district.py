"""A whole district, deterministic for a seed: 100k talents, 20k enterprises, 300k requests with their
~2M events, 1M calls (at scale 1), loaded through `dongwu_tui.storage.bulk`.

Requests walk the real lifecycle (log, dispatch, sign, progress, extension, return and reassign,
resolve, return visit with some reworks, archive; some answered during the call, some merged, some
repeat calls) over two years up to `END`; recent ones are still open and some are overdue.

Where the time goes (target < 60 s): Python only decides what needs deciding one request at a
time (the lifecycle, seeded `random`), with times as plain seconds; SQLite formats every timestamp
(`datetime(?, 'unixepoch')`) and the ids of events and calls (UUIDv7 from the time and a hash of a
sequence number). The calls are made set-wise from the rows already loaded: one per request from the
request row, and the answered calls from a recursive series with hash-based pseudo-random choices
(`((i + salt) * 2654435761) % 2^32`), deterministic without Python in the loop.
"""

from __future__ import annotations

import random
import time
from array import array
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dongwu_tui.domain import identifiers
from dongwu_tui.domain.chinatime import CHINA_TZ
from dongwu_tui.services.demo import ENTERPRISE_TRADES, ENTERPRISE_WORDS, GIVEN, MEASURE_WEIGHTS, SURNAMES
from dongwu_tui.services.accounts import DEMO_PASSWORD
from dongwu_tui.services.setup import initialise
from dongwu_tui.storage.bulk import bulk_load
from dongwu_tui.storage.database import OfficeDatabase

END = datetime(2026, 11, 27, 17, 0)
DAYS = 730
SITE = "吴中区高层次人才服务中心"
SUPERVISOR = "督办乙"
OPERATOR = "话务员甲"  # the first of the operators below
SPECIALIST = "专员木渎0"  # the first specialist of 木渎 (specialists are named by township)
PASSWORD = DEMO_PASSWORD
SIZES = {"talents": 100_000, "enterprises": 20_000, "requests": 300_000, "calls": 1_000_000}

ENTERPRISE = ["id", "site_id", "created_at", "updated_at", "deleted", "name", "credit_code", "township_code",
              "industry_code"]
TALENT = ["id", "site_id", "created_at", "updated_at", "deleted", "name", "name_pinyin", "name_initials", "phone",
          "id_kind", "id_number", "category_code", "level_code", "enterprise_id", "township_code", "specialist_id",
          "card_no", "notes"]
REQUEST = ["id", "site_id", "created_at", "updated_at", "deleted", "number", "talent_id", "phone", "measure_number",
           "summary", "status", "township_code", "opened_by_id", "opened_at", "due_date", "assignee_site_id",
           "assignee_id", "dispatched_at", "signed_at", "resolved_at", "resolution", "direct", "visited_at",
           "satisfied", "archived_at", "merged_into_id", "extension_days", "extension_reason", "return_reason",
           "confidential"]
EVENT = ["id", "site_id", "created_at", "updated_at", "deleted", "request_id", "at", "actor_id", "action",
         "from_status", "to_status", "reason", "detail"]
CALL = ["id", "site_id", "created_at", "updated_at", "deleted", "at", "direction", "phone", "talent_id",
        "operator_id", "duration_s", "summary", "measure_number", "outcome", "request_id"]


EPOCH = datetime(1970, 1, 1)
CHINA_MS = int(CHINA_TZ.utcoffset(None).total_seconds() * 1000)  # timestamps are China time; UUIDv7 counts UTC ms


def _seconds(at: datetime) -> float:
    return (at - EPOCH).total_seconds()


def _uuid7(seconds: float, rng: random.Random) -> str:
    millis = int(seconds * 1000) - CHINA_MS
    rand = rng.getrandbits(74)
    text = f"{millis:012x}7{rand >> 62:03x}{(1 << 63) | (rand & ((1 << 62) - 1)):016x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _hash(key: str, multiplier: int, salt: int = 0) -> str:
    """24 well-mixed bits of a multiplicative hash of an integer expression below 2^31 (no overflow)."""
    return f"((((({key}) + {salt}) * {multiplier}) % 4294967296) >> 8)"


def _uuid7_sql(millis: str, key: str, salt: int) -> str:
    """A UUIDv7 for a time in UTC milliseconds (a column or parameter: it is read twice) and a distinct
    integer key below 2^31: the last 48 bits are a bijection of the key, so different keys give different
    ids whatever the time; the rest of the random bits are a hash of key and salt."""
    mixed = f"(((({key}) + {salt}) * 2246822519) % 4294967296)"
    return (f"printf('%08x-%04x-7%03x-%04x-%012x', ({millis}) >> 16, ({millis}) & 65535, {mixed} >> 20, "
            f"32768 | ({mixed} & 16383), (({key}) * 2654435761) % 281474976710656)")


_CLOCK: list[str] = []
_DAYS: dict[int, str] = {}


def _stamp(seconds: float) -> str:
    """'YYYY-MM-DD HH:MM:SS' of naive seconds since 1970 (what `_ts` gives), from two small caches."""
    if not _CLOCK:
        _CLOCK.extend(f" {h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))
    day, second = divmod(int(seconds), 86400)
    return _day(day) + _CLOCK[second]


def _day(day: int) -> str:
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
    return text


def _millis(seconds: float) -> int:
    return int(seconds * 1000) - CHINA_MS


def _pick(index: str, options: list[str]) -> str:
    return "CASE " + index + " " + " ".join(f"WHEN {i} THEN {_lit(o)}" for i, o in enumerate(options)) + " END"


def _weighted(index: str, values: list[int], weights: list[int]) -> str:
    """`values` drawn with `weights` from `index` uniform over [0, sum(weights))."""
    cases, total = [], 0
    for value, weight in zip(values, weights, strict=True):
        total += weight
        cases.append(f"WHEN {index} < {total} THEN {value}")
    return "CASE " + " ".join(cases[:-1]) + f" ELSE {values[-1]} END"


@dataclass
class Cast:
    site_id: str
    sites: dict[str, str]  # township code -> site id
    townships: list[str]
    specialists: dict[str, list[str]]
    operators: list[str]
    supervisor: str
    limits: dict[int, int]
    categories: list[str]
    levels: list[str]
    industries: list[str]


def _cast(path: Path) -> tuple[OfficeDatabase, Cast]:
    desk = initialise(path, SITE, "district")
    directory = desk.directory
    townships = list(directory.townships)
    specialists = {code: [directory.add_staff(f"专员{t.name[:2]}{i}", "specialist", code).id for i in range(3)]
                   for code, t in directory.townships.items()}
    operators = [directory.add_staff(f"话务员{n}", "operator").id for n in "甲丙丁戊己庚"]
    supervisor = directory.add_staff(SUPERVISOR, "supervisor").id
    desk.accounts.demo_passwords()  # every account signs in with PASSWORD, as in a demo
    db = desk.office.db
    cast = Cast(
        site_id=desk.site_id,
        sites={s.township_code: s.id for s in directory.sites() if s.township_code},
        townships=townships, specialists=specialists, operators=operators, supervisor=supervisor,
        limits={m.number: m.limit_days for m in directory.measures.values()},
        categories=[r[0] for r in db.execute_sql("SELECT code FROM talent_category ORDER BY position")],
        levels=[r[0] for r in db.execute_sql("SELECT code FROM talent_level ORDER BY position")],
        industries=[r[0] for r in db.execute_sql("SELECT code FROM industry ORDER BY position")],
    )
    return desk.office, cast


class PlainWriter:
    """The inserts of `BulkWriter` with every trigger in place (tests compare the two paths)."""

    def __init__(self, office: OfficeDatabase) -> None:
        self.office = office

    def _counted(self, table: str, run: Any) -> int:
        db = self.office.db
        before = db.execute_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0]
        run(db.cursor())
        return db.execute_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0] - before

    def insert(self, table: str, columns: list[str], rows: Any, values: list[str] | None = None) -> int:
        marks = ", ".join(values) if values is not None else ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})'
        return self._counted(table, lambda cursor: cursor.executemany(sql, rows))

    def insert_select(self, table: str, columns: list[str], select: str, params: Any = ()) -> int:
        sql = f'INSERT INTO "{table}" ({", ".join(columns)}) {select}'
        return self._counted(table, lambda cursor: cursor.execute(sql, tuple(params)))


# Salts of the hash-made ids and choices (distinct per use, so the choices are not correlated).
REQUEST_CALL_KEY, REPEAT_CALL_KEY, ANSWERED_CALL_KEY = 0, 50_000_000, 100_000_000


class District:
    """The rows of one district, table by table (requests before their events and calls)."""

    TABLES = ("enterprise", "talent", "service_request", "request_event", "call")

    def __init__(self, cast: Cast, scale: float = 1.0, seed: int = 7) -> None:
        self.cast = cast
        self.sizes = {key: max(int(n * scale), 10) for key, n in SIZES.items()}
        self.seed = seed
        self.talents: list[tuple[str, str, str, str]] = []  # id, phone, township, specialist
        self.request_ids: list[str] = []
        self.repeat_calls: list[tuple[Any, ...]] = []  # key, at, request, talent, phone, measure, operator, s
        self.events = 0
        self.seconds: dict[str, float] = {}

    # -- the tables -------------------------------------------------------------------------------

    def load(self, writer: Any, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
        """Insert the district through `writer` (`BulkWriter` or `PlainWriter`); counts per table."""
        counts: dict[str, int] = {}
        steps = {"enterprise": self._enterprises, "talent": self._talents, "service_request": self._requests,
                 "request_event": self._events, "call": self._calls}
        for table in tables:
            started = time.perf_counter()
            counts[table] = steps[table](writer)
            self.seconds[table] = time.perf_counter() - started
        return counts

    def _enterprises(self, writer: Any) -> int:
        rng = random.Random(self.seed)
        trades = [word for words in ENTERPRISE_TRADES.values() for word in words]
        self.enterprise_ids = []
        start = _seconds(END - timedelta(days=DAYS + 400))
        site = self.cast.site_id

        def rows() -> Iterator[tuple[Any, ...]]:
            for i in range(self.sizes["enterprises"]):
                at = start + i * 600
                eid = _uuid7(at, rng)
                self.enterprise_ids.append(eid)
                yield (eid, _stamp(at), f"苏州{rng.choice(ENTERPRISE_WORDS)}{rng.choice(trades)}有限公司{i:05d}",
                       identifiers.random_credit_code(rng), rng.choice(self.cast.townships),
                       rng.choice(self.cast.industries))

        values = ["?1", _lit(site), "?2", "?2", "0", "?3", "?4", "?5", "?6"]
        return writer.insert("enterprise", ENTERPRISE, rows(), values)

    def _talents(self, writer: Any) -> int:
        from pypinyin import Style, lazy_pinyin

        pinyin = {ch: lazy_pinyin(ch, style=Style.NORMAL)[0] for ch in set(SURNAMES + GIVEN)}
        rng = random.Random(self.seed + 1)
        start = _seconds(END - timedelta(days=DAYS + 300))
        born_from, born_to = date(1960, 1, 1), date(2002, 12, 31)
        cast = self.cast

        def rows() -> Iterator[tuple[Any, ...]]:
            for i in range(self.sizes["talents"]):
                at = start + i * 120
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
                syllables = [pinyin[ch] for ch in name]
                phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                township = rng.choice(cast.townships)
                specialist = rng.choice(cast.specialists[township])
                tid = _uuid7(at, rng)
                self.talents.append((tid, phone, township, specialist))
                yield (tid, _stamp(at), name, "".join(syllables), "".join(s[0] for s in syllables), phone,
                       identifiers.random_resident_id(rng, born_from, born_to),
                       rng.choice(cast.categories), rng.choice(cast.levels),
                       rng.choice(self.enterprise_ids), township, specialist,
                       f"DW{i + 1:06d}" if rng.random() < 0.6 else None)

        values = ["?1", _lit(cast.site_id), "?2", "?2", "0", "?3", "?4", "?5", "?6", "'resident'", "?7",
                  "?8", "?9", "?10", "?11", "?12", "?13", "''"]
        return writer.insert("talent", TALENT, rows(), values)

    def _requests(self, writer: Any) -> int:
        """Requests in the order they were opened, each walked through its lifecycle; the events are
        kept compactly (arrays of numbers) for `_events`."""
        rng = random.Random(self.seed + 2)
        cast = self.cast
        n = self.sizes["requests"]
        end = _seconds(END)
        first = end - DAYS * 86400
        span = int(end - first)
        cumulative, total = [], 0
        for weight in MEASURE_WEIGHTS:
            total += weight
            cumulative.append(total)
        actors = [*cast.operators, cast.supervisor, *(s for ids in cast.specialists.values() for s in ids)]
        actor_index = {a: i for i, a in enumerate(actors)}
        kinds: list[tuple[Any, ...]] = []
        kind_index: dict[tuple[Any, ...], int] = {}
        ev_request, ev_at, ev_actor, ev_kind = array("i"), array("d"), array("H"), array("H")
        self._plan = (actors, kinds, ev_request, ev_at, ev_actor, ev_kind)
        days: dict[int, str] = {}
        per_day: dict[str, int] = {}
        open_now: list[str] = []
        talents = self.talents
        request_ids = self.request_ids
        supervisor = cast.supervisor
        add_request, add_at, add_actor, add_kind = ev_request.append, ev_at.append, ev_actor.append, ev_kind.append

        def event(i: int, at: float, who: str, action: str, before: str | None, after: str, reason: str) -> None:
            key = (action, before, after, reason)
            kind = kind_index.get(key)
            if kind is None:
                kind = kind_index[key] = len(kinds)
                kinds.append(key)
            add_request(i)
            add_at(at)
            add_actor(actor_index[who])
            add_kind(kind)

        def rows() -> Iterator[tuple[Any, ...]]:
            for i in range(n):
                opened = first + span * i // n + rng.randrange(60)
                tid, phone, township, specialist = rng.choice(talents)
                measure = bisect(cumulative, rng.random() * total) + 1
                rid = _uuid7(opened, rng)
                request_ids.append(rid)
                day_no = int(opened // 86400)
                day = days.get(day_no)
                if day is None:
                    day = days[day_no] = (EPOCH + timedelta(days=day_no)).strftime("%Y%m%d")
                count = per_day[day] = per_day.get(day, 0) + 1
                operator = rng.choice(cast.operators)
                event(i, opened, operator, "log", None, "new", "")
                limit = max(cast.limits.get(measure, 5), 1)
                allowed = (limit * 7 // 5 + 1) * 86400
                due = opened + allowed
                status = "new"
                assignee_site = assignee = dispatched = signed = resolved = visited = satisfied = None
                archived = merged = extension_days = None
                resolution = extension_reason = return_reason = ""
                direct = 0
                t = opened

                def step(minutes: float, who: str, action: str, to: str, reason: str = "") -> bool:
                    nonlocal t, status
                    later = t + minutes * 60
                    if later > end:
                        return False
                    t = later
                    event(i, t, who, action, status, to, reason)  # noqa: B023 - called within its iteration
                    status = to
                    return True

                roll = rng.random()
                if roll < 0.15:  # answered during the call, archived later by the supervisor
                    step(3, operator, "answer", "resolved", "已当场解答")
                    direct, resolved, resolution = 1, _stamp(t), "已当场解答"
                    if step(rng.uniform(600, 4000), supervisor, "archive", "archived"):
                        archived = _stamp(t)
                elif roll < 0.16 and open_now:  # merged into an earlier open request
                    if step(20, supervisor, "merge", "merged", "重复受理"):
                        merged = open_now[-1]
                elif step(rng.uniform(5, 90), operator, "dispatch", "dispatched"):
                    assignee_site, assignee, dispatched = cast.sites.get(township), specialist, _stamp(t)
                    if rng.random() < 0.03 and step(rng.uniform(60, 1400), specialist, "return", "returned",
                                                    "非本人辖区"):
                        return_reason = "非本人辖区"
                        step(rng.uniform(60, 1400), supervisor, "reassign", "dispatched", "改派")
                    if status == "dispatched" and step(rng.uniform(30, 1400), specialist, "sign", "in_progress"):
                        signed = _stamp(t)
                        due = t + allowed
                        step(rng.uniform(60, 2000), specialist, "progress", "in_progress", "已联系人才")
                        if rng.random() < 0.06 and step(rng.uniform(60, 2000), specialist, "extend", "in_progress",
                                                        "需协调"):
                            extension_days, extension_reason = 5, "需协调"
                            if step(rng.uniform(60, 1400), supervisor, "approve-extension", "in_progress"):
                                extension_days = None
                                due += 7 * 86400
                        work = rng.uniform(0.3, 1.3) * limit * 1440
                        for attempt in range(2):
                            if not step(work, specialist, "resolve", "resolved", "已办理"):
                                break
                            resolved, resolution = _stamp(t), "已办理"
                            happy = attempt == 1 or rng.random() > 0.05
                            if not step(rng.uniform(600, 4000), specialist, "visit",
                                        "visited" if happy else "in_progress", "" if happy else "不满意"):
                                break
                            visited, satisfied = _stamp(t), 1 if happy else 0
                            if happy:
                                if step(rng.uniform(600, 6000), supervisor, "archive", "archived"):
                                    archived = _stamp(t)
                                break
                            due = t + allowed
                            work = rng.uniform(0.2, 0.8) * limit * 1440
                if rng.random() < 0.08 and status not in ("merged", "new"):
                    at = opened + rng.uniform(1, 10) * 86400
                    if at < end:
                        event(i, at, operator, "repeat-call", status, status, "再次来电")
                        self.repeat_calls.append((REPEAT_CALL_KEY + len(self.repeat_calls), _millis(at), _stamp(at),
                                                  rid, tid, phone, measure, rng.choice(cast.operators),
                                                  rng.randrange(60, 600)))
                if status in ("new", "dispatched", "in_progress"):
                    open_now.append(rid)
                    if len(open_now) > 50:
                        open_now.pop(0)
                yield (rid, _stamp(opened), _stamp(t), f"WZ-{day}-{count:04d}", tid, phone, measure, status, township,
                       operator, _day(int(due // 86400)),
                       assignee_site, assignee, dispatched, signed, resolved, resolution, direct, visited, satisfied,
                       archived, merged, extension_days, extension_reason, return_reason)

        values = ["?1", _lit(cast.site_id), "?2", "?3", "0", "?4", "?5", "?6", "?7", "'咨询人才政策'", "?8",
                  "?9", "?10", "?2", "?11", "?12", "?13", "?14", "?15", "?16", "?17", "?18", "?19", "?20", "?21",
                  "?22", "?23", "?24", "?25", "0"]
        return writer.insert("service_request", REQUEST, rows(), values)

    def _events(self, writer: Any) -> int:
        actors, kinds, ev_request, ev_at, ev_actor, ev_kind = self._plan
        ids = self.request_ids

        # Written in the order they happened, as the desk writes them (a request's events interleave with
        # the next requests'): their UUIDv7 ids then ascend with the rowid, so the primary key index and
        # `sync_row` are appended to instead of split all over. The key (the id's hash input) stays the
        # generation number, so the ids are those of the request-order build.
        order = sorted(range(len(ev_at)), key=ev_at.__getitem__)

        def rows() -> Iterator[tuple[Any, ...]]:
            for key in order:
                at = ev_at[key]
                yield (key, ids[ev_request[key]], int(at * 1000) - CHINA_MS, _stamp(at), actors[ev_actor[key]],
                       *kinds[ev_kind[key]])

        values = [_uuid7_sql("?3", "?1", 17), _lit(self.cast.site_id), "?4", "?4", "0", "?2", "?4",
                  "?5", "?6", "?7", "?8", "?9", "'{}'"]
        self.events = writer.insert("request_event", EVENT, rows(), values)
        del self._plan
        return self.events

    def _calls(self, writer: Any) -> int:
        cast = self.cast
        site = _lit(cast.site_id)
        db = writer.office.db
        # One call per request, made from the request row (the operator who logged it).
        last = db.execute_sql("SELECT coalesce(max(rowid), 0) FROM service_request").fetchone()[0]
        first_request = last - len(self.request_ids) + 1
        key = f"r.k - {first_request} + {REQUEST_CALL_KEY}"
        count = writer.insert_select("call", CALL, f"""
            WITH r AS MATERIALIZED (
                SELECT rowid AS k, id, opened_at, phone, talent_id, opened_by_id, measure_number,
                       CAST(strftime('%s', opened_at) AS INTEGER) * 1000 - {CHINA_MS} AS ms
                FROM service_request WHERE rowid BETWEEN ? AND ?)
            SELECT {_uuid7_sql("r.ms", key, 29)}, {site}, r.opened_at, r.opened_at, 0, r.opened_at, 'in', r.phone,
                   r.talent_id, r.opened_by_id, 60 + {_hash(key, 3266489917, 3)} % 840, '咨询人才政策',
                   r.measure_number, 'request', r.id
            FROM r ORDER BY r.k""", (first_request, last))
        # Repeat calls about a request, at the time of its repeat-call event.
        values = [_uuid7_sql("?2", "?1", 29), site, "?3", "?3", "0", "?3", "'in'", "?6", "?5", "?8", "?9",
                  "'再次询问办理进度'", "?7", "'attached'", "?4"]
        count += writer.insert("call", CALL, self.repeat_calls, values)
        # The rest: calls answered on the spot, spread evenly over the two years, by any talent. Each row of
        # the series is computed once (time, stamp, choices); the talent is a look-up by rowid.
        rest = self.sizes["calls"] - len(self.request_ids) - len(self.repeat_calls)
        if rest > 0:
            low, high = db.execute_sql("SELECT min(rowid), max(rowid) FROM talent").fetchone()
            end = int(_seconds(END))
            first = end - DAYS * 86400
            span = end - first
            key = f"i + 1 + {ANSWERED_CALL_KEY}"
            at = f"{first} + {span} * (i + 1) / {rest}"
            count += writer.insert_select("call", CALL, f"""
                WITH RECURSIVE s(i, ms, stamp, talent, measure) AS (
                    SELECT -1, 0, '', 0, 0
                    UNION ALL
                    SELECT i + 1, ({at}) * 1000 - {CHINA_MS}, datetime({at}, 'unixepoch'),
                           {low} + {_hash(key, 668265263, 13)} % {high - low + 1},
                           {_hash(key, 3266489917, 11)} % {sum(MEASURE_WEIGHTS)}
                    FROM s WHERE i + 1 < ?)
                SELECT {_uuid7_sql("s.ms", f"s.i + {ANSWERED_CALL_KEY}", 31)}, {site}, s.stamp, s.stamp, 0, s.stamp,
                       'in', t.phone, t.id,
                       {_pick(f"{_hash(f's.i + {ANSWERED_CALL_KEY}', 2654435761, 5)} % {len(cast.operators)}",
                              cast.operators)},
                       30 + {_hash(f"s.i + {ANSWERED_CALL_KEY}", 2246822519, 7)} % 870, '咨询人才政策',
                       {_weighted("s.measure", list(range(1, 19)), MEASURE_WEIGHTS)}, 'answered', NULL
                FROM s CROSS JOIN talent t ON t.rowid = s.talent WHERE s.i >= 0""", (rest,))
        return count


def build(path: Path, scale: float = 1.0, seed: int = 7) -> dict[str, float]:
    """Make the district database at `path` through the bulk path; returns counts and seconds."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    office, cast = _cast(path)
    db = office.db
    # A throwaway file made in one go: no rollback journal, no fsync while building. WAL again at the end.
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute_sql("PRAGMA journal_mode = OFF")
    db.execute_sql("PRAGMA synchronous = OFF")
    # The rows reference each other by construction (tests/storage/test_bulk.py loads them with the
    # foreign keys on); checking 10M references one row at a time would cost a third of the build.
    db.execute_sql("PRAGMA foreign_keys = OFF")
    db.execute_sql("PRAGMA threads = 2")  # the sorts of CREATE INDEX may use a second core
    district = District(cast, scale, seed)
    counts: dict[str, float] = {}
    cast_done = time.perf_counter()
    with bulk_load(office) as writer:
        counts.update(district.load(writer))
        inserted = time.perf_counter()
    derived = time.perf_counter()
    for step, seconds in writer.timings.items():
        counts[f"derive {step} seconds"] = seconds
    db.execute_sql("ANALYZE")
    analysed = time.perf_counter()
    db.execute_sql("PRAGMA journal_mode = WAL")
    db.execute_sql("PRAGMA synchronous = NORMAL")
    db.execute_sql("PRAGMA foreign_keys = ON")
    office.close()
    finished = time.perf_counter()
    counts["seconds"] = finished - started
    counts["setup_seconds"] = cast_done - started
    for table, seconds in district.seconds.items():
        counts[f"{table}_seconds"] = seconds
    counts["derive_seconds"] = derived - inserted
    counts["analyze_seconds"] = analysed - derived
    counts["close_seconds"] = finished - analysed
    return counts


FLOOR_STEPS = ("inserts", "index sorts", "search index", "analyze", "commit")


def floor(built: Path, scratch: Path) -> dict[str, float]:
    """What SQLite alone needs to make the file the build made, measured on a built district database:
    `executemany` of the very same rows (read beforehand, in chunks, not timed) into every table of an empty
    file (their primary keys and unique constraints, no trigger, no secondary index), with the build's
    pragmas; every secondary index made by CREATE INDEX (the index sorts); the full-text indexes made by
    FTS5's own 'rebuild' from those rows; and ANALYZE, as the build ends. No row is generated or derived in
    Python. Seconds per table and per step; `scratch` is deleted afterwards."""
    import sqlite3

    from dongwu_tui.storage.bulk import BULK_CACHE_KIB

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(built)
    target = sqlite3.connect(scratch, isolation_level=None)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{BULK_CACHE_KIB}", "threads = 2"):
        target.execute(f"PRAGMA {pragma}")
    target.execute("BEGIN")
    out: dict[str, float] = {}
    schema = source.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                            "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
    virtual = [(name, sql) for kind, name, _, sql in schema if kind == "table" and sql.startswith("CREATE VIRTUAL")]
    shadows = tuple(f"{name}_" for name, _ in virtual)  # FTS5's own tables, made by its 'rebuild' below
    for kind, table, _, sql in schema:
        if kind != "table" or sql.startswith("CREATE VIRTUAL") or table.startswith(shadows):
            continue
        target.execute(sql)
        columns = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
        insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" for _ in columns)})'
        order = ("tbl, id" if table == "sync_row" else "" if sql.rstrip().upper().endswith("WITHOUT ROWID")
                 else "rowid")  # a WITHOUT ROWID table reads in its primary key's order
        rows = source.execute(f'SELECT * FROM "{table}"' + (f" ORDER BY {order}" if order else ""))
        seconds = 0.0
        while chunk := rows.fetchmany(200_000):
            started = time.perf_counter()
            target.executemany(insert, chunk)
            seconds += time.perf_counter() - started
        out[f"insert {table}"] = seconds
    out["inserts"] = sum(out.values())
    started = time.perf_counter()
    for kind, _, table, sql in schema:
        if kind == "index" and not table.startswith(shadows):
            target.execute(sql)
    out["index sorts"] = time.perf_counter() - started
    started = time.perf_counter()
    for name, sql in virtual:
        target.execute(sql)
        target.execute(f"INSERT INTO {name} ({name}) VALUES ('rebuild')")
    out["search index"] = time.perf_counter() - started
    started = time.perf_counter()
    target.execute("ANALYZE")
    out["analyze"] = time.perf_counter() - started
    started = time.perf_counter()
    target.execute("COMMIT")
    out["commit"] = time.perf_counter() - started
    source.close()
    target.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    return out


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Build the district (timed), then measure the floor under it.")
    parser.add_argument("--db", type=Path, default=Path("/tmp/dongwu-district.db"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--floor-only", action="store_true", help="measure the floor of an existing --db")
    args = parser.parse_args()
    if not args.floor_only:
        for key, value in build(args.db, args.scale).items():
            print(f"build {key}: {value:,.1f}" if "seconds" in key else f"build {key}: {int(value):,}", flush=True)
    for key, value in floor(args.db, Path(f"{args.db}.floor")).items():
        print(f"floor {key}: {value:.1f} s", flush=True)
