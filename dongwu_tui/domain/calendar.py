"""The working-day calendar that statutory time limits are counted on.

Time limits on requests are set in working days, and Chinese working days are not simply
Monday–Friday: public holidays fall on weekdays and some weekends are 调休 make-up workdays.
Where the schedule of a year comes from, in order of precedence:

1. an office-supplied ``YYYY.toml`` file in one of the ``extra_dirs`` (the State Council
   publishes the next year's schedule each November, usually before a package update ships);
2. the ``chinese_calendar`` package;
3. the statutory holidays that follow from the law itself (全国年节及纪念日放假办法: 元旦, 劳动节 and
   国庆 on fixed days; 春节, 清明, 端午 and 中秋 from the lunar calendar and the solar terms), without the
   调休 make-up days that only the yearly notice sets, and with a warning, so that the desk keeps counting
   close to the real schedule in a year nobody has published yet.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import chinese_calendar
from msgspec import Struct

__all__ = [
    "CalendarFileError",
    "OfficeSchedule",
    "WorkingCalendar",
    "YearSource",
    "load_office_schedule",
]

YearSource = Literal["office-file", "chinese_calendar", "law"]

_FILE_NAME_RE = re.compile(r"(\d{4})\.toml")
_ISO_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KNOWN_KEYS = ("year", "holidays", "workdays")
_WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


class CalendarFileError(ValueError):
    """An office schedule file that cannot be used; the message names the file and the problem."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class OfficeSchedule(Struct, frozen=True):
    """One year's schedule as supplied by the office."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    path: Path

    def is_workday(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5


def _parse_day(value: object, key: str, path: Path) -> date:
    # TOML has native date literals; quoted strings are accepted too because that is what the
    # format documentation shows and what people copy from notices.
    if isinstance(value, datetime):
        raise CalendarFileError(
            f"节假日安排文件 {path} 的 {key} 中「{value}」带有时间，只能写日期 YYYY-MM-DD"
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY_RE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass  # 2027-02-30 and the like: reported below with the other malformed values
    raise CalendarFileError(f"节假日安排文件 {path} 的 {key} 中「{value}」不是有效日期，应写作 YYYY-MM-DD")


def _parse_day_list(data: dict[str, object], key: str, year: int, path: Path) -> frozenset[date]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        raise CalendarFileError(
            f"节假日安排文件 {path} 的 {key} 应为日期列表，例如 {key} = [\"{year}-01-01\"]"
        )
    days: set[date] = set()
    for value in raw:
        day = _parse_day(value, key, path)
        if day.year != year:
            raise CalendarFileError(
                f"节假日安排文件 {path} 的 {key} 中日期 {day.isoformat()} 不在 {year} 年内"
            )
        days.add(day)
    return frozenset(days)


def load_office_schedule(path: Path) -> OfficeSchedule:
    """Read and check one ``YYYY.toml`` schedule file; raise :class:`CalendarFileError` if unusable."""
    import tomllib  # here, not at the top: no TOML is read on the way to the first screen (start-up)

    match = _FILE_NAME_RE.fullmatch(path.name)
    if match is None:
        raise CalendarFileError(f"节假日安排文件 {path} 的文件名应为“年份.toml”，例如 2027.toml")
    file_year = int(match.group(1))
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarFileError(f"节假日安排文件 {path} 不是有效的 TOML 格式：{exc}") from exc
    except OSError as exc:
        raise CalendarFileError(f"无法读取节假日安排文件 {path}：{exc.strerror or exc}") from exc

    unknown = sorted(set(data) - set(_KNOWN_KEYS))
    if unknown:
        raise CalendarFileError(
            f"节假日安排文件 {path} 含有无法识别的字段 {'、'.join(unknown)}"
            "（可用字段：year、holidays、workdays）"
        )
    year = data.get("year")
    if year is None:
        raise CalendarFileError(f"节假日安排文件 {path} 缺少 year 字段，应写 year = {file_year}")
    if not isinstance(year, int) or isinstance(year, bool):
        raise CalendarFileError(f"节假日安排文件 {path} 的 year 应为整数，例如 year = {file_year}")
    if year != file_year:
        raise CalendarFileError(f"节假日安排文件 {path} 中 year = {year} 与文件名中的年份 {file_year} 不一致")

    holidays = _parse_day_list(data, "holidays", year, path)
    workdays = _parse_day_list(data, "workdays", year, path)
    both = sorted(holidays & workdays)
    if both:
        listed = "、".join(d.isoformat() for d in both)
        raise CalendarFileError(f"节假日安排文件 {path} 中日期 {listed} 同时出现在 holidays 和 workdays 中")
    # A weekday under workdays changes nothing, so it is almost always a typo for the make-up
    # weekend day next to it; a holiday on a weekend is harmless (notices list whole ranges).
    for day in sorted(workdays):
        if day.weekday() < 5:
            raise CalendarFileError(
                f"节假日安排文件 {path} 的 workdays 中 {day.isoformat()} 是{_WEEKDAY_NAMES[day.weekday()]}，"
                "本来就是工作日；workdays 只应列出调休上班的周六或周日"
            )
    return OfficeSchedule(year=year, holidays=holidays, workdays=workdays, path=path)


class _YearTable(Struct, frozen=True):
    source: YearSource
    ordinals: Sequence[int]  # sorted ordinals of the year's working days
    members: frozenset[int]


class WorkingCalendar:
    """Statutory working days, with office overrides and a Monday–Friday fallback.

    Each year is computed once, on first use, into a sorted list of working days, so that
    deadline arithmetic over hundreds of days is a couple of binary searches.
    """

    def __init__(self, extra_dirs: Iterable[Path] = (), force_law: Iterable[int] = ()) -> None:
        self.extra_dirs: tuple[Path, ...] = tuple(Path(p) for p in extra_dirs)
        # Years counted on the law's holidays whatever else is known (to recount what such a year gave).
        self.force_law = frozenset(force_law)
        self.fallback_years: set[int] = set()
        self._office: dict[int, OfficeSchedule] = {}
        self._years: dict[int, _YearTable] = {}
        # Files are read up front so a bad file is reported at start-up, not in the middle of a
        # deadline calculation. An earlier folder wins over a later one for the same year.
        for folder in self.extra_dirs:
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.suffix != ".toml":
                    continue
                schedule = load_office_schedule(path)
                self._office.setdefault(schedule.year, schedule)

    # ------------------------------------------------------------------ per-year tables

    def year_source(self, year: int) -> YearSource:
        """Where the schedule of ``year`` comes from: office-file, chinese_calendar or law."""
        if year in self.force_law:
            return "law"
        if year in self._office:
            return "office-file"
        if year in self._years:
            return self._years[year].source
        return "chinese_calendar" if _chinese_calendar_knows(year) else "law"

    def _table(self, year: int) -> _YearTable:
        table = self._years.get(year)
        if table is None:
            table = self._build_table(year)
            self._years[year] = table
        return table

    def _build_table(self, year: int) -> _YearTable:
        days = _days_of_year(year)
        source = self.year_source(year)
        if source == "office-file":
            schedule = self._office[year]
            work = [d for d in days if schedule.is_workday(d)]
        elif source == "chinese_calendar":
            # chinese_calendar.is_workday's own rule, over its two tables: calling it per day re-checks the
            # year range against every holiday each time (11 ms a year, paid at every start-up).
            holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays
            work = [d for d in days if d in workdays or (d.weekday() < 5 and d not in holidays)]
        else:
            self.fallback_years.add(year)
            off = statutory_holidays(year)
            work = [d for d in days if d.weekday() < 5 and d not in off]
        ordinals = [d.toordinal() for d in work]
        return _YearTable(source=source, ordinals=ordinals, members=frozenset(ordinals))

    # ------------------------------------------------------------------ queries

    def is_workday(self, d: date) -> bool:
        return d.toordinal() in self._table(d.year).members

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself not counted).

        ``n = 0`` returns ``start`` unchanged; negative ``n`` counts back to the |n|-th working
        day before ``start``.
        """
        if n == 0:
            return start
        start_ord = start.toordinal()
        year = start.year
        remaining = abs(n)
        days = self._table(year).ordinals
        if n > 0:
            index = bisect_right(days, start_ord)
            while remaining > len(days) - index:
                remaining -= len(days) - index
                year += 1
                days = self._table(year).ordinals
                index = 0
            return date.fromordinal(days[index + remaining - 1])
        index = bisect_left(days, start_ord)  # working days strictly before start in this year
        while remaining > index:
            remaining -= index
            year -= 1
            days = self._table(year).ordinals
            index = len(days)
        return date.fromordinal(days[index - remaining])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; negative, with the mirrored meaning, if end < start.

        ``working_days_between(s, add_working_days(s, n)) == n`` for every n >= 0.
        """
        if end < start:
            return -self.working_days_between(end, start)
        lo, hi = start.toordinal(), end.toordinal()
        count = 0
        for year in range(start.year, end.year + 1):
            days = self._table(year).ordinals
            count += bisect_right(days, hi) - bisect_right(days, lo)
        return count

    def warnings(self) -> list[str]:
        """Chinese warnings for every year so far counted on the Monday–Friday fallback."""
        return [
            f"{year} 年的节假日安排尚未收录，按法定节假日推算工作日（不含调休）；"
            f"可在 holidays/{year}.toml 中补充该年安排"
            for year in sorted(self.fallback_years)
        ]

    def warning_line(self) -> str | None:
        """The warnings of every fallback year as one line (the CLI's stderr), or None."""
        if not self.fallback_years:
            return None
        years = "、".join(str(year) for year in sorted(self.fallback_years))
        return (f"提示：{years} 年的节假日安排尚未收录，期限按法定节假日推算（不含调休），"
                f"公布后请补充 holidays/年份.toml")


def statutory_holidays(year: int) -> frozenset[date]:
    """The days off that the law fixes for ``year`` (13 days since 2025): 元旦 1 January; 春节 除夕 and the
    first three days of the first lunar month; 清明 on its solar term; 劳动节 1–2 May; 端午 5/5 and 中秋 8/15
    of the lunar calendar; 国庆 1–3 October. The yearly notice moves and bridges these with 调休, which
    no rule gives; a year with a notice is read from it instead."""
    from lunardate import LunarDate  # here: only a year past the packaged schedules needs the lunar calendar

    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2), date(year, 10, 1), date(year, 10, 2),
            date(year, 10, 3)}
    try:
        new_year = LunarDate(year, 1, 1).to_solar_date()
        days |= {new_year + timedelta(days=i) for i in range(-1, 3)}
        days.add(LunarDate(year, 5, 5).to_solar_date())
        days.add(LunarDate(year, 8, 15).to_solar_date())
    except (ValueError, IndexError, KeyError):
        pass  # outside the lunar tables (before 1900, after 2099): the fixed days only
    try:
        days |= {day for day, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
                 if name == "清明"}
    except (IndexError, KeyError, ValueError, NotImplementedError):
        days.add(date(year, 4, 5))  # 清明 falls on 4 or 5 April in these centuries
    return frozenset(d for d in days if d.year == year)


def _days_of_year(year: int) -> list[date]:
    first = date(year, 1, 1)
    length = (date(year + 1, 1, 1) - first).days if year < 9999 else 365
    return [first + timedelta(days=i) for i in range(length)]


def _chinese_calendar_knows(year: int) -> bool:
    # Probe rather than hard-code 2004–2026, so a newer chinesecalendar release is used as is.
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True
