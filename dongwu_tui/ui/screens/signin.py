"""Signing in at the desk: the person picks their name (typed, or filtered by pinyin initials) and types
their password; a first or temporary password is replaced on the spot. The same screen takes the next
person's password on F9, and the lock screen takes the same person's after the desk was left idle.

The accounts service checks the password (argon2 is loaded then, not as the desk starts); every refusal
(wrong password, locked or deactivated account) is a line on the screen, in Chinese.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from dongwu_tui.domain.roles import Role
from dongwu_tui.ui.fields import Field
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.screens.base import StylesKeptUntilAway
from dongwu_tui.ui.work import FetchMixin

if TYPE_CHECKING:
    from dongwu_tui.domain.models import Staff  # the first frame needs no models (msgspec loads after it)
    from dongwu_tui.services.accounts import SignedIn

DESK_ROLES = (Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR)


class SignInScreen(FetchMixin, StylesKeptUntilAway, ModalScreen["SignedIn | None"]):
    BINDINGS = [
        Binding("escape", "cancel", "取消", id="signin.cancel"),
        Binding("down", "move(1)", "下一位", show=False, id="signin.down"),
        Binding("up", "move(-1)", "上一位", show=False, id="signin.up"),
        Binding("enter", "enter", "确定", id="signin.enter", priority=True),
    ]

    def __init__(self, *, name: str | None = None, switching: bool = False) -> None:
        super().__init__()
        self.staff: list[Staff] = []
        self.shown: list[Staff] = []
        self.chosen: Staff | None = None
        self.preset = name or ""
        self.switching = switching
        self.signed: SignedIn | None = None  # signed in with a password that must be changed first
        self.password = ""
        self.loaded = False  # the staff list has come back from its worker
        self.resolving = False  # a name was entered and is being looked up (see action_enter)
        self.pending_name: str | None = None  # entered before the staff list was in
        self.pending_password: str | None = None  # entered before the name was looked up

    def compose(self) -> ComposeResult:
        title = "切换用户 · 请下一位登录" if self.switching else "东吴人才服务台 · 登录"
        with Vertical(id="signin", classes="dialog"):
            yield Static(title, classes="dialog-title")
            yield Field(value=self.preset, placeholder="姓名或拼音首字母", id="who-filter")
            if not self.preset:  # with a name from `--as`, the list comes only if the name must be chosen
                yield OptionList(id="who-list")
            yield Field(placeholder="密码", password=True, id="password")
            yield Static("", id="signin-message", markup=False)
            yield Static("", id="signin-demo", markup=False, classes="hint")
            yield Static("输入姓名筛选，↑↓ 选择，Enter 确定后输入密码　Esc 取消", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#signin-demo", Static).display = False
        if self.preset:  # `--as` named someone: what they type at once is their password
            self.set_focus(self.query_one("#password", Input))
            self.say(f"{self.preset}，请输入密码。")
        if self.app.desk is not None:  # type: ignore[attr-defined]
            self.desk_opened()
        # Else the database is still opening (start-up): the name and the password are taken meanwhile, and
        # checked once it is open and the staff list is in.

    def desk_opened(self) -> None:
        desk = self.app.desk  # type: ignore[attr-defined]
        self.fetch(lambda: ([s for s in desk.directory.staff_list() if s.role in DESK_ROLES and s.active],
                            desk.accounts.demo_password()), then=self.show_staff_and_hint)

    def show_staff_and_hint(self, value: tuple[list[Staff], str | None]) -> None:
        staff, demo_password = value
        if demo_password is not None:  # a demo database: whoever tries it needs the shared password
            hint = self.query_one("#signin-demo", Static)
            hint.update(f"演示数据库：每个演示账号的密码都是 {demo_password}")
            hint.display = True
        self.show_staff(staff)

    def show_staff(self, staff: list[Staff]) -> None:
        order = {role: i for i, role in enumerate(DESK_ROLES)}
        self.staff = sorted(staff, key=lambda s: (order[s.role], s.name))
        self.loaded = True
        named = [s for s in self.staff if self.preset and self.preset in (s.name, s.id)]
        if self.pending_name is not None:  # Enter came before the list
            self._resolve_name(self.pending_name)
        elif len(named) == 1:  # `--as` named them: the password is what is asked
            self._choose(named[0])
            if self.pending_password is not None:
                self._sign_in(self.pending_password)
        else:
            if self.preset:
                self.set_focus(self.query_one("#who-filter", Input))
            self._show(self.query_one("#who-filter", Input).value)

    def _matching(self, text: str) -> list[Staff]:
        text = text.strip().lower()
        if not text:
            return self.staff
        from dongwu_tui.domain.pinyin import pinyin_keys

        return [s for s in self.staff if text in s.name or pinyin_keys(s.name)[1].startswith(text)
                or pinyin_keys(s.name)[0].startswith(text)]

    def _who_list(self, make: bool = True) -> OptionList | None:
        """The list of matching names under the name field; made when first needed (`make`), since a first
        screen with the name filled in asks only for the password and draws sooner without it."""
        found = self.query("#who-list")
        if found:
            return found.first(OptionList)
        if not make:
            return None
        options = OptionList(id="who-list")
        self.query_one("#signin", Vertical).mount(options, after=self.query_one("#who-filter"))
        return options

    def _show(self, text: str) -> None:
        self.shown = self._matching(text)
        options = self._who_list()
        assert options is not None
        options.clear_options()
        options.add_options([Option(f"{escape(s.name)}　{s.role.label}　{escape(s.office_name)}")
                             for s in self.shown])
        if self.shown:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "who-filter" and event.value == event.input.value:  # not one overtaken
            if event.value == self.preset and self._who_list(make=False) is None:
                return  # the name `--as` gave, as the field starts with it: nothing to choose from yet
            if self.chosen is not None and event.value != self.chosen.name:
                self.chosen = None
            self._show(event.value)
            options = self._who_list()
            assert options is not None
            options.display = True

    def say(self, text: str) -> None:
        self.query_one("#signin-message", Static).update(text)

    def action_move(self, delta: int) -> None:
        options = self._who_list(make=False)
        if options is not None and self.shown:
            options.highlighted = max(0, min(len(self.shown) - 1, (options.highlighted or 0) + delta))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(self.shown[event.option_index])

    def _choose(self, staff: Staff) -> None:
        self.chosen = staff
        field = self.query_one("#who-filter", Input)
        with field.prevent(Input.Changed):
            field.value = staff.name
        self.shown = [staff]
        options = self._who_list(make=False)
        if options is not None:
            options.display = False  # the password field comes up under the name
        self.say(f"{staff.name}（{staff.role.label}），请输入密码。")
        self.set_focus(self.query_one("#password", Input))

    # Enter is a priority key: it is taken as the desk reads the keys, while what was typed before it may
    # still wait in the field's own queue. So the focus moves at once (the keys after Enter go to the next
    # field) and the field is read by a callback queued behind those keys (`call_later` on the field).

    def action_enter(self) -> None:
        focused = self.app.focused
        password = self.query_one("#password", Input)
        if self.signed is not None:
            new, again = self.query_one("#new-password", Input), self.query_one("#new-password-again", Input)
            if focused is new:
                self.set_focus(again)
            else:
                again.call_later(self._change_password)
        elif focused is password:
            password.call_later(self._submit_password)
        elif isinstance(focused, OptionList):
            if self.shown:
                self._choose(self.shown[focused.highlighted or 0])
        else:
            who = self.query_one("#who-filter", Input)
            self.resolving = True
            self.set_focus(password)
            who.call_later(lambda: self._resolve_name(who.value))

    def _resolve_name(self, text: str) -> None:
        if not self.loaded:
            self.pending_name = text
            self.say("正在读取工作人员名单……")
            return
        self.resolving, self.pending_name = False, None
        matches = self._matching(text)
        if not matches:
            self.pending_password = None
            self.query_one("#password", Input).value = ""
            self.set_focus(self.query_one("#who-filter", Input))
            self._show(text)
            self.say("没有这个名字的工作人员。")
            return
        options = self._who_list(make=False)
        highlighted = (options.highlighted if options is not None else None) or 0
        self._choose(matches[highlighted] if matches == self.shown and highlighted < len(matches) else matches[0])
        if self.pending_password is not None:
            self._sign_in(self.pending_password)

    def _submit_password(self) -> None:
        field = self.query_one("#password", Input)
        password, field.value = field.value, ""
        if self.chosen is None:
            if self.resolving or (self.preset and not self.loaded):  # the name is still being looked up
                self.pending_password = password
            else:
                self.set_focus(self.query_one("#who-filter", Input))
                self.say("请先输入姓名并按 Enter 选择。")
            return
        self._sign_in(password)

    # The password checks run in a worker: each is an argon2id derivation (64 MiB, a few hundred ms),
    # which on the UI thread would freeze the screen and the keys typed meanwhile.

    def _sign_in(self, password: str) -> None:
        assert self.chosen is not None
        self.pending_password = None
        staff_id, accounts = self.chosen.id, self.app.desk.accounts  # type: ignore[attr-defined]
        self.say("正在核对密码……")
        self.fetch(lambda: accounts.sign_in(staff_id, password), then=partial(self._signed, password=password),
                   failed=self.say)

    def _signed(self, signed: SignedIn, password: str) -> None:
        if signed.must_change:
            self.signed, self.password = signed, password
            # The new password's fields come now: most sign-ins never need them, and the first screen draws
            # sooner without them.
            new = Field(placeholder="新密码（至少 10 个字符，不含姓名、电话）", password=True, id="new-password")
            again = Field(placeholder="再输入一次新密码", password=True, id="new-password-again")
            password_field = self.query_one("#password", Input)
            self.query_one("#signin", Vertical).mount(new, again, after=password_field)
            password_field.display = False
            new.focus()
            self.say("首次登录或临时密码：请设置新密码。")
            return
        self.dismiss(signed)

    def _change_password(self) -> None:
        assert self.signed is not None
        new = self.query_one("#new-password", Input)
        again = self.query_one("#new-password-again", Input)
        if new.value != again.value:
            self.say("两次输入的新密码不一致，请重新输入。")
            new.value = again.value = ""
            self.set_focus(new)
            return
        accounts = self.app.desk.accounts  # type: ignore[attr-defined]
        staff_id, current, chosen = self.signed.staff.id, self.password, new.value

        def change() -> SignedIn:
            accounts.change(staff_id, current, chosen)
            return accounts.sign_in(staff_id, chosen)

        self.say("正在设置新密码……")
        self.fetch(change, then=self._changed, failed=self._change_refused)

    def _changed(self, signed: SignedIn) -> None:
        self.password = ""
        self.dismiss(signed)

    def _change_refused(self, message: str) -> None:
        self.say(message)
        new = self.query_one("#new-password", Input)
        new.value = self.query_one("#new-password-again", Input).value = ""
        self.set_focus(new)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LockScreen(FetchMixin, Screen[None]):
    """Over everything after the desk was left idle: no record, no list, no toast shows until the person who
    was working types their password again (or F9 lets another person sign in)."""

    BINDINGS = [Binding("enter", "unlock", "解锁", id="lock.unlock", priority=True)]

    def compose(self) -> ComposeResult:
        actor = self.app.desk.actor  # type: ignore[attr-defined]
        with Vertical(id="lock", classes="dialog"):
            yield Static("东吴人才服务台 · 已锁定", classes="dialog-title")
            yield Static(f"长时间未操作，屏幕已锁定。{escape(actor.name)}（{actor.role.label}）请输入密码解锁。",
                         id="lock-who")
            yield Field(placeholder="密码", password=True, id="lock-password")
            yield Static("", id="lock-message", markup=False)
            yield Static("Enter 解锁　F9 换人登录　Ctrl+Q 退出", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#lock-password", Input).focus()

    def action_unlock(self) -> None:
        # Read behind the keys still queued for the field (see SignInScreen.action_enter).
        self.query_one("#lock-password", Input).call_later(self._unlock)

    def _unlock(self) -> None:
        field = self.query_one("#lock-password", Input)
        password, field.value = field.value, ""
        desk = self.app.desk  # type: ignore[attr-defined]
        actor_id = desk.actor.id
        self.query_one("#lock-message", Static).update("正在核对密码……")
        self.fetch(lambda: desk.accounts.sign_in(actor_id, password), then=self._unlocked, failed=self._refused)

    def _unlocked(self, _signed: SignedIn) -> None:
        self.app.unlock()  # type: ignore[attr-defined]

    def _refused(self, message: str) -> None:
        self.query_one("#lock-message", Static).update(message)
