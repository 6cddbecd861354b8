"""Service requests and hotline calls through the real services and a real SQLite file.

Each test drives the desk the way the screens and the CLI do (`desk.acting_as(person).calls.log`,
`.requests.move`) and then reads back what was stored: statuses, due dates and the timeline of
events with who, when, from, to and why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import pytest
from deskkit import TALENT_PHONE, Cast, Clock

from dongwu_tui.domain.errors import MoveRefused, NotFound, PermissionRefused, ValidationFailed
from dongwu_tui.domain.models import CallOutcome, ServiceRequest, Staff, Status, Talent
from dongwu_tui.services.calls import RepeatCallFound
from dongwu_tui.services.desk import Desk

HOUSING = 11  # 人才安居（人才公寓）
ONE_STOP = 6  # 一站式集成服务, 5 working days


Act = Callable[[Staff], Desk]


def log_request(act: Act, cast: Cast, *, measure: int = HOUSING, phone: str = TALENT_PHONE,
                summary: str = "咨询人才公寓申请条件", **extra: object) -> ServiceRequest:
    result = act(cast.operator).calls.log(phone=phone, summary=summary, measure=measure, outcome="request", **extra)
    assert result.request is not None
    return result.request


def limit_of(desk: Desk, measure: int) -> int:
    return desk.directory.measure(measure).limit_days


def timeline(desk: Desk, number: str) -> list[tuple[str, str | None, str, str, str]]:
    """(action, from, to, actor name, reason) of every event on the request, in order."""
    return [
        (e.action, e.from_status.value if e.from_status else None, e.to_status.value, e.actor_name, e.reason)
        for e in desk.requests.get(number).events
    ]


# ------------------------------------------------------------------------------ the whole life


def test_full_life_from_call_to_archive(desk: Desk, act: Act, cast: Cast, talent: Talent, clock: Clock) -> None:
    opened = log_request(act, cast)
    assert opened.status is Status.NEW
    assert opened.talent_id == talent.id and opened.township_code == "mudu" and opened.measure == HOUSING
    assert opened.number == "WZ-20260302-0001"

    clock.advance(minutes=5)
    act(cast.operator).requests.move(opened.number, "dispatch", to_site="mudu", to_staff="李专员")
    clock.set(date(2026, 3, 3), time(10, 0))
    signed = act(cast.specialist).requests.move(opened.number, "sign")
    assert signed.status is Status.IN_PROGRESS
    assert signed.signed_at == datetime(2026, 3, 3, 10, 0)
    # The limit counts from 派单 (2 March), not from signing.
    assert signed.due == desk.calendar.add_working_days(date(2026, 3, 2), limit_of(desk, HOUSING))

    clock.advance(hours=2)
    act(cast.specialist).requests.move(opened.number, "progress", reason="已联系人才，材料已收齐")
    clock.set(date(2026, 3, 5), time(15, 0))
    resolved = act(cast.specialist).requests.move(opened.number, "resolve", reason="已安排入住人才公寓")
    assert resolved.status is Status.RESOLVED and resolved.resolution == "已安排入住人才公寓"
    clock.set(date(2026, 3, 6), time(9, 30))
    visited = act(cast.operator).requests.move(opened.number, "visit", satisfied=True, reason="人才表示满意")
    assert visited.status is Status.VISITED and visited.satisfied is True
    clock.set(date(2026, 3, 9), time(9, 0))
    archived = act(cast.supervisor).requests.move(opened.number, "archive")
    assert archived.status is Status.ARCHIVED

    stored = desk.requests.get(opened.number)
    assert stored.status is Status.ARCHIVED
    assert stored.archived_at == datetime(2026, 3, 9, 9, 0)
    assert stored.resolved_at == datetime(2026, 3, 5, 15, 0)
    assert stored.visited_at == datetime(2026, 3, 6, 9, 30)
    assert stored.assignee_id == cast.specialist.id and stored.direct is False
    assert timeline(desk, opened.number) == [
        ("log", None, "new", "王话务", "咨询人才公寓申请条件"),
        ("dispatch", "new", "dispatched", "王话务", ""),
        ("sign", "dispatched", "in_progress", "李专员", ""),
        ("progress", "in_progress", "in_progress", "李专员", "已联系人才，材料已收齐"),
        ("resolve", "in_progress", "resolved", "李专员", "已安排入住人才公寓"),
        ("visit", "resolved", "visited", "王话务", "人才表示满意"),
        ("archive", "visited", "archived", "周督办", ""),
    ]
    events = stored.events
    assert [e.actor_id for e in events] == [cast.operator.id, cast.operator.id] + [cast.specialist.id] * 3 + [
        cast.operator.id, cast.supervisor.id
    ]
    assert events[1].detail["to_staff_id"] == cast.specialist.id
    assert events[5].detail == {"result": "satisfied", "satisfied": True}
    assert events[-1].at == datetime(2026, 3, 9, 9, 0)
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_unsatisfied_visit_goes_back_to_work_then_closes(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                          clock: Clock) -> None:
    number = log_request(act, cast).number
    act(cast.operator).requests.move(number, "dispatch", to_site="mudu", to_staff=cast.specialist.id)
    specialist = act(cast.specialist).requests
    specialist.move(number, "sign")
    specialist.move(number, "resolve", reason="已提供房源信息")
    clock.set(date(2026, 3, 10), time(14, 0))
    hotline = act(cast.operator).requests  # the visit is the hotline's: the handler does not rate their own work
    reopened = hotline.move(number, "visit", satisfied=False, reason="房源离单位太远")
    assert reopened.status is Status.IN_PROGRESS and reopened.satisfied is False and reopened.resolved_at is None
    assert reopened.due == desk.calendar.add_working_days(date(2026, 3, 10), limit_of(desk, HOUSING))
    clock.advance(days=1)
    specialist.move(number, "resolve", reason="改为推荐木渎人才公寓")
    clock.advance(days=1)
    hotline.move(number, "visit", satisfied=True)
    act(cast.supervisor).requests.move(number, "archive")
    assert [row[:3] for row in timeline(desk, number)] == [
        ("log", None, "new"),
        ("dispatch", "new", "dispatched"),
        ("sign", "dispatched", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("visit", "resolved", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("visit", "resolved", "visited"),
        ("archive", "visited", "archived"),
    ]
    final = desk.requests.get(number)
    assert final.satisfied is True and final.resolution == "改为推荐木渎人才公寓"
    assert final.events[4].reason == "房源离单位太远"
    assert final.events[4].detail == {"result": "unsatisfied", "satisfied": False}


def test_due_date_is_counted_from_dispatch_in_statutory_working_days(desk: Desk, act: Act, cast: Cast,
                                                                    talent: Talent, clock: Clock) -> None:
    # Dispatched Thursday 2 April 2026; Qingming (4–6 April) is skipped: five working days end on 10 April.
    clock.set(date(2026, 4, 2), time(16, 0))
    number = log_request(act, cast, measure=ONE_STOP).number
    act(cast.operator).requests.move(number, "dispatch", to_site="mudu")
    # Signed the next Tuesday: the clock still counts from the dispatch.
    clock.set(date(2026, 4, 7), time(9, 0))
    signed = act(cast.specialist2).requests.move(number, "sign")
    assert limit_of(desk, ONE_STOP) == 5
    assert signed.due == date(2026, 4, 10) == desk.calendar.add_working_days(date(2026, 4, 2), 5)
    # Dispatched to the office only: whoever signs becomes the assignee.
    assert signed.assignee_id == cast.specialist2.id
    assert desk.requests.get(number).due == date(2026, 4, 10)


# ------------------------------------------------------------------------------ side paths


def test_return_within_the_window_then_supervisor_reassigns(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                             clock: Clock, dump) -> None:
    clock.set(date(2026, 3, 5), time(10, 0))  # Thursday
    number = log_request(act, cast).number
    act(cast.operator).requests.move(number, "dispatch", to_site="luzhi", to_staff="钱专员")
    clock.set(date(2026, 3, 9), time(11, 0))  # Monday: the second working day
    returned = act(cast.specialist_luzhi).requests.move(number, "return", reason="人才在木渎镇，不属于甪直")
    assert returned.status is Status.RETURNED and returned.return_reason == "人才在木渎镇，不属于甪直"

    # Only the supervisor re-dispatches (改派), with a note.
    with pytest.raises(PermissionRefused):
        act(cast.operator).requests.move(number, "reassign", reason="改派木渎", to_site="mudu")
    with pytest.raises(MoveRefused, match="必须填写改派说明"):
        act(cast.supervisor).requests.move(number, "reassign", to_site="mudu")
    clock.advance(hours=1)
    again = act(cast.supervisor).requests.move(number, "reassign", reason="改派木渎镇", to_site="mudu",
                                                to_staff="李专员")
    assert again.status is Status.DISPATCHED and again.return_reason == ""
    assert again.assignee_id == cast.specialist.id and again.assignee_site_id == desk.directory.site("mudu").id
    assert again.signed_at is None and again.dispatched_at == datetime(2026, 3, 9, 12, 0)
    events = desk.requests.get(number).events
    assert [e.action for e in events] == ["log", "dispatch", "return", "reassign"]
    assert events[2].actor_name == "钱专员" and events[2].reason == "人才在木渎镇，不属于甪直"
    assert events[3].actor_name == "周督办" and events[3].detail["to_staff_id"] == cast.specialist.id

    # The new assignee's window starts at the re-dispatch; three working days later it is shut.
    clock.set(date(2026, 3, 12), time(13, 0))
    before = dump(desk)
    with pytest.raises(MoveRefused, match="派单已 3 个工作日，超过退单时限"):
        act(cast.specialist).requests.move(number, "return", reason="太忙")
    assert dump(desk) == before


def test_extension_approved_moves_the_due_date_by_working_days(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                               clock: Clock) -> None:
    number = log_request(act, cast).number
    act(cast.operator).requests.move(number, "dispatch", to_site="mudu", to_staff="李专员")
    signed = act(cast.specialist).requests.move(number, "sign")
    pending = act(cast.specialist).requests.move(number, "extend", reason="需等待房源腾退", days=4)
    assert pending.extension_days == 4 and pending.extension_reason == "需等待房源腾退" and pending.due == signed.due
    with pytest.raises(MoveRefused, match="已有待审批的延期申请"):
        act(cast.specialist).requests.move(number, "extend", reason="再延", days=2)
    clock.advance(hours=3)
    approved = act(cast.supervisor).requests.move(number, "approve-extension", reason="同意")
    assert approved.due == desk.calendar.add_working_days(signed.due, 4)
    assert approved.extension_days is None and approved.extension_reason == ""
    stored = desk.requests.get(number)
    assert stored.due == approved.due
    extend, approve = stored.events[-2:]
    assert (extend.action, extend.actor_name, extend.reason, extend.detail) == (
        "extend", "李专员", "需等待房源腾退", {"days": 4})
    assert approve.action == "approve-extension" and approve.actor_name == "周督办"
    assert approve.detail == {"days": 4, "old_due": signed.due.isoformat(), "new_due": approved.due.isoformat()}
    with pytest.raises(MoveRefused, match="没有待审批的延期申请"):
        act(cast.supervisor).requests.move(number, "approve-extension")


def test_extension_refused_keeps_the_due_date(desk: Desk, act: Act, cast: Cast, talent: Talent) -> None:
    number = log_request(act, cast).number
    act(cast.operator).requests.move(number, "dispatch", to_site="mudu", to_staff="李专员")
    signed = act(cast.specialist).requests.move(number, "sign")
    act(cast.specialist).requests.move(number, "extend", reason="材料未齐", days=3)
    with pytest.raises(MoveRefused, match="必须填写驳回理由"):
        act(cast.supervisor).requests.move(number, "refuse-extension")
    refused = act(cast.supervisor).requests.move(number, "refuse-extension", reason="时限内可以办结")
    assert refused.due == signed.due and refused.extension_days is None
    last = desk.requests.get(number).events[-1]
    assert (last.action, last.reason, last.detail) == ("refuse-extension", "时限内可以办结", {"days": 3})


def test_merge_records_an_event_on_both_requests(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                 clock: Clock) -> None:
    first = log_request(act, cast)
    clock.advance(minutes=30)
    second = log_request(act, cast, summary="再次询问人才公寓", force_new=True)
    assert second.number == "WZ-20260302-0002"
    clock.advance(minutes=30)
    with pytest.raises(MoveRefused, match="工单不能并入它自己"):
        act(cast.supervisor).requests.move(second.number, "merge", into=second.number)
    merged = act(cast.supervisor).requests.move(second.number, "merge", into=first.number, reason="同一事项")
    assert merged.status is Status.MERGED and merged.merged_into_id == first.id
    into = desk.requests.get(first.number)
    assert into.status is Status.NEW
    assert into.events[-1].action == "merged-in"
    assert into.events[-1].detail == {"from": second.id, "from_number": second.number}
    assert (into.events[-1].from_status, into.events[-1].to_status) == (Status.NEW, Status.NEW)
    out = desk.requests.get(second.number).events[-1]
    assert (out.action, out.from_status, out.to_status, out.actor_name, out.reason) == (
        "merge", Status.NEW, Status.MERGED, "周督办", "同一事项")
    assert out.detail == {"into": first.id, "into_number": first.number}
    # A merged request is not counted again in the closure figures.
    totals = desk.stats.closure()["totals"]
    assert (totals["total"], totals["merged"], totals["open"]) == (1, 1, 1)
    # And nothing can be merged into a closed request.
    act(cast.operator).requests.move(first.number, "dispatch", to_site="mudu", to_staff="李专员")
    act(cast.specialist).requests.move(first.number, "sign")
    act(cast.specialist).requests.move(first.number, "resolve", reason="已办结")
    third = log_request(act, cast, summary="第三次来电")
    with pytest.raises(MoveRefused, match="只能并入未办结的工单"):
        act(cast.supervisor).requests.move(third.number, "merge", into=first.number)


def test_chase_and_overdue_figures(desk: Desk, act: Act, cast: Cast, talent: Talent, clock: Clock) -> None:
    number = log_request(act, cast, measure=ONE_STOP).number
    act(cast.operator).requests.move(number, "dispatch", to_site="mudu", to_staff="李专员")
    signed = act(cast.specialist).requests.move(number, "sign")
    act(cast.supervisor).requests.move(number, "chase", reason="请本周内办结")
    assert desk.requests.get(number).events[-1].detail == {"due": signed.due.isoformat()}
    assert desk.stats.closure()["totals"]["overdue"] == 0
    clock.set(signed.due, time(17, 0))  # due today: not yet late
    assert desk.stats.closure()["totals"]["overdue"] == 0
    clock.set(desk.calendar.add_working_days(signed.due, 1))
    closure = desk.stats.closure()
    assert closure["totals"]["overdue"] == 1
    assert next(m for m in closure["by_measure"] if m["measure"] == ONE_STOP)["overdue"] == 1
    assert [r.number for r in desk.requests.list(overdue=True)] == [number]
    act(cast.supervisor).requests.move(number, "supervise", reason="已超期，请说明原因")
    assert desk.requests.get(number).events[-1].action == "supervise"


# ------------------------------------------------------------------------------ refusals change nothing


def test_illegal_moves_leave_the_database_unchanged(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                    clock: Clock, dump) -> None:
    number = log_request(act, cast).number
    other = log_request(act, cast, measure=ONE_STOP).number
    before = dump(desk)
    attempts: list[tuple[Staff, str, dict[str, object], type[Exception], str]] = [
        (cast.specialist, "sign", {}, MoveRefused, "当前状态为「已受理」，不能执行「签收」"),
        (cast.operator, "archive", {}, PermissionRefused, "话务员不能执行「归档」"),
        (cast.operator, "dispatch", {}, MoveRefused, "必须指定承办单位"),
        (cast.operator, "dispatch", {"to_site": "mudu", "to_staff": "钱专员"}, NotFound, "不在所选单位"),
        (cast.operator, "dispatch", {"to_site": "没有这个单位"}, NotFound, "没有名为「没有这个单位」的单位"),
        (cast.operator, "answer", {}, MoveRefused, "必须填写答复内容"),
        (cast.supervisor, "merge", {"into": number}, MoveRefused, "工单不能并入它自己"),
        (cast.supervisor, "merge", {"into": "WZ-20990101-0001"}, NotFound, "没有找到工单"),
        (cast.admin, "dispatch", {"to_site": "mudu"}, PermissionRefused, "系统管理员不能执行「派单」"),
    ]
    for actor, what, kwargs, error, text in attempts:
        with pytest.raises(error, match=text):
            act(actor).requests.move(number, what, **kwargs)
        assert dump(desk) == before, (actor.name, what)

    act(cast.operator).requests.move(number, "dispatch", to_site="mudu", to_staff="李专员")
    act(cast.specialist).requests.move(number, "sign")
    before = dump(desk, "service_request", "request_event")
    attempts = [
        (cast.specialist2, "progress", {"reason": "代办"}, PermissionRefused, "已派给其他专员"),
        (cast.specialist_luzhi, "resolve", {"reason": "办好了"}, PermissionRefused, "已派给其他专员"),
        (cast.specialist, "resolve", {"reason": "   "}, MoveRefused, "必须填写办理结果"),
        (cast.specialist, "visit", {"satisfied": True}, MoveRefused, "当前状态为「办理中」，不能执行「回访」"),
        (cast.supervisor, "approve-extension", {}, MoveRefused, "没有待审批的延期申请"),
        (cast.specialist, "extend", {"reason": "需要时间", "days": 45}, MoveRefused, "延期天数应为 1 到 30"),
        # 改派 is the supervisor's at any open status; 退单驳回 only on a return.
        (cast.supervisor, "reject-return", {"reason": "驳回"}, MoveRefused, "不能执行「退单驳回」"),
    ]
    for actor, what, kwargs, error, text in attempts:
        with pytest.raises(error, match=text):
            act(actor).requests.move(number, what, **kwargs)
        assert dump(desk, "service_request", "request_event") == before, (actor.name, what)
    with pytest.raises(NotFound, match="没有找到工单「WZ-00000000-0000」"):
        act(cast.specialist).requests.move("WZ-00000000-0000", "sign")
    with pytest.raises(ValueError):
        act(cast.specialist).requests.move(other, "teleport")
    assert dump(desk, "service_request", "request_event") == before


def test_role_refusals(desk: Desk, act: Act, cast: Cast, talent: Talent, dump) -> None:
    number = log_request(act, cast).number
    act(cast.operator).requests.move(number, "dispatch", to_site="mudu", to_staff="李专员")
    before = dump(desk)
    with pytest.raises(PermissionRefused, match="^话务员不能执行「签收」，该操作仅限人才工作专员、督办负责人。$"):
        act(cast.operator).requests.move(number, "sign")
    admin_refused = "^系统管理员不能登记来电，该操作仅限话务员、人才工作专员、督办负责人。$"
    with pytest.raises(PermissionRefused, match=admin_refused):
        act(cast.admin).calls.log(phone="13912345678", summary="咨询政策", measure=1, outcome="request")
    with pytest.raises(PermissionRefused, match="^「登记来电」需要指明操作人（命令行用 --as 姓名）。$"):
        act(None).calls.log(phone="13912345678", summary="咨询政策", measure=1, outcome="request")
    with pytest.raises(PermissionRefused, match="需要指明操作人"):
        act(None).requests.move(number, "sign")
    with pytest.raises(PermissionRefused, match="^话务员不能添加工作人员，该操作仅限系统管理员。$"):
        act(cast.operator).directory.add_staff("新同事", "operator")
    with pytest.raises(PermissionRefused, match="^督办负责人不能添加单位"):
        act(cast.supervisor).directory.add_site("newsite", "新单位", "township")
    with pytest.raises(PermissionRefused, match="^系统管理员不能登记人才"):
        act(cast.admin).talents.add(name="吴某某", phone="13912345678", category_code="young")
    assert dump(desk) == before
    # The specialist may not archive even a visited request.
    specialist = act(cast.specialist).requests
    specialist.move(number, "sign")
    specialist.move(number, "resolve", reason="已办结")
    act(cast.operator).requests.move(number, "visit", satisfied=True)
    with pytest.raises(PermissionRefused, match="^人才工作专员不能执行「归档」，该操作仅限督办负责人。$"):
        specialist.move(number, "archive")
    assert desk.requests.get(number).status is Status.VISITED


# ------------------------------------------------------------------------------ calls


def test_a_repeat_call_for_the_same_measure_is_caught(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                      clock: Clock, dump) -> None:
    first = log_request(act, cast)
    clock.advance(hours=2)
    before = dump(desk)
    with pytest.raises(RepeatCallFound) as caught:
        log_request(act, cast, summary="又来问公寓的事", phone="138-0013-8000")
    assert caught.value.request.id == first.id and caught.value.request.number == first.number
    assert f"未办结工单 {first.number}（已受理）" in caught.value.message
    assert dump(desk) == before
    # The same talent calling from another number is a repeat too.
    with pytest.raises(RepeatCallFound):
        log_request(act, cast, phone="051266881234", talent_id=talent.id)
    assert dump(desk) == before

    attached = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="又来问公寓的事", attach_to=first.number)
    assert attached.call.outcome is CallOutcome.ATTACHED
    assert attached.call.request_id == first.id and attached.call.measure == HOUSING
    assert attached.request is not None and attached.request.id == first.id
    stored = desk.requests.get(first.number)
    assert stored.status is Status.NEW
    repeat = stored.events[-1]
    assert (repeat.action, repeat.from_status, repeat.to_status, repeat.actor_name, repeat.reason) == (
        "repeat-call", Status.NEW, Status.NEW, "王话务", "又来问公寓的事")
    assert repeat.detail == {"call_id": attached.call.id}

    forced = log_request(act, cast, summary="另一套公寓的申请", force_new=True)
    assert forced.id != first.id and forced.status is Status.NEW
    # Another measure is not a repeat.
    other = log_request(act, cast, measure=ONE_STOP, summary="咨询一站式服务")
    assert other.id not in (first.id, forced.id)
    assert len(desk.requests.list(talent=talent.id)) == 3
    assert [c.outcome for c in desk.calls.list()] == [
        CallOutcome.REQUEST, CallOutcome.REQUEST, CallOutcome.ATTACHED, CallOutcome.REQUEST]


def test_a_closed_request_is_not_a_repeat_and_cannot_take_calls(desk: Desk, act: Act, cast: Cast,
                                                                talent: Talent, dump) -> None:
    answered = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="问公寓", measure=HOUSING,
                                            outcome="answered", resolution="已告知申请流程")
    assert answered.request is not None
    again = log_request(act, cast)
    assert again.id != answered.request.id
    before = dump(desk)
    with pytest.raises(ValidationFailed, match="^工单 WZ-20260302-0001 已办结，不能再关联来电；请另开新工单。$"):
        act(cast.operator).calls.log(phone=TALENT_PHONE, summary="再问", attach_to=answered.request.number)
    assert dump(desk) == before


def test_an_answered_call_creates_a_directly_resolved_request(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                              clock: Clock) -> None:
    result = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="问青创贷申请条件", measure=4,
                                          outcome="answered", resolution="已告知申请条件和材料清单", duration_s=180)
    request = result.request
    assert request is not None and result.talent is not None and result.talent.id == talent.id
    assert request.status is Status.RESOLVED and request.direct is True
    assert request.resolution == "已告知申请条件和材料清单" and request.resolved_at == clock.now
    assert result.call.outcome is CallOutcome.ANSWERED and result.call.request_id == request.id
    assert result.call.duration_s == 180 and result.call.operator_id == cast.operator.id
    assert timeline(desk, request.number) == [
        ("log", None, "new", "王话务", "问青创贷申请条件"),
        ("answer", "new", "resolved", "王话务", "已告知申请条件和材料清单"),
    ]
    assert desk.stats.closure()["totals"]["closed"] == 1
    with pytest.raises(ValidationFailed, match="当场答复时必须填写答复内容"):
        act(cast.operator).calls.log(phone=TALENT_PHONE, summary="再问", measure=4, outcome="answered")


def test_an_unknown_caller_can_be_registered_with_the_call(desk: Desk, act: Act, cast: Cast, dump) -> None:
    result = act(cast.operator).calls.log(
        phone="+86 139 1234 5678", summary="咨询子女入学", measure=12, outcome="request",
        new_talent={"name": "孙新来", "category_code": "young", "township_code": "甪直镇"},
    )
    assert result.talent is not None
    assert (result.talent.name, result.talent.phone, result.talent.township_code) == ("孙新来", "13912345678", "luzhi")
    assert result.call.talent_id == result.talent.id and result.call.phone == "13912345678"
    assert result.request is not None and result.request.talent_id == result.talent.id
    assert result.request.township_code == "luzhi"
    assert desk.calls.caller("139-1234-5678").id == result.talent.id

    # Without new_talent the call is still logged, against the number only.
    anonymous = act(cast.operator).calls.log(phone="0512-66881234", summary="匿名咨询政策", measure=1,
                                             outcome="request")
    assert anonymous.talent is None and anonymous.call.talent_id is None
    assert anonymous.request is not None and anonymous.request.talent_id is None
    assert anonymous.request.phone == "051266881234"

    # A bad new talent rolls back the whole call: no talent, no call, no request.
    before = dump(desk)
    with pytest.raises(ValidationFailed, match="姓名太短"):
        act(cast.operator).calls.log(phone="13700001111", summary="咨询", measure=1, outcome="request",
                                     new_talent={"name": "孙", "category_code": "young"})
    assert dump(desk) == before


def test_a_call_can_dispatch_at_once_and_a_bad_dispatch_writes_nothing(desk: Desk, act: Act, cast: Cast,
                                                                        talent: Talent, dump) -> None:
    before = dump(desk)
    with pytest.raises(NotFound, match="钱专员不在所选单位"):
        act(cast.operator).calls.log(phone=TALENT_PHONE, summary="咨询一站式服务", measure=ONE_STOP,
                                     outcome="request", dispatch_to="mudu", dispatch_staff="钱专员")
    assert dump(desk) == before
    result = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="咨询一站式服务", measure=ONE_STOP,
                                          outcome="request", dispatch_to="mudu", dispatch_staff="李专员")
    assert result.request is not None and result.request.status is Status.DISPATCHED
    assert result.request.assignee_id == cast.specialist.id
    assert [e.action for e in desk.requests.get(result.request.number).events] == ["log", "dispatch"]


def test_transfer_calls_open_no_request(desk: Desk, act: Act, cast: Cast, talent: Talent) -> None:
    result = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="转区人社局", outcome="transfer")
    assert result.request is None and result.call.request_id is None and result.call.measure is None
    assert desk.requests.list() == []


def test_events_of_the_same_second_from_two_processes_keep_their_order(desk: Desk, act: Act, cast: Cast,
                                                                       talent: Talent, monkeypatch) -> None:
    """Timestamps are kept to the second and ids only increase within one process; a second program
    (another `dongwu` command) may write a smaller id in the same second. The timeline must still
    show the moves in the order they were made."""
    from dongwu_tui.domain import ids

    number = log_request(act, cast).number
    act(cast.operator).requests.move(number, "dispatch", to_site="mudu", to_staff="李专员")
    # What a fresh process does: no memory of the last id, and its random bits may well be smaller.
    monkeypatch.setattr(ids, "_last", (0, 0))
    monkeypatch.setattr(ids._SYSTEM_RANDOM, "getrandbits", lambda bits: 0)
    act(cast.specialist).requests.move(number, "sign")
    events = desk.requests.get(number).events
    # The fresh process's own next id would sort first; the event takes one above the request's
    # events of that second, so ordering by (time, id) is the order of writing on every office.
    assert events[1].id < events[2].id and events[2].id[:13] == events[1].id[:13]
    assert [e.action for e in events] == ["log", "dispatch", "sign"]
