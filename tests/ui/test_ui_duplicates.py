"""The duplicates view (supervisors): reached from the talents with Ctrl+D, m merges the highlighted group."""

from __future__ import annotations

from dongwu_tui.ui.screens.duplicates import DuplicatesScreen
from dongwu_tui.ui.screens.talents import TalentsScreen

SIZE = (140, 40)


async def test_supervisor_merges_a_likely_duplicate(make_app, cast, desk, settle):
    operator = desk.acting_as(cast.operator)
    operator.talents.add(name="张伟", phone="13911112222", category_code="industry", card_no="DW1")
    operator.talents.add(name="張偉", phone="13911112222", category_code="industry", card_no="DW2")
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentsScreen)
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        assert len(app.screen.groups) == 1
        await pilot.press("m")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.groups == []
    assert desk.talents.count() == 1


async def test_operator_has_no_duplicates_view(make_app, cast, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentsScreen)
