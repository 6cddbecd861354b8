"""The 12345-style rules of a request's clock and moves, through the real services and a real SQLite file:
the limit counts from the first 派单, signing has its own limit, extensions are bounded and only before the
due date, 按时办结 is judged on the first resolution, returns, 退单驳回, 并单 and return visits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import pytest
from deskkit import TALENT_PHONE, Cast, Clock

from dongwu_tui.domain.errors import MoveRefused, PermissionRefused
from dongwu_tui.domain.models import ServiceRequest, Staff, Status, Talent
from dongwu_tui.services.desk import Desk

HOUSING = 11  # 7 working days
ONE_STOP = 6  # 5 working days
Act = Callable[[Staff], Desk]


def opened(act: Act, cast: Cast, measure: int = HOUSING, phone: str = TALENT_PHONE) -> str:
    result = act(cast.operator).calls.log(phone=phone, summary="咨询人才公寓", measure=measure, outcome="request",
                                          force_new=True)
    assert result.request is not None
    return result.request.number


def dispatched(act: Act, cast: Cast, measure: int = HOUSING) -> str:
    number = opened(act, cast, measure)
    act(cast.operator).requests.move(number, "dispatch", to_site="mudu", to_staff="李专员")
    return number


# ------------------------------------------------------------------------------ the clock


def test_the_limit_counts_from_dispatch_and_signing_has_its_own(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                               clock: Clock) -> None:
    number = dispatched(act, cast, ONE_STOP)  # Monday 2 March 2026
    request = desk.requests.get(number)
    assert request.first_dispatched_at == datetime(2026, 3, 2, 9, 0)
    assert request.due == date(2026, 3, 9)  # five working days from Monday
    assert request.sign_due == date(2026, 3, 3)  # one working day to sign
    clock.set(date(2026, 3, 4), time(10, 0))  # signed on Wednesday, late
    signed = act(cast.specialist).requests.move(number, "sign")
    assert signed.due == date(2026, 3, 9)
    sign = desk.requests.get(number).events[-1]
    assert sign.detail == {"sign_due": "2026-03-03", "sign_late": True}


def test_reassignment_keeps_the_start_unless_the_first_dispatch_is_ruled_wrong(desk: Desk, act: Act, cast: Cast,
                                                                              talent: Talent, clock: Clock) -> None:
    number = dispatched(act, cast, ONE_STOP)
    clock.set(date(2026, 3, 4), time(10, 0))
    act(cast.specialist).requests.move(number, "sign")
    supervisor = act(cast.supervisor).requests
    # 改派 at any open status (here in progress) keeps the original start.
    moved = supervisor.move(number, "reassign", reason="由甪直承办", to_site="luzhi", to_staff="钱专员")
    assert moved.status is Status.DISPATCHED and moved.due == date(2026, 3, 9)
    assert moved.first_dispatched_at == datetime(2026, 3, 2, 9, 0)
    # Ruled a wrong first dispatch (with its reason): the clock starts again.
    clock.set(date(2026, 3, 5), time(9, 0))
    restarted = supervisor.move(number, "reassign", reason="首次派单错误，应派木渎", to_site="mudu",
                                to_staff="李专员", restart_clock=True)
    assert restarted.due == date(2026, 3, 12) and restarted.first_dispatched_at == datetime(2026, 3, 5, 9, 0)
    assert desk.requests.get(number).events[-1].detail["clock_restarted"] is True


# ------------------------------------------------------------------------------ extensions


def test_an_extension_is_asked_and_decided_only_before_the_due_date(desk: Desk, act: Act, cast: Cast,
                                                                    talent: Talent, clock: Clock, dump) -> None:
    number = dispatched(act, cast, ONE_STOP)  # due Monday 9 March
    specialist = act(cast.specialist).requests
    specialist.move(number, "sign")
    clock.set(date(2026, 3, 9), time(10, 0))  # the due day: still allowed
    specialist.move(number, "extend", reason="材料未齐", days=2)
    clock.set(date(2026, 3, 10), time(10, 0))  # not decided in time: it lapsed
    before = dump(desk, "service_request", "request_event")
    with pytest.raises(MoveRefused, match="延期申请未在期限前审批，已失效"):
        act(cast.supervisor).requests.move(number, "approve-extension")
    assert dump(desk, "service_request", "request_event") == before
    act(cast.supervisor).requests.move(number, "refuse-extension", reason="已超期")
    with pytest.raises(MoveRefused, match="已于 2026-03-09 到期，超期后不能申请延期"):
        specialist.move(number, "extend", reason="再申请", days=2)
    request = desk.requests.get(number)
    assert request.due == date(2026, 3, 9) and desk.requests.is_overdue(request)


def test_extensions_are_bounded_in_number_and_total_days(desk: Desk, act: Act, cast: Cast, talent: Talent) -> None:
    number = dispatched(act, cast)
    specialist, supervisor = act(cast.specialist).requests, act(cast.supervisor).requests
    specialist.move(number, "sign")
    policy = desk.requests.policy(HOUSING)
    assert (policy.max_extensions, policy.max_extension_days) == (2, 30)
    specialist.move(number, "extend", reason="等待", days=30)
    supervisor.move(number, "approve-extension")
    with pytest.raises(MoveRefused, match="还可延期 0 个工作日"):
        specialist.move(number, "extend", reason="再等", days=1)
    request = desk.requests.get(number)
    assert (request.extensions_used, request.extension_days_used) == (1, 30)


def test_the_number_of_extensions_is_bounded(desk: Desk, act: Act, cast: Cast, talent: Talent) -> None:
    number = dispatched(act, cast)
    specialist, supervisor = act(cast.specialist).requests, act(cast.supervisor).requests
    specialist.move(number, "sign")
    for _ in range(2):
        specialist.move(number, "extend", reason="等待", days=1)
        supervisor.move(number, "approve-extension")
    with pytest.raises(MoveRefused, match="已延期 2 次，本举措每件工单最多延期 2 次"):
        specialist.move(number, "extend", reason="等待", days=1)


# ------------------------------------------------------------------------------ rework


def test_on_time_is_judged_on_the_first_resolution(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                   clock: Clock) -> None:
    number = dispatched(act, cast, ONE_STOP)  # due 9 March
    specialist, hotline = act(cast.specialist).requests, act(cast.operator).requests
    specialist.move(number, "sign")
    clock.set(date(2026, 3, 10), time(10, 0))
    specialist.move(number, "resolve", reason="已办理")  # a day late
    clock.set(date(2026, 3, 11), time(10, 0))
    reworked = hotline.move(number, "visit", satisfied=False, reason="未解决")
    assert reworked.due == date(2026, 3, 18) and reworked.rework_count == 1  # its own limit
    clock.set(date(2026, 3, 12), time(10, 0))
    specialist.move(number, "resolve", reason="再次办理")  # within the rework's limit
    request = desk.requests.get(number)
    assert request.first_resolved_at == datetime(2026, 3, 10, 10, 0) and request.first_on_time is False
