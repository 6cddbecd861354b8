"""The help (F1) and the command palette: every key with its binding id, the keymap's clashes, n/p on a request."""

from __future__ import annotations

from textual.command import CommandList
from textual.widgets import Static

from dongwu_tui.ui.app import DeskApp
from dongwu_tui.ui.screens.help import HelpScreen

SIZE = (140, 40)


def help_text(app) -> str:
    assert isinstance(app.screen, HelpScreen)
    return str(app.screen.query_one("#help-body", Static).render())


async def test_help_shows_binding_ids_and_the_keymap_table_literally(make_app, cast, settle):
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f6")
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        text = help_text(app)
        assert "[keymap]" in text  # not swallowed as markup
        assert "dashboard.axis" in text and "app.requests" in text
        assert "切换维度" in text and "按键冲突" not in text


async def test_palette_shows_binding_ids(make_app, cast, settle):
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        shown = "\n".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))
        assert "编号 app.dashboard" in shown


async def test_a_clashing_remap_is_warned_at_start_up_and_in_help(desk, cast, settle, signed_in):
    """`t` for 工单 takes the dashboard's own `t` (切换维度): said at start-up and in the dashboard's help."""
    app = DeskApp(signed_in(cast.supervisor).desk, site_name="吴中区高层次人才服务中心",
                  keymap={"app.requests": "t", "no.such": "f12"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        said = "\n".join(str(n.message) for n in app._notifications)
        assert "dashboard.axis" in said and "app.requests" in said and "no.such" in said
        await pilot.press("f6")
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        text = help_text(app)
        assert "按键冲突" in text and "dashboard.axis" in text.split("按键冲突")[1]


def test_keymap_clashes_only_report_what_the_keymap_caused():
    from textual.binding import Binding

    from dongwu_tui.ui.config import keymap_clashes

    bindings = [Binding("a", "one", "一", id="x.one"), Binding("b", "two", "二", id="x.two"),
                Binding("c", "three", "三", id="x.three"), Binding("c", "four", "四", id="x.four")]
    assert keymap_clashes({}, [("本页", bindings)]) == []  # a default that shares a key is not the keymap's doing
    assert keymap_clashes({"x.one": "d"}, [("本页", bindings)]) == []
    [clash] = keymap_clashes({"x.one": "b"}, [("本页", bindings)])
    assert "x.one" in clash and "x.two" in clash and "按键 b" in clash
    assert keymap_clashes({"x.one": "b", "x.two": "e"}, [("本页", bindings)]) == []  # moved out of the way
