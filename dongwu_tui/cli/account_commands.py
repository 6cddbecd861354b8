"""`dongwu login`, `logout`, `password` and `staff password`: proving who acts at the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from dongwu_tui.domain.errors import SignInRefused, ValidationFailed
from dongwu_tui.domain.passwords import SESSION_IDLE

ACCOUNT_COMMANDS = ("login", "logout", "password")


def password_options(p: argparse.ArgumentParser, *, lines: str) -> None:
    p.add_argument("--password-stdin", action="store_true", help=f"从标准输入读取密码（{lines}），供脚本使用")


def add_parsers(command: Callable[..., argparse.ArgumentParser]) -> None:
    p = command("login", "登录：用 --as 指明本人，输入密码后在本机保存登录凭据（8 小时未使用自动失效）")
    password_options(p, lines="第一行为密码；须修改密码时第二行为新密码")
    command("logout", "退出登录：删除本机保存的登录凭据")
    p = command("password", "修改本人密码（用 --as 指明本人）")
    password_options(p, lines="第一行为原密码，第二行为新密码")


def _path(args: argparse.Namespace) -> Path:
    from dongwu_tui.storage.paths import default_database_path

    return args.db if args.db is not None else default_database_path()


def _who(args: argparse.Namespace, command: str) -> str:
    if not args.actor:
        raise ValidationFailed(f"请用 --as 指明本人，如：dongwu {command} --as 姓名。")
    return args.actor


def run(args: argparse.Namespace) -> int:
    from dongwu_tui.cli.sessions import PasswordSource, forget_token, read_token, save_token
    from dongwu_tui.services.setup import open_desk

    from dongwu_tui.storage import keyring

    path = _path(args)
    who = _who(args, args.command)
    source = PasswordSource(stdin=args.password_stdin) if args.command != "logout" else None
    login_password = None
    if args.command == "login" and keyring.is_encrypted_file(path) and keyring.supplied_password() is None:
        # An encrypted office opens with the same password the person signs in with: asked once.
        assert source is not None
        login_password = source.read(f"{who}的密码：", what="密码")
        keyring.supply_password(login_password)
    desk = open_desk(path)
    try:
        accounts = desk.accounts
        staff = desk.directory.staff(who)
        if args.command == "logout":
            token = read_token(desk.site_id, staff.id)
            if token:
                accounts.close_session(token)
            forget_token(desk.site_id, staff.id)
            print(f"{staff.name}已退出登录。")
            return 0
        assert source is not None
        if args.command == "password":
            current = source.read(f"{staff.name}的原密码：", what="原密码")
            new = source.read("新密码：", what="新密码", confirm=True)
            accounts.change(staff.id, current, new)
            forget_token(desk.site_id, staff.id)
            print(f"{staff.name}的密码已修改；请重新运行 dongwu login --as {staff.name}。")
            return 0
        password = login_password or source.read(f"{staff.name}的密码：", what="密码")
        signed = accounts.sign_in(staff.id, password)
        if signed.must_change:
            if not source.has_more():
                raise SignInRefused(f"{staff.name}须先设置新密码（首次登录或临时密码）：请在终端中运行 "
                                    "dongwu login，或在标准输入的第二行给出新密码。")
            new = source.read("首次登录或临时密码，请设置新密码：", what="新密码", confirm=True)
            accounts.change(staff.id, password, new)
            signed = accounts.sign_in(staff.id, new)
        save_token(desk.site_id, staff.id, accounts.open_session(signed))
        hours = int(SESSION_IDLE.total_seconds() // 3600)
        print(f"{staff.name}（{staff.role.label}）已登录；{hours} 小时未使用将自动退出。")
        return 0
    finally:
        desk.office.close()


def staff_password(desk, args: argparse.Namespace) -> int:  # noqa: ANN001 - a Desk
    """`dongwu staff password NAME --as ADMIN`: a temporary password, changed at that person's next sign-in."""
    from dongwu_tui.cli.sessions import PasswordSource

    desk.require(action="重置密码")
    target = desk.directory.staff(args.name)
    temporary = PasswordSource(stdin=args.password_stdin).read(f"{target.name}的临时密码：", what="临时密码",
                                                              confirm=True)
    staff = desk.accounts.reset(target.id, temporary)
    print(f"已为{staff.name}设置临时密码；其下次登录时须修改密码。")
    return 0
