from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dongwu_tui.domain.calendar import CalendarFileError, WorkingCalendar, load_office_schedule, statutory_holidays

REPO_ROOT = Path(__file__).resolve().parents[2]


# Answers do not depend on which years were touched before, so one calendar serves the
# property tests (building a year from chinese_calendar is the slow part).
SHARED = WorkingCalendar()


@pytest.fixture
def cal() -> WorkingCalendar:
    return SHARED


# --------------------------------------------------------------------------- Spring Festival 2026
#
# State Council notice for 2026: Spring Festival holiday Sun 15 Feb – Mon 23 Feb (9 days);
# make-up workdays Sat 14 Feb and Sat 28 Feb.
#
#   Feb 2026   Mo Tu We Th Fr Sa Su
#                                1
#               2  3  4  5  6  7  8
#               9 10 11 12 13 [14] 15     [ ] = 调休 workday, ( ) = holiday
#             (16)(17)(18)(19)(20)(21)(22)
#             (23) 24 25 26 27 [28]  ...


def test_spring_festival_2026_matches_chinese_calendar(cal: WorkingCalendar) -> None:
    day = date(2026, 2, 1)
    while day <= date(2026, 3, 8):
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_spring_festival_2026_by_hand(cal: WorkingCalendar) -> None:
    assert cal.is_workday(date(2026, 2, 13))  # Friday
    assert cal.is_workday(date(2026, 2, 14))  # Saturday, 调休
    for day in range(15, 24):
        assert not cal.is_workday(date(2026, 2, day)), day
    assert cal.is_workday(date(2026, 2, 24))  # Tuesday, first day back
    assert cal.is_workday(date(2026, 2, 28))  # Saturday, 调休
    assert not cal.is_workday(date(2026, 3, 1))  # ordinary Sunday
    assert cal.year_source(2026) == "chinese_calendar"


def test_add_working_days_across_spring_festival_2026(cal: WorkingCalendar) -> None:
    # Fri 13 Feb + 1 → Sat 14 Feb (调休 Saturday counts).
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # Fri 13 Feb + 2 → skip Sun 15 – Mon 23 → Tue 24 Feb.
    assert cal.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    # Sat 14 Feb + 5: 24, 25, 26, 27, 28 (the 28th is 调休) → Sat 28 Feb.
    assert cal.add_working_days(date(2026, 2, 14), 5) == date(2026, 2, 28)
    # Sat 14 Feb + 6 → Mon 2 Mar.
    assert cal.add_working_days(date(2026, 2, 14), 6) == date(2026, 3, 2)
    # Signed on the first holiday day (Sun 15), 1 working day → Tue 24.
    assert cal.add_working_days(date(2026, 2, 15), 1) == date(2026, 2, 24)
    # Working back from Tue 24: 1 → Sat 14, 2 → Fri 13.
    assert cal.add_working_days(date(2026, 2, 24), -1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 24), -2) == date(2026, 2, 13)


def test_working_days_between_across_spring_festival_2026(cal: WorkingCalendar) -> None:
    # (Feb 10, Feb 28]: 11, 12, 13, 14, 24, 25, 26, 27, 28 = 9
    assert cal.working_days_between(date(2026, 2, 10), date(2026, 2, 28)) == 9
    assert cal.working_days_between(date(2026, 2, 28), date(2026, 2, 10)) == -9
    # The holiday itself holds no working days.
    assert cal.working_days_between(date(2026, 2, 14), date(2026, 2, 23)) == 0
    assert cal.working_days_between(date(2026, 2, 14), date(2026, 2, 14)) == 0


def test_ordinary_friday_rolls_to_monday(cal: WorkingCalendar) -> None:
    # Fri 6 Mar 2026, 1-day limit → Mon 9 Mar.
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert cal.add_working_days(date(2026, 3, 6), 0) == date(2026, 3, 6)
    assert cal.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)


# --------------------------------------------------------------------------- National Day 2026
#
# 2026 notice: National Day + Mid-autumn run Thu 1 Oct – Wed 7 Oct; make-up workdays Sun 20 Sep
# and Sat 10 Oct.  Mid-autumn itself is Fri 25 Sep (with the weekend 26–27 Sep).


def test_national_day_2026(cal: WorkingCalendar) -> None:
    assert cal.is_workday(date(2026, 9, 20))  # Sunday, 调休
    assert not cal.is_workday(date(2026, 9, 25))  # Mid-autumn Festival
    assert cal.is_workday(date(2026, 9, 30))
    for day in range(1, 8):
        assert not cal.is_workday(date(2026, 10, day)), day
    assert cal.is_workday(date(2026, 10, 8))
    assert cal.is_workday(date(2026, 10, 10))  # Saturday, 调休
    assert not cal.is_workday(date(2026, 10, 11))
    # Wed 30 Sep + 3: Thu 8, Fri 9, Sat 10 → Sat 10 Oct.
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # (Sep 24, Oct 12]: 28, 29, 30, Oct 8, 9, 10, 12 = 7
    assert cal.working_days_between(date(2026, 9, 24), date(2026, 10, 12)) == 7


def test_whole_year_2026_workday_count(cal: WorkingCalendar) -> None:
    # 2026 starts on a Thursday: 52 weeks + 1 day = 261 weekdays. Minus the 19 holidays that fall
    # on weekdays (Jan 1–2, Feb 16–20, Feb 23, Apr 6, May 1, May 4–5, Jun 19, Sep 25, Oct 1–2,
    # Oct 5–7 = 2+6+1+3+1+1+5), plus the 6 make-up weekend days (Jan 4, Feb 14, Feb 28, May 9,
    # Sep 20, Oct 10): 261 - 19 + 6 = 248.
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


# --------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(st.dates(date(2005, 1, 1), date(2026, 12, 31)), st.integers(0, 400))
def test_add_then_count_is_identity(start: date, n: int) -> None:
    cal = SHARED
    end = cal.add_working_days(start, n)
    assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(end, start) == -n
    if n > 0:
        assert cal.is_workday(end)
        # It is the first date that far out: the day before holds one working day fewer.
        assert cal.working_days_between(start, end - timedelta(days=1)) == n - 1


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2005, 1, 1), date(2026, 12, 31)), st.integers(1, 400))
def test_counting_back_from_a_workday_inverts(start: date, n: int) -> None:
    cal = SHARED
    workday = cal.add_working_days(start, 1)
    back = cal.add_working_days(workday, -n)
    assert cal.is_workday(back)
    assert cal.add_working_days(back, n) == workday
    assert cal.working_days_between(back, workday) == n


@settings(max_examples=100, deadline=None)
@given(st.dates(date(2005, 1, 1), date(2026, 12, 31)))
def test_is_workday_agrees_with_chinese_calendar(day: date) -> None:
    assert SHARED.is_workday(day) == chinese_calendar.is_workday(day)


def test_every_year_chinese_calendar_knows_is_read_day_for_day() -> None:
    """The year tables read chinese_calendar's holiday and workday tables directly (its per-day is_workday is
    slow); every day of every year it knows must come out as its is_workday says."""
    cal = WorkingCalendar()
    years = sorted({d.year for d in chinese_calendar.holidays})
    assert len(years) > 20
    for year in years:
        assert cal.year_source(year) == "chinese_calendar"
        day = date(year, 1, 1)
        while day.year == year:
            assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
            day += timedelta(days=1)


def test_deadline_arithmetic_is_fast(cal: WorkingCalendar) -> None:
    start = date(2024, 1, 1)
    began = time.perf_counter()
    for i in range(30_000):
        cal.add_working_days(start + timedelta(days=i % 700), 15 + i % 300)
    # 300k requests must be dated in seconds, not minutes: 30k here should take well under one.
    assert time.perf_counter() - began < 3.0


# --------------------------------------------------------------------------- fallback years


def test_2027_falls_back_to_the_laws_holidays_with_a_warning() -> None:
    cal = WorkingCalendar()
    assert cal.warnings() == []
    assert cal.year_source(2027) == "law"
    assert cal.fallback_years == set()  # asking where a year comes from is not using it
    assert not cal.is_workday(date(2027, 1, 1))  # a Friday: 元旦 is fixed by the law
    assert not cal.is_workday(date(2027, 1, 2))
    assert cal.is_workday(date(2027, 1, 4))
    assert cal.fallback_years == {2027}
    assert cal.warnings() == [
        "2027 年的节假日安排尚未收录，按法定节假日推算工作日（不含调休）；可在 holidays/2027.toml 中补充该年安排"
    ]


def test_the_laws_holidays_of_2027_from_the_lunar_calendar() -> None:
    # 春节: 除夕 5 Feb and 6–8 Feb (lunar new year 6 Feb 2027); 清明 5 Apr; 端午 9 Jun; 中秋 15 Sep.
    assert sorted(statutory_holidays(2027)) == [
        date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),
        date(2027, 4, 5), date(2027, 5, 1), date(2027, 5, 2), date(2027, 6, 9), date(2027, 9, 15),
        date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3),
    ]
    cal = WorkingCalendar()
    # No 调休: the weekdays of the law's holidays are off, weekends stay weekends.
    assert not cal.is_workday(date(2027, 2, 5)) and not cal.is_workday(date(2027, 2, 8))
    assert cal.is_workday(date(2027, 2, 9)) and not cal.is_workday(date(2027, 2, 13))


def test_the_laws_holidays_agree_with_the_notice_of_a_known_year() -> None:
    # 2026's notice (chinese_calendar) gives every day the law fixes as a day off.
    for day in statutory_holidays(2026):
        assert chinese_calendar.is_holiday(day), day


def test_deadline_running_into_2027_records_the_fallback() -> None:
    cal = WorkingCalendar()
    # Wed 30 Dec 2026 + 3: Thu 31 Dec, then 元旦 (Fri 1 Jan 2027) is off: Mon 4, Tue 5 Jan 2027.
    assert cal.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
    # A 2026-12-28 request of 5 working days is due no earlier than 2027-01-05.
    assert cal.add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 5)
    assert cal.fallback_years == {2027}
    assert cal.year_source(2027) == "law"
    assert cal.year_source(2026) == "chinese_calendar"


def test_years_before_2004_fall_back_too() -> None:
    cal = WorkingCalendar()
    assert not cal.is_workday(date(2003, 10, 1))  # a Wednesday: 国庆, from the law
    assert cal.is_workday(date(2003, 10, 6))  # the notice's longer break is not known
    assert cal.fallback_years == {2003}
    assert "2003 年" in cal.warnings()[0]


# --------------------------------------------------------------------------- office files

OFFICE_2027 = """\
# 2027 statutory schedule, from the State Council notice (test fixture, not the real notice)
year = 2027
holidays = ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", 2027-02-10, "2027-02-11"]
workdays = ["2027-02-20"]   # a make-up Saturday
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_office_file_for_2027_overrides_the_fallback(tmp_path: Path) -> None:
    _write(tmp_path, "2027.toml", OFFICE_2027)
    _write(tmp_path, "README.md", "not a schedule")
    cal = WorkingCalendar([tmp_path])
    assert cal.year_source(2027) == "office-file"
    assert not cal.is_workday(date(2027, 1, 1))  # Friday, New Year's Day
    assert not cal.is_workday(date(2027, 2, 10))  # TOML date literal
    assert cal.is_workday(date(2027, 2, 20))  # Saturday, 调休
    assert not cal.is_workday(date(2027, 2, 21))  # ordinary Sunday
    assert cal.is_workday(date(2027, 2, 12))  # ordinary Friday
    # Thu 31 Dec 2026 + 1 → Mon 4 Jan 2027 (1 Jan is a holiday, 2–3 Jan the weekend).
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    # Thu 4 Feb + 1: Fri 5 off, weekend, Mon 8 – Thu 11 off → Fri 12 Feb; + 2 → Mon 15 Feb.
    assert cal.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)
    assert cal.add_working_days(date(2027, 2, 4), 2) == date(2027, 2, 15)
    # (Fri 12, Mon 22]: 15, 16, 17, 18, 19, Sat 20, 22 = 7
    assert cal.working_days_between(date(2027, 2, 12), date(2027, 2, 22)) == 7
    assert cal.fallback_years == set()
    assert cal.warnings() == []


def test_office_file_wins_over_chinese_calendar(tmp_path: Path) -> None:
    # An office may correct a year the package knows; here it declares 2026-03-02 a holiday.
    _write(tmp_path, "2026.toml", 'year = 2026\nholidays = ["2026-03-02"]\n')
    cal = WorkingCalendar([tmp_path])
    assert cal.year_source(2026) == "office-file"
    assert not cal.is_workday(date(2026, 3, 2))
    # The file replaces the year entirely: the Spring Festival is not in it.
    assert cal.is_workday(date(2026, 2, 16))


def test_earlier_folder_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    _write(first, "2027.toml", 'year = 2027\nholidays = ["2027-03-01"]\n')
    _write(second, "2027.toml", 'year = 2027\nholidays = ["2027-03-02"]\n')
    cal = WorkingCalendar([first, second])
    assert not cal.is_workday(date(2027, 3, 1))
    assert cal.is_workday(date(2027, 3, 2))


def test_missing_folder_is_ignored(tmp_path: Path) -> None:
    cal = WorkingCalendar([tmp_path / "nowhere"])
    assert cal.year_source(2026) == "chinese_calendar"


def test_shipped_holiday_folder_holds_only_the_readme() -> None:
    folder = REPO_ROOT / "data" / "holidays"
    assert sorted(p.name for p in folder.iterdir()) == ["README.md"]
    cal = WorkingCalendar([folder])
    assert cal.year_source(2026) == "chinese_calendar"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("2027.toml", "year = 2027\nholidays = [\n", "不是有效的 TOML 格式"),
        ("2027.toml", 'holidays = ["2027-01-01"]\n', "缺少 year 字段"),
        ("2027.toml", 'year = "2027"\n', "year 应为整数"),
        ("2027.toml", "year = 2028\n", "year = 2028 与文件名中的年份 2027 不一致"),
        ("2027.toml", 'year = 2027\nholidays = ["2028-01-01"]\n', "日期 2028-01-01 不在 2027 年内"),
        ("2027.toml", 'year = 2027\nworkdays = ["2026-12-26"]\n', "日期 2026-12-26 不在 2027 年内"),
        ("2027.toml", 'year = 2027\nholidays = ["2027-02-30"]\n', "「2027-02-30」不是有效日期"),
        ("2027.toml", 'year = 2027\nholidays = ["2027/01/01"]\n', "「2027/01/01」不是有效日期"),
        ("2027.toml", 'year = 2027\nholidays = ["2027-1-1"]\n', "「2027-1-1」不是有效日期"),
        ("2027.toml", "year = 2027\nholidays = [20270101]\n", "「20270101」不是有效日期"),
        ("2027.toml", "year = 2027\nholidays = [2027-01-01T08:00:00]\n", "带有时间"),
        ("2027.toml", 'year = 2027\nholidays = "2027-01-01"\n', "holidays 应为日期列表"),
        (
            "2027.toml",
            'year = 2027\nholidays = ["2027-02-13"]\nworkdays = ["2027-02-13"]\n',
            "日期 2027-02-13 同时出现在 holidays 和 workdays 中",
        ),
        ("2027.toml", 'year = 2027\nworkdays = ["2027-02-12"]\n', "2027-02-12 是周五，本来就是工作日"),
        ("2027.toml", 'year = 2027\nholiday = ["2027-01-01"]\n', "无法识别的字段 holiday"),
        ("holidays-2027.toml", "year = 2027\n", "文件名应为“年份.toml”"),
    ],
)
def test_bad_office_files_are_refused(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(CalendarFileError, match=message) as info:
        WorkingCalendar([tmp_path])
    # The message names the file so the office knows which one to fix.
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_load_office_schedule(tmp_path: Path) -> None:
    schedule = load_office_schedule(_write(tmp_path, "2027.toml", OFFICE_2027))
    assert schedule.year == 2027
    assert date(2027, 2, 10) in schedule.holidays
    assert schedule.workdays == frozenset({date(2027, 2, 20)})
