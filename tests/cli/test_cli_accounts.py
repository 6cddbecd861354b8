"""Nobody acts as someone else at the command line (issue 16): `dongwu init` sets the admin's password,
`dongwu login` leaves a session only this OS user can read, and `--as` needs one."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from deskkit import DISTRICT_NAME
from test_cli import assert_refused, cli_env, iterdump, ok  # noqa: F401 - cli_env is a fixture

ADMIN_PASSWORD = "admin-pass-2026"


def raw(env: dict[str, str], db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`dongwu` exactly as typed: no helper logs anyone in."""
    return subprocess.run([sys.executable, "-m", "dongwu_tui", "--db", str(db), *args], env=env, input=stdin,
                          capture_output=True, text=True, encoding="utf-8", timeout=60, cwd=db.parent)


def sql(db: Path, query: str, *params: object) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute(query, params).fetchall()
        connection.commit()
        return rows
    finally:
        connection.close()


@pytest.fixture
def office(tmp_path: Path, cli_env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    env = {**cli_env, "DONGWU_STATE_DIR": str(tmp_path / "state")}
    db = tmp_path / "office.db"
    ok(raw(env, db, "init", "--site", DISTRICT_NAME, "--kind", "district", "--password-stdin",
           stdin=ADMIN_PASSWORD + "\n"))
    return db, env


def test_init_needs_a_good_password_and_makes_nothing_without_one(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db = tmp_path / "office.db"
    assert_refused(raw(cli_env, db, "init", "--site", DISTRICT_NAME, "--kind", "district"), "需要管理员密码")
    assert_refused(raw(cli_env, db, "init", "--site", DISTRICT_NAME, "--kind", "district", "--password-stdin",
                       stdin="short\n"), "至少 10 个字符")
    assert not db.exists()


def test_as_without_a_session_is_refused_and_changes_nothing(office) -> None:
    db, env = office
    before = iterdump(db)
    assert_refused(raw(env, db, "staff", "add", "--as", "系统管理员", "--name", "冒名", "--role", "supervisor"),
                   "系统管理员尚未登录", "dongwu login")
    assert iterdump(db) == before


def test_login_leaves_a_private_session_and_logout_ends_it(office) -> None:
    db, env = office
    out = ok(raw(env, db, "login", "--as", "系统管理员", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"))
    assert "系统管理员（系统管理员）已登录" in out
    folder = Path(env["DONGWU_STATE_DIR"]) / "sessions"
    (token_file,) = folder.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text()
    stored = [row[0] for row in sql(db, "SELECT token_hash FROM session")]
    assert len(stored) == 1 and token not in stored and token not in db.read_bytes().decode("latin-1")
    assert "已添加话务员 王芳" in ok(raw(env, db, "staff", "add", "--as", "系统管理员", "--name", "王芳",
                                       "--role", "operator"))
    ok(raw(env, db, "logout", "--as", "系统管理员"))
    assert not token_file.exists() and sql(db, "SELECT count(*) FROM session") == [(0,)]
    assert_refused(raw(env, db, "staff", "list", "--as", "系统管理员"), "尚未登录")


def test_a_temporary_password_is_changed_at_the_first_login(office) -> None:
    db, env = office
    ok(raw(env, db, "login", "--as", "系统管理员", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"))
    ok(raw(env, db, "staff", "add", "--as", "系统管理员", "--name", "王芳", "--role", "operator"))
    assert_refused(raw(env, db, "login", "--as", "王芳", "--password-stdin", stdin="anything-long\n"),
                   "王芳尚未设置密码", "staff password")
    ok(raw(env, db, "staff", "password", "王芳", "--as", "系统管理员", "--password-stdin", stdin="temp-pass-2026\n"))
    assert_refused(raw(env, db, "login", "--as", "王芳", "--password-stdin", stdin="temp-pass-2026\n"),
                   "须先设置新密码")
    ok(raw(env, db, "login", "--as", "王芳", "--password-stdin", stdin="temp-pass-2026\nwangfang-pass-26\n"))
    ok(raw(env, db, "staff", "list", "--as", "王芳"))
    assert_refused(raw(env, db, "staff", "password", "系统管理员", "--as", "王芳", "--password-stdin",
                       stdin="takeover-pass-1\n"), "话务员不能重置密码")


def test_wrong_password_locked_expired_and_deactivated_are_one_line_each(office) -> None:
    db, env = office
    login = lambda password: raw(env, db, "login", "--as", "系统管理员", "--password-stdin",  # noqa: E731
                                 stdin=password + "\n")
    assert_refused(login("wrong-password"), "姓名或密码不正确", "还可再试 4 次")
    for _ in range(3):
        assert_refused(login("wrong-password"), "姓名或密码不正确")
    assert_refused(login("wrong-password"), "已锁定 15 分钟")
    before = iterdump(db)
    assert_refused(login(ADMIN_PASSWORD), "已锁定，请于")
    assert iterdump(db) == before
    sql(db, "UPDATE account SET locked_until = NULL")
    ok(login(ADMIN_PASSWORD))
    sql(db, "UPDATE session SET last_used_at = datetime(last_used_at, '-9 hours')")
    assert_refused(raw(env, db, "staff", "list", "--as", "系统管理员"), "登录已过期", "8 小时")
    ok(login(ADMIN_PASSWORD))
    sql(db, "UPDATE staff SET active = 0")
    assert_refused(raw(env, db, "staff", "list", "--as", "系统管理员"), "已停用")
    assert_refused(login(ADMIN_PASSWORD), "已停用")


def test_password_changes_ones_own_and_ends_the_session(office) -> None:
    db, env = office
    ok(raw(env, db, "login", "--as", "系统管理员", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"))
    assert_refused(raw(env, db, "password", "--as", "系统管理员", "--password-stdin",
                       stdin="not-the-password\nnew-admin-pass-1\n"), "姓名或密码不正确")
    out = ok(raw(env, db, "password", "--as", "系统管理员", "--password-stdin",
                 stdin=f"{ADMIN_PASSWORD}\nnew-admin-pass-1\n"))
    assert "密码已修改" in out
    assert_refused(raw(env, db, "staff", "list", "--as", "系统管理员"), "尚未登录")
    assert_refused(raw(env, db, "login", "--as", "系统管理员", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"),
                   "姓名或密码不正确")
    ok(raw(env, db, "login", "--as", "系统管理员", "--password-stdin", stdin="new-admin-pass-1\n"))
