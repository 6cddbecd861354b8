"""The per-request report facts as the report engine reads them: the working-day table (written by
the desk after each write, read by the engine), and the decoding of `profile` (the yes/no flags in one
integer; the status has its own column) back into the columns the KPI conditions read.

The facts' tables, triggers and set-wise refresh are storage's (storage/facts.py). The working-day
recompute sets the aggregates' triggers aside and rebuilds them set-wise (cheaper than a trigger per row).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from dongwu_tui.storage import facts as stored

_STATE_KEY = "workday_calendar"
_WORKING_DAYS = ("(SELECT w.n FROM report_workday w WHERE w.day = report_fact.resolved_day)"
                 " - (SELECT w.n FROM report_workday w WHERE w.day = report_fact.signed_day)")


_VERIFIED: dict[tuple[int, int, int], str] = {}


def ensure_workdays(db: Any, calendar: Any, today: date) -> None:
    """Make `report_workday` hold the desk calendar's cumulative working-day numbers over every year the
    requests touch, last year and next year included; when it changes, recompute every fact's working
    days. Then fill the facts still waiting for theirs (a day the table did not cover when they were
    written). A writer's step (the desk runs it at the end of every write transaction): the report engine
    only reads the table, so statistics and reports work on a read-only file."""
    # One statement (it runs after every write): each end of the requests' opening times read from the
    # index request_opened by a subquery of its own (MIN and MAX in one SELECT would scan the index), the
    # stored state, and whether a fact waits for its working days. The requests themselves, not their
    # facts: the bulk loader asks before it makes the facts of what it loaded.
    first, last, last_resolved, value, waiting = db.execute_sql(
        "SELECT (SELECT MIN(opened_at) FROM service_request), (SELECT MAX(opened_at) FROM service_request), "
        "(SELECT MAX(day) FROM report_cube_resolved), (SELECT value FROM report_state WHERE key = ?), "
        "EXISTS (SELECT 1 FROM report_fact INDEXED BY report_fact_no_days "
        "WHERE working_days IS NULL AND resolved_day IS NOT NULL)", (_STATE_KEY,)).fetchone()
    # Last year too: a load of the past year's requests (the demo, a district build) finds its days there.
    first_year = min(int(first[:4]) if first else today.year, today.year - 1)
    last_year = max(int(last[:4]) if last else today.year, int(last_resolved[:4]) if last_resolved else 0,
                    today.year) + 1
    have = (value,) if value is not None else None
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
            stored.without_dashboard_triggers(db, lambda: stored.without_cube_triggers(
                db, lambda: db.execute_sql(f"UPDATE report_fact SET working_days = {_WORKING_DAYS}")))
        _VERIFIED[memo_key] = value
        return
    _VERIFIED[memo_key] = value
    if waiting:
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
    `status` (a column of its own beside the profile) and `due_date` (the one figure that depends on today)."""
    bit = dict(stored.FLAG_BITS)
    columns = {"satisfied": f"CASE WHEN {profile} & {1 << bit['satisfied_yes']} THEN 1 "
                            f"WHEN {profile} & {1 << bit['satisfied_no']} THEN 0 END"}
    for name in ("direct", "visited", "reworked", "returned_once", "extension_approved", "repeated",
                 "extension_pending", "resolved_by_due", "resolved_after_due"):
        columns[name] = f"(({profile} >> {bit[name]}) & 1)"
    return columns
