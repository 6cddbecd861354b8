"""Accounts: proving who is acting. Passwords are stored as argon2id hashes, sign-in failures lock an account,
and command-line sessions are tokens whose SHA-256 alone is kept in the database.

argon2 is imported only when a password is hashed or checked, so opening the desk does not load it before
the sign-in screen asks for a password. The hashing costs ~50–100 ms by design.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dongwu_tui.domain.errors import NotFound, PermissionRefused, SignInRefused, ValidationFailed
from dongwu_tui.domain.models import Staff
from dongwu_tui.domain.passwords import (
    LOCKOUT,
    MAX_FAILURES,
    SESSION_IDLE,
    SESSION_TOUCH,
    check_new_password,
)
from dongwu_tui.domain.roles import Role

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

WRONG = "姓名或密码不正确。"
# The one password of every account of a demo database, printed in its summary and in the README: a demo is
# for trying the desk, so its accounts need no change at first sign-in. Office databases never get it.
DEMO_PASSWORD = "dongwu-demo-2026"
DEMO_MARK = "demo"  # meta key: present only in a demo database, written as its build's last row


# Hooks for the database key ring (storage/keyring.py): each account's key slot is wrapped by a key from its
# password. `PROVEN` runs after a password was checked (sign-in, login, lock screen): the place to unwrap
# the database key. `SET` runs inside the write that stores a new password (init, reset, change): the
# place to wrap the slot again; a hook that raises leaves the old password in place.
PROVEN: list[Callable[[Desk, Staff, str], None]] = []
SET: list[Callable[[Desk, Staff, str], None]] = []


def _has_key_ring(path: object) -> bool:
    """An encrypted office's key ring exists once `initialise_encrypted` has written it (its first slot,
    the administrator's, is wrapped there with the same password)."""
    from dongwu_tui.storage import keyring

    return keyring.keyring_path(path).exists()  # type: ignore[arg-type]


def _hasher():  # noqa: ANN202 - argon2's PasswordHasher, imported here only
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's recommended cost (RFC 9106 low-memory profile)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _verify(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A person whose password was checked: the desk acting as them, and whether they must now choose a new
    password (a first or an admin-set temporary one) before doing anything else."""

    desk: Desk
    staff: Staff
    must_change: bool


class AccountService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.office.tables

    # -- passwords ------------------------------------------------------------------------------

    def has_password(self, staff_id: str) -> bool:
        return self.t.AccountRow.get_or_none(self.t.AccountRow.staff_id == staff_id) is not None

    def must_change(self, staff_id: str) -> bool:
        row = self.t.AccountRow.get_or_none(self.t.AccountRow.staff_id == staff_id)
        return row is None or bool(row.must_change)

    def password_matches(self, staff_id: str, password: str) -> bool:
        """Whether `password` is the account's (no failure counted: for opening keys, not signing in)."""
        row = self.t.AccountRow.get_or_none(self.t.AccountRow.staff_id == staff_id)
        return row is not None and _verify(row.password_hash, password)

    def _store(self, staff: Staff, password: str, *, must_change: bool, reason: str,
               current: str | None = None) -> None:
        check_new_password(password, name=staff.name, phone=staff.phone)
        stored = hash_password(password)
        at = self.desk.clock()
        with self.desk.office.write():
            self.t.AccountRow.insert(staff_id=staff.id, password_hash=stored, must_change=must_change,
                                     failed_count=0, locked_until=None, changed_at=at).on_conflict_replace().execute()
            # A new password ends every session opened with the old one.
            self.t.SessionRow.delete().where(self.t.SessionRow.staff_id == staff.id).execute()
            auditor = self.desk if self.desk.actor is not None else self.desk.acting_as(staff)
            auditor.audit("staff", staff.id, "password", {"must_change": must_change}, reason)
            for hook in SET:
                hook(self.desk, staff, password)
            office = self.desk.office
            if office.key is not None and _has_key_ring(office.path):
                # One password per person: on an encrypted office the account's password also wraps its slot
                # of the key ring, so whoever can sign in can open the file.
                from dongwu_tui.storage import keyring

                keyring.add_slot(office.path, office.key, staff.id, password, name=staff.name)
            # On a plain office the password also opens the person's wrap of the sync exchange key, if
            # their role may exchange sync files (services/sync.py).
            from dongwu_tui.services.exchange import give_wrap

            give_wrap(self.desk, staff, password, current)

    def set_initial(self, staff: Staff, password: str, *, must_change: bool = False) -> None:
        """The first password of the account `dongwu init` (or the demo) creates; no one is signed in yet."""
        if self.has_password(staff.id):
            raise PermissionRefused(f"{staff.name}已设置密码，请用 dongwu password 修改。")
        self._store(staff, password, must_change=must_change, reason="初始密码")

    def demo_password(self) -> str | None:
        """The shared password of a demo database's accounts (for the sign-in screen to say), None for a real
        office: its passwords are its people's own."""
        return DEMO_PASSWORD if self.desk.office.meta(DEMO_MARK) is not None else None

    def demo_passwords(self) -> int:
        """Every account of a demo database gets DEMO_PASSWORD (one hash for all; no change required)."""
        stored = hash_password(DEMO_PASSWORD)
        at = self.desk.clock()
        rows = [{"staff_id": staff_id, "password_hash": stored, "must_change": False, "failed_count": 0,
                 "locked_until": None, "changed_at": at} for (staff_id,) in self.t.StaffRow.select(self.t.StaffRow.id).tuples()]
        with self.desk.office.write():
            self.t.AccountRow.insert_many(rows).on_conflict_replace().execute()
        return len(rows)

    def reset(self, ref: str, temporary: str, *, must_change: bool = True) -> Staff:
        """An admin sets a temporary password, to be changed at the next sign-in."""
        self.desk.require(Role.ADMIN, action="重置密码")
        staff = self.desk.directory.staff(ref)
        self._store(staff, temporary, must_change=must_change, reason="管理员重置密码")
        return staff

    def change(self, ref: str, current: str, new: str) -> Staff:
        """The account's owner changes their password, proving the current one (failures count)."""
        staff = self._check(ref, current)
        if new == current:
            raise ValidationFailed("新密码不能与原密码相同。")
        self._store(staff, new, must_change=False, reason="本人修改密码", current=current)
        return staff

    # -- signing in -----------------------------------------------------------------------------

    def _check(self, ref: str, password: str) -> Staff:
        """The staff member `ref` names, if `password` is theirs; a wrong password counts toward the lockout.
        The failure count is written before the refusal is raised."""
        try:
            staff = self.desk.directory.staff(ref)
        except NotFound:
            raise SignInRefused(WRONG) from None
        if not staff.active:
            raise SignInRefused(f"{staff.name}的账号已停用，不能登录。")
        row = self.t.AccountRow.get_or_none(self.t.AccountRow.staff_id == staff.id)
        if row is None:
            raise SignInRefused(f"{staff.name}尚未设置密码，请系统管理员用 dongwu staff password {staff.name} "
                                "设置临时密码。")
        now = self.desk.clock()
        if row.locked_until is not None and row.locked_until > now:
            raise SignInRefused(f"{staff.name}的账号因连续 {MAX_FAILURES} 次密码错误已锁定，"
                                f"请于 {row.locked_until:%H:%M} 后再试。")
        if not _verify(row.password_hash, password):
            failures = row.failed_count + 1
            A = self.t.AccountRow
            with self.desk.office.write():
                if failures >= MAX_FAILURES:
                    A.update(failed_count=0, locked_until=now + LOCKOUT).where(A.staff_id == staff.id).execute()
                else:
                    A.update(failed_count=failures).where(A.staff_id == staff.id).execute()
            if failures >= MAX_FAILURES:
                raise SignInRefused(f"密码错误已达 {MAX_FAILURES} 次，{staff.name}的账号已锁定 "
                                    f"{int(LOCKOUT.total_seconds() // 60)} 分钟。")
            raise SignInRefused(f"{WRONG[:-1]}（还可再试 {MAX_FAILURES - failures} 次）。")
        if row.failed_count or row.locked_until is not None:
            A = self.t.AccountRow
            with self.desk.office.write():
                A.update(failed_count=0, locked_until=None).where(A.staff_id == staff.id).execute()
        for hook in PROVEN:
            hook(self.desk, staff, password)
        from dongwu_tui.services.exchange import proven

        proven(self.desk, staff, password)
        return staff

    def sign_in(self, ref: str, password: str) -> SignedIn:
        staff = self._check(ref, password)
        return SignedIn(self.desk.acting_as(staff), staff, self.must_change(staff.id))

    # -- command-line sessions ------------------------------------------------------------------

    def open_session(self, signed_in: SignedIn) -> str:
        """A new session for a signed-in person whose password needs no change; returns the token, which
        is for their file alone (the database keeps its hash)."""
        if signed_in.must_change:
            raise SignInRefused(f"{signed_in.staff.name}须先设置新密码才能登录。")
        token = secrets.token_urlsafe(32)
        at = self.desk.clock()
        with self.desk.office.write():
            self.t.SessionRow.insert(token_hash=token_hash(token), staff_id=signed_in.staff.id, created_at=at,
                                     last_used_at=at).execute()
        return token

    def resume(self, ref: str, token: str | None) -> Staff:
        """The staff member `ref` names, if `token` is a live session of theirs."""
        staff = self.desk.directory.staff(ref)
        if not staff.active:
            raise SignInRefused(f"{staff.name}的账号已停用，不能查看或办理任何业务。")
        if not token:
            raise SignInRefused(f"{staff.name}尚未登录，请先运行 dongwu login --as {staff.name}。")
        S = self.t.SessionRow
        row = S.get_or_none(S.token_hash == token_hash(token))
        if row is None or row.staff_id != staff.id:
            raise SignInRefused(f"{staff.name}的登录已失效，请重新运行 dongwu login --as {staff.name}。")
        now = self.desk.clock()
        if now - row.last_used_at > SESSION_IDLE:
            with self.desk.office.write():
                S.delete().where(S.token_hash == row.token_hash).execute()
            raise SignInRefused(f"{staff.name}的登录已过期（超过 {int(SESSION_IDLE.total_seconds() // 3600)} 小时"
                                f"未使用），请重新运行 dongwu login --as {staff.name}。")
        if now - row.last_used_at >= SESSION_TOUCH:
            with self.desk.office.write():
                S.update(last_used_at=now).where(S.token_hash == row.token_hash).execute()
        return staff

    def close_session(self, token: str) -> bool:
        S = self.t.SessionRow
        with self.desk.office.write():
            return S.delete().where(S.token_hash == token_hash(token)).execute() > 0
