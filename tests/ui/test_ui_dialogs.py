"""The move and edit dialogs: nothing chosen is not a crash, Enter walks the fields, errors keep the dialog."""

from __future__ import annotations

from pathlib import Path

from deskkit import DISTRICT_NAME
from textual.widgets import Input

from dongwu_tui.domain.lifecycle import Move
from dongwu_tui.domain.models import Status
from dongwu_tui.ui.screens.dialogs import MoveDialog, TalentEditDialog
from dongwu_tui.ui.screens.request import RequestScreen

SIZE = (140, 40)


async def _dialog(app, pilot, settle, request_id, key):
    await settle(app, pilot)
    app.push_screen(RequestScreen(request_id))
    await settle(app, pilot)
    await pilot.press(key)
    await settle(app, pilot, rounds=2)
    assert isinstance(app.screen, MoveDialog)
    return app.screen


def _errors(app) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


async def test_dispatch_without_a_specialist(make_app, cast, desk, open_request, settle):
    request = open_request(dispatch=False)
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(app, pilot, settle, request.id, "d")
        dialog.query_one("#site").value = desk.directory.site("mudu").id
        await settle(app, pilot)
        dialog.query_one("#reason").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert not _errors(app)
        assert isinstance(app.screen, RequestScreen)
    after = desk.requests.get(request.id)
    assert after.status is Status.DISPATCHED and after.assignee_id is None
    assert after.assignee_site_id == desk.directory.site("mudu").id


async def test_the_district_centre_with_no_staff_can_be_chosen(make_app, cast, desk, open_request, settle):
    request = open_request(dispatch=False)
    centre = desk.directory.site(DISTRICT_NAME)
    assert desk.directory.specialists_of(centre.id) == []
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(app, pilot, settle, request.id, "d")
        dialog.query_one("#site").value = centre.id
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not _errors(app)
    after = desk.requests.get(request.id)
    assert after.status is Status.DISPATCHED and after.assignee_site_id == centre.id and after.assignee_id is None


async def test_dispatch_with_no_office_says_so_beside_the_field(make_app, cast, desk, open_request, settle):
    request = open_request(dispatch=False)
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(app, pilot, settle, request.id, "d")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is dialog and not _errors(app)
        assert "请选择承办单位" in str(dialog.query_one("#error-site").render())
        assert dialog.query_one("#error-site").display
    assert desk.requests.get(request.id).status is Status.NEW


async def test_enter_moves_to_the_next_field_then_confirms(make_app, cast, desk, open_request, settle):
    request = open_request()
    desk.acting_as(cast.specialist).requests.move(request.id, "sign")
    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(app, pilot, settle, request.id, "y")  # 申请延期: days, then the reason
        assert dialog.focused is dialog.query_one("#days")
        await pilot.press("5", "enter")
        await settle(app, pilot)
        assert app.screen is dialog and dialog.focused is dialog.query_one("#reason")
        await pilot.press(*"材料未齐", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RequestScreen)
    after = desk.requests.get(request.id)
    assert after.extension_pending and after.extension_days == 5 and after.extension_reason == "材料未齐"


async def test_a_missing_reason_keeps_the_dialog_and_what_was_typed(make_app, cast, desk, open_request, settle):
    request = open_request()
    desk.acting_as(cast.specialist).requests.move(request.id, "sign")
    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(app, pilot, settle, request.id, "y")
        await pilot.press("7", "enter", "enter")  # the reason left empty
        await settle(app, pilot)
        assert app.screen is dialog
        assert "延期理由" in str(dialog.query_one("#error-reason").render())
        assert dialog.query_one("#days", Input).value == "7"
        await pilot.press(*"等待审批", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RequestScreen)
    assert desk.requests.get(request.id).extension_days == 7


async def test_a_refused_move_keeps_the_dialog_open(make_app, cast, desk, open_request, settle):
    request = open_request()
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(app, pilot, settle, request.id, "m")  # 并单 into a number that does not exist
        await pilot.press(*"WZ-20990101-9999", "enter", *"重复", "enter")
        await settle(app, pilot)
        assert app.screen is dialog
        assert str(dialog.query_one("#error-dialog").render()).strip()
        assert dialog.query_one("#into", Input).value == "WZ-20990101-9999"
        assert dialog.query_one("#reason", Input).value == "重复"
    assert desk.requests.get(request.id).status is Status.DISPATCHED


async def test_visit_result_is_an_explicit_choice(make_app, cast, desk, open_request, settle, clock):
    request = open_request()
    specialist = desk.acting_as(cast.specialist)
    specialist.requests.move(request.id, "sign")
    specialist.requests.move(request.id, "resolve", reason="已答复")
    clock.advance(days=1)
    app = make_app(cast.operator)  # the hotline visits: the handler does not rate their own work
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(app, pilot, settle, request.id, "v")
        assert dialog.focused is dialog.query_one("#satisfied")
        dialog.query_one("#reason").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is dialog
        assert "回访结果" in str(dialog.query_one("#error-satisfied").render())
    assert desk.requests.get(request.id).status is Status.RESOLVED


async def test_sign_asks_for_no_reason(make_app, cast, desk, open_request, settle):
    request = open_request()
    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(app, pilot, settle, request.id, "s")
        assert not dialog.query("#reason")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RequestScreen)
    assert desk.requests.get(request.id).status is Status.IN_PROGRESS


async def test_talent_edit_enter_walks_and_a_refusal_keeps_the_dialog(make_app, cast, desk, talent, settle):
    from dongwu_tui.ui.screens.talent import TalentScreen

    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(TalentScreen(talent.id))
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, TalentEditDialog)
        dialog.query_one("#edit-phone").focus()
        dialog.query_one("#edit-phone", Input).value = "12345"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is dialog and dialog.focused is dialog.query_one("#edit-id_kind")  # the next field
        dialog.query_one("#edit-reason").focus()
        await pilot.press(*"来电更正", "enter")
        await settle(app, pilot)
        assert app.screen is dialog  # the bad number is refused inside the dialog
        assert str(dialog.query_one("#error-dialog").render()).strip()
        assert dialog.query_one("#edit-phone", Input).value == "12345"
    assert desk.talents.get(talent.id).phone == talent.phone


async def test_dashboard_reassign_without_a_specialist(make_app, cast, desk, open_request, settle):
    request = open_request()
    luzhi = desk.directory.site("luzhi")
    app = make_app(cast.supervisor)
    results = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(MoveDialog(request, Move.REASSIGN, [luzhi], specialists=[]), results.append)
        await settle(app, pilot)
        app.screen.query_one("#site").value = luzhi.id
        app.screen.query_one("#reason", Input).value = "改派"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    # 改派 keeps the first dispatch's start unless the supervisor rules it wrong.
    assert results == [{"reason": "改派", "to_site": luzhi.id, "to_staff": None, "restart_clock": False}]


async def test_sync_export_with_no_recipient_is_refused(make_app, cast, settle, tmp_path: Path):
    from dongwu_tui.ui.screens.sync_dialogs import ExportDialog

    app = make_app(cast.supervisor)
    results = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(ExportDialog([], tmp_path), results.append)
        await settle(app, pilot)
        app.screen.action_export()
        await settle(app, pilot)
        assert any("收件单位" in str(n.message) for n in app._notifications)
    assert results == []


async def test_request_lists_count_working_days(make_app, cast, desk, open_request, settle):
    from dongwu_tui.ui.screens.requests import RequestsScreen

    open_request()
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, RequestsScreen)
        await pilot.press("7")
        await settle(app, pilot)
        paged = app.screen.query_one("#requests-list")
        row = "".join(segment.text for segment in paged.render_line(0))
        assert "工作日" in row and "天" not in row.replace("今天到期", "")


async def test_help_has_a_line_for_every_view(make_app, cast, settle):
    from dongwu_tui.ui.screens.help import HelpScreen

    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        body = str(app.screen.query_one("#help-body").render())
        for number, label in enumerate(["待签收", "办理中", "两日内到期", "已超期", "待回访", "退单待审核", "全部工单"]):
            assert f"{number + 1}  {label}：" in body
        assert "我的办理中" not in body


async def _switch_to(app, pilot, settle, name):
    from deskkit import TEST_PASSWORD

    from dongwu_tui.ui.screens.signin import SignInScreen

    await pilot.press("f9")
    await settle(app, pilot)
    assert isinstance(app.screen, SignInScreen)
    app.screen.query_one("#who-filter", Input).value = name
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    await pilot.press(*TEST_PASSWORD, "enter")
    await settle(app, pilot, rounds=5)


async def test_switching_person_rebuilds_every_workspace(make_app, cast, desk, open_request, settle, signed_in):
    from dongwu_tui.ui.screens.requests import RequestsScreen
    from dongwu_tui.ui.screens.talents import TalentsScreen

    request = open_request()
    signed_in(cast.supervisor)
    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f4")
        await settle(app, pilot)
        old_requests = app.screen
        assert "我的办理中" in str(old_requests.query_one("#views").get_option_at_index(1).prompt)
        app.push_screen(RequestScreen(request.id))
        await settle(app, pilot)
        await _switch_to(app, pilot, settle, cast.supervisor.name)
        screen = app.screen
        assert isinstance(screen, RequestsScreen) and screen is not old_requests
        assert len(app.screen_stack) == 1  # the specialist's request page is gone
        assert cast.supervisor.name in str(screen.query_one("#title").render())
        assert cast.specialist.name not in str(screen.query_one("#title").render())
        assert str(screen.query_one("#views").get_option_at_index(1).prompt).startswith("2 办理中")
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentsScreen)
        assert cast.supervisor.name in str(app.screen.query_one("#title").render())


async def test_switching_to_the_same_workspace_starts_it_afresh(make_app, cast, desk, settle, signed_in):
    from dongwu_tui.ui.screens.intake import IntakeScreen

    other = desk.directory.add_staff("孙话务", "operator")
    signed_in(other)
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        first = app.screen
        assert isinstance(first, IntakeScreen)
        await _switch_to(app, pilot, settle, other.name)
        assert isinstance(app.screen, IntakeScreen) and app.screen is not first
        assert other.name in str(app.screen.query_one("#title").render())
        assert app.desk.actor.id == other.id


async def test_quit_and_switch_ask_before_dropping_a_typed_call(make_app, cast, settle):
    from dongwu_tui.ui.screens.dialogs import ConfirmDialog
    from dongwu_tui.ui.screens.signin import SignInScreen

    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*"1380013")
        await settle(app, pilot)
        intake = app.screen
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog) and app.is_running
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is intake and intake.query_one("#phone", Input).value == "1380013"
        await pilot.press("f9")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is intake
        await pilot.press("f9")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not app.is_running


async def test_quit_with_nothing_typed_does_not_ask(make_app, cast, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert not app.is_running


async def test_a_multi_line_paste_is_joined_and_said(make_app, cast, settle):
    from textual import events

    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#summary", Input).focus()
        await pilot.pause()
        app.post_message(events.Paste("咨询人才公寓\n申请条件\n\n和材料"))
        await settle(app, pilot)
        assert app.screen.query_one("#summary", Input).value == "咨询人才公寓 申请条件 和材料"
        assert any("3 行" in str(n.message) for n in app._notifications)
        app.screen.query_one("#phone", Input).focus()
        await pilot.pause()
        app.post_message(events.Paste("\n13800138000\n"))
        await settle(app, pilot)
        assert app.screen.query_one("#phone", Input).value == "13800138000"


async def test_intake_panel_is_refreshed_after_saving(make_app, cast, talent, desk, settle):
    from dongwu_tui.ui.screens.intake import IntakeScreen

    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press(*talent.phone)
        await settle(app, pilot)
        assert "咨询公寓" not in str(app.screen.query_one("#caller").render())
        await pilot.press("1", "1")
        await settle(app, pilot)
        await pilot.press(*"咨询公寓", "ctrl+s")
        await settle(app, pilot, rounds=5)
        panel = str(app.screen.query_one("#caller").render())
        assert "咨询公寓" in panel.split("最近来电")[1]  # the call just saved
        assert "咨询公寓" in panel.split("未办结工单")[1].split("最近来电")[0]  # and its request


async def test_intake_says_how_the_cursor_moves_and_which_keys_choose(make_app, cast, talent, open_request, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert "自动" in str(screen.query_one("#auto-advance").render())
        assert "1–3" in str(screen.query_one("#outcome-label").render())
        assert "4 并入" not in screen.query_one("#outcome").render()
        open_request(measure=11)
        await pilot.press(*talent.phone)
        await settle(app, pilot)
        await pilot.press("1", "1")
        await settle(app, pilot)
        assert "1–4" in str(screen.query_one("#outcome-label").render())
        assert "4 并入已有工单" in screen.query_one("#outcome").render()


async def test_log_call_from_a_talent_starts_like_f2(make_app, cast, talent, settle):
    from dongwu_tui.domain.models import CallOutcome
    from dongwu_tui.ui.screens.intake import IntakeScreen, OutcomeBar
    from dongwu_tui.ui.screens.talent import TalentScreen

    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        f2_default = app.screen.query_one(OutcomeBar).value
        assert f2_default is CallOutcome.REQUEST
        app.push_screen(TalentScreen(talent.id))
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one(OutcomeBar).value is f2_default
        assert app.screen.query_one("#phone", Input).value == talent.phone
        await pilot.press("ctrl+l")
        await pilot.press("f3")  # from the talents workspace too
        await settle(app, pilot)
        app.push_screen(TalentScreen(talent.id))
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one(OutcomeBar).value is f2_default
