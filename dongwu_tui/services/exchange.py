"""Who may exchange sync files at this office, and the exchange key that opens the sync private keys of a
plain office (storage/sealing.py): each person allowed to exchange holds the key through a wrap opened by
their own password. Kept apart from services/sync.py, which loads the sync layer: signing in and setting a
password come here, on the desk's start-up path.

`give_wrap` makes a person's wrap whenever their account password is set; `proven`, after a sign-in,
hands the key to wraps waiting for it, and otherwise only keeps the password to open the person's wrap
when a sync operation first needs the key (`remembered`), so a sign-in costs no extra key derivation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dongwu_tui.domain.errors import StorageError, ValidationFailed
from dongwu_tui.domain.roles import ROLE_LABELS, Role

if TYPE_CHECKING:
    from dongwu_tui.domain.models import Staff
    from dongwu_tui.services.desk import Desk
    from dongwu_tui.storage.database import OfficeDatabase

ADMIN = (Role.ADMIN,)
EXCHANGE = (Role.SUPERVISOR, Role.ADMIN)  # unless the office sets its own
ROLES_META = "exchange_roles"


def exchange_roles(office: OfficeDatabase) -> tuple[Role, ...]:
    """The roles that may export, import and resolve here: the office's setting, administrators always."""
    text = office.meta(ROLES_META)
    chosen = {Role(code) for code in text.split(",") if code} if text is not None else set(EXCHANGE)
    return tuple(role for role in Role if role in chosen | {Role.ADMIN})


def parse_roles(text: str) -> tuple[Role, ...]:
    """Roles by English code or Chinese label, separated by commas (either width) or 、."""
    by_name = {**{role.value: role for role in Role}, **{label: role for role, label in ROLE_LABELS.items()}}
    found: set[Role] = set()
    for part in text.replace("，", ",").replace("、", ",").split(","):
        name = part.strip()
        if not name:
            continue
        role = by_name.get(name) or by_name.get(name.lower())
        if role is None:
            choices = "、".join(f"{r.value}（{r.label}）" for r in Role)
            raise ValidationFailed(f"角色「{name}」不正确，可选：{choices}。")
        found.add(role)
    return tuple(role for role in Role if role in found | {Role.ADMIN})


def allowed_ids(office: OfficeDatabase) -> set[str]:
    """Staff ids that may hold a wrap of the exchange key: active members in an exchange role."""
    from dongwu_tui.storage import sealing

    return sealing.exchangers(sealing.of(office), [role.value for role in exchange_roles(office)])


def remember(office: OfficeDatabase, key: bytes) -> None:
    """The exchange key, once opened, serves this open office (as an encrypted office's database key does)."""
    office.exchange_key = key  # type: ignore[attr-defined]


def remembered(office: OfficeDatabase) -> bytes | None:
    """The exchange key this open office holds; a password kept by `proven` opens its wrap now."""
    key = getattr(office, "exchange_key", None)
    pending = getattr(office, "exchange_pending", None)
    if key is None and pending is not None:
        from dongwu_tui.storage import sealing

        office.exchange_pending = None  # type: ignore[attr-defined]
        staff_id, password = pending
        wrap = sealing.wraps(sealing.of(office)).get(staff_id)
        try:
            key = sealing.open_wrap(wrap, password) if wrap is not None else None
        except StorageError:
            key = None
        if key is not None:
            remember(office, key)
    return key


def give_wrap(desk: Desk, staff: Staff, password: str, current: str | None = None) -> None:
    """Inside the write that stores `staff`'s new password on a plain office: their wrap of the exchange
    key, made for the new password (or removed when they may not exchange). The exchange key comes from
    this open office, from their own wrap opened by `current`, or from the acting person's wrap opened by
    the password given to this process; with none of these their wrap waits until someone who holds the
    key exchanges or signs in. An office with no exchange key yet makes one here."""
    import secrets

    from dongwu_tui.storage import keyring, sealing

    office = desk.office
    if office.key is not None:
        return
    execute = sealing.of(office)
    allowed = allowed_ids(office)
    sealing.keep_wraps(execute, allowed)
    if staff.id not in allowed:
        return
    key = remembered(office)
    have = sealing.wraps(execute)
    tries = [(staff.id, current), (desk.actor.id if desk.actor else None, keyring.supplied_password())]
    for staff_id, secret in tries:
        if key is None and staff_id in have and secret:
            try:
                key = sealing.open_wrap(have[staff_id], secret)
            except StorageError:
                key = None
    if key is None and not sealing.key_exists(execute):
        key = secrets.token_bytes(32)
    sealing.new_wrap(execute, staff.id, staff.name, password, key)
    if key is not None:
        sealing.hand_out(execute, key)
        remember(office, key)


def proven(desk: Desk, staff: Staff, password: str) -> None:
    """After `staff` proved `password` (sign-in, login): on a plain office, open their wrap for this
    office and hand the key to the wraps waiting for it, or, when none waits, keep the password for the
    first sync operation of this open office. Nothing here refuses a sign-in."""
    from dongwu_tui.storage import sealing

    office = desk.office
    if office.key is not None or getattr(office, "exchange_key", None) is not None:
        return
    have = sealing.wraps(sealing.of(office))
    wrap = have.get(staff.id)
    if wrap is None or wrap.get("key") is None:
        return
    allowed = allowed_ids(office)
    if staff.id not in allowed:
        return
    if set(have) <= allowed and all(w.get("key") is not None for w in have.values()):
        # Nothing waits for the key: open the wrap only when a sync operation needs it (`remembered`).
        office.exchange_pending = (staff.id, password)  # type: ignore[attr-defined]
        return
    try:
        key = sealing.open_wrap(wrap, password)
    except StorageError:
        return
    if key is not None:
        with office.write():
            sealing.keep_wraps(sealing.of(office), allowed_ids(office))
            sealing.hand_out(sealing.of(office), key)
        remember(office, key)
