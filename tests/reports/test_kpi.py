"""KPIs on a hand-built office: every figure below is worked out by hand in the comments.

The office is built through the real services with the test's clock, in time order. The period is
2026-Q1 and the desk's "now" at the end is Friday 20 March 2026, 17:00.

Limits (data/measures.toml): m1 3, m6 5, m7 3, m8 15, m11 7, m12 7, m15 3, m16 1, m2 7, m3 10 working days.
Calendar: Spring Festival 2026 is Feb 15–23 off; Sat Feb 14 and Sat Feb 28 are 调休 working days.

  req  talent  measure  story                                                          status at the end
  A    mudu    6    signed Mon 03-02, due 03-09; resolved ON the due day 03-09; visited ok; archived  archived
  B    mudu    1    signed 03-02, due 03-05; +3 days approved 03-04 → due 03-10; resolved 03-10     visited
  C    mudu    6    signed Thu 02-12 → due 02-26 across Spring Festival (13,14*,24,25,26); resolved
                    02-26: 14 calendar days but 5 working days, on time; visited on Sat 02-28 (调休)  archived
  D    mudu    11   signed 03-02 (due 03-11), resolved 03-04, visit 03-05 UNSATISFIED → back to work
                    with a fresh limit: due 03-16; resolved again 03-13; visited ok 03-16            visited
  E    luzhi   16   a second request while F is open (force_new), MERGED into F 03-03            merged
  F    luzhi   16   signed 03-03, due 03-04; supervised 03-05; repeat call attached 03-06        in_progress
  G    luzhi   7    signed 03-02, due 03-05; resolved LATE 03-09; not visited yet                resolved
  H    mudu    15   answered during the call 03-02 (直接办结); archived 03-03                     archived
  I    mudu    12   dispatched to 李专员 03-02, RETURNED 03-03, reassigned to 钱专员 (luzhi) 03-04,
                    due 03-13, not signed                                                       dispatched
  J    mudu    2    logged 03-19, never dispatched, due 03-30                                   new
  K    luzhi   8    dispatched 03-16, returned 03-17, waiting for review                         returned
  M    mudu    3    signed 03-16 (due 03-30), extension of 5 days asked 03-18, pending          in_progress
  L    mudu    6    answered 2025-12-30: outside the period
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from dongwu_tui.reports.definitions import SUM_FIELDS
from dongwu_tui.reports.engine import ReportService
from dongwu_tui.reports.period import parse_period

Q1 = parse_period("2026-Q1")
LUZHI_PHONE = "13700137000"


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> datetime:
    return datetime.combine(date(year, month, day), time(hour, 0))


@pytest.fixture
def office(desk, cast, clock, talent, act):
    operator, specialist, luzhi, supervisor = (act(cast.operator), act(cast.specialist),
                                               act(cast.specialist_luzhi), act(cast.supervisor))
    operator.talents.add(name="孙人才", phone=LUZHI_PHONE, category_code="young", township_code="luzhi",
                         specialist_id=cast.specialist_luzhi.id)
    numbers: dict[str, str] = {}

    def log(name: str, when: datetime, measure: int, phone: str = talent.phone, staff=cast.specialist,
            dispatch: bool = True, **extra) -> str:
        clock.now = when
        result = operator.calls.log(phone=phone, summary=f"工单{name}的来电", measure=measure,
                                    outcome=extra.pop("outcome", "request"),
                                    dispatch_to=staff_site(staff) if dispatch else None,
                                    dispatch_staff=staff.id if dispatch else None, **extra)
        numbers[name] = result.request.number
        return result.request.number

    def staff_site(staff) -> str:
        return "luzhi" if staff.id == cast.specialist_luzhi.id else "mudu"

    def move(who, name: str, when: datetime, action: str, **kwargs) -> None:
        clock.now = when
        who.requests.move(numbers[name], action, **kwargs)

    # L: outside the period.
    log("L", at(12, 30, year=2025), 6, outcome="answered", resolution="当场答复", dispatch=False)
    # C: across Spring Festival.
    log("C", at(2, 12), 6)
    move(specialist, "C", at(2, 12, 10), "sign")
    move(specialist, "C", at(2, 26, 16), "resolve", reason="已办结")
    move(operator, "C", at(2, 28, 10), "visit", satisfied=True)
    # Monday 2 March.
    log("A", at(3, 2), 6)
    move(specialist, "A", at(3, 2, 10), "sign")
    log("B", at(3, 2, 11), 1)
    move(specialist, "B", at(3, 2, 11), "sign")
    log("D", at(3, 2, 12), 11)
    move(specialist, "D", at(3, 2, 12), "sign")
    log("G", at(3, 2, 13), 7, phone=LUZHI_PHONE, staff=cast.specialist_luzhi)
    move(luzhi, "G", at(3, 2, 13), "sign")
    log("H", at(3, 2, 14), 15, outcome="answered", resolution="东吴人才卡权益已当场说明", dispatch=False)
    log("I", at(3, 2, 15), 12)
    move(supervisor, "C", at(3, 2, 16), "archive")
    # Tuesday 3 March.
    log("F", at(3, 3), 16, phone=LUZHI_PHONE, staff=cast.specialist_luzhi)
    move(luzhi, "F", at(3, 3, 9), "sign")
    log("E", at(3, 3, 10), 16, phone=LUZHI_PHONE, dispatch=False, force_new=True)
    move(supervisor, "E", at(3, 3, 11), "merge", into=numbers["F"], reason="同一事项")
    move(specialist, "I", at(3, 3, 14), "return", reason="不属于本板块")
    move(supervisor, "H", at(3, 3, 15), "archive")
    # Wednesday 4 March.
    move(specialist, "B", at(3, 4, 9), "extend", days=3, reason="需会商")
    move(supervisor, "B", at(3, 4, 10), "approve-extension")
    move(supervisor, "I", at(3, 4, 11), "reassign", to_site="luzhi", to_staff=cast.specialist_luzhi.id,
         reason="改派属地")
    move(specialist, "D", at(3, 4, 15), "resolve", reason="第一次办结")
    move(operator, "D", at(3, 5, 10), "visit", satisfied=False, reason="问题未解决")
    move(supervisor, "F", at(3, 5, 11), "supervise", reason="已超期，请尽快办结")
    clock.now = at(3, 6)
    operator.calls.log(phone=LUZHI_PHONE, summary="再次来电催问", measure=16, attach_to=numbers["F"])
    move(specialist, "A", at(3, 9, 16), "resolve", reason="按期办结")
    move(luzhi, "G", at(3, 9, 16), "resolve", reason="超期办结")
    move(operator, "A", at(3, 10, 10), "visit", satisfied=True)
    move(specialist, "B", at(3, 10, 15), "resolve", reason="延期后办结")
    move(operator, "B", at(3, 11, 10), "visit", satisfied=True)
    move(supervisor, "A", at(3, 11, 11), "archive")
    move(specialist, "D", at(3, 13, 15), "resolve", reason="重办后办结")
    log("K", at(3, 16), 8, phone=LUZHI_PHONE, staff=cast.specialist_luzhi)
    log("M", at(3, 16, 10), 3)
    move(specialist, "M", at(3, 16, 11), "sign")
    move(operator, "D", at(3, 16, 14), "visit", satisfied=True)
    move(luzhi, "K", at(3, 17), "return", reason="需区级部门办理")
    move(specialist, "M", at(3, 18), "extend", days=5, reason="等待材料")
    log("J", at(3, 19), 2, dispatch=False)
    clock.now = at(3, 20, 17)
    return numbers


def test_due_dates_follow_the_story(desk, office):
    due = {name: desk.requests.get(number, with_events=False).due for name, number in office.items()}
    assert due["A"] == date(2026, 3, 9)
    assert due["B"] == date(2026, 3, 10)  # 03-05 + 3 approved working days
    assert due["C"] == date(2026, 2, 26)  # 13, 14 (调休), then 24, 25, 26 after the festival
    assert due["D"] == date(2026, 3, 16)  # fresh limit of 7 from the unsatisfied visit on 03-05
    assert due["F"] == date(2026, 3, 4)
    assert due["G"] == date(2026, 3, 5)
    assert due["I"] == date(2026, 3, 11)  # 7 working days from the first dispatch on 03-02: 改派 keeps it


def test_status_counts(desk, office):
    total = ReportService(desk).figures(Q1).total
    # new J; dispatched I; in progress F, M; returned K; resolved G; visited B, D; archived A, C, H.
    assert [total[f"status_{s}"] for s in
            ("new", "dispatched", "in_progress", "returned", "resolved", "visited", "archived", "merged")] == \
        [1, 1, 2, 1, 1, 2, 3, 1]
    assert total["requests"] == 11  # A B C D F G H I J K M: E is merged, L is outside the period
    assert total["merged"] == 1  # E


def test_kpis_by_hand(desk, office):
    total = ReportService(desk).figures(Q1).total
    expected_counts = {
        "direct": 1,  # H
        "closed": 6,  # A B C D G H
        "open": 5,  # F I J K M
        "overdue": 2,  # F (due 03-04), I (due 03-13); J and M are due 03-30, K 04-07
        "worked_closed": 5,  # A B C D G: closed and not answered during the call
        "on_time": 4,  # A on the due day, B after the extension, C across the festival, D against its fresh limit
        "late_closed": 1,  # G: resolved 03-09, due 03-05
        "on_time_base": 7,  # the 5 worked and closed + the 2 open overdue (F, I)
        "visit_base": 5,  # A B C D G
        "visited": 4,  # A B C D
        "satisfied": 3,  # A B C: D was once unsatisfied, and stays so although its second visit is satisfied
        "unsatisfied": 1,  # D
        "reworked": 1,  # D
        "handled": 9,  # A B C D F G I K M: not H (direct), J (never dispatched), E (merged)
        "returned": 2,  # I (since reassigned) and K
        "extended": 1,  # B; M's extension is still pending
        "repeated": 1,  # F: a repeat call and E merged into it
        "extension_pending": 1,  # M
        "returned_waiting": 1,  # K
        # Working days from signing to resolution: A 5 (3,4,5,6,9), B 6 (…,10), C 5 (13,14,24,25,26),
        # D 9 (3–6, 9–13), G 5 (3,4,5,6,9).
        "working_days": 30,
    }
    assert {key: total[key] for key in expected_counts} == expected_counts
    kpis = total.kpis()
    assert kpis["direct_rate"] == pytest.approx(1 / 11)
    assert kpis["closure_rate"] == pytest.approx(6 / 11)
    assert kpis["on_time_rate"] == pytest.approx(4 / 7)
    assert kpis["visit_rate"] == pytest.approx(4 / 5)
    assert kpis["satisfaction_rate"] == pytest.approx(3 / 4)
    assert kpis["return_rate"] == pytest.approx(2 / 9)
    # Per call: 13 calls in Q1 (A–M's own and the repeat attached to F); repeats: the attached one, E's
    # (merged into F) and A's (same phone and measure 6 four days after C was resolved).
    assert (total["calls"], total["repeat_calls"]) == (13, 3)
    assert kpis["repeat_call_rate"] == pytest.approx(3 / 13)
    assert kpis["extension_rate"] == pytest.approx(1 / 9)
    assert kpis["avg_working_days"] == pytest.approx(6.0)  # 30 / 5


def test_new_kpis_by_hand(desk, office):
    total = ReportService(desk).figures(Q1).total
    expected = {
        # Signed on the day of dispatch: A B C D F G M. I, reassigned 03-04, is still unsigned 12 working
        # days later (limit 1): in the base, not on time. K was returned before signing, J never dispatched.
        "sign_base": 8, "sign_on_time": 7,
        # Worked and closed A B C D G; B was extended and D reworked.
        "first_time": 3,
        # Visits within 3 working days of the resolution: A (1), B (1), C (2: 27 Feb, 28 Feb 调休), D (1).
        "visit_on_time": 4,
        # Latest visit satisfied: A B C and D (its second visit).
        "solved": 4,
        "basically_satisfied": 0, "return_refused": 0, "chased": 0, "supervised": 1,  # F supervised 03-05
    }
    assert {key: total[key] for key in expected} == expected
    kpis = total.kpis()
    assert kpis["sign_rate"] == pytest.approx(7 / 8)
    assert kpis["first_time_rate"] == pytest.approx(3 / 5)
    assert kpis["visit_timely_rate"] == pytest.approx(4 / 4)
    assert kpis["solve_rate"] == pytest.approx(4 / 4)


def test_figures_by_handling_unit_and_operator(desk, office, cast):
    report = ReportService(desk).figures(Q1)
    by_unit = {row.name: (row.figures["requests"], row.figures["merged"]) for row in report.by_unit}
    # H was answered during the call: the hotline's, not mudu's. I was reassigned to luzhi, where it is held.
    # J was never dispatched; E was merged before dispatch.
    assert by_unit == {"服务热线（直接办结）": (1, 0), "木渎镇人才工作站": (5, 0), "甪直镇人才工作站": (4, 0),
                       "未派单": (1, 1)}
    assert [row.name for row in report.by_unit][0] == "服务热线（直接办结）"
    # 退单 counts where the request is now (I at luzhi since its reassignment, K at luzhi); the return
    # itself counts for the unit whose staff made it: I by 李专员 (mudu), K by 钱专员 (luzhi).
    units = {row.name: row.figures for row in report.by_unit}
    assert (units["木渎镇人才工作站"]["returned"], units["甪直镇人才工作站"]["returned"]) == (0, 2)
    assert (units["木渎镇人才工作站"]["returns_made"], units["甪直镇人才工作站"]["returns_made"]) == (1, 1)
    by_operator = {row.name: row.figures["requests"] for row in report.by_operator}
    assert by_operator == {"王话务": 11}
    service = ReportService(desk)
    for row in report.by_unit:  # every unit's figure drills to as many requests
        assert service.drill_count(Q1, "unit", row.key, "requests") == row.figures["requests"]
    # Units' and operators' counts add up to the district's.
    for rows in (report.by_unit, report.by_operator):
        assert sum(row.figures["requests"] for row in rows) == report.total["requests"]
        assert sum(row.figures["calls"] for row in rows) == report.total["calls"]


def test_groups_by_hand(desk, office, cast):
    report = ReportService(desk).figures(Q1)
    by_measure = {row.key: row.figures for row in report.by_measure}
    # m6: A and C (L is outside the period), both on time, 5 working days each.
    assert (by_measure[6]["requests"], by_measure[6]["on_time"], by_measure[6]["working_days"]) == (2, 2, 10)
    # m16: F counted, E merged.
    assert (by_measure[16]["requests"], by_measure[16]["merged"], by_measure[16]["overdue"]) == (1, 1, 1)
    by_category = {row.key: row.figures["requests"] for row in report.by_category}
    # policy m1 B, m2 J, m3 M; foundation m6 A C, m7 G, m8 K; care m11 D, m12 I, m15 H; contact m16 F.
    assert by_category == {"policy": 3, "foundation": 4, "care": 3, "contact": 1}
    by_township = {row.key: row.figures["requests"] for row in report.by_township if row.figures["requests"]}
    assert by_township == {"mudu": 8, "luzhi": 3}  # mudu A B C D H I J M; luzhi F G K
    by_specialist = {row.name: (row.figures["requests"], row.figures["merged"]) for row in report.by_specialist}
    # 李专员 A B C D M; 钱专员 F G I K (I after reassignment); nobody: H J, and E merged before dispatch.
    assert by_specialist == {"李专员": (5, 0), "钱专员": (4, 0), "未派专员": (2, 1)}


def test_every_figure_drills_to_as_many_requests(desk, office):
    service = ReportService(desk)
    report = service.figures(Q1)
    for axis in ("measure", "category", "township", "specialist", "unit", "operator"):
        for row in report.rows(axis):
            for key, value in row.figures.items():
                if key in SUM_FIELDS:  # sums of days and per-call or per-event figures: no list behind them
                    continue
                assert service.drill_count(Q1, axis, row.key, key) == value, (axis, row.name, key)
                assert len(service.drill(Q1, axis, row.key, key)) == value
    numbers = {r.number for r in service.drill(Q1, "all", None, "on_time")}
    assert numbers == {office[name] for name in "ABCD"}
    assert [r.number for r in service.overdue(Q1)] == [office["F"], office["I"]]
    assert [r.number for r in service.pending_extensions()] == [office["M"]]
    assert [r.number for r in service.returned_waiting()] == [office["K"]]


def test_the_list_behind_a_figure_pages_by_key_in_drills_order(desk, office):
    """drill_query (the dashboard's list behind a figure) is drill's requests in drill's order, read a page at
    a time from the sort key of the page before, with its count."""
    service = ReportService(desk)
    for field, by_due in (("requests", False), ("requests", True), ("overdue", True), ("on_time", False)):
        expected = [r.number for r in service.drill(Q1, "all", None, field, by_due=by_due)]
        query = service.drill_query(Q1, "all", None, field, by_due=by_due,
                                    convert=lambda request, key: (request.number, key))
        assert query.count() == len(expected)
        seen, start, inclusive = [], None, True
        while True:
            page = query.page(start, limit=3, inclusive=inclusive)
            if not page:
                break
            seen += [number for number, _key in page]
            start, inclusive = page[-1][1], False
        assert seen == expected, (field, by_due)
    numbers = [request.number for request in service.drill_query(Q1, "all", None, "overdue", by_due=True).page()]
    assert numbers == [office["F"], office["I"]]


def test_period_bounds(desk, office):
    service = ReportService(desk)
    assert service.figures(parse_period("2026-02")).total["requests"] == 1  # C
    assert service.figures(parse_period("2025")).total["requests"] == 1  # L
    assert service.figures(parse_period("2025")).total["direct"] == 1


def test_weekly_trend(desk, office):
    points = ReportService(desk).trends(parse_period("2026-03"))
    by_week = {p.week_start: p for p in points}
    # Week of Mon 03-02: opened A B D G H I F E→merged (not counted) = 7; closed that week: H (03-02),
    # D first resolution (03-04) no longer counts, its latest resolution is 03-13.
    assert by_week[date(2026, 3, 2)].opened == 7
    assert by_week[date(2026, 3, 2)].closed == 1
    # Week of 03-09: A and G resolved 03-09, B 03-10, D 03-13.
    assert by_week[date(2026, 3, 9)].closed == 4
    # Opened week of 03-02: on time A B D; base A B D G + F I overdue = 6.
    assert (by_week[date(2026, 3, 2)].on_time, by_week[date(2026, 3, 2)].on_time_base) == (3, 6)


def test_maintained_facts_equal_rebuilt_facts(desk, office):
    """After the whole story written through the services, the trigger-maintained report facts and
    aggregates equal those rebuilt from scratch (tests/reports/test_facts.py has the random writes)."""
    from tests.reports.test_facts import assert_maintained_equals_rebuilt

    db = desk.office.db
    assert db.execute_sql("SELECT COUNT(*) FROM report_fact").fetchone()[0] >= 12
    assert_maintained_equals_rebuilt(db)
