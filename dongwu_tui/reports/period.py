"""Reporting periods: a month, a quarter, a year or any span of days, always counted by 受理 date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from dongwu_tui.domain.errors import ValidationFailed

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
# The years a period or a day may name: wide enough for any record the service keeps, narrow enough that
# the day after the last one (the end of a span) is still a date.
FIRST_YEAR, LAST_YEAR = 1900, 2099


def _check_year(year_no: int, text: str) -> None:
    if not FIRST_YEAR <= year_no <= LAST_YEAR:
        raise ValidationFailed(f"「{text}」的年份应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间。")


@dataclass(frozen=True, slots=True)
class Period:
    """Requests opened from `since` to `until`, both days included; None leaves that end open."""

    since: date | None
    until: date | None
    label: str

    @property
    def slug(self) -> str:
        """A name for files: 2026-10, 2026-Q4, 2026-10-01_2026-10-31, all."""
        if self.since is None and self.until is None:
            return "all"
        return self.label if _is_named(self.label) else f"{self.since or 'start'}_{self.until or 'now'}"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "label": self.label,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _is_named(label: str) -> bool:
    return bool(_MONTH.match(label) or _QUARTER.match(label) or _YEAR.match(label))


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def month(year: int, month_no: int) -> Period:
    return Period(date(year, month_no, 1), _month_end(year, month_no), f"{year}-{month_no:02d}")


def quarter(year: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(date(year, first, 1), _month_end(year, first + 2), f"{year}-Q{q}")


def year(year_no: int) -> Period:
    return Period(date(year_no, 1, 1), date(year_no, 12, 31), f"{year_no}")


def span(since: date | None, until: date | None) -> Period:
    if since and until and until < since:
        raise ValidationFailed(f"统计截止日期 {until} 早于起始日期 {since}。")
    if since is None and until is None:
        return Period(None, None, "全部")
    return Period(since, until, f"{since or '最早'} 至 {until or '今日'}")


def parse_period(text: str) -> Period:
    """`2026-10`, `2026-Q4` (or `2026Q4`), `2026`; refused with a Chinese message otherwise."""
    value = text.strip()
    if (m := _MONTH.match(value) or _QUARTER.match(value) or _YEAR.match(value)) is not None:
        _check_year(int(m.group(1)), text)
    if m := _MONTH.match(value):
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            return month(y, mo)
    elif m := _QUARTER.match(value):
        return quarter(int(m.group(1)), int(m.group(2)))
    elif m := _YEAR.match(value):
        return year(int(m.group(1)))
    raise ValidationFailed(f"统计期「{text}」格式不正确，可用：2026-10（月）、2026-Q4（季度）、2026（年）。")


def parse_day(text: str | None, flag: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"{flag} 应为 YYYY-MM-DD 格式的日期，收到「{text}」。") from None
    _check_year(day.year, f"{flag} {text}")
    return day


def resolve_period(period: str | None, since: str | None, until: str | None) -> Period:
    """The period a command asked for: --period, or --since/--until, never both."""
    if period and (since or until):
        raise ValidationFailed("--period 与 --since/--until 不能同时使用。")
    if period:
        return parse_period(period)
    return span(parse_day(since, "--since"), parse_day(until, "--until"))


# The dashboard's period picker.
PRESETS = {"this_month": "本月", "last_month": "上月", "this_quarter": "本季度", "this_year": "本年"}


def preset(name: str, today: date) -> Period:
    if name == "this_month":
        return month(today.year, today.month)
    if name == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return month(last.year, last.month)
    if name == "this_quarter":
        return quarter(today.year, (today.month - 1) // 3 + 1)
    if name == "this_year":
        return year(today.year)
    raise ValidationFailed(f"未知的统计期「{name}」。")
