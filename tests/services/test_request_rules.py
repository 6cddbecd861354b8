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


# ------------------------------------------------------------------------------ returns


def test_the_return_window_runs_from_the_first_dispatch_to_that_unit(desk: Desk, act: Act, cast: Cast,
                                                                     talent: Talent, clock: Clock) -> None:
    number = dispatched(act, cast)  # to 木渎 on Monday 2 March
    supervisor = act(cast.supervisor).requests
    clock.set(date(2026, 3, 3), time(9, 0))
    supervisor.move(number, "reassign", reason="先由甪直看看", to_site="luzhi", to_staff="钱专员")
    clock.set(date(2026, 3, 5), time(9, 0))
    supervisor.move(number, "reassign", reason="仍归木渎", to_site="mudu", to_staff="李专员")
    # Back at 木渎 on Thursday: its window counts from Monday, three working days ago, not from today.
    with pytest.raises(MoveRefused, match="派单已 3 个工作日，超过退单时限"):
        act(cast.specialist).requests.move(number, "return", reason="不属于本板块")
    # A supervisor may accept the late return.
    returned = supervisor.move(number, "return", reason="确需区级部门办理")
    assert returned.status is Status.RETURNED
    assert desk.requests.get(number).events[-1].detail["late_accepted"] is True


def test_a_rejected_return_goes_back_to_the_unit_and_cannot_bounce(desk: Desk, act: Act, cast: Cast,
                                                                   talent: Talent, clock: Clock) -> None:
    number = dispatched(act, cast)
    specialist = act(cast.specialist).requests
    specialist.move(number, "sign")
    specialist.move(number, "return", reason="不属于本板块")
    with pytest.raises(MoveRefused, match="必须填写驳回理由"):
        act(cast.supervisor).requests.move(number, "reject-return")
    back = act(cast.supervisor).requests.move(number, "reject-return", reason="人才户籍在木渎，应由木渎办理")
    assert back.status is Status.IN_PROGRESS and back.return_rejections == 1 and back.return_reason == ""
    assert back.due == date(2026, 3, 11)  # the clock never stopped
    with pytest.raises(MoveRefused, match="退单已被督办负责人驳回"):
        specialist.move(number, "return", reason="还是不属于本板块")
    event = desk.requests.get(number).events[-1]
    assert (event.action, event.actor_name, event.detail["returned_because"]) == (
        "reject-return", "周督办", "不属于本板块")


# ------------------------------------------------------------------------------ merge


def test_merging_into_another_talents_request_needs_a_reason_and_chains_resolve(
        desk: Desk, act: Act, cast: Cast, talent: Talent) -> None:
    first = opened(act, cast, HOUSING)
    second = opened(act, cast, HOUSING)
    other_measure = opened(act, cast, ONE_STOP)
    supervisor = act(cast.supervisor).requests
    with pytest.raises(MoveRefused, match="属于其他人才或其他服务举措，并单必须填写并单说明"):
        supervisor.move(first, "merge", into=other_measure)
    supervisor.move(first, "merge", into=second)  # same talent, same measure: no reason needed
    supervisor.move(second, "merge", into=other_measure, reason="同一诉求，并入一站式服务")
    # A chain ends in the surviving request: the first now points to it, and a merge into the first joins it.
    assert desk.requests.get(first).merged_into_id == desk.requests.get(other_measure).id
    assert desk.requests.surviving(first).number == other_measure
    late = opened(act, cast, ONE_STOP)
    assert supervisor.move(late, "merge", into=first).merged_into_id == desk.requests.get(other_measure).id


# ------------------------------------------------------------------------------ return visits


def test_the_hotline_visits_and_the_handler_does_not_rate_their_own_work(desk: Desk, act: Act, cast: Cast,
                                                                         talent: Talent, clock: Clock) -> None:
    number = dispatched(act, cast)
    specialist = act(cast.specialist).requests
    specialist.move(number, "sign")
    specialist.move(number, "resolve", reason="已办理")
    with pytest.raises(PermissionRefused, match="由您承办，回访应由话务员或督办负责人进行"):
        specialist.move(number, "visit", satisfied=True)
    assert "visit" not in specialist.allowed_moves(desk.requests.get(number))
    hotline = act(cast.operator).requests
    hotline.move(number, "visit", visit_result="unreached", reason="电话无人接听")
    hotline.move(number, "visit", visit_result="unreached", reason="关机")
    request = desk.requests.get(number)
    assert request.status is Status.RESOLVED and request.visit_unreached == 2 and request.visited_at is None
    visited = hotline.move(number, "visit", visit_result="basically_satisfied", solved=True, reason="基本满意")
    assert visited.status is Status.VISITED and visited.satisfied is True
    assert (visited.visit_result, visited.visit_solved) == ("basically_satisfied", True)


def test_after_one_rework_an_unsatisfied_visit_is_closed_by_review(desk: Desk, act: Act, cast: Cast,
                                                                  talent: Talent, clock: Clock) -> None:
    number = dispatched(act, cast)
    specialist, hotline = act(cast.specialist).requests, act(cast.operator).requests
    supervisor = act(cast.supervisor).requests
    specialist.move(number, "sign")
    specialist.move(number, "resolve", reason="已办理")
    hotline.move(number, "visit", visit_result="unsatisfied", solved=False, reason="未解决")
    specialist.move(number, "resolve", reason="重办完成")
    waiting = hotline.move(number, "visit", visit_result="unsatisfied", solved=False, reason="仍不满意")
    assert waiting.status is Status.RESOLVED and waiting.review_result == "pending"  # no second 重办
    assert supervisor.allowed_moves(desk.requests.get(number)) == ["review"]
    with pytest.raises(MoveRefused, match="待督办负责人甄别"):
        hotline.move(number, "visit", satisfied=True)
    closed = supervisor.move(number, "review", reasonable=False, reason="诉求超出政策范围")
    assert closed.status is Status.VISITED and closed.satisfied is False and closed.review_result == "unreasonable"
    assert closed.rework_count == 1


def test_a_return_waiting_for_review_is_overdue_for_the_supervisor_not_the_township(
        desk: Desk, act: Act, cast: Cast, talent: Talent, clock: Clock) -> None:
    number = dispatched(act, cast, ONE_STOP)  # due 9 March
    act(cast.specialist).requests.move(number, "return", reason="不属于本板块")
    clock.set(date(2026, 3, 12), time(9, 0))
    assert act(cast.specialist).views.view_counts()["overdue"] == 0
    assert act(cast.supervisor).views.view_counts()["overdue"] == 1
    assert desk.requests.is_overdue(desk.requests.get(number))


def test_a_call_about_a_merged_request_goes_to_the_surviving_one(desk: Desk, act: Act, cast: Cast,
                                                                 talent: Talent) -> None:
    merged, survivor = opened(act, cast), opened(act, cast)
    act(cast.supervisor).requests.move(merged, "merge", into=survivor)
    result = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="再次来电", attach_to=merged)
    assert result.call.request_id == desk.requests.get(survivor).id
    assert desk.requests.get(survivor).events[-1].action == "repeat-call"


def test_a_rejected_return_is_counted_in_the_figures(desk: Desk, act: Act, cast: Cast, talent: Talent) -> None:
    from dongwu_tui.reports.engine import ReportService
    from dongwu_tui.reports.period import parse_period

    number = dispatched(act, cast)
    act(cast.specialist).requests.move(number, "return", reason="不属于本板块")
    act(cast.supervisor).requests.move(number, "reject-return", reason="应由木渎办理")
    total = ReportService(desk).figures(parse_period("2026-03")).total
    assert total["return_refused"] == 1
