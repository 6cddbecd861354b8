"""Command-line sessions on this machine: `dongwu login` leaves a token in a file only the OS user can read,
and every command with `--as NAME` proves who is acting by it.

One file per office and staff member (a copy or a backup of the office's database is the same office),
in a `sessions` folder of the user state folder (0700; each file 0600). The database keeps only the token's SHA-256 (services/accounts.py), so a copy of the database does
not let anyone act as anyone.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import sys
from pathlib import Path

from dongwu_tui.domain.errors import SignInRefused, ValidationFailed
from dongwu_tui.services.desk import Desk
from dongwu_tui.services.setup import open_desk
from dongwu_tui.storage.paths import user_state_dir


def sessions_dir() -> Path:
    return user_state_dir() / "sessions"


def session_file(site_id: str, staff_id: str) -> Path:
    key = f"{site_id}\0{staff_id}".encode()
    return sessions_dir() / f"{hashlib.sha256(key).hexdigest()[:32]}.token"


def save_token(site_id: str, staff_id: str, token: str) -> Path:
    folder = sessions_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for made in (folder.parent, folder):  # the program's own state folder and its sessions: this user only
        os.chmod(made, 0o700)
    path = session_file(site_id, staff_id)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, token.encode("ascii"))
    finally:
        os.close(fd)
    os.replace(temporary, path)
    return path


def read_token(site_id: str, staff_id: str) -> str | None:
    try:
        return session_file(site_id, staff_id).read_text(encoding="ascii").strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError):
        return None


def forget_token(site_id: str, staff_id: str) -> None:
    try:
        session_file(site_id, staff_id).unlink()
    except FileNotFoundError:
        pass


def signed_in_desk(db_path: Path, actor: str | None) -> Desk:
    """The command's desk: nobody acting without `--as` (reads only, masked), else the person whose session
    file this user holds, proven against the database's session table."""
    desk = open_desk(db_path)
    if not actor:
        return desk
    try:
        staff = desk.directory.staff(actor)
        desk.actor = desk.accounts.resume(staff.id, read_token(desk.site_id, staff.id))
    except BaseException:
        desk.office.close()
        raise
    return desk


# -- reading passwords ----------------------------------------------------------------------------


class PasswordSource:
    """Where a command reads passwords: one line of stdin each (`--password-stdin`, for scripts), a file's
    lines (`--password-file`), or a hidden prompt on a terminal."""

    def __init__(self, *, stdin: bool = False, file: Path | None = None) -> None:
        self._lines: list[str] | None = None
        try:
            if stdin:
                self._lines = sys.stdin.read().splitlines()
            elif file is not None:
                self._lines = Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            where = "标准输入" if stdin else f"文件 {file}"
            raise ValidationFailed(f"无法从{where}读取密码（{type(error).__name__}），未做任何修改。") from error

    def read(self, prompt: str, *, what: str, confirm: bool = False) -> str:
        if self._lines is not None:
            if not self._lines:
                raise ValidationFailed(f"没有读到{what}（每行一个密码）。")
            return self._lines.pop(0)
        if not sys.stdin.isatty():
            raise SignInRefused(f"需要{what}：请在终端中运行，或用 --password-stdin 从标准输入提供。")
        password = getpass.getpass(prompt)
        if confirm and getpass.getpass("再输入一次：") != password:
            raise ValidationFailed("两次输入的密码不一致，未做任何修改。")
        return password

    def has_more(self) -> bool:
        return self._lines is None or bool(self._lines)
