"""The per-request report facts (migration 0005): set-wise refresh, the working-day table, and the
decoding of `profile` (the flags packed into one integer) back into the columns the KPI conditions read.

Triggers keep `report_fact` exact on every ordinary write. `refresh_facts` is for writers that set
triggers aside (the bulk loader; a sync import that drops them): it recomputes the facts of the given
requests, or of all of them, in a few statements. Migration 0007's per-axis aggregates follow 0005's
aggregates by their own triggers whichever path rewrote them; a full refresh and the working-day
recompute set those triggers aside and rebuild 0007 set-wise instead (cheaper than a trigger per row).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from typing import Any

from dongwu_tui.storage.bulk import _migration

_STATE_KEY = "workday_calendar"


@cache
def _m() -> Any:
    return _migration("0005")


@cache
def _dashboard() -> Any:
    return _migration("0007")


def _without_dashboard_triggers(db: Any, action: Any) -> None:
    """Run `action()` (a set-wise rewrite of the facts and of 0005's aggregates) with the triggers of
    migration 0007 set aside, then rebuild its aggregates set-wise: cheaper than one trigger per
    aggregate row. Without this, those triggers would keep the aggregates exact row by row anyway."""
    d = _dashboard()
    present = {name for (name,) in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    if not present & set(d.TRIGGER_NAMES):
        action()
        return
    for name in d.TRIGGER_NAMES:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    action()
    d.rebuild(db)
    for statement in d.TRIGGERS:
        db.execute_sql(statement)


def refresh_facts(db: Any, request_ids: Iterable[str] | None = None) -> None:
    """Recompute the facts of `request_ids` (every request when None), set-wise. Call inside the
    writer's transaction after rows were written with the fact triggers dropped."""
    m = _m()
    if db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'report_fact'").fetchone() is None:
        return
    if request_ids is None:
        _without_dashboard_triggers(db, lambda: m.rebuild(db))
        return
    ids = list(dict.fromkeys(request_ids))
    columns = ", ".join(m.FACT_COLUMNS)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        db.execute_sql(f"DELETE FROM report_fact WHERE request_id IN ({marks})", chunk)
        db.execute_sql(f"INSERT INTO report_fact ({columns}) {m.fact_select(f'r.id IN ({marks})')}", chunk)


def refresh_facts_where(db: Any, request_where: str, params: Iterable[Any] = ()) -> None:
    """Recompute the facts of the requests `r` (service_request) matching `request_where`, set-wise."""
    m = _m()
    params = list(params)
    db.execute_sql(f"DELETE FROM report_fact WHERE request_id IN (SELECT r.id FROM service_request r "
                   f"WHERE {request_where})", params)
    db.execute_sql(f"INSERT INTO report_fact ({', '.join(m.FACT_COLUMNS)}) {m.fact_select(request_where)}",
                   params)


_WORKING_DAYS = ("(SELECT w.n FROM report_workday w WHERE w.day = report_fact.resolved_day)"
                 " - (SELECT w.n FROM report_workday w WHERE w.day = report_fact.signed_day)")


_VERIFIED: dict[tuple[int, int, int], str] = {}


def ensure_workdays(db: Any, calendar: Any, today: date) -> None:
    """Make `report_workday` hold the desk calendar's cumulative working-day numbers over every year the
    requests touch; when it changes, recompute every fact's working days. Then fill the facts still
    waiting for theirs (a day the table did not cover when they were written)."""
    # Two statements: MIN and MAX together make SQLite scan the whole index instead of reading each end.
    first = db.execute_sql("SELECT MIN(opened_at) FROM report_fact").fetchone()[0]
    last = db.execute_sql("SELECT MAX(opened_at) FROM report_fact").fetchone()[0]
    last_resolved = db.execute_sql("SELECT MAX(day) FROM report_cube_resolved").fetchone()[0]
    first_year = int(first[:4]) if first else today.year
    last_year = max(int(last[:4]) if last else today.year, int(last_resolved[:4]) if last_resolved else 0,
                    today.year) + 1
    have = db.execute_sql("SELECT value FROM report_state WHERE key = ?", (_STATE_KEY,)).fetchone()
    stored_first = stored_last = "0"  # read only when `have`
    if have:
        stored_first, stored_last, _ = have[0].split("|")
    if have and int(stored_first) <= first_year and int(stored_last) >= last_year:
        first_year, last_year = int(stored_first), int(stored_last)
    memo_key = (id(calendar), first_year, last_year)
    if have and _VERIFIED.get(memo_key) == have[0]:
        rows = None  # this calendar was checked against the stored table already in this process
    else:
        rows = _workday_rows(calendar, first_year, last_year)
    value = have[0] if rows is None else f"{first_year}|{last_year}|{hashlib.sha1(repr(rows).encode()).hexdigest()}"
    if rows is not None and (not have or have[0] != value):
        with db.atomic():
            db.execute_sql("DELETE FROM report_workday")
            db.cursor().executemany("INSERT INTO report_workday (day, n) VALUES (?, ?)", rows)
            db.execute_sql("INSERT OR REPLACE INTO report_state (key, value) VALUES (?, ?)", (_STATE_KEY, value))
            _without_dashboard_triggers(db, lambda: _m().without_cube_triggers(
                db, lambda: db.execute_sql(f"UPDATE report_fact SET working_days = {_WORKING_DAYS}")))
        _VERIFIED[memo_key] = value
        return
    _VERIFIED[memo_key] = value
    if db.execute_sql("SELECT 1 FROM report_fact INDEXED BY report_fact_no_days "
                      "WHERE working_days IS NULL AND resolved_day IS NOT NULL LIMIT 1").fetchone():
        with db.atomic():
            db.execute_sql(f"UPDATE report_fact SET working_days = {_WORKING_DAYS} "
                           "WHERE working_days IS NULL AND resolved_day IS NOT NULL")


def _workday_rows(calendar: Any, first_year: int, last_year: int) -> list[tuple[str, int]]:
    day, end, n, rows = date(first_year, 1, 1), date(last_year, 12, 31), 0, []
    while day <= end:
        n += calendar.is_workday(day)
        rows.append((day.isoformat(), n))
        day += timedelta(days=1)
    return rows


def profile_columns(profile: str) -> dict[str, str]:
    """SQL expressions giving, from a `profile` integer, every fact column a KPI condition reads except
    `due_date` (the one figure that depends on today)."""
    m = _m()
    bit = dict(m.FLAG_BITS)
    status = f"CASE {profile} & 7 " + " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(m.STATUS_CODES)) + " END"
    columns = {"status": status,
               "satisfied": f"CASE WHEN {profile} & {1 << bit['satisfied_yes']} THEN 1 "
                            f"WHEN {profile} & {1 << bit['satisfied_no']} THEN 0 END"}
    for name in ("direct", "visited", "reworked", "returned_once", "extension_approved", "repeated",
                 "extension_pending", "resolved_by_due", "resolved_after_due"):
        columns[name] = f"(({profile} >> {bit[name]}) & 1)"
    return columns
