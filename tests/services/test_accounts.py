"""Accounts: argon2id passwords, their rules, the lockout, and command-line sessions (issue 16)."""

from __future__ import annotations

import pytest
from deskkit import TEST_PASSWORD, Cast, Clock

from dongwu_tui.domain.errors import PermissionRefused, SignInRefused, ValidationFailed
from dongwu_tui.services.accounts import token_hash
from dongwu_tui.services.desk import Desk


@pytest.fixture
def accounts(desk: Desk, cast: Cast) -> Desk:
    """The cast with the test password each, set by the admin with no change required."""
    desk.accounts.set_initial(cast.admin, TEST_PASSWORD)
    for person in (cast.operator, cast.specialist, cast.supervisor):
        desk.accounts.reset(person.id, TEST_PASSWORD, must_change=False)
    return desk


@pytest.mark.parametrize(("password", "fragment"), [
    ("short-pw1", "至少 10 个字符"),
    ("李专员的密码很长很长", "姓名"),
    ("pw-13900139000", "电话号码"),
    ("aaaaaaaaaaaa", "过于简单"),
    ("tab\tinside-pw", "控制字符"),
])
def test_a_password_breaking_the_rules_is_refused(accounts: Desk, cast: Cast, password: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed, match=fragment):
        accounts.accounts.reset(cast.specialist.id, password)


def test_passwords_are_stored_as_argon2id_hashes(accounts: Desk, cast: Cast) -> None:
    stored = accounts.office.db.execute_sql("SELECT password_hash FROM account WHERE staff_id = ?",
                                            (cast.operator.id,)).fetchone()[0]
    assert stored.startswith("$argon2id$") and TEST_PASSWORD not in stored
    assert accounts.accounts.sign_in(cast.operator.name, TEST_PASSWORD).staff == cast.operator


def test_only_an_admin_resets_and_the_temporary_password_must_be_changed(accounts: Desk, act, cast: Cast) -> None:
    with pytest.raises(PermissionRefused):
        act(cast.supervisor).accounts.reset(cast.operator.id, "temporary-pass-1")
    act(cast.admin).accounts.reset(cast.operator.id, "temporary-pass-1")
    signed = accounts.accounts.sign_in(cast.operator.name, "temporary-pass-1")
    assert signed.must_change
    with pytest.raises(SignInRefused, match="须先设置新密码"):
        accounts.accounts.open_session(signed)
    accounts.accounts.change(cast.operator.id, "temporary-pass-1", "my-own-pass-2026")
    assert not accounts.accounts.sign_in(cast.operator.name, "my-own-pass-2026").must_change


def test_five_failures_lock_the_account_for_fifteen_minutes(accounts: Desk, cast: Cast, clock: Clock) -> None:
    for left in (4, 3, 2, 1):
        with pytest.raises(SignInRefused, match=f"还可再试 {left} 次"):
            accounts.accounts.sign_in(cast.operator.name, "wrong-password")
    with pytest.raises(SignInRefused, match="已锁定 15 分钟"):
        accounts.accounts.sign_in(cast.operator.name, "wrong-password")
    with pytest.raises(SignInRefused, match="已锁定，请于 09:15 后再试"):
        accounts.accounts.sign_in(cast.operator.name, TEST_PASSWORD)  # the right one too
    clock.advance(minutes=15, seconds=1)
    assert accounts.accounts.sign_in(cast.operator.name, TEST_PASSWORD).staff == cast.operator


def test_a_deactivated_account_cannot_sign_in(accounts: Desk, cast: Cast) -> None:
    accounts.office.db.execute_sql("UPDATE staff SET active = 0 WHERE id = ?", (cast.specialist.id,))
    accounts.directory._staff_by_id.clear()
    with pytest.raises(SignInRefused, match="已停用"):
        accounts.accounts.sign_in(cast.specialist.name, TEST_PASSWORD)


def test_an_unknown_name_and_a_wrong_password_read_the_same(accounts: Desk) -> None:
    with pytest.raises(SignInRefused, match="^姓名或密码不正确。$"):
        accounts.accounts.sign_in("张三丰", TEST_PASSWORD)


def test_a_session_keeps_only_the_token_hash_and_ends_after_eight_hours_idle(accounts: Desk, cast: Cast,
                                                                             clock: Clock) -> None:
    token = accounts.accounts.open_session(accounts.accounts.sign_in(cast.operator.name, TEST_PASSWORD))
    rows = accounts.office.db.execute_sql("SELECT token_hash FROM session").fetchall()
    assert rows == [(token_hash(token),)]
    assert accounts.accounts.resume(cast.operator.name, token) == cast.operator
    with pytest.raises(SignInRefused, match="登录已失效"):
        accounts.accounts.resume(cast.supervisor.name, token)  # a session names its own person only
    clock.advance(hours=7, minutes=59)
    assert accounts.accounts.resume(cast.operator.name, token) == cast.operator  # used: the idle clock restarts
    clock.advance(hours=7, minutes=59)
    assert accounts.accounts.resume(cast.operator.name, token) == cast.operator
    clock.advance(hours=8, minutes=1)
    with pytest.raises(SignInRefused, match="登录已过期"):
        accounts.accounts.resume(cast.operator.name, token)
    assert accounts.office.db.execute_sql("SELECT count(*) FROM session").fetchone()[0] == 0


def test_a_new_password_ends_the_old_sessions(accounts: Desk, cast: Cast) -> None:
    token = accounts.accounts.open_session(accounts.accounts.sign_in(cast.operator.name, TEST_PASSWORD))
    accounts.accounts.change(cast.operator.id, TEST_PASSWORD, "another-pass-2026")
    with pytest.raises(SignInRefused, match="登录已失效"):
        accounts.accounts.resume(cast.operator.name, token)


def test_the_key_ring_hooks_see_proven_and_new_passwords(accounts: Desk, cast: Cast, monkeypatch) -> None:
    from dongwu_tui.services import accounts as module

    seen: list[tuple[str, str, str]] = []
    monkeypatch.setattr(module, "PROVEN", [lambda desk, staff, password: seen.append(("proven", staff.name, password))])
    monkeypatch.setattr(module, "SET", [lambda desk, staff, password: seen.append(("set", staff.name, password))])
    accounts.accounts.sign_in(cast.operator.name, TEST_PASSWORD)
    accounts.accounts.change(cast.operator.id, TEST_PASSWORD, "another-pass-2026")
    assert seen == [("proven", "王话务", TEST_PASSWORD), ("proven", "王话务", TEST_PASSWORD),
                    ("set", "王话务", "another-pass-2026")]
