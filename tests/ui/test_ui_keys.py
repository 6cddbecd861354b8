"""Keys that work everywhere: F9 changes who is working, and a keymap in config.toml moves a binding."""

from __future__ import annotations

from dongwu_tui.ui.app import DeskApp
from dongwu_tui.ui.screens.requests import RequestsScreen
from dongwu_tui.ui.screens.signin import SignInScreen

SIZE = (140, 40)
TEST_PASSWORD = "dongwu-test-2026"


async def test_f9_switches_the_person_and_their_first_screen(make_app, cast, desk, settle, signed_in):
    signed_in(cast.supervisor)  # the supervisor has the test password
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.current_mode == "intake"
        await pilot.press("f9")
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        await pilot.press(*"周督办")          # filter by name, then choose the only match
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*"wrong-password", "enter")  # F9 asks for the next person's password
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen) and app.desk.actor.id == cast.operator.id
        assert "姓名或密码不正确" in str(app.screen.query_one("#signin-message").render())
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(app, pilot)
        assert app.desk.actor.id == cast.supervisor.id
        assert app.current_mode == "requests" and isinstance(app.screen, RequestsScreen)
        assert "周督办" in app.sub_title
        # The workspaces were started afresh for the new person: intake acts as the supervisor now.
        await pilot.press("f2")
        await settle(app, pilot)
        assert app.current_mode == "intake"
        assert app.desk.actor.role.value == "supervisor"


async def test_f9_then_escape_keeps_the_person(make_app, cast, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.desk.actor.id == cast.operator.id and app.current_mode == "intake"


async def test_keymap_moves_a_binding_by_its_id(desk, cast, settle, signed_in):
    """config.toml `[keymap] "app.requests" = "f8"`: F8 opens the requests, F4 no longer does."""
    app = DeskApp(signed_in(cast.operator).desk, site_name="吴中区高层次人才服务中心",
                  keymap={"app.requests": "f8"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.current_mode == "intake"
        await pilot.press("f4")
        await settle(app, pilot)
        assert app.current_mode == "intake"
        await pilot.press("f8")
        await settle(app, pilot)
        assert app.current_mode == "requests"


def test_keymap_file_is_read_and_a_bad_one_is_refused_in_chinese(tmp_path):
    from dongwu_tui.ui.config import load_keymap

    good = tmp_path / "config.toml"
    good.write_text('[keymap]\n"app.requests" = "f8"\n', encoding="utf-8")
    assert load_keymap(good) == ({"app.requests": "f8"}, None)
    bad = tmp_path / "bad.toml"
    bad.write_text("[keymap]\n\"app.requests\" = 8\n", encoding="utf-8")
    keymap, warning = load_keymap(bad)
    assert keymap == {} and warning is not None and "已使用默认按键" in warning
    broken = tmp_path / "broken.toml"
    broken.write_text("[keymap\n", encoding="utf-8")
    keymap, warning = load_keymap(broken)
    assert keymap == {} and warning
