"""Closed months: a month's 通报 frozen when a supervisor closes the month.

Closing stores the report's tables as they are then (`report_closed_month`, migration 0017: JSON of
every table, the notes and the totals). A 通报 for a closed month is read back from there, so it
reproduces byte for byte however the data of that month changes later; what changed since shows as a
note in the next month's 通报 (late corrections), never in the frozen one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dongwu_tui.domain.errors import ValidationFailed
from dongwu_tui.reports.period import _MONTH, Period, month

# The totals kept with a closed month, compared with the month's figures now for the late-correction note.
WATCHED = ("requests", "closed", "on_time", "visited", "satisfied", "returned", "overdue")


def month_of(period: Period) -> tuple[int, int] | None:
    """(year, month) when the period is one calendar month, else None."""
    if _MONTH.match(period.label) and period.since is not None:
        return period.since.year, period.since.month
    return None


def previous_month(period: Period) -> Period | None:
    ym = month_of(period)
    if ym is None:
        return None
    year, month_no = ym
    return month(year - (month_no == 1), 12 if month_no == 1 else month_no - 1)


def closed_month(db: Any, period: Period) -> tuple[int, str, str, str] | None:
    """(issue number, closed at, closed by, snapshot) of a closed month, None when not closed."""
    if month_of(period) is None:
        return None
    return db.execute_sql("SELECT issue_no, closed_at, closed_by, snapshot FROM report_closed_month "
                          "WHERE period = ?", (period.label,)).fetchone()


def issue_number(db: Any, period: Period) -> int:
    """期号: the month's place among the year's closed months (the next one for a month still open)."""
    found = closed_month(db, period)
    if found:
        return int(found[0])
    year = period.since.year if period.since else 0
    (n,) = db.execute_sql("SELECT COUNT(*) FROM report_closed_month WHERE period LIKE ? AND period < ?",
                          (f"{year}-%", period.label)).fetchone()
    return int(n) + 1


def check_closable(period: Period, today: date) -> None:
    if month_of(period) is None:
        raise ValidationFailed(f"只能按月关账（--period 2026-11），「{period.label}」不是一个月。")
    assert period.until is not None
    if period.until >= today:
        raise ValidationFailed(f"{period.label} 尚未结束，月份结束后才能关账。")
