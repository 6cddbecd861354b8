"""The desk as a browser session (DONGWU_SERVE=1): keys the browser keeps have Alt alternatives, shown in
the key line and the help; other sessions' writes show without a key press."""

from __future__ import annotations

from dongwu_tui.storage.changes import ChangeSignal
from dongwu_tui.ui import serve
from dongwu_tui.ui.app import DeskApp
from dongwu_tui.ui.keybar import KeyBar
from dongwu_tui.ui.screens.help import HelpScreen

SIZE = (160, 40)


def _browser_app(desk, actor) -> DeskApp:
    return DeskApp(desk.acting_as(actor), site_name="吴中区高层次人才服务中心",
                   keymap=serve.serve_keymap({}), in_browser=True)


def _key_line(app) -> str:
    bar = app.screen.query_one(KeyBar)
    return "".join(bar.render_line(0).text)


async def test_keys_the_browser_keeps_have_alt_keys_in_the_key_line_and_help(desk, cast, talent):
    app = _browser_app(desk, cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        line = _key_line(app)
        assert "alt+n 保存并下一个" in line and "alt+p 命令面板" in line
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = "\n".join(app.screen._describe(app.screen_stack[-2]))
        assert "alt+n" in help_text
        await pilot.press("escape")
        await pilot.press("alt+p")  # the palette, without Ctrl+P
        await pilot.pause()
        from dongwu_tui.ui.palette import ChinesePalette

        assert isinstance(app.screen, ChinesePalette)


async def test_alt_n_saves_and_starts_the_next_call(desk, cast, talent):
    app = _browser_app(desk, cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        for key in [*talent.phone, "1", "1", *"咨询公寓"]:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("ctrl+s")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert "按 Alt+N 开始下一个来电" in str(app.screen.query_one("#status").render())
        await pilot.press("alt+n")
        await pilot.pause()
        assert app.screen.query_one("#phone").value == ""


async def test_the_terminal_keeps_its_keys(desk, cast):
    app = DeskApp(desk.acting_as(cast.operator), site_name="吴中区高层次人才服务中心")
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        line = _key_line(app)
        assert "^n 保存并下一个" in line and "alt+" not in line


def test_the_change_signal_sees_other_connections_commits(desk, cast, talent, db_path):
    signal = ChangeSignal(db_path)
    try:
        assert not signal.changed()
        desk.acting_as(cast.operator).calls.log(phone=talent.phone, summary="咨询", measure=11, outcome="request")
        assert signal.changed()
        assert not signal.changed()  # once per change
    finally:
        signal.close()


def test_an_office_remap_wins_over_the_browser_default():
    assert serve.serve_keymap({"intake.save_next": "f8"})["intake.save_next"] == "f8"
    assert serve.serve_keymap({})["app.palette"].startswith("alt+p")
