"""Password and sign-in rules: what a password must be, how many failures lock an account and for how
long, how long a command-line session lives unused. No hashing here (services/accounts.py does it)."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from dongwu_tui.domain.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 256
# Five wrong passwords in a row lock the account for a quarter of an hour: slow enough to stop guessing,
# short enough that a clerk who mistyped is back before the next call.
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# A command-line session ends after a working day without use.
SESSION_IDLE = timedelta(minutes=8 * 60)
# A session's last use is written when it is this old, not on every command: reads stay reads, and the
# idle limit is kept to within this much.
SESSION_TOUCH = timedelta(minutes=15)


def check_new_password(password: str, *, name: str, phone: str | None = None) -> None:
    """Refuse a password that is short, unprintable, or the account's own name or phone number."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"密码至少 {MIN_LENGTH} 个字符。")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"密码最多 {MAX_LENGTH} 个字符。")
    if any(unicodedata.category(ch).startswith("C") for ch in password):
        raise ValidationFailed("密码不能含控制字符。")
    if password.strip() != password:
        raise ValidationFailed("密码首尾不能是空格。")
    folded = password.casefold()
    if name and name.casefold() in folded:
        raise ValidationFailed("密码不能包含本人姓名。")
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) >= 5 and digits in "".join(ch for ch in password if ch.isdigit()):
        raise ValidationFailed("密码不能包含本人电话号码。")
    if len(set(password)) < 4:
        raise ValidationFailed("密码过于简单，请混用不同的字符。")
