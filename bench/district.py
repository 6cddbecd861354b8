"""A whole district, deterministic for a seed: 100k talents, 20k enterprises, 300k requests with their
~2M events, 1M calls (at scale 1), loaded through `dongwu_tui.storage.bulk`.

Requests walk the real lifecycle (log, dispatch, sign, progress, extension, return and reassign,
resolve, return visit with some reworks, archive; some answered during the call, some merged, some
repeat calls) over two years up to `END`; recent ones are still open and some are overdue.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dongwu_tui.domain import identifiers
from dongwu_tui.services.demo import ENTERPRISE_TRADES, ENTERPRISE_WORDS, GIVEN, MEASURE_WEIGHTS, SURNAMES
from dongwu_tui.services.setup import initialise
from dongwu_tui.storage.bulk import bulk_load
from dongwu_tui.storage.database import OfficeDatabase

END = datetime(2026, 11, 27, 17, 0)
DAYS = 730
SITE = "吴中区高层次人才服务中心"
SUPERVISOR = "督办乙"
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


def _uuid7(at: datetime, rng: random.Random) -> str:
    millis = int((at - datetime(1970, 1, 1)).total_seconds() * 1000) - 8 * 3600 * 1000
    rand = rng.getrandbits(74)
    text = f"{millis:012x}7{rand >> 62:03x}{(1 << 63) | (rand & ((1 << 62) - 1)):016x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


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


class District:
    """The rows of one district, generated lazily table by table (requests before their events and calls)."""

    def __init__(self, cast: Cast, scale: float = 1.0, seed: int = 7) -> None:
        self.cast = cast
        self.sizes = {key: max(int(n * scale), 10) for key, n in SIZES.items()}
        self.seed = seed
        self.talents: list[tuple[str, str, str, str]] = []  # id, phone, township, specialist
        self.requests: list[tuple[str, str, str, int, datetime]] = []  # id, talent id, phone, measure, opened
        self.repeat_calls: list[tuple[str, str, str, int, datetime]] = []
        self.events = 0

    def enterprises(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(self.seed)
        trades = [word for words in ENTERPRISE_TRADES.values() for word in words]
        self.enterprise_ids = []
        start = END - timedelta(days=DAYS + 400)
        for i in range(self.sizes["enterprises"]):
            at = start + timedelta(seconds=i * 600)
            eid = _uuid7(at, rng)
            self.enterprise_ids.append(eid)
            stamp = _ts(at)
            yield (eid, self.cast.site_id, stamp, stamp, 0,
                   f"苏州{rng.choice(ENTERPRISE_WORDS)}{rng.choice(trades)}有限公司{i:05d}",
                   identifiers.random_credit_code(rng), rng.choice(self.cast.townships),
                   rng.choice(self.cast.industries))

    def talent_rows(self) -> Iterator[tuple[Any, ...]]:
        from pypinyin import Style, lazy_pinyin

        pinyin = {ch: lazy_pinyin(ch, style=Style.NORMAL)[0] for ch in set(SURNAMES + GIVEN)}
        rng = random.Random(self.seed + 1)
        start = END - timedelta(days=DAYS + 300)
        born_from, born_to = date(1960, 1, 1), date(2002, 12, 31)
        for i in range(self.sizes["talents"]):
            at = start + timedelta(seconds=i * 120)
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            syllables = [pinyin[ch] for ch in name]
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            township = rng.choice(self.cast.townships)
            specialist = rng.choice(self.cast.specialists[township])
            tid = _uuid7(at, rng)
            self.talents.append((tid, phone, township, specialist))
            stamp = _ts(at)
            yield (tid, self.cast.site_id, stamp, stamp, 0, name, "".join(syllables),
                   "".join(s[0] for s in syllables), phone, "resident",
                   identifiers.random_resident_id(rng, born_from, born_to),
                   rng.choice(self.cast.categories), rng.choice(self.cast.levels),
                   rng.choice(self.enterprise_ids), township, specialist,
                   f"DW{i + 1:06d}" if rng.random() < 0.6 else None, "")

    def request_rows(self) -> Iterator[tuple[Any, ...]]:
        """Requests in the order they were opened; their events are kept for `event_rows`."""
        rng = random.Random(self.seed + 2)
        cast = self.cast
        n = self.sizes["requests"]
        first = END - timedelta(days=DAYS)
        span = (END - first).total_seconds()
        measures = list(range(1, 19))
        self._event_plan: list[list[tuple[Any, ...]]] = []
        per_day: dict[str, int] = {}
        open_now: list[str] = []
        for i in range(n):
            opened = first + timedelta(seconds=int(span * i / n) + rng.randrange(60))
            tid, phone, township, specialist = rng.choice(self.talents)
            measure = rng.choices(measures, MEASURE_WEIGHTS)[0]
            rid = _uuid7(opened, rng)
            day = opened.strftime("%Y%m%d")
            per_day[day] = per_day.get(day, 0) + 1
            number = f"WZ-{day}-{per_day[day]:04d}"
            operator = rng.choice(cast.operators)
            events: list[tuple[Any, ...]] = [(opened, operator, "log", None, "new", "")]
            limit = max(cast.limits.get(measure, 5), 1)
            due = (opened + timedelta(days=limit * 7 // 5 + 1)).date()
            row: dict[str, Any] = dict(
                status="new", assignee_site_id=None, assignee_id=None, dispatched_at=None, signed_at=None,
                resolved_at=None, resolution="", direct=0, visited_at=None, satisfied=None, archived_at=None,
                merged_into_id=None, extension_days=None, extension_reason="", return_reason="")
            t = opened

            def step(minutes: float, who: str, action: str, to: str, reason: str = "") -> bool:
                nonlocal t
                later = t + timedelta(minutes=minutes)
                if later > END:
                    return False
                t = later
                events.append((t, who, action, row["status"], to, reason))
                row["status"] = to
                return True

            roll = rng.random()
            if roll < 0.15:  # answered during the call, archived later by the supervisor
                step(3, operator, "answer", "resolved", "已当场解答")
                row.update(direct=1, resolved_at=_ts(t), resolution="已当场解答")
                if step(rng.uniform(600, 4000), cast.supervisor, "archive", "archived"):
                    row["archived_at"] = _ts(t)
            elif roll < 0.16 and open_now:  # merged into an earlier open request
                if step(20, cast.supervisor, "merge", "merged", "重复受理"):
                    row["merged_into_id"] = open_now[-1]
            elif step(rng.uniform(5, 90), operator, "dispatch", "dispatched"):
                row.update(assignee_site_id=cast.sites.get(township), assignee_id=specialist,
                           dispatched_at=_ts(t))
                if rng.random() < 0.03 and step(rng.uniform(60, 1400), specialist, "return", "returned", "非本人辖区"):
                    row["return_reason"] = "非本人辖区"
                    step(rng.uniform(60, 1400), cast.supervisor, "reassign", "dispatched", "改派")
                if row["status"] == "dispatched" and step(rng.uniform(30, 1400), specialist, "sign", "in_progress"):
                    row["signed_at"] = _ts(t)
                    due = (t + timedelta(days=limit * 7 // 5 + 1)).date()
                    step(rng.uniform(60, 2000), specialist, "progress", "in_progress", "已联系人才")
                    if rng.random() < 0.06 and step(rng.uniform(60, 2000), specialist, "extend", "in_progress", "需协调"):
                        row.update(extension_days=5, extension_reason="需协调")
                        if step(rng.uniform(60, 1400), cast.supervisor, "approve-extension", "in_progress"):
                            row.update(extension_days=None)
                            due = due + timedelta(days=7)
                    work = rng.uniform(0.3, 1.3) * limit * 1440
                    for attempt in range(2):
                        if not step(work, specialist, "resolve", "resolved", "已办理"):
                            break
                        row.update(resolved_at=_ts(t), resolution="已办理")
                        satisfied = attempt == 1 or rng.random() > 0.05
                        if not step(rng.uniform(600, 4000), specialist, "visit",
                                    "visited" if satisfied else "in_progress", "" if satisfied else "不满意"):
                            break
                        row.update(visited_at=_ts(t), satisfied=1 if satisfied else 0)
                        if satisfied:
                            if step(rng.uniform(600, 6000), cast.supervisor, "archive", "archived"):
                                row["archived_at"] = _ts(t)
                            break
                        due = (t + timedelta(days=limit * 7 // 5 + 1)).date()
                        work = rng.uniform(0.2, 0.8) * limit * 1440
            if rng.random() < 0.08 and row["status"] not in ("merged", "new"):
                at = opened + timedelta(days=rng.uniform(1, 10))
                if at < END:
                    events.append((at, operator, "repeat-call", row["status"], row["status"], "再次来电"))
                    self.repeat_calls.append((rid, tid, phone, measure, at))
            if row["status"] in ("new", "dispatched", "in_progress"):
                open_now.append(rid)
                if len(open_now) > 50:
                    open_now.pop(0)
            self.requests.append((rid, tid, phone, measure, opened))
            self._event_plan.append(events)
            stamp = _ts(opened)
            yield (rid, cast.site_id, stamp, _ts(t), 0, number, tid, phone, measure, "咨询人才政策",
                   row["status"], township, operator, stamp, due.isoformat(), row["assignee_site_id"],
                   row["assignee_id"], row["dispatched_at"], row["signed_at"], row["resolved_at"],
                   row["resolution"], row["direct"], row["visited_at"], row["satisfied"], row["archived_at"],
                   row["merged_into_id"], row["extension_days"], row["extension_reason"], row["return_reason"], 0)

    def event_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(self.seed + 3)
        site = self.cast.site_id
        for (rid, *_), events in zip(self.requests, self._event_plan, strict=True):
            for at, actor, action, from_status, to_status, reason in events:
                stamp = _ts(at)
                self.events += 1
                yield (_uuid7(at, rng), site, stamp, stamp, 0, rid, stamp, actor, action, from_status, to_status,
                       reason, "{}")
        self._event_plan = []

    def call_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(self.seed + 4)
        cast = self.cast
        site = cast.site_id
        for rid, tid, phone, measure, opened in self.requests:
            at = _ts(opened)
            yield (_uuid7(opened, rng), site, at, at, 0, at, "in", phone, tid, rng.choice(cast.operators),
                   rng.randrange(60, 900), "咨询人才政策", measure, "request", rid)
        for rid, tid, phone, measure, when in self.repeat_calls:
            at = _ts(when)
            yield (_uuid7(when, rng), site, at, at, 0, at, "in", phone, tid, rng.choice(cast.operators),
                   rng.randrange(60, 600), "再次询问办理进度", measure, "attached", rid)
        rest = self.sizes["calls"] - len(self.requests) - len(self.repeat_calls)
        first = END - timedelta(days=DAYS)
        span = (END - first).total_seconds()
        for i in range(max(rest, 0)):
            when = first + timedelta(seconds=int(span * i / max(rest, 1)))
            tid, phone, _, _ = rng.choice(self.talents)
            at = _ts(when)
            yield (_uuid7(when, rng), site, at, at, 0, at, "in", phone, tid, rng.choice(cast.operators),
                   rng.randrange(30, 900), "咨询人才政策", rng.choices(range(1, 19), MEASURE_WEIGHTS)[0],
                   "answered", None)

    def tables(self) -> Iterator[tuple[str, list[str], Iterator[tuple[Any, ...]]]]:
        yield "enterprise", ENTERPRISE, self.enterprises()
        yield "talent", TALENT, self.talent_rows()
        yield "service_request", REQUEST, self.request_rows()
        yield "request_event", EVENT, self.event_rows()
        yield "call", CALL, self.call_rows()


def build(path: Path, scale: float = 1.0, seed: int = 7) -> dict[str, float]:
    """Make the district database at `path` through the bulk path; returns counts and seconds."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    office, cast = _cast(path)
    district = District(cast, scale, seed)
    counts: dict[str, float] = {}
    with bulk_load(office) as writer:
        for table, columns, rows in district.tables():
            counts[table] = writer.insert(table, columns, rows)
    loaded = time.perf_counter()
    office.db.execute_sql("ANALYZE")
    office.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    office.close()
    counts["seconds"] = time.perf_counter() - started
    counts["analyze_seconds"] = counts["seconds"] - (loaded - started)
    return counts
