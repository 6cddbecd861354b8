"""Stored text on the desk screens: terminal controls in names, summaries and reasons are spelled out."""

from __future__ import annotations

from dongwu_tui.ui.lines import PagedList
from dongwu_tui.ui.screens.request import RequestScreen
from dongwu_tui.ui.screens.talent import TalentScreen
from dongwu_tui.ui.screens.talents import TalentsScreen

SIZE = (140, 40)
ATTACK = "\x1b]0;pwned\x07陈人才\u202e"
RAW = ("\x1b", "\x07", "\u202e")


def _clean(text: str) -> bool:
    return not any(char in text for char in RAW)


async def test_a_stored_name_with_terminal_controls_is_drawn_spelled_out(make_app, cast, desk, talent, settle,
                                                                        open_request):
    request = open_request()
    desk.office.db.execute_sql("UPDATE talent SET name = ? WHERE id = ?", (ATTACK, talent.id))
    desk.office.db.execute_sql("UPDATE service_request SET summary = ? WHERE id = ?", ("摘要\x1b[2J", request.id))
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentsScreen)
        paged = app.screen.query_one(PagedList)
        line = "".join(segment.text for segment in paged.render_line(0))
        assert "\\u001b]0;" in line and _clean(line)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentScreen)
        profile = str(app.screen.query_one("#profile").render())
        assert "\\u001b" in profile and _clean(profile)
        timeline = app.screen.query_one("#timeline")
        prompts = [str(timeline.get_option_at_index(i).prompt) for i in range(timeline.option_count)]
        assert any("\\u001b[2J" in p for p in prompts) and all(_clean(p) for p in prompts)
        app.screen.notify(f"已更新 {ATTACK}")
        await pilot.pause()
        assert all(_clean(str(n.message)) for n in app._notifications)  # noqa: SLF001
        app.push_screen(RequestScreen(request.id))
        await settle(app, pilot)
        head = str(app.screen.query_one("#request-head").render())
        assert "\\u001b[2J" in head and _clean(head)


async def test_the_talent_edit_covers_every_field(make_app, cast, desk, talent, settle):
    from textual.widgets import Input

    from dongwu_tui.ui.screens.dialogs import TalentEditDialog

    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")  # the specialist's caseload: their one talent
        await settle(app, pilot)
        assert isinstance(app.screen, TalentScreen)
        await pilot.press("e")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, TalentEditDialog)
        fields = {widget.id.removeprefix("edit-") for widget in dialog.query(Input)}
        assert fields >= {"name", "phone", "id_kind", "id_number", "category_code", "level_code", "township_code",
                          "enterprise_id", "specialist_id", "card_no", "notes", "reason"}
        assert dialog.query_one("#edit-township_code", Input).value == "木渎镇"
        dialog.query_one("#edit-township_code", Input).value = "甪直镇"
        dialog.query_one("#edit-specialist_id", Input).value = "钱专员"
        dialog.query_one("#edit-category_code", Input).value = "青年人才"
        dialog.query_one("#edit-reason", Input).value = "迁往甪直"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    edited = desk.talents.get(talent.id)
    assert (edited.township_code, edited.specialist_id, edited.category_code) == ("luzhi", cast.specialist_luzhi.id,
                                                                                  "young")


async def test_a_merged_request_page_names_the_request_it_joined(make_app, cast, desk, settle, open_request):
    target, merged = open_request(), open_request(summary="再次咨询人才公寓")
    desk.acting_as(cast.supervisor).requests.move(merged.number, "merge", into=target.number, reason="同一事项")
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(RequestScreen(merged.id))
        await settle(app, pilot)
        assert f"已并入工单：{target.number}" in str(app.screen.query_one("#request-head").render())


async def test_dashboard_rows_show_stored_names_spelled_out(make_app, cast, desk, settle, open_request):
    from textual.widgets import DataTable

    from dongwu_tui.ui.screens.dashboard import DashboardScreen

    open_request()
    desk.office.db.execute_sql("UPDATE staff SET name = ? WHERE id = ?", ("\x1b[2J李专员", cast.specialist.id))
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f6")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        for _ in range(len(DashboardScreen.AXES)):
            if app.screen.axis == "specialist":
                break
            await pilot.press("t")
            await settle(app, pilot)
        grid = app.screen.query_one("#grid", DataTable)
        names = [str(grid.get_row_at(i)[0]) for i in range(grid.row_count)]
        assert any("\\u001b[2J李专员" in name for name in names), names
        assert all(_clean(name) for name in names)
