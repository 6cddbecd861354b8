"""Standard answers (知识库) and the callback queue (回电): the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from deskkit import TALENT_PHONE

from dongwu_tui.domain.errors import PermissionRefused, ValidationFailed
from dongwu_tui.domain.knowledge import CallbackKind


@pytest.fixture
def kb(desk, cast):
    return desk.acting_as(cast.supervisor).answers


def _approved(kb, **values):
    answer = kb.add(**{"measure": 11, "title": "人才公寓申请条件", "body": "持东吴人才卡，在吴中区工作满半年即可申请。",
                       "keywords": "公寓 住房 租房", **values})
    return kb.approve(answer.ref)


def test_only_supervisors_write_answers(desk, cast):
    with pytest.raises(PermissionRefused):
        desk.acting_as(cast.operator).answers.add(measure=11, title="标题", body="内容内容")


def test_a_draft_is_not_offered_until_approved(kb):
    draft = kb.add(measure=11, title="人才公寓申请条件", body="持卡即可申请。", keywords="公寓")
    assert kb.offered(11, "公寓") == []
    kb.approve(draft.ref)
    assert [a.id for a in kb.offered(11, "公寓")] == [draft.id]


def test_offered_by_question_pinyin_and_initials_for_the_measure_only(kb):
    answer = _approved(kb)
    assert kb.offered(11, "请问人才公寓怎么申请") == [answer]
    assert kb.offered(11, "rcgy") == [answer]
    assert kb.offered(11, "rencai") == [answer]
    assert kb.offered(12, "公寓") == []
    assert kb.offered(11, "子女入学") == []


def test_an_expired_answer_is_never_offered_nor_accepted(desk, kb, cast, clock):
    today = clock.today()
    answer = _approved(kb, valid_to=today - timedelta(days=1))
    assert kb.offered(11, "公寓") == []
    assert kb.offered(11, "") == []
    with pytest.raises(ValidationFailed):
        desk.acting_as(cast.operator).calls.log(phone=TALENT_PHONE, summary="问公寓", measure=11, outcome="answered",
                                                resolution=answer.body, answer_id=answer.id)
    future = _approved(kb, title="新政策", valid_from=today + timedelta(days=1))
    assert future not in kb.offered(11, "")


def test_a_new_version_supersedes_the_old_once_approved(kb):
    first = _approved(kb)
    second = kb.add(measure=11, title="人才公寓申请条件", body="新版：工作满三个月即可申请。", keywords="公寓",
                    replaces=first.ref)
    assert second.version == 2 and second.lineage_id == first.lineage_id
    assert kb.offered(11, "公寓") == [first]
    kb.approve(second.ref)
    assert kb.offered(11, "公寓") == [kb.get(second.id)]
    assert kb.get(first.id).superseded_by_id == second.id
    assert [v.version for v in kb.versions(first.ref)] == [1, 2]


def test_the_call_records_the_answer_and_version_used(desk, kb, cast, talent):
    answer = _approved(kb)
    result = desk.acting_as(cast.operator).calls.log(phone=TALENT_PHONE, summary="问公寓", measure=11,
                                                     outcome="answered", resolution=answer.body, answer_id=answer.id)
    used = desk.office.tables.AnswerUseRow.get()
    assert (used.call_id, used.answer_id, used.version) == (result.call.id, answer.id, 1)
    assert kb.used_on(result.call.id) == answer


def test_an_answer_of_another_measure_is_refused(desk, kb, cast):
    answer = _approved(kb)
    with pytest.raises(ValidationFailed):
        desk.acting_as(cast.operator).calls.log(phone=TALENT_PHONE, summary="问落户", measure=12, outcome="answered",
                                                resolution="答复内容", answer_id=answer.id)


def test_answer_figures(desk, kb, cast, clock):
    used = _approved(kb)
    unused = _approved(kb, title="人才公寓退租", keywords="退租")
    operator = desk.acting_as(cast.operator).calls
    operator.log(phone=TALENT_PHONE, summary="问公寓", measure=11, outcome="answered", resolution=used.body,
                 answer_id=used.id)
    clock.advance(days=2)
    operator.log(phone=TALENT_PHONE, summary="又问公寓", measure=11, outcome="request", force_new=True)
    figures = kb.figures()
    [row] = figures["by_answer"]
    assert (row["uses"], row["answered"], row["repeat_calls"]) == (1, 1, 1)
    assert [f["ref"] for f in figures["never_used"]] == [unused.ref]
    assert figures["followed_by_repeat"] == [row]


def test_missed_call_queue_is_closed_by_the_callback_call(desk, cast, clock):
    operator = desk.acting_as(cast.operator)
    missed = operator.callbacks.missed("138-0013-8000")
    later = operator.callbacks.promise("13900001111", due_at=clock() + timedelta(days=1), note="回复补贴进度")
    queue = operator.callbacks.queue()
    assert [item.id for item in queue] == [missed.id, later.id]  # by due time
    assert queue[0].kind is CallbackKind.MISSED
    assert operator.callbacks.counts()["open"] == 2
    clock.advance(minutes=30)
    call = operator.calls.log(phone=TALENT_PHONE, summary="回拨未接来电", outcome="transfer", direction="callback")
    assert [item.id for item in operator.callbacks.queue()] == [later.id]
    closed = operator.callbacks.get(missed.id)
    assert closed.done_call_id == call.call.id
    figures = operator.callbacks.figures()
    assert (figures["missed_calls"], figures["callbacks_on_time"], figures["callbacks_done"]) == (1, 1, 1)


def test_queue_is_per_person_and_holds_visits_due(desk, cast, talent):
    operator = desk.acting_as(cast.operator)
    operator.callbacks.missed(TALENT_PHONE, owner=cast.specialist.id)
    assert operator.callbacks.queue() == []
    specialist = desk.acting_as(cast.specialist)
    request = operator.calls.log(phone=TALENT_PHONE, summary="申请补贴", measure=11, outcome="request",
                                 dispatch_to="mudu", dispatch_staff=cast.specialist.id).request
    specialist.requests.move(request.id, "sign")
    specialist.requests.move(request.id, "resolve", reason="已办理")
    kinds = [item.kind for item in specialist.callbacks.queue()]
    assert kinds.count(CallbackKind.VISIT) == 1 and CallbackKind.MISSED not in kinds  # the call closed it


def test_answer_rate_only_where_missed_calls_are_recorded(desk, cast, clock):
    operator = desk.acting_as(cast.operator)
    operator.calls.log(phone="13900002222", summary="咨询政策", outcome="transfer")
    assert operator.callbacks.figures()["answer_rate"] is None  # no missed call recorded: no rate
    clock.advance(days=1)
    operator.calls.log(phone="13900003333", summary="咨询政策", outcome="transfer")
    operator.callbacks.missed("13900004444")
    figures = operator.callbacks.figures()
    assert (figures["answered_calls"], figures["missed_calls"], figures["answer_rate"]) == (1, 1, 0.5)


def test_callbacks_on_time_count_only_what_is_due(desk, cast, clock):
    operator = desk.acting_as(cast.operator)
    operator.callbacks.promise("13900005555", due_at=clock() + timedelta(days=2))
    late = operator.callbacks.missed("13900006666")
    assert operator.callbacks.figures()["callbacks_due"] == 0  # nothing due yet
    clock.advance(hours=3)
    operator.calls.log(phone=late.phone, summary="回拨", outcome="transfer", direction="callback")
    figures = operator.callbacks.figures()
    assert (figures["callbacks_due"], figures["callbacks_done"], figures["callbacks_on_time"]) == (1, 1, 0)
