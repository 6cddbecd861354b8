"""Private keys kept in the database (the office's sync signing and sealing keys), never in clear.

On an encrypted office they are sealed (libsodium SecretBox) by a key derived from the database key
(BLAKE2b, its own personalisation), so whoever opens the database uses them and a copy of the file
without the key ring gives nothing.

On a plain office they are sealed (prefix `sealed-x:`) by the office's exchange key: 32 random bytes
handed to each person who may exchange sync files (and every administrator) through a wrap of their
own (`exchange-wrap:<staff id>`): an X25519 key pair whose private half is wrapped by a key derived
with argon2id from that person's account password (storage/keyring.py), and the exchange key sealed to
its public half. So the acting person's own password opens the keys, and anyone who holds the exchange
key can hand it to a person whose wrap is still waiting for it (made when their password was given
while no one holding the key was at hand) without knowing that person's password. A plain office with
no password given keeps the keys as they are until one is.

Keys sealed by a key derived from the administrator's password (prefix `sealed:` with the salt row
`seal_salt`: plain offices whose keys were made before they had an exchange key, or just decrypted) are
read with that password, and sealed by the exchange key once an administrator gives theirs.

The functions take `execute(sql, params) -> cursor`, so they work on the desk's peewee database and on
the bare SQLCipher connection of a conversion (storage/cipher.py) alike.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from dongwu_tui.domain.errors import StorageError

SEALED = "sealed:"
EXCHANGE_SEALED = "sealed-x:"
PRIVATE_NAMES = ("sign_sk", "box_sk")
SALT_NAME = "seal_salt"
WRAP_PREFIX = "exchange-wrap:"

Execute = Callable[..., Any]


def of(office: Any) -> Execute:
    """The `execute` of an open office (storage/database.py OfficeDatabase)."""
    return office.db.execute_sql


def exchangers(execute: Execute, roles: list[str]) -> set[str]:
    """Ids of the active staff members whose role is one of `roles` (those who may hold a wrap)."""
    marks = ", ".join("?" for _ in roles)
    rows = execute(f"SELECT id FROM staff WHERE deleted = 0 AND active = 1 AND role IN ({marks})", roles).fetchall()
    return {staff_id for (staff_id,) in rows}


def _get(execute: Execute, name: str) -> str | None:
    row = execute("SELECT value FROM sync_key WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def _set(execute: Execute, name: str, value: str) -> None:
    execute("INSERT OR REPLACE INTO sync_key (name, value) VALUES (?, ?)", (name, value))


def sealing_key(execute: Execute, db_key: bytes | None, password: str | None, *, create: bool) -> bytes | None:
    """The key that seals private keys here: from the database key, else from the password (a salt is
    made with `create`), else None."""
    if db_key is not None:
        from nacl.encoding import RawEncoder
        from nacl.hash import blake2b

        return blake2b(b"", key=db_key, person=b"dongwu-sync-sk", digest_size=32, encoder=RawEncoder)
    if not password:
        return None
    from dongwu_tui.storage import keyring

    stored = _get(execute, SALT_NAME)
    if stored is None:
        if not create:
            return None
        import secrets

        # The salt and the argon2id parameters it was used with, so later defaults change nothing here.
        stored = json.dumps({"salt": base64.b64encode(secrets.token_bytes(16)).decode("ascii"),
                             **keyring.DEFAULT_PARAMS})
        _set(execute, SALT_NAME, stored)
    kdf = json.loads(stored)
    return keyring.derive_key(password, base64.b64decode(kdf["salt"]),
                              {name: int(kdf[name]) for name in keyring.DEFAULT_PARAMS})


def read(execute: Execute, name: str, db_key: bytes | None, password: str | None,
         exchange_key: bytes | None = None) -> bytes | None:
    value = _get(execute, name)
    if value is None:
        return None
    if value.startswith(EXCHANGE_SEALED):
        key = exchange_key or (any_wrap_key(execute, password) if password else None)
        if key is None:
            raise StorageError(NEED_PASSWORD)
        return _open(key, value[len(EXCHANGE_SEALED):])
    if not value.startswith(SEALED):
        return base64.b64decode(value)
    key = sealing_key(execute, db_key, password, create=False)
    if key is None:
        raise StorageError("本单位的同步密钥由管理员密码保护：请用环境变量 DONGWU_PASSWORD 提供管理员密码。")
    from nacl.exceptions import CryptoError
    from nacl.secret import SecretBox

    try:
        return SecretBox(key).decrypt(base64.b64decode(value[len(SEALED):]))
    except CryptoError:
        raise StorageError("密码不正确，无法使用本单位的同步密钥；未做任何修改。") from None


def write(execute: Execute, name: str, raw: bytes, db_key: bytes | None, password: str | None,
          exchange_key: bytes | None = None) -> None:
    if db_key is None and exchange_key is not None:
        _set(execute, name, EXCHANGE_SEALED + _seal(exchange_key, raw))
        return
    key = sealing_key(execute, db_key, password, create=True)
    if key is None:
        _set(execute, name, base64.b64encode(raw).decode("ascii"))
        return
    from nacl.secret import SecretBox

    _set(execute, name, SEALED + base64.b64encode(bytes(SecretBox(key).encrypt(raw))).decode("ascii"))


def reseal(execute: Execute, old_key: bytes | None, new_key: bytes | None, password: str | None) -> None:
    """Seal the private keys for a database whose key changes (encrypt: None → key; decrypt: key → None,
    then by the password when one is given)."""
    if not execute("SELECT 1 FROM sqlite_master WHERE name = 'sync_key'").fetchone():
        return
    raws = {name: read(execute, name, old_key, password) for name in PRIVATE_NAMES}
    for name, raw in raws.items():
        if raw is not None:
            write(execute, name, raw, new_key, password)
    if new_key is not None:  # an encrypted office seals by its database key alone: the wraps have no use
        execute("DELETE FROM sync_key WHERE name LIKE ?", (WRAP_PREFIX + "%",))


# -- the exchange key of a plain office and its wraps ------------------------------------------------------

NEED_PASSWORD = ("本单位的同步密钥由可交换同步文件人员各自的密码保护：请在终端中运行以输入本人密码，"
                 "或用环境变量 DONGWU_PASSWORD 提供；未做任何修改。")
WRONG_PASSWORD = "密码不正确，无法使用本单位的同步密钥；未做任何修改。"


def _seal(key: bytes, raw: bytes) -> str:
    from nacl.secret import SecretBox

    return base64.b64encode(bytes(SecretBox(key).encrypt(raw))).decode("ascii")


def _open(key: bytes, text: str) -> bytes:
    from nacl.exceptions import CryptoError
    from nacl.secret import SecretBox

    try:
        return SecretBox(key).decrypt(base64.b64decode(text))
    except CryptoError:
        raise StorageError(WRONG_PASSWORD) from None


def wraps(execute: Execute) -> dict[str, dict[str, Any]]:
    """Each person's wrap, by staff id."""
    rows = execute("SELECT name, value FROM sync_key WHERE name LIKE ?", (WRAP_PREFIX + "%",)).fetchall()
    return {name[len(WRAP_PREFIX):]: json.loads(value) for name, value in rows}


def _put_wrap(execute: Execute, staff_id: str, wrap: dict[str, Any]) -> None:
    _set(execute, WRAP_PREFIX + staff_id, json.dumps(wrap, ensure_ascii=False))


def remove_wrap(execute: Execute, staff_id: str) -> None:
    execute("DELETE FROM sync_key WHERE name = ?", (WRAP_PREFIX + staff_id,))


def _sealed_to(public_key: str, exchange_key: bytes) -> str:
    from nacl.public import PublicKey, SealedBox

    return base64.b64encode(SealedBox(PublicKey(base64.b64decode(public_key))).encrypt(exchange_key)).decode("ascii")


def new_wrap(execute: Execute, staff_id: str, name: str, password: str, exchange_key: bytes | None) -> None:
    """A person's wrap for `password` (replacing theirs): a new key pair, its private half wrapped by the
    password, the exchange key sealed to it when given (else it waits for `hand_out`)."""
    from nacl.public import PrivateKey

    from dongwu_tui.storage import keyring

    pair = PrivateKey.generate()
    public = base64.b64encode(bytes(pair.public_key)).decode("ascii")
    _put_wrap(execute, staff_id, {
        "name": name, "public": public,
        "private": keyring._wrap(bytes(pair), staff_id, name, password, dict(keyring.DEFAULT_PARAMS)),
        "key": _sealed_to(public, exchange_key) if exchange_key is not None else None})


def open_wrap(wrap: dict[str, Any], password: str) -> bytes | None:
    """The exchange key from a person's wrap; None while it waits for it. A wrong password is refused."""
    from nacl.public import PrivateKey, SealedBox

    from dongwu_tui.storage import keyring

    private = keyring._unwrap(wrap["private"], password)
    if private is None:
        raise StorageError(WRONG_PASSWORD)
    if wrap.get("key") is None:
        return None
    return SealedBox(PrivateKey(private)).decrypt(base64.b64decode(wrap["key"]))


def any_wrap_key(execute: Execute, password: str) -> bytes | None:
    """The exchange key from whichever wrap `password` opens (a conversion knows a password, not whose)."""
    for wrap in wraps(execute).values():
        try:
            key = open_wrap(wrap, password)
        except StorageError:
            continue
        if key is not None:
            return key
    return None


def key_exists(execute: Execute) -> bool:
    """Whether this office has an exchange key: a wrap holds it, or keys are sealed by it."""
    return any(w.get("key") for w in wraps(execute).values()) or exchange_sealed(execute)


def hand_out(execute: Execute, exchange_key: bytes) -> int:
    """Seal the exchange key to every wrap still waiting for it; how many were completed."""
    done = 0
    for staff_id, wrap in wraps(execute).items():
        if wrap.get("key") is None:
            _put_wrap(execute, staff_id, {**wrap, "key": _sealed_to(wrap["public"], exchange_key)})
            done += 1
    return done


def keep_wraps(execute: Execute, allowed: set[str]) -> list[str]:
    """Remove the wraps of everyone outside `allowed` (staff ids); the ids removed."""
    gone = [staff_id for staff_id in wraps(execute) if staff_id not in allowed]
    for staff_id in gone:
        remove_wrap(execute, staff_id)
    return gone


def seal_all(execute: Execute, exchange_key: bytes, password: str | None) -> None:
    """Seal by the exchange key whatever private keys are kept in clear or by the administrator's
    password (which `password` must then be); the salt of the latter goes."""
    for name in PRIVATE_NAMES:
        value = _get(execute, name)
        if value is None or value.startswith(EXCHANGE_SEALED):
            continue
        raw = read(execute, name, None, password)
        if raw is not None:
            write(execute, name, raw, None, None, exchange_key)
    execute("DELETE FROM sync_key WHERE name = ?", (SALT_NAME,))


def exchange_sealed(execute: Execute) -> bool:
    """Private keys sealed by the exchange key (so a password is needed to use them)."""
    return any((_get(execute, n) or "").startswith(EXCHANGE_SEALED) for n in PRIVATE_NAMES)


def old_format(execute: Execute) -> bool:
    """Keys sealed by a key from the administrator's password."""
    return any((_get(execute, n) or "").startswith(SEALED) for n in PRIVATE_NAMES)
