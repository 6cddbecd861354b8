"""Private keys kept in the database (the office's sync signing and sealing keys), never in clear.

On an encrypted office they are sealed (libsodium SecretBox) by a key derived from the database key
(BLAKE2b, its own personalisation), so whoever opens the database uses them and a copy of the file
without the key ring gives nothing. On a plain office they are sealed by a key derived with argon2id
from the administrator's password (DONGWU_PASSWORD, or the sign-in session once accounts exist), its salt
stored beside them; a plain office with no password given keeps them as they are until one is.

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
PRIVATE_NAMES = ("sign_sk", "box_sk")
SALT_NAME = "seal_salt"

Execute = Callable[..., Any]


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


def read(execute: Execute, name: str, db_key: bytes | None, password: str | None) -> bytes | None:
    value = _get(execute, name)
    if value is None:
        return None
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


def write(execute: Execute, name: str, raw: bytes, db_key: bytes | None, password: str | None) -> None:
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
