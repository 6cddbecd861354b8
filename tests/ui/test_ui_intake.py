"""Hotline intake flows, each checked in the database."""

from __future__ import annotations

from dongwu_tui.domain.models import CallOutcome, Status
from dongwu_tui.ui.screens.intake import IntakeScreen, OutcomeBar

SIZE = (140, 40)


def _calls(desk):
    return desk.office.db.execute_sql(
        "SELECT phone, outcome, measure_number, summary, request_id, talent_id FROM call ORDER BY at, id").fetchall()


async def test_known_caller_answered_directly(make_app, cast, talent, desk, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press(*talent.phone)
        await settle(app, pilot)
        assert "陈人才" in str(app.screen.query_one("#caller").render())
        await pilot.press("1", "1")  # measure 11: only one measure is numbered 11
        await settle(app, pilot)
        assert app.focused.id == "summary"
        await pilot.press(*"咨询公寓", "enter")
        assert isinstance(app.focused, OutcomeBar)
        await pilot.press("1", "tab")  # 当场答复, then the answer
        assert app.focused.id == "resolution"
        await pilot.press(*"已告知申请条件", "ctrl+s")
        await settle(app, pilot)
    calls = _calls(desk)
    assert calls[-1][:4] == (talent.phone, "answered", 11, "咨询公寓")
    request = desk.requests.get(calls[-1][4])
    assert request.status is Status.RESOLVED and request.direct and request.resolution == "已告知申请条件"


async def test_known_caller_in_under_20_keys(make_app, cast, talent, desk, settle):
    """Number, measure, summary, save: a known caller's request is logged and dispatched in < 20 keys."""
    app = make_app(cast.operator)
    keys = [*talent.phone, "1", "1", *"咨询公寓", "ctrl+s"]
    assert len(keys) < 20
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot, rounds=2)
        await settle(app, pilot)
    phone, outcome, measure, summary, request_id, talent_id = _calls(desk)[-1]
    assert (phone, outcome, measure, summary, talent_id) == (talent.phone, "request", 11, "咨询公寓", talent.id)
    request = desk.requests.get(request_id)
    assert request.status is Status.DISPATCHED and request.assignee_id == cast.specialist.id


async def test_repeat_matter_is_attached_to_the_open_request(make_app, cast, talent, desk, open_request, settle):
    existing = open_request(measure=11)
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*talent.phone)
        await settle(app, pilot)
        await pilot.press("1", "1")
        await settle(app, pilot)
        bar = app.screen.query_one(OutcomeBar)
        assert bar.value is CallOutcome.ATTACHED  # offered by default
        assert existing.number in str(app.screen.query_one("#repeat").render())
        await pilot.press(*"再次询问进度", "ctrl+n")
        await settle(app, pilot)
        assert app.screen.query_one("#phone").value == ""  # Ctrl+N cleared the form for the next call
    phone, outcome, measure, summary, request_id, _ = _calls(desk)[-1]
    assert (outcome, request_id, summary) == ("attached", existing.id, "再次询问进度")
    events = desk.requests.get(existing.id).events
    assert events[-1].action == "repeat-call" and events[-1].reason == "再次询问进度"


async def test_unknown_caller_becomes_a_talent_with_a_request(make_app, cast, desk, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*"13912345678")
        await settle(app, pilot)
        assert app.focused.id == "new-name"  # an unknown number goes straight to the new talent's name
        await pilot.press(*"林新人")
        screen = app.screen
        screen.query_one("#new-township").focus()
        await pilot.press("enter")  # open the township list, take the first one with Enter
        await pilot.press("down", "enter")
        await settle(app, pilot)
        screen.query_one("#measure").focus()
        await pilot.press(*"rcgy", "enter")  # pinyin initials of 人才公寓
        await settle(app, pilot)
        assert screen.draft.measure.number == 11
        await pilot.press(*"申请人才公寓", "ctrl+s")
        await settle(app, pilot)
    talent = desk.talents.get("13912345678")
    assert talent.name == "林新人" and talent.township_code is not None
    phone, outcome, measure, _, request_id, talent_id = _calls(desk)[-1]
    assert (outcome, measure, talent_id) == ("request", 11, talent.id)
    request = desk.requests.get(request_id)
    assert request.talent_id == talent.id and request.status in (Status.NEW, Status.DISPATCHED)


async def test_refused_save_shows_a_message_and_writes_nothing(make_app, cast, talent, desk, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*talent.phone)
        await settle(app, pilot)
        await pilot.press("1", "1", "ctrl+s")  # no summary: the service refuses
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("来电摘要" in m for m in messages)
    assert _calls(desk) == []
