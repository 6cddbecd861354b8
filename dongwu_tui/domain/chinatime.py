"""China time, the one time zone of the desk: every office is in UTC+8 and every time it shows is China time.

Naive datetimes stored by the desk are China wall-clock times. Times written for other programs (JSON,
sync files' bookkeeping) carry the offset, `2026-12-02T10:00:00+08:00`; times shown to a person drop it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")


def china_now() -> datetime:
    """Wall-clock time in China as a naive datetime to the second."""
    return datetime.now(CHINA_TZ).replace(tzinfo=None, microsecond=0)


def china_now_iso() -> str:
    """Now in China time with its offset, to the second: `2026-12-02T10:00:00+08:00`."""
    return datetime.now(CHINA_TZ).replace(microsecond=0).isoformat()


def to_china(value: datetime | str | None) -> datetime | None:
    """An aware datetime in China time. A naive value (or text without an offset) is China time already."""
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.replace(tzinfo=CHINA_TZ)
    return moment.astimezone(CHINA_TZ)


def china_iso(value: datetime | str | None) -> str | None:
    """ISO 8601 in China time with the offset, to the second (for JSON)."""
    moment = to_china(value)
    return None if moment is None else moment.replace(microsecond=0).isoformat()


def china_text(value: datetime | str | None) -> str:
    """China time for a person: `2026-12-02 10:00:00` ('' for nothing)."""
    moment = to_china(value)
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def from_millis(millis: int) -> datetime:
    """A Unix time in milliseconds as an aware China time."""
    return datetime.fromtimestamp(millis / 1000, CHINA_TZ)
