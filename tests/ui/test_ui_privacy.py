"""Need to know on the desk screens: an operator's lists are masked; a reveal with a reason is recorded."""

from __future__ import annotations

from dongwu_tui.ui.lines import PagedList
from dongwu_tui.ui.screens.dialogs import RevealDialog
from dongwu_tui.ui.screens.talent import TalentScreen
from dongwu_tui.ui.screens.talents import TalentsScreen

SIZE = (140, 40)
ID_NUMBER = "11010519491231002X"


async def test_an_operator_sees_masked_numbers_until_a_reveal_with_a_reason(make_app, cast, desk, talent, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentsScreen)
        paged = app.screen.query_one(PagedList)
        assert paged.row(0).phone == "138****8000"
        app.push_screen(TalentScreen(talent.id))
        await settle(app, pilot)
        profile = str(app.screen.query_one("#profile").render())
        assert "138****8000" in profile and ID_NUMBER not in profile
        await pilot.press("z")
        await settle(app, pilot)
        assert isinstance(app.screen, RevealDialog)
        await pilot.press("enter")  # no reason: refused in the dialog
        await settle(app, pilot)
        assert isinstance(app.screen, RevealDialog)
        await pilot.press(*"核对来电人", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentScreen)
        profile = str(app.screen.query_one("#profile").render())
        assert talent.phone in profile and ID_NUMBER in profile
    rows = desk.office.db.execute_sql("SELECT actor_id, what, place, reason FROM access_log ORDER BY at, rowid")
    assert list(rows)[:2] == [(cast.operator.id, "reveal", "人才档案", "核对来电人"),
                              (cast.operator.id, "numbers", "人才档案", "")]
