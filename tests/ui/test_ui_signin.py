"""The desk starts with the sign-in screen, F9 asks for the next person's password, and an idle desk locks
(issue 16)."""

from __future__ import annotations

from deskkit import TEST_PASSWORD
from textual.widgets import Input

from dongwu_tui.ui.app import DeskApp
from dongwu_tui.ui.screens.signin import LockScreen, SignInScreen

SIZE = (140, 40)


def message(app: DeskApp, id_: str = "#signin-message") -> str:
    return str(app.screen.query_one(id_).render())


async def test_the_desk_starts_signed_out_and_the_password_decides(desk, cast, signed_in, settle):
    signed_in(cast.supervisor)  # the admin gave the supervisor the test password
    app = DeskApp(desk.acting_as(None), site_name="吴中区高层次人才服务中心")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen) and app.desk.actor is None
        await pilot.press(*"zdb")  # pinyin initials of 周督办
        await settle(app, pilot)
        assert [s.name for s in app.screen.shown] == ["周督办"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.focused is app.screen.query_one("#password", Input)
        await pilot.press(*"not-the-password", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen) and app.desk.actor is None
        assert "姓名或密码不正确（还可再试 4 次）" in message(app)
        await pilot.press("f4")  # no workspace opens before the sign-in
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(app, pilot)
        assert app.desk.actor.id == cast.supervisor.id and app.current_mode == "requests"


async def test_five_failures_lock_the_account_on_screen(desk, cast, signed_in, settle):
    signed_in(cast.operator)
    app = DeskApp(desk.acting_as(None), site_name="吴中区高层次人才服务中心", sign_in_as=cast.operator.name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.focused is app.screen.query_one("#password", Input)  # --as fills in the name
        for _ in range(5):
            await pilot.press(*"wrong-password", "enter")
            await settle(app, pilot)
        assert "已锁定 15 分钟" in message(app)
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(app, pilot)
        assert "已锁定，请于" in message(app) and app.desk.actor is None


async def test_a_temporary_password_is_replaced_at_the_first_sign_in(desk, cast, signed_in, settle):
    desk.acting_as(cast.admin).accounts.reset(cast.specialist.id, "temporary-pass-1")
    app = DeskApp(desk.acting_as(None), site_name="吴中区高层次人才服务中心", sign_in_as=cast.specialist.name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*"temporary-pass-1", "enter")
        await settle(app, pilot)
        assert "请设置新密码" in message(app) and app.desk.actor is None
        await pilot.press(*"short", "enter", *"short", "enter")
        await settle(app, pilot)
        assert "至少 10 个字符" in message(app)
        await pilot.press(*"my-new-pass-26", "enter", *"my-new-pass-26", "enter")
        await settle(app, pilot)
        assert app.desk.actor.id == cast.specialist.id and app.current_mode == "talents"
    assert not desk.accounts.sign_in(cast.specialist.id, "my-new-pass-26").must_change


async def test_an_idle_desk_locks_and_hides_everything_until_the_password(make_app, cast, talent, settle):
    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        workspace = app.screen
        assert talent.name in app.export_screenshot()
        app.last_input -= app.idle_lock_s + 1  # ten minutes without a key
        app.lock_if_idle()
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen) and app.locked
        drawn = app.export_screenshot()
        assert talent.name not in drawn and talent.phone not in drawn and "已锁定" in drawn
        for key in ("f2", "f4", "f1", "ctrl+p"):
            await pilot.press(key)
            await settle(app, pilot)
            assert isinstance(app.screen, LockScreen)
        await pilot.press(*"wrong-password", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LockScreen) and "姓名或密码不正确" in message(app, "#lock-message")
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(app, pilot)
        assert app.screen is workspace and not app.locked


async def test_a_desk_in_use_does_not_lock(make_app, cast, settle):
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.last_input -= app.idle_lock_s - 60
        await pilot.press("f3")  # a key: the idle clock starts again
        await settle(app, pilot)
        app.lock_if_idle()
        await settle(app, pilot)
        assert not app.locked and not isinstance(app.screen, LockScreen)


async def test_f9_over_the_lock_lets_the_next_person_sign_in(make_app, cast, signed_in, settle):
    signed_in(cast.supervisor)
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.lock()
        await settle(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        app.screen.query_one("#who-filter", Input).value = cast.supervisor.name
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(app, pilot, rounds=5)
        assert app.desk.actor.id == cast.supervisor.id and not app.locked and app.current_mode == "requests"


def test_the_idle_minutes_come_from_config_toml(tmp_path):
    from dongwu_tui.ui.config import load_idle_lock_minutes

    path = tmp_path / "config.toml"
    assert load_idle_lock_minutes(path) == (10.0, None)
    path.write_text("[desk]\nidle_lock_minutes = 3\n", encoding="utf-8")
    assert load_idle_lock_minutes(path) == (3.0, None)
    path.write_text("[desk]\nidle_lock_minutes = \"十\"\n", encoding="utf-8")
    minutes, warning = load_idle_lock_minutes(path)
    assert minutes == 10.0 and warning is not None and "idle_lock_minutes" in warning


def _typed_at_once(app: DeskApp, keys: str | list[str]) -> None:
    """Keys as a fast typist (or a paste) sends them: all queued before the desk handles the first."""
    from textual import events

    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_a_name_and_password_typed_at_once_sign_in(desk, cast, signed_in, settle):
    signed_in(cast.supervisor)
    app = DeskApp(desk.acting_as(None), site_name="吴中区高层次人才服务中心")
    async with app.run_test(size=SIZE) as pilot:
        while not isinstance(app.screen, SignInScreen):
            await pilot.pause()
        _typed_at_once(app, [*"zdb", "enter", *TEST_PASSWORD, "enter"])  # maybe before the staff list is in
        await settle(app, pilot)
        assert app.desk.actor is not None and app.desk.actor.id == cast.supervisor.id


async def test_a_password_typed_at_once_after_as_signs_in(desk, cast, signed_in, settle):
    signed_in(cast.operator)
    app = DeskApp(desk.acting_as(None), site_name="吴中区高层次人才服务中心", sign_in_as=cast.operator.name)
    async with app.run_test(size=SIZE) as pilot:
        while not isinstance(app.screen, SignInScreen):
            await pilot.pause()
        _typed_at_once(app, [*TEST_PASSWORD, "enter"])
        await settle(app, pilot)
        assert app.desk.actor is not None and app.desk.actor.id == cast.operator.id


async def test_a_demo_database_says_its_shared_password_and_a_real_office_does_not(desk, cast, signed_in, settle):
    """Whoever tries the demo meets the sign-in screen first: it says the demo password (the one `demo`
    printed before the screen took the terminal). A real office's sign-in says nothing of passwords."""
    from dongwu_tui.services.accounts import DEMO_MARK, DEMO_PASSWORD

    for demo in (False, True):
        if demo:
            with desk.office.write():
                desk.office.set_meta(DEMO_MARK, "{}")
        app = DeskApp(desk.acting_as(None), site_name="吴中区高层次人才服务中心")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            hint = app.screen.query_one("#signin-demo")
            assert hint.display is demo
            assert (DEMO_PASSWORD in str(hint.render())) is demo


async def test_the_password_is_checked_off_the_screen_thread(desk, cast, signed_in, settle, monkeypatch):
    """Each check is an argon2id derivation: run on the screen's thread it would freeze the desk."""
    import threading

    from dongwu_tui.services.accounts import AccountService

    threads: list[bool] = []
    real = AccountService.sign_in

    def sign_in(self, ref, password):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(self, ref, password)

    signed_in(cast.supervisor)  # the test's own sign-in, before the desk's are watched
    monkeypatch.setattr(AccountService, "sign_in", sign_in)
    app = DeskApp(desk.acting_as(None), site_name="吴中区高层次人才服务中心", sign_in_as=cast.supervisor.name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(app, pilot)
        assert app.desk.actor is not None and app.desk.actor.id == cast.supervisor.id
    assert threads and not any(threads)


async def test_with_a_name_from_as_the_list_of_names_comes_only_when_a_name_must_be_chosen(desk, cast, signed_in,
                                                                                          settle):
    signed_in(cast.operator)
    app = DeskApp(desk.acting_as(None), site_name="吴中区高层次人才服务中心", sign_in_as=cast.operator.name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.screen.query("#who-list")  # the name is known: only the password is asked
        assert message(app) == f"{cast.operator.name}（{cast.operator.role.label}），请输入密码。"
        await pilot.press("shift+tab")  # back to the name, to pick someone else
        await pilot.press(*["backspace"] * 5, *"zdb")
        await settle(app, pilot)
        assert app.screen.query_one("#who-list").display
        assert [s.name for s in app.screen.shown] == ["周督办"]
    app = DeskApp(desk.acting_as(None), site_name="吴中区高层次人才服务中心", sign_in_as="无此人")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.focused is app.screen.query_one("#who-filter", Input)  # a name nobody has: choose from the list
        assert app.screen.query_one("#who-list").display
