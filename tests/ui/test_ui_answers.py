"""Intake with the knowledge base and the callback queue: a standard answer in a few keys, F8 for a missed call."""

from __future__ import annotations

from datetime import timedelta

from dongwu_tui.domain.models import CallOutcome
from dongwu_tui.ui.screens.intake import IntakeScreen, OutcomeBar

SIZE = (140, 40)


def _approved(desk, cast, **values):
    kb = desk.acting_as(cast.supervisor).answers
    answer = kb.add(**{"measure": 11, "title": "人才公寓申请条件", "body": "持东吴人才卡即可申请人才公寓。",
                       "keywords": "公寓 住房", **values})
    return kb.approve(answer.ref)


async def test_a_standard_answer_is_inserted_in_a_few_keys(make_app, cast, talent, desk, settle):
    answer = _approved(desk, cast)
    _approved(desk, cast, title="子女入学", keywords="入学 学校", body="子女入学请联系教育局。")
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press(*talent.phone, "1", "1")
        await settle(app, pilot)
        assert app.focused.id == "summary"
        await pilot.press(*"gy")  # the question, by pinyin initials
        await settle(app, pilot)
        assert "人才公寓申请条件" in str(app.screen.query_one("#answers").render())
        assert "子女入学" not in str(app.screen.query_one("#answers").render())
        await pilot.press("ctrl+b")  # one key: the answer goes into 当场答复
        await settle(app, pilot)
        assert app.screen.query_one(OutcomeBar).value is CallOutcome.ANSWERED
        assert app.screen.query_one("#resolution").value == answer.body
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    call_id, outcome = desk.office.db.execute_sql("SELECT id, outcome FROM call").fetchone()
    assert outcome == "answered"
    used = desk.office.tables.AnswerUseRow.get()
    assert (used.call_id, used.answer_id, used.version) == (call_id, answer.id, 1)


async def test_an_expired_answer_is_not_offered_at_intake(make_app, cast, talent, desk, settle, clock):
    _approved(desk, cast, valid_to=clock.today() - timedelta(days=1))
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*talent.phone, "1", "1", *"公寓")
        await settle(app, pilot)
        assert str(app.screen.query_one("#answers").render()).strip() == ""
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        assert app.screen.query_one("#resolution").value == ""


async def test_f8_logs_a_missed_call_into_the_queue(make_app, cast, talent, desk, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*talent.phone, "f8")
        await settle(app, pilot)
        assert app.screen.query_one("#phone").value == ""
        assert "回电清单 1 项" in str(app.screen.query_one("#callbacks").render())
    [item] = desk.acting_as(cast.operator).callbacks.queue()
    assert (item.phone, item.kind.value) == (talent.phone, "missed")


async def test_the_requests_sidebar_counts_the_persons_callbacks(make_app, cast, talent, desk, settle, clock):
    from dongwu_tui.ui.screens.requests import RequestsScreen

    operator = desk.acting_as(cast.operator)
    operator.callbacks.missed("13900001111", owner=cast.specialist.id)
    operator.callbacks.promise("13900002222", due_at=clock() + timedelta(hours=5), owner=cast.specialist.id)
    clock.advance(hours=3)  # the missed call is past its due time
    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f4")
        await settle(app, pilot)
        assert isinstance(app.screen, RequestsScreen)
        text = str(app.screen.query_one("#callback-counts").render())
        assert "回电 2 项，超时 1" in text and "未接 1" in text and "约定 1" in text


async def test_changing_the_measure_drops_the_inserted_answer(make_app, cast, talent, desk, settle):
    _approved(desk, cast)
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*talent.phone, "1", "1", *"公寓")
        await settle(app, pilot)
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        assert app.screen.draft.answer is not None
        app.screen.query_one("#measure").focus()
        await pilot.press("ctrl+u", "1", "2")  # measure 12 instead
        await settle(app, pilot)
        assert app.screen.draft.answer is None
        assert "已引用" not in str(app.screen.query_one("#answers").render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert desk.office.db.execute_sql("SELECT count(*) FROM answer_use").fetchone()[0] == 0
    assert desk.office.db.execute_sql("SELECT measure_number FROM call").fetchone()[0] == 12
