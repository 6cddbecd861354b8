"""Working a request through its life on the request page, each move checked in the database."""

from __future__ import annotations

from dongwu_tui.domain.models import Status
from dongwu_tui.ui.screens.request import RequestScreen
from dongwu_tui.ui.screens.requests import RequestsScreen

SIZE = (140, 40)


async def _on_page(app, pilot, settle, request_id):
    await settle(app, pilot)
    app.push_screen(RequestScreen(request_id))
    await settle(app, pilot)


async def _move(app, pilot, settle, key, *typed, confirm="enter"):
    await pilot.press(key)
    await settle(app, pilot, rounds=2)
    if typed:
        await pilot.press(*typed)
    await pilot.press(confirm)
    await settle(app, pilot)


async def test_dispatch_sign_progress_resolve_visit_archive(make_app, cast, desk, open_request, settle, clock):
    request = open_request(dispatch=False)
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await _on_page(app, pilot, settle, request.id)
        await pilot.press("d")
        await settle(app, pilot)
        dialog = app.screen
        dialog.query_one("#site").value = desk.directory.site("mudu").id
        await settle(app, pilot)
        dialog.query_one("#staff").value = cast.specialist.id
        dialog.query_one("#reason").focus()
        await pilot.press("enter")
        await settle(app, pilot)
    assert desk.requests.get(request.id).status is Status.DISPATCHED

    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await _on_page(app, pilot, settle, request.id)
        await _move(app, pilot, settle, "s")
        assert desk.requests.get(request.id).status is Status.IN_PROGRESS
        await _move(app, pilot, settle, "j", *"已联系人才")
        await _move(app, pilot, settle, "b", *"已安排看房")
        assert desk.requests.get(request.id).status is Status.RESOLVED

    app = make_app(cast.operator)  # the hotline makes the return visit
    async with app.run_test(size=SIZE) as pilot:
        await _on_page(app, pilot, settle, request.id)
        clock.advance(days=1)
        await pilot.press("v")
        await settle(app, pilot, rounds=2)
        await pilot.press("enter", "down", "enter", "ctrl+s")  # 满意, chosen explicitly: there is no default
        await settle(app, pilot)
        assert "已回访" in str(app.screen.query_one("#request-head").render())
    assert desk.requests.get(request.id).status is Status.VISITED

    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await _on_page(app, pilot, settle, request.id)
        await _move(app, pilot, settle, "g")
    final = desk.requests.get(request.id)
    assert final.status is Status.ARCHIVED
    assert [e.action for e in final.events] == ["log", "dispatch", "sign", "progress", "resolve", "visit", "archive"]
    assert final.events[3].reason == "已联系人才" and final.events[3].actor_name == cast.specialist.name


async def test_unsatisfied_visit_goes_back_to_work(make_app, cast, desk, open_request, settle):
    request = open_request()
    specialist = desk.acting_as(cast.specialist)
    specialist.requests.move(request.id, "sign")
    specialist.requests.move(request.id, "resolve", reason="已答复")
    app = make_app(cast.operator)  # the hotline visits: the handler does not rate their own work
    async with app.run_test(size=SIZE) as pilot:
        await _on_page(app, pilot, settle, request.id)
        await pilot.press("v")
        await settle(app, pilot)
        dialog = app.screen
        dialog.query_one("#satisfied").focus()
        await pilot.press("enter", "down", "down", "down", "enter")  # 不满意 (below the prompt, 满意 and 基本满意)
        await settle(app, pilot)
        dialog.query_one("#reason").focus()
        await pilot.press(*"问题未解决", "enter")
        await settle(app, pilot)
    after = desk.requests.get(request.id)
    assert after.status is Status.IN_PROGRESS and after.satisfied is False
    assert after.events[-1].reason == "问题未解决"


async def test_refused_move_is_a_message_not_a_crash(make_app, cast, desk, open_request, settle):
    request = open_request()
    desk.acting_as(cast.specialist).requests.move(request.id, "sign")
    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await _on_page(app, pilot, settle, request.id)
        await _move(app, pilot, settle, "b")  # resolve with no result: the rule needs one
        assert "办理结果" in str(app.screen.query_one("#error-reason").render())  # beside the field, dialog open
        assert app.is_running
    assert desk.requests.get(request.id).status is Status.IN_PROGRESS


async def test_return_and_reassign(make_app, cast, desk, open_request, settle):
    request = open_request()
    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await _on_page(app, pilot, settle, request.id)
        await _move(app, pilot, settle, "t", *"不属于本板块")
    returned = desk.requests.get(request.id)
    assert returned.status is Status.RETURNED and returned.return_reason == "不属于本板块"

    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, RequestsScreen)
        await pilot.press("6")  # 退单待审核
        await settle(app, pilot)
        assert "退单待审核：共 1 件" in str(app.screen.query_one("#requests-count").render())
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RequestScreen)
        await pilot.press("k")
        await settle(app, pilot)
        dialog = app.screen
        dialog.query_one("#site").value = desk.directory.site("luzhi").id
        await settle(app, pilot)
        dialog.query_one("#staff").value = cast.specialist_luzhi.id
        dialog.query_one("#reason").focus()
        await pilot.press(*"改派甪直", "enter")
        await settle(app, pilot)
    after = desk.requests.get(request.id)
    assert after.status is Status.DISPATCHED and after.assignee_id == cast.specialist_luzhi.id
    assert after.events[-1].action == "reassign" and after.events[-1].reason == "改派甪直"


async def test_next_and_previous_request(make_app, cast, desk, open_request, settle):
    first, second = open_request(measure=11), open_request(measure=12)
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("7", "enter")  # all requests, newest first
        await settle(app, pilot)
        assert app.screen.request.number == second.number
        await pilot.press("N")
        await settle(app, pilot)
        assert app.screen.request.number == first.number
        await pilot.press("P")
        await settle(app, pilot)
        assert app.screen.request.number == second.number


async def test_request_page_and_talent_record_open_each_other(make_app, cast, desk, open_request, settle):
    """ctrl+o on a request opens its talent's record; a request on the record's timeline opens its page."""
    from dongwu_tui.ui.screens.talent import TalentScreen

    request = open_request()
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await _on_page(app, pilot, settle, request.id)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentScreen) and app.screen.talent_id == request.talent_id
        timeline = app.screen.query_one("#timeline")
        index = next(i for i in range(timeline.option_count)
                     if request.number in str(timeline.get_option_at_index(i).prompt))
        timeline.focus()
        timeline.highlighted = index
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RequestScreen) and app.screen.request_id == request.id
